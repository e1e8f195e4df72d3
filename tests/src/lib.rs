//! Helpers shared by shmipc's integration tests: unique shared-memory names with a cleanup guard,
//! helper processes ([`Peer`]), and a replayable random generator ([`Rng`]).
//!
//! Every test names its segments with [`unique_name`] (pid plus a counter, so tests run in
//! parallel) and holds a [`ShmCleanup`] guard so nothing is left in `/dev/shm`, also when the
//! test fails; [`guarded_name`] gives both at once. Every name starts with [`PREFIX`], which is
//! what CI's leak check (`.ci/run`) looks for.

use std::sync::atomic::{AtomicU32, Ordering};

pub mod counters;
mod peer;
pub mod raw_map;
pub mod ring_msgs;
mod rng;
pub mod strace;
pub mod sync_frames;

pub use peer::{Peer, spawn_child};
pub use rng::{Rng, SEED_VAR};

/// The prefix of every shared-memory name a test creates (without the leading slash).
pub const PREFIX: &str = "shmipc-test";

/// The longest name the portable path accepts (macOS: 31 bytes, including the slash).
const MAX_NAME_LEN: usize = 31;

/// A shared-memory name no other test (in this or another test process) uses:
/// `/shmipc-test-<pid>-<counter>-<tag>`. Keep `tag` short (a few bytes): the name, plus any
/// suffix a test appends, must fit the portable path's 31 bytes.
pub fn unique_name(tag: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = format!("/{PREFIX}-{}-{n}-{tag}", std::process::id());
    assert!(
        name.len() <= MAX_NAME_LEN - 2,
        "test name `{name}` is too long for the portable path: use a shorter tag than `{tag}`"
    );
    name
}

/// A [`unique_name`] and the guard that removes it: `let (name, _cleanup) = guarded_name("x");`
/// (binding the guard to `_` would drop it at once).
pub fn guarded_name(tag: &str) -> (String, ShmCleanup) {
    let name = unique_name(tag);
    let cleanup = ShmCleanup::new([name.clone()]);
    (name, cleanup)
}

/// Removes the named shared-memory objects when dropped (also during a panic).
#[must_use = "the names are removed when the guard is dropped"]
pub struct ShmCleanup(Vec<String>);

impl ShmCleanup {
    /// Guards `names` (each with its leading slash, as passed to `create`).
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> ShmCleanup {
        ShmCleanup(names.into_iter().map(Into::into).collect())
    }

    /// Guards one more name.
    pub fn add(&mut self, name: impl Into<String>) {
        self.0.push(name.into());
    }
}

impl Drop for ShmCleanup {
    fn drop(&mut self) {
        for name in &self.0 {
            // A name with a NUL byte was never created; a missing object is fine.
            let Ok(c) = std::ffi::CString::new(name.as_str()) else {
                continue;
            };
            // SAFETY: `c` is NUL-terminated and outlives the call. On Linux `shm_unlink` removes
            // `/dev/shm/<name>`, which is also where the default (non-portable) path creates it.
            unsafe { libc::shm_unlink(c.as_ptr()) };
        }
    }
}

/// Creates the primitive `name` (a segment, a ring, …) with `persist(true)`, so it outlives the
/// handle: the fixture of a test about what survives its creator. The caller's [`ShmCleanup`] (or
/// an explicit unlink) removes it. Panics, naming it, if it cannot be created.
pub fn create_persisted<P: shmipc::SharedPrimitive>(name: &str) -> P {
    shmipc::Builder::<P>::new(name)
        .persist(true)
        .create()
        .unwrap_or_else(|e| panic!("create {name}: {e}"))
}

/// Creates the primitive `name` with permission bits `mode` (a segment other users or a group may
/// open). Panics, naming it, if it cannot be created.
pub fn create_with_mode<P: shmipc::SharedPrimitive>(name: &str, mode: u32) -> P {
    shmipc::Builder::<P>::new(name)
        .mode(mode)
        .create()
        .unwrap_or_else(|e| panic!("create {name} with mode {mode:o}: {e}"))
}

/// The uid (and group) of `nobody`, whom root tests run peers as.
pub const NOBODY: u32 = 65534;

/// Makes `cmd` run as user `uid` in group `gid` only (no supplementary groups): for root tests
/// whose peer must be another user.
pub fn run_as(cmd: &mut std::process::Command, uid: u32, gid: u32) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and only calls the
    // async-signal-safe `setgroups`, `setgid` and `setuid`.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setgroups(0, core::ptr::null()) != 0
                || libc::setgid(gid) != 0
                || libc::setuid(uid) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Fails the calling test unless it runs as root, saying why it needs root (`what`). Tests that
/// call it are named `root_…`, so that a run as another user can leave them out with
/// `--skip root_` instead of having them pass without testing anything.
pub fn require_root(what: &str) {
    // SAFETY: `geteuid` has no preconditions.
    let euid = unsafe { libc::geteuid() };
    assert!(
        euid == 0,
        "this test needs root: it {what}; run it as root, or leave the root tests out with \
         `--skip root_`"
    );
}
