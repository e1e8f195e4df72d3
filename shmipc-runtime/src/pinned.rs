//! `pin_offsets!`: compile-time proof that a shared-memory struct matches its documented table.

/// Asserts at compile time that each field of a `#[repr(C)]` shared-memory struct sits at the
/// offset its documentation gives, and that the struct has the documented size (and, if given,
/// alignment): together they prove there is no padding the table does not show, and a change
/// that moves a byte fails the build, naming the field.
///
/// ```ignore
/// pin_offsets! { SideBlock, size 128:
///     index @ 0, wake @ 8, reserved0 @ 16, state @ 64, reserved1 @ 68, role @ 72, reserved2 @ 88 }
/// pin_offsets! { MutexControl, size 64: lock.word @ 0, lock.owner_ns @ 4, lock.record @ 8 }
/// ```
macro_rules! pin_offsets {
    ($ty:ident, size $size:literal $(, align $align:literal)?:
        $($($field:ident).+ @ $offset:literal),+ $(,)?) => {
        const _: () = {
            $(assert!(
                core::mem::offset_of!($ty, $($field).+) == $offset,
                concat!(stringify!($ty), ".", stringify!($($field).+), " is not at offset ",
                    stringify!($offset), " as documented")
            );)+
            assert!(
                core::mem::size_of::<$ty>() == $size,
                concat!(stringify!($ty), " is not ", stringify!($size), " bytes as documented")
            );
            $(assert!(
                core::mem::align_of::<$ty>() == $align,
                concat!(stringify!($ty), " is not ", stringify!($align), "-aligned as documented")
            );)?
        };
    };
}
pub(crate) use pin_offsets;
