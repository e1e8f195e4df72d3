//! Integers and floats with an explicit byte order: [`Le<T>`] and [`Be<T>`].
//!
//! Unlike zerocopy's byte-order types (alignment 1), these are naturally aligned: `Le<u64>` has
//! size 8 and alignment 8 on every target, so a struct of them has the layout a C compiler gives
//! the same struct of `uint64_t`, and fields never straddle a cache line by accident.
//!
//! ```
//! use shmipc_runtime::endian::{U32Le, U32Be};
//! let le = U32Le::new(0x0102_0304);
//! let be = U32Be::new(0x0102_0304);
//! assert_eq!(le.get(), be.get());
//! assert_eq!(le.to_bytes(), [4, 3, 2, 1]);
//! assert_eq!(be.to_bytes(), [1, 2, 3, 4]);
//! ```

use core::convert::identity;
use core::fmt;
use core::hash::{Hash, Hasher};

use crate::layout::Primitive;

mod sealed {
    pub trait Sealed {}
}

/// A zero-sized type whose only purpose is its alignment.
#[doc(hidden)]
#[derive(Clone, Copy, Default)]
#[repr(C, align(2))]
pub struct Align2;
/// A zero-sized type whose only purpose is its alignment.
#[doc(hidden)]
#[derive(Clone, Copy, Default)]
#[repr(C, align(4))]
pub struct Align4;
/// A zero-sized type whose only purpose is its alignment.
#[doc(hidden)]
#[derive(Clone, Copy, Default)]
#[repr(C, align(8))]
pub struct Align8;

/// A value type that [`Le`] and [`Be`] can hold: `u16`, `u32`, `u64`, `i16`, `i32`, `i64`, `f32`,
/// `f64`. Sealed.
pub trait EndianScalar: sealed::Sealed + Copy + PartialEq + fmt::Debug + 'static {
    /// The unsigned integer with the same bits.
    #[doc(hidden)]
    type Bits: Copy + Eq + Hash + Default + 'static;
    /// A zero-sized type with alignment equal to the size.
    #[doc(hidden)]
    type Align: Copy + Default + 'static;
    /// Canonical primitive of `Le<Self>`.
    #[doc(hidden)]
    const LE: Primitive;
    /// Canonical primitive of `Be<Self>`.
    #[doc(hidden)]
    const BE: Primitive;
    #[doc(hidden)]
    fn to_le_bits(self) -> Self::Bits;
    #[doc(hidden)]
    fn from_le_bits(bits: Self::Bits) -> Self;
    #[doc(hidden)]
    fn to_be_bits(self) -> Self::Bits;
    #[doc(hidden)]
    fn from_be_bits(bits: Self::Bits) -> Self;
    /// The stored bytes: `[u8; size_of::<Self>()]`.
    type Bytes: Copy + AsRef<[u8]> + fmt::Debug + PartialEq + 'static;
    #[doc(hidden)]
    fn bits_to_ne_bytes(bits: Self::Bits) -> Self::Bytes;
    #[doc(hidden)]
    fn bits_from_ne_bytes(bytes: Self::Bytes) -> Self::Bits;
}

