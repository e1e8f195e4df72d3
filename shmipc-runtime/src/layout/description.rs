//! An owned layout description: what a segment header says about the type it holds.
//!
//! It is decoded from the header of any segment without the Rust type (a tool can print it), and
//! built from a [`Layout`] for comparison. The field table of a description (and of a header)
//! includes the fields of nested structs, so a difference inside one is named by its path.

use core::fmt;

use crate::layout::{Endian, FieldType, Layout, TableHead, TableRow, write_table};

/// One row of a decoded field table.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldDescription {
    /// The field's name.
    pub name: String,
    /// Byte offset from the start of the value.
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
    /// Alignment in bytes.
    pub align: u64,
    /// The canonical type, as [`crate::FieldType`] displays it (`u32le`, `[u8; 4]`,
    /// `Position v1 #0123456789abcdef` for a nested struct).
    pub ty: String,
}

impl fmt::Display for FieldDescription {
    /// `` `price` at offset 8 as `f64le` ``
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` at offset {} as `{}`",
            self.name, self.offset, self.ty
        )
    }
}

/// The layout of a shared type as a segment header records it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LayoutDescription {
    /// The stable type name.
    pub name: String,
    /// The schema version.
    pub version: u32,
    /// The declared byte order.
    pub endian: Endian,
    /// Size of one value in bytes.
    pub size: u64,
    /// Alignment of one value in bytes.
    pub align: u64,
    /// The layout fingerprint.
    pub fingerprint: u64,
    /// The field table, in declaration order; each field of a nested struct follows its struct's
    /// row as a row of its own, named by path (`px.exponent`), at its offset in the outer value.
    pub fields: Vec<FieldDescription>,
}

impl LayoutDescription {
    /// The description of `layout`, as a header written by this build would record it.
    pub fn from_layout(layout: &Layout) -> LayoutDescription {
        LayoutDescription {
            name: layout.name().to_owned(),
            version: layout.version(),
            endian: layout.endian(),
            size: layout.size() as u64,
            align: layout.align() as u64,
            fingerprint: layout.fingerprint(),
            fields: {
                let mut rows = Vec::with_capacity(layout.fields().len());
                push_rows(&mut rows, layout, "", 0);
                rows
            },
        }
    }

    /// The rows of the layout itself, without the rows of nested structs (`px.exponent`).
    pub fn top_level_fields(&self) -> impl Iterator<Item = &FieldDescription> {
        self.fields.iter().filter(|f| !f.is_nested())
    }
}

impl FieldDescription {
    /// Whether this row describes a field of a nested struct (its name is the path
    /// `outer.inner`; Rust field names never contain a dot).
    pub fn is_nested(&self) -> bool {
        self.name.contains('.')
    }
}

/// Appends the rows of `layout`'s fields, each followed by the rows of its nested struct (if it
/// is one), named by path (`px.exponent`) at offsets from the outermost value.
fn push_rows(rows: &mut Vec<FieldDescription>, layout: &Layout, prefix: &str, base: u64) {
    for f in layout.fields() {
        let name = format!("{prefix}{}", f.name());
        let offset = base + f.offset() as u64;
        rows.push(FieldDescription {
            name: name.clone(),
            offset,
            size: f.size() as u64,
            align: f.align() as u64,
            ty: f.ty().to_string(),
        });
        if let FieldType::Struct(inner) = f.ty() {
            push_rows(rows, inner, &format!("{name}."), offset);
        }
    }
}

impl fmt::Display for LayoutDescription {
    /// The same table as [`Layout`]'s `Display` (the rows of nested structs are left out, as
    /// the nested struct's type names its fingerprint).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = TableHead {
            name: &self.name,
            version: self.version,
            endian: self.endian,
            size: self.size,
            align: self.align,
            fingerprint: self.fingerprint,
        };
        let rows = self.top_level_fields().map(|field| TableRow {
            offset: field.offset,
            size: field.size,
            align: field.align,
            name: &field.name,
            ty: &field.ty,
        });
        write_table(f, &head, rows)
    }
}

/// The descriptions of every layout nested in `layout` (through fields and arrays, at any depth),
/// each once, every one before the layouts that contain it.
pub(crate) fn nested_descriptions(layout: &Layout) -> Vec<LayoutDescription> {
    fn visit(ty: &FieldType, out: &mut Vec<LayoutDescription>) {
        match ty {
            FieldType::Primitive(_) | FieldType::Tag { .. } => {}
            FieldType::Array { elem, .. } => visit(elem, out),
            FieldType::Struct(inner) => {
                for f in inner.fields() {
                    visit(f.ty(), out);
                }
                if !out.iter().any(|d| d.fingerprint == inner.fingerprint()) {
                    out.push(LayoutDescription::from_layout(inner));
                }
            }
        }
    }
    let mut out = Vec::new();
    for f in layout.fields() {
        visit(f.ty(), &mut out);
    }
    out
}
