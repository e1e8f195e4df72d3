//! A minimal named shared mapping for the typed primitives, used until the segment module (issue
//! 3) provides `RawSegment`: a 64-byte header (magic, kind, layout fingerprint, payload size, and a
//! ready word published last) followed by the payload. Created with `O_CREAT | O_EXCL`, mode 0600;
//! opened with a size check before mapping.

use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering};
use std::ffi::CString;
use std::io;
use std::time::{Duration, Instant};

use super::error::OpenError;

const MAGIC: u64 = u64::from_le_bytes(*b"SHMIPCsy");
const HEADER: usize = 64;
const READY: u32 = 1;

/// What a mapping holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Mutex = 1,
    SeqLock = 2,
}

/// A mapped, named shared-memory object.
#[derive(Debug)]
pub(crate) struct Mapping {
    base: NonNull<u8>,
    len: usize,
    name: String,
}

// SAFETY: the mapping is plain shared memory owned by this handle; every access to it goes through
// the primitives' protocols (atomics), so sharing the handle between threads is sound.
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

fn c_name(name: &str) -> Result<CString, OpenError> {
    let valid =
        name.starts_with('/') && name.len() > 1 && name.len() < 250 && !name[1..].contains('/');
    if !valid {
        return Err(OpenError::InvalidName(name.to_owned()));
    }
    CString::new(name).map_err(|_| OpenError::InvalidName(name.to_owned()))
}

impl Mapping {
    /// Creates `name` (which must not exist) with room for `payload` bytes, zero-filled.
    pub fn create(
        name: &str,
        kind: Kind,
        fingerprint: u64,
        payload: usize,
    ) -> Result<Mapping, OpenError> {
        let c = c_name(name)?;
        let len = HEADER + payload;
        // SAFETY: `c` is a NUL-terminated string; the flags and mode are plain integers.
        let fd = unsafe {
            libc::shm_open(
                c.as_ptr(),
                libc::O_CREAT | libc::O_EXCL | libc::O_RDWR | libc::O_CLOEXEC | libc::O_NOFOLLOW,
                0o600 as libc::mode_t,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error().into());
        }
        // SAFETY: `fd` is the descriptor just opened.
        let map = if unsafe { libc::ftruncate(fd, len as libc::off_t) } != 0 {
            Err(io::Error::last_os_error().into())
        } else {
            map_fd(fd, len)
        };
        // SAFETY: `fd` is open and not used after this (the mapping keeps the object alive).
        unsafe { libc::close(fd) };
        let base = match map {
            Ok(base) => base,
            Err(e) => {
                // SAFETY: `c` is a valid name; we created it and failed to set it up.
                unsafe { libc::shm_unlink(c.as_ptr()) };
                return Err(e);
            }
        };
        let m = Mapping {
            base,
            len,
            name: name.to_owned(),
        };
        // SAFETY: the header is within the mapping, 8-aligned (page-aligned base), and nobody can
        // read it before READY is published below.
        unsafe {
            base.as_ptr().cast::<u64>().write(MAGIC);
            base.as_ptr().add(8).cast::<u32>().write(kind as u32);
            base.as_ptr().add(16).cast::<u64>().write(fingerprint);
            base.as_ptr().add(24).cast::<u64>().write(payload as u64);
        }
        m.ready().store(READY, Ordering::Release);
        Ok(m)
    }

    /// Opens `name`, checking that its size, kind and layout fingerprint match.
    pub fn open(
        name: &str,
        kind: Kind,
        fingerprint: u64,
        payload: usize,
    ) -> Result<Mapping, OpenError> {
        let c = c_name(name)?;
        // SAFETY: `c` is a NUL-terminated string.
        let fd = unsafe {
            libc::shm_open(
                c.as_ptr(),
                libc::O_RDWR | libc::O_CLOEXEC | libc::O_NOFOLLOW,
                0,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error().into());
        }
        let len = HEADER + payload;
        // SAFETY: an all-zero `stat` is a valid value of the plain C struct.
        let mut st: libc::stat = unsafe { core::mem::zeroed() };
        // SAFETY: `fd` is open and `st` is a valid out-pointer.
        let map = if unsafe { libc::fstat(fd, &mut st) } != 0 {
            Err(io::Error::last_os_error().into())
        } else if st.st_size as u64 != len as u64 {
            Err(OpenError::Mismatch(format!(
                "size {} bytes, expected {len}",
                st.st_size
            )))
        } else {
            map_fd(fd, len)
        };
        // SAFETY: `fd` is open and not used after this.
        unsafe { libc::close(fd) };
        let m = Mapping {
            base: map?,
            len,
            name: name.to_owned(),
        };
        let start = Instant::now();
        while m.ready().load(Ordering::Acquire) != READY {
            if start.elapsed() > Duration::from_secs(1) {
                return Err(OpenError::NotReady);
            }
            std::thread::sleep(Duration::from_micros(100));
        }
        // SAFETY: the header is within the mapping and was published (READY, acquire) before.
        let (magic, k, fp) = unsafe {
            (
                m.base.as_ptr().cast::<u64>().read_volatile(),
                m.base.as_ptr().add(8).cast::<u32>().read_volatile(),
                m.base.as_ptr().add(16).cast::<u64>().read_volatile(),
            )
        };
        if magic != MAGIC || k != kind as u32 || fp != fingerprint {
            return Err(OpenError::Mismatch(format!(
                "kind {k} fingerprint {fp:#018x}, expected kind {} fingerprint {fingerprint:#018x}",
                kind as u32
            )));
        }
        Ok(m)
    }

    fn ready(&self) -> &AtomicU32 {
        // SAFETY: offset 12 is within the header, 4-aligned, and only accessed atomically.
        unsafe { AtomicU32::from_ptr(self.base.as_ptr().add(12).cast::<u32>()) }
    }

    /// The payload: 64-byte aligned, zero-filled at creation.
    pub fn payload(&self) -> NonNull<u8> {
        // SAFETY: HEADER < len, so the result is inside the mapping and non-null.
        unsafe { self.base.add(HEADER) }
    }

    /// The name given at creation or opening.
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn map_fd(fd: libc::c_int, len: usize) -> Result<NonNull<u8>, OpenError> {
    // SAFETY: maps `len` bytes of an open shared-memory object, shared, at an address the kernel
    // chooses; no existing memory is affected.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(io::Error::last_os_error().into());
    }
    NonNull::new(p.cast::<u8>()).ok_or(OpenError::NotReady)
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `base`/`len` are exactly what mmap returned; no reference into the mapping
        // outlives the handle (guards borrow it).
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.len) };
    }
}
