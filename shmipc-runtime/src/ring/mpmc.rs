//! [`MpmcRing`]: the segment, its geometry, the process-table entry of this mapping, and the
//! handles' shared parts.

use core::marker::PhantomData;
use core::sync::atomic::Ordering;
use std::sync::Arc;

use super::mapped::RingMap;
use super::config::{RingConfig, ring_debug, ring_shortcuts};
use super::control::{Geometry, RingGeometry, ring_spec};
use super::mpmc_consumer::MpmcConsumer;
use super::mpmc_control::{MPMC_FORMAT, MpmcControl, geometry};
use super::mpmc_producer::MpmcProducer;
use super::mpmc_protocol::{MAX_ENTRIES, Ring, Tag};
use super::mpmc_recovery;
use super::spsc::Slots;
use super::wait::WaitStrategy;
use crate::SharedLayout;
use crate::segment::{Builder, Error, RawSegment, SegmentKind, SegmentSpec, SharedPrimitive};

/// Settings of an [`MpmcRing`] beyond the segment options; see
/// [`Builder::capacity`](Builder#method.capacity) and
/// [`Builder::wait_strategy`](Builder#method.wait_strategy).
#[derive(Clone, Copy, Debug, Default)]
pub struct MpmcConfig {
    ring: RingConfig,
    after_claim: Option<fn()>,
}

impl AsMut<RingConfig> for MpmcConfig {
    fn as_mut(&mut self) -> &mut RingConfig {
        &mut self.ring
    }
}

/// What recovery did on a ring since its creation (counted by the survivors that did it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MpmcRecovery {
    /// Slots that a producer claimed and never published because its process died: marked
    /// skipped by a consumer; their messages were never committed (the push had not returned)
    /// and are not delivered.
    pub skipped_writes: u64,
    /// Messages that a consumer claimed and never released because its process died: freed by
    /// a producer; they are lost (the pop had not returned; the dead process may or may not have
    /// seen them).
    pub dropped_reads: u64,
}

/// The mapping, shared by the ring and its handles, and this mapping's process-table entry
/// (given up when the last of them drops).
#[derive(Debug)]
pub(crate) struct MpmcInner {
    map: RingMap<MpmcControl>,
    shift: u32,
    pub(crate) entry: usize,
    pub(crate) tag: Tag,
    after_claim: Option<fn()>,
}

impl core::ops::Deref for MpmcInner {
    type Target = RingMap<MpmcControl>;

    fn deref(&self) -> &RingMap<MpmcControl> {
        &self.map
    }
}

impl MpmcInner {

    /// The protocol core's view of the slots.
    #[inline]
    pub(crate) fn ring(&self) -> Ring<'_, Slots<MpmcControl>> {
        Ring {
            seqs: &self.slots,
            shift: self.shift,
        }
    }

    /// Messages between the head and the tail (a snapshot, at most the capacity).
    pub(crate) fn len(&self) -> usize {
        let c = self.control();
        let head = c.consumers.index.load(Ordering::Acquire);
        let tail = c.producers.index.load(Ordering::Acquire);
        tail.wrapping_sub(head).min(self.capacity as u64) as usize
    }

    /// The test hook, called between a claim and its publication or release.
    #[inline]
    pub(crate) fn after_claim(&self) {
        if let Some(hook) = self.after_claim {
            hook();
        }
    }
}

impl Drop for MpmcInner {
    fn drop(&mut self) {
        mpmc_recovery::detach(self.control(), self.entry);
    }
}

impl<T: SharedLayout> RingGeometry for MpmcRing<T> {
    const GEOMETRY: Geometry = geometry(size_of::<T>(), align_of::<T>());
}

impl<T: SharedLayout> SharedPrimitive for MpmcRing<T> {
    type Config = MpmcConfig;

    fn spec(config: &MpmcConfig) -> Result<SegmentSpec, String> {
        ring_spec::<Self>(SegmentKind::MpmcRing, T::LAYOUT, config.ring.capacity)
    }

    fn from_segment(segment: RawSegment, config: MpmcConfig) -> Result<Self, Error> {
        let geo = Self::GEOMETRY;
        let capacity = geo.segment_capacity(&segment)?;
        let map = RingMap::<MpmcControl>::new(segment, capacity, geo);
        let (segment, control) = (&map.segment, map.control());
        if segment.is_creator() {
            control.info.record(capacity, MPMC_FORMAT, &geo);
        }
        let (entry, tag) = mpmc_recovery::attach(control).map_err(|pid| Error::InvalidOptions {
            name: segment.name().to_owned(),
            reason: format!(
                "all {MAX_ENTRIES} process-table entries of this MPMC ring are held by live \
                 processes (process {pid} among them): each open ring handle holds one; drop \
                 some ring handles first"
            ),
        })?;
        Ok(MpmcRing {
            inner: Arc::new(MpmcInner {
                map,
                shift: capacity.trailing_zeros(),
                entry,
                tag,
                after_claim: config.after_claim,
            }),
            wait: config.ring.wait,
            _type: PhantomData,
        })
    }
}

impl<T: SharedLayout> Builder<MpmcRing<T>> {
    /// Test hook: every handle of this ring calls `hook` between claiming a slot and
    /// publishing (push) or releasing (pop) it, so that tests can kill or stop a process there
    /// (the hook says so, then sleeps).
    #[doc(hidden)]
    pub fn after_claim(mut self, hook: fn()) -> Self {
        self.config.after_claim = Some(hook);
        self
    }
}

