//! Wait and wake on a 32-bit word in shared memory.
//!
//! [`WaitCell`] is a value word plus a waiter count, 8 bytes, all zero = value 0 with nobody
//! waiting. A waiter spins adaptively first, then announces itself in the count and sleeps on the
//! value word; a waker that changed the value issues a wake-up only when the count is non-zero,
//! so waking nobody costs no system call.
//!
//! Platforms: on Linux the sleep is `futex(2)` *without* `FUTEX_PRIVATE_FLAG` (`std`'s futexes are
//! private, so `std::sync` cannot be used across processes). Elsewhere, or with the cargo feature
//! `portable`, a waiter polls with growing sleeps (20 µs to 1 ms) and waking is free.
//!
//! The count and the value are written by other processes and are not trusted: a sleeper never
//! sleeps longer than 50 ms at a time, so a peer that zeroes the count (or dies between changing
//! the value and waking) delays a waiter by at most one slice, never forever.
//!
//! A waiter killed while it sleeps leaves the count raised: wakers then pay one (useless) system
//! call per wake-up, nothing worse. The count cannot be repaired safely by others (they cannot tell
//! a dead sleeper from one about to sleep); recreating the segment resets it. The mutex does not
//! have this cost: its `WAITERS` bit is cleared by every unlock.

#[cfg(all(target_os = "linux", not(feature = "portable")))]
mod linux;
#[cfg(all(target_os = "linux", not(feature = "portable")))]
pub(crate) use linux::{wait, wake};

#[cfg(not(all(target_os = "linux", not(feature = "portable"))))]
mod portable;
#[cfg(not(all(target_os = "linux", not(feature = "portable"))))]
pub(crate) use portable::{wait, wake};

mod field;

use core::sync::atomic::{AtomicU32, Ordering, fence};
use std::time::{Duration, Instant};

use super::error::WaitTimedOut;
use super::spin::Spinner;

/// Longest single sleep; waiters re-check after it (see the module docs).
const SLICE: Duration = Duration::from_millis(50);

/// A 32-bit value in shared memory that processes can sleep on until it changes.
///
/// Place it in shared memory (`#[repr(C)]`: the value at offset 0, the waiter count at offset 4,
/// alignment 4) and reach it with [`WaitCell::from_ptr`]; all zero is a valid initial state.
///
/// ```
/// use shmipc::{RawSegment, SegmentKind, SegmentOptions, SegmentSpec, SharedLayout, WaitCell};
/// use std::time::Duration;
///
/// # #[derive(shmipc::SharedLayout, Clone, Copy)]
/// # #[repr(C)]
/// # #[shm(endian = "native")]
/// # struct Flag { word: u64 }
/// # let name = format!("/shmipc-test-doc-wc-{}", std::process::id());
/// let spec = SegmentSpec::new(SegmentKind::Value, Flag::LAYOUT, 8);
/// let segment = RawSegment::create(&name, &spec, &SegmentOptions::new())?;
/// // SAFETY: the payload is 64-aligned, 8 bytes long, lives as long as `segment`, and is only
/// // ever accessed as this cell.
/// let cell = unsafe { WaitCell::from_ptr(segment.payload().as_ptr()) };
///
/// std::thread::scope(|s| {
///     // The other side (another process that opened the segment, here a thread) sleeps
///     // until the value changes from 0.
///     let waiter = s.spawn(|| cell.wait_for_change(0, Some(Duration::from_secs(10))));
///     cell.store(1); // wakes it (a system call only if it already sleeps)
///     assert_eq!(waiter.join().unwrap(), Ok(1));
/// });
/// # Ok::<(), shmipc::Error>(())
/// ```
#[repr(C)]
#[derive(Debug, Default)]
pub struct WaitCell {
    value: AtomicU32,
    waiters: AtomicU32,
}

crate::pinned::pin_offsets! { WaitCell, size 8, align 4: value @ 0, waiters @ 4 }

impl WaitCell {
    /// A cell holding `value`, nobody waiting (for process-local use and tests).
    pub const fn new(value: u32) -> WaitCell {
        WaitCell {
            value: AtomicU32::new(value),
            waiters: AtomicU32::new(0),
        }
    }

