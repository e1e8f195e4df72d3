//! `Segment<T>`: one value of a shared type in a named segment.

use core::marker::PhantomData;
use core::mem::{MaybeUninit, size_of};
use core::ptr::NonNull;

use super::builder::{Builder, SharedPrimitive, primitive_shortcuts};
use super::error::Error;
use super::kind::SegmentKind;
use super::raw::RawSegment;
use super::shared::{copy_from_shared, copy_to_shared};
use crate::layout::{AtomicLayout, SharedLayout};
use crate::sys::process::ProcessIdentity;

/// A named shared-memory segment holding one `T`, created zeroed.
///
/// Another process opens it with the same name and type; the open fails, naming the first field
/// that differs, unless both were built from the same layout.
///
/// There is no synchronization: [`Segment::read`] and [`Segment::write`] copy the value byte by
/// byte, so a read that overlaps a write in another process can see a torn value (part old, part
/// new), though never an invalid one (every bit pattern of a `SharedLayout` type is valid). Use the
/// shared mutex or seqlock for consistent snapshots, or atomics in `T`.
///
/// A process that only reads opens a [`SegmentReader`](super::SegmentReader) instead: it maps
/// the segment read-only and has no method that writes. `Segment::builder(..).read_only(true)`
/// is refused, since `write` would fault on such a mapping.
///
/// ```
/// use shmipc::prelude::*;
/// use shmipc::{Segment, SegmentReader};
///
/// #[derive(SharedLayout, Clone, Copy, Debug, PartialEq)]
/// #[repr(C)]
/// #[shm(endian = "little")]
/// struct Config { rate_hz: U32Le, level: U32Le }
///
/// # let name = format!("/shmipc-test-doc-seg-{}", std::process::id());
/// let config = Segment::<Config>::create(&name)?; // zeroed
/// config.write(&Config { rate_hz: 100.into(), level: 3.into() });
///
/// // Another process opens it by name (a thread stands in for it here), read-only.
/// let name2 = name.clone();
/// std::thread::spawn(move || {
///     let reader = SegmentReader::<Config>::open(&name2).unwrap();
///     assert_eq!(reader.read().rate_hz.get(), 100);
/// })
/// .join()
/// .unwrap();
/// # Ok::<(), shmipc::Error>(())
/// ```
pub struct Segment<T: SharedLayout> {
    raw: RawSegment,
    _type: PhantomData<fn() -> T>,
}

impl<T: SharedLayout> Segment<T> {
    primitive_shortcuts! {
        /// Creates the segment `name` holding a zeroed `T`, with the default options (mode 0600,
        /// fails if the name exists, unlinked when this handle drops).
        create;
        /// Opens the segment `name` and checks that it holds a `T` of this build's layout.
        open;
        /// Options for creating or opening `name`: mode, replacing a dead creator's segment,
        /// persisting after drop, open timeout.
        builder;
    }

    /// Removes the name `name` (see [`RawSegment::unlink`]).
    pub fn unlink(name: &str) -> Result<(), Error> {
        RawSegment::unlink(name)
    }

    /// A copy of the value. A concurrent write by another process may tear it (see the type's
    /// documentation). All zeros once the segment [`is_broken`](Segment::is_broken).
    pub fn read(&self) -> T
    where
        T: Copy,
    {
        // Zeroed, not uninit: a `&mut [u8]` must cover initialized bytes.
        let mut value = MaybeUninit::<T>::zeroed();
        // SAFETY: `value` is a local of `size_of::<T>()` bytes, all initialized (zeroed), and no
        // other reference to it exists while `bytes` lives.
        let bytes = unsafe {
            core::slice::from_raw_parts_mut(value.as_mut_ptr().cast::<u8>(), size_of::<T>())
        };
        // SAFETY: the payload holds `size_of::<T>()` mapped, readable bytes (checked at
        // create/open), and this crate accesses payload bytes of a `Segment` only through
        // byte-wise atomic copies (raw access is `unsafe`); a load works on a read-only mapping.
        unsafe { copy_from_shared(self.raw.payload().as_ptr(), bytes) };
        // SAFETY: every byte was written, and `T: SharedLayout` is valid for every bit pattern.
        unsafe { value.assume_init() }
    }

