//! The seqlock protocol, independent of what a slot holds, so the same code runs under loom.
//!
//! It is a ring of [`SLOTS`] slots and a sequence word that counts completed writes (0: nothing
//! written). Write k+1 goes into slot `(k+1) % SLOTS`, then publishes the sequence k+1; readers
//! copy the slot of the sequence they loaded. The writer only ever writes a slot that readers of
//! the current sequence do not use, so:
//!
//! - a reader retries only when the writer *completed* `SLOTS - 1` writes during its copy (it may
//!   then be overwriting the slot being copied); with 4 slots a reader tolerates two complete
//!   writes racing its copy, where a classic seqlock tolerates none;
//! - a write copies the value once (a two-slot latch copies it twice);
//! - **a writer that dies mid-write leaves the published slot intact**: readers keep the last
//!   complete value, at once, and never spin on a half-written one; the next writer rewrites the
//!   torn slot before publishing it.
//!
//! Ordering (Boehm, "Can seqlocks get along with programming language memory models?"): the
//! writer issues a `Release` fence before its relaxed slot stores and publishes with a `Release`
//! store; a reader loads the sequence with `Acquire`, copies with relaxed loads, then an `Acquire`
//! fence and a second load. If the copy saw any store of a later write into the same slot (write
//! s1 + SLOTS or after), the fences synchronize and the second load sees at least s1 + SLOTS - 1,
//! so the copy is retried.

use super::atomic::{AtomicU64, Ordering, fence};

/// Slots in the ring (a power of two).
pub(crate) const SLOTS: usize = 4;

/// Writes one value: `write_slot(i)` must store the whole value into slot `i`. Only one writer
/// may call this at a time (the caller holds the writer role). Returns the published sequence.
pub(crate) fn write(seq: &AtomicU64, write_slot: impl FnOnce(usize)) -> u64 {
    let (next, slot) = begin(seq);
    write_slot(slot);
    publish(seq, next);
    next
}

/// Step 1 of a write: the next sequence and the slot to write it into. After it, the slot may be
/// written.
pub(crate) fn begin(seq: &AtomicU64) -> (u64, usize) {
    // Acquire, not Relaxed: usually this writer made the last store itself, but after taking
    // the role over from a dead writer the last publish was another process's, and nothing else
    // orders this load (and the slot stores after it) after that publish. Free on x86 and cheap
    // elsewhere (one load per write).
    let next = seq.load(Ordering::Acquire).wrapping_add(1).max(1);
    // Orders the slot stores after every earlier publication (see the module docs).
    fence(Ordering::Release);
    (next, slot_of(next))
}

/// Step 2 of a write, after the slot holds the whole value: makes it the current one.
pub(crate) fn publish(seq: &AtomicU64, next: u64) {
    seq.store(next, Ordering::Release);
}

/// The slot of sequence `seq`.
pub(crate) const fn slot_of(seq: u64) -> usize {
    (seq % SLOTS as u64) as usize
}

/// One read attempt: `read_slot(i)` copies slot `i` with relaxed atomic loads. Returns the
/// sequence and the copy, or `None` when a writer may have overwritten the slot meanwhile.
pub(crate) fn try_read<V>(seq: &AtomicU64, read_slot: impl FnOnce(usize) -> V) -> Option<(u64, V)> {
    let s1 = seq.load(Ordering::Acquire);
    let v = read_slot(slot_of(s1));
    fence(Ordering::Acquire);
    let s2 = seq.load(Ordering::Relaxed);
    (s2.wrapping_sub(s1) <= SLOTS as u64 - 2).then_some((s1, v))
}
