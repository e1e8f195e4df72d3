//! Nodes that are not shared-memory objects, placed under a segment's name in `/dev/shm` (anyone
//! can): `open` refuses a FIFO, a character device, a symbolic link and a directory at once with
//! `NotShmipc`, without blocking and without acquiring a controlling terminal.
//!
//! Each open runs with an hour-long open timeout in a thread the test waits for at most a minute:
//! an open that waits (as it did before the fix, for the "empty" file to be sized) fails the test
//! instead of hanging it. The character-device test needs root (`mknod`); without it, it fails
//! saying so (`--skip root_` leaves it out).

use std::ffi::CString;
use std::sync::mpsc;
use std::time::Duration;

use shmipc::{Error, Segment};
use shmipc_schemas::Tick;
use shmipc_tests::{guarded_name, require_root};

/// The `/dev/shm` path of `name` (where both the default and the portable path keep it on Linux).
fn path(name: &str) -> CString {
    CString::new(format!("/dev/shm{name}")).expect("no NUL in a test name")
}

/// Opens `name` as a `Tick` segment in a thread with an hour-long open timeout; the result, or a
/// panic if the open has not returned within a minute.
fn open_bounded(name: &str) -> Result<Segment<Tick>, Error> {
    let (tx, rx) = mpsc::channel();
    let name = name.to_owned();
    std::thread::spawn(move || {
        let result = Segment::<Tick>::builder(&name)
            .open_timeout(Duration::from_secs(3600))
            .open();
        let _ = tx.send(result);
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("open of a node that is not a segment did not return: it waits or blocks")
}

/// Asserts that opening `name` fails at once with `NotShmipc`.
fn assert_refused(name: &str, what: &str) {
    let err = open_bounded(name).expect_err(what);
    assert!(
        matches!(err, Error::NotShmipc { .. }),
        "{what}: expected NotShmipc, got {err:?}: {err}"
    );
}

#[test]
fn a_fifo_is_refused_at_once() {
    let (name, _cleanup) = guarded_name("ff");
    let p = path(&name);
    // SAFETY: `p` is NUL-terminated and outlives the call.
    assert_eq!(unsafe { libc::mkfifo(p.as_ptr(), 0o600) }, 0, "mkfifo");
    assert_refused(&name, "a FIFO");
}

#[test]
fn root_a_character_device_is_refused_at_once() {
    require_root("makes a character device node with mknod");
    let (name, _cleanup) = guarded_name("cd");
    let p = path(&name);
    // /dev/null's device number (1, 3): opening it is harmless, and it reports size 0 like a
    // segment whose creator has not sized it yet.
    // SAFETY: `p` is NUL-terminated and outlives the call.
    let rc = unsafe { libc::mknod(p.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(1, 3)) };
    assert_eq!(rc, 0, "mknod: {}", std::io::Error::last_os_error());
    assert_refused(&name, "a character device");
}

#[test]
fn a_symbolic_link_is_refused_at_once() {
    let (name, _cleanup) = guarded_name("sl");
    let p = path(&name);
    // SAFETY: both strings are NUL-terminated and outlive the call.
    let rc = unsafe { libc::symlink(c"/dev/null".as_ptr(), p.as_ptr()) };
    assert_eq!(rc, 0, "symlink: {}", std::io::Error::last_os_error());
    assert_refused(&name, "a symbolic link");
}

#[test]
fn a_directory_is_refused_at_once() {
    let (name, _cleanup) = guarded_name("dr");
    let dir = format!("/dev/shm{name}");
    std::fs::create_dir(&dir).expect("mkdir");
    /// Removes the directory when dropped, also when an assertion fails first.
    struct RemoveDir(String);
    impl Drop for RemoveDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir(&self.0);
        }
    }
    let _dir = RemoveDir(dir);
    assert_refused(&name, "a directory");
}
