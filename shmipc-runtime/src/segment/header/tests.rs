//! Unit tests of the header: round trip, documented byte positions, hostile bytes.

use super::*;
use crate::layout::{FieldLayout, FieldType, Layout, Primitive};
use crate::segment::bytes::{get16, get64};

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
        pid_ns: Some(0xf000_0001),
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
    assert_eq!((get16(&b, 8), get16(&b, 10)), (1, 1));
    assert_eq!(get32(&b, 12), STATE_EMPTY);
    assert_eq!(b[16..20], 0x0102_0304u32.to_ne_bytes());
    assert_eq!(get32(&b, 20), 3);
    assert_eq!(get32(&b, 24) as usize, geo.header_len);
    let table_len = get32(&b, 28) as usize;
    assert_eq!(get64(&b, 32), 100);
    assert_eq!(get64(&b, 40), 64);
    assert_eq!(get64(&b, 48), geo.header_len as u64 + 128);
    assert_eq!(get64(&b, 56), TICK.fingerprint());
    assert_eq!(
        (get32(&b, 64), get32(&b, 68), get64(&b, 72)),
        (42, 0xf000_0001, 7)
    );
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

/// A format 1.0 header (zero at 68, minor 0) decodes with the creator's namespace unrecorded, so
/// its creator is judged as of the reader's namespace, as 1.0 readers do; a 1.1 reader of a 1.1
/// header gets the namespace.
#[test]
fn format_1_0_records_no_creator_namespace() {
    let (mut b, _) = encode(SegmentKind::Value, &TICK, 16, me()).unwrap();
    assert_eq!(decode(&b).unwrap().creator.pid_ns, Some(0xf000_0001));
    b[10..12].copy_from_slice(&0u16.to_le_bytes());
    b[68..72].copy_from_slice(&[0; 4]);
    let table_len = get32(&b, 28) as usize;
    let sum = checksum(&b[..FIXED_LEN + table_len]);
    b[80..88].copy_from_slice(&sum.to_le_bytes());
    let h = decode(&b).unwrap();
    assert_eq!(h.format, (1, 0));
    assert_eq!(h.creator.pid_ns, None);
}
