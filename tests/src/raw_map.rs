//! Test-only raw shared mappings, for primitives that live at an address rather than in a typed
//! object (the wait/wake cell).

use std::ffi::CString;
use std::fs::File;
use std::os::fd::{FromRawFd, OwnedFd};

use memmap2::{MmapOptions, MmapRaw};

/// A `len`-byte POSIX shared-memory object mapped read-write; unmapped (not unlinked) on drop.
pub struct RawMap {
    map: MmapRaw,
}

impl RawMap {
    /// Creates (`create`, zero-filled, mode 0600) or opens the object `name` and maps it.
    pub fn new(name: &str, len: usize, create: bool) -> std::io::Result<RawMap> {
        let flags = if create {
            libc::O_CREAT | libc::O_EXCL | libc::O_RDWR
        } else {
            libc::O_RDWR
        };
        let file = shm_open(name, flags)?;
        if create {
            // Resizing a fresh object zero-fills it.
            file.set_len(len as u64)?;
        }
        // The mapping keeps the object; the descriptor closes when `file` drops.
        let map = MmapOptions::new().len(len).map_raw(&file)?;
        Ok(RawMap { map })
    }

    /// Opens the existing object `name` and maps all of it (its size when opened).
    pub fn open(name: &str) -> std::io::Result<RawMap> {
        let file = shm_open(name, libc::O_RDWR)?;
        let len = file.metadata()?.len() as usize;
        if len == 0 {
            return Err(std::io::Error::other(format!(
                "the shared-memory object {name} is empty: create and size it before mapping it"
            )));
        }
        let map = MmapOptions::new().len(len).map_raw(&file)?;
        Ok(RawMap { map })
    }

    /// How many bytes are mapped.
    pub fn size(&self) -> usize {
        self.map.len()
    }

    /// The start of the mapping (page-aligned).
    pub fn ptr(&self) -> *mut u8 {
        self.map.as_mut_ptr()
    }
}

/// `shm_open(name, flags, 0600)` as a `File`.
fn shm_open(name: &str, flags: libc::c_int) -> std::io::Result<File> {
    let c = CString::new(name).map_err(std::io::Error::other)?;
    // SAFETY: `c` is NUL-terminated; flags and mode are plain integers.
    let fd = unsafe { libc::shm_open(c.as_ptr(), flags, 0o600) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by `shm_open`, is open, and nothing else owns it.
    Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
}
