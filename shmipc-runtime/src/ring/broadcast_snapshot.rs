//! A read-only snapshot of a broadcast ring (and of its doorbell), for tools (`shmipc inspect`,
//! `shmipc watch`, `shmipc clean`) that show the ring without its Rust type. Only loads; every
//! index and stamp read from the segment is checked or masked before it is used.

use core::sync::atomic::Ordering;

use super::broadcast_control::{BroadcastControl, DOORBELL_SUFFIX, DoorbellControl, doorbell_spec};
use super::broadcast_protocol::committed;
use super::control::Geometry;
use super::snapshot::{SideSnapshot, ring_geometry};
use crate::segment::{RawSegment, SegmentHeader};

/// What a slot's stamp says (see `docs/broadcast-ring.md`, "Slots").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StampState {
    /// `0`: never written.
    Empty,
    /// `2i + 1`: message `i` is being written.
    Writing(u64),
    /// `2i + 2`: message `i` is whole.
    Committed(u64),
}

impl StampState {
    /// The state a stamp word encodes.
    pub fn of(stamp: u64) -> StampState {
        match stamp {
            0 => StampState::Empty,
            s if s % 2 == 1 => StampState::Writing(s / 2),
            s => StampState::Committed(s / 2 - 1),
        }
    }
}

/// One message slot as read at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BroadcastMessage {
    /// The message asked for.
    pub index: u64,
    /// Its slot (`index & (capacity − 1)`).
    pub slot: usize,
    /// What the slot's stamp said (after the copy, if one was taken).
    pub stamp: StampState,
    /// The value's bytes: `Some` only when the slot held message `index`, whole, before and
    /// after the copy (a torn or overwritten copy is never returned).
    pub value: Option<Vec<u8>>,
}

/// A broadcast ring's state at one moment (kind `broadcast-ring`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BroadcastSnapshot {
    /// Slots, derived from the header's payload size (authoritative).
    pub capacity: u64,
    /// The capacity the creator wrote into the info block (a mismatch is corruption).
    pub info_capacity: u64,
    /// Bytes from one slot to the next.
    pub stride: usize,
    /// The publisher's block: `index` is its tail (messages committed); `peer_parked` is unused
    /// (subscribers announce themselves in the doorbell, see [`DoorbellSnapshot`]).
    pub publisher: SideSnapshot,
    /// The wake value subscribers sleep on (bumped, wrapping, at each wake-up).
    pub wake_value: u32,
    /// Where the slots are.
    geo: Geometry,
}

impl BroadcastSnapshot {
    /// Reads the ring `segment`, opened with [`RawSegment::open_for_inspection`], whose header is
    /// `header`. `Err` says why the payload is not a broadcast ring of the header's slot type
    /// (a doorbell, for one: check [`is_broadcast_doorbell`] first).
    ///
    /// ```
    /// # use shmipc_runtime::{RawSegment, SegmentOptions};
    /// # use shmipc_runtime::ring::{BroadcastRing, BroadcastSnapshot};
    /// # #[derive(Clone, Copy)] #[repr(C)] struct M(u64);
    /// # unsafe impl shmipc_runtime::SharedLayout for M {
    /// #     const LAYOUT: &'static shmipc_runtime::Layout = &shmipc_runtime::Layout::__new(
    /// #         "M", 1, shmipc_runtime::Endian::Native, 8, 8, &[]);
    /// #     const FINGERPRINT: u64 = 0;
    /// # }
    /// # let name = format!("/shmipc-test-bsnap-{}", std::process::id());
    /// let ring = BroadcastRing::<M>::create(&name, 4).unwrap();
    /// let mut publisher = ring.producer().unwrap();
    /// for i in 0..6 {
    ///     publisher.push(M(i));
    /// }
    /// let (segment, header) = RawSegment::open_for_inspection(&name, &SegmentOptions::new()).unwrap();
    /// let s = BroadcastSnapshot::read(&segment, &header).unwrap();
    /// assert_eq!((s.capacity, s.publisher.index, s.held()), (4, 6, 4));
    /// let newest = s.message(&segment, 5, 8);
    /// assert_eq!(newest.value, Some(5u64.to_ne_bytes().to_vec()));
    /// assert!(s.message(&segment, 1, 8).value.is_none()); // overwritten by message 5
    /// ```
    pub fn read(segment: &RawSegment, header: &SegmentHeader) -> Result<BroadcastSnapshot, String> {
        if is_broadcast_doorbell(header) {
            return Err("this is a broadcast ring's doorbell, not the ring".to_owned());
        }
        let (geo, capacity) = ring_geometry(segment, header)?;
        // SAFETY: a snapshot only loads (the segment may be mapped read-only).
        let control = unsafe { segment.control_read_only::<BroadcastControl>() };
        Ok(BroadcastSnapshot {
            capacity: capacity as u64,
            info_capacity: control.info.capacity.load(Ordering::Relaxed),
            stride: geo.stride,
            publisher: SideSnapshot::of(&control.publisher),
            wake_value: control.publisher.wake.value().load(Ordering::Relaxed),
            geo,
        })
    }

