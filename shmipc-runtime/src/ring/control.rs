//! The SPSC ring's control block and slot geometry (documented byte by byte in
//! `docs/spsc-ring.md`).

use crate::pinned::pin_offsets;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::Layout;
use crate::segment::{ControlBlock, Error, RawSegment, SegmentKind, SegmentSpec};
use crate::sync::{RoleToken, WaitCell};

/// Bytes before the first slot (when the slot type is at most 128-aligned): three 128-byte blocks.
pub(crate) const CONTROL_LEN: usize = 384;
/// The format of the control block and slots, recorded at offset 8.
pub(crate) const FORMAT: u32 = 1;
/// Largest capacity a ring accepts (2³²): far below where `u64` indices could wrap.
pub(crate) const MAX_CAPACITY: usize = 1 << 32;

/// A side's state word: nobody attached yet (the zeroed initial state; never stored).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const STATE_NEVER: u32 = 0;
/// A side's state word: a handle is attached.
pub(crate) const STATE_ATTACHED: u32 = 1;
/// A side's state word: the last handle was dropped (an explicit "closed", never inferred).
pub(crate) const STATE_CLOSED: u32 = 2;

/// Block 0 (bytes 0–127): what the creator wrote, for tools and other-language peers. Openers
/// derive the capacity from the header's payload size, which is authoritative.
#[repr(C)]
pub(crate) struct RingInfo {
    /// Number of slots (a power of two).
    pub capacity: AtomicU64,
    /// [`FORMAT`].
    pub format: AtomicU32,
    /// Bytes from one slot to the next.
    pub stride: AtomicU32,
    /// Offset of the value inside a slot (the stamp is at 0).
    pub value_offset: AtomicU32,
    /// Offset of slot 0 from the start of the payload.
    pub slots_offset: AtomicU32,
    reserved: [AtomicU64; 13],
}

/// Block 1 or 2 (128 bytes): one side's words. Only that side stores them, except that the peer
/// announces itself in `wake` when it parks. The first line holds what this side writes on every
/// operation; the second what changes only when a handle attaches or detaches, so that a peer
/// polling the state does not steal the hot line.
#[repr(C)]
pub(crate) struct SideBlock {
    /// The producer's `tail` or the consumer's `head`: monotonic message count.
    pub index: AtomicU64,
    /// The *peer* parks on this cell, this side wakes it: in the producer's block the consumer
    /// waits for data, in the consumer's block the producer waits for space. It sits with the
    /// index, which this side writes anyway, so the wake check stays on this side's own line.
    pub wake: WaitCell,
    reserved0: [AtomicU64; 6],
    /// [`STATE_NEVER`], [`STATE_ATTACHED`] or [`STATE_CLOSED`].
    pub state: AtomicU32,
    reserved1: AtomicU32,
    /// The role: at most one live process holds it.
    pub role: RoleToken,
    reserved2: [AtomicU64; 5],
}

/// The control block at the start of the payload: three 128-byte blocks, so that each side's
/// words live on cache lines the other side writes only when it parks.
#[repr(C)]
pub(crate) struct SpscControl {
    pub info: RingInfo,
    pub producer: SideBlock,
    pub consumer: SideBlock,
}

/// Which end of the ring a handle is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    Producer,
    Consumer,
}

impl SpscControl {
    /// The block of `end`.
    #[inline]
    pub(crate) fn block(&self, end: End) -> &SideBlock {
        match end {
            End::Producer => &self.producer,
            End::Consumer => &self.consumer,
        }
    }

    /// The block of the end opposite `end`.
    #[inline]
    pub(crate) fn peer_of(&self, end: End) -> &SideBlock {
        match end {
            End::Producer => &self.consumer,
            End::Consumer => &self.producer,
        }
    }
}

pin_offsets! { RingInfo, size 128:
    capacity @ 0, format @ 8, stride @ 12, value_offset @ 16, slots_offset @ 20, reserved @ 24 }
pin_offsets! { SideBlock, size 128:
    index @ 0, wake @ 8, reserved0 @ 16, state @ 64, reserved1 @ 68, role @ 72, reserved2 @ 88 }
