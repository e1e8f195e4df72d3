//! A read-only snapshot of an MPMC ring, for tools (`shmipc inspect`, `shmipc watch`, `shmipc
//! clean`) that show the ring without its Rust type: indices, parked waiters, the recovery
//! counters, the process table, and slots decoded from their words. Only loads; every index,
//! entry and slot number read from the segment is checked or masked before it is used.

use core::sync::atomic::Ordering;

use super::mpmc_control::{MPMC_CONTROL_LEN, MpmcControl};
use super::mpmc_protocol::{FREE, FULL, LAP_MASK, READING, SKIPPED, WRITING, Word};
use super::snapshot::ring_geometry_after;
use crate::segment::{RawSegment, SegmentHeader};
use crate::sync::{LockSnapshot, RoleHolder};

/// One held entry of the process table: a process that has the ring mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MpmcProcess {
    /// The entry's number (what slot claims name).
    pub entry: usize,
    /// The holder: pid, start time, liveness as a locker judges it.
    pub holder: LockSnapshot,
    /// The entry's epoch (bumped by each new holder).
    pub epoch: u32,
    /// The holder's live producer handles.
    pub producers: u32,
    /// The holder's live consumer handles.
    pub consumers: u32,
}

/// What a slot's word says about the position asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MpmcSlotState {
    /// Free for this position: nothing written yet.
    Free,
    /// Being written by a producer of process-table entry `.0`, in that entry's epoch `.1`.
    Writing(usize, u32),
    /// Committed.
    Full,
    /// Abandoned by a dead producer and marked skipped: no message.
    Skipped,
    /// Being read by a consumer of process-table entry `.0`, in that entry's epoch `.1`.
    Reading(usize, u32),
    /// The word is for another lap (the position was consumed, or is not reached yet).
    OtherLap(u64),
}

/// One position's slot as read at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MpmcMessage {
    /// The position asked for.
    pub position: u64,
    /// Its slot (`position & (capacity − 1)`).
    pub slot: usize,
    /// What the slot's word said (after the copy, if one was taken).
    pub state: MpmcSlotState,
    /// The value: `Some` only when the slot was full for this position before and after the
    /// copy (a torn copy is never returned).
    pub value: Option<Vec<u8>>,
}

/// An MPMC ring's state at one moment (kind `mpmc-ring`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MpmcSnapshot {
    /// Slots, derived from the header's payload size (authoritative).
    pub capacity: u64,
    /// The capacity the creator wrote into the info block (a mismatch is corruption).
    pub info_capacity: u64,
    /// Bytes from one slot to the next.
    pub stride: usize,
    /// The producers' claim position (a hint every claimant moves forward).
    pub tail: u64,
    /// The consumers' claim position.
    pub head: u64,
    /// Consumers that announced they may sleep waiting for data.
    pub consumers_parked: u32,
    /// Producers that announced they may sleep waiting for room.
    pub producers_parked: u32,
    /// Slots a dead producer claimed that a consumer marked skipped.
    pub skipped_writes: u64,
    /// Messages a dead consumer claimed that a producer freed (lost).
    pub dropped_reads: u64,
    /// Whether any producer, any consumer handle ever attached.
    pub producers_seen: bool,
    /// See `producers_seen`.
    pub consumers_seen: bool,
    /// The held entries of the process table.
    pub processes: Vec<MpmcProcess>,
    slots_offset: usize,
    value_offset: usize,
}