/// Implements [`EndianScalar`] for the `endian` group of `for_each_primitive!`: `$raw` turns a
/// value into its unsigned bits, `$cook` back; and defines the aliases (`U32Le`, `F64Be`, ...).
macro_rules! scalar {
    (
        native { $($native:tt)* }
        endian { $($t:ident ($bits:ty, $align:ty, $raw:expr, $cook:expr) => $le:ident = $ln:literal, $be:ident = $bn:literal;)* }
        atomic { $($atomic:tt)* }
    ) => {$(
        impl sealed::Sealed for $t {}
        impl EndianScalar for $t {
            type Bits = $bits;
            type Align = $align;
            type Bytes = [u8; core::mem::size_of::<$t>()];
            const LE: Primitive = Primitive::$le;
            const BE: Primitive = Primitive::$be;
            #[inline(always)]
            fn to_le_bits(self) -> $bits { ($raw)(self).to_le() }
            #[inline(always)]
            fn from_le_bits(bits: $bits) -> Self { ($cook)(<$bits>::from_le(bits)) }
            #[inline(always)]
            fn to_be_bits(self) -> $bits { ($raw)(self).to_be() }
            #[inline(always)]
            fn from_be_bits(bits: $bits) -> Self { ($cook)(<$bits>::from_be(bits)) }
            fn bits_to_ne_bytes(bits: $bits) -> Self::Bytes {
                bits.to_ne_bytes()
            }
            fn bits_from_ne_bytes(bytes: Self::Bytes) -> $bits {
                <$bits>::from_ne_bytes(bytes)
            }
        }

        impl Le<$t> {
            #[doc = concat!("Stores `value` little-endian; `const`, so `static`s and `const`s can hold one.")]
            #[inline(always)]
            pub const fn new(value: $t) -> Self {
                Le { bits: ($raw)(value).to_le(), _align: [] }
            }
            /// The value, converted to the machine's byte order.
            #[inline(always)]
            pub const fn get(self) -> $t {
                ($cook)(<$bits>::from_le(self.bits))
            }
        }
        impl Be<$t> {
            #[doc = concat!("Stores `value` big-endian; `const`, so `static`s and `const`s can hold one.")]
            #[inline(always)]
            pub const fn new(value: $t) -> Self {
                Be { bits: ($raw)(value).to_be(), _align: [] }
            }
            /// The value, converted to the machine's byte order.
            #[inline(always)]
            pub const fn get(self) -> $t {
                ($cook)(<$bits>::from_be(self.bits))
            }
        }

        impl From<Le<$t>> for $t {
            fn from(value: Le<$t>) -> $t {
                value.get()
            }
        }
        impl From<Be<$t>> for $t {
            fn from(value: Be<$t>) -> $t {
                value.get()
            }
        }

        #[doc = concat!("`", stringify!($t), "` stored little-endian.")]
        pub type $le = Le<$t>;
        #[doc = concat!("`", stringify!($t), "` stored big-endian.")]
        pub type $be = Be<$t>;
    )*};
}

for_each_primitive!(scalar);

/// Implements `$trait` (and `$assign`) for `$w<$t>` with `$w<$t>` or `$t` on the right, by
/// converting, applying the operator of `$t` (so overflow behaves as for `$t`) and storing back.
macro_rules! binary_op {
    ($w:ident, $t:ty, $trait:ident, $method:ident, $assign:ident, $assign_method:ident, $op:tt) => {
        impl core::ops::$trait for $w<$t> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, rhs: Self) -> Self {
                Self::new(self.get() $op rhs.get())
            }
        }
        impl core::ops::$trait<$t> for $w<$t> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, rhs: $t) -> Self {
                Self::new(self.get() $op rhs)
            }
        }
        impl core::ops::$assign for $w<$t> {
            #[inline(always)]
            fn $assign_method(&mut self, rhs: Self) {
                *self = *self $op rhs;
            }
        }
        impl core::ops::$assign<$t> for $w<$t> {
            #[inline(always)]
            fn $assign_method(&mut self, rhs: $t) {
                *self = *self $op rhs;
            }
        }
    };
}

/// The arithmetic operators, for integers and floats.
macro_rules! arithmetic {
    ($($t:ty),*) => {$(
        arithmetic!(@ Le, $t);
        arithmetic!(@ Be, $t);
    )*};
    (@ $w:ident, $t:ty) => {
        binary_op!($w, $t, Add, add, AddAssign, add_assign, +);
        binary_op!($w, $t, Sub, sub, SubAssign, sub_assign, -);
        binary_op!($w, $t, Mul, mul, MulAssign, mul_assign, *);
        binary_op!($w, $t, Div, div, DivAssign, div_assign, /);
        binary_op!($w, $t, Rem, rem, RemAssign, rem_assign, %);
    };
}

