//! loom models of the MPMC protocol core (`mpmc_protocol.rs`): the same code over loom's
//! atomics, the slots' values in loom cells (a read before publication, or a write before
//! release, is reported as a data race), and a process's death as a thread that stops between
//! claim and publish (or release) and then says so through a flag: the "proven dead" that the
//! process table provides in the real ring.
//!
//! `RUSTFLAGS="--cfg loom" cargo test -p shmipc-runtime --release --lib --target-dir target/loom loom`
//!
//! Breaks seen to fail (one at a time):
//!
//! | break | caught by |
//! | --- | --- |
//! | `skip_dead_writer` does nothing (no recovery) | `dead_writer_is_skipped` (the consumer waits forever: loom stops it) |
//! | producer frees a reader's slot without proof of death | `dead_reader_is_freed` (race on the slot) |
//! | publication CAS `Relaxed` | all four (race on a slot) |
//!
//! The index moves were first `Relaxed`: a first version of these models (two slots, two
//! producers and a consumer that all wait) found a claimant reading the index past a slot and
//! then an older word of that slot, taken for corruption; hence acquire loads and release moves.
//! That version could not finish (three threads that spin defeat loom's scheduler), so the
//! models now keep one waiting thread, and no current model fails with `Relaxed` moves.

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use loom::thread;

use super::mpmc_protocol::{Ring, Stall, Tag};
use super::spsc_protocol::Stamps;
use crate::loom_support::{model, spawn};

/// A ring of `N` slots: words, values, tail and head.
struct Model<const N: usize> {
    words: [AtomicU64; N],
    values: [UnsafeCell<u64>; N],
    tail: AtomicU64,
    head: AtomicU64,
}

impl<const N: usize> Stamps for Model<N> {
    fn stamp(&self, slot: usize) -> &AtomicU64 {
        &self.words[slot]
    }
}

impl<const N: usize> Model<N> {
    fn new() -> Model<N> {
        Model {
            words: core::array::from_fn(|_| AtomicU64::new(0)),
            values: core::array::from_fn(|_| UnsafeCell::new(0)),
            tail: AtomicU64::new(0),
            head: AtomicU64::new(0),
        }
    }

    fn ring(&self) -> Ring<'_, Self> {
        Ring {
            seqs: self,
            shift: N.trailing_zeros(),
        }
    }

    /// Claims and writes `v`; publishes unless `die` (the process stops there).
    fn push(&self, me: Tag, v: u64, die: bool, mut on_block: impl FnMut(Option<Tag>)) {
        let ring = self.ring();
        let pos = loop {
            match ring.claim_write(&self.tail, me) {
                Ok(pos) => break pos,
                Err(Stall::Blocked(t)) => {
                    on_block(t);
                    thread::yield_now();
                }
                Err(Stall::Corrupted) => panic!("corrupted"),
            }
        };
        // SAFETY: loom's cell checks the access: the claim gave this thread the slot.
        self.values[ring.slot(pos)].with_mut(|p| unsafe { *p = v });
        if !die {
            ring.publish(pos, me).unwrap();
        }
    }

    /// Claims and reads a message; releases unless `die`.
    fn pop(&self, me: Tag, die: bool, mut on_block: impl FnMut(Option<Tag>)) -> u64 {
        let ring = self.ring();
        let mut skipped = 0;
        let pos = loop {
            match ring.claim_read(&self.head, me, &mut skipped) {
                Ok(pos) => break pos,
                Err(Stall::Blocked(t)) => {
                    on_block(t);
                    thread::yield_now();
                }
                Err(Stall::Corrupted) => panic!("corrupted"),
            }
        };
        // SAFETY: loom's cell checks the access: the claim gave this thread the message.
        let v = self.values[ring.slot(pos)].with(|p| unsafe { *p });
        if !die {
            ring.release(pos, me).unwrap();
        }
        v
    }
}

fn tag(entry: usize) -> Tag {
    Tag::new(entry, 1)
}

