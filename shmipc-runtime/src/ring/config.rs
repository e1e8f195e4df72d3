//! [`RingConfig`]: the settings every ring's builder takes beyond the segment options.

use super::wait::WaitStrategy;
use crate::segment::{Builder, SharedPrimitive};

/// Settings of a ring ([`SpscRing`](super::SpscRing), [`BroadcastRing`](super::BroadcastRing),
/// and part of [`MpmcConfig`](super::MpmcConfig)) beyond the segment options; see [`Builder::capacity`](Builder#method.capacity) and
/// [`Builder::wait_strategy`](Builder#method.wait_strategy).
#[derive(Clone, Copy, Debug, Default)]
pub struct RingConfig {
    pub(crate) capacity: Option<usize>,
    pub(crate) wait: WaitStrategy,
}

impl AsMut<RingConfig> for RingConfig {
    fn as_mut(&mut self) -> &mut RingConfig {
        self
    }
}

/// The builder methods of every ring: of each primitive whose settings hold a [`RingConfig`].
impl<P: SharedPrimitive<Config: AsMut<RingConfig>>> Builder<P> {
    /// The number of slots, a power of two from 1 to 2³² (for a broadcast ring: how many recent
    /// messages it holds, so how far a subscriber may fall behind before it lags). `create` makes
    /// this many (without it, as many as fit in 1 MiB, at most 1024); `open` then refuses a ring
    /// of another capacity (without it, `open` takes the capacity the creator chose).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.config.as_mut().capacity = Some(capacity);
        self
    }

    /// How this process's handles of the ring wait in blocking calls (default
    /// [`WaitStrategy::SpinThenPark`]). A per-process choice: the peers may choose another.
    pub fn wait_strategy(mut self, wait: WaitStrategy) -> Self {
        self.config.as_mut().wait = wait;
        self
    }
}

/// A `Debug` struct of type `ty` with `fields` in order: what every ring and ring handle prints.
pub(crate) fn debug_fields(
    f: &mut core::fmt::Formatter<'_>,
    ty: &str,
    fields: &[(&str, &dyn core::fmt::Debug)],
) -> core::fmt::Result {
    let mut d = f.debug_struct(ty);
    for (name, value) in fields {
        d.field(name, value);
    }
    d.finish()
}

/// A ring handle's `Debug` (a producer's, a consumer's, a publisher's, a subscriber's): its type,
/// the ring's name, its own index and the capacity.
pub(crate) fn debug_handle(
    f: &mut core::fmt::Formatter<'_>,
    handle: &str,
    name: &str,
    (index_name, index): (&str, u64),
    capacity: u64,
) -> core::fmt::Result {
    let fields: [(&str, &dyn core::fmt::Debug); 3] =
        [("name", &name), (index_name, &index), ("capacity", &capacity)];
    debug_fields(f, handle, &fields)
}

/// Writes a ring's `Debug` impl: its type, name, slot type and capacity, then one field of its
/// own: `ring_debug!(SpscRing, "wait" => |ring| ring.wait)`.
macro_rules! ring_debug {
    ($ring:ident, $field:literal => |$r:ident| $value:expr) => {
        impl<T: SharedLayout> core::fmt::Debug for $ring<T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let $r = self;
                let fields: [(&str, &dyn core::fmt::Debug); 4] = [
                    ("name", &self.name()),
                    ("type", &T::LAYOUT.name()),
                    ("capacity", &self.capacity()),
                    ($field, &$value),
                ];
                super::config::debug_fields(f, stringify!($ring), &fields)
            }
        }
    };
}
pub(crate) use ring_debug;

/// Writes what every ring's inherent `impl<T: SharedLayout>` has: the `create(name, capacity)`,
/// `open(name)` and `builder(name)` shortcuts (through `primitive_shortcuts!`, each with the doc
/// comment written before its name), and the `capacity()` and `name()` accessors of its
/// `inner: Arc<Inner>` (`Inner` being the ring module's own, with a `capacity` field and a
/// `name()` method; a leading `inner: Type;` names another).
macro_rules! ring_shortcuts {
    (@inner) => { Inner };
    (@inner $inner:ty) => { $inner };
    (
        $(inner: $inner:ty;)?
        $(#[$create:meta])+ create;
        $(#[$open:meta])+ open;
        $(#[$builder:meta])+ builder;
    ) => {
        $crate::segment::primitive_shortcuts! {
            $(#[$create])+ create(capacity);
            $(#[$open])+ open;
            $(#[$builder])+ builder;
        }

        /// The number of slots (for a broadcast ring: how many recent messages it holds).
        pub fn capacity(&self) -> usize {
            self.inner.capacity
        }

        /// The shared-memory name, with its leading slash.
        pub fn name(&self) -> &str {
            self.inner.name()
        }

        #[cfg(test)]
        pub(crate) fn inner_for_tests(&self) -> &ring_shortcuts!(@inner $($inner)?) {
            &self.inner
        }
    };
}
pub(crate) use ring_shortcuts;
