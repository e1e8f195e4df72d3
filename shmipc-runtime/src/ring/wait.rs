//! How a blocked push or pop waits: an adaptive spin, then parking on the peer's wait cell in
//! bounded slices that re-check the peer's liveness.

use std::time::{Duration, Instant};

use core::sync::atomic::{AtomicU64, Ordering, compiler_fence, fence};

use super::endpoint::Endpoint;
use super::control::{End, STATE_CLOSED, SideBlock};
use super::spsc::Slots;
use super::spsc_protocol::{Corrupted, WaitWords};
use crate::sync::{RoleHolder, WaitCell};
use crate::sync::wait::{wait, wake};
use crate::sys::membarrier;

/// How a blocking push or pop waits for the other side.
///
/// On these machines a futex wake-up costs about 400 spin round trips, so the default spins
/// first. Whatever the strategy, a waiter notices that its peer died or dropped its handle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitStrategy {
    /// Spin and never sleep: the lowest latency, one core busy while waiting.
    Spin,
    /// Spin adaptively (10–200 µs: longer after a park that a longer spin would have avoided,
    /// shorter after long idle parks), then sleep on the ring's wait cell until woken. The
    /// default.
    #[default]
    SpinThenPark,
    /// Sleep at once: the least CPU, every hand-over costs a wake-up.
    Park,
}

/// Longest single sleep; the sleeper then re-checks the peer's liveness.
pub(crate) const SLICE: Duration = Duration::from_millis(50);
/// Longest single sleep when the heavy fence is not available, so the handshake cannot be relied
/// on: the sleeper polls.
const POLL_SLICE: Duration = Duration::from_millis(1);
/// How often a spinning (never parking) waiter checks its peer's liveness.
const SPIN_LIVENESS: Duration = Duration::from_millis(10);

/// Polls before a blocking call reads the clock (a few hundred nanoseconds at most).
const QUICK_POLLS: u32 = 16;

/// Polls during which a spinning waiter waits for [`Side::plenty`] units, not one (a few
/// microseconds).
pub(crate) const PLENTY_POLLS: u32 = 96;

const MIN_NS: u32 = 10_000;
const MAX_NS: u32 = 200_000;
const INITIAL_NS: u32 = 50_000;

/// An adaptive spin budget (per handle, never in shared memory).
///
/// A short spin that keeps failing is the known trap: both sides then hand over through wake-ups,
/// each of which outlasts the spin, and stay there. So the budget learns from the park that
/// follows a failed spin: a park that ended within the longest budget means a longer spin would
/// have avoided it (double the budget); a longer park means the peer was idle (shrink it by an
/// eighth). A successful spin keeps the budget. The park's duration includes the wake-up's
/// latency, so a handshake through wake-ups always reads as "short" and pulls the budget up.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spinner {
    budget_ns: u32,
}

impl Spinner {
    pub(crate) const fn new() -> Spinner {
        Spinner {
            budget_ns: INITIAL_NS,
        }
    }

    pub(crate) fn budget(&self) -> Duration {
        Duration::from_nanos(u64::from(self.budget_ns.clamp(MIN_NS, MAX_NS)))
    }

    pub(crate) fn parked_for(&mut self, parked: Duration) {
        let budget = self.budget_ns.clamp(MIN_NS, MAX_NS);
        self.budget_ns = if parked < Duration::from_nanos(u64::from(MAX_NS)) {
            budget.saturating_mul(2).min(MAX_NS)
        } else {
            (budget - budget / 8).max(MIN_NS)
        };
    }
}

/// Why a blocking call stopped without progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    Timeout,
    Disconnected,
    Corrupted,
}

impl From<Corrupted> for Stop {
    fn from(_: Corrupted) -> Stop {
        Stop::Corrupted
    }
}

/// One side of the ring, as the wait loop needs it.
pub(crate) trait Side {
    /// How many units (messages or free slots) are available now; 0: none. No system call.
    fn ready(&mut self) -> u64;
    /// How many units a spinning waiter waits for during its first [`PLENTY_POLLS`] polls
    /// (then one suffices).
    fn plenty(&self) -> u64 {
        1
    }
    /// Which end this side is.
    const END: End;
    /// The handle's state besides its protocol core.
    fn endpoint(&self) -> &Endpoint;
    /// The same, to change the spin budget.
    fn endpoint_mut(&mut self) -> &mut Endpoint;
    /// Where the ring is (a copy: the wait loop borrows the words while it calls `ready`).
    fn slots(&self) -> Slots {
        self.endpoint().slots
    }
    /// This side's block of the control block (its index; the peer parks on its `wake`).
    fn own_block(slots: &Slots) -> &SideBlock {
        slots.control().block(Self::END)
    }
    /// The peer's block (its index, state and role; this side parks on its `wake`).
    fn peer_block(slots: &Slots) -> &SideBlock {
        slots.control().peer_of(Self::END)
    }
    /// This side's own index, as it keeps it privately.
    fn own_index(&self) -> u64;
    /// Checks the peer's index against this side's state (`Corrupted` if no correct peer could
    /// have written it).
    fn check_peer_index(&mut self, peer_index: &AtomicU64) -> Result<(), Corrupted>;
    /// Whether the segment lost its memory (see `RawSegment::is_broken`).
    fn broken(&self) -> bool {
        self.endpoint().inner.is_broken()
    }

