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

/// The start of a ring handle's `Debug`: its type, name, slot type and capacity (the caller adds
/// its own fields and finishes it).
pub(crate) fn debug_ring<'a, 'b>(
    f: &'a mut core::fmt::Formatter<'b>,
    ty: &str,
    name: &str,
    layout: &crate::Layout,
    capacity: usize,
) -> core::fmt::DebugStruct<'a, 'b> {
    let mut d = f.debug_struct(ty);
    d.field("name", &name)
        .field("type", &layout.name())
        .field("capacity", &capacity);
    d
}

/// Writes a ring handle's `Debug`: [`debug_ring`] (its type, name, slot type and capacity), then
/// each `"field": value` given (the values see the handle as `$r`).
macro_rules! ring_debug {
    ($ring:ident, |$r:ident| { $($field:literal: $value:expr),* $(,)? }) => {
        impl<T: SharedLayout> core::fmt::Debug for $ring<T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let $r = self;
                debug_ring(f, stringify!($ring), $r.name(), T::LAYOUT, $r.capacity())
                    $(.field($field, &$value))*
                    .finish()
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
