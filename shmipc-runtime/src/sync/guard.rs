//! [`MutexGuard`]: the locked value of a [`SharedMutex`], worked on as a private copy.
//!
//! The design (why a copy, where it lives, the in-place path, fork) is documented on the type.

use core::cell::{Cell, UnsafeCell};
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicPtr, Ordering};

use super::atomic_copy;
use super::mutex::SharedMutex;
use super::owner;
use super::wait;
use crate::SharedLayout;

/// Values up to this many bytes are copied into the guard itself; larger ones into a heap buffer.
pub const INLINE: usize = 64;

/// Whether `T`'s copy lives in the guard (a constant per `T`): at most [`INLINE`] bytes, aligned
/// to at most 8.
const fn inline<T>() -> bool {
    size_of::<T>() <= INLINE && align_of::<T>() <= align_of::<InlineBuf>()
}

/// The guard's own buffer. Aligned to 8 only, so that the guard stays below 128 bytes (a small
/// `Result` from `lock`); over-aligned values take the heap path.
#[repr(C, align(8))]
struct InlineBuf(UnsafeCell<MaybeUninit<[u8; INLINE]>>);

/// The per-handle spare buffer (see the module docs): null, or a `Box<MaybeUninit<T>>` that no
/// guard uses.
#[derive(Debug)]
pub(super) struct Spare<T> {
    ptr: AtomicPtr<MaybeUninit<T>>,
}

impl<T> Spare<T> {
    pub(super) const fn new() -> Spare<T> {
        Spare {
            ptr: AtomicPtr::new(core::ptr::null_mut()),
        }
    }

    /// The spare buffer, or a new one.
    fn take(&self) -> *mut MaybeUninit<T> {
        let p = self.ptr.swap(core::ptr::null_mut(), Ordering::Acquire);
        if p.is_null() {
            Box::into_raw(Box::<T>::new_uninit())
        } else {
            p
        }
    }

