//! The MPMC ring's protocol core: per-slot sequence words that say, for one lap of the ring,
//! whether a slot is free, being written, full or being read, and by whom. No system call; the
//! loom models (`mpmc_loom_models.rs`) run this code.
//!
//! # The slot word
//!
//! Each slot starts with one 64-bit word (where the SPSC ring has its stamp):
//!
//! | bits | content |
//! | ---: | --- |
//! | 0–1 | state: 0 free, 1 writing, 2 full, 3 reading |
//! | 2–23 | claim tag: process-table entry (bits 2–8) and that entry's epoch (bits 9–23); 0 when free or full; all ones in a full slot: *skipped* |
//! | 24–63 | lap: position ÷ capacity, modulo 2⁴⁰ |
//!
//! Position `p` (a monotonic `u64`) lives in slot `p mod capacity`, lap `p ÷ capacity`. The zeroed
//! segment says "free, lap 0" everywhere: slot `i` is free for position `i`.
//!
//! # Claim, publish, release
//!
//! - Indices are loaded with acquire and moved with release (see [`advance`]).
//! - A producer loads the tail `p` and the slot word. Free for lap(p): it claims the slot with one
//!   CAS to *writing(lap, its tag)*, then moves the tail from `p` to `p + 1` (one CAS attempt;
//!   whoever sees a claimed slot at the tail does the same, so a claimant that dies between the
//!   two CASes stalls nobody). It copies the value in and publishes with a CAS *writing(lap, tag)*
//!   → *full(lap)* (release).
//! - A consumer loads the head `p` and the slot word. Full for lap(p): it claims with a CAS to
//!   *reading(lap, tag)* (acquire), moves the head, copies the value out and releases with a CAS
//!   *reading(lap, tag)* → *free(lap + 1)* (release: the next lap's producer may write).
//! - Publication and release are CASes, not stores: a claim that was revoked (only ever because
//!   its process was proven dead, or a third process scribbled) makes them fail, and the claimant
//!   reports it instead of overwriting a slot that someone else now owns.
//!
//! # Recovery
//!
//! A slot stalls only on a claim: *writing* at the head (consumers wait) or *reading* one lap
//! behind the tail (producers wait). A waiter reads the tag, asks whether that entry's process is
//! proven dead (`mpmc_recovery.rs`: the entry's epoch moved on, or its holder's pid and start time
//! name no running process), and only then acts, with one CAS from the exact stalled word, so that
//! of all the survivors that found it exactly one succeeds:
//!
//! - *writing(lap, dead)* → *full(lap, skipped)*: the message the dead producer was writing is
//!   never delivered (it was not committed: its push had not returned). A consumer that meets a
//!   skipped slot frees it for the next lap (*free(lap + 1)*) and moves on; no value is invented.
//! - *reading(lap, dead)* → *free(lap + 1)*: the message the dead consumer was reading is dropped
//!   (its pop had not returned: it may or may not have been seen by the dead process).
//!
//! # Untrusted words
//!
//! Slot numbers are masked; a word whose lap or state fits no legal position of the index that
//! led to it makes the claimant re-read the index, and `Corrupted` is reported when the index did
//! not move meanwhile. A garbage word can therefore give a garbage value or an error, never an
//! out-of-bounds access or a wait without end.

use super::spsc_protocol::Stamps;
use crate::sync::atomic::{AtomicU64, Ordering};

/// Slot state: free for the word's lap.
pub(crate) const FREE: u64 = 0;
/// Slot state: claimed by a producer that is writing.
pub(crate) const WRITING: u64 = 1;
/// Slot state: committed (or, with [`SKIPPED`], abandoned by a dead producer).
pub(crate) const FULL: u64 = 2;
/// Slot state: claimed by a consumer that is reading.
pub(crate) const READING: u64 = 3;

const TAG_SHIFT: u32 = 2;
const TAG_BITS: u32 = 22;
const TAG_MASK: u64 = (1 << TAG_BITS) - 1;
const LAP_SHIFT: u32 = 24;
/// Laps are counted modulo 2⁴⁰.
pub(crate) const LAP_MASK: u64 = (1 << 40) - 1;

