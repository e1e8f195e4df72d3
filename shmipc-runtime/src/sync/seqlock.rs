//! [`SeqLock`]: one writer publishes a value, any number of readers copy the latest one, and
//! nobody ever waits for anybody.
//!
//! The protocol is a ring of four stamped slots and a sequence word (see `seq_protocol.rs`):
//! readers never see a torn value and never block the writer, tolerate three writes completing
//! during their copy, and a writer killed mid-write leaves the previous value readable. The
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
//!
//! Reading is [`SeqLockReader`]'s (in `seqlock_read.rs`): a `SeqLock` contains one and forwards
//! its read methods; a process that only reads opens a `SeqLockReader` on its own, read-only.
//! After each publish the writer stores the new sequence's low 32 bits into the control block's
//! [`WaitCell`] and wakes sleepers only if its waiter count is non-zero.

use core::sync::atomic::{AtomicU64, Ordering, compiler_fence, fence};
use std::time::Duration;

use super::atomic_copy;
use super::error::SeqLockError;
#[cfg(test)]
use super::lock_word::RawLock;
use super::owner;
use super::role::{RoleHolder, RoleToken};
use super::seq_protocol;
use super::seqlock_read::SeqLockReader;
use super::wait::{self, WaitCell};
use crate::SharedLayout;
use crate::sys::membarrier;
use crate::segment::{
    ControlBlock, Error, RawSegment, SegmentKind, SharedPrimitive, primitive_shortcuts,
};

/// The seqlock's control block, two cache lines at the start of the payload; the slots follow.
///
/// | offset | size | content |
/// | ---: | ---: | --- |
/// | 0 | 8 | sequence: completed writes, 0 = no value |
/// | 8 | 16 | writer role ([`RoleToken`]) |
/// | 24 | 8 | [`WaitCell`] `published`: the sequence's low 32 bits (offset 24), waiter count (28) |
/// | 32 | 96 | reserved, zero |
///
/// The sequence and everything the writer touches per write share the first line; the second is
/// empty so that an adjacent-line prefetch of the first never pulls in slot 0.
#[repr(C)]
pub(super) struct SeqLockControl {
    pub(super) seq: AtomicU64,
    pub(super) writer: RoleToken,
    pub(super) published: WaitCell,
    reserved: [AtomicU64; 12],
}

crate::pinned::pin_offsets! { SeqLockControl, size 128:
    seq @ 0, writer @ 8, published @ 24, reserved @ 32 }

// SAFETY: only atomics (`RoleToken` is made of atomics) and a `WaitCell`, alignment 8.
unsafe impl ControlBlock for SeqLockControl {}

/// Bytes before the first slot: the control block (128, pinned above).
pub(super) const CONTROL: usize = size_of::<SeqLockControl>();

/// Where a slot's stamp sits for values of `size` bytes (after the value, 8-aligned), and the
/// bytes from one slot to the next (value and stamp, rounded up to 64); `None` on overflow.
pub(super) const fn slot_geometry(size: usize) -> Option<(usize, usize)> {
    let Some(stamp) = size.checked_next_multiple_of(8) else {
        return None;
    };
    let Some(end) = stamp.checked_add(8) else {
        return None;
    };
    match end.checked_next_multiple_of(64) {
        Some(stride) => Some((stamp, stride)),
        None => None,
    }
}

/// Who holds the writer role of a [`SeqLock`]: nobody, a running process, or a process that
/// died without releasing it, possibly mid-write (readers keep the last complete value, and the
/// next `write` takes the role over).
pub type WriterState = RoleHolder;

impl<T: SharedLayout + Copy> SharedPrimitive for SeqLock<T> {
    crate::segment::fixed_spec!(SegmentKind::SeqLock, SeqLockReader::<T>::PAYLOAD);

    fn from_segment(segment: RawSegment, _: ()) -> Result<Self, Error> {
        Ok(SeqLock {
            reader: SeqLockReader::wrap(segment),
            writer: None,
            light_fence: false,
        })
    }
}

/// A single-writer, many-reader "latest value" cell in a named shared-memory object.
///
/// ```
/// use shmipc::prelude::*;
/// use shmipc::SeqLock;
///
/// #[derive(SharedLayout, Clone, Copy, Debug, PartialEq)]
/// #[repr(C)]
/// #[shm(endian = "little")]
/// struct Quote { bid: I64Le, ask: I64Le }
///
/// # let name = format!("/shmipc-test-doc-sql-{}", std::process::id());
/// let mut quotes = SeqLock::<Quote>::create(&name)?;
/// quotes.write(&Quote { bid: 99.into(), ask: 101.into() })?;
///
/// // Another process opens it (a thread stands in for it here) and copies the latest value.
/// let reader = SeqLock::<Quote>::open(&name)?;
/// std::thread::spawn(move || {
///     assert_eq!(reader.read().unwrap().ask.get(), 101);
/// })
/// .join()
/// .unwrap();
/// assert_eq!(quotes.version(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SeqLock<T: SharedLayout + Copy> {
    reader: SeqLockReader<T>,
    /// The pid that claimed the writer role through this handle, if any. A forked child inherits
    /// the handle but not the role: its pid differs, so it must claim (and gets `WriterBusy`
    /// while the parent lives).
    writer: Option<u32>,
    /// Whether this process is registered for readers' `membarrier` (then a write's fence before
    /// its look at the sleeper count is a compiler fence; otherwise a full one).
    light_fence: bool,
}

