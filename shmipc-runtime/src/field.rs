//! The sealed field traits through which `#[derive(SharedLayout)]` proves its claims.
//!
//! The derive never decides soundness from how a type is spelled (an alias can hide a pointer):
//! every field type must implement [`Field`], which only this crate and the derive implement.
//! Every field type names the byte order it stores as a type ([`Field::ByteOrder`], one of
//! [`byte_order`]), and the proofs [`little_field`] and [`big_field`] refuse each order that does
//! not fit with its own trait: so a type that is no field at all is reported once, as that, and a
//! field of another order once, with a message for that order. The padding proofs are traits implemented
//! only for a padding count of zero, so a violation reaches the user with the byte count in the
//! message.
//!
//! Nothing here is meant to be named by users; the `shmipc` facade re-exports it under
//! `__private` for generated code.

use core::sync::atomic::{
    AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicU8, AtomicU16, AtomicU32, AtomicU64,
};

use crate::layout::{FieldType, Primitive};
use crate::tag::{SharedEnum, Tag, TagStorage};

/// A type that may be a field of a shared layout. Implemented by this crate for fixed-width
/// integers, floats, endian wrappers, fixed-width atomics and arrays of them, and by
/// `#[derive(SharedLayout)]` for the structs it proves.
///
/// Sealed, as zerocopy seals its derived traits: an impl must define the hidden method
/// `only_derive_is_allowed_to_implement_this_trait`, which only this crate and the derive's
/// generated code do. An impl written by hand that names it breaks this trait's contract.
///
/// # Safety
///
/// The type must be pointer-free, free of `Drop`, valid for every bit pattern, have the same size
/// and alignment in every process that agrees on [`Field::TYPE`], and `TYPE` must describe it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in shared memory",
    label = "not a shared-memory field type",
    note = "a field must be `u8`, `i8`, an endian type (`U32Le`, `I64Be`, `F64Le`, ...), a native fixed-width integer, float or atomic (only in `endian = \"native\"` layouts), an array of these, or a struct with `#[derive(SharedLayout)]`",
    note = "pointers, references, `Box`, `Vec` and `String` hold addresses that mean nothing in another process; `usize`/`isize` change width between processes; `bool`, `char`, `Option` and enums have bit patterns that are not valid values",
    note = "for an enum, store `Tag<YourEnum>` (with `#[derive(SharedEnum)]` on the enum); for a boolean, `Bool8`; for a `char`, `U32Le` holding its code point",
    note = "a struct of your own becomes a field type with `#[derive(SharedLayout)]` and `#[repr(C)]`, and the `endian` of the layout it is nested in"
)]
pub unsafe trait Field: 'static {
    /// The canonical type recorded in the layout's field table.
    const TYPE: &'static FieldType;

    /// The byte order the type stores its multi-byte values in: one of [`byte_order`].
    type ByteOrder: byte_order::ByteOrder;

    /// Seals the trait: only this crate and `#[derive(SharedLayout)]` define it.
    #[doc(hidden)]
    fn only_derive_is_allowed_to_implement_this_trait();
}

/// The byte orders of field types, as types (named as a user reads them in an error).
#[allow(non_camel_case_types)]
pub mod byte_order {
    mod sealed {
        pub trait Sealed {}
    }

    /// One of the byte orders below. Sealed.
    pub trait ByteOrder: sealed::Sealed + 'static {}

    /// No multi-byte values (`u8`, `i8`, arrays and structs of them): fits every layout.
    pub enum bytes {}
    /// Every multi-byte value little-endian.
    pub enum little {}
    /// Every multi-byte value big-endian.
    pub enum big {}
    /// Multi-byte values in the machine's byte order (native integers, floats, atomics).
    pub enum native {}

    impl sealed::Sealed for bytes {}
    impl sealed::Sealed for little {}
    impl sealed::Sealed for big {}
    impl sealed::Sealed for native {}
    impl ByteOrder for bytes {}
    impl ByteOrder for little {}
    impl ByteOrder for big {}
    impl ByteOrder for native {}
}

use byte_order::{big, bytes, little, native};

/// Defines a proof trait `$name<F>` that fails, with `$message`, for the field types `F` of byte
/// order `$refused`, and holds for the other three orders.
macro_rules! refuse_order {
    ($name:ident, $refused:ident, [$($ok:ident),+], $message:literal, $label:literal, $note:literal) => {
        #[doc = concat!("Holds unless the field type `F` is of byte order `", stringify!($refused), "`.")]
        #[doc(hidden)]
        #[diagnostic::on_unimplemented(message = $message, label = $label, note = $note)]
        pub trait $name<F: ?Sized> {}
        $(impl<F: ?Sized> $name<F> for $ok {})+
    };
}

