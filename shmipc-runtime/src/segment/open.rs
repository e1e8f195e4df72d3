//! Opening a segment's object: owner, mode and size checks before mapping, waiting for the
//! state word, and copying the header out of shared memory.

use core::sync::atomic::Ordering;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

use memmap2::MmapRaw;

use super::error::Error;
use super::header::{self, FIXED_LEN, STATE_EMPTY, STATE_INITIALIZING, STATE_OFFSET, STATE_READY};
use super::mapping::{StateWord, copy_fixed_out, copy_published_rest_out, map};
use super::options::SegmentOptions;
use super::validate;
use crate::sys::process::{Liveness, ProcessIdentity};
use crate::sys::shm;

/// A segment whose header is published and copied out, its fixed part checked, not yet compared
/// with a layout.
pub(crate) struct Ready {
    pub(crate) file: File,
    pub(crate) map: MmapRaw,
    pub(crate) bytes: Vec<u8>,
    pub(crate) fixed: header::FixedHeader,
}

/// Opens `name`, checks owner, mode and size before mapping, waits for the state word to say
/// ready, then copies the header out and checks its fixed part.
pub(crate) fn open_ready(name: &str, options: &SegmentOptions) -> Result<Ready, Error> {
    let file = shm::open(name).map_err(|e| Error::from_io(name, "open", e))?;
    let start = Instant::now();
    let mut waits = 0u32;
    let size = loop {
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
        match meta.len() {
            0 => wait(name, start, options.open_timeout, "empty", &mut waits)?,
            n if n < FIXED_LEN as u64 => {
                return Err(Error::NotShmipc {
                    name: name.to_owned(),
                    reason: "it is smaller than a segment header",
                });
            }
            n => break n,
        }
    };
    let Ok(size) = usize::try_from(size).map(|s| s.min(isize::MAX as usize)) else {
        return Err(corrupt(
            name,
            "the segment is larger than the address space",
        ));
    };
    let map = map(&file, size, name)?;
    let state = StateWord::of(&map);
    let mut fixed = [0u8; FIXED_LEN];
    loop {
        let st = state.load(Ordering::Acquire);
        copy_fixed_out(&map, &mut fixed);
        fixed[STATE_OFFSET..STATE_OFFSET + 4].copy_from_slice(&st.to_le_bytes());
        let blank = fixed[..8] == [0; 8];
        if !blank || st != STATE_EMPTY {
            header::check_magic_and_format(&fixed).map_err(|e| validate::header_error(name, e))?;
        }
        match st {
            STATE_READY => break,
            STATE_EMPTY => wait(name, start, options.open_timeout, "empty", &mut waits)?,
            STATE_INITIALIZING => {
                let creator = header::creator_of(&fixed).unwrap_or(ProcessIdentity {
                    pid: 0,
                    start_time: 0,
                });
                if creator.liveness() == Liveness::Dead {
                    return Err(Error::CreatorDied {
                        name: name.to_owned(),
                        pid: creator.pid,
                    });
                }
                wait(
                    name,
                    start,
                    options.open_timeout,
                    "initializing",
                    &mut waits,
                )?;
            }
            _ => {
                return Err(corrupt(
                    name,
                    "the state word is neither initializing nor ready",
                ));
            }
        }
    }
    let header_len = header::declared_header_len(&fixed).unwrap_or(0);
    if header_len > size.min(header::MAX_HEADER_LEN) || header_len < FIXED_LEN {
        return Err(corrupt(name, "the header length is out of range"));
    }
    let mut bytes = vec![0u8; header_len];
    bytes[..FIXED_LEN].copy_from_slice(&fixed);
    // SAFETY: the loop above read the state word as ready with an acquire load.
    unsafe { copy_published_rest_out(&map, &mut bytes[FIXED_LEN..]) };
    let fixed = header::decode_fixed(&bytes).map_err(|e| validate::header_error(name, e))?;
    if fixed.total_size != size as u64 {
        return Err(corrupt(
            name,
            "the file size differs from the size in the header",
        ));
    }
    Ok(Ready {
        file,
        map,
        bytes,
        fixed,
    })
}

fn corrupt(name: &str, reason: &str) -> Error {
    Error::CorruptHeader {
        name: name.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Sleeps a little, or fails with [`Error::Timeout`] once `timeout` has passed since `start`.
fn wait(
    name: &str,
    start: Instant,
    timeout: Duration,
    state: &'static str,
    waits: &mut u32,
) -> Result<(), Error> {
    let waited = start.elapsed();
    if waited >= timeout {
        return Err(Error::Timeout {
            name: name.to_owned(),
            state,
            waited,
        });
    }
    *waits += 1;
    if *waits < 50 {
        std::thread::yield_now();
    } else {
        std::thread::sleep(Duration::from_millis(1).min(timeout - waited));
    }
    Ok(())
}
