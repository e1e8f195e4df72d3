//! [`SeqLock`]: one writer publishes a value, any number of readers copy the latest one, and
//! nobody ever waits for anybody.
//!
//! The protocol is a ring of four slots and a sequence word (see `seq_protocol.rs`): readers never
//! see a torn value and never block the writer, tolerate two writes completing during their copy,
//! and a writer killed mid-write leaves the previous value readable. The
//! copies are word-wise relaxed atomics (see `atomic_copy.rs`), so a reader racing with the
//! writer is not a data race under the Rust memory model.
//!
//! `T` must be `Copy` as well as [`SharedLayout`]: `write` copies the caller's `&T` byte by byte,
//! which would race with a concurrent update of an atomic field through that reference.
//!
//! One writer at a time is enforced with a robust writer token (the same lock word and owner
//! record as [`SharedMutex`](super::SharedMutex), only ever try-locked): the first
//! [`write`](SeqLock::write) through a handle claims it; another live writer gets
//! [`SeqLockError::WriterBusy`]; a dead writer's token is taken over. The role belongs to the
//! claiming process, not to the handle: a child forked from the writer inherits the handle but
//! gets `WriterBusy` on its first write while the parent lives, and its drop leaves the parent's
//! role alone.

use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::atomic_copy;
use super::error::SeqLockError;
#[cfg(test)]
use super::lock_word::RawLock;
use super::owner;
use super::role::{RoleHolder, RoleToken};
use super::seq_protocol;
use crate::SharedLayout;
use crate::segment::{
    ControlBlock, Error, RawSegment, SegmentKind, SegmentSpec, SharedPrimitive, primitive_shortcuts,
};

/// The seqlock's control block, one cache line at the start of the payload; the slots follow.
///
/// | offset | size | content |
/// | ---: | ---: | --- |
/// | 0 | 8 | sequence: completed writes, 0 = no value |
/// | 8 | 16 | writer role ([`RoleToken`]) |
/// | 24 | 40 | reserved, zero |
#[repr(C)]
struct SeqLockControl {
    seq: AtomicU64,
    writer: RoleToken,
    reserved: [AtomicU64; 5],
}

crate::pinned::pin_offsets! { SeqLockControl, size 64: seq @ 0, writer @ 8, reserved @ 24 }

// SAFETY: only atomics (`RoleToken` is made of atomics), alignment 8.
unsafe impl ControlBlock for SeqLockControl {}

/// Bytes before the first slot: the control block (64, pinned above).
const CONTROL: usize = size_of::<SeqLockControl>();
/// How long `read` retries before reporting `Timeout`.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(1);

/// Who holds the writer role of a [`SeqLock`]: nobody, a running process, or a process that
/// died without releasing it, possibly mid-write (readers keep the last complete value, and the
/// next `write` takes the role over).
pub type WriterState = RoleHolder;

impl<T: SharedLayout + Copy> SharedPrimitive for SeqLock<T> {
    type Config = ();

    fn spec(_: &()) -> Result<SegmentSpec, String> {
        Ok(SegmentSpec::new(
            SegmentKind::SeqLock,
            T::LAYOUT,
            Self::PAYLOAD,
        ))
    }

    fn from_segment(segment: RawSegment, _: ()) -> Result<Self, Error> {
        Ok(SeqLock {
            segment,
            writer: None,
            _value: PhantomData,
        })
    }
}

/// A single-writer, many-reader "latest value" cell in a named shared-memory object.
#[derive(Debug)]
pub struct SeqLock<T: SharedLayout + Copy> {
    segment: RawSegment,
    /// The pid that claimed the writer role through this handle, if any. A forked child inherits
    /// the handle but not the role: its pid differs, so it must claim (and gets `WriterBusy`
    /// while the parent lives).
    writer: Option<u32>,
    _value: PhantomData<T>,
}

// SAFETY: the handle owns a segment mapping; all access to shared bytes is atomic (sequence, token, slot
// copies), and writing needs `&mut self`, so at most one thread of this handle writes.
unsafe impl<T: SharedLayout + Copy + Send> Send for SeqLock<T> {}
// SAFETY: through `&SeqLock` only reads happen, which are atomic copies handed out by value.
unsafe impl<T: SharedLayout + Copy + Send> Sync for SeqLock<T> {}

impl<T: SharedLayout + Copy> SeqLock<T> {
    const STRIDE: usize = size_of::<T>().div_ceil(64) * 64;
    const PAYLOAD: usize = CONTROL + seq_protocol::SLOTS * Self::STRIDE;

