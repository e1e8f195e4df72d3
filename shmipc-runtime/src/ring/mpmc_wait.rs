//! How a blocked MPMC push or pop waits: the SPSC ring's adaptive spin ([`Spinner`]) and its
//! park handshake (asymmetric fences), with any number of parkers per cell, and the liveness
//! checks that drive recovery.
//!
//! The caller retries its claim after every [`Waiter::wait`]; a wait spins (loads only), yields
//! the CPU (when a claim in progress blocks it: that claimant needs the CPU), or parks one
//! slice. From 1 ms after the first wait on, and then every 10 ms, it asks whether the
//! claimant that blocks the slot is proven dead (then recovers the slot and returns at once) and
//! whether the other side is gone (then the caller makes one last attempt and reports
//! `Disconnected`). So a survivor blocked by a dead claimant recovers the slot within about
//! 1 ms + one `/proc` read of its first wait when the death came first, and within 10 ms of the
//! death otherwise.

use core::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::mpmc_protocol::Tag;
use super::wait::{Spinner, Stop, WaitStrategy};
use crate::sync::WaitCell;
use crate::sync::wait::wait;
use crate::sys::membarrier;

/// Polls before the first clock read.
const QUICK_POLLS: u32 = 16;
/// The first liveness check, after the first wait.
const FIRST_CHECK: Duration = Duration::from_millis(1);
/// Liveness checks after the first.
pub(crate) const CHECK_EVERY: Duration = Duration::from_millis(10);
/// Longest sleep without the heavy fence (the handshake cannot be relied on: poll).
const POLL_SLICE: Duration = Duration::from_millis(1);

/// What a waiter needs to know about its handle's side.
pub(crate) trait Blocker {
    /// The cell this side parks on.
    fn cell(&self) -> &WaitCell;
    /// Whether a claim may succeed now (loads only).
    fn ready(&self) -> bool;
    /// Whether the claimant `tag` is proven dead; if so, recovers its slot (one CAS; counted
    /// and announced by whoever wins it).
    fn recover(&self, tag: Tag) -> bool;
    /// Whether the other side is gone.
    fn gone(&self) -> bool;
    /// Whether the segment lost its memory.
    fn broken(&self) -> bool;
}

/// The state of one blocking call.
#[derive(Debug)]
pub(crate) struct Waiter {
    polls: u32,
    start: Option<Instant>,
    deadline: Option<Instant>,
    timeout: Option<Duration>,
    last_check: Option<Instant>,
}

impl Waiter {
    /// A waiter that gives up after `timeout` (`None`: never).
    pub(crate) fn new(timeout: Option<Duration>) -> Waiter {
        Waiter {
            polls: 0,
            start: None,
            deadline: None,
            timeout,
            last_check: None,
        }
    }

    /// Waits a little while the claim is blocked (by the claimant `tag`, if any); the caller
    /// retries its claim after `Ok`.
    pub(crate) fn wait<B: Blocker>(
        &mut self,
        b: &B,
        tag: Option<Tag>,
        strategy: WaitStrategy,
        spinner: &mut Spinner,
    ) -> Result<(), Stop> {
        self.polls = self.polls.saturating_add(1);
        if self.polls <= QUICK_POLLS && self.timeout != Some(Duration::ZERO) {
            core::hint::spin_loop();
            return Ok(());
        }
        let now = Instant::now();
        let start = *self.start.get_or_insert_with(|| {
            self.deadline = self.timeout.and_then(|t| now.checked_add(t));
            now
        });
        if b.broken() {
            return Err(Stop::Corrupted);
        }
        let checked = self.last_check.unwrap_or(start);
        let due = match self.last_check {
            None => now.duration_since(start) >= FIRST_CHECK,
            Some(t) => now.duration_since(t) >= CHECK_EVERY,
        };
        if due || self.deadline.is_some_and(|d| now >= d) {
            self.last_check = Some(now);
            if tag.is_some_and(|t| b.recover(t)) {
                return Ok(());
            }
            if b.gone() {
                return Err(Stop::Disconnected);
            }
        }
        if self.deadline.is_some_and(|d| now >= d) {
            return Err(Stop::Timeout);
        }
        let spin = match strategy {
            WaitStrategy::Spin => true,
            WaitStrategy::SpinThenPark => now.duration_since(start) < spinner.budget(),
            _ => false,
        };
        // Blocked by a claim in progress (a claimant between its claim and its publication or
        // release, which takes nanoseconds when it runs): past the first polls its process is
        // most likely preempted, and spinning only keeps it off the CPU. Give the CPU away.
        if tag.is_some() && strategy != WaitStrategy::Spin && self.polls > 2 * QUICK_POLLS {
            std::thread::yield_now();
            return Ok(());
        }
        if spin {
            // A spinner that never parks gives the CPU away at each liveness check (every
            // 10 ms), as the SPSC ring's does; one that will park does not.
            if due && strategy == WaitStrategy::Spin {
                std::thread::yield_now();
            }
            core::hint::spin_loop();
            return Ok(());
        }
        // One slice, at most until the next liveness check or the deadline.
        let next_check = checked + if self.last_check.is_some() { CHECK_EVERY } else { FIRST_CHECK };
        let until = self.deadline.map_or(next_check, |d| d.min(next_check));
        let slice = until.saturating_duration_since(now).max(Duration::from_micros(50));
        park(b, slice, spinner);
        Ok(())
    }
}

/// Parks once on the side's cell for at most `slice`: announce (count up), heavy fence, load the
/// value, re-check, sleep only if still blocked, count down. A publisher that stored before our
/// re-check is seen by it; one that stored after sees our count and wakes us (its light fence
/// pairs with our heavy one, as in the SPSC ring).
fn park<B: Blocker>(b: &B, slice: Duration, spinner: &mut Spinner) {
    let cell = b.cell();
    let parked = Instant::now();
    cell.waiters().fetch_add(1, Ordering::AcqRel);
    let heavy = membarrier::heavy();
    let v = cell.value().load(Ordering::Acquire);
    if !b.ready() {
        let slice = if heavy { slice } else { slice.min(POLL_SLICE) };
        wait(cell.value(), v, Some(slice));
        if b.ready() {
            spinner.parked_for(parked.elapsed());
        }
    }
    // Saturating: a count that a third process zeroed must not wrap to "always wake".
    let _ = cell
        .waiters()
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| Some(n.saturating_sub(1)));
}
