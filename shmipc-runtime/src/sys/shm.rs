//! Named shared-memory objects: create, open, unlink.
//!
//! Two paths behind one interface:
//!
//! - Linux (default): POSIX shared memory is a tmpfs file below `/dev/shm`, opened with `open(2)`
//!   through the standard library (`O_NOFOLLOW`, `O_CLOEXEC`, and `O_CREAT | O_EXCL` to create);
//! - portable POSIX (macOS, or the `portable` feature on Linux): `shm_open` and `shm_unlink`.
//!
//! Names are validated by the caller and start with one `/`.

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;

/// This process's effective user id.
pub fn effective_uid() -> u32 {
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Creates the object `name` with exactly the permission bits `mode`; fails with
/// `AlreadyExists` if the name is taken. Never truncates or follows a symbolic link.
pub fn create(name: &str, mode: u32) -> io::Result<File> {
    let file = imp::open(name, true, mode)?;
    // The umask may have narrowed the mode; set exactly what was asked for.
    use std::os::unix::fs::PermissionsExt;
    if let Err(e) = file.set_permissions(std::fs::Permissions::from_mode(mode)) {
        let _ = imp::unlink(name);
        return Err(e);
    }
    Ok(file)
}

/// Opens the existing object `name` for reading and writing.
pub fn open(name: &str) -> io::Result<File> {
    imp::open(name, false, 0)
}

/// Removes the name; processes that have the object mapped keep it until they unmap it.
pub fn unlink(name: &str) -> io::Result<()> {
    imp::unlink(name)
}

/// Whether `name` still names the object `file` is open on (it may have been unlinked and
/// recreated by another process).
pub fn names_same_object(name: &str, file: &File) -> bool {
    match (imp::open(name, false, 0), file.metadata()) {
        (Ok(other), Ok(mine)) => other
            .metadata()
            .is_ok_and(|o| o.dev() == mine.dev() && o.ino() == mine.ino()),
        _ => false,
    }
}

#[cfg(all(target_os = "linux", not(feature = "portable")))]
mod imp {
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::os::unix::fs::OpenOptionsExt;

    fn path(name: &str) -> String {
        format!("/dev/shm{name}")
    }

    pub fn open(name: &str, create: bool, mode: u32) -> io::Result<File> {
        let mut options = OpenOptions::new();
        options
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOFOLLOW);
        if create {
            options.create_new(true).mode(mode);
        }
        // The standard library adds O_CLOEXEC.
        options.open(path(name))
    }

    pub fn unlink(name: &str) -> io::Result<()> {
        std::fs::remove_file(path(name))
    }
}

#[cfg(not(all(target_os = "linux", not(feature = "portable"))))]
mod imp {
    use std::ffi::CString;
    use std::fs::File;
    use std::io;
    use std::os::fd::{FromRawFd, OwnedFd};

    fn c_name(name: &str) -> io::Result<CString> {
        CString::new(name).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
    }

    pub fn open(name: &str, create: bool, mode: u32) -> io::Result<File> {
        let c = c_name(name)?;
        let mut flags = libc::O_RDWR | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        if create {
            flags |= libc::O_CREAT | libc::O_EXCL;
        }
        // SAFETY: `c` is a NUL-terminated string that outlives the call; `shm_open` reads it and
        // returns a new descriptor or -1.
        let fd = unsafe { libc::shm_open(c.as_ptr(), flags, mode as libc::mode_t) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by `shm_open`, is open, and nothing else owns it.
        Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    pub fn unlink(name: &str) -> io::Result<()> {
        let c = c_name(name)?;
        // SAFETY: `c` is a NUL-terminated string that outlives the call.
        if unsafe { libc::shm_unlink(c.as_ptr()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unlinks the name when dropped, also when an assertion fails first.
    struct Guard<'a>(&'a str);
    impl Drop for Guard<'_> {
        fn drop(&mut self) {
            let _ = unlink(self.0);
        }
    }

    #[test]
    fn create_is_exclusive_and_unlink_removes() {
        let name = format!("/shmipc-test-{}-shm", std::process::id());
        let _ = unlink(&name);
        let _guard = Guard(&name);
        let file = create(&name, 0o600).expect("create");
        assert_eq!(file.metadata().unwrap().mode() & 0o777, 0o600, "exact mode");
        assert_eq!(
            create(&name, 0o600).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert!(names_same_object(&name, &file));
        let again = open(&name).expect("open");
        assert_eq!(
            again.metadata().unwrap().ino(),
            file.metadata().unwrap().ino()
        );
        unlink(&name).expect("unlink");
        assert!(!names_same_object(&name, &file));
        assert_eq!(open(&name).unwrap_err().kind(), io::ErrorKind::NotFound);
    }
}
