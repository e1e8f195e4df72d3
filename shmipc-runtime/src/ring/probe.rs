//! Rate-limited liveness checks for the non-blocking calls: a `try_pop` on an empty ring (or a
//! `try_push` on a full one) reports a peer that died, without reading `/proc` on every call.

use std::time::{Duration, Instant};

/// Misses between two looks at the clock.
const EVERY: u32 = 1024;
/// Least time between two liveness checks.
const PERIOD: Duration = Duration::from_millis(10);

/// Counts misses (empty or full results) and says when a liveness check is due.
#[derive(Debug)]
pub(crate) struct Probe {
    misses: u32,
    last: Option<Instant>,
}

impl Probe {
    pub(crate) const fn new() -> Probe {
        Probe {
            misses: 0,
            last: None,
        }
    }

    /// Records a miss; whether to check the peer's liveness now (then call
    /// [`checked`](Self::checked)).
    #[inline]
    pub(crate) fn due(&mut self) -> bool {
        self.misses = self.misses.wrapping_add(1);
        if !self.misses.is_multiple_of(EVERY) {
            return false;
        }
        self.last.is_none_or(|t| t.elapsed() >= PERIOD)
    }

    /// Records that a liveness check was made.
    pub(crate) fn checked(&mut self) {
        self.last = Some(Instant::now());
    }
}
