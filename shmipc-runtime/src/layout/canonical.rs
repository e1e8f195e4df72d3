//! Canonical type names read back: what a field's type string in a layout table means, and how to
//! turn a primitive's bytes into a number, for tools that show a segment without its Rust type.

use crate::layout::{Endian, Primitive};

/// The most nested array levels [`CanonicalType::parse`] accepts (a hostile table could nest
/// thousands).
const MAX_DEPTH: u32 = 32;

/// A field type parsed back from its canonical spelling (the `ty` of a
/// [`FieldDescription`](crate::FieldDescription), as [`FieldType`](crate::FieldType) displays it).
///
/// ```
/// use shmipc_runtime::layout::CanonicalType;
/// use shmipc_runtime::Primitive;
///
/// let ty = CanonicalType::parse("[[f32le; 3]; 16]").unwrap();
/// let CanonicalType::Array { elem, len: 16 } = ty else { panic!() };
/// assert_eq!(*elem, CanonicalType::Array { elem: Box::new(CanonicalType::Primitive(Primitive::F32Le)), len: 3 });
/// let side = CanonicalType::parse("enum Side as u8 {Buy = 1, Sell = 2}").unwrap();
/// assert!(matches!(side, CanonicalType::Tag { storage: Primitive::U8, ref variants, .. }
///     if variants[1] == ("Sell".to_owned(), 2)));
/// assert!(matches!(
///     CanonicalType::parse("Position v1 #00000000000000ff"),
///     Some(CanonicalType::Struct { version: 1, fingerprint: 255, .. })
/// ));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CanonicalType {
    /// An integer, float, endian wrapper or atomic.
    Primitive(Primitive),
    /// `[elem; len]`.
    Array {
        /// The element type.
        elem: Box<CanonicalType>,
        /// The number of elements.
        len: u64,
    },
    /// A checked enum (`Tag<E>`, `enum Side as u8 {Buy = 1, Sell = 2}`): the stored integer and
    /// the variants.
    Tag {
        /// The enum's stable name.
        name: String,
        /// The stored integer type.
        storage: Primitive,
        /// `(name, value)` of every variant, in declaration order.
        variants: Vec<(String, u64)>,
    },
    /// A nested layout, known by name, version and fingerprint (its fields follow as rows of
    /// their own, named by path).
    Struct {
        /// The nested layout's type name.
        name: String,
        /// Its schema version.
        version: u32,
        /// Its fingerprint.
        fingerprint: u64,
    },
}

impl CanonicalType {
    /// Parses a canonical spelling; `None` if it is not one (a table written by a hostile or
    /// newer peer).
    pub fn parse(ty: &str) -> Option<CanonicalType> {
        CanonicalType::parse_within(ty, MAX_DEPTH)
    }

    /// [`parse`](Self::parse) with at most `depth` nested arrays left.
    fn parse_within(ty: &str, depth: u32) -> Option<CanonicalType> {
        if let Some(p) = Primitive::from_name(ty) {
            return Some(CanonicalType::Primitive(p));
        }
        if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            let (elem, len) = inner.rsplit_once("; ")?;
            return Some(CanonicalType::Array {
                elem: Box::new(CanonicalType::parse_within(elem, depth.checked_sub(1)?)?),
                len: len.parse().ok()?,
            });
        }
        if let Some((name, storage, variants)) = super::enums::parse(ty) {
            return Some(CanonicalType::Tag {
                name: name.to_owned(),
                storage: Primitive::from_name(storage)?,
                variants: variants
                    .into_iter()
                    .map(|(n, v)| Some((n.to_owned(), v.parse().ok()?)))
                    .collect::<Option<_>>()?,
            });
        }
        let (rest, fingerprint) = ty.rsplit_once(" #")?;
        let (name, version) = rest.rsplit_once(" v")?;
        if fingerprint.len() != 16 || name.is_empty() {
            return None;
        }
        Some(CanonicalType::Struct {
            name: name.to_owned(),
            version: version.parse().ok()?,
            fingerprint: u64::from_str_radix(fingerprint, 16).ok()?,
        })
    }
}

