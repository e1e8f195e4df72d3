//! The seqlock protocol, independent of what a slot holds, so the same code runs under loom.
//!
//! It is a *latch* (Linux's `seqcount_latch`): two slots, and the sequence word's parity says
//! which one readers use. A write of value k (sequence `2k-2` before) goes:
//!
//! 1. sequence ← `2k-1` (odd: readers use slot 1, which holds value k-1), write slot 0;
//! 2. sequence ← `2k` (even: readers use slot 0, now value k), write slot 1.
//!
//! A reader loads the sequence (acquire), copies the slot it names with relaxed atomic loads, then
//! an acquire fence and a second load: if the sequence moved, the slot may have been overwritten
//! during the copy and the copy is retried. The slot a reader copies is never the one being
//! written at the sequence it loaded, so a reader retries only when a whole half-write finished
//! during its copy, and **a writer that dies mid-write leaves the other slot intact**: readers keep
//! getting the last complete value, and never spin on a sequence that stays odd.
//!
//! Ordering (Boehm, "Can seqlocks get along with programming language memory models?"): every
//! sequence store is `Release` and followed by a `Release` fence before the slot stores; a reader
//! that saw any of those slot stores synchronizes, through its acquire fence, with that fence and
//! so its second sequence load sees the new sequence.

use super::atomic::{AtomicU64, Ordering, fence};

/// Writes one value: `write_slot(i)` must store the whole value into slot `i` (0, then 1).
/// Only one writer may call this at a time (the caller holds the writer role).
pub(crate) fn write(seq: &AtomicU64, mut write_slot: impl FnMut(usize)) {
    let odd = begin(seq);
    write_slot(0);
    publish(seq, odd);
    write_slot(1);
}

/// Step 1 of a write: moves the sequence to odd (readers switch to slot 1) and returns it. After
/// it, slot 0 may be written.
pub(crate) fn begin(seq: &AtomicU64) -> u64 {
    let s = seq.load(Ordering::Relaxed);
    // Normally even; odd if the previous writer died mid-write: skip to the next odd value so
    // readers that began at the old one retry.
    let odd = if s & 1 == 0 {
        s.wrapping_add(1)
    } else {
        s.wrapping_add(2)
    };
    seq.store(odd, Ordering::Release);
    fence(Ordering::Release);
    odd
}

/// Step 2 of a write, after slot 0 holds the new value: moves the sequence to even (readers
/// switch to slot 0, the new value). After it, slot 1 may be written.
pub(crate) fn publish(seq: &AtomicU64, odd: u64) {
    seq.store(odd.wrapping_add(1), Ordering::Release);
    fence(Ordering::Release);
}

/// One read attempt: `read_slot(i)` copies slot `i` with relaxed atomic loads. Returns the
/// sequence and the copy, or `None` when a writer overwrote the slot meanwhile (retry).
pub(crate) fn try_read<V>(seq: &AtomicU64, read_slot: impl FnOnce(usize) -> V) -> Option<(u64, V)> {
    let s1 = seq.load(Ordering::Acquire);
    let v = read_slot((s1 & 1) as usize);
    fence(Ordering::Acquire);
    let s2 = seq.load(Ordering::Relaxed);
    (s1 == s2).then_some((s1, v))
}

/// How many writes the value read at sequence `seq` completes (0: nothing written yet).
pub(crate) const fn version(seq: u64) -> u64 {
    seq / 2
}