impl MpmcSnapshot {
    /// Reads the ring `segment`, opened with [`RawSegment::open_for_inspection`], whose header is
    /// `header`. `Err` says why the payload is not an MPMC ring of the header's slot type.
    ///
    /// ```
    /// # use shmipc_runtime::{RawSegment, SegmentOptions};
    /// # use shmipc_runtime::ring::{MpmcRing, MpmcSnapshot, MpmcSlotState};
    /// # #[derive(Clone, Copy)] #[repr(C)] struct M(u64);
    /// # unsafe impl shmipc_runtime::SharedLayout for M {
    /// #     const LAYOUT: &'static shmipc_runtime::Layout = &shmipc_runtime::Layout::__new(
    /// #         "M", 1, shmipc_runtime::Endian::Native, 8, 8, &[]);
    /// #     const FINGERPRINT: u64 = 0;
    /// # }
    /// # let name = format!("/shmipc-test-msnap-{}", std::process::id());
    /// let ring = MpmcRing::<M>::create(&name, 4).unwrap();
    /// ring.producer().unwrap().try_push(M(7)).unwrap();
    /// let (segment, header) = RawSegment::open_for_inspection(&name, &SegmentOptions::new()).unwrap();
    /// let s = MpmcSnapshot::read(&segment, &header).unwrap();
    /// assert_eq!((s.capacity, s.fill(), s.processes.len()), (4, Some(1), 1));
    /// let m = s.message(&segment, 0, 8);
    /// assert_eq!((m.state, m.value), (MpmcSlotState::Full, Some(7u64.to_ne_bytes().to_vec())));
    /// ```
    pub fn read(segment: &RawSegment, header: &SegmentHeader) -> Result<MpmcSnapshot, String> {
        let (geo, capacity) = ring_geometry_after(MPMC_CONTROL_LEN, segment, header)?;
        // SAFETY: a snapshot only loads (the segment may be mapped read-only); the payload holds
        // the control block (`ring_geometry_after` checked it reaches the slots).
        let c = unsafe { segment.control_read_only::<MpmcControl>() };
        let processes = c
            .table
            .iter()
            .enumerate()
            .map(|(entry, e)| MpmcProcess {
                entry,
                holder: e.token.snapshot(),
                epoch: e.epoch.load(Ordering::Relaxed),
                producers: e.producers.load(Ordering::Relaxed),
                consumers: e.consumers.load(Ordering::Relaxed),
            })
            .filter(|p| p.holder.holder != RoleHolder::None)
            .collect();
        Ok(MpmcSnapshot {
            capacity: capacity as u64,
            info_capacity: c.info.capacity.load(Ordering::Relaxed),
            stride: geo.stride,
            tail: c.producers.index.load(Ordering::Acquire),
            head: c.consumers.index.load(Ordering::Acquire),
            consumers_parked: c.producers.wake.waiters().load(Ordering::Relaxed),
            producers_parked: c.consumers.wake.waiters().load(Ordering::Relaxed),
            skipped_writes: c.shared.skipped_writes.load(Ordering::Relaxed),
            dropped_reads: c.shared.dropped_reads.load(Ordering::Relaxed),
            producers_seen: c.shared.producers_seen.load(Ordering::Relaxed) != 0,
            consumers_seen: c.shared.consumers_seen.load(Ordering::Relaxed) != 0,
            processes,
            slots_offset: geo.slots_offset,
            value_offset: geo.value_offset,
        })
    }

    /// Positions claimed by producers and not yet by consumers (`tail − head`); `None` when that
    /// is more than the capacity (inconsistent indices).
    pub fn fill(&self) -> Option<u64> {
        let fill = self.tail.wrapping_sub(self.head);
        (fill <= self.capacity).then_some(fill)
    }

    /// Position `position`'s slot, with values of `size` bytes (the layout's size), read as a
    /// consumer would before claiming it (word, copy, word again). The slot number is masked.
    pub fn message(&self, segment: &RawSegment, position: u64, size: usize) -> MpmcMessage {
        let mask = self.capacity - 1;
        let slot = (position & mask) as usize;
        let at = self.slots_offset + slot * self.stride;
        let lap = (position >> mask.count_ones()) & LAP_MASK;
        let word = |segment: &RawSegment| {
            let mut bytes = [0u8; 8];
            segment
                .read_payload(at, &mut bytes)
                .then(|| u64::from_ne_bytes(bytes))
        };
        let before = word(segment).unwrap_or(0);
        let mut after = before;
        let mut value = None;
        if state_of(before, lap) == MpmcSlotState::Full {
            let mut bytes = vec![0u8; size];
            if segment.read_payload(at + self.value_offset, &mut bytes) {
                after = word(segment).unwrap_or(0);
                value = (after == before).then_some(bytes);
            }
        }
        MpmcMessage {
            position,
            slot,
            state: state_of(after, lap),
            value,
        }
    }
}