/// Spawns the thread of the process `tag(1)`, which dies in `body` (a claim with `die`): once
/// `body` returned, the process is gone and known to be, as the returned flag then says.
fn spawn_dying<const N: usize, R: 'static>(
    m: &Arc<Model<N>>,
    body: impl FnOnce(&Model<N>) -> R + 'static,
) -> (thread::JoinHandle<R>, Arc<AtomicBool>) {
    let dead = Arc::new(AtomicBool::new(false));
    let d = Arc::clone(&dead);
    let handle = spawn(m, move |m| {
        let r = body(m);
        d.store(true, Ordering::Release);
        r
    });
    (handle, dead)
}

/// For an `on_block`: whether the claimant `t` that blocks is `tag(1)` and proven dead by the
/// flag of [`spawn_dying`].
fn proven_dead(t: Option<Tag>, dead: &AtomicBool) -> bool {
    t == Some(tag(1)) && dead.load(Ordering::Acquire)
}

/// Two producers, one consumer (the only thread that waits: loom's scheduler cannot make
/// progress through two spinning threads and a third one): every message once, each producer's
/// in order.
#[test]
fn loom_mpmc_exactly_once_in_order() {
    model(|| {
        let m = Arc::new(Model::<4>::new());
        let a = spawn(&m, |m| {
            m.push(tag(1), 10, false, |_| {});
            m.push(tag(1), 11, false, |_| {});
        });
        let b = spawn(&m, |m| m.push(tag(2), 20, false, |_| {}));
        let got: Vec<u64> = (0..3).map(|_| m.pop(tag(3), false, |_| {})).collect();
        a.join().unwrap();
        b.join().unwrap();
        let mut sorted = got.clone();
        sorted.sort();
        assert_eq!(sorted, [10, 11, 20]);
        let p10 = got.iter().position(|&v| v == 10).unwrap();
        let p11 = got.iter().position(|&v| v == 11).unwrap();
        assert!(p10 < p11, "{got:?}");
    });
}

/// One slot, three laps: a slot is written again only after its release, read only after its
/// publication.
#[test]
fn loom_mpmc_laps_of_one_slot() {
    model(|| {
        let m = Arc::new(Model::<1>::new());
        let p = spawn(&m, |m| {
            (0..3).for_each(|v| m.push(tag(1), v, false, |_| {}))
        });
        let got: Vec<u64> = (0..3).map(|_| m.pop(tag(2), false, |_| {})).collect();
        p.join().unwrap();
        assert_eq!(got, [0, 1, 2]);
    });
}

/// A producer dies between claim and publish; the other's message is delivered after the
/// consumer, proving the claimant dead, skips the abandoned slot (never reading it).
#[test]
fn loom_mpmc_dead_writer_is_skipped() {
    model(|| {
        let m = Arc::new(Model::<2>::new());
        let (a, dead) = spawn_dying(&m, |m| m.push(tag(1), 99, true, |_| {}));
        let b = spawn(&m, |m| m.push(tag(2), 20, false, |_| {}));
        let v = m.pop(tag(3), false, |t| {
            if proven_dead(t, &dead) {
                m.ring().skip_dead_writer(&m.head, tag(1));
            }
        });
        assert_eq!(v, 20);
        a.join().unwrap();
        b.join().unwrap();
    });
}

/// A consumer dies between claim and release; a producer waiting for that slot frees it only
/// once the claimant is proven dead, and the next message reaches the next consumer.
#[test]
fn loom_mpmc_dead_reader_is_freed() {
    model(|| {
        let m = Arc::new(Model::<1>::new());
        let (c1, dead) = spawn_dying(&m, |m| m.pop(tag(1), true, |_| {}));
        let p = spawn(&m, move |m| {
            m.push(tag(2), 10, false, |_| {});
            m.push(tag(2), 11, false, |t| {
                if proven_dead(t, &dead) {
                    m.ring().free_dead_reader(&m.tail, tag(1));
                }
            });
        });
        assert_eq!(c1.join().unwrap(), 10);
        p.join().unwrap();
        assert_eq!(m.pop(tag(3), false, |_| {}), 11);
    });
}
