//! The broadcast ring protocol, without any operating system call, so that the same code runs
//! under loom (`broadcast_loom_models.rs`).
//!
//! # Words
//!
//! - `tail` (the publisher's): how many messages it committed; monotonic `u64`. Subscribers read
//!   it only off their fast path (to start, to measure a lag, to judge corruption).
//! - one **stamp** per slot (the SPSC ring's slot geometry): message `i` lives in slot
//!   `i & (capacity - 1)`; its stamp is [`writing`]`(i) = 2i + 1` while the publisher writes it and
//!   [`committed`]`(i) = 2i + 2` once it is whole. `0`, the initial stamp, is nobody's. A stamp only
//!   grows, by `2 * capacity` per lap.
//!
//! # Rules
//!
//! - The publisher never waits and never reads a subscriber's word (subscribers have none, except
//!   the parked hint of [`notify_all`]): it overwrites the oldest slot. Per message it stores the
//!   writing stamp (relaxed), a release fence, the value (relaxed atomic words), the committed
//!   stamp (release), then once per call the tail (release).
//! - A subscriber at position `next` loads the stamp of `next`'s slot (acquire). `committed(next)`:
//!   it copies the value (relaxed atomic words), issues an acquire fence and loads the stamp again;
//!   only if it is still `committed(next)` is the copy delivered. This is the seqlock's reader
//!   (`sync/seq_protocol.rs`): if the copy saw any byte of a later write, the fences synchronize
//!   and the second load sees that write's (odd or later) stamp, so a torn copy is never
//!   delivered. Lower than `committed(next)`: nothing new (empty). Higher: the publisher lapped it.
//! - **Lag.** A stamp of message `j > next` (same slot, so `j >= next + capacity`) proves the
//!   publisher reached `j`; with the tail `t` it reached `max(j + 1, t)`, and the oldest message
//!   still held is that minus the capacity. The subscriber moves there (or `slack` messages
//!   later, if it asked: see `Subscriber::set_resume_slack`) and reports the distance as missed.
//!   Every position is either delivered once or counted once, so the counts are exact.
//! - Everything read from shared memory is untrusted: a stamp naming a message of another slot,
//!   a stamp that went backwards during a copy, a tail ahead of `next` while `next`'s stamp says
//!   unwritten (the tail is stored after the stamp), or a tail more than a capacity behind
//!   `next`, are [`Corrupted`]. Slot numbers are always masked.
//! - **A new publisher** (after a death) continues after every message its predecessor committed:
//!   from the tail, past every slot whose stamp is `committed` ([`recover_tail`]); a message it was
//!   writing (odd stamp) is written again, never delivered half.
//!
//! # Parking without writable ring memory
//!
//! Subscribers map the ring read-only, so they cannot announce themselves in it. A separate,
//! small writable *doorbell* segment carries one word, `parked`: a subscriber about to sleep
//! stores 1 there (`WaitWords::announce`, the SPSC ring's, with `parked` as the waiter word), issues the heavy fence, loads the ring's wake value, re-checks its slot, and
//! sleeps on the value only if there is still nothing. The publisher, after publishing, issues
//! its light fence and loads `parked`; if it is set, it bumps the wake value, clears the hint and
//! wakes every sleeper with one system call ([`notify_all`]). Only the publisher clears the hint (a subscriber cannot
//! know whether others sleep); a hint cleared while a second subscriber announced is harmless,
//! because that subscriber's re-check comes after its fence and so sees the publication (the
//! store→load handshake of `spsc_protocol.rs`, with the same asymmetric fences).
//!
//! The hint is written by every process that can write the doorbell, so it is only a hint: a
//! stale or hostile 1 costs the publisher one extra system call per push while it lasts, a
//! hostile 0 delays a sleeper until its next bounded re-check. Nothing the doorbell holds can make
//! the publisher block, fail or read the ring differently.

use super::spsc_protocol::{Corrupted, Stamps, WaitWords, slot_of};
use crate::sync::atomic::{AtomicU64, Ordering, fence};

/// The stamp of message `i` while the publisher writes it (odd).
#[inline]
pub(crate) const fn writing(i: u64) -> u64 {
    i.wrapping_mul(2).wrapping_add(1)
}

/// The stamp of message `i` once it is whole (even, never 0).
#[inline]
pub(crate) const fn committed(i: u64) -> u64 {
    i.wrapping_mul(2).wrapping_add(2)
}