    /// The messages the ring still holds: `min(tail, capacity)` (the oldest of them is the one
    /// the publisher overwrites next).
    pub fn held(&self) -> u64 {
        self.publisher.index.min(self.capacity)
    }

    /// Message `index`'s slot read as a subscriber reads it (stamp, copy, stamp again), with
    /// values of `size` bytes (the layout's size). The slot number is masked, so any index is
    /// safe to ask for.
    pub fn message(&self, segment: &RawSegment, index: u64, size: usize) -> BroadcastMessage {
        let slot = (index & (self.capacity - 1)) as usize;
        let at = self.geo.slots_offset + slot * self.geo.stride;
        let stamp = |segment: &RawSegment| {
            let mut word = [0u8; 8];
            segment
                .read_payload(at, &mut word)
                .then(|| u64::from_ne_bytes(word))
        };
        let before = stamp(segment);
        let mut value = None;
        let mut after = before;
        if before == Some(committed(index)) {
            let mut bytes = vec![0u8; size];
            if segment.read_payload(at + self.geo.value_offset, &mut bytes) {
                after = stamp(segment);
                value = (after == before).then_some(bytes);
            }
        }
        BroadcastMessage {
            index,
            slot,
            stamp: StampState::of(after.unwrap_or(0)),
            value,
        }
    }
}

/// A broadcast ring's doorbell segment (`<ring>.b`) at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DoorbellSnapshot {
    /// The parked hint: non-zero when a subscriber announced that it may sleep and the publisher
    /// has not woken the sleepers since (a hint only: any process that can write the doorbell
    /// stores to it).
    pub parked: u32,
}

impl DoorbellSnapshot {
    /// Reads the doorbell `segment` whose header is `header`; `Err` says why it is not one.
    pub fn read(segment: &RawSegment, header: &SegmentHeader) -> Result<DoorbellSnapshot, String> {
        if !is_broadcast_doorbell(header) || segment.payload_len() < doorbell_spec().payload_len {
            return Err("the segment is not a broadcast ring's doorbell".to_owned());
        }
        // SAFETY: a snapshot only loads (the segment may be mapped read-only); the payload
        // is at least the doorbell's (checked above).
        let control = unsafe { segment.control_read_only::<DoorbellControl>() };
        Ok(DoorbellSnapshot {
            parked: control.parked.load(Ordering::Relaxed),
        })
    }
}

/// Whether `header` is a broadcast ring's doorbell (kind `broadcast-ring`, layout
/// `shmipc::BroadcastDoorbell`) rather than a ring.
pub fn is_broadcast_doorbell(header: &SegmentHeader) -> bool {
    let spec = doorbell_spec();
    header.kind() == Some(spec.kind)
        && header.layout.name == spec.layout.name()
        && header.layout.fingerprint == spec.layout.fingerprint()
}

