//! [`SpscRing`]: the segment, its geometry, and the two roles.

use core::marker::PhantomData;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::mapped::RingMap;
use super::config::{RingConfig, ring_debug, ring_shortcuts};
use super::consumer::Consumer;
use super::control::{
    CONTROL_LEN, FORMAT, Geometry, RingGeometry, STATE_ATTACHED, SideBlock, SpscControl, ring_spec,
};
use super::producer::Producer;
use super::spsc_protocol::Stamps;
use super::wait::WaitStrategy;
use crate::SharedLayout;
use crate::segment::{Error, RawSegment, SegmentKind, SegmentSpec, SharedPrimitive};
use crate::segment::ControlBlock;
use crate::sync::{RoleHolder, atomic_copy};

/// Settings of an [`SpscRing`] beyond the segment options (the name it had before the rings
/// shared [`RingConfig`]).
pub type SpscConfig = RingConfig;

/// Where a ring's control block (`C`: the SPSC ring's, or the broadcast ring's) and slots are in
/// this process: copied into each handle, so the hot paths compute a slot's address without calls
/// or indirections.
pub(crate) struct Slots<C = SpscControl> {
    control: NonNull<C>,
    /// Slot 0.
    base: NonNull<u8>,
    stride: usize,
    value_offset: usize,
    /// `capacity - 1`.
    mask: usize,
}

impl<C> Clone for Slots<C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Slots<C> {}

impl<C> core::fmt::Debug for Slots<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Slots")
            .field("base", &self.base)
            .field("stride", &self.stride)
            .field("capacity", &(self.mask + 1))
            .finish()
    }
}

impl<C: ControlBlock> Slots<C> {
    /// Where the control block `C` and the `capacity` slots of `geo` are in `segment`'s payload
    /// (which may be read-only: then only load through it).
    pub(crate) fn new(segment: &RawSegment, capacity: usize, geo: Geometry) -> Slots<C> {
        // SAFETY: the payload is `slots_offset + capacity * stride` bytes (its length gave the
        // capacity), so slot 0 is in bounds.
        let base = unsafe { segment.payload().add(geo.slots_offset) };
        // SAFETY: `Slots` stores through the block only in handles that hold a writable
        // segment (both SPSC ends; the broadcast publisher, which refuses a read-only ring); on a
        // read-only segment (a broadcast subscriber's) every access through it is a load.
        let control = unsafe { segment.control_read_only::<C>() };
        Slots {
            control: NonNull::from(control),
            base,
            stride: geo.stride,
            value_offset: geo.value_offset,
            mask: capacity - 1,
        }
    }

    /// The control block.
    #[inline]
    pub(crate) fn control(&self) -> &C {
        // SAFETY: `control` points at the payload's start, checked by `RawSegment::control` when
        // this was made; the mapping lives as long as the `Inner` every holder of a `Slots` keeps
        // in an `Arc`, and the block is made of atomics (see `ControlBlock`).
        unsafe { self.control.as_ref() }
    }

}

impl<C> Slots<C> {
    /// The start of slot `slot` (masked again: any value lands in bounds).
    #[inline]
    fn slot_ptr(&self, slot: usize) -> *mut u8 {
        // SAFETY: `slot & mask < capacity`, and the payload holds `slots_offset + capacity *
        // stride` bytes (its length gave the capacity), so the slot is in bounds of the mapping.
        unsafe { self.base.as_ptr().add((slot & self.mask) * self.stride) }
    }

    /// The value of slot `slot`: aligned for `T`, `size_of::<T>()` bytes, 8-aligned.
    #[inline]
    pub(crate) fn value_ptr(&self, slot: usize) -> *mut u8 {
        // SAFETY: the value lies inside the slot (`value_offset + size <= stride`).
        unsafe { self.slot_ptr(slot).add(self.value_offset) }
    }
}

impl<C> Slots<C> {
    /// Copies `size_of::<T>()` bytes from `value` into the value of slot `slot`.
    ///
    /// # Safety
    ///
    /// The protocol lets this process write the slot now (correct peers do not write it, and
    /// they read it only through [`load_value`](Self::load_value) or `atomic_copy`); `value` is
    /// readable for `size_of::<T>()` bytes and not written meanwhile.
    #[inline]
    pub(crate) unsafe fn store_value<T>(&self, slot: usize, value: *const T) {
        let dst = self.value_ptr(slot);
        // SAFETY: `dst` is the 8-aligned value of a slot, `size_of::<T>()` bytes in bounds
        // (`value_ptr`); every process accesses slot bytes through `atomic_copy`; the caller
        // vouches for `value`.
        unsafe { atomic_copy::store(dst, value.cast::<u8>(), size_of::<T>()) };
    }

