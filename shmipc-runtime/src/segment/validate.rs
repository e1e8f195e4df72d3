//! Comparing a header with what the opener expects, in the order that gives the most useful
//! error: kind, byte order, type name, schema version, layout, payload size.
//!
//! The common case, a header whose layout table equals this build's byte for byte, is decided
//! without decoding the table; anything else is decoded in full to say what differs.

use super::error::Error;
use super::expected::expected;
use super::header::{self, FixedHeader, HeaderError};
use super::kind::SegmentKind;
use super::spec::SegmentSpec;
use crate::layout::LayoutDescription;
use crate::layout::LayoutDiff;
use crate::layout::{Endian, Layout};

/// Turns a decoding failure into the caller's error.
pub(crate) fn header_error(name: &str, e: HeaderError) -> Error {
    let name = name.to_owned();
    match e {
        HeaderError::NotShmipc(reason) => Error::NotShmipc { name, reason },
        HeaderError::Format(major, minor) => Error::FormatVersion {
            name,
            found: (major, minor),
            supported: header::FORMAT,
        },
        HeaderError::Corrupt(reason) => Error::CorruptHeader { name, reason },
    }
}

/// Checks the header `bytes` (whose fixed part decoded to `fixed`) against the opener's
/// expectations.
pub(crate) fn check(
    name: &str,
    bytes: &[u8],
    fixed: &FixedHeader,
    spec: &SegmentSpec,
) -> Result<(), Error> {
    let (kind, layout) = (spec.kind, spec.layout);
    let mine = expected(layout).map_err(|reason| Error::UnencodableLayout {
        name: name.to_owned(),
        type_name: layout.name(),
        reason,
    })?;
    let fast = bytes[fixed.table_range()] == mine.table[..];
    if fast && header::checksum_after_table(mine.table_hash, bytes) != fixed.checksum {
        return Err(header_error(
            name,
            HeaderError::Corrupt("the checksum does not match".to_owned()),
        ));
    }
    check_kind(name, fixed, kind)?;
    if fast {
        check_byte_order(name, fixed, layout.endian())?;
    }
    if !(fast && fixed.fingerprint == mine.fingerprint) {
        let header = header::decode_rest(bytes, fixed).map_err(|e| header_error(name, e))?;
        check_layout(name, fixed, &header.layout, layout)?;
    }
    // The payload offset must suit the type (decode_fixed only checked it against the header's
    // own claim); a forged header must not yield a misaligned payload.
    let align = (layout.align() as u64).max(header::MIN_PAYLOAD_ALIGN);
    if !(fixed.header_len as u64).is_multiple_of(align) {
        return Err(header_error(
            name,
            HeaderError::Corrupt(format!("the payload is not aligned to {align} bytes")),
        ));
    }
    if !spec.accepts_len(fixed.payload_size) {
        return Err(Error::Size {
            name: name.to_owned(),
            found: fixed.payload_size,
            expected: spec.payload_len as u64,
        });
    }
    Ok(())
}

fn check_kind(name: &str, fixed: &FixedHeader, kind: SegmentKind) -> Result<(), Error> {
    if fixed.kind_code == kind.code() {
        return Ok(());
    }
    let found = match SegmentKind::from_code(fixed.kind_code) {
        Some(k) => k.as_str().to_owned(),
        None => format!("segment of unknown kind {}", fixed.kind_code),
    };
    Err(Error::Kind {
        name: name.to_owned(),
        found,
        expected: kind,
    })
}

fn check_byte_order(name: &str, fixed: &FixedHeader, endian: Endian) -> Result<(), Error> {
    if endian == Endian::Native && fixed.byte_order != Endian::host() {
        return Err(Error::ByteOrder {
            name: name.to_owned(),
            segment: fixed.byte_order,
            this: Endian::host(),
        });
    }
    Ok(())
}

/// The slow path: type name, version, then the full comparison.
fn check_layout(
    name: &str,
    fixed: &FixedHeader,
    seg: &LayoutDescription,
    layout: &Layout,
) -> Result<(), Error> {
    check_byte_order(name, fixed, seg.endian)?;
    let name = name.to_owned();
    if seg.name != layout.name() {
        return Err(Error::TypeName {
            name,
            found: seg.name.clone(),
            expected: layout.name().to_owned(),
        });
    }
    if seg.version != layout.version() {
        return Err(Error::SchemaVersion {
            name,
            type_name: seg.name.clone(),
            found: seg.version,
            expected: layout.version(),
        });
    }
    // Equal descriptions with other table bytes: a newer minor format appended to the table.
    let mine = LayoutDescription::from_layout(layout);
    if let Some(diff) = LayoutDiff::between(seg, &mine) {
        return Err(Error::LayoutMismatch {
            name,
            diff: Box::new(diff),
        });
    }
    Ok(())
}

/// Everything `open` checks once it has copied a published header out of shared memory: the
/// fixed part, the checksum, and agreement with `spec`. For benchmarks and hostile-header tests,
/// not a public API.
///
/// `bytes` is the header from offset 0 (at least `header_len` bytes); `name` only appears in
/// errors. `open` also checks the file's owner, mode and size, and the state word, first. Useful
/// to tools and tests that hold a header in memory.
#[doc(hidden)]
pub fn check_header(name: &str, bytes: &[u8], spec: &SegmentSpec) -> Result<FixedHeader, Error> {
    let fixed = header::decode_fixed(bytes).map_err(|e| header_error(name, e))?;
    check(name, bytes, &fixed, spec)?;
    Ok(fixed)
}