    /// Gives a buffer from [`take`](Self::take) back (frees it if a spare is already there).
    fn give_back(&self, p: *mut MaybeUninit<T>) {
        if self
            .ptr
            .compare_exchange(
                core::ptr::null_mut(),
                p,
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_err()
        {
            // SAFETY: `p` came from `Box::into_raw` in `take` and nothing else owns it.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

impl<T> Drop for Spare<T> {
    fn drop(&mut self) {
        let p = *self.ptr.get_mut();
        if !p.is_null() {
            // SAFETY: a non-null spare came from `Box::into_raw` and is owned by the spare slot.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// Exclusive access to the value of a locked [`SharedMutex`]; unlocks when dropped.
///
/// Dereferencing gives a private copy of the value, written back when the guard drops.
///
/// # Why a copy
///
/// The value lives in memory that every process mapping the segment can write, and the lock only
/// excludes processes that follow its protocol. A hostile or broken peer can write the value while
/// we hold the lock, and so can a second holder let in by the lock's own recovery (a corrupted
/// word is replaced, a stale owner taken over). A `&T` or `&mut T` into that memory would then be
/// undefined behaviour: the compiler may load a field twice and see two values, after the user's
/// bounds check (`if g.len <= N { &g.buf[..g.len] }`). So the safe API never hands out a
/// reference into shared memory:
///
/// - the first dereference copies the value into a private buffer with word-wise relaxed atomic
///   loads (`atomic_copy.rs`, the seqlock's copies), and every `&T` / `&mut T` points into that
///   buffer;
/// - dropping the guard copies the buffer back with relaxed atomic stores, then releases the lock
///   word (a `Release` swap orders the copy before it; the next locker's `Acquire` CAS orders its
///   copy after).
///
/// A hostile peer can still garble the value, as it can garble any shared bytes, but the process
/// only ever sees one consistent snapshot per lock, and no data race exists in this process.
/// The private copy is filled through `&self`, so the guard is neither `Send` nor `Sync`.
///
/// # Where the copy lives
///
/// - A value of at most 64 bytes and alignment at most 8 is copied into the guard itself (the
///   guard is under 100 bytes): no allocation and no extra atomic read-modify-write per lock.
/// - A larger value is copied into a heap buffer, one per [`SharedMutex`] handle, that the guard
///   borrows (an atomic pointer swap; allocated at the first lock) and gives back on drop (a
///   compare-and-swap). So a large `T` never lands on the stack, and the guard stays small. If
///   two guards of one handle ever exist at once (only possible when a peer broke the lock), the
///   second allocates its own buffer.
///
/// Nothing is copied until the first dereference, so a guard used only to serialize costs no
/// copy; every dereferenced guard copies the value back (interior mutability through `&T`
/// cannot be ruled out for every `T`).
///
/// # In place, for large values
///
/// Copying costs two copies of `size_of::<T>()` bytes per critical section.
/// [`MutexGuard::get_mut_in_place`] (unsafe) hands out the shared value itself, for callers who
/// accept that only peers that follow the lock protocol are tolerated;
/// [`MutexGuard::as_mut_ptr`] gives the raw pointer.
///
/// # Fork
///
/// The guard records the pid that locked. A guard inherited by a forked child, dropped there,
/// does nothing: it neither copies back nor unlocks the parent's lock (which the parent still
/// holds and releases with its own guard; if the parent dies holding it, the lock is taken over
/// as from any dead owner). Its heap buffer, if any, is freed. What the child wrote through the
/// inherited guard stays in its private copy and is lost.
pub struct MutexGuard<'a, T: SharedLayout> {
    mutex: &'a SharedMutex<T>,
    consistent: bool,
    /// The pid that locked (a guard dropped in a forked child must not unlock).
    pid: u32,
    /// Whether the private copy holds the value (false until the first dereference, and after
    /// `as_mut_ptr`).
    loaded: Cell<bool>,
    /// For a value larger than [`INLINE`]: while loaded, the buffer from the handle's [`Spare`].
    heap: Cell<*mut MaybeUninit<T>>,
    /// For a value of at most [`INLINE`] bytes: the copy.
    inline: InlineBuf,
    // The guard stays on the thread that locked (like std's), so `Drop` runs where `lock` did;
    // the `Cell` makes it `!Sync` too (the first `deref` through `&self` fills it).
    _not_send: PhantomData<*const ()>,
}

impl<'a, T: SharedLayout> MutexGuard<'a, T> {
    /// A guard for a lock just taken by this process (`pid`).
    #[inline]
    pub(super) fn new(mutex: &'a SharedMutex<T>, consistent: bool, pid: u32) -> Self {
        MutexGuard {
            mutex,
            consistent,
            pid,
            loaded: Cell::new(false),
            heap: Cell::new(core::ptr::null_mut()),
            inline: InlineBuf(UnsafeCell::new(MaybeUninit::uninit())),
            _not_send: PhantomData,
        }
    }

    /// Declares the value repaired after `OwnerDied` or `Corrupted`, so that the next locker gets
    /// a plain guard. Without it, every next locker is told `OwnerDied` again.
    pub fn mark_consistent(&mut self) {
        self.consistent = true;
    }

    /// Whether the value is considered consistent (locked cleanly or marked so).
    pub fn is_consistent(&self) -> bool {
        self.consistent
    }

    /// Where the copy is (meaningful while loaded).
    #[inline]
    fn buffer(&self) -> *mut T {
        if inline::<T>() {
            self.inline.0.get().cast()
        } else {
            self.heap.get().cast()
        }
    }

    /// The private copy, filled from shared memory on first use.
    #[inline]
    fn copy(&self) -> *mut T {
        if !self.loaded.get() {
            if !inline::<T>() {
                self.heap.set(self.mutex.spare().take());
            }
            // SAFETY: the value is `size_of::<T>()` mapped bytes, 64-aligned, accessed by this
            // process only through `atomic_copy` (the in-place path is unsafe and documented to
            // exclude concurrent copies); the buffer is private to this guard with room for a `T`
            // (`INLINE` bytes when `inline::<T>()`, else a `Box<MaybeUninit<T>>`), and no
            // reference into it exists while unloaded.
            unsafe {
                atomic_copy::load(
                    self.buffer().cast(),
                    self.mutex.value_ptr().cast(),
                    size_of::<T>(),
                )
            };
            self.loaded.set(true);
        }
        self.buffer()
    }

    /// Writes the private copy back (if loaded) and gives a heap buffer back.
    #[inline(always)]
    fn flush(&mut self) {
        if !self.loaded.replace(false) {
            return;
        }
        // SAFETY: as in `copy`, for stores; the buffer holds the value (filled by `copy`), and no
        // reference into it outlives `&mut self`.
        unsafe {
            atomic_copy::store(
                self.mutex.value_ptr().cast(),
                self.buffer().cast(),
                size_of::<T>(),
            )
        };
        if !inline::<T>() {
            self.mutex
                .spare()
                .give_back(self.heap.replace(core::ptr::null_mut()));
        }
    }

    /// The shared value itself, after writing the private copy back. The next dereference copies
    /// the value in again, so writes made through the pointer (while the guard lives) are seen.
    ///
    /// Using the pointer is unsafe for the reasons given at
    /// [`get_mut_in_place`](Self::get_mut_in_place).
    pub fn as_mut_ptr(&mut self) -> *mut T {
        self.flush();
        self.mutex.value_ptr()
    }

    /// The shared value in place, without a copy: for values too large to copy in every
    /// critical section.
    ///
    /// # Safety
    ///
    /// No other thread or process may access the value while the reference lives. The lock
    /// guarantees that only against peers that follow its protocol: a hostile or broken process
    /// mapping the segment, or a second holder let in by the lock's recovery from a corrupted
    /// word or a stale owner, can write it concurrently, which is undefined behaviour here. Call
    /// this only where every process with write access to the segment is trusted, and re-check
    /// every index or length read from the value at each use.
    pub unsafe fn get_mut_in_place(&mut self) -> &mut T {
        let p = self.as_mut_ptr();
        // SAFETY: mapped, aligned and valid for every bit pattern (`SharedLayout`); exclusive
        // access is the caller's promise; the reference borrows `self`, so it ends before the
        // guard unlocks, and the guard holds no copy that a later drop would write over it.
        unsafe { &mut *p }
    }
}

impl<T: SharedLayout> MutexGuard<'_, T> {
    /// Drop in a forked child: frees a heap copy, touches nothing shared.
    #[cold]
    fn forget_in_child(&mut self) {
        let p = self.heap.replace(core::ptr::null_mut());
        if !p.is_null() {
            // SAFETY: `p` came from `Box::into_raw` in `Spare::take`; this guard owns it.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

impl<T: SharedLayout> Deref for MutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the copy is a private, initialized buffer (every bit pattern is a valid `T`,
        // `SharedLayout`) owned by this guard; it is replaced only through `&mut self`, so it
        // outlives the returned reference, and nothing else writes it.
        unsafe { &*self.copy() }
    }
}

impl<T: SharedLayout> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference into the copy.
        unsafe { &mut *self.copy() }
    }
}

impl<T: SharedLayout> Drop for MutexGuard<'_, T> {
    /// Writes the copy back and unlocks. A guard dropped while its thread panics leaves the value
    /// marked inconsistent, as std's poisoning does: the critical section may have stopped
    /// half-way, so the next locker is told `OwnerDied` and can repair. In a forked child (another
    /// pid than the one that locked) it only frees its copy.
    // `always`: without it the drop (copy back, pid check, release) stays a call, which cost
    // about a third of an uncontended lock+unlock in `bench_sync`.
    #[inline(always)]
    fn drop(&mut self) {
        if owner::current().pid != self.pid {
            self.forget_in_child();
            return;
        }
        self.flush();
        let raw = self.mutex.raw();
        if raw.release(self.consistent && !std::thread::panicking()) {
            wait::wake(raw.word, 1);
        }
    }
}

impl<T: SharedLayout> core::fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MutexGuard")
            .field("name", &self.mutex.name())
            .field("consistent", &self.consistent)
            .finish_non_exhaustive()
    }
}
