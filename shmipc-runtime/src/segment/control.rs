//! Control blocks: the `#[repr(C)]` structs of atomics at the start of a primitive's payload,
//! reached through one audited accessor instead of pointer offsets.

use super::raw::RawSegment;

/// A `#[repr(C)]` struct of atomics (and [`WaitCell`](crate::sync::WaitCell)s) that a primitive
/// keeps at the start of its segment's payload: lock words, sequence numbers, ring indices.
///
/// Its layout is shared with other processes, so implementors pin every field's offset with
/// `offset_of!` const assertions against the table in their documentation.
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
    /// payload length against the spec).
    #[inline]
    pub fn control<C: ControlBlock>(&self) -> &C {
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
        // `size_of::<C>()` mapped bytes (asserted), which live as long as `self`; every bit
        // pattern is a valid `C` and all of it is accessed atomically (ControlBlock's contract),
        // so a shared reference is sound even while other processes write it.
        unsafe { self.payload().cast::<C>().as_ref() }
    }
}
