//! What each end of an SPSC ring ([`Producer`](super::Producer), [`Consumer`](super::Consumer))
//! holds besides its protocol core: the mapping, where the slots are, and how it waits.

use std::sync::Arc;

use super::config::debug_handle;
use super::probe::Probe;
use super::spsc::{Inner, Slots};
use super::wait::{Light, Spinner, WaitStrategy};

/// One end's handle state, apart from its private index (kept by the protocol core).
pub(crate) struct Endpoint {
    /// The mapping, shared by the ring and its handles.
    pub(crate) inner: Arc<Inner>,
    /// Where the control block and the slots are (a copy of `inner.slots`).
    pub(crate) slots: Slots,
    pub(crate) wait: WaitStrategy,
    pub(crate) spinner: Spinner,
    /// When to look at the peer's liveness and the shared state on a non-blocking miss.
    pub(crate) probe: Probe,
    /// This handle's publisher fence.
    pub(crate) light: Light,
}

impl Endpoint {
    /// The state of a handle that just claimed its role on `inner`.
    pub(crate) fn new(inner: Arc<Inner>, wait: WaitStrategy) -> Endpoint {
        Endpoint {
            slots: inner.slots,
            inner,
            wait,
            spinner: Spinner::new(),
            probe: Probe::new(),
            light: Light::register(),
        }
    }

    /// The handle's `Debug`: its type, the ring's name, its own index and the capacity.
    pub(crate) fn debug(
        &self,
        f: &mut core::fmt::Formatter<'_>,
        handle: &str,
        index: (&str, u64),
    ) -> core::fmt::Result {
        let capacity = self.inner.capacity as u64;
        debug_handle(f, handle, self.inner.name(), index, capacity)
    }
}

/// The queries both SPSC ends have besides `len` and `is_empty` (`capacity`, whether the peer
/// is alive, `name`), through their `core` and `end` fields: `alive => peer;` names the method
/// and the peer's side block, with the doc comment written before it.
macro_rules! end_queries {
    ($(#[$alive_doc:meta])+ $alive:ident => $peer:ident;) => {
        /// The number of slots.
        pub fn capacity(&self) -> usize {
            self.core.capacity as usize
        }

        $(#[$alive_doc])+
        pub fn $alive(&self) -> bool {
            super::spsc::side_alive(&self.end.slots.control().$peer)
        }

        /// The ring's name.
        pub fn name(&self) -> &str {
            self.end.inner.name()
        }
    };
}
pub(crate) use end_queries;
