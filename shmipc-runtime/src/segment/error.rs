//! Everything that can go wrong when creating or opening a segment.

use std::io;
use std::time::Duration;

use super::kind::SegmentKind;
use crate::layout::Endian;
use crate::layout::LayoutDiff;

/// Why a segment could not be created or opened. Every message says what to do about it;
/// `Debug` prints the variant and that sentence (`NotFound: segment `/x` does not exist: …`).
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The name cannot name a shared-memory object.
    #[error(
        "`{name}` is not a valid segment name because {reason}: use one `/` followed by up to 30 bytes without `/` to be portable"
    )]
    BadName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// Nothing of this name exists.
    #[error(
        "segment `{name}` does not exist: create it first, check the name, or open it with `wait_for_creation(true)` to wait for its creator"
    )]
    NotFound {
        /// The segment's name.
        name: String,
    },

    /// `create` found the name taken.
    #[error("segment `{name}` already exists{}", match creator_alive {
        Some(false) => ": its creator is dead, so create it with `replace_dead(true)` or `Segment::unlink` it",
        Some(true) => " and its creator still runs: open it, or pick another name",
        None => ": open it, or `Segment::unlink` it if it is stale",
    })]
    AlreadyExists {
        /// The segment's name.
        name: String,
        /// Whether the existing segment's creator still runs, where its header tells.
        creator_alive: Option<bool>,
    },

    /// The operating system refused access.
    #[error(
        "permission denied for segment `{name}`: run as the user that created it, or create it with a wider `mode`"
    )]
    PermissionDenied {
        /// The segment's name.
        name: String,
        /// The error the system reported.
        #[source]
        source: io::Error,
    },

    /// The segment belongs to a user this process does not trust.
    #[error(
        "segment `{name}` is owned by uid {owner}, not by this process's uid {expected}: remove it if it is not yours, or allow that owner with `allow_owner`"
    )]
    WrongOwner {
        /// The segment's name.
        name: String,
        /// The owner the file has.
        owner: u32,
        /// The owner this process expected (its effective uid).
        expected: u32,
    },

    /// The segment's permissions are wider than the opener asked for.
    #[error(
        "segment `{name}` has mode {mode:04o}, wider than the {allowed:04o} this process accepts: remove it, or open it with a wider `mode`"
    )]
    ModeTooWide {
        /// The segment's name.
        name: String,
        /// The permission bits the file has.
        mode: u32,
        /// The permission bits the opener accepts.
        allowed: u32,
    },

    /// The object exists but was not made by shmipc (no magic, or too small to hold a header).
    #[error(
        "`{name}` is not a shmipc segment ({reason}): pick another name, or remove the object if it is stale"
    )]
    NotShmipc {
        /// The segment's name.
        name: String,
        /// What gave it away.
        reason: &'static str,
    },

    /// The header carries shmipc's magic but is damaged: a length, offset or checksum is wrong.
    #[error(
        "segment `{name}` has a damaged header ({reason}): remove it with `Segment::unlink` and create it again"
    )]
    CorruptHeader {
        /// The segment's name.
        name: String,
        /// The first inconsistency found.
        reason: String,
    },

    /// The header was written in a format this build cannot read.
    #[error("segment `{name}` has header format {}.{}, but this build reads format {}.x: use the same shmipc major version on both sides", found.0, found.1, supported.0)]
    FormatVersion {
        /// The format (major, minor) in the header.
        found: (u16, u16),
        /// The format (major, minor) this build writes.
        supported: (u16, u16),
        /// The segment's name.
        name: String,
    },

    /// A native-endian layout was created on a machine of the other byte order.
    #[error(
        "segment `{name}` holds a native-endian value written by a {segment}-endian process, but this process is {this}-endian: declare the type with `endian = \"little\"` or `\"big\"` to share it between them"
    )]
    ByteOrder {
        /// The segment's name.
        name: String,
        /// The creator's byte order.
        segment: Endian,
        /// This process's byte order.
        this: Endian,
    },

    /// The segment holds another kind of primitive (for example a ring, not a value).
    #[error(
        "segment `{name}` holds a {found}, but this process opens it as a {expected}: open it with the matching type"
    )]
    Kind {
        /// The segment's name.
        name: String,
        /// The kind the header records (or `unknown kind N`).
        found: String,
        /// The kind this process expected.
        expected: SegmentKind,
    },

    /// The segment holds another type.
    #[error(
        "segment `{name}` holds `{found}`, but this build expects `{expected}`: open it with the right type, or pick another name"
    )]
    TypeName {
        /// The segment's name.
        name: String,
        /// The type name in the header.
        found: String,
        /// The type name this build expects.
        expected: String,
    },

    /// The segment holds another schema version of the same type.
    #[error(
        "segment `{name}` holds `{type_name}` v{found}, but this build has v{expected}: rebuild both programs from the same schema version"
    )]
    SchemaVersion {
        /// The segment's name.
        name: String,
        /// The type name.
        type_name: String,
        /// The version in the header.
        found: u32,
        /// The version this build has.
        expected: u32,
    },

    /// Same type name and version, but the layouts differ: the first differing field is named.
    #[error(
        "segment `{name}` {diff}: rebuild both programs from the same definition of the type, or bump its version"
    )]
    LayoutMismatch {
        /// The segment's name.
        name: String,
        /// Every difference, the first field difference first.
        diff: Box<LayoutDiff>,
    },

    /// The payload has another size than the opener asked for (for example a ring's capacity).
    #[error(
        "segment `{name}` has a payload of {found} bytes, but this process expects {expected}: open it with the same capacity it was created with"
    )]
    Size {
        /// The segment's name.
        name: String,
        /// The payload size in the header.
        found: u64,
        /// The payload size the opener asked for.
        expected: u64,
    },

    /// The creator died before it published the segment as ready.
    #[error(
        "the creator of segment `{name}` (pid {pid}) died while initializing it: create it again with `replace_dead(true)`"
    )]
    CreatorDied {
        /// The segment's name.
        name: String,
        /// The dead creator's pid.
        pid: u32,
    },

    /// The segment did not become ready within the open timeout (or, with
    /// [`wait_for_creation`](super::SegmentOptions::wait_for_creation), was not created in time:
    /// `state` is then `not created`).
    #[error("segment `{name}` was still {state} after {waited:?}: {}", if *state == super::open::NOT_CREATED {
        "start the process that creates it, raise the open timeout, or check the name"
    } else {
        "retry, raise the open timeout, or remove it if its creator hangs"
    })]
    Timeout {
        /// The segment's name.
        name: String,
        /// What it was doing (`not created`, `empty`, `initializing`).
        state: &'static str,
        /// How long the opener waited.
        waited: Duration,
    },

    /// The layout cannot be recorded in a segment header (a name or table too long, an alignment
    /// above a page).
    #[error("the layout of `{type_name}` cannot be stored in segment `{name}`: {reason}")]
    UnencodableLayout {
        /// The segment's name.
        name: String,
        /// The layout's type name.
        type_name: &'static str,
        /// What does not fit.
        reason: &'static str,
    },

    /// The primitive's settings are invalid (for example a ring capacity that is not a power of
    /// two).
    #[error("cannot create or open `{name}`: {reason}")]
    InvalidOptions {
        /// The segment's name.
        name: String,
        /// Which setting is invalid and what to use instead.
        reason: String,
    },

    /// The operating system reported another error.
    #[error("could not {op} segment `{name}`: {source}; check the system's shared-memory limits")]
    Io {
        /// The segment's name.
        name: String,
        /// What was being done (`create`, `open`, `map`, `resize`, `unlink`).
        op: &'static str,
        /// The error the system reported.
        #[source]
        source: io::Error,
    },

    /// The shared-memory file system (on Linux the tmpfs at `/dev/shm`) has no room for the
    /// segment's pages; `create` reserves them all, so it fails here instead of crashing later.
    #[error(
        "cannot create segment `{name}`: /dev/shm (the shared-memory file system) has no room for its {needed} bytes; check with `df -h /dev/shm`, remove stale segments there, or make the tmpfs larger"
    )]
    NoSpace {
        /// The segment's name.
        name: String,
        /// The bytes the segment needs (header and payload).
        needed: u64,
    },

    /// The segment lost its memory while mapped: another process truncated its file (or the
    /// shared-memory file system could not supply a page). This process survived the fault; its
    /// mapping now holds private zero pages, so what it reads is zeros and what it writes is
    /// seen by no other process.
    #[error(
        "segment `{name}` was truncated (or lost its memory) while this process had it mapped: its contents are gone; drop it, find out which process shrank the file, and create the segment again"
    )]
    Truncated {
        /// The segment's name.
        name: String,
    },

    /// A ring's role (its producer or its consumer) is held by another live process; each role
    /// has one holder at a time.
    #[error(
        "the {role} of ring `{name}` is held by process {pid}: drop that handle or stop that process first (the role of a process that died is taken over automatically)"
    )]
    RoleTaken {
        /// The ring's name.
        name: String,
        /// `producer` or `consumer`.
        role: &'static str,
        /// The holder's pid.
        pid: u32,
    },
}

