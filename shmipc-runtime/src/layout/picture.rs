//! A picture of a layout: a byte map with one character per byte, and a key that gives each
//! field's offset, size, alignment, name and type, nested fields indented, padding marked.
//!
//! The same picture is drawn for a compiled type ([`Layout::picture`]) and for a layout read
//! from a segment header ([`LayoutDescription::picture`]): both carry a row for every field of a
//! nested struct (named by path, `px.exponent`), which the key shows indented under its struct.

use core::fmt::Write;

use super::{Layout, LayoutDescription};

/// Bytes per row of the byte map.
const ROW: u64 = 16;
/// Above this many rows, runs of identical rows are drawn once.
const FOLD_ROWS: u64 = 16;
/// The byte map covers at most this many bytes (a layout read from a hostile header may claim
/// any size); the key still lists every field.
const MAX_MAP: u64 = 1 << 16;

impl Layout {
    /// The layout as a picture: a byte map (one character per byte, a letter per field, `.` for
    /// bytes no field covers), then a key with every field, nested layouts' fields indented under
    /// theirs, explicit padding (`_`-named byte arrays) marked.
    ///
    /// ```
    /// use shmipc_runtime::{Endian, FieldLayout, FieldType, Layout, Primitive};
    /// const U32: FieldType = FieldType::Primitive(Primitive::U32Le);
    /// const PAD: FieldType = FieldType::Array { elem: &FieldType::Primitive(Primitive::U8), len: 4 };
    /// const FIELDS: [FieldLayout; 2] =
    ///     [FieldLayout::__new("id", 0, 4, 4, &U32), FieldLayout::__new("_pad", 4, 4, 1, &PAD)];
    /// const L: Layout = Layout::__new("Msg", 1, Endian::Little, 8, 4, &FIELDS);
    /// let picture = L.picture();
    /// assert!(picture.contains("     0  AAAABBBB"), "{picture}");
    /// assert!(picture.contains("explicit padding"), "{picture}");
    /// ```
    pub fn picture(&self) -> String {
        LayoutDescription::from_layout(self).picture()
    }
}

impl LayoutDescription {
    /// The same picture as [`Layout::picture`], for a layout read from a segment header.
    pub fn picture(&self) -> String {
        draw(self)
    }
}

/// The key letter of field `i`.
fn key(i: usize) -> char {
    const KEYS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    KEYS.get(i).map_or('#', |&b| b as char)
}

/// Whether a field is explicit padding: a byte array whose name starts with `_`.
pub(crate) fn is_padding(name: &str, ty: &str) -> bool {
    name.starts_with('_') && ty.starts_with("[u8; ")
}

fn draw(root: &LayoutDescription) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} v{}  endian={}  size={}  align={}  fingerprint={:016x}",
        root.name, root.version, root.endian, root.size, root.align, root.fingerprint
    );
    byte_map(&mut out, root);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "key  {:>6}  {:>5}  {:>5}  field: type",
        "offset", "size", "align"
    );
    let mut top = 0;
    for f in &root.fields {
        // A nested struct's rows follow its own row, named by path.
        let depth = f.name.matches('.').count();
        let k = if depth == 0 {
            top += 1;
            key(top - 1)
        } else {
            '.'
        };
        row(&mut out, k, f, depth);
    }
    let covered: u64 = root.top_level_fields().map(|f| f.size).sum();
    if covered < root.size {
        let _ = writeln!(
            out,
            "  .  {} byte(s) no field covers (implicit padding)",
            root.size - covered
        );
    }
    out
}

/// One key line, indented by `depth` (a nested struct's field shows its own name).
fn row(out: &mut String, key: char, f: &super::FieldDescription, depth: usize) {
    let name = f.name.rsplit('.').next().unwrap_or(&f.name);
    let note = if is_padding(&f.name, &f.ty) {
        "  (explicit padding)"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "{key:<3}  {:>6}  {:>5}  {:>5}  {}{name}: {}{note}",
        f.offset,
        f.size,
        f.align,
        "  ".repeat(depth.min(8)),
        f.ty,
    );
}

/// Rows of [`ROW`] bytes, each byte the key of the field that covers it.
fn byte_map(out: &mut String, root: &LayoutDescription) {
    let _ = writeln!(out, "offset  0123456789abcdef");
    let rows = root.size.min(MAX_MAP).div_ceil(ROW);
    let mut last = String::new();
    let mut folded = false;
    for r in 0..rows {
        let start = r * ROW;
        let end = (start + ROW).min(root.size);
        let line: String = (start..end)
            .map(|b| {
                root.top_level_fields()
                    .position(|f| b >= f.offset && b - f.offset < f.size)
                    .map_or('.', key)
            })
            .collect();
        if rows > FOLD_ROWS && line == last && r + 1 < rows {
            if !folded {
                let _ = writeln!(out, "   ...  (rows as above)");
                folded = true;
            }
            continue;
        }
        folded = false;
        let _ = writeln!(out, "{start:>6}  {line}");
        last = line;
    }
    if root.size > MAX_MAP {
        let _ = writeln!(
            out,
            "   ...  ({} more bytes; the key lists every field)",
            root.size - MAX_MAP
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Endian, FieldDescription};

    fn field(name: &str, offset: u64, size: u64, ty: &str) -> FieldDescription {
        FieldDescription {
            name: name.into(),
            offset,
            size,
            align: 1,
            ty: ty.into(),
        }
    }

    #[test]
    fn a_gap_shows_as_dots_and_is_counted() {
        let d = LayoutDescription {
            name: "G".into(),
            version: 1,
            endian: Endian::Little,
            size: 40,
            align: 1,
            fingerprint: 1,
            fields: vec![field("a", 0, 2, "[u8; 2]"), field("b", 20, 20, "[u8; 20]")],
        };
        let p = d.picture();
        assert!(p.contains("     0  AA..............\n"), "{p}");
        assert!(p.contains("    16  ....BBBBBBBBBBBB\n"), "{p}");
        assert!(p.contains("18 byte(s) no field covers"), "{p}");
    }

    #[test]
    fn a_hostile_size_draws_a_bounded_map() {
        let d = LayoutDescription {
            name: "Huge".into(),
            version: 1,
            endian: Endian::Little,
            size: 1 << 40,
            align: 1,
            fingerprint: 1,
            fields: vec![field("a", 0, 1 << 40, "[u8; 1099511627776]")],
        };
        let p = d.picture();
        assert!(p.lines().count() < 40, "{p}");
        assert!(p.contains("1099511562240 more bytes"), "{p}");
    }
}
