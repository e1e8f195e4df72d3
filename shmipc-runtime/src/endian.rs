//! Integers and floats with an explicit byte order: [`Le<T>`] and [`Be<T>`].
//!
//! Unlike zerocopy's byte-order types (alignment 1), these are naturally aligned: `Le<u64>` has
//! size 8 and alignment 8 on every target, so a struct of them has the layout a C compiler gives
//! the same struct of `uint64_t`, and fields never straddle a cache line by accident.
//!
//! `Le<T>` and `Be<T>` name one concrete type per value type (`Le<u32>` is [`U32Le`]), so each
//! has `const fn new` and `get`, the arithmetic and bit operators with their assign forms (on the
//! values, as zerocopy's byte-order types have them), ordering by value, and zerocopy's traits
//! (`FromBytes`, `IntoBytes`, `KnownLayout`, `Immutable`): a struct of them can derive zerocopy's
//! traits beside `SharedLayout`.
//!
//! ```
//! use shmipc_runtime::endian::{U32Le, U32Be};
//! const LIMIT: U32Be = U32Be::new(1000);
//! let le = U32Le::new(0x0102_0304);
//! let be = U32Be::new(0x0102_0304);
//! assert_eq!(le.get(), be.get());
//! assert_eq!(le.to_bytes(), [4, 3, 2, 1]);
//! assert_eq!(be.to_bytes(), [1, 2, 3, 4]);
//! let mut n = LIMIT - 1;
//! n += U32Be::new(2);
//! assert!(n > LIMIT && (n & 1) == 1);
//! ```

use core::convert::identity;
use core::fmt;

use crate::layout::Primitive;

mod sealed {
    pub trait Sealed {}
}

/// A value type that [`Le`] and [`Be`] can hold: `u16`, `u32`, `u64`, `i16`, `i32`, `i64`, `f32`,
/// `f64`. Sealed.
pub trait EndianScalar: sealed::Sealed + Copy + PartialEq + fmt::Debug + 'static {
    /// This value stored little-endian ([`Le<Self>`](Le)).
    type Le: Copy + Default + fmt::Debug + PartialEq + From<Self> + Into<Self> + 'static;
    /// This value stored big-endian ([`Be<Self>`](Be)).
    type Be: Copy + Default + fmt::Debug + PartialEq + From<Self> + Into<Self> + 'static;
    /// Canonical primitive of `Le<Self>`.
    #[doc(hidden)]
    const LE: Primitive;
    /// Canonical primitive of `Be<Self>`.
    #[doc(hidden)]
    const BE: Primitive;
    /// The stored bytes: `[u8; size_of::<Self>()]`.
    type Bytes: Copy + AsRef<[u8]> + fmt::Debug + PartialEq + 'static;
}

/// A `T` stored little-endian, naturally aligned: the type [`EndianScalar::Le`] of `T`
/// (`Le<u32>` is [`U32Le`]).
pub type Le<T> = <T as EndianScalar>::Le;
/// A `T` stored big-endian, naturally aligned: the type [`EndianScalar::Be`] of `T`
/// (`Be<u32>` is [`U32Be`]).
pub type Be<T> = <T as EndianScalar>::Be;

/// Defines the two endian types of each value type of the `endian` group of
/// `for_each_primitive!`: `$raw` turns a value into its unsigned bits, `$cook` back.
macro_rules! scalar {
    (
        native { $($native:tt)* }
        endian { $($t:ident ($bits:ty, $align:literal, $kind:ident, $raw:expr, $cook:expr) => $le:ident = $ln:literal, $be:ident = $bn:literal;)* }
        atomic { $($atomic:tt)* }
    ) => {$(
        impl sealed::Sealed for $t {}
        impl EndianScalar for $t {
            type Le = $le;
            type Be = $be;
            type Bytes = [u8; core::mem::size_of::<$t>()];
            const LE: Primitive = Primitive::$le;
            const BE: Primitive = Primitive::$be;
        }
        endian_type!($le, $t, $bits, $align, $kind, $raw, $cook, "little", to_le, from_le);
        endian_type!($be, $t, $bits, $align, $kind, $raw, $cook, "big", to_be, from_be);
    )*};
}

