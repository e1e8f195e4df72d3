//! Layout descriptors: what `#[derive(SharedLayout)]` proves about a type, as data.
//!
//! A [`Layout`] is the canonical, self-describing description of a shared type: its stable name,
//! schema version, byte order, size, alignment and field table. Two processes agree on the bytes of
//! a shared value exactly when their layouts are equal, which [`SharedLayout::FINGERPRINT`]
//! summarises in 64 bits.
//!
//! Comparing layouts: a [`LayoutDescription`] is the owned form a segment header records (decoded
//! without the Rust type), and a [`LayoutDiff`] says what differs between two of them.
//!
//! Showing a layout: [`Layout::picture`] draws its byte map, [`Layout::c_header`] writes it as C
//! structs, and [`CanonicalType`] reads a field's type name back (both also for a
//! [`LayoutDescription`] read from a segment).

use core::fmt;

mod c_header;
mod canonical;
mod description;
mod diff;
mod enums;
mod picture;

pub use c_header::c_identifier;
pub use canonical::{CanonicalType, Scalar};
pub use description::{FieldDescription, LayoutDescription};
pub use diff::{FieldDifference, LayoutDiff};
pub use enums::{EnumLayout, Variant};

/// A type whose bytes may be shared between processes.
///
/// Implement it with `#[derive(SharedLayout)]` (re-exported by the `shmipc` crate under the same
/// name), which proves every property listed below at compile time.
///
/// # Safety
///
/// An implementation promises that the type:
///
/// - is `#[repr(C)]` (optionally with `align(N)`), has no implicit padding, and every field sits at
///   a multiple of its alignment, so the same bytes mean the same value in every process built with
///   the same layout;
/// - contains no pointers, references or other process-local values, and is valid for every bit
///   pattern, including all zeroes (a peer may write any bytes);
/// - does not implement `Drop`;
/// - describes itself truthfully in [`Self::LAYOUT`]: its size, alignment, and every field's name,
///   offset, size, alignment and type, in declaration order.
pub unsafe trait SharedLayout: Sized + 'static {
    /// The canonical description of this type's bytes.
    const LAYOUT: &'static Layout;
    /// A 64-bit FNV-1a hash of [`Self::LAYOUT`], computed at compile time.
    ///
    /// It changes when the name, version, byte order, size, alignment or any field's name, offset,
    /// size, alignment or type changes.
    const FINGERPRINT: u64;

    /// The value whose bytes are all zero: valid for every shared layout (a new segment's
    /// payload is exactly this), also where `#[derive(Default)]` is not (`[u8; 252]`).
    /// Example: the derive's documentation in the `shmipc` crate.
    fn zeroed() -> Self {
        // SAFETY: the trait's contract: a shared layout is valid for every bit pattern, so for all
        // zeroes.
        unsafe { core::mem::zeroed() }
    }

    /// The value's bytes, in memory order (for a journal or a socket). Only for `Copy` layouts:
    /// a layout with atomics may change under a shared reference, so it has no byte view.
    /// Example: the derive's documentation in the `shmipc` crate.
    fn as_bytes(&self) -> &[u8]
    where
        Self: Copy,
    {
        // SAFETY: `self` is `size_of::<Self>()` initialised bytes: the trait's contract rules out
        // padding, and a `Copy` type holds no `UnsafeCell`, so nothing changes them while the
        // shared borrow lives.
        unsafe {
            core::slice::from_raw_parts((self as *const Self).cast::<u8>(), size_of::<Self>())
        }
    }

    /// The value's bytes, writable: every byte pattern written through them is a valid value.
    fn as_mut_bytes(&mut self) -> &mut [u8]
    where
        Self: Copy,
    {
        // SAFETY: as in `as_bytes`, and the borrow is exclusive; the trait's contract makes every
        // bit pattern a valid value, so any bytes written leave a valid `Self`.
        unsafe {
            core::slice::from_raw_parts_mut((self as *mut Self).cast::<u8>(), size_of::<Self>())
        }
    }

    /// Reads a value from exactly `size_of::<Self>()` bytes (at any alignment); other lengths are
    /// refused with [`SizeError`]. Named and behaving as zerocopy's `FromBytes::read_from_bytes`;
    /// for a type that derives both, with both traits in scope, call
    /// `<T as SharedLayout>::read_from_bytes`.
    fn read_from_bytes(bytes: &[u8]) -> Result<Self, SizeError>
    where
        Self: Copy,
    {
        if bytes.len() != size_of::<Self>() {
            return Err(SizeError {
                type_name: Self::LAYOUT.name(),
                expected: size_of::<Self>(),
                actual: bytes.len(),
            });
        }
        // SAFETY: `bytes` holds exactly `size_of::<Self>()` readable bytes (checked above);
        // `read_unaligned` needs no alignment; every bit pattern is a valid `Self` (the trait's
        // contract).
        Ok(unsafe { core::ptr::read_unaligned(bytes.as_ptr().cast::<Self>()) })
    }
}

