//! The untyped segment: a named shared mapping with a checked header and a zeroed payload.

use core::ptr::NonNull;
use std::fs::File;

use super::create::create_segment;
use super::error::Error;
use super::header::{self, SegmentHeader};
use super::mapping::Mapping;
use super::name;
use super::open::{Ready, open_ready};
use super::options::SegmentOptions;
use super::spec::SegmentSpec;
use super::validate;
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
/// `create` allocates every page of the segment up front (`fallocate` on Linux), so a full
/// `/dev/shm` fails the create with [`Error::NoSpace`] instead of killing a process with `SIGBUS`
/// at a later first touch.
///
/// A process with write access to the segment can still shrink the file after this process
/// mapped it: named POSIX shared memory cannot be sealed (the default mode 0600 limits who can to
/// the same user). On Linux shmipc survives that: a `SIGBUS` handler scoped to shmipc's own
/// mappings replaces the whole mapping with private zero pages and marks the segment broken
/// ([`RawSegment::is_broken`]; calls that can fail report [`Error::Truncated`]). What remains: the
/// contents are gone for this process, reads return zeros and writes after the break reach no
/// other process; `SIGBUS` faults outside shmipc's mappings still go to the previous handler.
/// More than 1024 simultaneous mappings in one process are not protected.
///
/// ```
/// use shmipc::prelude::*;
/// use shmipc::{Error, RawSegment, SegmentKind, SegmentOptions, SegmentSpec};
///
/// #[derive(SharedLayout, Clone, Copy)]
/// #[repr(C)]
/// #[shm(endian = "little")]
/// struct Tick { seq: U64Le }
///
/// # let name = format!("/shmipc-test-doc-raw-{}", std::process::id());
/// let spec = SegmentSpec::new(SegmentKind::Value, Tick::LAYOUT, 4096);
/// let created = RawSegment::create(&name, &spec, &SegmentOptions::new())?;
/// assert!(created.is_creator() && created.payload_len() == 4096);
///
/// // Another process opens it with the spec it expects; any difference is refused.
/// let opened = RawSegment::open(&name, &spec, &SegmentOptions::new())?;
/// assert_eq!(opened.creator(), created.creator());
/// let other = SegmentSpec::new(SegmentKind::Value, Tick::LAYOUT, 64);
/// assert!(matches!(
///     RawSegment::open(&name, &other, &SegmentOptions::new()),
///     Err(Error::Size { found: 4096, expected: 64, .. })
/// ));
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug)]
pub struct RawSegment {
    name: String,
    map: Mapping,
    file: File,
    header_len: usize,
    payload_len: usize,
    creator: ProcessIdentity,
    is_creator: bool,
    persist: bool,
}

impl RawSegment {
    /// Creates the segment `name` holding what `spec` says: its kind, layout and
    /// `spec.payload_len` zeroed bytes.
    ///
    /// Fails with [`Error::AlreadyExists`] if the name is taken, unless `options` allow replacing
    /// a segment whose creator is dead. The state word is published as ready last, with release
    /// ordering, so no opener sees a half-written header.
    pub fn create(name: &str, spec: &SegmentSpec, options: &SegmentOptions) -> Result<Self, Error> {
        let name = name::normalize(name)?;
        let created = create_segment(&name, spec, options)?;
        Ok(RawSegment {
            name,
            map: created.map,
            file: created.file,
            header_len: created.geometry.header_len,
            payload_len: spec.payload_len,
            creator: created.creator,
            is_creator: true,
            persist: options.persist,
        })
    }

    /// Opens the segment `name` and checks that it holds what `spec` says (kind, layout, payload
    /// length); any disagreement is an error that says where the two differ.
    ///
    /// Waits up to the open timeout for a segment that is still being initialized, and reports
    /// [`Error::CreatorDied`] if its creator died before publishing it.
    pub fn open(name: &str, spec: &SegmentSpec, options: &SegmentOptions) -> Result<Self, Error> {
        let name = name::normalize(name)?;
        let ready = open_ready(&name, options)?;
        validate::check(&name, &ready.bytes, &ready.fixed, spec)?;
        Ok(RawSegment::opened(name, ready))
    }

    /// The handle of an opener (which never unlinks) of the segment `ready`.
    fn opened(name: String, ready: Ready) -> RawSegment {
        // `decode_fixed` bounded the header's payload size by the file's (mapped) size, so it
        // fits in a usize.
        let payload_len = ready.fixed.payload_size as usize;
        RawSegment {
            header_len: ready.fixed.header_len,
            payload_len,
            creator: ready.fixed.creator,
            name,
            map: ready.map,
            file: ready.file,
            is_creator: false,
            persist: true,
        }
    }