debug_as_sentence!(Error {
    BadName,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    WrongOwner,
    ModeTooWide,
    NotShmipc,
    CorruptHeader,
    FormatVersion,
    ByteOrder,
    Kind,
    TypeName,
    SchemaVersion,
    LayoutMismatch,
    Size,
    CreatorDied,
    Timeout,
    UnencodableLayout,
    InvalidOptions,
    Io,
    NoSpace,
    Truncated,
    RoleTaken,
});

impl Error {
    /// Maps a system error to the variant a caller can act on.
    pub(crate) fn from_io(name: &str, op: &'static str, source: io::Error) -> Error {
        let name = name.to_owned();
        match source.kind() {
            io::ErrorKind::NotFound => Error::NotFound { name },
            io::ErrorKind::AlreadyExists => Error::AlreadyExists {
                name,
                creator_alive: None,
            },
            io::ErrorKind::PermissionDenied => Error::PermissionDenied { name, source },
            _ if crate::sys::shm::is_not_regular(&source) => Error::NotShmipc {
                name,
                reason: "it is not a regular file (a FIFO, device or directory was put there)",
            },
            _ if source.raw_os_error() == Some(libc::EISDIR) => Error::NotShmipc {
                name,
                reason: "it is a directory",
            },
            _ if source.raw_os_error() == Some(libc::ELOOP) => Error::NotShmipc {
                name,
                reason: "it is a symbolic link",
            },
            _ => Error::Io { name, op, source },
        }
    }
}
