//! loom models of the SPSC protocol (`spsc_protocol.rs`): the same code over loom's atomics, the
//! slots' values in loom cells (so that reading a slot before its publication, or overwriting one
//! before its release, is reported as a data race), and the futex modelled as a condition
//! variable (so that a lost wake-up is reported as a deadlock). The handshake's light and heavy
//! fences are both `SeqCst` fences here, the ordering the compiler-fence + membarrier pair gives.
//!
//! `RUSTFLAGS="--cfg loom" cargo test -p shmipc-runtime --release --lib --target-dir target/loom loom`
//!
//! Each model was seen to fail when the protocol was broken on purpose (one break at a time):
//!
//! | break | caught by |
//! | --- | --- |
//! | publisher's light fence dropped | `no_lost_wake_up`, `close_after_the_last_message` (deadlock) |
//! | parker's heavy fence dropped | the same two (deadlock) |
//! | no re-check after announcing (always sleep) | the same two (deadlock) |
//! | wake without bumping the wait value | the same two (deadlock) |
//! | stamp stored `Relaxed` | all five (race on a slot) |
//! | stamp loaded `Relaxed` | all five (race on a slot) |
//! | producer loads `head` `Relaxed` | `publication_and_reuse`, `no_lost_wake_up` (race) |
//! | consumer stores `head` `Relaxed` | the same two (race) |
//! | consumer releases before it reads | the same two (race) |
//! | consumer reads before checking the stamp | those two and `close_after_the_last_message` |
//! | a run's value read before its stamp check (`take_run`) | `batches` (race) |
//! | `recover_tail` ignores the stamps | `new_producer_continues_after_stamps` (assertion) |
//! | producer's free-slot check off by one | `publication_and_reuse` (race), `no_lost_wake_up` |

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};
use loom::thread;

use super::spsc_protocol::{ConsumerCore, ProducerCore, Stamps, WaitWords, recover_tail};
use crate::loom_support::{Futex, model, spawn};

const CLOSED: u32 = 2;

/// One wait cell and its futex.
struct Cell {
    value: AtomicU32,
    waiters: AtomicU32,
    futex: Futex,
}

impl Cell {
    fn new() -> Cell {
        Cell {
            value: AtomicU32::new(0),
            waiters: AtomicU32::new(0),
            futex: Futex::new(),
        }
    }
    fn words(&self) -> WaitWords<'_> {
        WaitWords {
            value: &self.value,
            waiters: &self.waiters,
        }
    }
}

fn light() {
    fence(Ordering::SeqCst);
}

fn heavy() {
    fence(Ordering::SeqCst);
}

struct Ring<const CAP: usize> {
    tail: AtomicU64,
    head: AtomicU64,
    stamps: [AtomicU64; CAP],
    values: [UnsafeCell<u64>; CAP],
    /// The consumer parks here (waiting for data).
    data: Cell,
    /// The producer parks here (waiting for space).
    space: Cell,
    producer_state: AtomicU32,
}

impl<const CAP: usize> Stamps for Ring<CAP> {
    fn stamp(&self, slot: usize) -> &AtomicU64 {
        &self.stamps[slot]
    }
}

impl<const CAP: usize> Ring<CAP> {
    fn new() -> Self {
        Ring {
            tail: AtomicU64::new(0),
            head: AtomicU64::new(0),
            stamps: core::array::from_fn(|_| AtomicU64::new(0)),
            values: core::array::from_fn(|_| UnsafeCell::new(0)),
            data: Cell::new(),
            space: Cell::new(),
            producer_state: AtomicU32::new(1),
        }
    }

    fn write(&self, slot: usize, v: u64) {
        // SAFETY: loom's cell checks the access: one that overlaps another thread's fails the
        // model before it happens.
        self.values[slot].with_mut(|p| unsafe { *p = v });
    }

    fn read(&self, slot: usize) -> u64 {
        // SAFETY: as in `write`.
        self.values[slot].with(|p| unsafe { *p })
    }

    fn producer(&self) -> ProducerCore {
        ProducerCore::new(CAP as u64, 0, 0)
    }

    fn consumer(&self) -> ConsumerCore {
        ConsumerCore::new(CAP as u64, 0)
    }

    /// Pushes `v` with the core's `try_put`; when full, parks (`park`) or yields.
    fn push(&self, p: &mut ProducerCore, v: u64, park: bool) {
        while !p
            .try_put(&self.head, self, &self.tail, |slot| self.write(slot, v))
            .unwrap()
        {
            if park {
                let words = self.space.words();
                let full = || {
                    p.cached_free() == 0 && {
                        p.refresh(&self.head).unwrap();
                        p.cached_free() == 0
                    }
                };
                words.park(heavy, full, |seen| {
                    self.space.futex.wait(&self.space.value, seen)
                });
            } else {
                thread::yield_now();
            }
        }
        if self.data.words().notify(light) {
            self.data.futex.wake();
        }
    }

