//! Checked enums and booleans in shared memory: [`Tag<E>`] and [`Bool8`].
//!
//! A Rust enum or `bool` is valid only for some bit patterns, and a peer may write any, so neither
//! can be a field. A `Tag<E>` field stores the raw integer instead (valid for every bit pattern)
//! and converts on access with a check: [`Tag::get`] returns the variant, or [`InvalidTag`] for a
//! value that is no variant. The enum derives [`SharedEnum`] (`#[derive(SharedEnum)]` in the
//! `shmipc` crate, which has the examples), and its name, variant names and values become part of
//! the layout, so a peer built with another variant set is refused when it opens the segment.
//!
//! The storage carries its byte order as integers do: `Tag<Side>` stores the enum's `repr`
//! integer natively (fine for `u8` in every layout), `Tag<Kind, U16Le>` little-endian.

use core::fmt;
use core::marker::PhantomData;

use crate::endian::{U16Be, U16Le, U32Be, U32Le};
use crate::field::Field;
use crate::layout::{EnumLayout, Primitive, Variant};

mod sealed {
    pub trait Sealed {}
}

/// A fieldless enum that a [`Tag`] can store: `#[derive(SharedEnum)]` implements it for an enum
/// with `#[repr(u8 | u16 | u32)]` and an explicit discriminant on every variant.
pub trait SharedEnum: Sized + 'static {
    /// The enum's `repr` integer.
    type Repr: TagStorage<Value = Self::Repr> + Into<u64>;
    /// Name and variants, recorded in every layout with a `Tag<Self>` field.
    const ENUM: &'static EnumLayout;
    /// The discriminant of `self`.
    fn to_repr(self) -> Self::Repr;
    /// The variant whose discriminant is `raw`, if any.
    fn from_repr(raw: Self::Repr) -> Option<Self>;
}

/// An integer a [`Tag`] can be stored as: `u8`, `u16`, `u32`, and the endian types of the last
/// two (`U16Le`, `U32Be`, ...). Sealed.
pub trait TagStorage:
    Field
    + Copy
    + Default
    + PartialEq
    + zerocopy::FromBytes
    + zerocopy::IntoBytes
    + zerocopy::Immutable
    + sealed::Sealed
{
    /// The integer value (`u8`, `u16` or `u32`).
    type Value: Copy + Into<u64> + fmt::Display;
    /// The primitive recorded in the layout.
    #[doc(hidden)]
    const PRIMITIVE: Primitive;
    /// Stores `value`.
    #[doc(hidden)]
    fn store(value: Self::Value) -> Self;
    /// The stored value.
    #[doc(hidden)]
    fn load(self) -> Self::Value;
}

macro_rules! storage {
    ($($s:ty => $v:ty, $p:ident;)*) => {$(
        impl sealed::Sealed for $s {}
        impl TagStorage for $s {
            type Value = $v;
            const PRIMITIVE: Primitive = Primitive::$p;
            #[inline(always)]
            fn store(value: $v) -> Self { value.into() }
            #[inline(always)]
            fn load(self) -> $v { self.into() }
        }
    )*};
}

storage! {
    u8 => u8, U8;
    u16 => u16, U16;
    u32 => u32, U32;
    U16Le => u16, U16Le;
    U32Le => u32, U32Le;
    U16Be => u16, U16Be;
    U32Be => u32, U32Be;
}

/// A checked enum field: the raw integer (`S`, by default the enum's `repr` integer), read with a
/// check. See the [module documentation](self); the enum side is `#[derive(SharedEnum)]` of the
/// `shmipc` crate, whose documentation has a full message type.
///
/// ```
/// use shmipc_runtime::{Bool8, Tag};
///
/// let mut ready = Bool8::new(false);
/// ready.set(true);
/// assert_eq!(ready.get(), Ok(true));
/// // Whatever another process wrote is a valid `Tag`; reading it checks the value.
/// let garbage: Tag<bool> = Tag::from_raw(0x7f);
/// assert_eq!(garbage.raw(), 0x7f);
/// assert!(garbage.get().is_err());
/// ```
///
/// It implements zerocopy's `FromBytes`, `IntoBytes`, `KnownLayout` and `Immutable` (every bit
/// pattern is a valid tag: the check happens in [`get`](Tag::get)).
#[repr(transparent)]
#[derive(zerocopy::FromBytes, zerocopy::IntoBytes, zerocopy::KnownLayout, zerocopy::Immutable)]
pub struct Tag<E: SharedEnum, S: TagStorage<Value = E::Repr> = <E as SharedEnum>::Repr> {
    raw: S,
    _enum: PhantomData<fn() -> E>,
}

