//! The layout fingerprint: 64-bit FNV-1a over a canonical byte encoding of a [`Layout`].
//!
//! The encoding is fixed and independent of the compiler, so the same layout hashes to the same
//! value in every build on every platform that computes the same sizes and offsets:
//!
//! - a string is its length as `u64` then its UTF-8 bytes;
//! - an integer is a `u64`, little-endian;
//! - a layout is `"shmipc-layout-v1"`, name, version, endian keyword, size, align, field count,
//!   then each field as name, offset, size, align, type;
//! - a type is a tag byte then: `P` + canonical primitive name; `A` + length + element type;
//!   `S` + the nested layout's name, version and fingerprint; `E` + the storage primitive's name,
//!   the enum's name, the variant count, then each variant as name and value (a tag no layout
//!   before checked enums used, so their fingerprints are unchanged).

use crate::layout::{FieldType, Layout};

/// The FNV-1a 64 offset basis: the hash of no bytes.
pub(crate) const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a 64: `hash` (a previous result, or [`FNV_OFFSET_BASIS`]) continued over `data`. The one
/// implementation, used by the fingerprint and by the segment header's checksum.
pub(crate) const fn fnv1a(mut hash: u64, data: &[u8]) -> u64 {
    let mut i = 0;
    while i < data.len() {
        hash ^= data[i] as u64;
        hash = hash.wrapping_mul(PRIME);
        i += 1;
    }
    hash
}

const fn int(hash: u64, value: u64) -> u64 {
    fnv1a(hash, &value.to_le_bytes())
}

const fn string(hash: u64, s: &str) -> u64 {
    fnv1a(int(hash, s.len() as u64), s.as_bytes())
}

const fn field_type(mut hash: u64, ty: &FieldType) -> u64 {
    match ty {
        FieldType::Primitive(p) => {
            hash = fnv1a(hash, b"P");
            string(hash, p.name())
        }
        FieldType::Array { elem, len } => {
            hash = fnv1a(hash, b"A");
            hash = int(hash, *len as u64);
            field_type(hash, elem)
        }
        FieldType::Struct(layout) => {
            hash = fnv1a(hash, b"S");
            hash = string(hash, layout.name());
            hash = int(hash, layout.version() as u64);
            int(hash, fingerprint(layout))
        }
        FieldType::Tag { storage, ty } => {
            hash = fnv1a(hash, b"E");
            hash = string(hash, storage.name());
            hash = string(hash, ty.name());
            let variants = ty.variants();
            hash = int(hash, variants.len() as u64);
            let mut i = 0;
            while i < variants.len() {
                hash = string(hash, variants[i].name());
                hash = int(hash, variants[i].value());
                i += 1;
            }
            hash
        }
    }
}

/// The fingerprint of `layout`; `const`, so the derive evaluates it at compile time.
pub const fn fingerprint(layout: &Layout) -> u64 {
    let mut hash = string(FNV_OFFSET_BASIS, "shmipc-layout-v1");
    hash = string(hash, layout.name());
    hash = int(hash, layout.version() as u64);
    hash = string(hash, layout.endian().as_str());
    hash = int(hash, layout.size() as u64);
    hash = int(hash, layout.align() as u64);
    let fields = layout.fields();
    hash = int(hash, fields.len() as u64);
    let mut i = 0;
    while i < fields.len() {
        let f = &fields[i];
        hash = string(hash, f.name());
        hash = int(hash, f.offset() as u64);
        hash = int(hash, f.size() as u64);
        hash = int(hash, f.align() as u64);
        hash = field_type(hash, f.ty());
        i += 1;
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_reference_vectors() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a(FNV_OFFSET_BASIS, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV_OFFSET_BASIS, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(FNV_OFFSET_BASIS, b"foobar"), 0x8594_4171_f739_67e8);
    }
}
