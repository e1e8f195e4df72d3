//! The fixed part of the header: the geometry a layout and payload give, encoding a new header,
//! and decoding and checking the fixed part of a found one.

use super::super::kind::SegmentKind;
use super::super::table::encode_table;
use super::checksum::{checksum_after_table, table_hash};
use super::wire::WireFixed;
use super::*;
use crate::endian::{U16Le, U32Le, U64Le};
use crate::layout::{Endian, Layout};
use crate::sys::process::ProcessIdentity;

/// The sizes a header fixes: where the payload starts and how large the segment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Header length = payload offset.
    pub header_len: usize,
    /// Payload alignment.
    pub payload_align: usize,
    /// Total segment size: header plus payload rounded up to 64 bytes.
    pub total_size: usize,
}

/// Rounds `n` up to a multiple of the power of two `to`.
fn round_up(n: u64, to: u64) -> Option<u64> {
    Some(n.checked_add(to - 1)? & !(to - 1))
}

fn total_size(header_len: u64, payload_size: u64) -> Option<u64> {
    header_len.checked_add(round_up(payload_size, MIN_PAYLOAD_ALIGN)?)
}

/// Where the payload of a segment with this table and payload starts, and the segment's size.
pub fn geometry(
    table_len: usize,
    align: usize,
    payload_size: usize,
) -> Result<Geometry, &'static str> {
    let payload_align = (align as u64).max(MIN_PAYLOAD_ALIGN);
    if !payload_align.is_power_of_two() || payload_align > MAX_PAYLOAD_ALIGN {
        return Err("the type's alignment is above 4096 bytes");
    }
    let header_len = round_up((FIXED_LEN + table_len) as u64, payload_align)
        .filter(|&h| h <= MAX_HEADER_LEN as u64)
        .ok_or("the layout table is longer than 1 MiB")?;
    let total = total_size(header_len, payload_size as u64)
        .and_then(|t| usize::try_from(t).ok())
        .filter(|&t| t <= isize::MAX as usize)
        .ok_or("the payload is too large")?;
    Ok(Geometry {
        header_len: header_len as usize,
        payload_align: payload_align as usize,
        total_size: total,
    })
}

/// The complete header for a new segment, `header_len` bytes, with the state word
/// [`STATE_EMPTY`] (the creator publishes the state itself).
pub fn encode(
    kind: SegmentKind,
    layout: &Layout,
    payload_size: usize,
    creator: ProcessIdentity,
) -> Result<(Vec<u8>, Geometry), &'static str> {
    let table = encode_table(layout)?;
    let geo = geometry(table.len(), layout.align(), payload_size)?;
    let mut fixed = WireFixed {
        magic: MAGIC,
        format_major: U16Le::new(FORMAT.0),
        format_minor: U16Le::new(FORMAT.1),
        state: U32Le::new(STATE_EMPTY),
        byte_order_mark: BYTE_ORDER_MARK.to_ne_bytes(),
        kind: U32Le::new(kind.code()),
        header_len: U32Le::new(geo.header_len as u32),
        table_len: U32Le::new(table.len() as u32),
        payload_size: U64Le::new(payload_size as u64),
        payload_align: U64Le::new(geo.payload_align as u64),
        total_size: U64Le::new(geo.total_size as u64),
        fingerprint: U64Le::new(layout.fingerprint()),
        creator_pid: U32Le::new(creator.pid),
        creator_pid_ns: U32Le::new(creator.pid_ns.unwrap_or(0)),
        creator_start_time: U64Le::new(creator.start_time),
        checksum: U64Le::new(0),
        reserved_88: [0; 40],
    };
    let sum = checksum_after_table(table_hash(&table), &fixed.to_bytes());
    fixed.checksum = U64Le::new(sum);
    let mut h = vec![0u8; geo.header_len];
    h[..FIXED_LEN].copy_from_slice(&fixed.to_bytes());
    h[FIXED_LEN..FIXED_LEN + table.len()].copy_from_slice(&table);
    Ok((h, geo))
}

/// The header length recorded in a fixed header, before anything else is trusted; the opener
/// uses it to decide how many bytes to copy. `None` if `fixed` is shorter than [`FIXED_LEN`].
pub fn declared_header_len(fixed: &[u8]) -> Option<usize> {
    WireFixed::read(fixed).map(|f| f.header_len.get() as usize)
}

