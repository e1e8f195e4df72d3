//! Adaptive spinning before parking.
//!
//! On the 2-core development machines a futex wait+wake round trip was measured at ~53 µs and a
//! hand-over by spinning at ~110 ns (see docs/architecture.md, Decisions), so a waiter first
//! spins; parking is the fallback. A fixed short spin tends to fall into the slow
//! path and stay there (every hand-over then pays a wake-up), so the budget adapts: it doubles
//! when spinning succeeded and shrinks by an eighth when it failed, between 2 µs and 100 µs. Each
//! mutex handle has its own budget; wait cells share one per process.

use core::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

const MIN_NS: u32 = 2_000;
const MAX_NS: u32 = 100_000;
const INITIAL_NS: u32 = 50_000;

/// An adaptive spin budget (process-local, never in shared memory).
#[derive(Debug)]
pub(crate) struct Spinner {
    budget_ns: AtomicU32,
}

impl Spinner {
    /// A spinner with the initial budget.
    pub const fn new() -> Spinner {
        Spinner {
            budget_ns: AtomicU32::new(INITIAL_NS),
        }
    }

    /// Calls `poll` until it returns `Some` or the budget is spent, yielding the CPU now and then
    /// (the holder may be preempted on a busy machine). Adapts the budget to the outcome.
    pub fn spin<R>(&self, mut poll: impl FnMut() -> Option<R>) -> Option<R> {
        let budget = self.budget_ns.load(Ordering::Relaxed).clamp(MIN_NS, MAX_NS);
        let start = Instant::now();
        let mut i: u32 = 0;
        loop {
            if let Some(r) = poll() {
                let grown = budget.saturating_mul(2).min(MAX_NS);
                self.budget_ns.store(grown, Ordering::Relaxed);
                return Some(r);
            }
            i = i.wrapping_add(1);
            if i.is_multiple_of(32) {
                if start.elapsed().as_nanos() >= u128::from(budget) {
                    let shrunk = (budget - budget / 8).max(MIN_NS);
                    self.budget_ns.store(shrunk, Ordering::Relaxed);
                    return None;
                }
                if i.is_multiple_of(128) {
                    std::thread::yield_now();
                    continue;
                }
            }
            core::hint::spin_loop();
        }
    }
}
