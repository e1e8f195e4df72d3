//! [`SeqLockReader`]: the reading side of a [`SeqLock`](super::SeqLock), which the writer's
//! handle contains and a reader can open on its own, read-only.
//!
//! A reader opened with [`SeqLockReader::open`] maps the segment with `O_RDONLY` and `PROT_READ`:
//! it needs only read permission on the segment, and no code in it can change a byte of it. The
//! type has no method that writes, so a read-only handle cannot even try from safe code (a
//! `SeqLock` opened read-only is refused: it could write).
//!
//! Waiting for a newer value ([`SeqLockReader::wait_newer`]) parks on the control block's wait
//! cell, which the writer updates after every publish; the writer makes a system call only when
//! the cell's waiter count says somebody sleeps. A reader on a read-only mapping cannot announce
//! itself in that count, so it polls instead: it spins, then sleeps in growing slices (20 µs up
//! to 1 ms), and never costs the writer anything.

use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::cell::Cell;
use core::sync::atomic::{AtomicU64, Ordering, fence};
use std::time::{Duration, Instant};

use super::atomic_copy;
use super::error::SeqLockError;
use super::seq_protocol;
use super::seqlock::{CONTROL, SeqLockControl, WriterState, slot_geometry};
use super::spin::Spinner;
use super::wait;
use crate::SharedLayout;
use crate::segment::{Builder, Error, RawSegment, SharedPrimitive};
use crate::sys::membarrier;
use crate::sys::process::ProcessIdentity;

/// How long `read` retries before reporting `Timeout`.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(1);

/// The reading side of a [`SeqLock`](super::SeqLock): copies the latest value, tells its
/// version, and waits for a newer one. Opened on its own with [`SeqLockReader::open`], it maps
/// the segment read-only; [`SeqLock::reader`](super::SeqLock::reader) lends the writer's.
///
/// ```
/// use shmipc::prelude::*;
/// use shmipc::{SeqLock, SeqLockReader};
/// use std::time::Duration;
///
/// #[derive(SharedLayout, Clone, Copy, Debug, PartialEq)]
/// #[repr(C)]
/// #[shm(endian = "little")]
/// struct Quote { bid: I64Le, ask: I64Le }
///
/// # let name = format!("/shmipc-test-doc-slr-{}", std::process::id());
/// let mut writer = SeqLock::<Quote>::create(&name)?;
/// writer.write(&Quote { bid: 99.into(), ask: 101.into() })?;
///
/// // Another process (a thread here) opens it read-only and waits for something newer.
/// let reader = SeqLockReader::<Quote>::open(&name)?;
/// let (first, version) = reader.read_versioned(Duration::from_secs(1))?;
/// assert_eq!((first.bid.get(), version), (99, 1));
/// std::thread::scope(|s| {
///     s.spawn(|| writer.write(&Quote { bid: 100.into(), ask: 101.into() }).unwrap());
///     let (newer, v) = reader.wait_newer(version, Some(Duration::from_secs(10))).unwrap();
///     assert_eq!((newer.bid.get(), v), (100, 2));
/// });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SeqLockReader<T: SharedLayout + Copy> {
    segment: RawSegment,
    _value: PhantomData<T>,
}

// SAFETY: the handle owns a segment mapping and only reads it, atomically (sequence, slot copies,
// the wait cell's words); values are handed out by copy.
unsafe impl<T: SharedLayout + Copy + Send> Send for SeqLockReader<T> {}
// SAFETY: as above; `&self` methods only load, or announce a waiter through the cell's atomics.
unsafe impl<T: SharedLayout + Copy + Send> Sync for SeqLockReader<T> {}

impl<T: SharedLayout + Copy> SharedPrimitive for SeqLockReader<T> {
    crate::segment::fixed_spec!(crate::SegmentKind::SeqLock, Self::PAYLOAD);

    fn from_segment(segment: RawSegment, _: ()) -> Result<Self, Error> {
        Ok(SeqLockReader::wrap(segment))
    }

    const OPENS_READ_ONLY: bool = true;
}

impl<T: SharedLayout + Copy> SeqLockReader<T> {
    /// Where a slot's stamp sits: after the value, 8-aligned.
    const STAMP: usize = Self::GEOMETRY.0;
    /// Bytes from one slot to the next: the value and its stamp, rounded up to 64.
    const STRIDE: usize = Self::GEOMETRY.1;
    const GEOMETRY: (usize, usize) = match slot_geometry(size_of::<T>()) {
        Some(g) => g,
        None => panic!("a seqlock value this large does not fit in the address space"),
    };
    pub(super) const PAYLOAD: usize = CONTROL + seq_protocol::SLOTS * Self::STRIDE;

    pub(super) fn wrap(segment: RawSegment) -> Self {
        SeqLockReader {
            segment,
            _value: PhantomData,
        }
    }