/// A checked boolean: one byte, `0` is `false`, `1` is `true`, anything else is an error on
/// [`Tag::get`].
pub type Bool8 = Tag<bool, u8>;

/// Implements [`SharedEnum`] by hand for a type the derive cannot reach (`bool`, a test enum in
/// this crate): `impl_shared_enum!(Type as Repr, "StableName", ["Name" => value, ..])`, each
/// value a constant of the type that casts (`as Repr`) to its representation.
macro_rules! impl_shared_enum {
    ($ty:ty as $repr:ty, $name:literal, [$($label:literal => $value:expr),+ $(,)?]) => {
        impl SharedEnum for $ty {
            type Repr = $repr;
            const ENUM: &'static EnumLayout = &EnumLayout::__new(
                $name,
                &[$(Variant::__new($label, $value as $repr as u64)),+],
            );
            fn to_repr(self) -> $repr {
                self as $repr
            }
            fn from_repr(raw: $repr) -> Option<$ty> {
                [$($value),+].into_iter().find(|v| *v as $repr == raw)
            }
        }
    };
}

impl_shared_enum!(bool as u8, "bool", ["false" => false, "true" => true]);

/// A [`Tag`] held a value that is none of its enum's variants: the writer was built with another
/// variant set (an open would have refused that), or wrote garbage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidTag {
    /// The enum's stable name.
    pub enum_name: &'static str,
    /// The raw value found.
    pub raw: u64,
}

impl fmt::Display for InvalidTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the stored value {} is no variant of `{}`: the writer was built with other variants \
             or wrote garbage; treat this value as invalid",
            self.raw, self.enum_name
        )
    }
}

impl std::error::Error for InvalidTag {}

impl<E: SharedEnum, S: TagStorage<Value = E::Repr>> Tag<E, S> {
    /// A tag holding `value`.
    #[inline]
    pub fn new(value: E) -> Self {
        Self::from_raw(value.to_repr())
    }

    /// A tag holding the raw integer `raw`, valid or not.
    #[inline]
    pub fn from_raw(raw: E::Repr) -> Self {
        Tag {
            raw: S::store(raw),
            _enum: PhantomData,
        }
    }

    /// The variant, or [`InvalidTag`] when the stored integer is none.
    #[inline]
    pub fn get(self) -> Result<E, InvalidTag> {
        let raw = self.raw.load();
        E::from_repr(raw).ok_or(InvalidTag {
            enum_name: E::ENUM.name(),
            raw: raw.into(),
        })
    }

    /// Stores `value`.
    #[inline]
    pub fn set(&mut self, value: E) {
        *self = Self::new(value);
    }

    /// The stored integer, unchecked.
    #[inline]
    pub fn raw(self) -> E::Repr {
        self.raw.load()
    }
}

impl<E: SharedEnum, S: TagStorage<Value = E::Repr>> Clone for Tag<E, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E: SharedEnum, S: TagStorage<Value = E::Repr>> Copy for Tag<E, S> {}

impl<E: SharedEnum, S: TagStorage<Value = E::Repr>> Default for Tag<E, S> {
    /// All bytes zero: the variant with discriminant 0, if there is one (`false` for [`Bool8`]).
    fn default() -> Self {
        Tag {
            raw: S::default(),
            _enum: PhantomData,
        }
    }
}

impl<E: SharedEnum, S: TagStorage<Value = E::Repr>> From<E> for Tag<E, S> {
    fn from(value: E) -> Self {
        Self::new(value)
    }
}

impl<E: SharedEnum, S: TagStorage<Value = E::Repr>> PartialEq for Tag<E, S> {
    /// Compares the stored integers.
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}
impl<E: SharedEnum, S: TagStorage<Value = E::Repr>> Eq for Tag<E, S> {}

