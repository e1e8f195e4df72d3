//! Hostile headers: every corruption of a segment header is an error, never a panic or a hang.
//!
//! Decoding is tested on byte buffers in-process (more than 10,000 random corruptions), and a few
//! hundred corrupted headers go through real shared-memory files and `Segment::open`.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::time::Duration;

use shmipc::ProcessIdentity;
use shmipc::segment::header::{
    self, CHECKSUM_OFFSET, FIXED_LEN, STATE_OFFSET, STATE_READY, TABLE_LEN_OFFSET, reseal,
};
use shmipc::{Error, Segment, SegmentKind, SegmentSpec, SharedLayout};
use shmipc_schemas::{Ping, Tick};
use shmipc_tests::{Rng, ShmCleanup, guarded_name};

/// A valid header for one `T` created by this process, with the state published ready.
fn valid_header<T: SharedLayout>() -> (Vec<u8>, usize) {
    let me = ProcessIdentity::current();
    let (mut bytes, geo) =
        header::encode(SegmentKind::Value, T::LAYOUT, size_of::<T>(), me).expect("encode");
    bytes[STATE_OFFSET..STATE_OFFSET + 4].copy_from_slice(&STATE_READY.to_le_bytes());
    (bytes, geo.total_size)
}

/// A valid `Tick` header, its total segment size, where its field table ends, and a guarded name
/// to write it under: `(good, total, table_end, name, cleanup)`.
fn fixture(tag: &str) -> (Vec<u8>, usize, usize, String, ShmCleanup) {
    let (good, total) = valid_header::<Tick>();
    let (name, cleanup) = guarded_name(tag);
    let end = table_end(&good);
    (good, total, end, name, cleanup)
}

