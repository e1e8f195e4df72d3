//! `SegmentReader<T>`: a read-only handle on a value segment.

use super::builder::{Builder, SharedPrimitive};
use super::error::Error;
use super::raw::RawSegment;
use super::spec::SegmentSpec;
use super::typed::Segment;
use crate::layout::SharedLayout;
use crate::sys::process::ProcessIdentity;

/// A read-only handle on a [`Segment<T>`](Segment) another process created.
///
/// [`open`](Self::open) opens the object with `O_RDONLY` and maps it with `PROT_READ`, so the
/// reader needs only read permission (the creator can grant it with `mode(0o644)`, or `0o640`
/// and a group) and no code in this process can change the value. The type has no method that
/// writes: a read-only handle cannot even try, from safe code. Reads copy the value as
/// [`Segment::read`] does (not synchronized with a writer: use a seqlock's
/// [`SeqLockReader`](crate::sync::SeqLockReader) for consistent snapshots).
///
/// ```
/// use shmipc::prelude::*;
/// use shmipc::{Segment, SegmentReader};
///
/// #[derive(SharedLayout, Clone, Copy)]
/// #[repr(C)]
/// #[shm(endian = "little")]
/// struct Limits { max_qty: U32Le, max_orders: U32Le }
///
/// # let name = format!("/shmipc-test-doc-srd-{}", std::process::id());
/// let limits = Segment::<Limits>::builder(&name).mode(0o644).create()?;
/// limits.write(&Limits { max_qty: 500.into(), max_orders: 20.into() });
///
/// // `mode`: the widest mode this opener accepts (0600 by default).
/// let reader = SegmentReader::<Limits>::builder(&name).mode(0o644).open()?;
/// assert!(reader.raw().is_read_only());
/// assert_eq!(reader.read().max_qty.get(), 500);
/// # Ok::<(), shmipc::Error>(())
/// ```
pub struct SegmentReader<T: SharedLayout> {
    /// The segment, of which only the methods that never write are offered.
    inner: Segment<T>,
}

impl<T: SharedLayout> SegmentReader<T> {
    /// Opens the value segment `name` read-only and checks that it holds a `T` of this build's
    /// layout.
    pub fn open(name: &str) -> Result<Self, Error> {
        Self::builder(name).open()
    }

    /// Options for opening `name` as a reader (owner, mode, open timeout, waiting for creation);
    /// read-only unless [`read_only(false)`](Builder::read_only). Creating through it fails:
    /// create a [`Segment`].
    pub fn builder(name: &str) -> Builder<Self> {
        Builder::new(name).read_only(true)
    }

    /// A copy of the value (see [`Segment::read`]).
    pub fn read(&self) -> T
    where
        T: Copy,
    {
        self.inner.read()
    }

    /// Whether another process truncated the segment while it was mapped (see
    /// [`RawSegment::is_broken`]): [`read`](Self::read) then returns zeros.
    pub fn is_broken(&self) -> bool {
        self.inner.is_broken()
    }

    /// The segment's name, with its leading slash.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The process that created the segment.
    pub fn creator(&self) -> ProcessIdentity {
        self.inner.creator()
    }

    /// The untyped segment underneath.
    pub fn raw(&self) -> &RawSegment {
        self.inner.raw()
    }
}

impl<T: SharedLayout> SharedPrimitive for SegmentReader<T> {
    type Config = ();

    fn spec(config: &()) -> Result<SegmentSpec, String> {
        Segment::<T>::spec(config)
    }

    fn from_segment(raw: RawSegment, config: ()) -> Result<Self, Error> {
        Segment::from_segment(raw, config).map(|inner| SegmentReader { inner })
    }

    const OPENS_READ_ONLY: bool = true;
}

impl<T: SharedLayout> core::fmt::Debug for SegmentReader<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("SegmentReader").field(&self.inner).finish()
    }
}
