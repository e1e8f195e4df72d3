//! Named shared-memory objects: create, open, unlink.
//!
//! Two paths behind one interface:
//!
//! - Linux (default): POSIX shared memory is a tmpfs file below `/dev/shm`, opened with `open(2)`
//!   through the standard library (`O_NOFOLLOW`, `O_CLOEXEC`, and `O_CREAT | O_EXCL` to create);
//! - portable POSIX (macOS, or the `portable` feature on Linux): `shm_open` and `shm_unlink`.
//!
//! Names are validated by the caller and start with one `/`.
//!
//! Opening an existing name never blocks and never acquires a controlling terminal (`O_NONBLOCK
//! | O_NOCTTY` on Linux, where anyone can place a FIFO or device node in `/dev/shm`), and anything
//! but a regular file is refused right after `fstat` with [`not_regular_file`]'s error.

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
    let file = imp::open(name, Access::Create(mode))?;
    // The umask may have narrowed the mode; set exactly what was asked for.
    use std::os::unix::fs::PermissionsExt;
    if let Err(e) = file.set_permissions(std::fs::Permissions::from_mode(mode)) {
        let _ = imp::unlink(name);
        return Err(e);
    }
    Ok(file)
}

/// How [`imp::open`] opens an object.
#[derive(Clone, Copy)]
enum Access {
    /// Create it (exclusively) with these permission bits, for reading and writing.
    Create(u32),
    /// Open the existing object for reading and writing.
    ReadWrite,
    /// Open the existing object for reading only (`O_RDONLY`): needs only read permission.
    ReadOnly,
}

/// Opens the existing object `name` for reading and writing, or only for reading (`read_only`);
/// fails with [`is_not_regular`] errors for anything but a regular file (a FIFO, a device or a
/// directory placed under the name).
pub fn open(name: &str, read_only: bool) -> io::Result<File> {
    let access = if read_only {
        Access::ReadOnly
    } else {
        Access::ReadWrite
    };
    let file = imp::open(name, access)?;
    if imp::CHECK_TYPE && !file.metadata()?.file_type().is_file() {
        return Err(not_regular_file());
    }
    Ok(file)
}

/// The error [`open`] returns for a name that is not a regular file.
fn not_regular_file() -> io::Error {
    io::Error::other(NotRegularFile)
}

/// Whether `e` is [`open`]'s error for a name that is not a regular file.
pub fn is_not_regular(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<NotRegularFile>())
}

/// The name is a FIFO, device, directory or socket, not a shared-memory object.
#[derive(Debug)]
struct NotRegularFile;

impl std::fmt::Display for NotRegularFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a regular file")
    }
}

impl std::error::Error for NotRegularFile {}

/// Gives `file` (just created, empty) a length of `len` bytes with every page allocated, so that
/// no later first touch of a page can fail for lack of space (which raises `SIGBUS`). Fails with
/// `ENOSPC` (`io::ErrorKind::StorageFull`) if the file system cannot hold them.
///
/// Linux allocates with `fallocate` (tmpfs supports it); where the file system cannot, the file
/// is only sized. Off Linux the object is only sized (macOS has no `posix_fallocate` for
/// shared-memory objects, which are not tmpfs files there).
pub fn reserve(file: &File, len: u64) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let len_off =
            libc::off_t::try_from(len).map_err(|_| io::Error::from_raw_os_error(libc::EFBIG))?;
        // SAFETY: the descriptor is open for writing while `file` is borrowed; `fallocate` with
        // mode 0 only allocates (and extends the size), it touches no memory of this process.
        let rc = unsafe { libc::fallocate(file.as_raw_fd(), 0, 0, len_off) };
        if rc == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if !matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::ENOSYS)) {
            return Err(e);
        }
    }
    file.set_len(len)
}

/// Removes the name; processes that have the object mapped keep it until they unmap it.
pub fn unlink(name: &str) -> io::Result<()> {
    imp::unlink(name)
}

