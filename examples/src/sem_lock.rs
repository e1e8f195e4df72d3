//! The benchmarks' baseline lock: a POSIX named semaphore guarding a plain shared mapping, what
//! a program without shmipc would write (`bench_sync` measures shmipc's lock and seqlock beside it).

use std::ffi::CString;
use std::sync::atomic::{AtomicU32, Ordering};

/// The baseline lock: a named semaphore plus a plain shared mapping holding the data.
pub struct SemLock {
    sem: *mut libc::sem_t,
    data: *mut u8,
    len: usize,
}

impl SemLock {
    /// Creates (`create`) or opens the semaphore `name` and the `len`-byte data object
    /// `name-data`, mapped shared. Panics on failure (a benchmark has no way around it).
    pub fn new(name: &str, len: usize, create: bool) -> SemLock {
        let c = CString::new(name).unwrap();
        let flags = if create {
            libc::O_CREAT | libc::O_EXCL
        } else {
            0
        };
        // SAFETY: `c` is NUL-terminated; the variadic mode and value are passed as C expects.
        let sem =
            unsafe { libc::sem_open(c.as_ptr(), flags, 0o600 as libc::c_uint, 1 as libc::c_uint) };
        assert!(
            sem != libc::SEM_FAILED,
            "sem_open: {}",
            std::io::Error::last_os_error()
        );
        let data_name = CString::new(format!("{name}-data")).unwrap();
        let oflags = if create {
            libc::O_CREAT | libc::O_EXCL | libc::O_RDWR
        } else {
            libc::O_RDWR
        };
        // SAFETY: `data_name` is NUL-terminated.
        let fd = unsafe { libc::shm_open(data_name.as_ptr(), oflags, 0o600) };
        assert!(fd >= 0, "shm_open: {}", std::io::Error::last_os_error());
        if create {
            // SAFETY: `fd` is open; a fresh object is zero-filled by ftruncate.
            let rc = unsafe { libc::ftruncate(fd, len as libc::off_t) };
            assert_eq!(rc, 0);
        }
        // SAFETY: maps `len` bytes of the open object at a kernel-chosen address.
        let data = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            )
        };
        assert!(data != libc::MAP_FAILED);
        // SAFETY: `fd` is open and no longer needed.
        unsafe { libc::close(fd) };
        SemLock {
            sem,
            data: data.cast(),
            len,
        }
    }

    /// Runs `f` on the data under the semaphore.
    pub fn with<R>(&self, f: impl FnOnce(*mut u8) -> R) -> R {
        self.wait();
        let r = f(self.data);
        self.post();
        r
    }

    /// Takes one unit of the semaphore, waiting for it (retrying on `EINTR`).
    pub fn wait(&self) {
        // SAFETY: `sem` is the semaphore `new` opened, open until `self` drops.
        while unsafe { libc::sem_wait(self.sem) } != 0 {}
    }

    /// Gives one unit back (or signals, when the semaphore is used as a signal).
    pub fn post(&self) {
        // SAFETY: as in `wait`.
        unsafe { libc::sem_post(self.sem) };
    }

    /// A stop flag at offset 2048 of the data region (outside the guarded frame).
    pub fn stop_flag(&self) -> &AtomicU32 {
        assert!(
            self.len >= 2052,
            "the data region has no room for the stop flag"
        );
        // SAFETY: offset 2048 is inside the region (asserted), 4-aligned, and only accessed
        // atomically; the reference lives no longer than the mapping.
        unsafe { AtomicU32::from_ptr(self.data.add(2048).cast()) }
    }

    /// Whether the stop flag is set.
    pub fn stopped(&self) -> bool {
        self.stop_flag().load(Ordering::Relaxed) != 0
    }

    /// Removes the semaphore `name` and its data object.
    pub fn unlink(name: &str) {
        let c = CString::new(name).unwrap();
        let d = CString::new(format!("{name}-data")).unwrap();
        // SAFETY: NUL-terminated names; unlinking a missing name only fails.
        unsafe {
            libc::sem_unlink(c.as_ptr());
            libc::shm_unlink(d.as_ptr());
        }
    }
}

impl Drop for SemLock {
    fn drop(&mut self) {
        // SAFETY: closes what `new` opened and maps nothing that outlives `self`.
        unsafe {
            libc::sem_close(self.sem);
            libc::munmap(self.data.cast(), self.len);
        }
    }
}
