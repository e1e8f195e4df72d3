//! [`SharedMutex`]: a robust mutex that lives in shared memory.
//!
//! # Why our own futex lock and not a POSIX robust mutex
//!
//! A `PTHREAD_MUTEX_ROBUST | PTHREAD_PROCESS_SHARED` mutex would give owner-death detection by the
//! kernel (glibc's robust list), but:
//!
//! - its size and layout belong to the C library (40 bytes on glibc x86-64, another size on musl,
//!   another on macOS), so a segment could not describe its own bytes, and two processes built
//!   against different libcs would silently disagree (segments describe their own bytes in a
//!   C-compatible layout: see docs/architecture.md, Decisions);
//! - macOS has no robust mutexes at all, and the portable path must behave the same;
//! - its recovery contract is unforgiving: unlocking after `EOWNERDEAD` without
//!   `pthread_mutex_consistent` makes it unusable forever (`ENOTRECOVERABLE`), while we want a lock
//!   that tells the next locker again and never becomes unusable;
//! - its state is opaque, so a garbage value written by a peer is undefined behaviour in libc
//!   rather than a reported error.
//!
//! So the lock is one 32-bit word whose encoding is ours and documented (see `lock_word.rs`): the
//! owner's pid, an `INCONSISTENT` bit and a `WAITERS` bit; all zero is unlocked. Beside it a 64-bit
//! owner record holds pid + process start time, so pid reuse is told apart. Owner death is
//! detected by the lockers themselves (`/proc/PID/stat`: gone, zombie, or another start time), not
//! by the kernel, which costs a waiter at most one sleep slice (1 ms at first) before it looks.
//!
//! # Races, and how each is closed
//!
//! - *Owner dies between its CAS and writing its record*: the pid is in the word, written by the
//!   CAS itself, so the lock is never held by nobody known. The record then names another pid
//!   (records are cleared before every release), so the judge asks only whether the pid exists.
//! - *Several waiters find the same dead owner*: each takes over with one CAS from the word it
//!   judged; exactly one wins, the others see a changed word and keep waiting.
//! - *Pid reuse*: a record whose pid matches but whose start time differs means dead. A taker-over
//!   clears the dead owner's record before its CAS, so its own (possibly equal) pid is never judged
//!   by the dead owner's start time. That clearing is a CAS from the record it judged: if the owner
//!   unlocked meanwhile and a process that reused its pid locked (the word reads the same again),
//!   the record differs and the take-over is abandoned. A record of another pid is never cleared:
//!   it may belong to an owner that locked after the judged word was read.
//! - *Garbage*: a word with reserved bits set is replaced (`LockError::Corrupted`, lock held). A
//!   word naming a live pid with a record of another pid can only last nanoseconds for a real
//!   owner; if it lasts 2 s while we wait, it is treated as garbage from a dead or hostile peer and
//!   taken over. A waiter therefore never waits forever on garbage. (The residual risk: an owner
//!   frozen by a debugger for 2 s exactly between its CAS and its record store.)
//!
//! # Waiting
//!
//! Uncontended lock and unlock are one CAS and one swap, no system call (the pid is cached), plus,
//! when the guard is dereferenced, a copy of the value in and out (see `guard.rs`: the safe API
//! never hands out a reference into memory a peer can write).
//! A contended locker spins adaptively (see `spin.rs`), then sets `WAITERS` and sleeps on the word
//! (futex without the private flag, or the portable poll), in slices of 1 ms doubling to 64 ms;
//! after a slice passes without a wake-up it checks whether the owner still lives.

use core::marker::PhantomData;
use core::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::error::LockError;
pub use super::guard::MutexGuard;
use super::guard::Spare;
use super::lock_word::{
    Acquired, LockWords, Owner, RawLock, Verdict, WAITERS, is_corrupted, owner_pid,
};
use super::owner::{self, Judgement};
use super::spin::Spinner;
use super::wait;
use crate::SharedLayout;
use crate::segment::{
    ControlBlock, Error, RawSegment, SegmentKind, SharedPrimitive, primitive_shortcuts,
};

