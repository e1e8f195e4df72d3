//! [`RingConfig`]: the settings every ring's builder takes beyond the segment options.

use super::wait::WaitStrategy;
use crate::segment::{Builder, SharedPrimitive};

/// Settings of a ring ([`SpscRing`](super::SpscRing), [`BroadcastRing`](super::BroadcastRing))
/// beyond the segment options; see [`Builder::capacity`](Builder#method.capacity) and
/// [`Builder::wait_strategy`](Builder#method.wait_strategy).
#[derive(Clone, Copy, Debug, Default)]
pub struct RingConfig {
    pub(crate) capacity: Option<usize>,
    pub(crate) wait: WaitStrategy,
}

impl<P: SharedPrimitive<Config = RingConfig>> Builder<P> {
    /// The number of slots, a power of two from 1 to 2³² (for a broadcast ring: how many recent
    /// messages it holds, so how far a subscriber may fall behind before it lags). `create` makes
    /// this many (without it, as many as fit in 1 MiB, at most 1024); `open` then refuses a ring
    /// of another capacity (without it, `open` takes the capacity the creator chose).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.config.capacity = Some(capacity);
        self
    }

    /// How this process's handles of the ring wait in blocking calls (default
    /// [`WaitStrategy::SpinThenPark`]). A per-process choice: the peers may choose another.
    pub fn wait_strategy(mut self, wait: WaitStrategy) -> Self {
        self.config.wait = wait;
        self
    }
}
