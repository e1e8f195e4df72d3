//! The untyped segment: a named shared mapping with a checked header and a zeroed payload.

use core::ptr::NonNull;
use core::sync::atomic::Ordering;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

use memmap2::{MmapOptions, MmapRaw};

use super::error::Error;
use super::header::{self, FIXED_LEN, STATE_EMPTY, STATE_INITIALIZING, STATE_OFFSET, STATE_READY};
use super::kind::SegmentKind;
use super::name;
use super::options::SegmentOptions;
use super::shared::{atomic_u32, copy_from_shared, copy_to_shared, copy_words_from_shared};
use super::validate;
use crate::layout::Layout;
use crate::sys::process::{Liveness, ProcessIdentity};
use crate::sys::shm;

/// A named shared-memory segment: a self-describing header followed by a payload.
///
/// The building block of every shmipc primitive: [`super::Segment`] puts one value in the
/// payload; locks and rings put their control words and slots there. The payload starts zeroed,
/// is aligned to at least 64 bytes (and to the layout's alignment), and is `payload_len()` bytes
/// long. The header records `kind`, the layout and the payload size; `open` refuses a segment that
/// disagrees on any of them.
///
/// The creator unlinks the name when its handle drops, unless the options ask to persist.
///
/// Known limit: a process with write access to the segment can shrink the file after this
/// process mapped it; touching the lost pages then raises `SIGBUS`. Named POSIX shared memory
/// cannot be sealed against that (Linux `memfd` seals could, for unnamed segments); the default
/// mode 0600 limits who can do it to the same user.
#[derive(Debug)]
pub struct RawSegment {
    name: String,
    map: MmapRaw,
    file: File,
    header_len: usize,
    payload_len: usize,
    creator: ProcessIdentity,
    is_creator: bool,
    persist: bool,
}

impl RawSegment {
    /// Creates the segment `name` holding `kind` for `layout`, with `payload_size` zeroed bytes.
    ///
    /// Fails with [`Error::AlreadyExists`] if the name is taken, unless `options` allow replacing
    /// a segment whose creator is dead. The state word is published as ready last, with release
    /// ordering, so no opener sees a half-written header.
    pub fn create(
        name: &str,
        kind: SegmentKind,
        layout: &'static Layout,
        payload_size: usize,
        options: &SegmentOptions,
    ) -> Result<RawSegment, Error> {
        let name = name::normalize(name)?;
        let me = ProcessIdentity::current();
        let (bytes, geo) =
            header::encode(kind, layout, payload_size, me).map_err(|reason| Error::Io {
                name: name.clone(),
                op: "create",
                source: std::io::Error::new(std::io::ErrorKind::InvalidInput, reason),
            })?;
        let file = create_exclusive(&name, options)?;
        let segment = (|| {
            file.set_len(geo.total_size as u64)
                .map_err(|e| Error::from_io(&name, "resize", e))?;
            let map = map(&file, geo.total_size, &name)?;
            let base = map.as_mut_ptr();
            // SAFETY: the mapping is `total_size >= header_len` bytes long and this process
            // touches these bytes only through these byte-wise copies; the state word (skipped)
            // is only accessed as a 32-bit atomic.
            unsafe {
                copy_to_shared(&bytes[..STATE_OFFSET], base);
                copy_to_shared(
                    &bytes[STATE_OFFSET + 4..FIXED_LEN],
                    base.add(STATE_OFFSET + 4),
                );
            }
            // SAFETY: offset 12 of a page-aligned mapping is 4-byte aligned and in bounds; the
            // state word is only accessed through 32-bit atomics; the mapping outlives `state`.
            let state = unsafe { atomic_u32(base.add(STATE_OFFSET)) };
            state.store(STATE_INITIALIZING.to_le(), Ordering::Release);
            // SAFETY: as above: `header_len` bytes are in bounds.
            unsafe {
                copy_to_shared(&bytes[FIXED_LEN..], base.add(FIXED_LEN));
            }
            if let Some(pause) = options.pause_before_publish {
                std::thread::sleep(pause);
            }
            state.store(STATE_READY.to_le(), Ordering::Release);
            Ok(map)
        })();
        let map = match segment {
            Ok(map) => map,
            Err(e) => {
                let _ = shm::unlink(&name);
                return Err(e);
            }
        };
        Ok(RawSegment {
            name,
            map,
            file,
            header_len: geo.header_len,
            payload_len: payload_size,
            creator: me,
            is_creator: true,
            persist: options.persist,
        })
    }

    /// Opens the segment `name` and checks that it holds `kind` for `layout` with a payload of
    /// `payload_size` bytes; any disagreement is an error that says where the two differ.
    ///
    /// Waits up to the open timeout for a segment that is still being initialized, and reports
    /// [`Error::CreatorDied`] if its creator died before publishing it.
    pub fn open(
        name: &str,
        kind: SegmentKind,
        layout: &'static Layout,
        payload_size: usize,
        options: &SegmentOptions,
    ) -> Result<RawSegment, Error> {
        let name = name::normalize(name)?;
        let ready = open_ready(&name, options)?;
        validate::check(
            &name,
            &ready.bytes,
            &ready.fixed,
            kind,
            layout,
            payload_size,
        )?;
        Ok(RawSegment {
            header_len: ready.fixed.header_len,
            payload_len: payload_size,
            creator: ready.fixed.creator,
            name,
            map: ready.map,
            file: ready.file,
            is_creator: false,
            persist: true,
        })
    }

