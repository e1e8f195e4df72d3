//! [`BroadcastRing`]: the segment, its doorbell, and the handles.

use core::marker::PhantomData;
use std::os::unix::fs::MetadataExt;
use std::sync::Arc;

use super::broadcast_control::{
    BroadcastControl, DoorbellControl, FORMAT, doorbell_mode, doorbell_name, doorbell_spec,
};
use super::broadcast_protocol::StartAt;
use super::mapped::RingMap;
use super::config::{RingConfig, ring_debug, ring_shortcuts};
use super::control::{Geometry, RingGeometry, ring_spec};
use super::publisher::BroadcastProducer;
use super::spsc::side_alive;
use super::spsc_protocol::WaitWords;
use super::subscriber::Subscriber;
use super::wait::WaitStrategy;
use crate::SharedLayout;
use crate::segment::{
    Error, RawSegment, SegmentKind, SegmentOptions, SegmentSpec, SharedPrimitive,
};
use crate::sys::shm;

/// The mappings, shared by the ring and its handles (which keep them alive).
#[derive(Debug)]
pub(crate) struct Inner {
    map: RingMap<BroadcastControl>,
    /// The writable doorbell, if this process could open it (a subscriber without write
    /// permission on it polls instead of announcing itself).
    doorbell: Option<RawSegment>,
}

impl core::ops::Deref for Inner {
    type Target = RingMap<BroadcastControl>;

    fn deref(&self) -> &RingMap<BroadcastControl> {
        &self.map
    }
}

impl Inner {
    /// Whether this process mapped the ring read-only (it may subscribe, not publish).
    pub(crate) fn is_read_only(&self) -> bool {
        self.segment.is_read_only()
    }

    /// The wake words, if the doorbell is open: the ring's wake value and the doorbell's parked
    /// hint as the waiter word (see `broadcast_protocol::notify_all`).
    #[inline]
    pub(crate) fn bell(&self) -> Option<WaitWords<'_>> {
        let doorbell = self.doorbell.as_ref()?;
        Some(WaitWords {
            value: self.control().publisher.wake.value(),
            waiters: &doorbell.control::<DoorbellControl>().parked,
        })
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The doorbell goes with the ring: persisted when the ring is, unlinked by the ring's
        // creator otherwise (if its name still names this doorbell).
        if let Some(bell) = &self.doorbell
            && self.segment.is_creator()
            && !self.segment.persists()
            && shm::names_same_object(bell.name(), bell.file())
        {
            let _ = shm::unlink(bell.name());
        }
    }
}


/// Creates the doorbell of the ring `ring` just created: mode derived from the ring's (readers may
/// write it), persistent (the ring's drop unlinks it). A doorbell left by an earlier ring of the
/// same name (which no longer exists: the name was just created exclusively) is replaced.
fn create_doorbell(ring: &RawSegment) -> Result<RawSegment, Error> {
    let name = doorbell_name(ring.name());
    let meta = ring
        .file()
        .metadata()
        .map_err(|e| Error::from_io(ring.name(), "stat", e))?;
    let options = SegmentOptions::new()
        .mode(doorbell_mode(meta.mode()))
        .persist(true);
    match RawSegment::create(&name, &doorbell_spec(), &options) {
        Err(Error::AlreadyExists { .. })
            if RawSegment::open(&name, &doorbell_spec(), &options).is_ok() =>
        {
            RawSegment::unlink(&name)?;
            RawSegment::create(&name, &doorbell_spec(), &options)
        }
        other => other,
    }
}

/// Opens the doorbell of the ring `ring` (another process created both), writable, owned by the
/// ring's owner; `None` when this process may not write it or it is gone (then subscribers poll).
fn open_doorbell(ring: &RawSegment) -> Option<RawSegment> {
    let meta = ring.file().metadata().ok()?;
    let options = SegmentOptions::new()
        .mode(doorbell_mode(meta.mode()))
        .allow_owner(meta.uid());
    RawSegment::open(&doorbell_name(ring.name()), &doorbell_spec(), &options).ok()
}

impl<T: SharedLayout> RingGeometry for BroadcastRing<T> {
    const GEOMETRY: Geometry = Geometry::of::<T>();
}

impl<T: SharedLayout> SharedPrimitive for BroadcastRing<T> {
    type Config = RingConfig;

    /// Subscribers only load from the ring; a read-only ring refuses `producer()`.
    const OPENS_READ_ONLY: bool = true;

    fn spec(config: &RingConfig) -> Result<SegmentSpec, String> {
        ring_spec::<Self>(SegmentKind::BroadcastRing, T::LAYOUT, config.capacity)
    }

    fn from_segment(segment: RawSegment, config: RingConfig) -> Result<Self, Error> {
        let geo = Self::GEOMETRY;
        let capacity = geo.segment_capacity(&segment)?;
        let doorbell = if segment.is_creator() {
            let info = &segment.control::<BroadcastControl>().info;
            info.record(capacity, FORMAT, &geo);
            Some(create_doorbell(&segment)?)
        } else {
            open_doorbell(&segment)
        };
        let inner = Inner {
            map: RingMap::new(segment, capacity, geo),
            doorbell,
        };
        Ok(BroadcastRing {
            inner: Arc::new(inner),
            wait: config.wait,
            _type: PhantomData,
        })
    }
}

