//! loom models of the broadcast protocol (`broadcast_protocol.rs`): the same code over loom's
//! atomics. A slot's value is two words written and copied with relaxed atomics, as
//! `atomic_copy` does (a subscriber copying a slot that the publisher writes is the protocol's
//! normal case, not a race), holding `(i, !i)` for message `i`: a delivered copy mixing two
//! messages, or naming another message than the position says, fails an assertion. The futex is
//! modelled as a condition variable, so a lost wake-up is a deadlock. The handshake's light and
//! heavy fences are both `SeqCst` fences here, the ordering the compiler-fence + membarrier pair
//! gives.
//!
//! `RUSTFLAGS="--cfg loom" cargo test -p shmipc-runtime --release --lib --target-dir target/loom loom`
//!
//! Each model was seen to fail when the protocol was broken on purpose (one break at a time):
//!
//! | break | caught by |
//! | --- | --- |
//! | reader skips the second stamp load (no torn-copy check) | `torn_copy_is_never_delivered`, `lag_counts_are_exact` (torn copy delivered) |
//! | reader's acquire fence after the copy dropped | the same two (torn copy delivered) |
//! | publisher's release fence after the writing stamps dropped | the same two (torn copy delivered) |
//! | committed stamp stored `Relaxed` | all three (a copy of the old value delivered) |
//! | lag resumes at a message already overwritten (`reached - capacity - 1`) | `torn_copy_is_never_delivered`, `lag_counts_are_exact` (never terminates: loom's branch limit) |
//! | publisher does not bump the wake value | `no_lost_wake_up_with_two_sleepers` (deadlock) |
//! | publisher's light fence dropped | the same (deadlock) |
//! | subscriber's heavy fence dropped | the same (deadlock) |
//! | subscriber sleeps without re-checking after announcing | the same (deadlock) |
//!
//! Resuming one message *later* than the oldest held (`reached - capacity + 1`) passes: counts stay
//! exact (the extra message is counted as missed), it only gives up a message it could deliver.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};
use loom::thread;

use super::broadcast_protocol::{PublisherCore, Read, StartAt, SubscriberCore, notify_all};
use super::spsc_protocol::{Stamps, WaitWords};
use crate::loom_support::{Futex, model, spawn};

struct Ring<const CAP: usize> {
    tail: AtomicU64,
    stamps: [AtomicU64; CAP],
    /// Two words per slot: `(i, !i)` for message `i`.
    values: [[AtomicU64; 2]; CAP],
    wake: AtomicU32,
    parked: AtomicU32,
    futex: Futex,
}

/// The model's stamps are a plain array.
impl<const N: usize> Stamps for [AtomicU64; N] {
    fn stamp(&self, slot: usize) -> &AtomicU64 {
        &self[slot]
    }
}

impl<const CAP: usize> Ring<CAP> {
    fn new() -> Self {
        Ring {
            tail: AtomicU64::new(0),
            stamps: core::array::from_fn(|_| AtomicU64::new(0)),
            values: core::array::from_fn(|_| [AtomicU64::new(0), AtomicU64::new(0)]),
            wake: AtomicU32::new(0),
            parked: AtomicU32::new(0),
            futex: Futex::new(),
        }
    }