/// Bits of a tag that name the process-table entry.
pub(crate) const ENTRY_BITS: u32 = 7;
/// Entries in the process table: every tag's entry is below it.
pub(crate) const MAX_ENTRIES: usize = 1 << ENTRY_BITS;
/// Epochs are compared modulo 2¹⁵.
pub(crate) const EPOCH_MASK: u32 = (1 << (TAG_BITS - ENTRY_BITS)) - 1;

/// The tag of a full slot that a dead producer abandoned (no claimant has it: its epoch part
/// is all ones, and only free, full or skipped slots carry no claimant).
pub(crate) const SKIPPED: Tag = Tag(TAG_MASK as u32);

/// Who claimed a slot: a process-table entry and that entry's epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tag(u32);

impl Tag {
    /// The tag of `entry` (below [`MAX_ENTRIES`]) in `epoch` (masked).
    pub(crate) fn new(entry: usize, epoch: u32) -> Tag {
        debug_assert!(entry < MAX_ENTRIES);
        Tag((entry as u32 & (MAX_ENTRIES as u32 - 1)) | ((epoch & EPOCH_MASK) << ENTRY_BITS))
    }

    /// The entry (always below [`MAX_ENTRIES`]).
    pub(crate) fn entry(self) -> usize {
        (self.0 as usize) & (MAX_ENTRIES - 1)
    }

    /// The epoch (masked by [`EPOCH_MASK`]).
    pub(crate) fn epoch(self) -> u32 {
        self.0 >> ENTRY_BITS
    }
}

/// A slot word, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Word {
    pub state: u64,
    pub tag: Tag,
    pub lap: u64,
}

impl Word {
    pub(crate) fn decode(w: u64) -> Word {
        Word {
            state: w & 3,
            tag: Tag(((w >> TAG_SHIFT) & TAG_MASK) as u32),
            lap: w >> LAP_SHIFT,
        }
    }

    pub(crate) fn encode(state: u64, tag: Tag, lap: u64) -> u64 {
        state | (u64::from(tag.0) << TAG_SHIFT) | ((lap & LAP_MASK) << LAP_SHIFT)
    }
}

/// Why a claim did not happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stall {
    /// Full (producer) or empty (consumer). `Some(tag)`: the slot waited for is claimed by
    /// `tag` (a reader one lap behind, or a writer at the head), whose death would unblock it.
    Blocked(Option<Tag>),
    /// The index and the slot word contradict each other and the index does not move.
    Corrupted,
}

/// A claim's publication or release failed: the slot no longer carries this claim (it was
/// revoked as a dead process's, or scribbled over).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Revoked;

/// The ring as the protocol sees it: the slot words and the capacity.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ring<'a, S: Stamps> {
    pub seqs: &'a S,
    /// log2 of the capacity.
    pub shift: u32,
}