pin_offsets! { SpscControl, size 384, align 8: info @ 0, producer @ 128, consumer @ 256 }
const _: () = assert!(size_of::<SpscControl>() == CONTROL_LEN);

// SAFETY: only atomics, `RoleToken`s (atomics) and `WaitCell`s, in repr(C) structs; alignment 8.
unsafe impl ControlBlock for SpscControl {}

/// Where the slots of a ring of `T` are: computed from `T`'s size and alignment only, so that
/// both sides agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    /// Offset of slot 0 in the payload: `CONTROL_LEN` rounded up to `T`'s alignment.
    pub slots_offset: usize,
    /// Offset of the value in a slot: max(8, align of `T`); the 8-byte stamp is at 0.
    pub value_offset: usize,
    /// Slot size: value offset + size of `T`, rounded up to max(8, align of `T`), and below 64
    /// up to a power of two (so that no slot straddles two cache lines).
    pub stride: usize,
}

impl Geometry {
    /// The geometry for slots of `size` bytes aligned to `align` (a power of two), after the
    /// SPSC ring's control block.
    pub const fn new(size: usize, align: usize) -> Geometry {
        Geometry::after(CONTROL_LEN, size, align)
    }

    /// The geometry for slots of `size` bytes aligned to `align` (a power of two), after a
    /// control block of `control_len` bytes (the MPMC ring's is longer).
    pub const fn after(control_len: usize, size: usize, align: usize) -> Geometry {
        let a = if align > 8 { align } else { 8 };
        let value_offset = a;
        let mut stride = (value_offset + size).div_ceil(a) * a;
        // A slot smaller than a cache line never straddles two: stamp and value arrive together.
        if stride < 64 {
            stride = stride.next_power_of_two();
        }
        let slots_offset = control_len.div_ceil(a) * a;
        Geometry {
            slots_offset,
            value_offset,
            stride,
        }
    }

    /// The geometry of slots of `T`.
    pub const fn of<T>() -> Geometry {
        Geometry::new(size_of::<T>(), align_of::<T>())
    }

    /// The payload length for `capacity` slots, if it fits a `usize`.
    pub fn payload_len(&self, capacity: usize) -> Option<usize> {
        capacity
            .checked_mul(self.stride)?
            .checked_add(self.slots_offset)
    }

    /// The capacity a payload of `len` bytes holds, if `len` is exactly a valid ring's length
    /// (a power-of-two capacity up to [`MAX_CAPACITY`]).
    pub fn capacity_of(&self, len: usize) -> Option<usize> {
        let slots = len.checked_sub(self.slots_offset)?;
        if !slots.is_multiple_of(self.stride) {
            return None;
        }
        let capacity = slots / self.stride;
        (capacity.is_power_of_two() && capacity <= MAX_CAPACITY).then_some(capacity)
    }
}

/// A ring type's slot geometry, fixed by its slot type (both sides compute the same).
pub(crate) trait RingGeometry {
    const GEOMETRY: Geometry;
}

/// Whether a payload of `len` bytes is that of a ring of type `R` (for `SegmentSpec::accept_len`).
fn accept_len<R: RingGeometry>(len: usize) -> bool {
    R::GEOMETRY.capacity_of(len).is_some()
}

/// The segment spec of a ring of type `R` and `kind` with slots of `layout` and `capacity` slots
/// (the default when `None`; `open` then accepts any capacity).
pub(crate) fn ring_spec<R: RingGeometry>(
    kind: SegmentKind,
    layout: &'static Layout,
    capacity: Option<usize>,
) -> Result<SegmentSpec, String> {
    R::GEOMETRY.ring_spec(kind, layout, capacity, accept_len::<R>)
}

impl Geometry {
    /// The capacity `create` uses when the builder sets none: as many slots as fit in 1 MiB, at
    /// least 1 and at most 1024.
    fn default_capacity(&self) -> usize {
        let fit = (1usize << 20) / self.stride;
        if fit == 0 {
            1
        } else {
            (1usize << fit.ilog2()).min(1024)
        }
    }

