//! Comparing two layout descriptions: the layout a segment holds with the layout this build
//! expects.

use core::fmt;

use super::description::{FieldDescription, LayoutDescription};
use super::enums::enum_difference;

/// How a field differs between the segment and this build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldDifference {
    /// A field of the same name has another offset, size, alignment or type.
    Changed {
        /// The field as the segment records it.
        segment: FieldDescription,
        /// The field as this build has it.
        this_build: FieldDescription,
    },
    /// The segment has a field this build lacks (removed or renamed).
    OnlyInSegment {
        /// The segment's field.
        segment: FieldDescription,
        /// This build's field that starts at the same offset, if any (the new name of a rename).
        this_build_at_offset: Option<FieldDescription>,
    },
    /// This build has a field the segment lacks (added or renamed).
    OnlyInThisBuild {
        /// This build's field.
        this_build: FieldDescription,
        /// The segment's field that starts at the same offset, if any.
        segment_at_offset: Option<FieldDescription>,
    },
}

impl FieldDifference {
    /// The lowest offset the difference involves (differences are sorted by it).
    pub fn offset(&self) -> u64 {
        match self {
            FieldDifference::Changed {
                segment,
                this_build,
            } => segment.offset.min(this_build.offset),
            FieldDifference::OnlyInSegment { segment, .. } => segment.offset,
            FieldDifference::OnlyInThisBuild { this_build, .. } => this_build.offset,
        }
    }

    /// The name of the field in question (the segment's name where both exist).
    pub fn field_name(&self) -> &str {
        match self {
            FieldDifference::Changed { segment, .. }
            | FieldDifference::OnlyInSegment { segment, .. } => &segment.name,
            FieldDifference::OnlyInThisBuild { this_build, .. } => &this_build.name,
        }
    }
}

impl fmt::Display for FieldDifference {
    /// `field `price` at offset 8 as `f64le`, but this build has `price` at offset 16 as `i64le``
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldDifference::Changed {
                segment,
                this_build,
            } => match enum_difference(&segment.ty, &this_build.ty) {
                Some(variant)
                    if (segment.offset, segment.size) == (this_build.offset, this_build.size) =>
                {
                    write!(
                        f,
                        "field `{}` at offset {} holding {variant}",
                        segment.name, segment.offset
                    )
                }
                _ => write!(f, "field {segment}, but this build has {this_build}"),
            },
            FieldDifference::OnlyInSegment {
                segment,
                this_build_at_offset: Some(other),
            } => write!(
                f,
                "field {segment}, but this build has no field `{}` and has {other}",
                segment.name
            ),
            FieldDifference::OnlyInSegment {
                segment,
                this_build_at_offset: None,
            } => write!(
                f,
                "field {segment}, but this build has no field `{}`",
                segment.name
            ),
            FieldDifference::OnlyInThisBuild {
                this_build,
                segment_at_offset: Some(other),
            } => write!(
                f,
                "field {other} and no field `{}`, but this build has {this_build}",
                this_build.name
            ),
            FieldDifference::OnlyInThisBuild {
                this_build,
                segment_at_offset: None,
            } => write!(
                f,
                "no field `{}`, but this build has {this_build}",
                this_build.name
            ),
        }
    }
}

/// Everything that differs between the layout a segment holds and the layout this build expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutDiff {
    /// The layout the segment holds.
    pub segment: LayoutDescription,
    /// The layout this build expects.
    pub this_build: LayoutDescription,
    /// Field differences, sorted by offset; the first is the one an error message names.
    pub fields: Vec<FieldDifference>,
}

impl LayoutDiff {
    /// Compares two layouts; `None` when they are identical (fingerprint included).
    pub fn between(
        segment: &LayoutDescription,
        this_build: &LayoutDescription,
    ) -> Option<LayoutDiff> {
        if segment == this_build {
            return None;
        }
        let mut fields = Vec::new();
        // Linear in the segment's field count, which a forged header makes as large as 1 MiB
        // allows (tens of thousands): no scan of the segment's fields per segment field.
        let mut seen = std::collections::HashSet::new();
        for s in &segment.fields {
            // The first field of a name counts; a repeated name (only in a forged header) is
            // matched against nothing.
            let first = seen.insert(s.name.as_str());
            match this_build.fields.iter().find(|b| b.name == s.name) {
                Some(b) if first => {
                    if b != s {
                        fields.push(FieldDifference::Changed {
                            segment: s.clone(),
                            this_build: b.clone(),
                        });
                    }
                }
                _ => fields.push(FieldDifference::OnlyInSegment {
                    segment: s.clone(),
                    this_build_at_offset: this_build
                        .fields
                        .iter()
                        .find(|b| b.offset == s.offset)
                        .cloned(),
                }),
            }
        }
        for b in &this_build.fields {
            if !seen.contains(b.name.as_str()) {
                fields.push(FieldDifference::OnlyInThisBuild {
                    this_build: b.clone(),
                    segment_at_offset: segment
                        .fields
                        .iter()
                        .find(|s| s.offset == b.offset)
                        .cloned(),
                });
            }
        }
        // A nested struct whose own fields differ is named by those (`px.exponent`), not by its
        // fingerprint: drop the row of every struct that is the parent of another differing row
        // (the parents' rows differ too, so a whole chain `a`, `a.b` goes). A set of slices,
        // linear in the names' bytes, as a forged table may be long.
        let parents: std::collections::HashSet<&str> = fields
            .iter()
            .filter_map(|d| d.field_name().rsplit_once('.').map(|(parent, _)| parent))
            .collect();
        let drop: Vec<bool> = fields
            .iter()
            .map(|d| parents.contains(d.field_name()))
            .collect();
        let mut drop = drop.into_iter();
        fields.retain(|_| !drop.next().unwrap_or(false));
        fields.sort_by_key(FieldDifference::offset);
        Some(LayoutDiff {
            segment: segment.clone(),
            this_build: this_build.clone(),
            fields,
        })
    }

