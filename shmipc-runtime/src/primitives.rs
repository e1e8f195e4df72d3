//! The one list of primitive field types. Adding a primitive is one line here: the
//! [`Primitive`](crate::Primitive) variants, `ALL`, `name` and `size` (in `layout.rs`), the
//! [`Field`](crate::field::Field) impls (in `field.rs`) and the endian aliases and
//! [`EndianScalar`](crate::endian::EndianScalar) impls (in `endian.rs`) are generated from it.
//!
//! `for_each_primitive!(m)` calls `m!` with the table. Groups, in the canonical order:
//!
//! - `native`: `Variant: type = "name"`: a plain fixed-width integer or float;
//! - `endian`: `type (bits, align, int|float, to_bits, from_bits) => LeVariant = "name",
//!   BeVariant = "name"`: a value type of [`Le`](crate::endian::Le) and [`Be`](crate::endian::Be),
//!   with its unsigned bits, its alignment, its kind, and the conversions to and from the bits
//!   (the variants are also the names of the endian types; all `Le` variants come before all `Be`
//!   variants);
//! - `atomic`: `Type = "name"`: a fixed-width atomic of `core::sync::atomic`, whose variant has
//!   its name.

/// Calls `$m!` with the table of primitives (see the module documentation).
macro_rules! for_each_primitive {
    ($m:ident) => {
        $m! {
            native {
                U8: u8 = "u8",
                I8: i8 = "i8",
                U16: u16 = "u16",
                U32: u32 = "u32",
                U64: u64 = "u64",
                I16: i16 = "i16",
                I32: i32 = "i32",
                I64: i64 = "i64",
                F32: f32 = "f32",
                F64: f64 = "f64",
            }
            endian {
                u16 (u16, 2, int, identity, identity) => U16Le = "u16le", U16Be = "u16be";
                u32 (u32, 4, int, identity, identity) => U32Le = "u32le", U32Be = "u32be";
                u64 (u64, 8, int, identity, identity) => U64Le = "u64le", U64Be = "u64be";
                i16 (u16, 2, int, i16::cast_unsigned, u16::cast_signed) => I16Le = "i16le", I16Be = "i16be";
                i32 (u32, 4, int, i32::cast_unsigned, u32::cast_signed) => I32Le = "i32le", I32Be = "i32be";
                i64 (u64, 8, int, i64::cast_unsigned, u64::cast_signed) => I64Le = "i64le", I64Be = "i64be";
                f32 (u32, 4, float, f32::to_bits, f32::from_bits) => F32Le = "f32le", F32Be = "f32be";
                f64 (u64, 8, float, f64::to_bits, f64::from_bits) => F64Le = "f64le", F64Be = "f64be";
            }
            atomic {
                AtomicU8 = "atomic_u8",
                AtomicU16 = "atomic_u16",
                AtomicU32 = "atomic_u32",
                AtomicU64 = "atomic_u64",
                AtomicI8 = "atomic_i8",
                AtomicI16 = "atomic_i16",
                AtomicI32 = "atomic_i32",
                AtomicI64 = "atomic_i64",
            }
        }
    };
}