/// Defines one endian type `$name` holding a `$t` as `$bits` in the order of `$to`/`$from`.
macro_rules! endian_type {
    ($name:ident, $t:ident, $bits:ty, $align:literal, $kind:ident, $raw:expr, $cook:expr,
     $order:literal, $to:ident, $from:ident) => {
        #[doc = concat!("`", stringify!($t), "` stored ", $order, "-endian, size and alignment ", stringify!($align), " (`", stringify!($name), "`).")]
        ///
        /// Reading and writing convert with one byte swap at most (none on a machine of that
        /// order); operators and comparisons act on the values.
        #[repr(C, align($align))]
        #[derive(
            Clone,
            Copy,
            Default,
            zerocopy::FromBytes,
            zerocopy::IntoBytes,
            zerocopy::KnownLayout,
            zerocopy::Immutable,
        )]
        pub struct $name {
            bits: $bits,
        }

        impl $name {
            #[doc = concat!("Stores `value` ", $order, "-endian; `const`, so `static`s and `const`s can hold one.")]
            #[inline(always)]
            pub const fn new(value: $t) -> Self {
                $name { bits: ($raw)(value).$to() }
            }

            /// The value, converted to the machine's byte order.
            #[inline(always)]
            pub const fn get(self) -> $t {
                ($cook)(<$bits>::$from(self.bits))
            }

            /// Replaces the value.
            #[inline(always)]
            pub const fn set(&mut self, value: $t) {
                *self = Self::new(value);
            }

            /// The stored bytes, in memory order.
            pub fn to_bytes(self) -> [u8; core::mem::size_of::<$t>()] {
                zerocopy::transmute!(self)
            }

            /// The value whose stored bytes, in memory order, are `bytes`.
            pub fn from_bytes(bytes: [u8; core::mem::size_of::<$t>()]) -> Self {
                zerocopy::transmute!(bytes)
            }
        }

        impl From<$t> for $name {
            fn from(value: $t) -> Self {
                Self::new(value)
            }
        }

        impl From<$name> for $t {
            fn from(value: $name) -> $t {
                value.get()
            }
        }

        impl fmt::Debug for $name {
            /// Formats the value, not the stored bytes.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.get(), f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.get(), f)
            }
        }

        impl PartialEq for $name {
            /// Compares values (so `NaN != NaN`, and `0.0 == -0.0`, as for the value type).
            fn eq(&self, other: &Self) -> bool {
                self.get() == other.get()
            }
        }

        impl PartialEq<$t> for $name {
            fn eq(&self, other: &$t) -> bool {
                self.get() == *other
            }
        }

        impl PartialOrd<$t> for $name {
            fn partial_cmp(&self, other: &$t) -> Option<core::cmp::Ordering> {
                self.get().partial_cmp(other)
            }
        }

        binary_op!($name, $t, Add, add, AddAssign, add_assign, +);
        binary_op!($name, $t, Sub, sub, SubAssign, sub_assign, -);
        binary_op!($name, $t, Mul, mul, MulAssign, mul_assign, *);
        binary_op!($name, $t, Div, div, DivAssign, div_assign, /);
        binary_op!($name, $t, Rem, rem, RemAssign, rem_assign, %);
        kind_traits!($kind, $name, $t);
    };
}