impl<S: Stamps> Ring<'_, S> {
    #[inline]
    fn mask(&self) -> u64 {
        (1u64 << self.shift) - 1
    }

    #[inline]
    fn lap(&self, pos: u64) -> u64 {
        (pos >> self.shift) & LAP_MASK
    }

    /// The word of the slot of position `pos`.
    #[inline]
    pub(crate) fn word(&self, pos: u64) -> &AtomicU64 {
        self.seqs.stamp((pos & self.mask()) as usize)
    }

    /// The slot number of position `pos`.
    #[inline]
    pub(crate) fn slot(&self, pos: u64) -> usize {
        (pos & self.mask()) as usize
    }

    /// Claims the slot at the tail for writing by `me`; returns its position.
    #[inline]
    pub(crate) fn claim_write(&self, tail: &AtomicU64, me: Tag) -> Result<u64, Stall> {
        loop {
            let pos = tail.load(Ordering::Acquire);
            let lap = self.lap(pos);
            let cell = self.word(pos);
            let w = cell.load(Ordering::Acquire);
            let d = Word::decode(w);
            let empty = d.tag == Tag(0);
            if d.lap == lap && d.state == FREE && empty {
                if claim(cell, w, Word::encode(WRITING, me, lap), tail, pos) {
                    return Ok(pos);
                }
                continue;
            }
            let next = (lap + 1) & LAP_MASK;
            let prev = lap.wrapping_sub(1) & LAP_MASK;
            let taken = (d.lap == lap && d.state != FREE) || (d.lap == next && d.state == FREE);
            if taken {
                // Claimed by another producer (perhaps one that died before moving the tail).
                advance(tail, pos);
                continue;
            }
            if d.lap == prev && d.state != FREE {
                // Last lap's message is not released yet: full.
                let reader = (d.state == READING).then_some(d.tag);
                return Err(Stall::Blocked(reader));
            }
            unmoved(tail, pos)?;
        }
    }

    /// Publishes the message `me` wrote at `pos` (release: the value before the word).
    #[inline]
    pub(crate) fn publish(&self, pos: u64, me: Tag) -> Result<(), Revoked> {
        self.hand_over(pos, me, WRITING, (FULL, 0))
    }

    /// Claims the slot at the head for reading by `me`; returns its position. Skipped slots on
    /// the way are freed for the next lap and counted in `skipped`.
    #[inline]
    pub(crate) fn claim_read(
        &self,
        head: &AtomicU64,
        me: Tag,
        skipped: &mut u64,
    ) -> Result<u64, Stall> {
        loop {
            let pos = head.load(Ordering::Acquire);
            let lap = self.lap(pos);
            let cell = self.word(pos);
            let w = cell.load(Ordering::Acquire);
            let d = Word::decode(w);
            let next = (lap + 1) & LAP_MASK;
            if d.lap == lap {
                match d.state {
                    FULL if d.tag == Tag(0) => {
                        if claim(cell, w, Word::encode(READING, me, lap), head, pos) {
                            return Ok(pos);
                        }
                        continue;
                    }
                    FULL if d.tag == SKIPPED => {
                        let free = Word::encode(FREE, Tag(0), next);
                        if cell
                            .compare_exchange(w, free, Ordering::AcqRel, Ordering::Relaxed)
                            .is_ok()
                        {
                            *skipped += 1;
                            advance(head, pos);
                        }
                        continue;
                    }
                    READING => {
                        advance(head, pos);
                        continue;
                    }
                    WRITING => return Err(Stall::Blocked(Some(d.tag))),
                    FREE if d.tag == Tag(0) => return Err(Stall::Blocked(None)),
                    _ => {}
                }
            } else if d.lap == next && d.state == FREE && d.tag == Tag(0) {
                advance(head, pos);
                continue;
            } else if d.lap == (lap.wrapping_sub(1) & LAP_MASK) && d.state == READING {
                // Last lap's reader has not released the slot: nothing written for this lap.
                return Err(Stall::Blocked(None));
            }
            unmoved(head, pos)?;
        }
    }

    /// Releases the message `me` read at `pos` (release: the reads before the word), freeing
    /// the slot for the next lap.
    #[inline]
    pub(crate) fn release(&self, pos: u64, me: Tag) -> Result<(), Revoked> {
        self.hand_over(pos, me, READING, (FREE, 1))
    }

    /// Ends `me`'s claim of `pos`, in state `claimed` of its lap: moves the word (release) to
    /// the untagged state `to.0` of the lap `to.1` laps later; `Revoked` if the claim was taken
    /// from `me`.
    #[inline]
    fn hand_over(&self, pos: u64, me: Tag, claimed: u64, to: (u64, u64)) -> Result<(), Revoked> {
        let lap = self.lap(pos);
        let from = Word::encode(claimed, me, lap);
        let to = Word::encode(to.0, Tag(0), (lap + to.1) & LAP_MASK);
        self.transition(pos, from, to, Ordering::Release)
            .then_some(())
            .ok_or(Revoked)
    }

    /// Whether a claim at the tail could succeed now (no CAS; for the re-check before parking).
    pub(crate) fn writable(&self, tail: &AtomicU64) -> bool {
        let pos = tail.load(Ordering::Acquire);
        let d = Word::decode(self.word(pos).load(Ordering::Acquire));
        let lap = self.lap(pos);
        !(d.lap == (lap.wrapping_sub(1) & LAP_MASK) && d.state != FREE)
    }

    /// Whether a claim at the head could succeed now (no CAS).
    pub(crate) fn readable(&self, head: &AtomicU64) -> bool {
        let pos = head.load(Ordering::Acquire);
        let d = Word::decode(self.word(pos).load(Ordering::Acquire));
        let lap = self.lap(pos);
        !((d.lap == lap && (d.state == WRITING || d.state == FREE))
            || (d.lap == (lap.wrapping_sub(1) & LAP_MASK) && d.state == READING))
    }

    /// Recovery of the slot that a dead producer `dead` claimed at the head (`head` loaded by
    /// the caller): marks it skipped. Returns whether this call did it (exactly one of the
    /// survivors that found the same stalled word does). Call only when `dead`'s process is
    /// proven dead.
    pub(crate) fn skip_dead_writer(&self, head: &AtomicU64, dead: Tag) -> bool {
        let pos = head.load(Ordering::Acquire);
        let lap = self.lap(pos);
        let (from, to) = (
            Word::encode(WRITING, dead, lap),
            Word::encode(FULL, SKIPPED, lap),
        );
        self.transition(pos, from, to, Ordering::AcqRel)
    }

    /// Recovery of the slot that a dead consumer `dead` claimed one lap behind the tail:
    /// frees it (its message is dropped). Returns whether this call did it.
    pub(crate) fn free_dead_reader(&self, tail: &AtomicU64, dead: Tag) -> bool {
        let pos = tail.load(Ordering::Acquire);
        let lap = self.lap(pos);
        let from = Word::encode(READING, dead, lap.wrapping_sub(1));
        let to = Word::encode(FREE, Tag(0), lap);
        self.transition(pos, from, to, Ordering::AcqRel)
    }

    /// One CAS of the word of `pos` from exactly `from` to `to`; whether it happened.
    #[inline]
    fn transition(&self, pos: u64, from: u64, to: u64, success: Ordering) -> bool {
        self.word(pos)
            .compare_exchange(from, to, success, Ordering::Relaxed)
            .is_ok()
    }

    /// How many slots are claimed (writing or reading) right now: a diagnostic snapshot.
    pub(crate) fn claimed(&self) -> usize {
        (0..=self.mask())
            .filter(|&p| {
                let s = Word::decode(self.word(p).load(Ordering::Relaxed)).state;
                s == WRITING || s == READING
            })
            .count()
    }
}