    /// Copies the value of slot `slot` into `dst` (`size_of::<T>()` bytes), with relaxed atomic
    /// loads: a concurrent writer makes it garbage, never undefined behaviour.
    ///
    /// # Safety
    ///
    /// `dst` is writable for `size_of::<T>()` bytes and not accessed meanwhile.
    #[inline]
    pub(crate) unsafe fn load_value<T>(&self, slot: usize, dst: *mut T) {
        let src = self.value_ptr(slot);
        // SAFETY: `src` is the 8-aligned value of a slot in bounds (`value_ptr`); every process
        // accesses slot bytes through `atomic_copy`, so even a hostile writer is no data race
        // (only garbage); the caller vouches for `dst`.
        unsafe { atomic_copy::load(dst.cast::<u8>(), src, size_of::<T>()) };
    }
}

impl<C> Stamps for Slots<C> {
    #[inline]
    fn stamp(&self, slot: usize) -> &AtomicU64 {
        // SAFETY: the stamp is the first 8 bytes of the slot, 8-aligned (payload 64-aligned,
        // slots offset and stride multiples of 8), in bounds, and every process accesses it only
        // as a 64-bit atomic; the mapping lives as long as `self` is used (see `control`).
        unsafe { AtomicU64::from_ptr(self.slot_ptr(slot).cast::<u64>()) }
    }
}

/// The mapping, shared by the ring and its handles (which keep it alive).
pub(crate) type Inner = RingMap<SpscControl>;

impl<T: SharedLayout> RingGeometry for SpscRing<T> {
    const GEOMETRY: Geometry = Geometry::new(size_of::<T>(), align_of::<T>());
}

impl<T: SharedLayout> SharedPrimitive for SpscRing<T> {
    type Config = RingConfig;

    fn spec(config: &RingConfig) -> Result<SegmentSpec, String> {
        ring_spec::<Self>(SegmentKind::SpscRing, T::LAYOUT, config.capacity)
    }

    fn from_segment(segment: RawSegment, config: RingConfig) -> Result<Self, Error> {
        let geo = Self::GEOMETRY;
        let capacity = geo.segment_capacity(&segment)?;
        let inner = Inner::new(segment, capacity, geo);
        if inner.segment.is_creator() {
            inner.control().info.record(capacity, FORMAT, &geo);
        }
        Ok(SpscRing {
            inner: Arc::new(inner),
            wait: config.wait,
            _type: PhantomData,
        })
    }
}

/// A typed single-producer, single-consumer ring between processes: lock-free, bounded, in one
/// named shared-memory segment.
///
/// The segment's header records kind `SpscRing`, `T`'s layout and (through the payload length)
/// the capacity, so a ring of another type or capacity is refused on open. Messages move through
/// [`Producer`] and [`Consumer`] handles, one of each at a time across all processes: the
/// role of a process that died is taken over by the next claimant, so a restarted consumer
/// continues with the first message its predecessor had not released.
///
/// `T` need not be `Copy`: a `SharedLayout` type has no `Drop` and is valid for every bit
/// pattern, so moving its bytes in and out of a slot is a move. The calls that copy from a
/// reference ([`Producer::push_ref`], [`Producer::push_slice`]) require `Copy`, which rules out
/// atomic fields that another thread could change while the bytes are copied.
///
/// The layout of the control block and the slots is documented byte by byte in
/// `docs/spsc-ring.md`.
///
/// # Example
///
/// ```
/// # use shmipc_runtime::ring::SpscRing;
/// # use shmipc_runtime::{Endian, FieldLayout, FieldType, Layout, Primitive, SharedLayout};
/// # #[derive(Clone, Copy, Debug, PartialEq)]
/// # #[repr(C)]
/// # struct Tick { seq: u64 }
/// # static U64: FieldType = FieldType::Primitive(Primitive::U64);
/// # static FIELDS: [FieldLayout; 1] = [FieldLayout::__new("seq", 0, 8, 8, &U64)];
/// # static LAYOUT: Layout = Layout::__new("Tick", 1, Endian::Native, 8, 8, &FIELDS);
/// # // SAFETY: one u64, described truthfully.
/// # unsafe impl SharedLayout for Tick {
/// #     const LAYOUT: &'static Layout = &LAYOUT;
/// #     const FINGERPRINT: u64 = LAYOUT.fingerprint();
/// # }
/// // In shmipc, `Tick` is a `#[derive(SharedLayout)]` struct.
/// let name = format!("/shmipc-test-doc-{}", std::process::id());
/// let ring = SpscRing::<Tick>::create(&name, 64)?;
///
/// // Usually another process: `SpscRing::<Tick>::open(&name)?.consumer()?`.
/// let mut consumer = SpscRing::<Tick>::open(&name)?.consumer()?;
/// let reader = std::thread::spawn(move || {
///     (0..1000).map(|_| consumer.pop().unwrap().seq).sum::<u64>()
/// });
///
/// let mut producer = ring.producer()?;
/// for seq in 0..1000 {
///     producer.push(Tick { seq }).unwrap();
/// }
/// assert_eq!(reader.join().unwrap(), 999 * 1000 / 2);
/// # Ok::<(), shmipc_runtime::Error>(())
/// ```
pub struct SpscRing<T: SharedLayout> {
    inner: Arc<Inner>,
    wait: WaitStrategy,
    _type: PhantomData<fn() -> T>,
}