/// What the slot word `w` says about a position of lap `lap`.
fn state_of(w: u64, lap: u64) -> MpmcSlotState {
    let word = Word::decode(w);
    if word.lap != lap {
        return MpmcSlotState::OtherLap(word.lap);
    }
    let (entry, epoch) = (word.tag.entry(), word.tag.epoch());
    match word.state {
        FREE => MpmcSlotState::Free,
        WRITING => MpmcSlotState::Writing(entry, epoch),
        FULL if word.tag == SKIPPED => MpmcSlotState::Skipped,
        FULL => MpmcSlotState::Full,
        READING => MpmcSlotState::Reading(entry, epoch),
        _ => unreachable!("a two-bit state"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SegmentOptions;
    use crate::ring::MpmcRing;
    use crate::ring::mpmc_protocol::Tag;
    use crate::ring::spsc_protocol::Stamps;
    use crate::test_support::{Pair, unique_name};

    #[test]
    fn slot_words_are_named_for_the_position_asked() {
        let claim = Tag::new(3, 5);
        assert_eq!(state_of(Word::encode(FREE, Tag::new(0, 0), 2), 2), MpmcSlotState::Free);
        assert_eq!(state_of(Word::encode(WRITING, claim, 2), 2), MpmcSlotState::Writing(3, 5));
        assert_eq!(state_of(Word::encode(READING, claim, 2), 2), MpmcSlotState::Reading(3, 5));
        assert_eq!(state_of(Word::encode(FULL, SKIPPED, 2), 2), MpmcSlotState::Skipped);
        assert_eq!(state_of(Word::encode(FULL, Tag::new(0, 0), 2), 2), MpmcSlotState::Full);
        assert_eq!(state_of(Word::encode(FREE, Tag::new(0, 0), 3), 2), MpmcSlotState::OtherLap(3));
    }

    #[test]
    fn a_claimed_slot_gives_no_value_and_names_its_claimant() {
        let (n, _u) = unique_name("ms");
        let ring = MpmcRing::<Pair>::create(&n, 2).unwrap();
        let mut producer = ring.producer().unwrap();
        let first = [Pair::new(0), Pair::new(1)];
        assert_eq!(producer.try_push_slice(&first).ok(), Some(2));
        let mut consumer = ring.consumer().unwrap();
        assert_eq!(consumer.try_pop().ok(), Some(Pair::new(0)));
        drop(consumer);
        assert!(producer.try_push(Pair::new(2)).is_ok());
        let (segment, header) = RawSegment::open_for_inspection(&n, &SegmentOptions::new()).unwrap();
        let s = MpmcSnapshot::read(&segment, &header).unwrap();
        assert_eq!((s.capacity, s.tail, s.head, s.fill()), (2, 3, 1, Some(2)));
        let m = s.message(&segment, 1, 16);
        assert_eq!((m.slot, m.state), (1, MpmcSlotState::Full));
        assert_eq!(m.value, Some([1u64.to_ne_bytes(), (!1u64).to_ne_bytes()].concat()));
        assert_eq!(s.message(&segment, 0, 16).state, MpmcSlotState::OtherLap(1), "consumed");
        // A consumer of entry 0 claimed position 2 (lap 1, slot 0) and is reading it.
        let word = Word::encode(READING, Tag::new(0, 1), 1);
        ring.inner_for_tests().slots.stamp(0).store(word, Ordering::Relaxed);
        let m = s.message(&segment, 2, 16);
        assert_eq!((m.state, m.value), (MpmcSlotState::Reading(0, 1), None));
        assert_eq!(s.processes.len(), 1);
        assert_eq!((s.processes[0].producers, s.processes[0].consumers), (1, 0));
    }
}
