//! The MPMC ring's control block (documented byte by byte in `docs/mpmc-ring.md`): the ring
//! info block of the SPSC ring, the tail and the head on their own lines, the recovery counters,
//! and the table of attached processes whose entries the slots' claim tags name.

use core::sync::atomic::{AtomicU32, AtomicU64};

use super::control::{Geometry, RingInfo};
use super::mpmc_protocol::MAX_ENTRIES;
use crate::pinned::pin_offsets;
use crate::segment::ControlBlock;
use crate::sync::{RoleToken, WaitCell};

/// Bytes before the first slot (when the slot type is at most 128-aligned): four 128-byte
/// blocks and the process table.
pub(crate) const MPMC_CONTROL_LEN: usize = 512 + MAX_ENTRIES * 32;
/// The format of the control block and slots, recorded in the info block.
pub(crate) const MPMC_FORMAT: u32 = 1;

/// Block 1 or 2 (128 bytes): one side's index, written by every handle of that side, and the
/// cell the *other* side parks on (this side wakes it after each operation, so the wake check
/// stays on a line this side writes anyway).
#[repr(C)]
pub(crate) struct IndexBlock {
    /// The producers' `tail` or the consumers' `head`: the next position to claim (a hint that
    /// any claimant moves forward; the slot words are authoritative).
    pub index: AtomicU64,
    /// In the producers' block the consumers wait for data; in the consumers' block the
    /// producers wait for room. Any number of parkers: `waiters` counts them.
    pub wake: WaitCell,
    reserved: [AtomicU64; 14],
}

/// Block 3 (128 bytes): what every process reads rarely.
#[repr(C)]
pub(crate) struct SharedBlock {
    /// Slots that a dead producer claimed and a consumer marked skipped.
    pub skipped_writes: AtomicU64,
    /// Messages that a dead consumer had claimed and a producer freed (dropped).
    pub dropped_reads: AtomicU64,
    /// 1 once any producer handle attached (before that, `pop` waits for one).
    pub producers_seen: AtomicU32,
    /// 1 once any consumer handle attached.
    pub consumers_seen: AtomicU32,
    reserved: [AtomicU64; 13],
}

/// One entry of the process table (32 bytes): held by one attached ring handle's process.
#[repr(C)]
pub(crate) struct Entry {
    /// The holder: pid, start time, pid-namespace tag (fail-closed liveness, as for roles).
    pub token: RoleToken,
    /// Bumped by each new holder before its first claim: a claim tag with another epoch is from
    /// a holder that is gone.
    pub epoch: AtomicU32,
    /// The holder's live producer handles.
    pub producers: AtomicU32,
    /// The holder's live consumer handles.
    pub consumers: AtomicU32,
    reserved: AtomicU32,
}

/// The control block at the start of the payload.
#[repr(C)]
pub(crate) struct MpmcControl {
    pub info: RingInfo,
    pub producers: IndexBlock,
    pub consumers: IndexBlock,
    pub shared: SharedBlock,
    pub table: [Entry; MAX_ENTRIES],
}

pin_offsets! { IndexBlock, size 128: index @ 0, wake @ 8, reserved @ 16 }
pin_offsets! { SharedBlock, size 128:
    skipped_writes @ 0, dropped_reads @ 8, producers_seen @ 16, consumers_seen @ 20, reserved @ 24 }
pin_offsets! { Entry, size 32: token @ 0, epoch @ 16, producers @ 20, consumers @ 24, reserved @ 28 }
pin_offsets! { MpmcControl, size 4608, align 8:
    info @ 0, producers @ 128, consumers @ 256, shared @ 384, table @ 512 }
const _: () = assert!(size_of::<MpmcControl>() == MPMC_CONTROL_LEN);

// SAFETY: only atomics, `RoleToken`s (atomics) and `WaitCell`s (atomics), in repr(C) structs;
// alignment 8.
unsafe impl ControlBlock for MpmcControl {}

/// The slot geometry of an MPMC ring of `T`: the SPSC ring's slot format (an 8-byte word, then
/// the value) after the longer control block.
pub(crate) const fn geometry(size: usize, align: usize) -> Geometry {
    Geometry::after(MPMC_CONTROL_LEN, size, align)
}