/// What kind of number a primitive holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    /// An unsigned integer.
    Unsigned,
    /// A two's-complement signed integer.
    Signed,
    /// An IEEE 754 float.
    Float,
}

impl Primitive {
    /// Whether the primitive is an unsigned or signed integer or a float.
    pub fn scalar(self) -> Scalar {
        match self.name().trim_start_matches("atomic_").as_bytes().first() {
            Some(b'i') => Scalar::Signed,
            Some(b'f') => Scalar::Float,
            _ => Scalar::Unsigned,
        }
    }

    /// The byte order its bytes are stored in: `Little` or `Big` for the endian wrappers,
    /// `Native` (the creator's order) for plain integers, floats and atomics.
    pub fn byte_order(self) -> Endian {
        let name = self.name();
        if name.ends_with("le") {
            Endian::Little
        } else if name.ends_with("be") {
            Endian::Big
        } else {
            Endian::Native
        }
    }

    /// The number stored in `bytes` (exactly [`size`](Primitive::size) bytes, else `None`), read
    /// in the primitive's byte order; `creator` is the order of a native value's writer.
    ///
    /// ```
    /// use shmipc_runtime::{Endian, Primitive};
    /// assert_eq!(Primitive::U16Be.decode_text(&[1, 2], Endian::Little).unwrap(), "258");
    /// assert_eq!(Primitive::I8.decode_text(&[0xff], Endian::Little).unwrap(), "-1");
    /// ```
    pub fn decode_text(self, bytes: &[u8], creator: Endian) -> Option<String> {
        if bytes.len() != self.size() {
            return None;
        }
        let big = match self.byte_order() {
            Endian::Little => false,
            Endian::Big => true,
            Endian::Native => creator == Endian::Big,
        };
        let mut raw: u64 = 0;
        for i in 0..bytes.len() {
            let b = if big {
                bytes[i]
            } else {
                bytes[bytes.len() - 1 - i]
            };
            raw = (raw << 8) | u64::from(b);
        }
        let bits = 8 * bytes.len() as u32;
        Some(match self.scalar() {
            Scalar::Unsigned => raw.to_string(),
            Scalar::Signed => {
                let shift = 64 - bits;
                (((raw << shift) as i64) >> shift).to_string()
            }
            Scalar::Float if bits == 32 => f32::from_bits(raw as u32).to_string(),
            Scalar::Float => f64::from_bits(raw).to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_primitive_parses_and_decodes_its_own_bytes() {
        for p in Primitive::ALL {
            assert_eq!(
                CanonicalType::parse(p.name()),
                Some(CanonicalType::Primitive(p))
            );
            let bytes = vec![0u8; p.size()];
            assert_eq!(p.decode_text(&bytes, Endian::Little).as_deref(), Some("0"));
            assert_eq!(p.decode_text(&bytes[1..], Endian::Little), None);
        }
        assert_eq!(
            Primitive::I32Le
                .decode_text(&(-7i32).to_le_bytes(), Endian::Big)
                .unwrap(),
            "-7"
        );
        assert_eq!(
            Primitive::F64Be
                .decode_text(&1.5f64.to_be_bytes(), Endian::Little)
                .unwrap(),
            "1.5"
        );
        assert_eq!(
            Primitive::U32
                .decode_text(&5u32.to_be_bytes(), Endian::Big)
                .unwrap(),
            "5"
        );
    }

    #[test]
    fn garbage_is_not_a_type() {
        let deep = format!("{}u8{}", "[".repeat(40), "; 1]".repeat(40));
        assert_eq!(CanonicalType::parse(&deep), None);
        for bad in [
            "",
            "[u8; x]",
            "[u8 4]",
            "Pos v1 #12",
            "Pos vx #0000000000000000",
            " v1 #0000000000000000",
        ] {
            assert_eq!(CanonicalType::parse(bad), None, "{bad}");
        }
    }
}