    fn bell(&self) -> WaitWords<'_> {
        WaitWords {
            value: &self.wake,
            waiters: &self.parked,
        }
    }

    /// Publishes message `i` (the publisher's next) and wakes sleepers.
    fn push(&self, p: &mut PublisherCore) {
        let i = p.tail;
        p.publish_run(1, &self.stamps, &self.tail, |_, slot| {
            self.values[slot][0].store(i, Ordering::Relaxed);
            self.values[slot][1].store(!i, Ordering::Relaxed);
        });
        if notify_all(&self.bell(), || fence(Ordering::SeqCst)) {
            self.futex.wake();
        }
    }

    /// One read attempt; a delivered value is checked to be whole and the position's.
    fn read(&self, s: &mut SubscriberCore) -> Read<u64> {
        let at = s.next;
        let r = s
            .try_read(&self.stamps, &self.tail, |slot| {
                (
                    self.values[slot][0].load(Ordering::Relaxed),
                    self.values[slot][1].load(Ordering::Relaxed),
                )
            })
            .expect("a correct publisher never looks corrupted");
        match r {
            Read::Value((a, b)) => {
                assert_eq!(b, !a, "torn copy delivered");
                assert_eq!(a, at, "another message than the position's");
                Read::Value(a)
            }
            Read::Empty => Read::Empty,
            Read::Lagged(n) => Read::Lagged(n),
        }
    }

    /// Reads until the position reaches `end`, yielding or parking on empty; returns
    /// (delivered, missed).
    fn read_all(&self, s: &mut SubscriberCore, end: u64, park: bool) -> (u64, u64) {
        let (mut delivered, mut missed) = (0, 0);
        while s.next < end {
            match self.read(s) {
                Read::Value(_) => delivered += 1,
                Read::Lagged(n) => missed += n,
                Read::Empty if park => {
                    let seen = self.bell().announce(|| fence(Ordering::SeqCst));
                    match self.read(s) {
                        Read::Value(_) => delivered += 1,
                        Read::Lagged(n) => missed += n,
                        Read::Empty => self.futex.wait(&self.wake, seen),
                    }
                }
                Read::Empty => thread::yield_now(),
            }
        }
        (delivered, missed)
    }
}

/// A publisher publishing `n` messages into `CAP` slots while a subscriber that started at the
/// oldest message held reads them all: whatever the interleaving, no delivered copy is torn or
/// misplaced (`read` asserts it) and every position is delivered once or counted once as missed.
fn lap<const CAP: usize>(n: u64) {
    model(move || {
        let r = Arc::new(Ring::<CAP>::new());
        let publisher = spawn(&r, move |r| {
            let mut p = PublisherCore::new(CAP as u64, 0);
            for _ in 0..n {
                r.push(&mut p);
            }
        });
        // It may start after some of the publisher's messages.
        let mut s = SubscriberCore::new(CAP as u64, &r.tail, StartAt::Oldest);
        let start = s.next;
        let (delivered, missed) = r.read_all(&mut s, n, false);
        publisher.join().unwrap();
        assert_eq!(start + delivered + missed, n);
    });
}

/// One slot, two messages: a subscriber copying message 0 while message 1 overwrites it never
/// delivers a mix; it delivers 0 whole, or reports it missed, then 1.
#[test]
fn loom_broadcast_torn_copy_is_never_delivered() {
    lap::<1>(2);
}

/// Two slots, three messages (a lap): the lag counts are exact.
#[test]
fn loom_broadcast_lag_counts_are_exact() {
    lap::<2>(3);
}

/// Two subscribers park on the doorbell while the publisher publishes one message: the hint is
/// cleared by the publisher while the other may be announcing, and still nobody sleeps forever.
#[test]
fn loom_broadcast_no_lost_wake_up_with_two_sleepers() {
    model(|| {
        let r = Arc::new(Ring::<2>::new());
        let other = spawn(&r, |r| {
            let mut s = SubscriberCore::new(2, &r.tail, StartAt::Next);
            r.read_all(&mut s, 1, true)
        });
        let publisher = spawn(&r, |r| {
            let mut p = PublisherCore::new(2, 0);
            r.push(&mut p);
        });
        let mut s = SubscriberCore::new(2, &r.tail, StartAt::Oldest);
        assert_eq!(r.read_all(&mut s, 1, true), (1, 0));
        publisher.join().unwrap();
        // `other` may have started after the message (at 1: nothing to read) or before.
        let (d, m) = other.join().unwrap();
        assert_eq!(m, 0);
        assert!(d <= 1);
    });
}