/// A typed multi-producer, multi-consumer ring between processes: lock-free, bounded, in one
/// named shared-memory segment, and never wedged by a process that dies.
///
/// Any number of [`MpmcProducer`]s and [`MpmcConsumer`]s, in any number of processes and
/// threads, push and pop. Every committed message (its push returned `Ok`) is delivered exactly
/// once, to one consumer; the messages of one producer handle reach any one consumer in the
/// order they were pushed. A producer killed between claiming a slot and publishing it, or a
/// consumer killed between claiming a message and releasing it, stalls the others only until a
/// survivor that waits on that slot proves the claimant dead (its pid and start time, never a
/// timeout) and recovers the slot: within about 1 ms of its first wait there, 10 ms at most after
/// the death. The message the dead producer was writing is skipped (never delivered, nothing
/// invented); the one the dead consumer was reading is dropped. [`recovery`](Self::recovery)
/// counts both. A paused or slow claimant is never taken for dead.
///
/// Each ring handle (from `create` or `open`) holds one of the ring's 128 process-table entries
/// until it and its producer and consumer handles are dropped; the slots' claims name it.
///
/// The byte format and the recovery argument are in `docs/mpmc-ring.md`.
///
/// # Example
///
/// ```
/// # use shmipc_runtime::ring::MpmcRing;
/// # use shmipc_runtime::{Endian, FieldLayout, FieldType, Layout, Primitive, SharedLayout};
/// # #[derive(Clone, Copy, Debug, PartialEq)]
/// # #[repr(C)]
/// # struct Job { id: u64 }
/// # static U64: FieldType = FieldType::Primitive(Primitive::U64);
/// # static FIELDS: [FieldLayout; 1] = [FieldLayout::__new("id", 0, 8, 8, &U64)];
/// # static LAYOUT: Layout = Layout::__new("Job", 1, Endian::Native, 8, 8, &FIELDS);
/// # // SAFETY: one u64, described truthfully.
/// # unsafe impl SharedLayout for Job {
/// #     const LAYOUT: &'static Layout = &LAYOUT;
/// #     const FINGERPRINT: u64 = LAYOUT.fingerprint();
/// # }
/// // In shmipc, `Job` is a `#[derive(SharedLayout)]` struct.
/// let name = format!("/shmipc-test-mdoc-{}", std::process::id());
/// let ring = MpmcRing::<Job>::create(&name, 64)?;
///
/// // Usually other processes: `MpmcRing::<Job>::open(&name)?.consumer()?`.
/// let workers: Vec<_> = (0..2)
///     .map(|_| {
///         let mut jobs = ring.consumer().unwrap();
///         std::thread::spawn(move || {
///             let mut sum = 0;
///             while let Ok(job) = jobs.pop() {
///                 sum += job.id;
///             }
///             sum // `pop` fails with `Disconnected` once every producer is gone
///         })
///     })
///     .collect();
///
/// let mut producers: Vec<_> = (0..2).map(|_| ring.producer().unwrap()).collect();
/// for id in 0..1000 {
///     producers[id as usize % 2].push(Job { id }).unwrap();
/// }
/// drop(producers);
/// let total: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
/// assert_eq!(total, 999 * 1000 / 2);
/// # Ok::<(), shmipc_runtime::Error>(())
/// ```
pub struct MpmcRing<T: SharedLayout> {
    inner: Arc<MpmcInner>,
    wait: WaitStrategy,
    _type: PhantomData<fn() -> T>,
}

ring_debug!(MpmcRing, "entry" => |ring| ring.inner.entry);

impl<T: SharedLayout> MpmcRing<T> {
    ring_shortcuts! {
        inner: MpmcInner;
        /// Creates the ring `name` with `capacity` slots (a power of two), empty, with the
        /// default options (mode 0600, fails if the name exists, unlinked when this handle drops).
        create;
        /// Opens the ring `name` that another process created, checking kind and `T`'s layout;
        /// the capacity is the creator's.
        open;
        /// Options for creating or opening the ring `name`: capacity, wait strategy, and the
        /// segment options.
        builder;
    }

    /// A new producer handle (any number, in any process or thread); it keeps the mapping
    /// alive.
    pub fn producer(&self) -> Result<MpmcProducer<T>, Error> {
        Ok(MpmcProducer::attach(Arc::clone(&self.inner), self.wait))
    }

    /// A new consumer handle (any number, in any process or thread); it keeps the mapping
    /// alive.
    pub fn consumer(&self) -> Result<MpmcConsumer<T>, Error> {
        Ok(MpmcConsumer::attach(Arc::clone(&self.inner), self.wait))
    }

    /// Messages claimed by producers and not yet by consumers (a snapshot of the two indices).
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether [`len`](Self::len) is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What recovery did since the ring was created (shared counters: garbage if a process
    /// scribbled over them).
    pub fn recovery(&self) -> MpmcRecovery {
        let s = &self.inner.control().shared;
        MpmcRecovery {
            skipped_writes: s.skipped_writes.load(Ordering::Relaxed),
            dropped_reads: s.dropped_reads.load(Ordering::Relaxed),
        }
    }

    /// How many slots are claimed right now (being written or read): a diagnostic snapshot
    /// that scans every slot.
    pub fn claimed(&self) -> usize {
        self.inner.ring().claimed()
    }

    /// Removes the name `name` (see [`RawSegment::unlink`]).
    pub fn unlink(name: &str) -> Result<(), Error> {
        RawSegment::unlink(name)
    }
}
