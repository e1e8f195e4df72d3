//! The layout table: the canonical field table in a header, encoded and decoded.
//!
//! Integers are little-endian; strings are a `u16` length and UTF-8 bytes. Layout: schema version
//! (u32), endian (u32: 0 little, 1 big, 2 native), value size (u64), value align (u64), type name,
//! field count (u32), then per field: name, type, offset (u64), size (u64), align (u64).

use super::description::{FieldDescription, LayoutDescription};
use super::header::{HeaderError, get16, get32, get64};
use crate::layout::{Endian, Layout};

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
    let count = u32::try_from(layout.fields().len()).map_err(|_| "too many fields")?;
    t.extend_from_slice(&count.to_le_bytes());
    let mut ty = String::new();
    for f in layout.fields() {
        put_str(&mut t, f.name())?;
        ty.clear();
        use core::fmt::Write;
        let _ = write!(ty, "{}", f.ty());
        put_str(&mut t, &ty)?;
        t.extend_from_slice(&(f.offset() as u64).to_le_bytes());
        t.extend_from_slice(&(f.size() as u64).to_le_bytes());
        t.extend_from_slice(&(f.align() as u64).to_le_bytes());
    }
    Ok(t)
}

/// A bounds-checked reader over the layout table.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], HeaderError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| HeaderError::Corrupt("the layout table ends early".to_owned()))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn u16(&mut self) -> Result<u16, HeaderError> {
        Ok(get16(self.take(2)?, 0))
    }
    fn u32(&mut self) -> Result<u32, HeaderError> {
        Ok(get32(self.take(4)?, 0))
    }
    fn u64(&mut self) -> Result<u64, HeaderError> {
        Ok(get64(self.take(8)?, 0))
    }
    fn str(&mut self) -> Result<String, HeaderError> {
        let len = usize::from(self.u16()?);
        let bytes = self.take(len)?;
        core::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| HeaderError::Corrupt("a name in the layout table is not UTF-8".to_owned()))
    }
}

pub(crate) fn decode_table(
    table: &[u8],
    newer_minor: bool,
) -> Result<LayoutDescription, HeaderError> {
    let mut c = Cursor {
        bytes: table,
        pos: 0,
    };
    let version = c.u32()?;
    let endian = match c.u32()? {
        0 => Endian::Little,
        1 => Endian::Big,
        2 => Endian::Native,
        _ => {
            return Err(HeaderError::Corrupt(
                "the endian code is unknown".to_owned(),
            ));
        }
    };
    let size = c.u64()?;
    let align = c.u64()?;
    let name = c.str()?;
    let count = c.u32()? as usize;
    // Never trust the count for an allocation: each row takes at least MIN_FIELD_RECORD bytes.
    if count > (table.len() - c.pos) / MIN_FIELD_RECORD {
        return Err(HeaderError::Corrupt(
            "the field count does not fit the layout table".to_owned(),
        ));
    }
    let mut fields = Vec::with_capacity(count);
    for _ in 0..count {
        fields.push(FieldDescription {
            name: c.str()?,
            ty: c.str()?,
            offset: c.u64()?,
            size: c.u64()?,
            align: c.u64()?,
        });
    }
    // A newer minor format may append to the table; this format may not.
    if c.pos != table.len() && !newer_minor {
        return Err(HeaderError::Corrupt(
            "the layout table has trailing bytes".to_owned(),
        ));
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