    /// Views 8 bytes of shared memory as a cell.
    ///
    /// # Safety
    ///
    /// `ptr` must be 4-byte aligned and valid for reads and writes of 8 bytes for `'a`, and those
    /// bytes may only ever be accessed atomically (through cells or 32-bit atomics) while `'a`
    /// lasts, in this and every other process.
    pub unsafe fn from_ptr<'a>(ptr: *mut u8) -> &'a WaitCell {
        // SAFETY: `WaitCell` is `repr(C)` of two `AtomicU32`s (size 8, align 4), valid for every bit
        // pattern; the caller guarantees alignment, validity for `'a` and atomic-only access, so a
        // shared reference (interior mutability through the atomics) is sound.
        unsafe { &*ptr.cast::<WaitCell>() }
    }

    /// The value word, for loads, stores and read-modify-writes. After changing it, call
    /// [`WaitCell::wake_all`] (or use [`WaitCell::store`] / [`WaitCell::fetch_add`]).
    #[inline]
    pub fn value(&self) -> &AtomicU32 {
        &self.value
    }

    /// The waiter word, for primitives that run their own announce/re-check handshake on the
    /// cell (the rings' protocol cores, which loom checks).
    #[inline]
    pub(crate) fn waiters(&self) -> &AtomicU32 {
        &self.waiters
    }

    /// Loads the value.
    pub fn load(&self) -> u32 {
        self.value.load(Ordering::Acquire)
    }

    /// Stores `value` and wakes every sleeper, if any.
    pub fn store(&self, value: u32) {
        self.value.store(value, Ordering::SeqCst);
        self.wake_after_seqcst_change(u32::MAX);
    }

    /// Adds `delta` (wrapping), wakes every sleeper, if any, and returns the previous value.
    pub fn fetch_add(&self, delta: u32) -> u32 {
        let old = self.value.fetch_add(delta, Ordering::SeqCst);
        self.wake_after_seqcst_change(u32::MAX);
        old
    }

    /// Wakes every sleeper after the value changed (with any ordering, through
    /// [`value`](Self::value)); a fence, a load and no system call when nobody sleeps. Returns
    /// how many were woken (always 0 on the portable path, whose sleepers poll).
    pub fn wake_all(&self) -> usize {
        // The caller's change may be Relaxed or Release, which a plain SeqCst load could pass
        // (store→load reordering): the waker would miss the waiter and the waiter the change.
        // The fence orders the change before the load of the count.
        fence(Ordering::SeqCst);
        self.wake_after_seqcst_change(u32::MAX)
    }

    /// Wakes one sleeper, if any (same cost rules as [`WaitCell::wake_all`]).
    pub fn wake_one(&self) -> usize {
        fence(Ordering::SeqCst);
        self.wake_after_seqcst_change(1)
    }

    /// Wakes up to `count` sleepers after a SeqCst change of the value (or a SeqCst fence after
    /// any change). SeqCst pairs with the waiter's SeqCst increment and re-check: either the
    /// waiter's re-check sees the new value, or this load sees the waiter.
    fn wake_after_seqcst_change(&self, count: u32) -> usize {
        if self.waiters.load(Ordering::SeqCst) == 0 {
            return 0;
        }
        wake(&self.value, count)
    }

