//! loom models of the seqlock protocol (`seq_protocol.rs`): torn copies are never accepted, a
//! writer that dies mid-write leaves the last complete value readable, and a reader waiting for a
//! newer value is never left asleep.
//!
//! `RUSTFLAGS="--cfg loom" cargo test -p shmipc-runtime --release --lib --target-dir target/loom loom`

use loom::sync::Arc;
use loom::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};

use super::seq_protocol;
use crate::loom_support::{Futex, model, spawn};

/// Slot i: the value as (v, !v), then its stamp.
struct Seq {
    seq: AtomicU64,
    slots: [[AtomicU64; 3]; seq_protocol::SLOTS],
}

impl seq_protocol::Stamps for Seq {
    fn stamp(&self, i: usize) -> &AtomicU64 {
        &self.slots[i][2]
    }
}

impl Seq {
    fn new() -> Seq {
        Seq {
            seq: AtomicU64::new(0),
            slots: core::array::from_fn(|_| core::array::from_fn(|_| AtomicU64::new(0))),
        }
    }
    fn write_slot(&self, i: usize, v: u64) {
        self.slots[i][0].store(v, Ordering::Relaxed);
        self.slots[i][1].store(!v, Ordering::Relaxed);
    }
    fn write(&self, v: u64) {
        seq_protocol::write(&self.seq, self, |i| self.write_slot(i, v));
    }
    fn try_read(&self) -> Option<(u64, [u64; 2])> {
        seq_protocol::try_read(&self.seq, self, |i| {
            [
                self.slots[i][0].load(Ordering::Relaxed),
                self.slots[i][1].load(Ordering::Relaxed),
            ]
        })
    }
}

/// A consistent copy: the two words agree, and version k carries value k.
fn check(seq: u64, [a, b]: [u64; 2]) {
    if seq == 0 {
        return;
    }
    assert_eq!(b, !a, "torn value");
    assert_eq!(a, seq, "value does not match its version");
}

#[test]
fn loom_seqlock_never_torn() {
    // More writes than slots, so the writer laps the ring and overwrites slots readers may copy.
    model(|| {
        let s = Arc::new(Seq::new());
        let w = spawn(&s, |s| {
            for v in 1..=seq_protocol::SLOTS as u64 + 1 {
                s.write(v);
            }
        });
        for _ in 0..2 {
            if let Some((seq, v)) = s.try_read() {
                check(seq, v);
            }
        }
        w.join().unwrap();
        let (seq, v) = s.try_read().expect("no writer: the read succeeds");
        assert_eq!(seq, seq_protocol::SLOTS as u64 + 1);
        check(seq, v);
    });
}

#[test]
fn loom_seqlock_writer_dies_mid_write() {
    model(|| {
        let s = Arc::new(Seq::new());
        let w = spawn(&s, |s| {
            s.write(1);
            // Second write: begins, writes half of its slot, dies.
            let (_, slot) = seq_protocol::begin(&s.seq, s);
            s.slots[slot][0].store(2, Ordering::Relaxed);
        });
        if let Some((seq, v)) = s.try_read() {
            check(seq, v);
        }
        w.join().unwrap();
        // Readers keep the last complete value, at once (no spinning on a half-written one).
        let (seq, v) = s.try_read().expect("a dead writer does not block readers");
        assert_eq!(seq, 1);
        check(seq, v);
        // The next writer rewrites the torn slot before publishing it.
        s.write(2);
        assert_eq!(s.try_read(), Some((2, [2, !2])));
    });
}

/// A seqlock with the words readers sleep on (`seq_protocol::notify`, `announce`) and the
/// futex.
struct SeqWait {
    lock: Seq,
    published: AtomicU32,
    sleepers: AtomicU32,
    futex: Futex,
}

impl SeqWait {
    /// `SeqLock::write`: publish, then wake if a reader announced itself.
    fn write(&self, v: u64) {
        let next = seq_protocol::write(&self.lock.seq, &self.lock, |i| self.lock.write_slot(i, v));
        if seq_protocol::notify(&self.published, &self.sleepers, next, || {
            fence(Ordering::SeqCst)
        }) {
            self.futex.wake();
        }
    }

    /// `SeqLockReader::park_until` (without the time slices): sleeps until a version above
    /// `seen` is published.
    fn wait_newer(&self, seen: u64) {
        let newer = || self.lock.seq.load(Ordering::Acquire) > seen;
        while !newer() {
            let value =
                seq_protocol::announce(&self.published, &self.sleepers, || fence(Ordering::SeqCst));
            if !newer() {
                self.futex.wait(&self.published, value);
            }
            seq_protocol::retire(&self.sleepers);
        }
    }
}

/// A reader waiting for a newer value never sleeps through the write that publishes it (a lost
/// wake-up is a deadlock, which loom reports), with two writes and two waits in a row.
#[test]
fn loom_seqlock_wait_newer_is_never_missed() {
    model(|| {
        let s = Arc::new(SeqWait {
            lock: Seq::new(),
            published: AtomicU32::new(0),
            sleepers: AtomicU32::new(0),
            futex: Futex::new(),
        });
        let w = spawn(&s, |s| {
            s.write(1);
            s.write(2);
        });
        s.wait_newer(0);
        s.wait_newer(1);
        assert_eq!(s.lock.try_read().map(|(seq, _)| seq), Some(2));
        w.join().unwrap();
    });
}