/// The bit and shift operators and `Not`, for integers (a shift takes the same type on the
/// right, as zerocopy's byte-order types do).
macro_rules! bitwise {
    ($($t:ty),*) => {$(
        bitwise!(@ Le, $t);
        bitwise!(@ Be, $t);
    )*};
    (@ $w:ident, $t:ty) => {
        binary_op!($w, $t, BitAnd, bitand, BitAndAssign, bitand_assign, &);
        binary_op!($w, $t, BitOr, bitor, BitOrAssign, bitor_assign, |);
        binary_op!($w, $t, BitXor, bitxor, BitXorAssign, bitxor_assign, ^);
        binary_op!($w, $t, Shl, shl, ShlAssign, shl_assign, <<);
        binary_op!($w, $t, Shr, shr, ShrAssign, shr_assign, >>);
        impl core::ops::Not for $w<$t> {
            type Output = Self;
            #[inline(always)]
            fn not(self) -> Self {
                Self::new(!self.get())
            }
        }
    };
}

macro_rules! endian_type {
    ($name:ident, $order:literal, $to:ident, $from:ident) => {
        #[doc = concat!("A `T` stored ", $order, "-endian, naturally aligned (size = align = `size_of::<T>()`).")]
        ///
        /// Reading and writing convert with one byte swap at most (none on a machine of that order).
        #[repr(C)]
        pub struct $name<T: EndianScalar> {
            bits: T::Bits,
            _align: [T::Align; 0],
        }

        impl<T: EndianScalar> $name<T> {
            /// The value, converted to the machine's byte order (generic form of `get`).
            #[inline(always)]
            fn value(self) -> T {
                T::$from(self.bits)
            }

            /// Replaces the value.
            #[inline(always)]
            pub fn set(&mut self, value: T) {
                *self = value.into();
            }

            /// The stored bytes, in memory order.
            pub fn to_bytes(self) -> T::Bytes {
                T::bits_to_ne_bytes(self.bits)
            }

            /// The value whose stored bytes, in memory order, are `bytes`.
            pub fn from_bytes(bytes: T::Bytes) -> Self {
                $name {
                    bits: T::bits_from_ne_bytes(bytes),
                    _align: [],
                }
            }
        }

        impl<T: EndianScalar> Clone for $name<T> {
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<T: EndianScalar> Copy for $name<T> {}

        impl<T: EndianScalar> Default for $name<T> {
            /// The zero value (all bytes zero).
            fn default() -> Self {
                $name {
                    bits: T::Bits::default(),
                    _align: [],
                }
            }
        }

        impl<T: EndianScalar> From<T> for $name<T> {
            fn from(value: T) -> Self {
                $name {
                    bits: value.$to(),
                    _align: [],
                }
            }
        }

        impl<T: EndianScalar> fmt::Debug for $name<T> {
            /// Formats the value, not the stored bytes.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.value(), f)
            }
        }

        impl<T: EndianScalar + fmt::Display> fmt::Display for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.value(), f)
            }
        }

        impl<T: EndianScalar> PartialEq for $name<T> {
            /// Compares values (so `NaN != NaN`, and `0.0 == -0.0`, as for `T`).
            fn eq(&self, other: &Self) -> bool {
                self.value() == other.value()
            }
        }

        impl<T: EndianScalar> PartialEq<T> for $name<T> {
            fn eq(&self, other: &T) -> bool {
                self.value() == *other
            }
        }

        impl<T: EndianScalar + Eq> Eq for $name<T> {}

        impl<T: EndianScalar + Eq + Hash> Hash for $name<T> {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.value().hash(state)
            }
        }

        impl<T: EndianScalar + PartialOrd> PartialOrd for $name<T> {
            /// Compares values, as `T` does.
            fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
                self.value().partial_cmp(&other.value())
            }
        }

        impl<T: EndianScalar + PartialOrd> PartialOrd<T> for $name<T> {
            fn partial_cmp(&self, other: &T) -> Option<core::cmp::Ordering> {
                self.value().partial_cmp(other)
            }
        }

        impl<T: EndianScalar + Ord> Ord for $name<T> {
            fn cmp(&self, other: &Self) -> core::cmp::Ordering {
                self.value().cmp(&other.value())
            }
        }
    };
}

endian_type!(Le, "little", to_le_bits, from_le_bits);
endian_type!(Be, "big", to_be_bits, from_be_bits);
arithmetic!(u16, u32, u64, i16, i32, i64, f32, f64);
bitwise!(u16, u32, u64, i16, i32, i64);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, size_of};

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