impl<E: SharedEnum + fmt::Debug, S: TagStorage<Value = E::Repr>> fmt::Debug for Tag<E, S> {
    /// The variant, or `invalid Side (7)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.get() {
            Ok(value) => fmt::Debug::fmt(&value, f),
            Err(e) => write!(f, "invalid {} ({})", e.enum_name, e.raw),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{Endian, FieldLayout, FieldType, Layout};

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    #[repr(u16)]
    enum Kind {
        Quote = 1,
        Trade = 0x0102,
    }

    impl_shared_enum!(Kind as u16, "Kind", ["Quote" => Kind::Quote, "Trade" => Kind::Trade]);

    #[test]
    fn get_set_and_invalid_values() {
        let mut tag: Tag<Kind, U16Le> = Tag::new(Kind::Quote);
        assert_eq!(tag.get(), Ok(Kind::Quote));
        tag.set(Kind::Trade);
        assert_eq!(tag.get(), Ok(Kind::Trade));
        assert_eq!(tag.raw(), 0x0102);
        let bad: Tag<Kind, U16Le> = Tag::from_raw(7);
        let err = bad.get().unwrap_err();
        assert_eq!((err.enum_name, err.raw), ("Kind", 7));
        assert!(
            err.to_string().contains("7 is no variant of `Kind`"),
            "{err}"
        );
        assert_eq!(format!("{bad:?}"), "invalid Kind (7)");
        assert_eq!(Tag::<Kind, U16Le>::default().get().unwrap_err().raw, 0);
    }

    #[test]
    fn storage_has_the_declared_byte_order() {
        let le: Tag<Kind, U16Le> = Tag::new(Kind::Trade);
        let be: Tag<Kind, U16Be> = Tag::new(Kind::Trade);
        // SAFETY: both are `repr(transparent)` over a 2-byte integer type.
        let (le_bytes, be_bytes) = unsafe {
            (
                core::mem::transmute::<Tag<Kind, U16Le>, [u8; 2]>(le),
                core::mem::transmute::<Tag<Kind, U16Be>, [u8; 2]>(be),
            )
        };
        assert_eq!(le_bytes, [0x02, 0x01]);
        assert_eq!(be_bytes, [0x01, 0x02]);
        assert_eq!(size_of::<Tag<Kind, U16Le>>(), 2);
        assert_eq!(align_of::<Tag<Kind, U16Le>>(), 2);
    }

    #[test]
    fn bool8_accepts_only_zero_and_one() {
        let mut b = Bool8::new(true);
        assert_eq!(b.get(), Ok(true));
        b.set(false);
        assert_eq!(b.get(), Ok(false));
        assert_eq!(Bool8::default().get(), Ok(false));
        for raw in 2..=u8::MAX {
            assert_eq!(Bool8::from_raw(raw).get().unwrap_err().raw, u64::from(raw));
        }
        assert_eq!(
            <Bool8 as Field>::TYPE.to_string(),
            "enum bool as u8 {false = 0, true = 1}"
        );
    }

    #[test]
    fn the_variants_are_in_the_type_and_its_fingerprint() {
        let ty = <Tag<Kind, U16Le> as Field>::TYPE;
        assert_eq!(
            ty.to_string(),
            "enum Kind as u16le {Quote = 1, Trade = 258}"
        );
        assert!(matches!(
            ty,
            FieldType::Tag {
                storage: Primitive::U16Le,
                ..
            }
        ));

        let with = |ty: &'static FieldType| {
            let fields: &'static [FieldLayout] =
                Box::leak(Box::new([FieldLayout::__new("kind", 0, 2, 2, ty)]));
            Layout::__new("Msg", 1, Endian::Little, 2, 2, fields).fingerprint()
        };
        static RENUMBERED: FieldType = FieldType::Tag {
            storage: Primitive::U16Le,
            ty: &EnumLayout::__new(
                "Kind",
                &[Variant::__new("Quote", 1), Variant::__new("Trade", 3)],
            ),
        };
        static RENAMED: FieldType = FieldType::Tag {
            storage: Primitive::U16Le,
            ty: &EnumLayout::__new(
                "Kind",
                &[Variant::__new("Quote", 1), Variant::__new("Deal", 258)],
            ),
        };
        static PLAIN: FieldType = FieldType::Primitive(Primitive::U16Le);
        let all = [with(ty), with(&RENUMBERED), with(&RENAMED), with(&PLAIN)];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b, "every variant change moves the fingerprint");
            }
        }
    }
}