/// The mutex's control block, one cache line at the start of the payload; the value follows.
///
/// | offset | size | content |
/// | ---: | ---: | --- |
/// | 0 | 4 | lock word (encoding in `lock_word.rs`) |
/// | 4 | 4 | owner's pid namespace tag (inode of its `/proc/self/ns/pid`), 0 when unknown or unlocked |
/// | 8 | 8 | owner record: pid (bits 0–21), process start time in clock ticks (22–63), 0 when unlocked |
/// | 16 | 48 | padding, zero, so that the value starts on its own cache line |
#[repr(C)]
struct MutexControl {
    lock: LockWords,
    padding: [AtomicU64; 6],
}

crate::pinned::pin_offsets! { MutexControl, size 64:
    lock.word @ 0, lock.owner_ns @ 4, lock.record @ 8, padding @ 16 }

// SAFETY: only atomics (`LockWords` is three; the padding is atomics too, so no byte is outside a
// field), alignment 8.
unsafe impl ControlBlock for MutexControl {}

/// Bytes before the value: the control block (64, pinned above).
const CONTROL: usize = size_of::<MutexControl>();
/// The value's offset in the payload (for `snapshot.rs`).
pub(crate) const VALUE_OFFSET: usize = CONTROL;

/// The lock words of a mutex segment, to load only (for `snapshot.rs`; the segment may be
/// read-only; the payload holds at least a control block: `RawSegment::control_read_only` asserts
/// it).
pub(crate) fn lock_of(segment: &RawSegment) -> &LockWords {
    // SAFETY: the snapshot that calls this only loads through the reference.
    &unsafe { segment.control_read_only::<MutexControl>() }.lock
}
const FIRST_SLICE: Duration = Duration::from_millis(1);
const MAX_SLICE: Duration = Duration::from_millis(64);
const STALE_GRACE: Duration = Duration::from_secs(2);

impl<T: SharedLayout> SharedPrimitive for SharedMutex<T> {
    crate::segment::fixed_spec!(SegmentKind::Mutex, Self::PAYLOAD);

    fn from_segment(segment: RawSegment, _: ()) -> Result<Self, Error> {
        Ok(SharedMutex {
            segment,
            spinner: Spinner::new(),
            spare: Spare::new(),
            _value: PhantomData,
        })
    }
}

/// What `lock`, `try_lock` and `lock_timeout` return.
pub type LockResult<'a, T> = Result<MutexGuard<'a, T>, LockError<MutexGuard<'a, T>>>;

/// A mutex in a named shared-memory object, protecting one `T`, that survives a holder that dies.
///
/// The object holds a 64-byte control block (lock word, owner record) followed by the value; all
/// zero is unlocked with an all-zero value. See the [`sync`](crate::sync) module for the design.
///
/// ```
/// use shmipc::prelude::*;
/// use shmipc::{LockError, SharedMutex};
///
/// #[derive(SharedLayout, Clone, Copy)]
/// #[repr(C)]
/// #[shm(endian = "little")]
/// struct Book { orders: U64Le, filled: U64Le }
///
/// # let name = format!("/shmipc-test-doc-mtx-{}", std::process::id());
/// let book = SharedMutex::<Book>::create(&name)?;
/// // Another process opens it by name; a thread stands in for it here.
/// let other = SharedMutex::<Book>::open(&name)?;
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         let mut g = other.lock().unwrap();
///         g.orders = (g.orders.get() + 1).into();
///     });
/// });
/// let g = match book.lock() {
///     Ok(g) => g,
///     // A holder died holding it: the lock is ours, the data may need repair.
///     Err(LockError::OwnerDied(g)) => g,
///     Err(e) => return Err(e.to_string().into()),
/// };
/// assert_eq!(g.orders.get(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SharedMutex<T: SharedLayout> {
    segment: RawSegment,
    spinner: Spinner,
    /// The guards' private copy of the value, kept between locks (see `guard.rs`).
    spare: Spare<T>,
    _value: PhantomData<T>,
}