    /// Pops a value with the core's `try_take`; when empty, parks (`park`) or yields. `None`
    /// once the producer closed and nothing is left.
    fn pop(&self, c: &mut ConsumerCore, park: bool) -> Option<u64> {
        let closed = || self.producer_state.load(Ordering::Acquire) == CLOSED;
        let v = loop {
            if let Some(v) = c.try_take(self, &self.head, |slot| self.read(slot)) {
                break v;
            }
            if closed() {
                // Closed after its last publication: one more look.
                if let Some(v) = c.try_take(self, &self.head, |slot| self.read(slot)) {
                    break v;
                }
                return None;
            }
            if park {
                let idle = || !c.is_ready(0, self) && !closed();
                self.data.words().park(heavy, idle, |seen| {
                    self.data.futex.wait(&self.data.value, seen)
                });
            } else {
                thread::yield_now();
            }
        };
        if self.space.words().notify(light) {
            self.space.futex.wake();
        }
        Some(v)
    }

    fn close(&self) {
        self.producer_state.store(CLOSED, Ordering::Release);
        if self.data.words().notify(light) {
            self.data.futex.wake();
        }
    }
}

/// A model of the two sides over a ring of `CAP` slots: `produce` on a spawned thread with a
/// fresh producer core, `consume` on the model's thread with a fresh consumer core. Once the
/// producer is joined the ring must be drained: `delivered` messages published (`tail`) and
/// released (`head`).
fn two_sides<const CAP: usize>(
    delivered: u64,
    produce: impl Fn(&Ring<CAP>, &mut ProducerCore) + Copy + Send + Sync + 'static,
    consume: impl Fn(&Ring<CAP>, &mut ConsumerCore) + Copy + Send + Sync + 'static,
) {
    model(move || {
        let r = Arc::new(Ring::<CAP>::new());
        let producer = spawn(&r, move |r| produce(r, &mut r.producer()));
        consume(&r, &mut r.consumer());
        producer.join().unwrap();
        assert_eq!(r.tail.load(Ordering::Relaxed), delivered);
        assert_eq!(r.head.load(Ordering::Relaxed), delivered);
    });
}

/// `n` values in order through a ring of `CAP` slots, both sides parking (`park`) or both
/// yielding.
fn in_order<const CAP: usize>(n: u64, park: bool) {
    two_sides::<CAP>(
        n,
        move |r, p| {
            for v in 1..=n {
                r.push(p, v, park);
            }
        },
        move |r, c| {
            for v in 1..=n {
                assert_eq!(r.pop(c, park), Some(v));
            }
        },
    );
}

/// Three values through two slots (one wrap-around), both sides yielding: in order, and no slot
/// is read before its publication or overwritten before its release (the cells would report it).
#[test]
fn loom_spsc_publication_and_reuse() {
    in_order::<2>(3, false);
}

/// A run of two published with one tail store (`put_run`: values, then stamps), read as a run
/// (`take_run`): each slot is published by its own stamp, so the consumer may see a prefix first.
#[test]
fn loom_spsc_batches() {
    two_sides::<2>(
        2,
        |r, p| {
            let n = loop {
                match p.writable(&r.head, 2).unwrap() {
                    0 => thread::yield_now(),
                    n => break n,
                }
            };
            assert_eq!(n, 2);
            p.put_run(2, r, &r.tail, |k, slot| r.write(slot, 10 + k));
        },
        |r, c| {
            let mut got = Vec::new();
            while got.len() < 2 {
                let n = c.take_run(2, r, &r.head, |_, slot| got.push(r.read(slot)));
                if n == 0 {
                    thread::yield_now();
                }
            }
            assert_eq!(got, [10, 11]);
        },
    );
}

/// Both sides park: the producer on a full ring of one slot, the consumer on an empty one. A
/// lost wake-up leaves a thread asleep forever, which loom reports as a deadlock.
#[test]
fn loom_spsc_no_lost_wake_up() {
    in_order::<1>(2, true);
}

/// The producer commits one message and closes; a parked consumer gets the message, then is told
/// the producer is gone (never before the message, never asleep forever).
#[test]
fn loom_spsc_close_after_the_last_message() {
    two_sides::<2>(
        1,
        |r, p| {
            r.push(p, 7, true);
            r.close();
        },
        |r, c| {
            assert_eq!(r.pop(c, true), Some(7));
            assert_eq!(r.pop(c, true), None);
        },
    );
}

/// A producer that dies after storing a stamp but before its tail: the consumer may already have
/// read that message; a new producer continues after it (no message overwritten or lost).
#[test]
fn loom_spsc_new_producer_continues_after_stamps() {
    model(|| {
        let r = Arc::new(Ring::<2>::new());
        let dead = spawn(&r, |r| {
            let mut p = r.producer();
            assert_eq!(p.writable(&r.head, 1).unwrap(), 1);
            r.write(p.slot(0), 1);
            // Dies between the stamp and the tail.
            r.stamp(p.slot(0)).store(1, Ordering::Release);
        });
        let consumer = spawn(&r, |r| {
            let mut c = r.consumer();
            let mut got = Vec::new();
            while got.len() < 2 {
                if c.is_ready(0, r) {
                    got.push(r.read(c.slot(0)));
                    c.release(1, &r.head);
                } else {
                    thread::yield_now();
                }
            }
            got
        });
        dead.join().unwrap();
        // The successor.
        let head = r.head.load(Ordering::Acquire);
        let tail = recover_tail(2, r.tail.load(Ordering::Acquire), head, &*r);
        assert_eq!(tail, 1);
        let mut p = ProducerCore::new(2, tail, head);
        while p.writable(&r.head, 1).unwrap() == 0 {
            thread::yield_now();
        }
        r.write(p.slot(0), 2);
        p.commit(1, &*r, &r.tail);
        assert_eq!(consumer.join().unwrap(), [1, 2]);
    });
}
