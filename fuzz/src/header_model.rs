//! Header and layout-table decoding of hostile bytes: `header::decode` and `check_header`, on raw
//! input, or on a valid header (of a layout with a nested struct and an array) with fuzzed byte
//! edits, optionally with the checksum recomputed so that the table decoder and the layout
//! comparison are reached. Checked: no panic, and an accepted header describes a payload inside
//! the bytes' claimed geometry.

use std::sync::OnceLock;

use shmipc_runtime::segment::header::{self, FIXED_LEN};
use shmipc_runtime::segment::{SegmentKind, SegmentSpec, check_header};
use shmipc_runtime::{Endian, FieldLayout, FieldType, Layout, Primitive, ProcessIdentity};

use crate::Bytes;

static U32: FieldType = FieldType::Primitive(Primitive::U32);
static U64: FieldType = FieldType::Primitive(Primitive::U64);
static INNER_FIELDS: [FieldLayout; 2] = [
    FieldLayout::__new("lo", 0, 4, 4, &U32),
    FieldLayout::__new("hi", 4, 4, 4, &U32),
];
static INNER: Layout = Layout::__new("Inner", 1, Endian::Native, 8, 4, &INNER_FIELDS);
static INNER_TYPE: FieldType = FieldType::Struct(&INNER);
static ARRAY: FieldType = FieldType::Array { elem: &U64, len: 3 };
static FIELDS: [FieldLayout; 3] = [
    FieldLayout::__new("seq", 0, 8, 8, &U64),
    FieldLayout::__new("inner", 8, 8, 4, &INNER_TYPE),
    FieldLayout::__new("values", 16, 24, 8, &ARRAY),
];
/// The layout the "opener" expects.
pub static LAYOUT: Layout = Layout::__new("Fuzzed", 2, Endian::Native, 40, 8, &FIELDS);
const PAYLOAD: usize = 64 + 40;

fn spec() -> SegmentSpec {
    SegmentSpec::new(SegmentKind::Mutex, &LAYOUT, PAYLOAD)
}

/// A valid header for [`LAYOUT`] (as a creator writes it).
pub fn valid_header() -> &'static [u8] {
    static H: OnceLock<Vec<u8>> = OnceLock::new();
    H.get_or_init(|| {
        let creator = ProcessIdentity {
            pid: 4242,
            start_time: 777,
            pid_ns: Some(4026531836),
        };
        header::encode(SegmentKind::Mutex, &LAYOUT, PAYLOAD, creator)
            .expect("the fuzz layout encodes")
            .0
    })
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let mut b = Bytes(data);
    let mode = b.u8();
    let mut bytes = if mode & 1 == 0 {
        b.0.to_vec()
    } else {
        let mut h = valid_header().to_vec();
        // Edits: (offset, xor) pairs; a length change on request.
        while !b.is_empty() {
            let at = usize::from(b.u8()) | usize::from(b.u8()) << 8;
            let x = b.u8();
            let len = h.len().max(1);
            if let Some(byte) = h.get_mut(at % len) {
                *byte ^= x;
            }
        }
        if mode & 4 != 0 {
            h.truncate(usize::from(mode >> 3) * 8);
        }
        h
    };
    if mode & 2 != 0 {
        header::reseal(&mut bytes);
    }
    if let Ok(h) = header::decode(&bytes) {
        assert!(h.header_len as usize <= bytes.len() || bytes.len() < FIXED_LEN);
        let _ = h.kind();
    }
    let _ = header::decode_fixed(&bytes);
    let _ = header::declared_header_len(&bytes);
    let _ = header::creator_of(&bytes);
    if let Ok(fixed) = check_header("/fuzz", &bytes, &spec()) {
        // Accepted as a segment of LAYOUT: its geometry is the one a creator would choose.
        let good = header::decode_fixed(valid_header()).unwrap();
        assert_eq!(fixed.header_len, good.header_len);
        assert_eq!(fixed.payload_size, good.payload_size);
        assert!(fixed.header_len.is_multiple_of(64));
    }
}