// SAFETY: the handle owns a segment mapping (not tied to a thread) and a heap buffer (moved
// between guards with an atomic swap); the shared value is only ever accessed with atomic copies,
// and a guard's `&mut T` points into a private copy that only that guard uses. The value moves
// between threads through the lock, as with `std::sync::Mutex`, so Send and Sync need `T: Send`.
unsafe impl<T: SharedLayout + Send> Send for SharedMutex<T> {}
// SAFETY: as above: concurrent `&SharedMutex` use goes through the atomic lock protocol, the
// atomic copies and the atomic spare-buffer swap.
unsafe impl<T: SharedLayout + Send> Sync for SharedMutex<T> {}

impl<T: SharedLayout> SharedMutex<T> {
    /// Offset of the value in the payload: right after the control block, or at the value's
    /// alignment if that is larger (up to a page: the payload is aligned to
    /// `max(64, align_of::<T>())`, which the header supports up to 4096).
    const VALUE: usize = {
        assert!(
            align_of::<T>() <= 4096,
            "a SharedMutex value may be aligned to at most 4096 bytes (a page)"
        );
        if align_of::<T>() > CONTROL {
            align_of::<T>()
        } else {
            CONTROL
        }
    };
    const PAYLOAD: usize = Self::VALUE + size_of::<T>();

    primitive_shortcuts! {
        /// Creates the named mutex segment (the name must not exist), unlocked, with an all-zero
        /// `T`. The creator's handle unlinks the name when dropped (see [`RawSegment`]).
        create;
        /// Opens a mutex another process created, checking the segment kind and `T`'s layout (an
        /// error names the first differing field).
        open;
        /// Options for creating or opening the mutex `name` (mode, persistence, open timeout, …).
        builder;
    }

    /// The pid recorded as holder in the lock word right now (`None`: unlocked). Diagnostic
    /// only: the answer may be stale as soon as it is returned, and the pid may be dead.
    pub fn holder(&self) -> Option<u32> {
        let pid = owner_pid(self.raw().word.load(Ordering::Acquire));
        (pid != 0).then_some(pid)
    }

    /// Whether the lock word says that somebody may sleep waiting for the lock (its `WAITERS`
    /// bit: set by a waiter before it sleeps, cleared by every unlock). Diagnostic only, like
    /// [`holder`](Self::holder): stale as soon as it is returned, and the waiter may be dead.
    pub fn has_waiters(&self) -> bool {
        self.raw().word.load(Ordering::Acquire) & WAITERS != 0
    }

    /// The shared-memory name.
    pub fn name(&self) -> &str {
        self.segment.name()
    }

