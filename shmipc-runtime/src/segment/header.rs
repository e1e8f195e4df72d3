//! The segment header, byte by byte: encoding, decoding and the consistency checks that make a
//! hostile header harmless.
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
//! | 68 | 4 | reserved, zero |
//! | 72 | 8 | creator start time |
//! | 80 | 8 | checksum: FNV-1a 64 of the layout table, then of bytes 0..128 with state and checksum as zero |
//! | 88 | 40 | reserved, zero |
//! | 128 | table length | layout table |
//!
//! The layout table: schema version (u32), endian (u32: 0 little, 1 big, 2 native), value size
//! (u64), value align (u64), type name (u16 length + UTF-8), field count (u32), then per field:
//! name (u16 length + UTF-8), type (u16 length + UTF-8), offset (u64), size (u64), align (u64).

use super::description::LayoutDescription;
use super::kind::SegmentKind;
use super::table::decode_table;
pub use super::table::encode_table;
use crate::layout::{Endian, Layout};
use crate::sys::process::ProcessIdentity;

/// The first eight bytes of every segment.
pub const MAGIC: [u8; 8] = *b"SHMIPCSG";
/// The header format this build writes; it reads any header of the same major version.
pub const FORMAT: (u16, u16) = (1, 0);
/// Length of the fixed part of the header; the layout table follows.
pub const FIXED_LEN: usize = 128;
/// The largest header this build accepts (fixed part, table and alignment padding).
pub const MAX_HEADER_LEN: usize = 1 << 20;
/// The largest payload alignment (one page, so that the mapping's alignment provides it).
pub const MAX_PAYLOAD_ALIGN: u64 = 4096;
/// The smallest payload alignment: a cache line.
pub const MIN_PAYLOAD_ALIGN: u64 = 64;
/// Offset of the 32-bit state word.
pub const STATE_OFFSET: usize = 12;
/// State: the creator has not written the header yet.
pub const STATE_EMPTY: u32 = 0;
/// State: the creator wrote its identity and is writing the rest.
pub const STATE_INITIALIZING: u32 = 1;
/// State: the header and the zeroed payload are complete.
pub const STATE_READY: u32 = 2;
/// Written in the creator's byte order at offset 16.
pub const BYTE_ORDER_MARK: u32 = 0x0102_0304;

const FORMAT_OFFSET: usize = 8;
const BOM_OFFSET: usize = 16;
const KIND_OFFSET: usize = 20;
const HEADER_LEN_OFFSET: usize = 24;
/// Offset of the layout table length.
pub const TABLE_LEN_OFFSET: usize = 28;
const PAYLOAD_SIZE_OFFSET: usize = 32;
const PAYLOAD_ALIGN_OFFSET: usize = 40;
const TOTAL_SIZE_OFFSET: usize = 48;
const FINGERPRINT_OFFSET: usize = 56;
const PID_OFFSET: usize = 64;
const START_TIME_OFFSET: usize = 72;
/// Offset of the header checksum.
pub const CHECKSUM_OFFSET: usize = 80;
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
    let mut h = vec![0u8; geo.header_len];
    h[..8].copy_from_slice(&MAGIC);
    h[FORMAT_OFFSET..FORMAT_OFFSET + 2].copy_from_slice(&FORMAT.0.to_le_bytes());
    h[FORMAT_OFFSET + 2..FORMAT_OFFSET + 4].copy_from_slice(&FORMAT.1.to_le_bytes());
    h[BOM_OFFSET..BOM_OFFSET + 4].copy_from_slice(&BYTE_ORDER_MARK.to_ne_bytes());
    put32(&mut h, KIND_OFFSET, kind.code());
    put32(&mut h, HEADER_LEN_OFFSET, geo.header_len as u32);
    put32(&mut h, TABLE_LEN_OFFSET, table.len() as u32);
    put64(&mut h, PAYLOAD_SIZE_OFFSET, payload_size as u64);
    put64(&mut h, PAYLOAD_ALIGN_OFFSET, geo.payload_align as u64);
    put64(&mut h, TOTAL_SIZE_OFFSET, geo.total_size as u64);
    put64(&mut h, FINGERPRINT_OFFSET, layout.fingerprint());
    put32(&mut h, PID_OFFSET, creator.pid);
    put64(&mut h, START_TIME_OFFSET, creator.start_time);
    h[FIXED_LEN..FIXED_LEN + table.len()].copy_from_slice(&table);
    let sum = checksum(&h[..FIXED_LEN + table.len()]);
    put64(&mut h, CHECKSUM_OFFSET, sum);
    Ok((h, geo))
}

