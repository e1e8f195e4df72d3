//! Helpers shared by shmipc's integration tests: unique shared-memory names and cleanup.
//!
//! Every test names its segments with [`unique_name`] (pid plus a counter) so tests run in
//! parallel, and holds a [`ShmCleanup`] guard so nothing is left in `/dev/shm`, also when the
//! test fails.

use std::sync::atomic::{AtomicU32, Ordering};

pub mod raw_map;
pub mod ring_msgs;
pub mod sync_frames;

/// A shared-memory name no other test (in this or another test process) uses:
/// `/shmipc-test-<tag>-<pid>-<counter>`.
pub fn unique_name(tag: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("/shmipc-test-{tag}-{}-{n}", std::process::id())
}

/// Removes the named shared-memory objects when dropped (also during a panic).
pub struct ShmCleanup(Vec<String>);

impl ShmCleanup {
    /// Guards `names` (with or without the leading slash).
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
            // Linux exposes POSIX shared memory as files in /dev/shm; a missing one is fine.
            let _ = std::fs::remove_file(format!("/dev/shm/{}", name.trim_start_matches('/')));
        }
    }
}