    /// Opens the seqlock `name` another process created, read-only (see the module
    /// documentation), checking the segment kind and `T`'s layout.
    pub fn open(name: &str) -> Result<Self, Error> {
        Self::builder(name).open()
    }

    /// Options for opening the seqlock `name` as a reader; read-only unless
    /// [`read_only(false)`](Builder::read_only) (then a [`wait_newer`](Self::wait_newer) parks
    /// on the futex instead of polling). Creating through it fails: create a
    /// [`SeqLock`](super::SeqLock).
    pub fn builder(name: &str) -> Builder<Self> {
        Builder::new(name).read_only(true)
    }

    /// The shared-memory name.
    pub fn name(&self) -> &str {
        self.segment.name()
    }

    /// The untyped segment underneath.
    pub fn raw(&self) -> &RawSegment {
        &self.segment
    }

    /// Whether this handle maps the segment read-only.
    pub fn is_read_only(&self) -> bool {
        self.segment.is_read_only()
    }

    /// The process that created the seqlock.
    pub fn creator(&self) -> ProcessIdentity {
        self.segment.creator()
    }

    pub(super) fn control(&self) -> &SeqLockControl {
        // SAFETY: through this reference the reader only loads (every use below), except
        // `park_until`'s announcement in the wait cell, which `wait_newer` calls only when the
        // segment is not read-only.
        unsafe { self.segment.control_read_only() }
    }

    /// Slot `i`: 64-aligned, `size_of::<T>()` value bytes, then (at `STAMP`) its stamp. Only
    /// ever accessed atomically (`atomic_copy` with the same word boundaries, the stamp as an
    /// `AtomicU64`), by every process.
    pub(super) fn slot(&self, i: usize) -> *mut u8 {
        let i = i % seq_protocol::SLOTS;
        // SAFETY: slot `i` (< SLOTS, masked above) starts at CONTROL + i * STRIDE, inside the
        // PAYLOAD bytes the segment was checked to have.
        unsafe {
            self.segment
                .payload()
                .as_ptr()
                .add(CONTROL + i * Self::STRIDE)
        }
    }

    /// Copies the latest complete value, retrying for at most [`DEFAULT_READ_TIMEOUT`].
    pub fn read(&self) -> Result<T, SeqLockError> {
        self.read_timeout(DEFAULT_READ_TIMEOUT)
    }

    /// Copies the latest complete value, retrying for at most `timeout` while writes complete
    /// during the copy. `Err(Empty)` when nothing was written yet.
    pub fn read_timeout(&self, timeout: Duration) -> Result<T, SeqLockError> {
        self.read_versioned(timeout).map(|(v, _)| v)
    }

    /// Like [`read_timeout`](Self::read_timeout), also returning the value's version: how many
    /// writes completed (1 for the first value).
    pub fn read_versioned(&self, timeout: Duration) -> Result<(T, u64), SeqLockError> {
        self.read_inner(timeout, || {})
    }

    /// `read_versioned`, calling `during_copy` in every attempt after the slot was chosen and
    /// before it is copied (tests play a writer there; the empty closure compiles away).
    #[inline]
    pub(super) fn read_inner(
        &self,
        timeout: Duration,
        mut during_copy: impl FnMut(),
    ) -> Result<(T, u64), SeqLockError> {
        let mut start: Option<Instant> = None;
        let mut tries: u32 = 0;
        // Copied into in place (the protocol's copy is `()`): moving a large `T` through the
        // protocol's `Option` cost as many instructions as the copy itself.
        let mut out = MaybeUninit::<T>::uninit();
        loop {
            let attempt = seq_protocol::try_read(&self.control().seq, self, |i| {
                during_copy();
                // SAFETY: the slot is 64-aligned, holds size_of::<T>() readable bytes accessed only
                // through `atomic_copy`; `out` is writable for size_of::<T>() bytes.
                unsafe { atomic_copy::load(out.as_mut_ptr().cast(), self.slot(i), size_of::<T>()) };
            });
            if let Some((version, ())) = attempt {
                if version == 0 {
                    return Err(SeqLockError::Empty);
                }
                // SAFETY: every byte of `out` was written by the copy, and `T: SharedLayout` is
                // valid for every bit pattern; the sequence check proved the copy consistent.
                return Ok((unsafe { out.assume_init() }, version));
            }
            tries = tries.wrapping_add(1);
            if tries.is_multiple_of(64) {
                let t0 = *start.get_or_insert_with(Instant::now);
                if t0.elapsed() >= timeout {
                    return Err(SeqLockError::Timeout(timeout));
                }
                std::thread::yield_now();
            } else {
                core::hint::spin_loop();
            }
        }
    }