/// The creator identity of a header whose magic and format are right, for crash detection while
/// the rest may still be unwritten.
pub fn creator_of(fixed: &[u8]) -> Option<ProcessIdentity> {
    WireFixed::read(fixed)
        .filter(|f| f.magic == MAGIC)
        .map(|f| f.creator())
}

/// Checks the magic and the format version.
pub fn check_magic_and_format(bytes: &[u8]) -> Result<(u16, u16), HeaderError> {
    Ok(read_checked(bytes)?.1)
}

/// The fixed header at the start of `bytes` and its format, if its magic and major format are
/// this build's.
fn read_checked(bytes: &[u8]) -> Result<(WireFixed, (u16, u16)), HeaderError> {
    let Some(wire) = WireFixed::read(bytes) else {
        return Err(HeaderError::NotShmipc(
            "it is smaller than a segment header",
        ));
    };
    if wire.magic != MAGIC {
        return Err(HeaderError::NotShmipc(
            "it does not start with shmipc's magic",
        ));
    }
    let format = (wire.format_major.get(), wire.format_minor.get());
    if format.0 != FORMAT.0 {
        return Err(HeaderError::Format(format.0, format.1));
    }
    Ok((wire, format))
}

/// The fixed part of a header, checked for consistency but not against the checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedHeader {
    /// Header format (major, minor).
    pub format: (u16, u16),
    /// The state word as copied.
    pub state: u32,
    /// The creator's byte order.
    pub byte_order: Endian,
    /// The kind code.
    pub kind_code: u32,
    /// Header length = payload offset.
    pub header_len: usize,
    /// Layout table length.
    pub table_len: usize,
    /// Payload size.
    pub payload_size: u64,
    /// Payload alignment.
    pub payload_align: u64,
    /// Total segment size.
    pub total_size: u64,
    /// Layout fingerprint.
    pub fingerprint: u64,
    /// The checksum field.
    pub checksum: u64,
    /// The creator's identity.
    pub creator: ProcessIdentity,
}

impl FixedHeader {
    /// Where the layout table lies in the header.
    pub fn table_range(&self) -> core::ops::Range<usize> {
        FIXED_LEN..FIXED_LEN + self.table_len
    }
}

/// Decodes and checks the fixed part of a header. `bytes` starts at offset 0 of the segment and
/// holds at least the whole header; every length, offset and size is checked against the others
/// and against `bytes`, but the checksum is not verified (see [`decode`]).
pub fn decode_fixed(bytes: &[u8]) -> Result<FixedHeader, HeaderError> {
    let corrupt = |what: &str| HeaderError::Corrupt(what.to_owned());
    let (wire, format) = read_checked(bytes)?;
    let header_len = wire.header_len.get() as usize;
    let table_len = wire.table_len.get() as usize;
    if !(FIXED_LEN..=MAX_HEADER_LEN).contains(&header_len) {
        return Err(corrupt("the header length is out of range"));
    }
    if header_len > bytes.len() {
        return Err(corrupt("the header is longer than the segment"));
    }
    if table_len > header_len - FIXED_LEN {
        return Err(corrupt("the layout table runs past the header"));
    }
    let byte_order = match u32::from_le_bytes(wire.byte_order_mark) {
        BYTE_ORDER_MARK => Endian::Little,
        m if m == BYTE_ORDER_MARK.swap_bytes() => Endian::Big,
        _ => return Err(corrupt("the byte-order mark is neither little nor big")),
    };
    let payload_size = wire.payload_size.get();
    let payload_align = wire.payload_align.get();
    let total_size = wire.total_size.get();
    if !payload_align.is_power_of_two()
        || !(MIN_PAYLOAD_ALIGN..=MAX_PAYLOAD_ALIGN).contains(&payload_align)
    {
        return Err(corrupt(
            "the payload alignment is not a power of two in 64..=4096",
        ));
    }
    if !(header_len as u64).is_multiple_of(payload_align) {
        return Err(corrupt("the payload offset is not aligned"));
    }
    if self::total_size(header_len as u64, payload_size) != Some(total_size) {
        return Err(corrupt(
            "the total size does not match header and payload sizes",
        ));
    }
    Ok(FixedHeader {
        format,
        // `U32Le::get` already converts from little-endian; a second `from_le` would swap it on
        // big-endian (a bug this once had).
        state: wire.state.get(),
        byte_order,
        kind_code: wire.kind.get(),
        header_len,
        table_len,
        payload_size,
        payload_align,
        total_size,
        fingerprint: wire.fingerprint.get(),
        checksum: wire.checksum.get(),
        creator: wire.creator(),
    })
}