    pub(super) fn raw(&self) -> RawLock<'_> {
        self.segment.control::<MutexControl>().lock.raw()
    }

    /// The guards' spare private buffer.
    pub(super) fn spare(&self) -> &Spare<T> {
        &self.spare
    }

    /// The value in shared memory (accessed through `atomic_copy` only, or the guard's unsafe
    /// in-place path).
    pub(super) fn value_ptr(&self) -> *mut T {
        // SAFETY: VALUE + size_of::<T>() = PAYLOAD bytes are mapped (checked at create/open);
        // VALUE is a multiple of T's alignment (CONTROL = 64 or align_of::<T>(), both powers of
        // two) and the payload is aligned to max(64, align_of::<T>()) (the header's payload
        // alignment is the layout's). The value does not overlap the control block, which ends
        // at CONTROL <= VALUE.
        unsafe { self.segment.payload().as_ptr().add(Self::VALUE).cast::<T>() }
    }

    /// Locks, waiting as long as a live owner holds the lock.
    ///
    /// `Err(LockError::OwnerDied(guard))` (or `Corrupted`) means the lock is held but the previous
    /// holder died in its critical section: repair, then [`MutexGuard::mark_consistent`]. Locking
    /// twice from one thread deadlocks (as with `std::sync::Mutex`); use `lock_timeout` to bound it.
    #[inline]
    pub fn lock(&self) -> LockResult<'_, T> {
        let me = owner::current();
        match self.raw().try_acquire(me, false) {
            Ok(a) => self.guard(a, me),
            Err(_) => self.acquire(me, None),
        }
    }

    /// Like [`lock`](Self::lock), giving up with `LockError::Timeout` after `timeout`.
    #[inline]
    pub fn lock_timeout(&self, timeout: Duration) -> LockResult<'_, T> {
        let me = owner::current();
        match self.raw().try_acquire(me, false) {
            Ok(a) => self.guard(a, me),
            Err(_) => self.acquire(me, Some(timeout)),
        }
    }

    /// Locks if that is possible without waiting: free, or held by an owner known to be dead.
    pub fn try_lock(&self) -> LockResult<'_, T> {
        let me = owner::current();
        let raw = self.raw();
        match raw.try_acquire(me, false) {
            Ok(a) => self.guard(a, me),
            Err(seen) => match raw.try_take_over(seen, me, owner::verdict) {
                Some(a) => self.guard(a, me),
                None => Err(LockError::WouldBlock),
            },
        }
    }

    /// The slow path: the lock was held at the first attempt.
    #[inline(never)]
    fn acquire(&self, me: Owner, timeout: Option<Duration>) -> LockResult<'_, T> {
        let deadline = timeout.map(|t| Instant::now().checked_add(t).unwrap_or_else(far_future));
        let raw = self.raw();
        let spun = self.spinner.spin(|| {
            let w = raw.word.load(Ordering::Relaxed);
            if owner_pid(w) == 0 || is_corrupted(w) {
                raw.try_acquire(me, false).ok()
            } else {
                None
            }
        });
        if let Some(a) = spun {
            return self.guard(a, me);
        }
        let mut slice = FIRST_SLICE;
        let mut stale: Option<(u32, Instant)> = None;
        loop {
            let seen = match raw.try_acquire(me, true) {
                Ok(a) => return self.guard(a, me),
                Err(seen) => seen,
            };
            // Announce before the deadline check: a waiter woken by an unlock (which cleared
            // WAITERS) that lost the lock to a barger must set WAITERS again even if it gives up
            // now, or the other sleepers miss the next unlock and sleep out their slice. The
            // cost of giving up with it set: one useless wake-up call by the owner.
            let announced = raw.announce_waiter(seen);
            let left = match deadline {
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return Err(LockError::Timeout),
                },
                None => None,
            };
            let Ok(sleep_on) = announced else {
                continue;
            };
            let nap = left.map_or(slice, |l| l.min(slice));
            if wait::wait(raw.word, sleep_on, Some(nap)) {
                continue;
            }
            // A whole slice without a wake-up: does the owner still live?
            slice = (slice * 2).min(MAX_SLICE);
            let now = raw.word.load(Ordering::Relaxed);
            let taken = raw.try_take_over(now, me, |p, r, n| match owner::judge(p, r, n) {
                Judgement::Alive => Verdict::Alive,
                Judgement::Dead => Verdict::Dead,
                Judgement::Unconfirmed => match stale {
                    Some((w, since)) if w == now && since.elapsed() >= STALE_GRACE => Verdict::Dead,
                    Some((w, _)) if w == now => Verdict::Alive,
                    _ => {
                        stale = Some((now, Instant::now()));
                        Verdict::Alive
                    }
                },
            });
            if let Some(a) = taken {
                return self.guard(a, me);
            }
        }
    }

    #[inline]
    fn guard(&self, how: Acquired, me: Owner) -> LockResult<'_, T> {
        let guard = MutexGuard::new(self, how == Acquired::Clean, me.pid);
        match how {
            Acquired::Clean => Ok(guard),
            Acquired::OwnerDied => Err(LockError::OwnerDied(guard)),
            Acquired::Corrupted(word) => Err(LockError::Corrupted { guard, word }),
        }
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600)
}
