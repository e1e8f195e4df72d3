//! The design shmipc replaces (the seed's ring): a POSIX named semaphore taken on every push and
//! every pop, and a full or empty ring polled with 100 µs sleeps. No batch API: a batch is that
//! many single calls.

use std::ffi::CString;
use std::marker::PhantomData;
use std::mem::size_of;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::channel::{Receiver, Sender};
use super::messages::Message;
use super::shared_map::SharedMap;

const SLOTS: usize = 64;
const POLL: Duration = Duration::from_micros(100);

/// A semaphore-guarded ring (either end).
pub struct SemaphoreRing<T> {
    sem: *mut libc::sem_t,
    sem_name: CString,
    creator: bool,
    map: SharedMap,
    capacity: u64,
    _t: PhantomData<T>,
}

// SAFETY: the semaphore handle is process-wide and usable from any thread; the mapping is
// accessed only under the semaphore.
unsafe impl<T: Send> Send for SemaphoreRing<T> {}

impl<T: Message> SemaphoreRing<T> {
    /// Creates the ring `name` with `capacity` (a power of two) slots.
    pub fn create(name: &str, capacity: usize) -> SemaphoreRing<T> {
        assert!(capacity.is_power_of_two());
        let map = SharedMap::create(&format!("{name}-data"), SLOTS + capacity * size_of::<T>());
        Self::with(name, map, capacity, true)
    }

    /// Opens the ring `name` of `capacity` slots.
    pub fn open(name: &str, capacity: usize) -> SemaphoreRing<T> {
        assert!(capacity.is_power_of_two());
        let map = SharedMap::open(&format!("{name}-data"));
        assert!(map.len() >= SLOTS + capacity * size_of::<T>());
        Self::with(name, map, capacity, false)
    }

    fn with(name: &str, map: SharedMap, capacity: usize, create: bool) -> SemaphoreRing<T> {
        let sem_name = CString::new(name).expect("no NUL in the name");
        let flags = if create {
            libc::O_CREAT | libc::O_EXCL
        } else {
            0
        };
        // SAFETY: `sem_name` is NUL-terminated; mode and initial value are passed as C expects.
        let sem = unsafe {
            libc::sem_open(
                sem_name.as_ptr(),
                flags,
                0o600 as libc::c_uint,
                1 as libc::c_uint,
            )
        };
        assert!(
            sem != libc::SEM_FAILED,
            "sem_open {name}: {}",
            std::io::Error::last_os_error()
        );
        SemaphoreRing {
            sem,
            sem_name,
            creator: create,
            map,
            capacity: capacity as u64,
            _t: PhantomData,
        }
    }

    fn index(&self, which: usize) -> &AtomicU64 {
        // SAFETY: offsets 0 and 8 are inside the mapping (at least SLOTS bytes), 8-aligned, only
        // accessed atomically, and live as long as `self`.
        unsafe { AtomicU64::from_ptr(self.map.ptr().add(8 * which).cast()) }
    }

    fn slot(&self, index: u64) -> *mut T {
        let i = (index & (self.capacity - 1)) as usize;
        // SAFETY: `i < capacity` by the mask, inside the mapping whose size was checked.
        unsafe { self.map.ptr().add(SLOTS).cast::<T>().add(i) }
    }

    /// Runs `f(head, tail)` under the semaphore.
    fn locked<R>(&self, f: impl FnOnce(&AtomicU64, &AtomicU64) -> R) -> R {
        // SAFETY: `sem` is an open semaphore; EINTR is retried.
        while unsafe { libc::sem_wait(self.sem) } != 0 {}
        let r = f(self.index(0), self.index(1));
        // SAFETY: as above; we hold the unit we took.
        unsafe { libc::sem_post(self.sem) };
        r
    }
}

impl<T: Message> Sender<T> for SemaphoreRing<T> {
    fn send(&mut self, msg: &T) {
        loop {
            let done = self.locked(|head, tail| {
                let t = tail.load(Ordering::Relaxed);
                if t.wrapping_sub(head.load(Ordering::Relaxed)) >= self.capacity {
                    return false;
                }
                // SAFETY: in bounds (masked) and free; the semaphore excludes the consumer.
                unsafe { self.slot(t).write(*msg) };
                tail.store(t + 1, Ordering::Relaxed);
                true
            });
            if done {
                return;
            }
            std::thread::sleep(POLL);
        }
    }
}

impl<T: Message> Receiver<T> for SemaphoreRing<T> {
    fn recv(&mut self) -> T {
        loop {
            let got = self.locked(|head, tail| {
                let h = head.load(Ordering::Relaxed);
                if tail.load(Ordering::Relaxed) == h {
                    return None;
                }
                // SAFETY: in bounds (masked) and written; the semaphore excludes the producer.
                let m = unsafe { self.slot(h).read() };
                head.store(h + 1, Ordering::Relaxed);
                Some(m)
            });
            if let Some(m) = got {
                return m;
            }
            std::thread::sleep(POLL);
        }
    }
}

impl<T> Drop for SemaphoreRing<T> {
    fn drop(&mut self) {
        // SAFETY: closes the handle `with` opened; the creator also removes the name.
        unsafe {
            libc::sem_close(self.sem);
            if self.creator {
                libc::sem_unlink(self.sem_name.as_ptr());
            }
        }
    }
}