refuse_order!(
    NoNativeInLittle,
    native,
    [bytes, little, big],
    "`{F}` is stored in the machine's byte order (native), so it cannot be a field of an `endian = \"little\"` layout",
    "native byte order, not little-endian",
    "a native integer or float becomes its little-endian type (`u32` → `U32Le`, `f64` → `F64Le`), a `Tag` of an enum wider than a byte names its storage (`Tag<Kind, U16Le>`); a struct of yours declared `endian = \"native\"` must be declared `endian = \"little\"` with little-endian fields to nest here, or, if it holds atomics or wait cells, stay native and be nested only in `endian = \"native\"` layouts"
);
refuse_order!(
    NoBigInLittle,
    big,
    [bytes, little, native],
    "`{F}` is stored big-endian, so it cannot be a field of an `endian = \"little\"` layout",
    "big-endian, not little-endian",
    "use the little-endian type (`U32Le` for `U32Be`), or declare the nested struct `endian = \"little\"` with little-endian fields"
);
refuse_order!(
    NoNativeInBig,
    native,
    [bytes, little, big],
    "`{F}` is stored in the machine's byte order (native), so it cannot be a field of an `endian = \"big\"` layout",
    "native byte order, not big-endian",
    "a native integer or float becomes its big-endian type (`u32` → `U32Be`, `f64` → `F64Be`), a `Tag` of an enum wider than a byte names its storage (`Tag<Kind, U16Be>`); a struct of yours declared `endian = \"native\"` must be declared `endian = \"big\"` with big-endian fields to nest here, or, if it holds atomics or wait cells, stay native and be nested only in `endian = \"native\"` layouts"
);
refuse_order!(
    NoLittleInBig,
    little,
    [bytes, big, native],
    "`{F}` is stored little-endian, so it cannot be a field of an `endian = \"big\"` layout",
    "little-endian, not big-endian",
    "use the big-endian type (`U32Be` for `U32Le`), or declare the nested struct `endian = \"big\"` with big-endian fields"
);

/// Implements [`Field`] for every primitive of `for_each_primitive!`.
macro_rules! primitive_field {
    (
        native { $($nv:ident: $nt:ty = $nn:literal,)* }
        endian { $($et:ident ($($_:tt)*) => $lv:ident = $ln:literal, $bv:ident = $bn:literal;)* }
        atomic { $($av:ident = $an:literal,)* }
    ) => {$(
        // SAFETY: a fixed-width integer or float: no pointers, no Drop, every bit pattern valid,
        // size and alignment fixed by its width on every supported target.
        unsafe impl Field for $nt {
            const TYPE: &'static FieldType = &FieldType::Primitive(Primitive::$nv);
            type ByteOrder = native_order!($nv);
            fn only_derive_is_allowed_to_implement_this_trait() {}
        }
    )* $(
        // SAFETY: `repr(C, align(N))` over the N-byte unsigned bits (endian.rs): pointer-free, no
        // Drop, every bit pattern valid, size = alignment = N everywhere; it stores its value
        // little-endian by construction.
        unsafe impl Field for crate::endian::$lv {
            const TYPE: &'static FieldType = &FieldType::Primitive(Primitive::$lv);
            type ByteOrder = little;
            fn only_derive_is_allowed_to_implement_this_trait() {}
        }
        // SAFETY: as above, big-endian.
        unsafe impl Field for crate::endian::$bv {
            const TYPE: &'static FieldType = &FieldType::Primitive(Primitive::$bv);
            type ByteOrder = big;
            fn only_derive_is_allowed_to_implement_this_trait() {}
        }
    )* $(
        // SAFETY: a fixed-width atomic: as for the integers, and accessed only atomically.
        unsafe impl Field for $av {
            const TYPE: &'static FieldType = &FieldType::Primitive(Primitive::$av);
            type ByteOrder = native;
            fn only_derive_is_allowed_to_implement_this_trait() {}
        }
    )*};
}

/// The byte order of a native primitive: none for single bytes.
macro_rules! native_order {
    (U8) => {
        bytes
    };
    (I8) => {
        bytes
    };
    ($other:ident) => {
        native
    };
}

for_each_primitive!(primitive_field);

// SAFETY: an array of fields is laid out as `N` consecutive elements with no padding between
// them; it inherits every property of `T`.
unsafe impl<T: Field, const N: usize> Field for [T; N] {
    const TYPE: &'static FieldType = &FieldType::Array {
        elem: T::TYPE,
        len: N,
    };
    type ByteOrder = T::ByteOrder;
    fn only_derive_is_allowed_to_implement_this_trait() {}
}

