//! The seqlock protocol, independent of what a slot holds, so the same code runs under loom.
//!
//! It is a ring of [`SLOTS`] slots, each with a stamp, and a sequence word that counts completed
//! writes (0: nothing written). Write k goes into slot `k % SLOTS`: the writer marks the slot's
//! stamp as being written (`2k - 1`), writes the value, marks it done (`2k`), then publishes the
//! sequence k. A reader loads the sequence, copies that sequence's slot and checks the slot's
//! stamp before and after the copy: it must say "write k, done" both times. The writer only ever
//! writes a slot that readers of the current sequence do not use, so:
//!
//! - a reader retries only when the writer *started* rewriting the very slot it copies, that is
//!   when `SLOTS - 1` writes completed during its copy; with 4 slots a reader tolerates three
//!   complete writes racing its copy, where a classic seqlock tolerates none;
//! - the check after the copy reads the slot's own stamp, in the slot's own cache lines, which
//!   the copy just fetched: unlike a second load of the sequence word (which a busy writer
//!   changes after every write), it does not wait for another cache miss;
//! - a write copies the value once (a two-slot latch copies it twice);
//! - **a writer that dies mid-write leaves the published slot intact**: readers keep the last
//!   complete value, at once, and never spin on a half-written one; the next writer rewrites the
//!   torn slot (same sequence, same slot) before publishing it.
//!
//! Ordering (Boehm, "Can seqlocks get along with programming language memory models?", per
//! slot): the writer stores the "writing" stamp, issues a `Release` fence, makes its relaxed slot
//! stores, then stores the "done" stamp and the sequence with `Release`. A reader loads the
//! sequence and the stamp with `Acquire` (so write k's slot stores are visible), copies with
//! relaxed loads, then an `Acquire` fence and a second load of the stamp. If the copy saw any
//! store of a later write into the same slot (write k + SLOTS or after), the fences synchronize
//! and the second load sees at least that write's "writing" stamp, so the copy is retried.
//!
//! A peer writing garbage into the sequence or a stamp makes reads fail (retry until their
//! timeout), never index out of bounds: the slot is the sequence masked.
//!
//! Waiting for a newer value ([`notify`], [`announce`], [`retire`]): after each publish the writer stores the sequence's
//! low half into a `published` word (the futex word), fences and loads the sleeper count; a
//! reader about to sleep increments the count, fences and loads `published`, then re-checks the
//! sequence and sleeps only if nothing newer is there, on the `published` value it loaded. The
//! two fences (`SeqCst` fences, or a compiler fence for the writer and `membarrier(2)` for the
//! reader) are ordered: either the writer's load sees
//! the reader (and wakes it: a system call), or the reader's load of `published` sees the new
//! value, which it acquires (so its re-check sees the new sequence), and the futex refuses to
//! sleep on an old one. With nobody announced the writer makes no system call.

use super::atomic::{AtomicU32, AtomicU64, Ordering, fence};

/// Slots in the ring (a power of two).
pub(crate) const SLOTS: usize = 4;

/// The stamp of slot `i` (the caller's shared memory): where the protocol marks a slot's write.
pub(crate) trait Stamps {
    /// Slot `i`'s stamp word (`i < SLOTS`).
    fn stamp(&self, i: usize) -> &AtomicU64;
}

/// Writes one value: `write_slot(i)` must store the whole value into slot `i`. Only one writer
/// may call this at a time (the caller holds the writer role). Returns the published sequence.
pub(crate) fn write(seq: &AtomicU64, stamps: &impl Stamps, write_slot: impl FnOnce(usize)) -> u64 {
    let (next, slot) = begin(seq, stamps);
    write_slot(slot);
    publish(seq, stamps, next);
    next
}