/// The publisher's private state: its own index.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PublisherCore {
    /// Messages committed (the next message's index).
    pub tail: u64,
    /// Capacity, a power of two.
    pub capacity: u64,
}

impl PublisherCore {
    /// A publisher that continues from `tail` (see [`recover_tail`]).
    pub fn new(capacity: u64, tail: u64) -> PublisherCore {
        debug_assert!(capacity.is_power_of_two());
        PublisherCore { tail, capacity }
    }

    /// The slot of the `k`-th message after the last committed one.
    #[inline]
    pub fn slot(&self, k: u64) -> usize {
        slot_of(self.tail.wrapping_add(k), self.capacity)
    }

    /// Publishes a run of `n` messages (`n` ≤ capacity, so no slot is written twice in a run):
    /// every writing stamp, a release fence, `write(k, slot)` for each value, every committed
    /// stamp, then the tail once. Wake the subscribers afterwards ([`notify_all`]).
    #[inline]
    pub fn publish_run(
        &mut self,
        n: u64,
        stamps: &impl Stamps,
        tail: &AtomicU64,
        mut write: impl FnMut(u64, usize),
    ) {
        debug_assert!(n <= self.capacity);
        let (first, mask) = (self.tail, self.capacity - 1);
        for k in 0..n {
            let i = first.wrapping_add(k);
            stamps
                .stamp((i & mask) as usize)
                .store(writing(i), Ordering::Relaxed);
        }
        // Orders the value stores after the writing stamps, for a reader whose copy sees them.
        fence(Ordering::Release);
        for k in 0..n {
            write(k, (first.wrapping_add(k) & mask) as usize);
        }
        for k in 0..n {
            let i = first.wrapping_add(k);
            stamps
                .stamp((i & mask) as usize)
                .store(committed(i), Ordering::Release);
        }
        self.tail = first.wrapping_add(n);
        tail.store(self.tail, Ordering::Release);
    }

    /// Step 1 of an in-place write: marks the next message's slot as being written and returns
    /// it; its value may be written afterwards (relaxed atomic stores), then
    /// [`commit_one`](Self::commit_one).
    #[inline]
    pub fn begin_one(&self, stamps: &impl Stamps) -> usize {
        let slot = self.slot(0);
        stamps
            .stamp(slot)
            .store(writing(self.tail), Ordering::Relaxed);
        fence(Ordering::Release);
        slot
    }

    /// Step 2: publishes the message whose slot [`begin_one`](Self::begin_one) returned.
    #[inline]
    pub fn commit_one(&mut self, stamps: &impl Stamps, tail: &AtomicU64) {
        let i = self.tail;
        stamps
            .stamp(self.slot(0))
            .store(committed(i), Ordering::Release);
        self.tail = i.wrapping_add(1);
        tail.store(self.tail, Ordering::Release);
    }
}

/// Where a new publisher continues: after every message a previous (dead) publisher committed,
/// including those it stamped but did not count in the tail (at most a capacity).
pub(crate) fn recover_tail(capacity: u64, tail: u64, stamps: &impl Stamps) -> u64 {
    let mut t = tail;
    for _ in 0..capacity {
        let s = stamps.stamp(slot_of(t, capacity)).load(Ordering::Acquire);
        if s != committed(t) {
            break;
        }
        t = t.wrapping_add(1);
    }
    t
}

/// What one read attempt found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Read<V> {
    /// The next message, whole; the position moved past it.
    Value(V),
    /// Nothing new yet.
    Empty,
    /// The publisher overwrote the next message (before or during the copy): this many messages
    /// were skipped, and the position is now the oldest one still held.
    Lagged(u64),
}

/// Where a new subscriber starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StartAt {
    /// With the newest message already published (if any), then every later one: a late joiner
    /// sees the current state at once. The default.
    #[default]
    Newest,
    /// With the oldest message still held (up to a capacity of recent history), for replay.
    Oldest,
    /// With the first message published after subscribing.
    Next,
}

/// A subscriber's private state: its position.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SubscriberCore {
    /// The next message's index.
    pub next: u64,
    /// Capacity, a power of two.
    pub capacity: u64,
    /// How many messages after the oldest one still held a lagging subscriber resumes (less
    /// than the capacity; 0: at the oldest).
    pub slack: u64,
}