/// One random corruption: bit flips, a huge or random integer, or a truncation.
fn corrupt(rng: &mut Rng, bytes: &mut Vec<u8>) {
    match rng.index(4) {
        0 => {
            for _ in 0..1 + rng.index(8) {
                let bit = rng.index(bytes.len() * 8);
                bytes[bit / 8] ^= 1 << (bit % 8);
            }
        }
        1 => {
            let at = rng.index(bytes.len() - 8) & !3;
            let value = [u64::MAX, u64::from(u32::MAX), 1 << 40, rng.next_u64(), 0][rng.index(5)];
            let width = if rng.index(2) == 0 { 4 } else { 8 };
            bytes[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
        }
        2 => {
            let at = rng.index(bytes.len());
            bytes[at] = rng.next_u64() as u8;
        }
        _ => bytes.truncate(rng.index(bytes.len())),
    }
}

#[test]
fn ten_thousand_random_corruptions_decode_to_errors_without_panicking() {
    let (good, _) = valid_header::<Tick>();
    let table_end = table_end(&good);
    let mut rng = Rng::new(0x5eed_1234_abcd_0001);
    let (mut errors, mut accepted) = (0, 0);
    for round in 0..12_000 {
        let mut bytes = good.clone();
        corrupt(&mut rng, &mut bytes);
        let resealed = round % 2 == 1;
        if resealed {
            reseal(&mut bytes);
        }
        let changed_covered = bytes.len() < table_end
            || bytes[..table_end]
                .iter()
                .zip(&good[..table_end])
                .enumerate()
                .any(|(i, (a, b))| a != b && !(STATE_OFFSET..STATE_OFFSET + 4).contains(&i));
        // The whole of open's validation must not panic either.
        let _ = shmipc::segment::check_header(
            "/fuzz",
            &bytes,
            &SegmentSpec::new(SegmentKind::Value, Tick::LAYOUT, size_of::<Tick>()),
        );
        match header::decode(&bytes) {
            Ok(_) => {
                assert!(
                    resealed || !changed_covered,
                    "round {round}: a corrupted header passed the checksum"
                );
                accepted += 1;
            }
            Err(_) => errors += 1,
        }
    }
    // Resealed corruptions of values that are merely data (pid, fingerprint, names) decode; the
    // opener's comparison with its own layout refuses them (see the file tests below).
    assert!(errors > 6_000, "{errors} errors, {accepted} accepted");
}

#[test]
fn every_single_field_corrupted_through_a_real_file_is_refused() {
    let (good, total, table_end, name, _cleanup) = fixture("hf");
    // Each 4-byte word of the fixed header and of the table, set to a huge value and resealed.
    for at in (0..table_end - 4).step_by(4) {
        if (STATE_OFFSET..STATE_OFFSET + 4).contains(&at)
            || (CHECKSUM_OFFSET..CHECKSUM_OFFSET + 8).contains(&at)
            || (88..FIXED_LEN).contains(&at)
            || (64..80).contains(&at)
        {
            continue; // the state is tested below; reserved bytes and the creator are not checked
        }
        let mut bytes = good.clone();
        bytes[at..at + 4].copy_from_slice(&0xfff0_fff0u32.to_le_bytes());
        reseal(&mut bytes);
        let err = open_file::<Tick>(&name, &bytes, total).expect_err(&format!("word at {at}"));
        let _ = err.to_string();
    }
}

/// Where the field table of the valid header `good` ends.
fn table_end(good: &[u8]) -> usize {
    let len = &good[TABLE_LEN_OFFSET..TABLE_LEN_OFFSET + 4];
    FIXED_LEN + u32::from_le_bytes(len.try_into().unwrap()) as usize
}

/// Writes `bytes` (padded with zeroes to `len`) as the segment `name` and opens it as `T`.
fn open_file<T: SharedLayout>(name: &str, bytes: &[u8], len: usize) -> Result<Segment<T>, Error> {
    let path = format!("/dev/shm{name}");
    let _ = std::fs::remove_file(&path);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .expect("write segment file");
    file.write_all(bytes).expect("write");
    file.set_len(len as u64).expect("size");
    drop(file);
    Segment::<T>::builder(name)
        .open_timeout(Duration::ZERO)
        .open()
}

#[test]
fn random_corruptions_through_real_files_are_refused() {
    let (good, total, table_end, name, _cleanup) = fixture("hr");
    // What a header may differ in and still open: the format minor (a newer minor is readable),
    // the creator and the reserved word beside it, the checksum (resealed), the reserved bytes,
    // and the padding after the layout table.
    let unchecked = |i: usize| {
        (10..12).contains(&i)
            || (64..FIXED_LEN).contains(&i)
            || (table_end..good.len()).contains(&i)
    };
    let mut rng = Rng::new(0x0bad_cafe_0000_0003);
    let mut refused = 0;
    for round in 0..300 {
        let mut bytes = good.clone();
        corrupt(&mut rng, &mut bytes);
        if round % 2 == 1 {
            reseal(&mut bytes);
        }
        let len = if bytes.len() < good.len() && round % 3 == 0 {
            bytes.len() // a truncated file
        } else {
            total
        };
        match open_file::<Tick>(&name, &bytes, len) {
            Ok(segment) => {
                // The file is `bytes` padded with zeroes.
                let mut seen = bytes.clone();
                seen.resize(good.len(), 0);
                let changed: Vec<usize> = (0..good.len()).filter(|&i| seen[i] != good[i]).collect();
                assert!(
                    changed.iter().all(|&i| unchecked(i)),
                    "round {round}: opened with checked bytes changed at {changed:?}"
                );
                assert_eq!(segment.read(), Tick::default(), "round {round}");
            }
            Err(_) => refused += 1,
        }
    }
    assert!(
        refused > 200,
        "only {refused} of 300 corruptions were refused"
    );
}

#[test]
fn named_corruptions_give_the_named_errors() {
    let (good, total, _, name, _cleanup) = fixture("hn");
    let open = |bytes: &[u8], len: usize| open_file::<Tick>(&name, bytes, len).unwrap_err();

    assert!(
        open_file::<Tick>(&name, &good, total).is_ok(),
        "the valid header opens"
    );

    let mut b = good.clone();
    b[0] = b'X';
    assert!(matches!(open(&b, total), Error::NotShmipc { .. }));
    assert!(matches!(open(&good[..100], 100), Error::NotShmipc { .. }));
    assert!(matches!(
        open(&good, good.len() - 8),
        Error::CorruptHeader { .. }
    ));
    assert!(matches!(
        open(&good, total + 4096),
        Error::CorruptHeader { .. }
    ));

    let mut b = good.clone();
    b[8] = 2; // format major 2
    assert!(matches!(
        open(&b, total),
        Error::FormatVersion { found: (2, 1), .. }
    ));
    let mut b = good.clone();
    b[10] = 9; // a newer minor format is readable
    reseal(&mut b);
    assert!(open_file::<Tick>(&name, &b, total).is_ok());

    let mut b = good.clone();
    b[CHECKSUM_OFFSET] ^= 1;
    assert!(matches!(open(&b, total), Error::CorruptHeader { .. }));

    let mut b = good.clone();
    b[STATE_OFFSET] = 77;
    assert!(matches!(open(&b, total), Error::CorruptHeader { .. }));
    let mut b = good.clone();
    b[STATE_OFFSET] = 0; // never published: waits, then times out
    assert!(matches!(
        open(&b, total),
        Error::Timeout { state: "empty", .. }
    ));
    assert!(matches!(
        open(&[], 0),
        Error::Timeout { state: "empty", .. }
    ));

    let mut b = good.clone();
    b[24..28].copy_from_slice(&u32::MAX.to_le_bytes()); // header length
    reseal(&mut b);
    assert!(matches!(open(&b, total), Error::CorruptHeader { .. }));
    let mut b = good.clone();
    b[32..40].copy_from_slice(&u64::MAX.to_le_bytes()); // payload size
    reseal(&mut b);
    assert!(matches!(open(&b, total), Error::CorruptHeader { .. }));
    let mut b = good.clone();
    b[20] = 3; // kind: seqlock
    reseal(&mut b);
    assert!(matches!(open(&b, total), Error::Kind { .. }));
    let mut b = good.clone();
    b[56] ^= 1; // fingerprint
    reseal(&mut b);
    assert!(matches!(open(&b, total), Error::LayoutMismatch { .. }));
}

#[test]
fn native_layout_from_the_other_byte_order_is_refused_but_fixed_order_is_not() {
    let (name, _cleanup) = guarded_name("hb");
    for (good, total, native) in [
        (valid_header::<Ping>().0, valid_header::<Ping>().1, true),
        (valid_header::<Tick>().0, valid_header::<Tick>().1, false),
    ] {
        let mut b = good.clone();
        b[16..20].reverse(); // written by a big-endian creator
        reseal(&mut b);
        if native {
            let err = open_file::<Ping>(&name, &b, total).unwrap_err();
            assert!(matches!(err, Error::ByteOrder { .. }), "{err}");
        } else {
            assert!(open_file::<Tick>(&name, &b, total).is_ok());
        }
    }
}