    /// How many writes completed so far (0: no value yet).
    pub fn version(&self) -> u64 {
        self.control().seq.load(Ordering::Acquire)
    }

    /// Who holds the writer role.
    pub fn writer_state(&self) -> WriterState {
        self.control().writer.holder()
    }

    /// Waits until a value newer than version `seen` is published (the version
    /// [`read_versioned`](Self::read_versioned) or an earlier `wait_newer` returned; 0 waits for
    /// the first value), at most `timeout` (`None`: no limit), and returns it with its version.
    /// Returns at once if one already is.
    ///
    /// Spins adaptively first, then sleeps on the control block's wait cell (Linux: a futex); a
    /// [read-only](Self::is_read_only) reader, which cannot announce itself there, polls with
    /// sleeps of up to 1 ms instead. A writer wakes sleepers with one system call per write,
    /// and makes none while nobody sleeps. `Err(NoNewerValue)` when the time ran out.
    pub fn wait_newer(
        &self,
        seen: u64,
        timeout: Option<Duration>,
    ) -> Result<(T, u64), SeqLockError> {
        let newer = || self.version().wrapping_sub(seen) as i64 > 0;
        let start = Instant::now();
        if !newer() {
            static SPIN: Spinner = Spinner::new();
            if SPIN.spin(|| newer().then_some(())).is_none() {
                if self.is_read_only() {
                    poll_until(newer, start, timeout)?;
                } else {
                    self.park_until(newer, start, timeout)?;
                }
            }
        }
        self.read_versioned(DEFAULT_READ_TIMEOUT)
    }
}

impl<T: SharedLayout + Copy> SeqLockReader<T> {
    /// Sleeps on the `published` futex word until `done()`, announced in its sleeper count
    /// (see `seq_protocol::announce`; the heavy fence is `membarrier(2)`, a system call, or a
    /// full fence where that is missing), in slices of at most 50 ms (a peer that zeroes the
    /// count delays this by one slice, never forever); fails once `timeout` has passed since
    /// `start`.
    fn park_until(
        &self,
        done: impl Fn() -> bool,
        start: Instant,
        timeout: Option<Duration>,
    ) -> Result<(), SeqLockError> {
        const SLICE: Duration = Duration::from_millis(50);
        // Without `membarrier` a writer's compiler fence does not order its look at the count
        // after its store: then sleep in short slices only.
        const POLL_SLICE: Duration = Duration::from_millis(1);
        let cell = &self.control().published;
        while !done() {
            let slice = match timeout {
                Some(t) => match t.checked_sub(start.elapsed()) {
                    Some(left) if !left.is_zero() => left.min(SLICE),
                    _ => return Err(SeqLockError::NoNewerValue(t)),
                },
                None => SLICE,
            };
            let heavy = Cell::new(false);
            let value = seq_protocol::announce(cell.value(), cell.waiters(), || {
                heavy.set(membarrier::heavy());
                if !heavy.get() {
                    fence(Ordering::SeqCst);
                }
            });
            if !done() {
                let slice = if heavy.get() { slice } else { slice.min(POLL_SLICE) };
                wait::wait(cell.value(), value, Some(slice));
            }
            seq_protocol::retire(cell.waiters());
        }
        Ok(())
    }
}

/// Sleeps in growing slices (20 µs, doubling to 1 ms) until `done()`, or fails once `timeout`
/// has passed since `start`.
fn poll_until(
    done: impl Fn() -> bool,
    start: Instant,
    timeout: Option<Duration>,
) -> Result<(), SeqLockError> {
    let mut slice = Duration::from_micros(20);
    while !done() {
        let slept = start.elapsed();
        let nap = match timeout {
            Some(t) if slept >= t => return Err(SeqLockError::NoNewerValue(t)),
            Some(t) => slice.min(t - slept),
            None => slice,
        };
        std::thread::sleep(nap);
        slice = (slice * 2).min(Duration::from_millis(1));
    }
    Ok(())
}

impl<T: SharedLayout + Copy> seq_protocol::Stamps for SeqLockReader<T> {
    fn stamp(&self, i: usize) -> &AtomicU64 {
        // SAFETY: the stamp of slot `i` (masked by `slot`) is at STAMP (a multiple of 8, so
        // 8-aligned in the 64-aligned slot), STAMP + 8 <= STRIDE, so inside the mapping, which
        // lives as long as `&self`; it is only ever accessed as an `AtomicU64`. A reader only
        // loads through it (a read-only mapping faults on a store); the writer stores.
        unsafe { AtomicU64::from_ptr(self.slot(i).add(Self::STAMP).cast()) }
    }
}

impl<T: SharedLayout + Copy> core::fmt::Debug for SeqLockReader<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SeqLockReader")
            .field("type", &T::LAYOUT.name())
            .field("segment", &self.segment)
            .finish()
    }
}
