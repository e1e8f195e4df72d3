//! The fixed part of the header as a `#[repr(C)]` struct of little-endian fields, its offsets
//! pinned against the table in the module documentation (and `docs/segment-header.md`).
//!
//! It is never referenced in shared memory: the opener copies the bytes out first (see
//! `segment/mapping.rs`) and reads this struct from its private copy.

use crate::pinned::pin_offsets;

use crate::endian::{U16Le, U32Le, U64Le};
use crate::sys::process::ProcessIdentity;

/// The first 128 bytes of every segment, field by field.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct WireFixed {
    /// `SHMIPCSG`.
    pub(crate) magic: [u8; 8],
    /// Format major version.
    pub(crate) format_major: U16Le,
    /// Format minor version.
    pub(crate) format_minor: U16Le,
    /// 0 empty, 1 initializing, 2 ready; in shared memory only accessed atomically.
    pub(crate) state: U32Le,
    /// `0x01020304` in the creator's byte order.
    pub(crate) byte_order_mark: [u8; 4],
    /// The segment kind code.
    pub(crate) kind: U32Le,
    /// Header length = payload offset.
    pub(crate) header_len: U32Le,
    /// Layout table length.
    pub(crate) table_len: U32Le,
    /// Payload size.
    pub(crate) payload_size: U64Le,
    /// Payload alignment.
    pub(crate) payload_align: U64Le,
    /// Total size of the segment.
    pub(crate) total_size: U64Le,
    /// Layout fingerprint.
    pub(crate) fingerprint: U64Le,
    /// Creator pid.
    pub(crate) creator_pid: U32Le,
    /// Creator pid namespace (format 1.1): the inode number of its `/proc/self/ns/pid`, 0 if
    /// unknown; reserved (zero) in format 1.0.
    pub(crate) creator_pid_ns: U32Le,
    /// Creator start time.
    pub(crate) creator_start_time: U64Le,
    /// FNV-1a 64 checksum (see `checksum.rs`).
    pub(crate) checksum: U64Le,
    /// Reserved, zero.
    pub(crate) reserved_88: [u8; 40],
}

// The documented table, offset by offset; together with the size they prove there is no padding.
pin_offsets! { WireFixed, size 128:
magic @ 0, format_major @ 8, format_minor @ 10, state @ 12, byte_order_mark @ 16, kind @ 20,
header_len @ 24, table_len @ 28, payload_size @ 32, payload_align @ 40, total_size @ 48,
fingerprint @ 56, creator_pid @ 64, creator_pid_ns @ 68, creator_start_time @ 72,
checksum @ 80, reserved_88 @ 88 }

impl WireFixed {
    /// The fixed header at the start of `bytes`; `None` if `bytes` is shorter than one.
    pub(crate) fn read(bytes: &[u8]) -> Option<WireFixed> {
        if bytes.len() < size_of::<WireFixed>() {
            return None;
        }
        // SAFETY: `bytes` holds at least `size_of::<WireFixed>()` readable bytes (checked), read
        // unaligned into a local; every bit pattern is a valid `WireFixed` (byte arrays and
        // `Le<T>`, whose only data is an unsigned integer).
        Some(unsafe { bytes.as_ptr().cast::<WireFixed>().read_unaligned() })
    }

    /// The 128 bytes of this header, in memory order.
    pub(crate) fn to_bytes(self) -> [u8; size_of::<WireFixed>()] {
        // SAFETY: `WireFixed` has no padding (the offsets and the size are asserted above), so
        // all of its bytes are initialized; the sizes are equal (checked by `transmute`).
        unsafe { core::mem::transmute::<WireFixed, [u8; size_of::<WireFixed>()]>(self) }
    }

    /// The recorded creator. Format 1.0 recorded no pid namespace (`None`: judged as the
    /// reader's, as 1.0 readers do).
    pub(crate) fn creator(&self) -> ProcessIdentity {
        ProcessIdentity {
            pid: self.creator_pid.get(),
            start_time: self.creator_start_time.get(),
            pid_ns: (self.format_minor.get() >= 1).then(|| self.creator_pid_ns.get()),
        }
    }
}