// SAFETY: `Tag<E, S>` is `repr(transparent)` over `S`, a `Field` integer (the `PhantomData` is
// zero-sized with alignment 1): it inherits every property of `S`; any bit pattern is a valid
// tag, checked only when read as `E`.
unsafe impl<E: SharedEnum, S: TagStorage<Value = E::Repr>> Field for Tag<E, S> {
    const TYPE: &'static FieldType = &FieldType::Tag {
        storage: S::PRIMITIVE,
        ty: E::ENUM,
    };
    type ByteOrder = S::ByteOrder;
    fn only_derive_is_allowed_to_implement_this_trait() {}
}

/// A field type whose every byte is accessed only through atomics: the fixed-width atomics,
/// [`WaitCell`](crate::sync::WaitCell), arrays of these, and structs of only these (the derive implements it, with
/// [`AtomicLayout`](crate::AtomicLayout)).
///
/// # Safety
///
/// As for [`Field`], and every byte of the type belongs to an atomic integer, so a shared
/// reference is sound while other processes modify it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not accessed only through atomics",
    label = "not an atomic field"
)]
pub unsafe trait AtomicField: Field + Sync {}

macro_rules! atomic_field {
    ($($t:ty),*) => {$(
        // SAFETY: a fixed-width atomic integer.
        unsafe impl AtomicField for $t {}
    )*};
}
atomic_field!(
    AtomicU8, AtomicU16, AtomicU32, AtomicU64, AtomicI8, AtomicI16, AtomicI32, AtomicI64
);
// `WaitCell`'s impls live beside it (`sync/wait/field.rs`): loom builds leave it out.

// SAFETY: every element is an atomic field.
unsafe impl<T: AtomicField, const N: usize> AtomicField for [T; N] {}

/// Compiles only when `T` is accessed only through atomics.
#[doc(hidden)]
pub const fn atomic_field<T: AtomicField>() {}

/// The canonical type of a field of a native layout; compiles only when `T` may be one.
#[doc(hidden)]
pub const fn native_field<T: Field>() -> &'static FieldType {
    T::TYPE
}

/// The canonical type of a field of a little-endian layout; compiles only when `T` may be one.
#[doc(hidden)]
pub const fn little_field<T: Field>() -> &'static FieldType
where
    T::ByteOrder: NoNativeInLittle<T> + NoBigInLittle<T>,
{
    T::TYPE
}

/// The canonical type of a field of a big-endian layout; compiles only when `T` may be one.
#[doc(hidden)]
pub const fn big_field<T: Field>() -> &'static FieldType
where
    T::ByteOrder: NoNativeInBig<T> + NoLittleInBig<T>,
{
    T::TYPE
}

/// The canonical type of a field without multi-byte values (of a struct that nests in layouts of
/// every order); compiles only when `T` is one.
#[doc(hidden)]
pub const fn bytes_field<T: Field>() -> &'static FieldType
where
    T::ByteOrder: NoNativeInLittle<T> + NoBigInLittle<T> + NoLittleInBig<T>,
{
    T::TYPE
}

/// Implemented only for a gap of zero bytes.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{T}` has {GAP} byte(s) of implicit padding before this field",
    label = "{GAP} byte(s) of padding before this field",
    note = "shared layouts may not contain implicit padding: its bytes are not guaranteed to be copied and may leak data between processes",
    note = "add an explicit padding field of `[u8; {GAP}]` just before this field, or reorder the fields from largest to smallest alignment"
)]
pub trait NoPaddingBefore<F: ?Sized, T: ?Sized, const GAP: usize> {}
impl<F: ?Sized, T: ?Sized> NoPaddingBefore<F, T, 0> for () {}

/// Compiles only when the gap before a field (of type `F`, in struct `T`) is zero.
#[doc(hidden)]
pub const fn assert_no_padding_before<F: ?Sized, T: ?Sized, const GAP: usize>()
where
    (): NoPaddingBefore<F, T, GAP>,
{
}

/// Implemented only for zero bytes of trailing padding.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{T}` has {GAP} byte(s) of implicit padding after its last field",
    label = "{GAP} byte(s) of padding at the end of this struct",
    note = "the size of a struct is rounded up to its alignment; shared layouts may not contain implicit padding",
    note = "add an explicit padding field of `[u8; {GAP}]` after the last field"
)]
pub trait NoTrailingPadding<T: ?Sized, const GAP: usize> {}
impl<T: ?Sized> NoTrailingPadding<T, 0> for () {}

/// Compiles only when a struct has no trailing padding.
#[doc(hidden)]
pub const fn assert_no_trailing_padding<T: ?Sized, const GAP: usize>()
where
    (): NoTrailingPadding<T, GAP>,
{
}