/// Claims the slot word `cell`, seen holding `w`, for `claimed` (acquire: the claimant's access
/// to the slot after it); on success moves `index` past `pos`. `false`: the word changed.
#[inline]
fn claim(cell: &AtomicU64, w: u64, claimed: u64, index: &AtomicU64, pos: u64) -> bool {
    let won = cell
        .compare_exchange(w, claimed, Ordering::Acquire, Ordering::Relaxed)
        .is_ok();
    if won {
        advance(index, pos);
    }
    won
}

/// After a slot word that fits no state of position `pos`: corruption if `index` still points
/// at `pos` (the word was not merely overtaken by others' claims); otherwise retry.
#[inline]
fn unmoved(index: &AtomicU64, pos: u64) -> Result<(), Stall> {
    if index.load(Ordering::Acquire) == pos {
        Err(Stall::Corrupted)
    } else {
        Ok(())
    }
}

/// Moves an index from `pos` to `pos + 1` if nobody did yet. Release, paired with the acquire
/// loads of the index: whoever reads the new index also sees the slot word that justified the
/// move (else it could read an older word, free or full, for a position the index has passed,
/// and take the ring for corrupted).
#[inline]
fn advance(index: &AtomicU64, pos: u64) {
    let _ = index.compare_exchange(
        pos,
        pos.wrapping_add(1),
        Ordering::Release,
        Ordering::Relaxed,
    );
}
