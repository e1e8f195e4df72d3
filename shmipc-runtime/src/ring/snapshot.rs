//! A read-only snapshot of an SPSC ring's control block and slots, for tools (`shmipc inspect`,
//! `shmipc watch`) that show a ring without its Rust type. Only loads; every index read from the
//! segment is checked or masked before it is used.

use core::sync::atomic::Ordering;

use super::control::{Geometry, SideBlock, SpscControl};
use crate::segment::{RawSegment, SegmentHeader};
use crate::sync::LockSnapshot;

/// One side's words (the producer's or the consumer's block).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SideSnapshot {
    /// The producer's `tail` or the consumer's `head`.
    pub index: u64,
    /// `0` never attached, `1` attached, `2` closed (anything else: a corrupted word).
    pub state: u32,
    /// Whether the *peer* announced that it may sleep on this side's wake cell.
    pub peer_parked: bool,
    /// The role.
    pub role: LockSnapshot,
}

impl SideSnapshot {
    fn of(side: &SideBlock) -> SideSnapshot {
        SideSnapshot {
            index: side.index.load(Ordering::Acquire),
            state: side.state.load(Ordering::Acquire),
            peer_parked: side.wake.waiters().load(Ordering::Relaxed) != 0,
            role: side.role.snapshot(),
        }
    }
}

/// An SPSC ring's state at one moment (kind `spsc-ring`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpscSnapshot {
    /// Slots, derived from the header's payload size (authoritative).
    pub capacity: u64,
    /// The capacity the creator wrote into the info block (for tools; a mismatch is corruption).
    pub info_capacity: u64,
    /// The info block's format (1).
    pub format: u32,
    /// Bytes from one slot to the next.
    pub stride: usize,
    /// Offset of the value inside a slot.
    pub value_offset: usize,
    /// Offset of slot 0 in the payload.
    pub slots_offset: usize,
    /// The producer's block.
    pub producer: SideSnapshot,
    /// The consumer's block.
    pub consumer: SideSnapshot,
}

impl SpscSnapshot {
    /// Reads the ring `segment`, opened with [`RawSegment::open_for_inspection`], whose header is
    /// `header`. `Err` says why the payload is not an SPSC ring of the header's slot type.
    ///
    /// ```
    /// # use shmipc_runtime::{RawSegment, SegmentOptions};
    /// # use shmipc_runtime::ring::{SpscRing, SpscSnapshot};
    /// # #[derive(Clone, Copy)] #[repr(C)] struct M(u64);
    /// # unsafe impl shmipc_runtime::SharedLayout for M {
    /// #     const LAYOUT: &'static shmipc_runtime::Layout = &shmipc_runtime::Layout::__new(
    /// #         "M", 1, shmipc_runtime::Endian::Native, 8, 8, &[]);
    /// #     const FINGERPRINT: u64 = 0;
    /// # }
    /// # let name = format!("/shmipc-test-doc-ring-{}", std::process::id());
    /// let ring = SpscRing::<M>::create(&name, 4).unwrap();
    /// ring.producer().unwrap().try_push(M(1)).unwrap();
    /// let (segment, header) = RawSegment::open_for_inspection(&name, &SegmentOptions::new()).unwrap();
    /// let s = SpscSnapshot::read(&segment, &header).unwrap();
    /// assert_eq!((s.capacity, s.fill()), (4, Some(1)));
    /// ```
    pub fn read(segment: &RawSegment, header: &SegmentHeader) -> Result<SpscSnapshot, String> {
        let (size, align) = (header.layout.size, header.layout.align);
        if !align.is_power_of_two() || align > 4096 || size > (1 << 32) {
            return Err(format!("a slot type of size {size} and alignment {align} cannot be a ring's"));
        }
        let geo = Geometry::new(size as usize, align as usize);
        let capacity = geo.capacity_of(segment.payload_len()).ok_or_else(|| {
            format!(
                "a payload of {} bytes is not a whole power-of-two number of {}-byte slots after {} control bytes",
                segment.payload_len(),
                geo.stride,
                geo.slots_offset
            )
        })?;
        // SAFETY: a snapshot only loads (the segment may be mapped read-only).
        let control = unsafe { segment.control_read_only::<SpscControl>() };
        Ok(SpscSnapshot {
            capacity: capacity as u64,
            info_capacity: control.info.capacity.load(Ordering::Relaxed),
            format: control.info.format.load(Ordering::Relaxed),
            stride: geo.stride,
            value_offset: geo.value_offset,
            slots_offset: geo.slots_offset,
            producer: SideSnapshot::of(&control.producer),
            consumer: SideSnapshot::of(&control.consumer),
        })
    }

    /// Messages committed and not yet released (`tail − head`); `None` when that is more than the
    /// capacity (a corrupted or torn pair of indices).
    pub fn fill(&self) -> Option<u64> {
        let fill = self.producer.index.wrapping_sub(self.consumer.index);
        (fill <= self.capacity).then_some(fill)
    }

    /// Payload offset of message `index`'s slot (masked: in bounds for any index).
    pub fn slot_offset(&self, index: u64) -> usize {
        self.slots_offset + (index & (self.capacity - 1)) as usize * self.stride
    }

    /// The stamp of message `index`'s slot (`index + 1` once committed), if it could be read.
    pub fn stamp(&self, segment: &RawSegment, index: u64) -> Option<u64> {
        let mut bytes = [0u8; 8];
        segment
            .read_payload(self.slot_offset(index), &mut bytes)
            .then(|| u64::from_ne_bytes(bytes))
    }

    /// The value bytes of message `index`'s slot (`size` bytes, the layout's size), if readable.
    pub fn value(&self, segment: &RawSegment, index: u64, size: usize) -> Option<Vec<u8>> {
        let mut bytes = vec![0u8; size];
        segment
            .read_payload(self.slot_offset(index) + self.value_offset, &mut bytes)
            .then_some(bytes)
    }
}