    primitive_shortcuts! {
        /// Creates the named seqlock segment (the name must not exist), holding no value yet. The
        /// creator's handle unlinks the name when dropped (see [`RawSegment`]).
        create;
        /// Opens a seqlock another process created, checking the segment kind and `T`'s layout.
        open;
        /// Options for creating or opening the seqlock `name` (mode, persistence, open timeout, …).
        builder;
    }

    /// The shared-memory name.
    pub fn name(&self) -> &str {
        self.segment.name()
    }

    fn control(&self) -> &SeqLockControl {
        self.segment.control()
    }

    pub(super) fn seq(&self) -> &AtomicU64 {
        &self.control().seq
    }

    #[cfg(test)]
    pub(super) fn token(&self) -> RawLock<'_> {
        self.control().writer.raw()
    }

    fn slot(&self, i: usize) -> *mut u8 {
        let i = i % seq_protocol::SLOTS;
        // SAFETY: slot `i` (< SLOTS, from `seq_protocol`) starts at CONTROL + i * STRIDE, inside
        // the PAYLOAD bytes.
        unsafe {
            self.segment
                .payload()
                .as_ptr()
                .add(CONTROL + i * Self::STRIDE)
        }
    }

    /// Publishes `value`. The first call through this handle claims the writer role (and so does
    /// the first call in a forked child, which gets `WriterBusy` while the parent holds it).
    pub fn write(&mut self, value: &T) -> Result<(), SeqLockError> {
        self.claim_writer()?;
        let src = (value as *const T).cast::<u8>();
        seq_protocol::write(self.seq(), |i| {
            // SAFETY: the slot is 64-aligned and STRIDE ≥ size_of::<T>() bytes long, and accessed
            // only through `atomic_copy` by every process; `value` is a `Copy` type without
            // interior mutability, so its bytes are not written while we read them.
            unsafe { atomic_copy::store(self.slot(i), src, size_of::<T>()) }
        });
        Ok(())
    }

    /// Claims the writer role without writing (`write` does it on first use).
    #[inline]
    pub fn claim_writer(&mut self) -> Result<(), SeqLockError> {
        // The pid is cached (one load; recomputed after a fork), so this costs no system call.
        let me = owner::current().pid;
        if self.writer == Some(me) {
            return Ok(());
        }
        self.writer = None;
        self.control()
            .writer
            .claim()
            .map_err(|pid| SeqLockError::WriterBusy { pid })?;
        self.writer = Some(me);
        Ok(())
    }

    /// Gives the writer role up (dropping the handle does too). In a forked child that did not
    /// claim the role itself this only forgets it: the parent's role is left alone.
    pub fn release_writer(&mut self) {
        if self.writer.take() == Some(owner::current().pid) {
            self.control().writer.release();
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
    fn read_inner(
        &self,
        timeout: Duration,
        mut during_copy: impl FnMut(),
    ) -> Result<(T, u64), SeqLockError> {
        let mut start: Option<Instant> = None;
        let mut tries: u32 = 0;
        loop {
            let attempt = seq_protocol::try_read(self.seq(), |i| {
                during_copy();
                let mut out = MaybeUninit::<T>::uninit();
                // SAFETY: the slot is 64-aligned, holds size_of::<T>() readable bytes accessed only
                // through `atomic_copy`; `out` is writable for size_of::<T>() bytes.
                unsafe { atomic_copy::load(out.as_mut_ptr().cast(), self.slot(i), size_of::<T>()) };
                out
            });
            if let Some((seq, out)) = attempt {
                let version = seq;
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

    /// `read_versioned` with a peer that acts during every copy attempt (tests).
    #[cfg(test)]
    pub(super) fn read_racing(
        &self,
        timeout: Duration,
        during_copy: impl FnMut(),
    ) -> Result<(T, u64), SeqLockError> {
        self.read_inner(timeout, during_copy)
    }

    /// How many writes completed so far (0: no value yet).
    pub fn version(&self) -> u64 {
        self.seq().load(Ordering::Acquire)
    }

    /// Who holds the writer role.
    pub fn writer_state(&self) -> WriterState {
        self.control().writer.holder()
    }
}

impl<T: SharedLayout + Copy> Drop for SeqLock<T> {
    fn drop(&mut self) {
        self.release_writer();
    }
}