/// The name of the doorbell of the broadcast ring `ring` (normalized, with its slash).
pub fn broadcast_doorbell_name(ring: &str) -> String {
    super::broadcast_control::doorbell_name(ring)
}

/// The ring that the doorbell `name` belongs to, if `name` is a doorbell's name.
pub fn broadcast_ring_of_doorbell(name: &str) -> Option<&str> {
    name.strip_suffix(DOORBELL_SUFFIX).filter(|r| r.len() > 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SegmentOptions;
    use crate::ring::BroadcastRing;
    use crate::ring::broadcast_protocol::writing;
    use crate::ring::spsc_protocol::Stamps;
    use crate::test_support::{Pair, Unlink, unique_name};

    fn inspect(name: &str) -> (RawSegment, SegmentHeader) {
        RawSegment::open_for_inspection(name, &SegmentOptions::new()).unwrap()
    }

    #[test]
    fn stamps_name_their_message() {
        assert_eq!(StampState::of(0), StampState::Empty);
        assert_eq!(StampState::of(writing(0)), StampState::Writing(0));
        assert_eq!(StampState::of(committed(0)), StampState::Committed(0));
        assert_eq!(StampState::of(writing(7)), StampState::Writing(7));
        assert_eq!(StampState::of(committed(7)), StampState::Committed(7));
        assert_eq!(StampState::of(u64::MAX), StampState::Writing(u64::MAX / 2));
    }

    #[test]
    fn a_message_being_written_or_overwritten_is_not_returned() {
        let (n, _u) = unique_name("bs");
        let _bell = Unlink(broadcast_doorbell_name(&n));
        let ring = BroadcastRing::<Pair>::create(&n, 2).unwrap();
        let mut publisher = ring.producer().unwrap();
        for i in 0..3 {
            publisher.push(Pair::new(i));
        }
        let (segment, header) = inspect(&n);
        let s = BroadcastSnapshot::read(&segment, &header).unwrap();
        assert_eq!((s.capacity, s.publisher.index, s.held()), (2, 3, 2));
        let m = s.message(&segment, 0, 16);
        assert_eq!((m.slot, m.stamp, m.value), (0, StampState::Committed(2), None));
        assert!(s.message(&segment, 2, 16).value.is_some());
        assert_eq!(s.message(&segment, 3, 16).stamp, StampState::Committed(1));
        // The publisher is writing message 3 into slot 1 (stamp 2·3 + 1).
        let stamps = &ring.inner_for_tests().slots;
        stamps.stamp(1).store(writing(3), core::sync::atomic::Ordering::Relaxed);
        let m = s.message(&segment, 3, 16);
        assert_eq!((m.stamp, m.value), (StampState::Writing(3), None));
        assert_eq!(s.message(&segment, 1, 16).value, None, "overwritten");
    }

    #[test]
    fn the_doorbell_is_told_apart_from_its_ring() {
        let (n, _u) = unique_name("bd");
        let bell = broadcast_doorbell_name(&n);
        let _bell = Unlink(bell.clone());
        let _ring = BroadcastRing::<Pair>::create(&n, 4).unwrap();
        assert_eq!(broadcast_ring_of_doorbell(&bell), Some(n.as_str()));
        assert_eq!(broadcast_ring_of_doorbell(&n), None);
        let (segment, header) = inspect(&bell);
        assert!(is_broadcast_doorbell(&header));
        assert_eq!(DoorbellSnapshot::read(&segment, &header).unwrap().parked, 0);
        assert!(BroadcastSnapshot::read(&segment, &header).is_err());
        let (segment, header) = inspect(&n);
        assert!(!is_broadcast_doorbell(&header));
        assert!(DoorbellSnapshot::read(&segment, &header).is_err());
    }
}