/// Step 1 of a write: the next sequence and the slot to write it into, marked as being written.
/// After it, the slot may be written.
pub(crate) fn begin(seq: &AtomicU64, stamps: &impl Stamps) -> (u64, usize) {
    // Acquire, not Relaxed: usually this writer made the last store itself, but after taking
    // the role over from a dead writer the last publish was another process's, and nothing else
    // orders this load (and the slot stores after it) after that publish. Free on x86 and cheap
    // elsewhere (one load per write).
    let next = seq.load(Ordering::Acquire).wrapping_add(1).max(1);
    let slot = slot_of(next);
    stamps.stamp(slot).store(writing(next), Ordering::Relaxed);
    // Orders the slot stores after the "writing" stamp (see the module docs).
    fence(Ordering::Release);
    (next, slot)
}

/// Step 2 of a write, after the slot holds the whole value: marks it done and makes it the
/// current one.
pub(crate) fn publish(seq: &AtomicU64, stamps: &impl Stamps, next: u64) {
    stamps
        .stamp(slot_of(next))
        .store(done(next), Ordering::Release);
    seq.store(next, Ordering::Release);
}

/// The slot of sequence `seq`.
pub(crate) const fn slot_of(seq: u64) -> usize {
    (seq % SLOTS as u64) as usize
}

/// The stamp of a slot while write `seq` fills it (odd).
const fn writing(seq: u64) -> u64 {
    seq.wrapping_mul(2).wrapping_sub(1)
}

/// The stamp of a slot that holds write `seq` completely (even; 0 for the initial, empty slot).
const fn done(seq: u64) -> u64 {
    seq.wrapping_mul(2)
}

/// One read attempt: `read_slot(i)` copies slot `i` with relaxed atomic loads. Returns the
/// sequence and the copy, or `None` when the slot does not hold that sequence's complete value
/// (a writer started rewriting it, or a peer wrote garbage).
pub(crate) fn try_read<V>(
    seq: &AtomicU64,
    stamps: &impl Stamps,
    read_slot: impl FnOnce(usize) -> V,
) -> Option<(u64, V)> {
    let s = seq.load(Ordering::Acquire);
    let slot = slot_of(s);
    let stamp = stamps.stamp(slot);
    let before = stamp.load(Ordering::Acquire);
    let v = read_slot(slot);
    fence(Ordering::Acquire);
    let after = stamp.load(Ordering::Relaxed);
    (before == done(s) && after == before).then_some((s, v))
}

/// After [`publish`] of sequence `next`: stores it into `published` (the futex word readers
/// sleep on), then `fence`, and tells whether a reader may sleep (`sleepers`, their count, is
/// non-zero), in which case the caller wakes every sleeper on `published`.
///
/// `fence` must order the store before the load together with the reader's `heavy` in
/// [`announce`]: a `SeqCst` fence on both sides, or a compiler fence here when the reader's is a
/// `membarrier(2)` that reaches this process (the writer registered for it), which keeps a full
/// fence off the writer's every write. (`SeqCst` accesses instead of fences would be correct
/// too, but loom, which checks this, models those as acquire/release only.)
#[inline]
pub(crate) fn notify(
    published: &AtomicU32,
    sleepers: &AtomicU32,
    next: u64,
    fence: impl FnOnce(),
) -> bool {
    published.store(next as u32, Ordering::Release);
    fence();
    sleepers.load(Ordering::Relaxed) != 0
}

/// A reader announces in `sleepers` that it may sleep, issues `heavy` (see [`notify`]) and
/// returns the `published` value to sleep on. The caller then re-checks the sequence, sleeps only
/// if nothing newer is there, and calls [`retire`].
#[inline]
pub(crate) fn announce(published: &AtomicU32, sleepers: &AtomicU32, heavy: impl FnOnce()) -> u32 {
    sleepers.fetch_add(1, Ordering::Relaxed);
    heavy();
    published.load(Ordering::Acquire)
}

/// Withdraws a reader's announcement after sleeping (or deciding not to).
#[inline]
pub(crate) fn retire(sleepers: &AtomicU32) {
    sleepers.fetch_sub(1, Ordering::Relaxed);
}
