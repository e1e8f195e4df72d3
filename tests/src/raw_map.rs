//! Test-only raw shared mappings, for primitives that live at an address rather than in a typed
//! object (the wait/wake cell).

use std::ffi::CString;

/// A `len`-byte POSIX shared-memory object mapped read-write; unmapped (not unlinked) on drop.
pub struct RawMap {
    ptr: *mut u8,
    len: usize,
}

impl RawMap {
    /// Creates (`create`, zero-filled, mode 0600) or opens the object `name` and maps it.
    pub fn new(name: &str, len: usize, create: bool) -> std::io::Result<RawMap> {
        let c = CString::new(name).map_err(std::io::Error::other)?;
        let flags = if create {
            libc::O_CREAT | libc::O_EXCL | libc::O_RDWR
        } else {
            libc::O_RDWR
        };
        // SAFETY: `c` is NUL-terminated; flags and mode are plain integers.
        let fd = unsafe { libc::shm_open(c.as_ptr(), flags, 0o600) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` is open; resizing a fresh object zero-fills it.
        if create && unsafe { libc::ftruncate(fd, len as libc::off_t) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: maps `len` bytes of the open object at a kernel-chosen address.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            )
        };
        // SAFETY: `fd` is open and no longer needed (the mapping keeps the object).
        unsafe { libc::close(fd) };
        if p == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(RawMap { ptr: p.cast(), len })
    }

    /// The start of the mapping (page-aligned).
    pub fn ptr(&self) -> *mut u8 {
        self.ptr
    }
}

impl Drop for RawMap {
    fn drop(&mut self) {
        // SAFETY: exactly the region mmap returned; callers' borrows end with the map.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}
