//! Creating a segment: its object exclusively (replacing one whose creator died), then the
//! header written and published.

use core::sync::atomic::Ordering;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::time::Duration;

use super::error::Error;
use super::header::{self, FIXED_LEN, Geometry, STATE_EMPTY, STATE_INITIALIZING, STATE_READY};
use super::mapping::{Mapping, StateWord, copy_fixed_in, copy_fixed_out, copy_rest_in, map};
use super::options::SegmentOptions;
use super::spec::SegmentSpec;
use crate::sys::process::{Liveness, ProcessIdentity};
use crate::sys::shm;

/// A segment just created and published.
pub(crate) struct Created {
    pub(crate) file: File,
    pub(crate) map: Mapping,
    pub(crate) geometry: Geometry,
    pub(crate) creator: ProcessIdentity,
}

/// Creates `name` (already normalized) holding what `spec` says: writes the header with the
/// state word initializing, then publishes it ready, last, with release ordering, so no opener
/// sees a half-written header. Unlinks the name again if anything fails after creating it.
pub(crate) fn create_segment(
    name: &str,
    spec: &SegmentSpec,
    options: &SegmentOptions,
) -> Result<Created, Error> {
    if options.read_only {
        return Err(Error::InvalidOptions {
            name: name.to_owned(),
            reason: "a segment cannot be created read-only: its creator writes the header; \
                     create it writable and open it read-only elsewhere"
                .to_owned(),
        });
    }
    let me = ProcessIdentity::current();
    let (bytes, geometry) =
        header::encode(spec.kind, spec.layout, spec.payload_len, me).map_err(|reason| {
            Error::UnencodableLayout {
                name: name.to_owned(),
                type_name: spec.layout.name(),
                reason,
            }
        })?;
    let file = create_exclusive(name, options)?;
    match write_and_publish(&file, name, &bytes, geometry.total_size, options) {
        Ok(map) => Ok(Created {
            file,
            map,
            geometry,
            creator: me,
        }),
        Err(e) => {
            let _ = shm::unlink(name);
            Err(e)
        }
    }
}

/// Sizes `file`, maps it and writes `bytes` (the encoded header): identity first, published by
/// the initializing state, then the table, then the ready state.
fn write_and_publish(
    file: &File,
    name: &str,
    bytes: &[u8],
    total_size: usize,
    options: &SegmentOptions,
) -> Result<Mapping, Error> {
    // Every page is allocated now: on a full tmpfs a sparse file would fail later, at a first
    // touch, with SIGBUS.
    shm::reserve(file, total_size as u64).map_err(|e| {
        if e.raw_os_error() == Some(libc::ENOSPC) {
            Error::NoSpace {
                name: name.to_owned(),
                needed: total_size as u64,
            }
        } else {
            Error::from_io(name, "resize", e)
        }
    })?;
    let map = map(file, total_size, name)?;
    let fixed: &[u8; FIXED_LEN] = bytes[..FIXED_LEN]
        .try_into()
        .expect("an encoded header holds a fixed part");
    copy_fixed_in(fixed, &map);
    let state = StateWord::of(&map);
    state.store(STATE_INITIALIZING, Ordering::Release);
    copy_rest_in(bytes, &map);
    if let Some(pause) = options.pause_before_publish {
        std::thread::sleep(pause);
    }
    state.store(STATE_READY, Ordering::Release);
    // Another process may have shrunk the file meanwhile (this process then wrote zero pages).
    map.check_intact(name)?;
    Ok(map)
}

/// `O_CREAT | O_EXCL`, replacing a dead creator's segment if the options allow it.
pub(crate) fn create_exclusive(name: &str, options: &SegmentOptions) -> Result<File, Error> {
    let mut attempts = 0;
    loop {
        match shm::create(name, options.mode) {
            Ok(file) => return Ok(file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let existing = shm::open(name, false).ok();
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
    // The creator's identity is published by its release store of the initializing state; before
    // that the pid may still read as zero (dead) while its creator is busy writing it.
    if StateWord::of(&map).load(Ordering::Acquire) == STATE_EMPTY {
        return stale();
    }
    let mut fixed = [0u8; FIXED_LEN];
    copy_fixed_out(&map, &mut fixed);
    let creator = header::creator_of(&fixed)?;
    Some(creator.liveness() == Liveness::Alive)
}
