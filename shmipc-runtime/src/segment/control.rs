//! Control blocks: the `#[repr(C)]` structs of atomics at the start of a primitive's payload,
//! reached through one audited accessor instead of pointer offsets.

use super::raw::RawSegment;

/// A `#[repr(C)]` struct of atomics (and [`WaitCell`](crate::sync::WaitCell)s) that a primitive
/// keeps at the start of its segment's payload: lock words, sequence numbers, ring indices.
///
/// Its layout is shared with other processes, so implementors pin every field's offset against
/// the table in their documentation with the crate's `pin_offsets!` (compile-time `offset_of!`
/// assertions, `src/pinned.rs`).
///
/// # Safety
///
/// Implementors guarantee that:
/// - every byte of the type belongs to a field that is an atomic integer, a `WaitCell`, or an
///   array or `#[repr(C)]` struct of those (so every bit pattern is valid, all zero included, and
///   the type is only ever accessed atomically — a peer's concurrent writes are not data races
///   with this process's accesses);
/// - its alignment is at most 64 (the payload's guaranteed alignment).
pub unsafe trait ControlBlock: Sized + Sync {}

impl RawSegment {
    /// The control block `C` at the start of the payload.
    ///
    /// The shared reference is sound although other processes write the block at any time: `C`
    /// is made of atomics only (see [`ControlBlock`]), so every access is atomic.
    ///
    /// # Panics
    ///
    /// If the payload is shorter than `C`: a primitive's [`SegmentSpec`](super::SegmentSpec) sizes
    /// the payload, so this is a bug in the primitive, never a peer's doing (`open` checked the
    /// payload length against the spec). If the segment is
    /// [read-only](RawSegment::is_read_only): a store through the reference would fault, so a
    /// reader uses [`control_read_only`](RawSegment::control_read_only).
    #[inline]
    pub fn control<C: ControlBlock>(&self) -> &C {
        assert!(
            !self.is_read_only(),
            "control() on a read-only segment: use control_read_only() and only load"
        );
        // SAFETY: the mapping is writable (asserted), so every access the reference allows is
        // sound (see `control_read_only`).
        unsafe { self.control_read_only() }
    }

    /// The control block `C` at the start of the payload, also of a
    /// [read-only](RawSegment::is_read_only) segment.
    ///
    /// # Safety
    ///
    /// If the segment is read-only, the caller only loads through the reference (a store, swap or
    /// compare-exchange faults with `SIGSEGV`). On a writable segment this is
    /// [`control`](RawSegment::control).
    ///
    /// # Panics
    ///
    /// As [`control`](RawSegment::control), for the payload length.
    #[inline]
    pub unsafe fn control_read_only<C: ControlBlock>(&self) -> &C {
        assert!(
            size_of::<C>() <= self.payload_len(),
            "control block larger than the payload"
        );
        const {
            assert!(
                align_of::<C>() <= 64,
                "control blocks are at most 64-aligned"
            )
        };
        // SAFETY: the payload starts 64-aligned (RawSegment's guarantee) and has at least
        // `size_of::<C>()` mapped, readable bytes (asserted), which live as long as `self`; every
        // bit pattern is a valid `C` and all of it is accessed atomically (ControlBlock's
        // contract), so a shared reference is sound even while other processes write it; on a
        // read-only mapping the caller promised to only load.
        unsafe { self.payload().cast::<C>().as_ref() }
    }
}