/// Ordering (total for integers, partial for floats), and what integers have and floats lack:
/// `Eq`, `Ord`, `Hash`, the bit and shift operators, `Not`.
macro_rules! kind_traits {
    (float, $name:ident, $t:ty) => {
        impl PartialOrd for $name {
            /// Compares values, as the float does (`None` with a NaN).
            fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
                self.get().partial_cmp(&other.get())
            }
        }
    };
    (int, $name:ident, $t:ty) => {
        impl Eq for $name {}

        impl PartialOrd for $name {
            /// Compares values.
            fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> core::cmp::Ordering {
                self.get().cmp(&other.get())
            }
        }

        impl core::hash::Hash for $name {
            fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
                self.get().hash(state)
            }
        }

        binary_op!($name, $t, BitAnd, bitand, BitAndAssign, bitand_assign, &);
        binary_op!($name, $t, BitOr, bitor, BitOrAssign, bitor_assign, |);
        binary_op!($name, $t, BitXor, bitxor, BitXorAssign, bitxor_assign, ^);
        // A shift takes the same type on the right, as zerocopy's byte-order types do.
        binary_op!($name, $t, Shl, shl, ShlAssign, shl_assign, <<);
        binary_op!($name, $t, Shr, shr, ShrAssign, shr_assign, >>);

        impl core::ops::Not for $name {
            type Output = Self;
            #[inline(always)]
            fn not(self) -> Self {
                Self::new(!self.get())
            }
        }
    };
}

/// Implements `$trait` (and `$assign`) for `$w` with `$w` or `$t` on the right, by converting,
/// applying the operator of `$t` (so overflow behaves as for `$t`) and storing back.
macro_rules! binary_op {
    ($w:ident, $t:ty, $trait:ident, $method:ident, $assign:ident, $assign_method:ident, $op:tt) => {
        impl core::ops::$trait for $w {
            type Output = Self;
            #[inline(always)]
            fn $method(self, rhs: Self) -> Self {
                Self::new(self.get() $op rhs.get())
            }
        }
        impl core::ops::$trait<$t> for $w {
            type Output = Self;
            #[inline(always)]
            fn $method(self, rhs: $t) -> Self {
                Self::new(self.get() $op rhs)
            }
        }
        impl core::ops::$assign for $w {
            #[inline(always)]
            fn $assign_method(&mut self, rhs: Self) {
                *self = *self $op rhs;
            }
        }
        impl core::ops::$assign<$t> for $w {
            #[inline(always)]
            fn $assign_method(&mut self, rhs: $t) {
                *self = *self $op rhs;
            }
        }
    };
}

