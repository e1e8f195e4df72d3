//! Runtime of [shmipc](https://docs.rs/shmipc): the pieces that `#[derive(SharedLayout)]` plugs
//! into.
//!
//! - [`layout`]: [`SharedLayout`], [`Layout`], [`FieldLayout`], [`FieldType`], the canonical
//!   description of a shared type and its compile-time fingerprint, and [`LayoutDescription`] and
//!   [`LayoutDiff`] to compare the layout a segment holds with another;
//! - [`endian`]: integers and floats with an explicit byte order;
//! - [`field`]: the sealed traits through which the derive proves that a type can be shared;
//! - [`segment`]: named shared-memory segments with self-describing, checked headers;
//! - [`sync`]: a robust shared mutex, a seqlock, and wait/wake on a shared word;
//! - [`ring`]: typed lock-free rings between processes ([`SpscRing`](ring::SpscRing));
//! - [`ProcessIdentity`] and [`Liveness`]: who created a segment or holds a lock, and whether it
//!   still runs.
//!
//! Users depend on the `shmipc` crate, which re-exports all of this.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(rustdoc::broken_intra_doc_links)]
#![deny(clippy::undocumented_unsafe_blocks)]

#[macro_use]
mod primitives;
#[macro_use]
mod error_debug;

/// Builds each item only without `--cfg loom`: loom builds hold just the protocol cores and their
/// models, so the items they leave out are listed once, inside this, instead of gated one by one.
macro_rules! not_under_loom {
    ($($item:item)*) => { $(#[cfg(not(loom))] $item)* };
}

pub mod endian;
pub mod field;
mod fingerprint;
pub mod layout;
#[cfg(all(test, loom))]
mod loom_support;
mod pinned;
pub mod ring;
pub mod segment;
pub mod sync;
pub mod sys;
pub mod tag;
#[cfg(test)]
pub(crate) mod test_support;

pub use fingerprint::fingerprint;
pub use layout::{
    AtomicLayout, Endian, FieldDescription, FieldDifference, FieldLayout, FieldType, Layout,
    LayoutDescription, LayoutDiff, Primitive, SharedLayout, SizeError,
};
pub use segment::{
    Builder, Error, Origin, RawSegment, Segment, SegmentBuilder, SegmentKind, SegmentOptions,
    SegmentReader, SegmentSpec, SharedPrimitive,
};
pub use sys::process::{Liveness, ProcessIdentity};
pub use tag::{Bool8, InvalidTag, SharedEnum, Tag};

/// The layout of a type whose derive failed; never seen at run time because the crate that holds
/// it does not compile.
#[doc(hidden)]
pub const ERROR_STUB_LAYOUT: Layout = Layout::__new("<error>", 0, Endian::Native, 0, 1, &[]);