/// Whether `name` still names the object `file` is open on (it may have been unlinked and
/// recreated by another process).
pub fn names_same_object(name: &str, file: &File) -> bool {
    match (imp::open(name, Access::ReadOnly), file.metadata()) {
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

    use super::Access;

    fn path(name: &str) -> String {
        format!("/dev/shm{name}")
    }

    /// `/dev/shm` is a directory anyone can put any node in: check what was opened.
    pub const CHECK_TYPE: bool = true;

    pub fn open(name: &str, access: Access) -> io::Result<File> {
        let mut options = OpenOptions::new();
        options
            .read(true)
            .write(!matches!(access, Access::ReadOnly))
            // Never block opening a FIFO or device, never acquire a controlling terminal.
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
        if let Access::Create(mode) = access {
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

    use super::Access;

    fn c_name(name: &str) -> io::Result<CString> {
        CString::new(name).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
    }

    /// On Linux `shm_open` opens a `/dev/shm` file, where anyone can put any node; elsewhere
    /// the shared-memory namespace holds only shared-memory objects (which need not report
    /// themselves as regular files).
    pub const CHECK_TYPE: bool = cfg!(target_os = "linux");

    /// Flags `shm_open` accepts beyond the POSIX ones on this system: on Linux it is `open(2)`
    /// on a `/dev/shm` file (never block on a FIFO, never acquire a controlling terminal).
    #[cfg(target_os = "linux")]
    const EXTRA_FLAGS: libc::c_int = libc::O_NONBLOCK | libc::O_NOCTTY;
    #[cfg(not(target_os = "linux"))]
    const EXTRA_FLAGS: libc::c_int = 0;

    pub fn open(name: &str, access: Access) -> io::Result<File> {
        let c = c_name(name)?;
        let (access_flags, mode) = match access {
            Access::Create(mode) => (libc::O_RDWR | libc::O_CREAT | libc::O_EXCL, mode),
            Access::ReadWrite => (libc::O_RDWR, 0),
            Access::ReadOnly => (libc::O_RDONLY, 0),
        };
        let flags = access_flags | libc::O_NOFOLLOW | libc::O_CLOEXEC | EXTRA_FLAGS;
        // SAFETY: `c` is a NUL-terminated string that outlives the call; `shm_open` reads it and
        // returns a new descriptor or -1.
        let fd = unsafe { libc::shm_open(c.as_ptr(), flags, mode as libc::mode_t) };
        if fd < 0 {
            let e = io::Error::last_os_error();
            // glibc reports a directory under the name as EINVAL (the name is valid: the caller
            // checked it, and the flags are fixed); say what it is.
            if cfg!(target_os = "linux") && e.raw_os_error() == Some(libc::EINVAL) {
                return Err(io::Error::from_raw_os_error(libc::EISDIR));
            }
            return Err(e);
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
    use crate::test_support::unique_name;

    #[test]
    fn create_is_exclusive_and_unlink_removes() {
        let (name, _guard) = unique_name("shm");
        let file = create(&name, 0o600).expect("create");
        assert_eq!(file.metadata().unwrap().mode() & 0o777, 0o600, "exact mode");
        assert_eq!(
            create(&name, 0o600).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert!(names_same_object(&name, &file));
        let again = open(&name, false).expect("open");
        assert_eq!(
            again.metadata().unwrap().ino(),
            file.metadata().unwrap().ino()
        );
        unlink(&name).expect("unlink");
        assert!(!names_same_object(&name, &file));
        assert_eq!(
            open(&name, false).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }
}

#[cfg(all(test, target_os = "linux"))]
mod node_tests {
    use super::*;
    use crate::test_support::unique_name;

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let (name, _guard) = unique_name("ffo");
        let path = std::ffi::CString::new(format!("/dev/shm{name}")).unwrap();
        // SAFETY: `path` is NUL-terminated and outlives the call.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0, "mkfifo");
        let err = open(&name, false).expect_err("a FIFO is not a segment");
        assert!(is_not_regular(&err), "{err}");
    }
}
