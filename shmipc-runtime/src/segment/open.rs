//! Opening a segment's object: owner, mode and size checks before mapping, waiting for the
//! state word, and copying the header out of shared memory.

use core::sync::atomic::Ordering;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

use super::error::Error;
use super::header::{self, FIXED_LEN, STATE_EMPTY, STATE_INITIALIZING, STATE_OFFSET, STATE_READY};
use super::mapping::{Mapping, StateWord, copy_fixed_out, copy_published_rest_out, map_with};
use super::options::SegmentOptions;
use super::validate;
use crate::sys::process::{Liveness, ProcessIdentity};
use crate::sys::shm;

/// A segment whose header is published and copied out, its fixed part checked, not yet compared
/// with a layout.
pub(crate) struct Ready {
    pub(crate) file: File,
    pub(crate) map: Mapping,
    pub(crate) bytes: Vec<u8>,
    pub(crate) fixed: header::FixedHeader,
}

/// Opens `name`, checks owner, mode and size before mapping, waits for the state word to say
/// ready, then copies the header out and checks its fixed part.
pub(crate) fn open_ready(name: &str, options: &SegmentOptions) -> Result<Ready, Error> {
    let mut waiter = Waiter::new(name, options.open_timeout);
    let file = open_file(name, options, &mut waiter)?;
    let size = wait_until_sized(&file, name, options, &mut waiter)?;
    let map = map_with(&file, size, name, options.read_only)?;
    let fixed = wait_until_ready(&map, name, &mut waiter)?;
    let bytes = copy_header(&map, &fixed, name)?;
    let fixed = check_sizes(&bytes, size, name)?;
    // Shrunk while this process read it: what it copied may be the handler's zero pages.
    map.check_intact(name)?;
    Ok(Ready {
        file,
        map,
        bytes,
        fixed,
    })
}

/// Opens the object; with `wait_for_creation`, waits (on `waiter`'s clock) while it does not
/// exist.
fn open_file(name: &str, options: &SegmentOptions, waiter: &mut Waiter<'_>) -> Result<File, Error> {
    loop {
        match shm::open(name, options.read_only) {
            Ok(file) => return Ok(file),
            Err(e) if options.wait_for_creation && e.kind() == std::io::ErrorKind::NotFound => {
                waiter.wait(NOT_CREATED)?;
            }
            Err(e) => return Err(Error::from_io(name, "open", e)),
        }
    }
}

/// The state an open that waited for a missing name reports in [`Error::Timeout`].
pub(crate) const NOT_CREATED: &str = "not created";

/// The file's length, once its owner and mode are acceptable (checked before anything is mapped).
fn checked_len(file: &File, name: &str, options: &SegmentOptions) -> Result<u64, Error> {
    let meta = file
        .metadata()
        .map_err(|e| Error::from_io(name, "open", e))?;
    let me = shm::effective_uid();
    if meta.uid() != me && !options.allowed_owners.contains(&meta.uid()) {
        return Err(Error::WrongOwner {
            name: name.to_owned(),
            owner: meta.uid(),
            expected: me,
        });
    }
    let mode = meta.mode() & 0o777;
    if mode & !options.mode != 0 {
        return Err(Error::ModeTooWide {
            name: name.to_owned(),
            mode,
            allowed: options.mode,
        });
    }
    Ok(meta.len())
}

/// Waits while the file is empty (its creator has not sized it yet); its size, at least a fixed
/// header, at most `isize::MAX`.
fn wait_until_sized(
    file: &File,
    name: &str,
    options: &SegmentOptions,
    waiter: &mut Waiter<'_>,
) -> Result<usize, Error> {
    let size = loop {
        match checked_len(file, name, options)? {
            0 => waiter.wait("empty")?,
            n if n < FIXED_LEN as u64 => {
                return Err(Error::NotShmipc {
                    name: name.to_owned(),
                    reason: "it is smaller than a segment header",
                });
            }
            n => break n,
        }
    };
    usize::try_from(size)
        .map(|s| s.min(isize::MAX as usize))
        .map_err(|_| corrupt(name, "the segment is larger than the address space"))
}