    /// Whether the peer's handle was dropped (its state word says closed). One atomic load.
    fn peer_closed(&self) -> bool {
        Self::peer_block(&self.slots()).state.load(Ordering::Acquire) == STATE_CLOSED
    }

    /// Slow-path checks while waiting: shared state consistent (else `Corrupted`) and, with
    /// `liveness`, whether the peer's role holder died (reads `/proc`).
    fn check(&mut self, liveness: bool) -> Result<bool, Corrupted> {
        let slots = self.slots();
        let peer = Self::peer_block(&slots);
        // A truncated segment reads as zero pages from now on: nothing will ever change.
        if self.broken() {
            return Err(Corrupted {
                mine: self.own_index(),
                theirs: peer.index.load(Ordering::Relaxed),
            });
        }
        self.check_peer_index(&peer.index)?;
        Ok(liveness && matches!(peer.role.holder(), RoleHolder::Dead(_)))
    }

    /// Re-stores this side's own index (repairs a peer's overwrite before sleeping on it).
    fn republish(&self) {
        Self::own_block(&self.slots())
            .index
            .store(self.own_index(), Ordering::Release);
    }

    /// The cell this side parks on: the peer wakes it.
    fn park_words(slots: &Slots) -> WaitWords<'_> {
        words_of(&Self::peer_block(slots).wake)
    }

    /// This handle's publisher fence (see [`Light`]).
    fn light(&self) -> Light {
        self.endpoint().light
    }

    /// Says this side's handle is gone (an explicit, never inferred "closed"), wakes a parked
    /// peer so that it sees it, and gives the role up. For `Drop`.
    fn close(&self) {
        let slots = self.slots();
        let own = Self::own_block(&slots);
        own.state.store(STATE_CLOSED, Ordering::Release);
        notify(words_of(&own.wake), self.light());
        own.role.release();
    }

    /// This handle's wait strategy and spin budget.
    fn waiting(&mut self) -> (WaitStrategy, &mut Spinner) {
        let end = self.endpoint_mut();
        (end.wait, &mut end.spinner)
    }
}

/// Writes the parts of a [`Side`] impl that only name the end and the handle's `end: Endpoint`
/// field.
macro_rules! side_end {
    ($end:ident) => {
        const END: super::control::End = super::control::End::$end;

        fn endpoint(&self) -> &super::endpoint::Endpoint {
            &self.end
        }

        fn endpoint_mut(&mut self) -> &mut super::endpoint::Endpoint {
            &mut self.end
        }
    };
}
pub(crate) use side_end;

/// The words of `cell` as the protocol core sees them.
#[inline]
pub(crate) fn words_of(cell: &WaitCell) -> WaitWords<'_> {
    WaitWords {
        value: cell.value(),
        waiters: cell.waiters(),
    }
}

/// After the peer was found gone: what is still available, or `Disconnected`.
fn drained(side: &mut impl Side) -> Result<u64, Stop> {
    match side.ready() {
        0 => Err(Stop::Disconnected),
        n => Ok(n),
    }
}