fn put32(h: &mut [u8], at: usize, v: u32) {
    h[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put64(h: &mut [u8], at: usize, v: u64) {
    h[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn get16(h: &[u8], at: usize) -> u16 {
    let mut b = [0; 2];
    b.copy_from_slice(&h[at..at + 2]);
    u16::from_le_bytes(b)
}

/// Reads a little-endian `u32` at `at` (the caller checked the bounds).
pub fn get32(h: &[u8], at: usize) -> u32 {
    let mut b = [0; 4];
    b.copy_from_slice(&h[at..at + 4]);
    u32::from_le_bytes(b)
}

pub(crate) fn get64(h: &[u8], at: usize) -> u64 {
    let mut b = [0; 8];
    b.copy_from_slice(&h[at..at + 8]);
    u64::from_le_bytes(b)
}

const FNV_BASIS: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv(mut hash: u64, data: &[u8]) -> u64 {
    for &b in data {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The header checksum of `bytes` (the header from offset 0 through the end of the layout
/// table): FNV-1a 64 over the layout table first, then over the fixed part with the state word
/// and the checksum field read as zeroes. (Table first, so an opener can cache the table's part.)
pub fn checksum(bytes: &[u8]) -> u64 {
    checksum_after_table(table_hash(&bytes[FIXED_LEN..]), &bytes[..FIXED_LEN])
}

/// The FNV-1a 64 state after hashing the layout table (the first half of [`checksum`]).
pub fn table_hash(table: &[u8]) -> u64 {
    fnv(FNV_BASIS, table)
}

/// Finishes [`checksum`] over the fixed part, given [`table_hash`] of the table.
pub fn checksum_after_table(table_hash: u64, fixed: &[u8]) -> u64 {
    let hash = fnv(table_hash, &fixed[..STATE_OFFSET]);
    let hash = fnv(hash, &[0; 4]);
    let hash = fnv(hash, &fixed[STATE_OFFSET + 4..CHECKSUM_OFFSET]);
    let hash = fnv(hash, &[0; 8]);
    fnv(hash, &fixed[CHECKSUM_OFFSET + 8..FIXED_LEN])
}

/// The header length recorded in a fixed header, before anything else is trusted; the opener
/// uses it to decide how many bytes to copy. `None` if `fixed` is shorter than [`FIXED_LEN`].
pub fn declared_header_len(fixed: &[u8]) -> Option<usize> {
    (fixed.len() >= FIXED_LEN).then(|| get32(fixed, HEADER_LEN_OFFSET) as usize)
}

/// The creator identity of a header whose magic and format are right, for crash detection while
/// the rest may still be unwritten.
pub fn creator_of(fixed: &[u8]) -> Option<ProcessIdentity> {
    (fixed.len() >= FIXED_LEN && fixed[..8] == MAGIC).then(|| ProcessIdentity {
        pid: get32(fixed, PID_OFFSET),
        start_time: get64(fixed, START_TIME_OFFSET),
    })
}

/// Checks the magic and the format version.
pub fn check_magic_and_format(bytes: &[u8]) -> Result<(u16, u16), HeaderError> {
    if bytes.len() < FIXED_LEN {
        return Err(HeaderError::NotShmipc(
            "it is smaller than a segment header",
        ));
    }
    if bytes[..8] != MAGIC {
        return Err(HeaderError::NotShmipc(
            "it does not start with shmipc's magic",
        ));
    }
    let format = (get16(bytes, FORMAT_OFFSET), get16(bytes, FORMAT_OFFSET + 2));
    if format.0 != FORMAT.0 {
        return Err(HeaderError::Format(format.0, format.1));
    }
    Ok(format)
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
    let format = check_magic_and_format(bytes)?;
    let header_len = get32(bytes, HEADER_LEN_OFFSET) as usize;
    let table_len = get32(bytes, TABLE_LEN_OFFSET) as usize;
    if !(FIXED_LEN..=MAX_HEADER_LEN).contains(&header_len) {
        return Err(corrupt("the header length is out of range"));
    }
    if header_len > bytes.len() {
        return Err(corrupt("the header is longer than the segment"));
    }
    if table_len > header_len - FIXED_LEN {
        return Err(corrupt("the layout table runs past the header"));
    }
    let byte_order = match get32(bytes, BOM_OFFSET) {
        BYTE_ORDER_MARK => Endian::Little,
        m if m == BYTE_ORDER_MARK.swap_bytes() => Endian::Big,
        _ => return Err(corrupt("the byte-order mark is neither little nor big")),
    };
    let payload_size = get64(bytes, PAYLOAD_SIZE_OFFSET);
    let payload_align = get64(bytes, PAYLOAD_ALIGN_OFFSET);
    let total_size = get64(bytes, TOTAL_SIZE_OFFSET);
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
        // `get32` already reads little-endian; a second `from_le` would swap it on big-endian.
        state: get32(bytes, STATE_OFFSET),
        byte_order,
        kind_code: get32(bytes, KIND_OFFSET),
        header_len,
        table_len,
        payload_size,
        payload_align,
        total_size,
        fingerprint: get64(bytes, FINGERPRINT_OFFSET),
        checksum: get64(bytes, CHECKSUM_OFFSET),
        creator: ProcessIdentity {
            pid: get32(bytes, PID_OFFSET),
            start_time: get64(bytes, START_TIME_OFFSET),
        },
    })
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
    let mut layout = decode_table(table, fixed.format.1 > FORMAT.1)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{FieldLayout, FieldType, Primitive};

    static FIELDS: [FieldLayout; 2] = [
        FieldLayout::__new("seq", 0, 8, 8, &FieldType::Primitive(Primitive::U64Le)),
        FieldLayout::__new(
            "venue",
            8,
            4,
            1,
            &FieldType::Array {
                elem: &FieldType::Primitive(Primitive::U8),
                len: 4,
            },
        ),
    ];
    static TICK: Layout = Layout::__new("Tick", 3, Endian::Little, 16, 8, &FIELDS);

    fn me() -> ProcessIdentity {
        ProcessIdentity {
            pid: 42,
            start_time: 7,
        }
    }

    #[test]
    fn round_trip() {
        let (bytes, geo) = encode(SegmentKind::Value, &TICK, 16, me()).unwrap();
        assert_eq!(geo.header_len % 64, 0);
        assert_eq!(geo.total_size, geo.header_len + 64);
        let h = decode(&bytes).unwrap();
        assert_eq!(h.kind(), Some(SegmentKind::Value));
        assert_eq!(h.creator, me());
        assert_eq!(h.payload_size, 16);
        assert_eq!(h.layout, LayoutDescription::from_layout(&TICK));
        assert_eq!(h.layout.fields[1].ty, "[u8; 4]");
        assert_eq!(h.state, STATE_EMPTY);
        let mut ready = bytes.clone();
        ready[STATE_OFFSET..STATE_OFFSET + 4].copy_from_slice(&STATE_READY.to_le_bytes());
        assert_eq!(decode(&ready).unwrap().state, STATE_READY);
    }

    /// Pins the byte positions documented in `docs/segment-header.md`.
    #[test]
    fn bytes_sit_where_the_documentation_says() {
        let (b, geo) = encode(SegmentKind::SeqLock, &TICK, 100, me()).unwrap();
        assert_eq!(&b[0..8], b"SHMIPCSG");
        assert_eq!((get16(&b, 8), get16(&b, 10)), (1, 0));
        assert_eq!(get32(&b, 12), STATE_EMPTY);
        assert_eq!(b[16..20], 0x0102_0304u32.to_ne_bytes());
        assert_eq!(get32(&b, 20), 3);
        assert_eq!(get32(&b, 24) as usize, geo.header_len);
        let table_len = get32(&b, 28) as usize;
        assert_eq!(get64(&b, 32), 100);
        assert_eq!(get64(&b, 40), 64);
        assert_eq!(get64(&b, 48), geo.header_len as u64 + 128);
        assert_eq!(get64(&b, 56), TICK.fingerprint());
        assert_eq!((get32(&b, 64), get32(&b, 68), get64(&b, 72)), (42, 0, 7));
        assert_eq!(get64(&b, 80), checksum(&b[..FIXED_LEN + table_len]));
        assert!(b[88..128].iter().all(|&x| x == 0));
        // The table: version, endian, size, align, name, count, then the first field.
        assert_eq!((get32(&b, 128), get32(&b, 132)), (3, 0));
        assert_eq!((get64(&b, 136), get64(&b, 144)), (16, 8));
        assert_eq!(get16(&b, 152), 4);
        assert_eq!(&b[154..158], b"Tick");
        assert_eq!(get32(&b, 158), 2);
        assert_eq!(get16(&b, 162), 3);
        assert_eq!(&b[164..167], b"seq");
        assert_eq!(get16(&b, 167), 5);
        assert_eq!(&b[169..174], b"u64le");
        assert_eq!((get64(&b, 174), get64(&b, 182), get64(&b, 190)), (0, 8, 8));
        assert!(b[FIXED_LEN + table_len..].iter().all(|&x| x == 0));
    }

    #[test]
    fn every_truncation_and_bit_flip_is_an_error_not_a_panic() {
        let (bytes, _) = encode(SegmentKind::Value, &TICK, 16, me()).unwrap();
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_err(), "truncated to {len}");
        }
        for bit in 0..(bytes.len() * 8) {
            let mut b = bytes.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            let in_state_or_padding = (STATE_OFFSET * 8..STATE_OFFSET * 8 + 32).contains(&bit)
                || bit / 8 >= FIXED_LEN + encode_table(&TICK).unwrap().len();
            assert_eq!(decode(&b).is_err(), !in_state_or_padding, "bit {bit}");
        }
    }
}