    /// Reads the header of any shmipc segment without knowing its type, for tools: its kind,
    /// layout, sizes and creator. Checks owner and mode like `open`.
    pub fn inspect(name: &str, options: &SegmentOptions) -> Result<header::SegmentHeader, Error> {
        let name = name::normalize(name)?;
        let ready = open_ready(&name, options)?;
        header::decode_rest(&ready.bytes, &ready.fixed)
            .map_err(|e| validate::header_error(&name, e))
    }

    /// Removes the name `name`. Processes that have the segment open keep using it; new opens
    /// fail with [`Error::NotFound`].
    pub fn unlink(name: &str) -> Result<(), Error> {
        let name = name::normalize(name)?;
        shm::unlink(&name).map_err(|e| Error::from_io(&name, "unlink", e))
    }

    /// The start of the payload: `payload_len()` bytes, aligned to at least 64.
    ///
    /// Other processes may read and write these bytes at any time: access them only through
    /// atomics or a protocol that excludes concurrent writers, never through plain references.
    pub fn payload(&self) -> NonNull<u8> {
        // SAFETY: `header_len < total_size` bytes of mapping, checked when the segment was created
        // or opened, so the result stays inside the mapping; a mapping is never at address 0.
        unsafe { NonNull::new_unchecked(self.map.as_mut_ptr().add(self.header_len)) }
    }

    /// The payload's length in bytes (as asked for at create or open).
    pub fn payload_len(&self) -> usize {
        self.payload_len
    }

    /// The segment's name, with its leading slash.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this handle created the segment (and unlinks it on drop unless it persists).
    pub fn is_creator(&self) -> bool {
        self.is_creator
    }

    /// The process that created the segment.
    pub fn creator(&self) -> ProcessIdentity {
        self.creator
    }

    /// Whether the creating process still runs.
    pub fn creator_alive(&self) -> bool {
        self.creator.liveness() == Liveness::Alive
    }
}

impl Drop for RawSegment {
    fn drop(&mut self) {
        // Unlink only if the name still names this segment: someone may have replaced it.
        if self.is_creator && !self.persist && shm::names_same_object(&self.name, &self.file) {
            let _ = shm::unlink(&self.name);
        }
    }
}

/// `O_CREAT | O_EXCL`, replacing a dead creator's segment if the options allow it.
fn create_exclusive(name: &str, options: &SegmentOptions) -> Result<File, Error> {
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

fn map(file: &File, len: usize, name: &str) -> Result<MmapRaw, Error> {
    MmapOptions::new()
        .len(len)
        .map_raw(file)
        .map_err(|e| Error::from_io(name, "map", e))
}

/// A segment whose header is published and copied out, its fixed part checked, not yet compared
/// with a layout.
struct Ready {
    file: File,
    map: MmapRaw,
    bytes: Vec<u8>,
    fixed: header::FixedHeader,
}

/// Opens `name`, checks owner, mode and size before mapping, waits for the state word to say
/// ready, then copies the header out and checks its fixed part.
fn open_ready(name: &str, options: &SegmentOptions) -> Result<Ready, Error> {
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
    let base = map.as_mut_ptr();
    // SAFETY: offset 12 of a page-aligned mapping of at least FIXED_LEN bytes is aligned and in
    // bounds; this process accesses the state word only through 32-bit atomics; `map` outlives
    // `state`.
    let state = unsafe { atomic_u32(base.add(STATE_OFFSET)) };
    let mut fixed = [0u8; FIXED_LEN];
    loop {
        let st = u32::from_le(state.load(Ordering::Acquire));
        // SAFETY: FIXED_LEN bytes are mapped; the state word is skipped (it is only accessed
        // atomically); the rest of the header is accessed only through byte-wise copies.
        unsafe {
            copy_from_shared(base, &mut fixed[..STATE_OFFSET]);
            copy_from_shared(base.add(STATE_OFFSET + 4), &mut fixed[STATE_OFFSET + 4..]);
        }
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
    if header_len.is_multiple_of(8) {
        // SAFETY: `header_len <= size` bytes are mapped and the start of a page-aligned mapping
        // plus FIXED_LEN is 8-byte aligned; the creator wrote these bytes before its release store
        // of the state word, which our acquire load read, and nothing in this process writes a
        // published header; the range skips the state word.
        unsafe { copy_words_from_shared(base.add(FIXED_LEN), &mut bytes[FIXED_LEN..]) };
    } else {
        // SAFETY: `header_len <= size` bytes are mapped; the range skips the state word.
        unsafe { copy_from_shared(base.add(FIXED_LEN), &mut bytes[FIXED_LEN..]) };
    }
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