    /// The first differing field (lowest offset), if any field differs.
    pub fn first_field(&self) -> Option<&FieldDifference> {
        self.fields.first()
    }
}

impl fmt::Display for LayoutDiff {
    /// The first difference in one line, e.g. "holds `Tick` v3 with field `price` at offset 8 as
    /// `f64le`, but this build has `price` at offset 16 as `i64le`".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.segment;
        let b = &self.this_build;
        write!(f, "holds `{}` v{} ", s.name, s.version)?;
        if let Some(first) = self.first_field() {
            return write!(f, "with {first}");
        }
        write!(
            f,
            "with endian {}, size {}, align {}, fingerprint {:016x}, but this build has endian {}, \
             size {}, align {}, fingerprint {:016x}",
            s.endian, s.size, s.align, s.fingerprint, b.endian, b.size, b.align, b.fingerprint
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Endian;

    fn field(name: &str, offset: u64, ty: &str) -> FieldDescription {
        FieldDescription {
            name: name.into(),
            offset,
            size: 8,
            align: 8,
            ty: ty.into(),
        }
    }

    fn layout(fields: Vec<FieldDescription>) -> LayoutDescription {
        LayoutDescription {
            name: "Tick".into(),
            version: 3,
            endian: Endian::Little,
            size: 8 * fields.len() as u64,
            align: 8,
            fingerprint: 1,
            fields,
        }
    }

    #[test]
    fn moved_field_is_named_with_both_offsets() {
        let seg = layout(vec![field("seq", 0, "u64le"), field("price", 8, "f64le")]);
        let mut build = layout(vec![
            field("seq", 0, "u64le"),
            field("pad", 8, "u64le"),
            field("price", 16, "i64le"),
        ]);
        build.fingerprint = 2;
        let diff = LayoutDiff::between(&seg, &build).expect("differs");
        assert_eq!(
            diff.to_string(),
            "holds `Tick` v3 with field `price` at offset 8 as `f64le`, but this build has \
             `price` at offset 16 as `i64le`"
        );
        assert_eq!(diff.fields.len(), 2);
    }

    #[test]
    fn renamed_field_names_both() {
        let seg = layout(vec![field("qty", 0, "u64le")]);
        let build = layout(vec![field("quantity", 0, "u64le")]);
        let diff = LayoutDiff::between(&seg, &build).expect("differs");
        assert!(diff.to_string().contains("no field `qty`"), "{diff}");
        assert!(
            diff.to_string().contains("`quantity` at offset 0"),
            "{diff}"
        );
        assert!(LayoutDiff::between(&seg, &seg).is_none());
    }

    #[test]
    fn a_change_inside_a_nested_struct_names_its_path() {
        let mut seg = layout(vec![
            field("seq", 0, "u64le"),
            field("px", 8, "Px v1 #2ba992c1"),
            field("px.mantissa", 8, "i64le"),
            field("px.exponent", 16, "i8"),
        ]);
        seg.fields[3].size = 1;
        let mut build = seg.clone();
        build.fields[1].ty = "Px v1 #816a48b9".into();
        build.fields[3].ty = "i16le".into();
        let diff = LayoutDiff::between(&seg, &build).expect("differs");
        assert_eq!(
            diff.to_string(),
            "holds `Tick` v3 with field `px.exponent` at offset 16 as `i8`, but this build has \
             `px.exponent` at offset 16 as `i16le`"
        );
        assert_eq!(diff.fields.len(), 1, "the outer `px` row is not repeated");
        // The top-level table is printed without the nested rows.
        assert!(!seg.to_string().contains("px.mantissa"), "{seg}");
    }

    #[test]
    fn a_changed_variant_set_names_the_variant() {
        let seg = layout(vec![field(
            "side",
            0,
            "enum Side as u8 {Buy = 1, Sell = 2}",
        )]);
        let mut build = seg.clone();
        build.fields[0].ty = "enum Side as u8 {Buy = 1, Sell = 2, Cancel = 3}".into();
        let diff = LayoutDiff::between(&seg, &build).expect("differs");
        assert_eq!(
            diff.to_string(),
            "holds `Tick` v3 with field `side` at offset 0 holding no variant `Cancel` in enum \
             `Side`, but this build has `Cancel = 3`"
        );
    }
}