/// Waits until `side.ready()` is non-zero (and returns it), the peer is gone with nothing left,
/// the shared state proves corrupted, or `timeout` passes.
pub(crate) fn block(side: &mut impl Side, timeout: Option<Duration>) -> Result<u64, Stop> {
    let n = side.ready();
    if n != 0 {
        return Ok(n);
    }
    // Most waits in a stream or a ping-pong end within a few polls: poll before the first clock
    // read (20–40 ns), which would otherwise delay noticing a message that arrives meanwhile.
    let plenty = side.plenty();
    if timeout != Some(Duration::ZERO) {
        for _ in 0..QUICK_POLLS {
            core::hint::spin_loop();
            let n = side.ready();
            if n >= plenty {
                return Ok(n);
            }
        }
    }
    let start = Instant::now();
    // A timeout too long to represent as an `Instant` means no limit.
    let deadline = timeout.and_then(|t| start.checked_add(t));
    if side.peer_closed() {
        return drained(side);
    }
    let (strategy, spinner) = side.waiting();
    let budget = match strategy {
        WaitStrategy::Park => return park(side, deadline),
        WaitStrategy::SpinThenPark => spinner.budget(),
        WaitStrategy::Spin => Duration::MAX,
    };
    let mut last_liveness = start;
    let mut i: u32 = 0;
    // A producer that found the ring full waits, for its first polls, until a run of slots is
    // free rather than one: taking each slot the moment the consumer releases it would make both
    // sides work on the same cache lines (and the head's line) message by message.
    loop {
        // Spin phase: only loads, no system call.
        let n = side.ready();
        if n >= plenty || (n != 0 && i >= PLENTY_POLLS) {
            return Ok(n);
        }
        i = i.wrapping_add(1);
        if i.is_multiple_of(64) {
            let now = Instant::now();
            if side.peer_closed() {
                return drained(side);
            }
            if deadline.is_some_and(|d| now >= d) {
                side.check(false)?;
                return Err(Stop::Timeout);
            }
            if now.duration_since(start) >= budget {
                break;
            }
            if now.duration_since(last_liveness) >= SPIN_LIVENESS {
                last_liveness = now;
                if side.check(true)? {
                    return drained(side);
                }
                // A spinner that never parks gives the CPU away now and then.
                std::thread::yield_now();
            }
        }
        core::hint::spin_loop();
    }
    park(side, deadline)
}

/// Parks in slices until ready, gone, corrupted or the deadline.
fn park<S: Side>(side: &mut S, deadline: Option<Instant>) -> Result<u64, Stop> {
    let parked = Instant::now();
    let mut slices = 0u32;
    loop {
        // The first slice skips the `/proc` read: the common park ends with a wake-up.
        if side.check(slices > 0)? {
            return drained(side);
        }
        let slice = match deadline {
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => left.min(SLICE),
                _ => return Err(Stop::Timeout),
            },
            None => SLICE,
        };
        side.republish();
        let heavy = core::cell::Cell::new(false);
        let slots = side.slots();
        let words = S::park_words(&slots);
        // Re-check after announcing (see the protocol docs): the peer either sees the
        // announcement and wakes us, or its publication is visible to `idle`.
        words.park(
            || heavy.set(membarrier::heavy()),
            || side.ready() == 0 && !side.peer_closed(),
            // Without the heavy fence a publisher's compiler fence does not order its load after
            // its store: do not sleep long on the handshake.
            |v| {
                let slice = if heavy.get() {
                    slice
                } else {
                    slice.min(POLL_SLICE)
                };
                wait(words.value, v, Some(slice));
            },
        );
        let n = side.ready();
        if n != 0 {
            let (_, spinner) = side.waiting();
            spinner.parked_for(parked.elapsed());
            return Ok(n);
        }
        if side.peer_closed() {
            return drained(side);
        }
        slices = slices.saturating_add(1);
    }
}

/// The publisher's fence of the handshake (see `spsc_protocol.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Light {
    /// This process is registered for the peer's heavy fence: a compiler fence suffices.
    Compiler,
    /// It is not: a full fence.
    Full,
}

impl Light {
    /// Registers this process for heavy fences (a system call: once per handle).
    pub(crate) fn register() -> Light {
        if membarrier::register() {
            Light::Compiler
        } else {
            Light::Full
        }
    }
}

/// After a publication: wakes the peer parked on `words` if the handshake says it is parked (no
/// system call otherwise).
#[inline]
pub(crate) fn notify(words: WaitWords<'_>, light: Light) {
    let fenced = || match light {
        Light::Compiler => compiler_fence(Ordering::SeqCst),
        Light::Full => fence(Ordering::SeqCst),
    };
    if words.notify(fenced) {
        wake(words.value, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_parks_grow_the_spin_and_idle_parks_shrink_it() {
        let mut s = Spinner::new();
        // Hand-overs through wake-ups (a park of 60 µs, longer than a 50 µs spin) grow it.
        s.parked_for(Duration::from_micros(60));
        assert_eq!(s.budget(), Duration::from_micros(100));
        for _ in 0..5 {
            s.parked_for(Duration::from_micros(60));
        }
        assert_eq!(s.budget(), Duration::from_nanos(u64::from(MAX_NS)));
        for _ in 0..100 {
            s.parked_for(Duration::from_millis(50));
        }
        assert_eq!(s.budget(), Duration::from_nanos(u64::from(MIN_NS)));
        // Even from the floor, a wake-up that took longer than the spin pulls it back up.
        s.parked_for(Duration::from_micros(40));
        assert_eq!(s.budget(), Duration::from_nanos(u64::from(2 * MIN_NS)));
    }
}
