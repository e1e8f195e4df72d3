//! Named shared-memory segments with versioned, self-describing headers.
//!
//! - [`RawSegment`]: the untyped core every primitive builds on: a header that records the kind,
//!   the layout and the payload size, then a zeroed payload;
//! - [`Segment`]: one value of a `SharedLayout` type, and [`SegmentReader`], a read-only handle
//!   on one;
//! - [`Error`]: every failure, with a message that says what to do; a layout mismatch carries a
//!   [`LayoutDiff`] that names the first differing field;
//! - [`SegmentHeader`]: what [`RawSegment::inspect`] reads from any segment's header (the
//!   byte-exact format is in `docs/segment-header.md`).
//!
//! A segment survives what other processes can do to its object: `create` allocates every page
//! (a full `/dev/shm` is [`Error::NoSpace`], never a later `SIGBUS`); on Linux, if a process with
//! write access truncates the file while it is mapped, a `SIGBUS` handler scoped to shmipc's own
//! mappings puts private zero pages in its place and marks it broken ([`RawSegment::is_broken`],
//! [`Error::Truncated`]). What remains: the contents are lost to this process (reads give zeros,
//! writes reach no one); off Linux there is no handler (macOS cannot resize a sized object, and has
//! no `fallocate`, so pages are not reserved there). `open` refuses a FIFO, device, directory or
//! link placed under the name, without blocking on it.

mod builder;
mod bytes;
mod control;
mod create;
mod error;
mod expected;
#[doc(hidden)]
pub mod header;
mod kind;
mod mapping;
mod name;
mod open;
mod options;
mod raw;
mod reader;
mod shared;
mod spec;
mod table;
mod typed;
mod validate;

#[doc(hidden)]
pub use validate::check_header;

pub use crate::layout::{FieldDescription, FieldDifference, LayoutDescription, LayoutDiff};
// For the sync primitives, which loom builds leave out.
pub use builder::{Builder, Origin, SharedPrimitive};
#[cfg_attr(loom, allow(unused_imports))]
pub(crate) use builder::{fixed_spec, primitive_shortcuts};
pub use control::ControlBlock;
pub use error::Error;
pub use header::{SegmentHeader, segment_header_c};
pub use kind::SegmentKind;
pub use name::{MAX_NAME_LEN, PORTABLE_MAX_NAME_LEN, normalize as normalize_name};
pub use options::SegmentOptions;
pub use raw::RawSegment;
pub use reader::SegmentReader;
pub use spec::SegmentSpec;
pub use typed::{Segment, SegmentBuilder};

#[cfg(test)]
mod tests;