for_each_primitive!(scalar);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, size_of};

    #[test]
    fn zerocopy_views() {
        use zerocopy::{FromBytes, IntoBytes};
        let v = U32Be::new(0x0a0b_0c0d);
        assert_eq!(v.as_bytes(), [0x0a, 0x0b, 0x0c, 0x0d]);
        assert_eq!(U32Be::read_from_bytes(&[0, 0, 1, 0]).unwrap(), 256);
        assert!(U32Be::read_from_bytes(&[0; 3]).is_err());
        let pair = <[I16Le; 2]>::read_from_bytes(&[0xfe, 0xff, 1, 0]).unwrap();
        assert_eq!(pair, [I16Le::new(-2), I16Le::new(1)]);
        let _: Le<u64> = U64Le::new(1);
    }

    #[test]
    fn naturally_aligned() {
        assert_eq!((size_of::<U16Le>(), align_of::<U16Le>()), (2, 2));
        assert_eq!((size_of::<U32Be>(), align_of::<U32Be>()), (4, 4));
        assert_eq!((size_of::<U64Le>(), align_of::<U64Le>()), (8, 8));
        assert_eq!((size_of::<F64Be>(), align_of::<F64Be>()), (8, 8));
        assert_eq!((size_of::<I16Be>(), align_of::<I16Be>()), (2, 2));
    }

    #[test]
    fn byte_order_in_memory() {
        assert_eq!(U32Le::new(0x0102_0304).to_bytes(), [4, 3, 2, 1]);
        assert_eq!(U32Be::new(0x0102_0304).to_bytes(), [1, 2, 3, 4]);
        assert_eq!(I16Be::new(-2).to_bytes(), [0xff, 0xfe]);
        assert_eq!(F32Le::new(1.0).to_bytes(), 1.0f32.to_le_bytes());
        assert_eq!(F64Be::new(-2.5).to_bytes(), (-2.5f64).to_be_bytes());
    }

    #[test]
    fn round_trips() {
        let mut v = I64Le::new(i64::MIN);
        assert_eq!(v.get(), i64::MIN);
        v.set(-7);
        assert_eq!(i64::from(v), -7);
        assert_eq!(v, -7);
        assert_eq!(F64Be::from(3.25).get(), 3.25);
        assert_eq!(U16Be::from_bytes([0x12, 0x34]).get(), 0x1234);
        assert_eq!(I32Le::from_bytes((-9i32).to_le_bytes()).get(), -9);
        assert_eq!(format!("{:?}", U32Be::new(42)), "42");
        assert_eq!(U32Le::default().get(), 0);
    }

    #[test]
    fn const_construction() {
        const LIMIT: U64Be = U64Be::new(1 << 40);
        static PRICE: F64Le = F64Le::new(-1.5);
        const NEG: I32Le = I32Le::new(-3);
        assert_eq!(LIMIT.get(), 1 << 40);
        assert_eq!(PRICE.get(), -1.5);
        assert_eq!(NEG.get(), -3);
        assert_eq!(LIMIT.to_bytes(), (1u64 << 40).to_be_bytes());
    }

    #[test]
    fn ordering_follows_values_not_bytes() {
        // Stored big-endian bytes of 256 ([1, 0]) compare below 1's ([0, 1]) as bytes; the
        // values must compare the other way.
        assert!(U16Le::new(256) > U16Le::new(1));
        assert!(U16Be::new(256) > U16Be::new(1));
        assert!(I32Be::new(-1) < I32Be::new(0));
        assert!(I64Le::new(5) < 6);
        assert_eq!(U32Be::new(3).max(U32Be::new(9)), U32Be::new(9));
        assert!(F64Le::new(f64::NAN).partial_cmp(&F64Le::new(0.0)).is_none());
        let mut sorted = [U32Le::new(30), U32Le::new(1), U32Le::new(200)];
        sorted.sort();
        assert_eq!(sorted.map(U32Le::get), [1, 30, 200]);
    }

    #[test]
    fn arithmetic_and_assign() {
        let mut a = U32Be::new(40);
        assert_eq!(a + U32Be::new(2), 42);
        assert_eq!(a - 1, 39);
        assert_eq!(a * 3, 120);
        assert_eq!(a / 3, 13);
        assert_eq!(a % 3, 1);
        a += 2;
        a -= U32Be::new(1);
        a *= 2;
        a /= 3;
        a %= 20;
        assert_eq!(a, 7);
        let mut f = F64Le::new(1.5);
        f += 1.0;
        f *= F64Le::new(2.0);
        assert_eq!(f, 5.0);
        assert_eq!(I16Le::new(-4) / 2, -2);
    }

    #[test]
    #[should_panic]
    fn overflow_panics_as_for_the_integer_in_debug() {
        let a = U16Le::new(u16::MAX);
        let _ = core::hint::black_box(a) + 1;
    }

    #[test]
    fn bit_operators() {
        let mut flags = U64Be::new(0b1010);
        assert_eq!(flags & 0b0110, 0b0010);
        assert_eq!(flags | U64Be::new(1), 0b1011);
        assert_eq!(flags ^ 0b1111, 0b0101);
        assert_eq!(flags << 4, 0b1010_0000);
        assert_eq!(flags >> 1, 0b101);
        assert_eq!(!U16Le::new(0), u16::MAX);
        assert_eq!(!I32Be::new(0), -1);
        flags |= 1;
        flags &= U64Be::new(0b1001);
        flags ^= 0b1000;
        flags <<= 2;
        flags >>= U64Be::new(1);
        assert_eq!(flags, 0b10);
    }
}
