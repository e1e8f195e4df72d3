//! The segment header, byte by byte: encoding, decoding and the consistency checks that make a
//! hostile header harmless. Not a public API (tools, benchmarks and hostile-header tests use it).
//!
//! - `wire`: the fixed part as a `#[repr(C)]` struct of little-endian fields, whose offsets are
//!   asserted against the table below;
//! - `fixed`: the fixed part: geometry, encoding, the checks of [`decode_fixed`];
//! - `checksum`: the header checksum;
//! - this module: the constants, the decoded [`SegmentHeader`] and [`decode`].
//!
//! Every integer in the header is little-endian, whatever the machine, so a tool or another
//! language can read it; `docs/segment-header.md` is the reference. The header is the first
//! `header_len` bytes of the segment; the payload follows at offset `header_len`.
//!
//! | offset | size | field |
//! | ---: | ---: | --- |
//! | 0 | 8 | magic `SHMIPCSG` |
//! | 8 | 2 | format major |
//! | 10 | 2 | format minor |
//! | 12 | 4 | state: 0 empty, 1 initializing, 2 ready (written atomically, last) |
//! | 16 | 4 | byte-order mark `0x01020304` in the creator's byte order |
//! | 20 | 4 | segment kind code |
//! | 24 | 4 | header length = payload offset |
//! | 28 | 4 | layout table length |
//! | 32 | 8 | payload size |
//! | 40 | 8 | payload alignment |
//! | 48 | 8 | total size of the segment |
//! | 56 | 8 | layout fingerprint |
//! | 64 | 4 | creator pid |
//! | 68 | 4 | creator pid namespace (inode of `/proc/self/ns/pid`, 0 unknown; format 1.1, reserved zero in 1.0) |
//! | 72 | 8 | creator start time |
//! | 80 | 8 | checksum: FNV-1a 64 of the layout table, then of bytes 0..128 with state and checksum as zero |
//! | 88 | 40 | reserved, zero |
//! | 128 | table length | layout table |
//!
//! The layout table: schema version (u32), endian (u32: 0 little, 1 big, 2 native), value size
//! (u64), value align (u64), type name (u16 length + UTF-8), field count (u32), then per field:
//! name (u16 length + UTF-8), type (u16 length + UTF-8), offset (u64), size (u64), align (u64).

mod c;
mod checksum;
mod fixed;
#[cfg(test)]
mod tests;
mod wire;

pub use self::c::segment_header_c;
pub use self::checksum::{checksum, checksum_after_table, reseal, table_hash};
pub use self::fixed::{
    FixedHeader, Geometry, check_magic_and_format, creator_of, declared_header_len, decode_fixed,
    encode, geometry,
};
use self::wire::WireFixed;
pub use super::bytes::get32;
use super::kind::SegmentKind;
use super::table::decode_table;
pub use super::table::encode_table;
use core::mem::{offset_of, size_of};

use crate::layout::{Endian, LayoutDescription};
use crate::sys::process::ProcessIdentity;

/// The first eight bytes of every segment.
pub const MAGIC: [u8; 8] = *b"SHMIPCSG";
/// The header format this build writes; it reads any header of the same major version.
pub const FORMAT: (u16, u16) = (1, 1);
/// Length of the fixed part of the header; the layout table follows.
pub const FIXED_LEN: usize = size_of::<WireFixed>();
/// The largest header this build accepts (fixed part, table and alignment padding).
pub const MAX_HEADER_LEN: usize = 1 << 20;
/// The largest payload alignment (one page, so that the mapping's alignment provides it).
pub const MAX_PAYLOAD_ALIGN: u64 = 4096;
/// The smallest payload alignment: a cache line.
pub const MIN_PAYLOAD_ALIGN: u64 = 64;
/// Offset of the 32-bit state word.
pub const STATE_OFFSET: usize = offset_of!(WireFixed, state);
/// State: the creator has not written the header yet.
pub const STATE_EMPTY: u32 = 0;
/// State: the creator wrote its identity and is writing the rest.
pub const STATE_INITIALIZING: u32 = 1;
/// State: the header and the zeroed payload are complete.
pub const STATE_READY: u32 = 2;
/// Written in the creator's byte order at offset 16.
pub const BYTE_ORDER_MARK: u32 = 0x0102_0304;

/// Offset of the layout table length.
pub const TABLE_LEN_OFFSET: usize = offset_of!(WireFixed, table_len);
/// Offset of the header checksum.
pub const CHECKSUM_OFFSET: usize = offset_of!(WireFixed, checksum);

/// Why a header could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// Too short, or without the magic: not made by shmipc.
    NotShmipc(&'static str),
    /// Made by shmipc, in a format of another major version.
    Format(u16, u16),
    /// Made by shmipc, but inconsistent: what is wrong.
    Corrupt(String),
}

/// A decoded header: everything an opener or a tool needs, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentHeader {
    /// Header format (major, minor).
    pub format: (u16, u16),
    /// The state word when the header was read.
    pub state: u32,
    /// The creator's byte order.
    pub byte_order: Endian,
    /// The kind code (see [`SegmentKind::code`]); unknown codes are kept for the error message.
    pub kind_code: u32,
    /// Header length, which is also the payload's offset.
    pub header_len: u64,
    /// Payload size in bytes.
    pub payload_size: u64,
    /// Payload alignment in bytes.
    pub payload_align: u64,
    /// Total size of the segment in bytes.
    pub total_size: u64,
    /// The creator's identity.
    pub creator: ProcessIdentity,
    /// The layout of the type the segment holds (its fingerprint from the header).
    pub layout: LayoutDescription,
}

impl SegmentHeader {
    /// The kind, if the code is known.
    pub fn kind(&self) -> Option<SegmentKind> {
        SegmentKind::from_code(self.kind_code)
    }
}

/// Decodes and checks a whole header: the fixed part, the checksum and the layout table.
/// `bytes` starts at offset 0 of the segment and holds at least the whole header; nothing in it
/// is trusted, and no input makes this panic.
pub fn decode(bytes: &[u8]) -> Result<SegmentHeader, HeaderError> {
    let fixed = decode_fixed(bytes)?;
    decode_rest(bytes, &fixed)
}

/// The second half of [`decode`]: verifies the checksum and decodes the table.
pub fn decode_rest(bytes: &[u8], fixed: &FixedHeader) -> Result<SegmentHeader, HeaderError> {
    let table = &bytes[fixed.table_range()];
    if checksum_after_table(table_hash(table), bytes) != fixed.checksum {
        return Err(HeaderError::Corrupt(
            "the checksum does not match".to_owned(),
        ));
    }
    let mut layout = decode_table(table, fixed.format.1 > FORMAT.1)
        .map_err(|reason| HeaderError::Corrupt(reason.to_owned()))?;
    layout.fingerprint = fixed.fingerprint;
    Ok(SegmentHeader {
        format: fixed.format,
        state: fixed.state,
        byte_order: fixed.byte_order,
        kind_code: fixed.kind_code,
        header_len: fixed.header_len as u64,
        payload_size: fixed.payload_size,
        payload_align: fixed.payload_align,
        total_size: fixed.total_size,
        creator: fixed.creator,
        layout,
    })
}