impl SubscriberCore {
    /// A subscriber at `start`, given the publisher's `tail` (acquire: the stamps it counts are
    /// visible).
    pub fn new(capacity: u64, tail: &AtomicU64, start: StartAt) -> SubscriberCore {
        debug_assert!(capacity.is_power_of_two());
        let t = tail.load(Ordering::Acquire);
        let next = match start {
            StartAt::Newest => t.saturating_sub(1),
            StartAt::Oldest => t.saturating_sub(capacity),
            StartAt::Next => t,
        };
        SubscriberCore {
            next,
            capacity,
            slack: 0,
        }
    }

    fn mask(&self) -> u64 {
        self.capacity - 1
    }

    /// One read attempt at `next`: `read(slot)` copies the slot's value out (relaxed atomic
    /// loads); the copy is returned only if the stamp proves it whole.
    #[inline]
    pub fn try_read<V>(
        &mut self,
        stamps: &impl Stamps,
        tail: &AtomicU64,
        read: impl FnOnce(usize) -> V,
    ) -> Result<Read<V>, Corrupted> {
        let i = self.next;
        let slot = slot_of(i, self.capacity);
        let want = committed(i);
        let stamp = stamps.stamp(slot);
        let s1 = stamp.load(Ordering::Acquire);
        if s1 == want {
            let v = read(slot);
            fence(Ordering::Acquire);
            let s2 = stamp.load(Ordering::Relaxed);
            if s2 == want {
                self.next = i.wrapping_add(1);
                return Ok(Read::Value(v));
            }
            // Torn: the copy is dropped, never delivered.
            return self.overtaken(s2, tail).map(Read::Lagged);
        }
        if s1 < want {
            return Ok(Read::Empty);
        }
        self.overtaken(s1, tail).map(Read::Lagged)
    }

    /// The slot of `next` holds stamp `s` of a later message: moves to the oldest message still
    /// held and returns how many were skipped (at least 1).
    fn overtaken(&mut self, s: u64, tail: &AtomicU64) -> Result<u64, Corrupted> {
        let corrupt = Corrupted {
            mine: self.next,
            theirs: s,
        };
        // A stamp below this position's (it went back during the copy) or 0.
        if s <= committed(self.next) {
            return Err(corrupt);
        }
        // `s >= 1`, so `j` does not overflow when incremented.
        let j = (s - 1) / 2;
        if (j ^ self.next) & self.mask() != 0 || j < self.next.saturating_add(self.capacity) {
            return Err(corrupt);
        }
        let t = tail.load(Ordering::Acquire);
        let reached = (j + 1).max(t);
        // `reached > next + capacity` and `slack < capacity`: the new position is ahead of the
        // old one, and not past the newest message.
        let resume = reached - self.capacity + self.slack;
        let missed = resume - self.next;
        self.next = resume;
        Ok(missed)
    }

    /// Called when the next message is not there: whether the tail proves shared state corrupted
    /// (ahead of `next` while `next`'s stamp says unwritten — the tail is stored after the stamp —
    /// or more than a capacity behind `next`: a dead publisher's tail lags its stamps by at most a
    /// run). Returns the tail.
    pub fn check_empty(&self, stamps: &impl Stamps, tail: &AtomicU64) -> Result<u64, Corrupted> {
        let t = tail.load(Ordering::Acquire);
        let corrupt = Err(Corrupted {
            mine: self.next,
            theirs: t,
        });
        if self.next.saturating_sub(t) > self.capacity {
            return corrupt;
        }
        if t > self.next {
            let slot = slot_of(self.next, self.capacity);
            if stamps.stamp(slot).load(Ordering::Acquire) < committed(self.next) {
                return corrupt;
            }
        }
        Ok(t)
    }
}

/// After a publication (stamps and tail, or the state word), with the publisher's `light` fence:
/// whether a subscriber may be parked — `words` is the ring's wake value (the publisher's;
/// subscribers only load it and sleep on it) and the doorbell's parked hint as the waiter word.
/// If so, the value was bumped and the hint cleared, and the caller must wake every sleeper (one
/// system call). Subscribers announce with [`WaitWords::announce`] and never withdraw.
#[inline]
pub(crate) fn notify_all(words: &WaitWords<'_>, light: impl FnOnce()) -> bool {
    if !words.notify(light) {
        return false;
    }
    words.waiters.store(0, Ordering::Relaxed);
    true
}
