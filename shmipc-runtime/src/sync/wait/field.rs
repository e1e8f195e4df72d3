//! [`WaitCell`] as a field of a shared layout: a native struct of its two 32-bit words, accessed
//! only through atomics (so a layout of atomics and wait cells is an `AtomicLayout`).


use super::WaitCell;
use crate::field::byte_order::native;
use crate::field::{AtomicField, Field};
use crate::layout::{AtomicLayout, Endian, FieldLayout, FieldType, Layout, Primitive, SharedLayout};

// SAFETY: two `AtomicU32`s, only ever accessed atomically.
unsafe impl AtomicField for WaitCell {}

/// The layout of a [`WaitCell`] as a field: a native struct of its two 32-bit words.
static WAIT_CELL_LAYOUT: Layout = Layout::__new(
    "WaitCell",
    1,
    Endian::Native,
    8,
    4,
    &[
        FieldLayout::__new(
            "value",
            0,
            4,
            4,
            &FieldType::Primitive(Primitive::AtomicU32),
        ),
        FieldLayout::__new(
            "waiters",
            4,
            4,
            4,
            &FieldType::Primitive(Primitive::AtomicU32),
        ),
    ],
);

// The table above restates `WaitCell`'s layout (its offsets are pinned beside its definition).
const _: () = assert!(size_of::<WaitCell>() == 8 && align_of::<WaitCell>() == 4);

// SAFETY: `WaitCell` is `repr(C)` of two `AtomicU32` at offsets 0 and 4 (pinned by its
// `pin_offsets!`), size 8, align 4, no padding, no Drop, valid for every bit pattern
// (all zero is "value 0, nobody waiting"); `WAIT_CELL_LAYOUT` describes exactly that.
unsafe impl Field for WaitCell {
    const TYPE: &'static FieldType = &FieldType::Struct(&WAIT_CELL_LAYOUT);
    type ByteOrder = native;
    fn only_derive_is_allowed_to_implement_this_trait() {}
}

// SAFETY: as for `Field`.
unsafe impl SharedLayout for WaitCell {
    const LAYOUT: &'static Layout = &WAIT_CELL_LAYOUT;
    const FINGERPRINT: u64 = crate::fingerprint::fingerprint(&WAIT_CELL_LAYOUT);
}

// SAFETY: two atomics.
unsafe impl AtomicLayout for WaitCell {}

