//! Comparing a decoded header with what the opener expects, in the order that gives the most
//! useful error: kind, byte order, type name, schema version, layout, payload size.

use super::description::LayoutDescription;
use super::error::Error;
use super::header::{self, HeaderError, SegmentHeader};
use super::kind::SegmentKind;
use super::mismatch::LayoutDiff;
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

/// Checks `header` (whose raw layout table is `table`) against the opener's expectations.
pub(crate) fn check(
    name: &str,
    header: &SegmentHeader,
    table: &[u8],
    kind: SegmentKind,
    layout: &Layout,
    payload_size: usize,
) -> Result<(), Error> {
    let name = name.to_owned();
    if header.kind_code != kind.code() {
        let found = match header.kind() {
            Some(k) => k.as_str().to_owned(),
            None => format!("segment of unknown kind {}", header.kind_code),
        };
        return Err(Error::Kind {
            name,
            found,
            expected: kind,
        });
    }
    let seg = &header.layout;
    if seg.endian == Endian::Native && header.byte_order != Endian::host() {
        return Err(Error::ByteOrder {
            name,
            segment: header.byte_order,
            this: Endian::host(),
        });
    }
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
    // Fast path: the table this build would write, byte for byte, and the same fingerprint.
    let same_table = header::encode_table(layout).is_ok_and(|mine| mine == table);
    if !(same_table && seg.fingerprint == layout.fingerprint()) {
        // Equal descriptions with other table bytes: a newer minor format appended to the table.
        let mine = LayoutDescription::from_layout(layout);
        if let Some(diff) = LayoutDiff::between(seg, &mine) {
            return Err(Error::LayoutMismatch {
                name,
                diff: Box::new(diff),
            });
        }
    }
    if header.payload_size != payload_size as u64 {
        return Err(Error::Size {
            name,
            found: header.payload_size,
            expected: payload_size as u64,
        });
    }
    Ok(())
}