    /// Overwrites the value. Not synchronized: a concurrent reader in another process may see
    /// part of the old and part of the new value. Once the segment
    /// [`is_broken`](Segment::is_broken) the value reaches no other process.
    pub fn write(&self, value: &T)
    where
        T: Copy,
    {
        // SAFETY: `T: SharedLayout` has no padding, so all `size_of::<T>()` bytes of `value` are
        // initialized.
        let bytes = unsafe {
            core::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>())
        };
        // SAFETY: the payload holds `size_of::<T>()` mapped bytes, accessed by this crate only
        // through byte-wise atomic copies.
        unsafe { copy_to_shared(bytes, self.raw.payload().as_ptr()) };
    }

    /// A pointer to the shared value (aligned for `T`). Reading or writing through it races with
    /// other processes; see [`Segment::get`].
    pub fn as_ptr(&self) -> NonNull<T> {
        self.raw.payload().cast()
    }

    /// A shared reference to the value.
    ///
    /// # Safety
    ///
    /// While the reference lives, no process may write the value's non-atomic bytes (atomic
    /// fields such as `AtomicU64` may be updated concurrently through atomics). A type whose
    /// fields are all atomics, like a control block, can be used this way freely.
    pub unsafe fn get(&self) -> &T {
        // SAFETY: aligned, in bounds and initialized (every bit pattern is a valid `T`); the
        // caller rules out concurrent non-atomic writes.
        unsafe { self.as_ptr().as_ref() }
    }

    /// A shared reference to a value made only of atomics and wait cells (a control block,
    /// counters, flags): sound while other processes modify it, since every access is atomic.
    ///
    /// # Panics
    ///
    /// If the segment was opened read-only: a store through the reference would fault.
    pub fn shared(&self) -> &T
    where
        T: AtomicLayout,
    {
        assert!(
            !self.raw.is_read_only(),
            "Segment::shared() on a read-only segment: open it writable"
        );
        // SAFETY: aligned, in bounds and initialized (every bit pattern is a valid `T`), living
        // as long as `self`; `T: AtomicLayout` means every byte is accessed only atomically, by
        // this and (per the layout both agree on) every other process, and the mapping is
        // writable (asserted), so any access the reference allows is sound.
        unsafe { self.as_ptr().as_ref() }
    }

    /// An exclusive reference to the value.
    ///
    /// # Safety
    ///
    /// While the reference lives, no other process or handle may read or write the value.
    pub unsafe fn get_mut(&mut self) -> &mut T {
        // SAFETY: aligned, in bounds and initialized; the caller guarantees exclusivity.
        unsafe { self.as_ptr().as_mut() }
    }

    /// Whether another process truncated the segment while it was mapped (see
    /// [`RawSegment::is_broken`]): [`Segment::read`] then returns zeros, and
    /// [`Segment::write`]s reach no other process.
    pub fn is_broken(&self) -> bool {
        self.raw.is_broken()
    }

    /// The segment's name, with its leading slash.
    pub fn name(&self) -> &str {
        self.raw.name()
    }

    /// Whether this handle created the segment.
    pub fn is_creator(&self) -> bool {
        self.raw.is_creator()
    }

    /// The process that created the segment.
    pub fn creator(&self) -> ProcessIdentity {
        self.raw.creator()
    }

    /// Whether the creating process still runs.
    pub fn creator_alive(&self) -> bool {
        self.raw.creator_alive()
    }

    /// The untyped segment underneath.
    pub fn raw(&self) -> &RawSegment {
        &self.raw
    }
}

/// Options for [`Segment::create`] and [`Segment::open`]; made by [`Segment::builder`].
pub type SegmentBuilder<T> = Builder<Segment<T>>;

impl<T: SharedLayout> SharedPrimitive for Segment<T> {
    super::fixed_spec!(SegmentKind::Value, size_of::<T>());

    fn from_segment(raw: RawSegment, _: ()) -> Result<Self, Error> {
        Ok(Segment {
            raw,
            _type: PhantomData,
        })
    }
}

impl<T: SharedLayout> core::fmt::Debug for Segment<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Segment")
            .field("type", &T::LAYOUT.name())
            .field("raw", &self.raw)
            .finish()
    }
}