ring_debug!(SpscRing, "wait" => |ring| ring.wait);

impl<T: SharedLayout> SpscRing<T> {
    ring_shortcuts! {
        /// Creates the ring `name` with `capacity` slots (a power of two), empty, with the
        /// default options (mode 0600, fails if the name exists, unlinked when this handle drops).
        create;
        /// Opens the ring `name` that another process created, checking kind and `T`'s layout;
        /// the capacity is the creator's.
        open;
        /// Options for creating or opening the ring `name`: capacity, wait strategy, and the
        /// segment options (mode, persistence, replacing a dead creator's ring, open timeout).
        builder;
    }

    /// Claims the producer role for this process and returns its handle, which keeps the
    /// mapping alive (the ring handle may be dropped). Fails with [`Error::RoleTaken`] while
    /// another live process (or another handle of this one) is the producer; a dead producer's
    /// role is taken over, continuing after every message it committed.
    pub fn producer(&self) -> Result<Producer<T>, Error> {
        let side = &self.inner.control().producer;
        self.claim(side, "producer")?;
        Ok(Producer::attach(Arc::clone(&self.inner), self.wait))
    }

    /// Claims the consumer role for this process and returns its handle, which keeps the
    /// mapping alive. Fails with [`Error::RoleTaken`] while another live process (or another
    /// handle of this one) is the consumer; a dead consumer's role is taken over, continuing
    /// with the first message it had not released (a message it was reading when it died is
    /// delivered again).
    pub fn consumer(&self) -> Result<Consumer<T>, Error> {
        let side = &self.inner.control().consumer;
        self.claim(side, "consumer")?;
        Ok(Consumer::attach(Arc::clone(&self.inner), self.wait))
    }

    fn claim(&self, side: &SideBlock, role: &'static str) -> Result<(), Error> {
        side.role.claim().map_err(|pid| Error::RoleTaken {
            name: self.name().to_owned(),
            role,
            pid,
        })
    }

    /// Whether a live process holds the producer role (a snapshot; reads `/proc`).
    pub fn producer_alive(&self) -> bool {
        side_alive(&self.inner.control().producer)
    }

    /// Whether a live process holds the consumer role (a snapshot; reads `/proc`).
    pub fn consumer_alive(&self) -> bool {
        side_alive(&self.inner.control().consumer)
    }

    /// Removes the name `name` (see [`RawSegment::unlink`]).
    pub fn unlink(name: &str) -> Result<(), Error> {
        RawSegment::unlink(name)
    }
}

/// Whether a side's role is held by a live process that did not close its handle.
pub(crate) fn side_alive(side: &SideBlock) -> bool {
    side.state.load(Ordering::Acquire) == STATE_ATTACHED
        && matches!(side.role.holder(), RoleHolder::Alive(_))
}

const _: () = assert!(CONTROL_LEN.is_multiple_of(128));