    /// The segment spec of a ring of `kind` with slots of `layout` and `capacity` slots (the
    /// default when `None`; `open` then accepts any payload length `accept` accepts).
    fn ring_spec(
        &self,
        kind: SegmentKind,
        layout: &'static Layout,
        capacity: Option<usize>,
        accept: fn(usize) -> bool,
    ) -> Result<SegmentSpec, String> {
        let (capacity, exact) = match capacity {
            Some(c) => {
                check_capacity(c)?;
                (c, true)
            }
            None => (self.default_capacity(), false),
        };
        let len = self.payload_len(capacity).ok_or_else(|| {
            format!(
                "{capacity} slots of {} bytes do not fit in the address space: use a smaller capacity",
                self.stride
            )
        })?;
        let spec = SegmentSpec::new(kind, layout, len);
        Ok(if exact {
            spec
        } else {
            spec.accepting_len(accept)
        })
    }

    /// The capacity of the ring in `segment` (from its payload length), or the error to report.
    pub(crate) fn segment_capacity(&self, segment: &RawSegment) -> Result<usize, Error> {
        self.capacity_of(segment.payload_len())
            .ok_or_else(|| Error::InvalidOptions {
                name: segment.name().to_owned(),
                reason: "the payload length is not that of a ring of this type: create the \
                         ring again"
                    .to_owned(),
            })
    }
}

impl RingInfo {
    /// Records the ring's geometry for tools (the creator, once).
    pub(crate) fn record(&self, capacity: usize, format: u32, geo: &Geometry) {
        self.capacity.store(capacity as u64, Ordering::Relaxed);
        self.format.store(format, Ordering::Relaxed);
        self.stride.store(geo.stride as u32, Ordering::Relaxed);
        self.value_offset
            .store(geo.value_offset as u32, Ordering::Relaxed);
        self.slots_offset
            .store(geo.slots_offset as u32, Ordering::Relaxed);
    }
}

/// Why `capacity` cannot be a ring's capacity, as a sentence for `Error::InvalidOptions`.
pub(crate) fn check_capacity(capacity: usize) -> Result<(), String> {
    if !capacity.is_power_of_two() || capacity > MAX_CAPACITY {
        return Err(format!(
            "a ring capacity must be a power of two from 1 to 2^32, not {capacity}: use {}",
            capacity
                .checked_next_power_of_two()
                .unwrap_or(MAX_CAPACITY)
                .clamp(1, MAX_CAPACITY)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_round_trips_capacity() {
        for (size, align) in [(1, 1), (8, 8), (64, 8), (24, 4), (48, 16), (4096, 4096)] {
            let g = Geometry::new(size, align);
            assert!(g.stride >= g.value_offset + size);
            assert_eq!(g.slots_offset % align.max(8), 0);
            assert_eq!(g.stride % align.max(8), 0);
            for cap in [1usize, 2, 64, 1024] {
                let len = g.payload_len(cap).unwrap();
                assert_eq!(g.capacity_of(len), Some(cap));
                assert_eq!(g.capacity_of(len + g.stride * cap), Some(cap * 2));
            }
            assert_eq!(g.capacity_of(g.payload_len(3).unwrap()), None);
            assert_eq!(g.capacity_of(g.payload_len(4).unwrap() + 8), None);
            assert_eq!(g.capacity_of(g.slots_offset), None);
            assert_eq!(g.capacity_of(0), None);
        }
        assert_eq!(Geometry::new(8, 8).stride, 16);
        assert_eq!(Geometry::new(16, 8).stride, 32);
        assert_eq!(Geometry::new(40, 8).stride, 64);
        assert_eq!(Geometry::new(64, 8).stride, 72);
    }

    #[test]
    fn capacities_are_powers_of_two() {
        assert!(check_capacity(1).is_ok());
        assert!(check_capacity(1024).is_ok());
        assert!(check_capacity(0).unwrap_err().contains("use 1"));
        assert!(check_capacity(1000).unwrap_err().contains("use 1024"));
    }
}