/// A typed broadcast ring between processes: one publisher, any number of subscribers, each of
/// which sees every message in order or learns exactly how many it missed.
///
/// The publisher ([`BroadcastProducer`], one live process at a time, taken over after its death)
/// overwrites the oldest slot and never waits for anybody: a slow subscriber cannot slow it down.
/// Each [`Subscriber`] keeps its own position privately; when the publisher laps it, its next
/// pop returns [`RecvError::Lagged`](super::RecvError::Lagged) with the exact number of messages
/// it lost, and it continues with the oldest message still held. A copy that the publisher
/// overwrote meanwhile is detected (per-slot sequence stamps, as in the seqlock) and reported as
/// lag, never delivered.
///
/// Subscribers only ever load from the ring, so they work on a read-only mapping (see
/// `docs/broadcast-ring.md`): a buggy or hostile subscriber cannot disturb the publisher or the
/// other subscribers. To sleep without spinning they announce themselves in a small writable
/// doorbell segment beside the ring (`<name>.b`), which the publisher reads only to decide whether
/// to make a wake-up system call.
///
/// The byte format is documented in `docs/broadcast-ring.md`.
///
/// # Example
///
/// ```
/// # use shmipc_runtime::ring::{BroadcastRing, RecvError, StartAt};
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
/// let name = format!("/shmipc-test-bdoc-{}", std::process::id());
/// let ring = BroadcastRing::<Tick>::create(&name, 8)?;
/// let mut publisher = ring.producer()?;
///
/// // Usually other processes: `BroadcastRing::<Tick>::open(&name)?.subscriber()`.
/// let mut fast = ring.subscriber();
/// let mut slow = ring.subscriber();
/// for seq in 0..4 {
///     publisher.push(Tick { seq });
///     assert_eq!(fast.pop()?.seq, seq);
/// }
/// for seq in 4..12 {
///     publisher.push(Tick { seq }); // never waits for `slow`
/// }
/// // The ring holds 8 messages: `slow` lost the 4 oldest and is told so, exactly.
/// assert_eq!(slow.try_pop(), Err(RecvError::Lagged { missed: 4 }));
/// assert_eq!(slow.try_pop()?.seq, 4);
///
/// // A late joiner may replay what the ring still holds.
/// let mut late = ring.subscriber_at(StartAt::Oldest);
/// assert_eq!(late.try_pop()?.seq, 4);
///
/// drop(publisher);
/// for seq in 4..12 {
///     assert_eq!(fast.pop()?.seq, seq);
/// }
/// assert_eq!(fast.pop(), Err(RecvError::Disconnected));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BroadcastRing<T: SharedLayout> {
    inner: Arc<Inner>,
    wait: WaitStrategy,
    _type: PhantomData<fn() -> T>,
}

ring_debug!(BroadcastRing, "doorbell" => |ring| ring.inner.doorbell.is_some());

impl<T: SharedLayout> BroadcastRing<T> {
    ring_shortcuts! {
        /// Creates the ring `name` with `capacity` slots (a power of two) and its doorbell
        /// `<name>.b`, with the default options (mode 0600, fails if the name exists, both
        /// unlinked when this handle drops).
        create;
        /// Opens the ring `name` that another process created, checking kind and `T`'s layout;
        /// the capacity is the creator's. To subscribe with read permission only, open it
        /// read-only through the [`builder`](Self::builder).
        open;
        /// Options for creating or opening the ring `name`: capacity, wait strategy, read-only,
        /// and the segment options (mode, persistence, replacing a dead creator's ring, open
        /// timeout).
        builder;
    }

    /// Claims the publisher role for this process and returns its handle, which keeps the
    /// mapping alive. Fails with [`Error::RoleTaken`] while another live process (or another
    /// handle of this one) publishes, and with [`Error::InvalidOptions`] on a read-only ring; a
    /// dead publisher's role is taken over, continuing after every message it committed.
    pub fn producer(&self) -> Result<BroadcastProducer<T>, Error> {
        if self.inner.is_read_only() {
            return Err(Error::InvalidOptions {
                name: self.name().to_owned(),
                reason: "the ring was opened read-only, which allows subscribing only: open it \
                         without read_only to publish"
                    .to_owned(),
            });
        }
        let side = &self.inner.control().publisher;
        side.role.claim().map_err(|pid| Error::RoleTaken {
            name: self.name().to_owned(),
            role: "publisher",
            pid,
        })?;
        Ok(BroadcastProducer::attach(Arc::clone(&self.inner)))
    }

    /// A new subscriber, starting with the newest message already published (if any): any
    /// number, in any process, also several per process. It keeps the mapping alive.
    pub fn subscriber(&self) -> Subscriber<T> {
        self.subscriber_at(StartAt::Newest)
    }

    /// A new subscriber starting at `start`: the newest message, the oldest one still held
    /// (replaying up to a capacity of history), or the next one published.
    pub fn subscriber_at(&self, start: StartAt) -> Subscriber<T> {
        Subscriber::attach(Arc::clone(&self.inner), start, self.wait)
    }

    /// Whether a live process holds the publisher role (a snapshot; reads `/proc`).
    pub fn publisher_alive(&self) -> bool {
        side_alive(&self.inner.control().publisher)
    }

    /// Whether this process can announce sleeping subscribers in the doorbell; without it they
    /// poll (every millisecond) instead of being woken.
    pub fn has_doorbell(&self) -> bool {
        self.inner.doorbell.is_some()
    }

    /// Removes the name `name` and its doorbell's (see [`RawSegment::unlink`]).
    pub fn unlink(name: &str) -> Result<(), Error> {
        let ring = RawSegment::unlink(name);
        let _ = RawSegment::unlink(&doorbell_name(&crate::segment::normalize_name(name)?));
        ring
    }
}
