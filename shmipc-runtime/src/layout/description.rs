//! An owned layout description: what a segment header says about the type it holds.
//!
//! It is decoded from the header of any segment without the Rust type (a tool can print it), and
//! built from a [`Layout`] for comparison.

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
    /// The field table, in declaration order.
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
            fields: layout
                .fields()
                .iter()
                .map(|f| FieldDescription {
                    name: f.name().to_owned(),
                    offset: f.offset() as u64,
                    size: f.size() as u64,
                    align: f.align() as u64,
                    ty: f.ty().to_string(),
                })
                .collect(),
        }
    }
}

impl fmt::Display for LayoutDescription {
    /// The same table as [`Layout`]'s `Display`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = TableHead {
            name: &self.name,
            version: self.version,
            endian: self.endian,
            size: self.size,
            align: self.align,
            fingerprint: self.fingerprint,
        };
        let rows = self.fields.iter().map(|field| TableRow {
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
            FieldType::Primitive(_) => {}
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
