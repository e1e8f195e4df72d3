//! Creating a segment's object exclusively, and replacing one whose creator died.

use std::fs::File;
use std::os::unix::fs::MetadataExt;

use super::error::Error;
use super::header::{self, FIXED_LEN, STATE_OFFSET};
use super::open::map;
use super::options::SegmentOptions;
use super::shared::copy_from_shared;
use crate::sys::process::Liveness;
use crate::sys::shm;

/// `O_CREAT | O_EXCL`, replacing a dead creator's segment if the options allow it.
pub(crate) fn create_exclusive(name: &str, options: &SegmentOptions) -> Result<File, Error> {
    let mut attempts = 0;
    loop {
        match shm::create(name, options.mode) {
            Ok(file) => return Ok(file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let alive = existing_creator_alive(name, options);
                if options.replace_dead && alive == Some(false) && attempts < 3 {
                    attempts += 1;
                    match shm::unlink(name) {
                        Ok(()) => continue,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(Error::from_io(name, "unlink", e)),
                    }
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

/// Whether the creator of the existing segment `name` runs: `None` if that cannot be told (not a
/// shmipc segment, not ours, unreadable). An empty object older than the open timeout counts as
/// dead: its creator died between creating and sizing it.
fn existing_creator_alive(name: &str, options: &SegmentOptions) -> Option<bool> {
    let file = shm::open(name).ok()?;
    let meta = file.metadata().ok()?;
    if meta.uid() != shm::effective_uid() {
        return None;
    }
    // Empty, or sized but never written: the creator died before writing its identity, unless
    // it is still about to (then the object is younger than the open timeout).
    let stale = || {
        let age = meta.modified().ok()?.elapsed().unwrap_or_default();
        (age > options.open_timeout).then_some(false)
    };
    if meta.len() == 0 {
        return stale();
    }
    if meta.len() < FIXED_LEN as u64 {
        return None;
    }
    let map = map(&file, FIXED_LEN, name).ok()?;
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
    if fixed.iter().all(|&b| b == 0) {
        return stale();
    }
    let creator = header::creator_of(&fixed)?;
    Some(creator.liveness() == Liveness::Alive)
}