/// Waits for the state word to say ready (failing if the creator died first); the fixed header
/// copied after the acquire load that saw it ready.
fn wait_until_ready(
    map: &Mapping,
    name: &str,
    waiter: &mut Waiter<'_>,
) -> Result<[u8; FIXED_LEN], Error> {
    let state = StateWord::of(map);
    let mut fixed = [0u8; FIXED_LEN];
    loop {
        map.check_intact(name)?;
        let st = state.load(Ordering::Acquire);
        copy_fixed_out(map, &mut fixed);
        fixed[STATE_OFFSET..STATE_OFFSET + 4].copy_from_slice(&st.to_le_bytes());
        // The creator copies the header in byte by byte before its state word says anything: while
        // the state is empty, a magic that is only partly there is a header being written, not a
        // foreign file (which is refused as soon as a byte differs from both).
        if !(st == STATE_EMPTY && magic_in_progress(&fixed)) {
            header::check_magic_and_format(&fixed).map_err(|e| validate::header_error(name, e))?;
        }
        match st {
            STATE_READY => return Ok(fixed),
            STATE_EMPTY => waiter.wait("empty")?,
            STATE_INITIALIZING => {
                let creator = header::creator_of(&fixed).unwrap_or(ProcessIdentity {
                    pid: 0,
                    start_time: 0,
                    pid_ns: None,
                });
                if creator.liveness() == Liveness::Dead {
                    return Err(Error::CreatorDied {
                        name: name.to_owned(),
                        pid: creator.pid,
                    });
                }
                waiter.wait("initializing")?;
            }
            _ => {
                return Err(corrupt(
                    name,
                    "the state word is neither initializing nor ready",
                ));
            }
        }
    }
}

/// The whole published header: `fixed`, then the rest up to the header length it declares
/// (checked against the mapping first).
fn copy_header(map: &Mapping, fixed: &[u8; FIXED_LEN], name: &str) -> Result<Vec<u8>, Error> {
    let header_len = header::declared_header_len(fixed).unwrap_or(0);
    if header_len > map.len().min(header::MAX_HEADER_LEN) || header_len < FIXED_LEN {
        return Err(corrupt(name, "the header length is out of range"));
    }
    let mut bytes = vec![0u8; header_len];
    bytes[..FIXED_LEN].copy_from_slice(fixed);
    // `wait_until_ready` read the state word as ready with an acquire load, so an honest
    // creator's bytes are complete; a forged early state only garbles the copy.
    copy_published_rest_out(map, &mut bytes[FIXED_LEN..]);
    Ok(bytes)
}

/// Decodes and checks the fixed part of the copied header, and that it sizes the file as found.
fn check_sizes(bytes: &[u8], size: usize, name: &str) -> Result<header::FixedHeader, Error> {
    let fixed = header::decode_fixed(bytes).map_err(|e| validate::header_error(name, e))?;
    if fixed.total_size != size as u64 {
        return Err(corrupt(
            name,
            "the file size differs from the size in the header",
        ));
    }
    Ok(fixed)
}

/// Whether each byte of the magic in `fixed` is either still zero or already the magic's own: what
/// an opener can see while a creator's byte-wise copy of the header is under way.
fn magic_in_progress(fixed: &[u8; FIXED_LEN]) -> bool {
    fixed
        .iter()
        .zip(header::MAGIC)
        .all(|(&b, m)| b == 0 || b == m)
}

fn corrupt(name: &str, reason: &str) -> Error {
    Error::CorruptHeader {
        name: name.to_owned(),
        reason: reason.to_owned(),
    }
}

/// One open's patience: yields a few times, then sleeps a millisecond at a time, until the open
/// timeout has passed since it was made.
struct Waiter<'a> {
    name: &'a str,
    start: Instant,
    timeout: Duration,
    waits: u32,
}

impl<'a> Waiter<'a> {
    /// Starts the clock for opening `name`.
    fn new(name: &'a str, timeout: Duration) -> Waiter<'a> {
        Waiter {
            name,
            start: Instant::now(),
            timeout,
            waits: 0,
        }
    }

    /// Waits a little, or fails with [`Error::Timeout`] (naming `state`) once the timeout passed.
    fn wait(&mut self, state: &'static str) -> Result<(), Error> {
        let waited = self.start.elapsed();
        if waited >= self.timeout {
            return Err(Error::Timeout {
                name: self.name.to_owned(),
                state,
                waited,
            });
        }
        self.waits += 1;
        if self.waits < 50 {
            std::thread::yield_now();
        } else {
            std::thread::sleep(Duration::from_millis(1).min(self.timeout - waited));
        }
        Ok(())
    }
}