impl<T: SharedLayout + Copy> SeqLock<T> {
    primitive_shortcuts! {
        /// Creates the named seqlock segment (the name must not exist), holding no value yet. The
        /// creator's handle unlinks the name when dropped (see [`RawSegment`]).
        create;
        /// Opens a seqlock another process created, checking the segment kind and `T`'s layout.
        /// A process that only reads opens a [`SeqLockReader`] instead, read-only.
        open;
        /// Options for creating or opening the seqlock `name` (mode, persistence, open timeout, …).
        builder;
    }

    /// The shared-memory name.
    pub fn name(&self) -> &str {
        self.reader.name()
    }

    /// The reading side of this handle (what a [`SeqLockReader`] opened elsewhere does).
    pub fn reader(&self) -> &SeqLockReader<T> {
        &self.reader
    }

    fn control(&self) -> &SeqLockControl {
        self.reader.raw().control()
    }

    #[cfg(test)]
    pub(super) fn seq(&self) -> &AtomicU64 {
        &self.control().seq
    }

    #[cfg(test)]
    pub(super) fn token(&self) -> RawLock<'_> {
        self.control().writer.raw()
    }

    /// Publishes `value`, and wakes readers waiting for it ([`SeqLockReader::wait_newer`]) if
    /// any sleep (no system call otherwise). The first call through this handle claims the writer
    /// role (and so does the first call in a forked child, which gets `WriterBusy` while the
    /// parent holds it).
    pub fn write(&mut self, value: &T) -> Result<(), SeqLockError> {
        self.claim_writer()?;
        let src = (value as *const T).cast::<u8>();
        let control = self.control();
        let seq = seq_protocol::write(&control.seq, &self.reader, |i| {
            // SAFETY: the slot is 64-aligned with size_of::<T>() value bytes before its stamp,
            // accessed only through `atomic_copy` by every process; `value` is a `Copy` type
            // without interior mutability, so its bytes are not written while we read them.
            unsafe { atomic_copy::store(self.reader.slot(i), src, size_of::<T>()) }
        });
        // The low half of the sequence differs from the previous write's, so a sleeper whose
        // futex compares the old value does not sleep through it.
        let cell = &control.published;
        let light = self.light_fence;
        let fenced = || {
            if light {
                compiler_fence(Ordering::SeqCst);
            } else {
                fence(Ordering::SeqCst);
            }
        };
        if seq_protocol::notify(cell.value(), cell.waiters(), seq, fenced) {
            wait::wake(cell.value(), u32::MAX);
        }
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
        // Once per claiming process (a forked child registers itself), so that a write needs
        // only a compiler fence before it looks for sleeping readers: they issue the heavy fence
        // (see `seq_protocol::notify`).
        self.light_fence = membarrier::register();
        Ok(())
    }

    /// Gives the writer role up (dropping the handle does too). In a forked child that did not
    /// claim the role itself this only forgets it: the parent's role is left alone.
    pub fn release_writer(&mut self) {
        if self.writer.take() == Some(owner::current().pid) {
            self.control().writer.release();
        }
    }

    /// See [`SeqLockReader::read`].
    pub fn read(&self) -> Result<T, SeqLockError> {
        self.reader.read()
    }

    /// See [`SeqLockReader::read_timeout`].
    pub fn read_timeout(&self, timeout: Duration) -> Result<T, SeqLockError> {
        self.reader.read_timeout(timeout)
    }

    /// See [`SeqLockReader::read_versioned`].
    pub fn read_versioned(&self, timeout: Duration) -> Result<(T, u64), SeqLockError> {
        self.reader.read_versioned(timeout)
    }

    /// See [`SeqLockReader::wait_newer`].
    pub fn wait_newer(
        &self,
        seen: u64,
        timeout: Option<Duration>,
    ) -> Result<(T, u64), SeqLockError> {
        self.reader.wait_newer(seen, timeout)
    }

    /// `read_versioned` with a peer that acts during every copy attempt (tests).
    #[cfg(test)]
    pub(super) fn read_racing(
        &self,
        timeout: Duration,
        during_copy: impl FnMut(),
    ) -> Result<(T, u64), SeqLockError> {
        self.reader.read_inner(timeout, during_copy)
    }

    /// How many writes completed so far (0: no value yet).
    pub fn version(&self) -> u64 {
        self.reader.version()
    }

    /// Who holds the writer role.
    pub fn writer_state(&self) -> WriterState {
        self.reader.writer_state()
    }
}

impl<T: SharedLayout + Copy> Drop for SeqLock<T> {
    fn drop(&mut self) {
        self.release_writer();
    }
}