/// [`SharedLayout::read_from_bytes`] was given a number of bytes other than the type's size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{type_name}` is {expected} bytes, but {actual} bytes were given: pass exactly one value's bytes"
)]
pub struct SizeError {
    /// The layout's stable name.
    pub type_name: &'static str,
    /// `size_of` the type.
    pub expected: usize,
    /// The length given.
    pub actual: usize,
}

/// A shared layout made only of atomics and [`WaitCell`](crate::sync::WaitCell)s, so a shared
/// reference into a segment is sound while other processes modify it
/// ([`Segment::shared`](crate::segment::Segment::shared)). `#[derive(SharedLayout)]` implements
/// it for a struct whose every field is spelled as a fixed-width atomic, a `WaitCell`, or an
/// array of these, and proves each field with [`AtomicField`](crate::field::AtomicField).
///
/// # Safety
///
/// As for [`SharedLayout`], and every byte of the type belongs to an atomic integer.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not made only of atomics and wait cells, so no shared reference into a segment may be handed out",
    label = "needs a layout of atomics only",
    note = "copy the value with `Segment::read` and `Segment::write`, protect it with a `SharedMutex` or `SeqLock`, or make every field of `{Self}` an atomic (`AtomicU64`, `[AtomicU32; N]`, ...) or a `WaitCell` in an `endian = \"native\"` layout"
)]
pub unsafe trait AtomicLayout: SharedLayout + Sync {}

/// The byte order a layout declares with `#[shm(endian = "...")]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endian {
    /// Every multi-byte field is stored little-endian, whatever the machine.
    Little,
    /// Every multi-byte field is stored big-endian, whatever the machine.
    Big,
    /// Multi-byte fields use the byte order of the machine that created the segment; a process of
    /// the other byte order is refused when it opens one.
    Native,
}

impl Endian {
    /// The keyword used in `#[shm(endian = "...")]` and in the canonical description.
    pub const fn as_str(self) -> &'static str {
        match self {
            Endian::Little => "little",
            Endian::Big => "big",
            Endian::Native => "native",
        }
    }

    /// The byte order of the machine this code was compiled for (`Little` or `Big`).
    pub const fn host() -> Endian {
        if cfg!(target_endian = "little") {
            Endian::Little
        } else {
            Endian::Big
        }
    }
}

impl fmt::Display for Endian {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Defines [`Primitive`] from the table of `for_each_primitive!`.
macro_rules! define_primitive {
    (
        native { $($nv:ident: $nt:ty = $nn:literal,)* }
        endian { $($et:ident ($($_:tt)*) => $lv:ident = $ln:literal, $bv:ident = $bn:literal;)* }
        atomic { $($av:ident = $an:literal,)* }
    ) => {
        /// A primitive field type, by its canonical name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)] // each variant is named by its canonical spelling
        pub enum Primitive {
            $($nv,)*
            $($lv,)*
            $($bv,)*
            $($av,)*
        }

        impl Primitive {
            /// Every primitive, in a fixed order (the order of the canonical numbering).
            pub const ALL: [Primitive; [$($nn,)* $($ln,)* $($bn,)* $($an,)*].len()] = [
                $(Primitive::$nv,)*
                $(Primitive::$lv,)*
                $(Primitive::$bv,)*
                $(Primitive::$av,)*
            ];

            /// The canonical spelling, as written in layout tables and the lock file (`u32le`,
            /// `atomic_u64`, `f64`).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Primitive::$nv => $nn,)*
                    $(Primitive::$lv => $ln,)*
                    $(Primitive::$bv => $bn,)*
                    $(Primitive::$av => $an,)*
                }
            }

            /// Size in bytes (equal to the alignment: every primitive is naturally aligned).
            pub const fn size(self) -> usize {
                match self {
                    $(Primitive::$nv => size_of::<$nt>(),)*
                    $(Primitive::$lv | Primitive::$bv => size_of::<$et>(),)*
                    $(Primitive::$av => size_of::<$av>(),)*
                }
            }
        }
    };
}

use core::sync::atomic::{
    AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicU8, AtomicU16, AtomicU32, AtomicU64,
};
for_each_primitive!(define_primitive);

impl Primitive {
    /// Parses a canonical spelling back (the inverse of [`Primitive::name`]).
    pub fn from_name(name: &str) -> Option<Primitive> {
        Primitive::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// The type of one field, as recorded in a [`Layout`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// A primitive: an integer, float, endian wrapper or atomic.
    Primitive(Primitive),
    /// A fixed-size array `[elem; len]`.
    Array {
        /// The element type.
        elem: &'static FieldType,
        /// The number of elements.
        len: usize,
    },
    /// A nested `SharedLayout` struct.
    Struct(&'static Layout),
    /// A checked enum (`Tag<E>`, `Bool8`): the raw integer in `storage`, and the variants that
    /// are valid values.
    Tag {
        /// The stored integer type (`u8`, `u16le`, ...).
        storage: Primitive,
        /// The enum's name and variants.
        ty: &'static EnumLayout,
    },
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldType::Primitive(p) => f.write_str(p.name()),
            FieldType::Array { elem, len } => write!(f, "[{elem}; {len}]"),
            FieldType::Struct(layout) => {
                write!(
                    f,
                    "{} v{} #{:016x}",
                    layout.name(),
                    layout.version(),
                    layout.fingerprint()
                )
            }
            FieldType::Tag { storage, ty } => enums::write_enum_type(f, ty, storage.name()),
        }
    }
}

