//! The layout table: the canonical field table in a header, encoded and decoded.
//!
//! Integers are little-endian; strings are a `u16` length and UTF-8 bytes. Layout: schema version
//! (u32), endian (u32: 0 little, 1 big, 2 native), value size (u64), value align (u64), type name,
//! field count (u32), then per field: name, type, offset (u64), size (u64), align (u64).

use super::bytes::Cursor;
use crate::layout::{Endian, Layout};
use crate::layout::{FieldDescription, LayoutDescription};

/// The smallest encoding of one field-table row (two empty strings and three u64).
const MIN_FIELD_RECORD: usize = 2 + 2 + 24;

fn endian_code(endian: Endian) -> u32 {
    match endian {
        Endian::Little => 0,
        Endian::Big => 1,
        Endian::Native => 2,
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) -> Result<(), &'static str> {
    let len = u16::try_from(s.len()).map_err(|_| "a name is longer than 65535 bytes")?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

/// The layout table for `layout`.
pub fn encode_table(layout: &Layout) -> Result<Vec<u8>, &'static str> {
    let mut t = Vec::with_capacity(64 + layout.fields().len() * 40);
    t.extend_from_slice(&layout.version().to_le_bytes());
    t.extend_from_slice(&endian_code(layout.endian()).to_le_bytes());
    t.extend_from_slice(&(layout.size() as u64).to_le_bytes());
    t.extend_from_slice(&(layout.align() as u64).to_le_bytes());
    put_str(&mut t, layout.name())?;
    // The rows of `LayoutDescription`, so nested structs' fields are rows too (`px.exponent`).
    let rows = LayoutDescription::from_layout(layout).fields;
    let count = u32::try_from(rows.len()).map_err(|_| "too many fields")?;
    t.extend_from_slice(&count.to_le_bytes());
    for f in &rows {
        put_str(&mut t, &f.name)?;
        put_str(&mut t, &f.ty)?;
        t.extend_from_slice(&f.offset.to_le_bytes());
        t.extend_from_slice(&f.size.to_le_bytes());
        t.extend_from_slice(&f.align.to_le_bytes());
    }
    Ok(t)
}

/// The next string of the table: a `u16` length, then UTF-8.
fn read_str(c: &mut Cursor<'_>) -> Result<String, &'static str> {
    let len = usize::from(c.u16()?);
    core::str::from_utf8(c.take(len)?)
        .map(str::to_owned)
        .map_err(|_| "a name in the layout table is not UTF-8")
}

/// Decodes a layout table (its fingerprint is left zero: the fixed header holds it). Fails with
/// the reason the table is corrupt; no input makes it panic.
pub(crate) fn decode_table(
    table: &[u8],
    newer_minor: bool,
) -> Result<LayoutDescription, &'static str> {
    let mut c = Cursor::new(table, "the layout table ends early");
    let version = c.u32()?;
    let endian = match c.u32()? {
        0 => Endian::Little,
        1 => Endian::Big,
        2 => Endian::Native,
        _ => return Err("the endian code is unknown"),
    };
    let size = c.u64()?;
    let align = c.u64()?;
    let name = read_str(&mut c)?;
    let count = c.u32()? as usize;
    // Never trust the count for an allocation: each row takes at least MIN_FIELD_RECORD bytes.
    if count > c.remaining() / MIN_FIELD_RECORD {
        return Err("the field count does not fit the layout table");
    }
    let mut fields = Vec::with_capacity(count);
    for _ in 0..count {
        fields.push(FieldDescription {
            name: read_str(&mut c)?,
            ty: read_str(&mut c)?,
            offset: c.u64()?,
            size: c.u64()?,
            align: c.u64()?,
        });
    }
    // A newer minor format may append to the table; this format may not.
    if c.remaining() != 0 && !newer_minor {
        return Err("the layout table has trailing bytes");
    }
    Ok(LayoutDescription {
        name,
        version,
        endian,
        size,
        align,
        fingerprint: 0,
        fields,
    })
}