    /// Waits while `keep_waiting(value)` holds, at most `timeout` (`None`: no limit). Returns the
    /// first value for which it does not hold. Spins adaptively first, then sleeps.
    pub fn wait_while(
        &self,
        mut keep_waiting: impl FnMut(u32) -> bool,
        timeout: Option<Duration>,
    ) -> Result<u32, WaitTimedOut> {
        let v = self.load();
        if !keep_waiting(v) {
            return Ok(v);
        }
        static SPIN: Spinner = Spinner::new();
        if let Some(v) = SPIN.spin(|| Some(self.load()).filter(|&v| !keep_waiting(v))) {
            return Ok(v);
        }
        // A timeout too long to represent as an `Instant` means no limit (not a panic).
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        loop {
            let slice = match deadline {
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => left.min(SLICE),
                    _ => return Err(WaitTimedOut),
                },
                None => SLICE,
            };
            self.waiters.fetch_add(1, Ordering::SeqCst);
            let v = self.value.load(Ordering::SeqCst);
            if keep_waiting(v) {
                wait(&self.value, v, Some(slice));
            }
            self.waiters.fetch_sub(1, Ordering::SeqCst);
            let v = self.load();
            if !keep_waiting(v) {
                return Ok(v);
            }
        }
    }

    /// Waits until the value differs from `current`, at most `timeout`; returns the new value.
    pub fn wait_for_change(
        &self,
        current: u32,
        timeout: Option<Duration>,
    ) -> Result<u32, WaitTimedOut> {
        self.wait_while(|v| v == current, timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn times_out_when_nothing_changes() {
        let cell = WaitCell::new(7);
        assert_eq!(
            cell.wait_for_change(7, Some(Duration::from_millis(5))),
            Err(WaitTimedOut)
        );
        assert_eq!(cell.wait_for_change(6, Some(Duration::ZERO)), Ok(7));
    }

    #[test]
    fn sleeper_is_woken_by_another_thread() {
        let cell = Arc::new(WaitCell::new(0));
        let c = Arc::clone(&cell);
        let t = std::thread::spawn(move || c.wait_while(|v| v < 3, None));
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(2));
            cell.fetch_add(1);
        }
        assert_eq!(t.join().unwrap(), Ok(3));
    }

    #[test]
    fn an_endless_timeout_does_not_overflow() {
        let cell = Arc::new(WaitCell::new(7));
        let c = Arc::clone(&cell);
        let t = std::thread::spawn(move || c.wait_for_change(7, Some(Duration::MAX)));
        std::thread::sleep(Duration::from_millis(2));
        cell.store(8);
        assert_eq!(t.join().unwrap(), Ok(8));
    }

    #[test]
    fn garbage_waiter_count_costs_a_wake_not_a_hang() {
        let cell = WaitCell::new(0);
        cell.waiters.store(u32::MAX, Ordering::Relaxed);
        cell.store(5); // a wasted wake-up system call, nothing worse
        assert_eq!(
            cell.wait_for_change(0, Some(Duration::from_millis(10))),
            Ok(5)
        );
    }

    /// The documented hazard: a peer zeroes the count while somebody sleeps, so the next change
    /// wakes nobody. The sleeper (no timeout of its own) must still notice within its slice.
    /// Bounded: if it never wakes, the test fails after `BOUND` instead of hanging.
    #[test]
    #[cfg(target_os = "linux")]
    fn a_zeroed_waiter_count_delays_a_sleeper_by_one_slice_at_most() {
        const BOUND: Duration = Duration::from_secs(20);
        let cell = Arc::new(WaitCell::new(0));
        let c = Arc::clone(&cell);
        let (tid_tx, tid_rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // SAFETY: `gettid` has no preconditions.
            tid_tx.send(unsafe { libc::gettid() }).unwrap();
            let _ = done_tx.send(c.wait_for_change(0, None));
        });
        let tid = tid_rx.recv().unwrap();
        // Wait until it sleeps: announced in the count, and the thread is blocked in the kernel
        // (spinning is over before the count is raised). Without `/proc`, a pause does.
        let stat = format!("/proc/self/task/{tid}/stat");
        let started = Instant::now();
        loop {
            let sleeping = match std::fs::read_to_string(&stat) {
                Ok(s) => s
                    .rsplit(')')
                    .next()
                    .is_some_and(|r| r.trim_start().starts_with('S')),
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(20));
                    true
                }
            };
            if cell.waiters.load(Ordering::SeqCst) == 1 && sleeping {
                break;
            }
            assert!(started.elapsed() < BOUND, "the waiter never went to sleep");
            std::thread::sleep(Duration::from_millis(1));
        }
        cell.waiters.store(0, Ordering::SeqCst);
        cell.store(5); // sees no waiter: no wake-up
        match done_rx.recv_timeout(BOUND) {
            Ok(got) => assert_eq!(got, Ok(5)),
            Err(_) => panic!("a sleeper with a zeroed waiter count never woke"),
        }
    }

    #[test]
    fn waking_nobody_wakes_nobody() {
        let cell = WaitCell::new(0);
        cell.store(1);
        assert_eq!(cell.wake_all(), 0);
        assert_eq!(cell.wake_one(), 0);
    }
}