/// One row of a layout's field table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldLayout {
    name: &'static str,
    offset: usize,
    size: usize,
    align: usize,
    ty: &'static FieldType,
}

impl FieldLayout {
    /// Used by the derive; the values must describe the field truthfully (see [`SharedLayout`]).
    #[doc(hidden)]
    pub const fn __new(
        name: &'static str,
        offset: usize,
        size: usize,
        align: usize,
        ty: &'static FieldType,
    ) -> Self {
        FieldLayout {
            name,
            offset,
            size,
            align,
            ty,
        }
    }

    /// The field's name (`"0"`, `"1"`, … for tuple structs).
    pub const fn name(&self) -> &'static str {
        self.name
    }
    /// Byte offset from the start of the struct.
    pub const fn offset(&self) -> usize {
        self.offset
    }
    /// Size in bytes.
    pub const fn size(&self) -> usize {
        self.size
    }
    /// Alignment in bytes.
    pub const fn align(&self) -> usize {
        self.align
    }
    /// The field's canonical type.
    pub const fn ty(&self) -> &'static FieldType {
        self.ty
    }
}

/// The canonical description of a shared type, produced by `#[derive(SharedLayout)]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    name: &'static str,
    version: u32,
    endian: Endian,
    size: usize,
    align: usize,
    fields: &'static [FieldLayout],
}

impl Layout {
    /// Used by the derive; the values must describe the type truthfully (see [`SharedLayout`]).
    #[doc(hidden)]
    pub const fn __new(
        name: &'static str,
        version: u32,
        endian: Endian,
        size: usize,
        align: usize,
        fields: &'static [FieldLayout],
    ) -> Self {
        Layout {
            name,
            version,
            endian,
            size,
            align,
            fields,
        }
    }

    /// The stable type name (`#[shm(name = "...")]`, by default the bare struct name).
    pub const fn name(&self) -> &'static str {
        self.name
    }
    /// The schema version (`#[shm(version = N)]`, by default 1).
    pub const fn version(&self) -> u32 {
        self.version
    }
    /// The declared byte order.
    pub const fn endian(&self) -> Endian {
        self.endian
    }
    /// `size_of` the type.
    pub const fn size(&self) -> usize {
        self.size
    }
    /// `align_of` the type.
    pub const fn align(&self) -> usize {
        self.align
    }
    /// The field table, in declaration (and offset) order.
    pub const fn fields(&self) -> &'static [FieldLayout] {
        self.fields
    }
    /// The 64-bit fingerprint of this description (equal to `T::FINGERPRINT`).
    pub const fn fingerprint(&self) -> u64 {
        crate::fingerprint::fingerprint(self)
    }
}

impl fmt::Display for Layout {
    /// A human-readable table: one header line, then one line per field.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = TableHead {
            name: self.name,
            version: self.version,
            endian: self.endian,
            size: self.size as u64,
            align: self.align as u64,
            fingerprint: self.fingerprint(),
        };
        let rows = self.fields.iter().map(|field| TableRow {
            offset: field.offset as u64,
            size: field.size as u64,
            align: field.align as u64,
            name: field.name,
            ty: field.ty,
        });
        write_table(f, &head, rows)
    }
}

/// The first line of a layout table.
pub(crate) struct TableHead<'a> {
    pub(crate) name: &'a str,
    pub(crate) version: u32,
    pub(crate) endian: Endian,
    pub(crate) size: u64,
    pub(crate) align: u64,
    pub(crate) fingerprint: u64,
}

/// One field's line of a layout table.
pub(crate) struct TableRow<'a, T> {
    pub(crate) offset: u64,
    pub(crate) size: u64,
    pub(crate) align: u64,
    pub(crate) name: &'a str,
    pub(crate) ty: T,
}

/// The one layout table format, shared by [`Layout`] and
/// [`LayoutDescription`] (`schemas/layouts.lock` depends on
/// both printing the same table).
pub(crate) fn write_table<'a, T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    head: &TableHead<'_>,
    rows: impl Iterator<Item = TableRow<'a, T>>,
) -> fmt::Result {
    writeln!(
        f,
        "{} v{} endian={} size={} align={} fingerprint={:016x}",
        head.name, head.version, head.endian, head.size, head.align, head.fingerprint
    )?;
    for row in rows {
        writeln!(
            f,
            "  {:>4} {:>4} {:>3}  {}: {}",
            row.offset, row.size, row.align, row.name, row.ty
        )?;
    }
    Ok(())
}