    /// Reads the header of any shmipc segment without knowing its type, for tools: its kind,
    /// layout, sizes and creator. Checks owner and mode like `open`.
    pub fn inspect(name: &str, options: &SegmentOptions) -> Result<SegmentHeader, Error> {
        let name = name::normalize(name)?;
        let ready = open_ready(&name, options)?;
        header::decode_rest(&ready.bytes, &ready.fixed)
            .map_err(|e| validate::header_error(&name, e))
    }

    /// Opens any shmipc segment for looking at it, whatever its kind and layout, and returns its
    /// header with it: for tools that show a segment's state without its Rust type. Checks owner,
    /// mode and size like `open` (pass wide enough options to look at a segment an opener would
    /// refuse). The handle never unlinks the name; read the payload through
    /// [`read_payload`](Self::read_payload) and the kinds' snapshot functions, which only load.
    ///
    /// ```
    /// use shmipc_runtime::{RawSegment, SegmentOptions};
    /// # let name = format!("/shmipc-test-doc-look-{}", std::process::id());
    /// # let spec = shmipc_runtime::SegmentSpec::new(
    /// #     shmipc_runtime::SegmentKind::Value, &shmipc_runtime::ERROR_STUB_LAYOUT, 8);
    /// # let _made = RawSegment::create(&name, &spec, &SegmentOptions::new()).unwrap();
    /// let (segment, header) = RawSegment::open_for_inspection(&name, &SegmentOptions::new()).unwrap();
    /// assert_eq!(header.payload_size, 8);
    /// let mut bytes = [1u8; 8];
    /// assert!(segment.read_payload(0, &mut bytes));
    /// assert_eq!(bytes, [0; 8]);
    /// assert!(!segment.read_payload(4, &mut bytes), "past the payload's end");
    /// ```
    pub fn open_for_inspection(
        name: &str,
        options: &SegmentOptions,
    ) -> Result<(RawSegment, SegmentHeader), Error> {
        let name = name::normalize(name)?;
        let ready = open_ready(&name, options)?;
        let header = header::decode_rest(&ready.bytes, &ready.fixed)
            .map_err(|e| validate::header_error(&name, e))?;
        Ok((RawSegment::opened(name, ready), header))
    }

    /// Copies the payload bytes `offset .. offset + out.len()` into `out` with relaxed atomic
    /// loads (a snapshot: a peer writing meanwhile may leave a mix of old and new bytes). Returns
    /// `false`, copying nothing, if the range does not lie inside the payload.
    pub fn read_payload(&self, offset: usize, out: &mut [u8]) -> bool {
        if offset
            .checked_add(out.len())
            .is_none_or(|end| end > self.payload_len)
        {
            return false;
        }
        // SAFETY: the range lies inside the payload (checked), which is mapped while `self`
        // lives; this process reads these bytes only with atomics here, and a tool's process
        // writes none of them.
        unsafe { super::shared::copy_from_shared(self.payload().as_ptr().add(offset), out) };
        true
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
    /// On a [read-only](RawSegment::is_read_only) segment a write through it faults.
    pub fn payload(&self) -> NonNull<u8> {
        // SAFETY: `header_len <= total_size`, the mapping's length (checked when the segment was
        // created or opened; equal for an empty payload), so the result is inside the mapping or
        // one past its end, which `add` allows; a mapping is never at address 0.
        unsafe { NonNull::new_unchecked(self.map.as_mut_ptr().add(self.header_len)) }
    }

    /// Whether the segment lost its memory while mapped: another process truncated its file (or
    /// the shared-memory file system could not supply a page) and this process's `SIGBUS` handler
    /// replaced the mapping with private zero pages. Then the payload reads as zeros and writes
    /// reach no other process; drop the segment and create it again. Cheap (one atomic load).
    pub fn is_broken(&self) -> bool {
        self.map.is_broken()
    }

    /// Fails with [`Error::Truncated`] if the segment [`is_broken`](RawSegment::is_broken); the
    /// check the primitives built on a segment make in their slow paths (one atomic load).
    pub fn check_intact(&self) -> Result<(), Error> {
        self.map.check_intact(&self.name)
    }

    /// The payload's length in bytes (as created, or as found in the header on open).
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

    /// Whether this handle maps the segment read-only ([`SegmentOptions::read_only`]): then
    /// [`payload`](RawSegment::payload) may only be read, and
    /// [`control`](RawSegment::control) is refused in favour of
    /// [`control_read_only`](RawSegment::control_read_only).
    pub fn is_read_only(&self) -> bool {
        self.map.is_read_only()
    }

    /// The open shared-memory object (for `fstat`: owner and mode).
    #[cfg_attr(loom, allow(dead_code))]
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// Whether the name outlives this handle (an opener's handle always lets it outlive it).
    #[cfg_attr(loom, allow(dead_code))]
    pub(crate) fn persists(&self) -> bool {
        self.persist || !self.is_creator
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
