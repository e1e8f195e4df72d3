//! Runtime of [shmipc](https://docs.rs/shmipc): the pieces that `#[derive(SharedLayout)]` plugs
//! into.
//!
//! - [`SharedLayout`], [`Layout`], [`FieldLayout`], [`FieldType`]: the canonical description of a
//!   shared type and its compile-time fingerprint;
//! - [`endian`]: integers and floats with an explicit byte order;
//! - [`field`]: the sealed traits through which the derive proves that a type can be shared;
//! - [`segment`]: named shared-memory segments with self-describing, checked headers;
//! - [`sync`]: a robust shared mutex, a seqlock, and wait/wake on a shared word;
//! - [`ring`]: typed lock-free rings between processes ([`SpscRing`](ring::SpscRing)).
//!
//! Users depend on the `shmipc` crate, which re-exports all of this.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod endian;
pub mod field;
mod fingerprint;
mod layout;
pub mod ring;
pub mod segment;
pub mod sync;
pub mod sys;

pub use fingerprint::fingerprint;
pub use layout::{Endian, FieldLayout, FieldType, Layout, Primitive, SharedLayout};
pub use segment::{
    Builder, Error, FieldDifference, LayoutDiff, RawSegment, Segment, SegmentBuilder, SegmentKind,
    SegmentOptions, SegmentSpec, SharedPrimitive,
};

/// The layout of a type whose derive failed; never seen at run time because the crate that holds
/// it does not compile.
#[doc(hidden)]
pub const ERROR_STUB_LAYOUT: Layout = Layout::__new("<error>", 0, Endian::Native, 0, 1, &[]);
