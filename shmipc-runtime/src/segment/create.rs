//! Creating a segment's object exclusively, and replacing one whose creator died.

use core::sync::atomic::Ordering;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::time::Duration;

use super::error::Error;
use super::header::{self, FIXED_LEN, STATE_EMPTY, STATE_OFFSET};
use super::open::map;
use super::options::SegmentOptions;
use super::shared::{atomic_u32, copy_from_shared};
use crate::sys::process::Liveness;
use crate::sys::shm;

/// `O_CREAT | O_EXCL`, replacing a dead creator's segment if the options allow it.
pub(crate) fn create_exclusive(name: &str, options: &SegmentOptions) -> Result<File, Error> {
    let mut attempts = 0;
    loop {
        match shm::create(name, options.mode) {
            Ok(file) => return Ok(file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let existing = shm::open(name).ok();
                let alive = existing
                    .as_ref()
                    .and_then(|file| existing_creator_alive(file, name, options));
                if let Some(dead) = existing.filter(|_| alive == Some(false))
                    && options.replace_dead
                    && attempts < 3
                {
                    attempts += 1;
                    unlink_if_still(name, &dead)?;
                    continue;
                }
                return Err(Error::AlreadyExists {
                    name: name.to_owned(),
                    creator_alive: alive,
                });
            }
            Err(e) => return Err(Error::from_io(name, "create", e)),
        }
    }
}

/// Unlinks `name` if it still names `dead`, the object judged dead, so that the judgement and the
/// unlink concern the same object. Replacers serialize on a lock on `dead` (released when the
/// caller closes it): of two that judged the same object dead, the second finds the name gone or
/// naming the first one's new segment, and unlinks nothing. Without the lock it could unlink that
/// new segment, and both would go on as its creator.
fn unlink_if_still(name: &str, dead: &File) -> Result<(), Error> {
    match dead.try_lock() {
        Ok(()) => {}
        // Another replacer is between its check and its unlink: look again shortly.
        Err(std::fs::TryLockError::WouldBlock) => {
            std::thread::sleep(Duration::from_millis(1));
            return Ok(());
        }
        // A platform that cannot lock shared-memory objects: the check alone narrows the race.
        Err(std::fs::TryLockError::Error(_)) => {}
    }
    if !shm::names_same_object(name, dead) {
        return Ok(());
    }
    match shm::unlink(name) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::from_io(name, "unlink", e)),
    }
}

/// The least age at which an object without a published identity counts as abandoned, whatever
/// the open timeout (which may be zero): its creator may still be between `create` and publishing.
const MIN_ABANDONED_AGE: Duration = Duration::from_secs(1);

/// Whether the creator of `file`, the existing segment `name`, runs: `None` if that cannot be
/// told (not a shmipc segment, not ours, unreadable). An object without a published identity that
/// is older than the open timeout (and [`MIN_ABANDONED_AGE`]) counts as dead: its creator died
/// before publishing it.
fn existing_creator_alive(file: &File, name: &str, options: &SegmentOptions) -> Option<bool> {
    let meta = file.metadata().ok()?;
    if meta.uid() != shm::effective_uid() {
        return None;
    }
    // Empty, or sized but its identity never published: the creator died before writing it,
    // unless it is still about to (then the object is younger than the open timeout).
    let stale = || {
        let age = meta.modified().ok()?.elapsed().unwrap_or_default();
        (age > options.open_timeout.max(MIN_ABANDONED_AGE)).then_some(false)
    };
    if meta.len() == 0 {
        return stale();
    }
    if meta.len() < FIXED_LEN as u64 {
        return None;
    }
    let map = map(file, FIXED_LEN, name).ok()?;
    // SAFETY: offset 12 of a page-aligned mapping of FIXED_LEN bytes is 4-byte aligned and in
    // bounds; this process accesses the state word only through 32-bit atomics; `map` outlives
    // `state`.
    let state = unsafe { atomic_u32(map.as_mut_ptr().add(STATE_OFFSET)) };
    // The creator's identity is published by its release store of the initializing state; before
    // that the pid may still read as zero (dead) while its creator is busy writing it.
    if u32::from_le(state.load(Ordering::Acquire)) == STATE_EMPTY {
        return stale();
    }
    let mut fixed = [0u8; FIXED_LEN];
    // SAFETY: the file is at least FIXED_LEN bytes and the mapping that long; the state word is
    // skipped (only accessed as a 32-bit atomic); the rest is only accessed byte-wise here.
    unsafe {
        copy_from_shared(map.as_mut_ptr(), &mut fixed[..STATE_OFFSET]);
        copy_from_shared(
            map.as_mut_ptr().add(STATE_OFFSET + 4),
            &mut fixed[STATE_OFFSET + 4..],
        );
    }
    let creator = header::creator_of(&fixed)?;
    Some(creator.liveness() == Liveness::Alive)
}
