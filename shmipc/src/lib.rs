//! # shmipc: typed inter-process communication over shared memory
//!
//! Processes on one machine exchange fixed-layout messages through shared memory and can never
//! silently disagree about what the bytes mean: `#[derive(SharedLayout)]` proves at compile time
//! that a struct can live in shared memory, and records a versioned, self-describing layout that a
//! second process checks.
//!
//! ```
//! use shmipc::prelude::*;
//!
//! #[derive(SharedLayout, Clone, Copy)]
//! #[repr(C)]
//! #[shm(endian = "little", version = 3)]
//! pub struct Tick {
//!     pub seq: U64Le,
//!     pub price_e6: I64Le,
//!     pub qty: U32Le,
//!     pub venue: [u8; 4],
//! }
//!
//! let layout = Tick::LAYOUT;
//! assert_eq!((layout.name(), layout.version(), layout.size()), ("Tick", 3, 24));
//! assert_eq!(layout.fields()[2].offset(), 16);
//! assert_eq!(layout.fields()[2].ty().to_string(), "u32le");
//! assert_eq!(Tick::FINGERPRINT, layout.fingerprint());
//! ```
//!
//! See the derive's documentation ([`macro@SharedLayout`]) for every rule it enforces.
//!
//! # What the layouts plug into
//!
//! - [`Segment<T>`](Segment): a named shared-memory segment holding one `T`, whose header carries
//!   the layout; [`Segment::open`] refuses a segment built from another layout and names the first
//!   differing field. [`RawSegment`] is the untyped core the other primitives build on; the byte
//!   format is in `docs/segment-header.md`.
//! - [`SharedMutex<T>`](SharedMutex): a lock in its own segment that survives a holder killed with
//!   SIGKILL (the next locker gets [`LockError::OwnerDied`] and can repair).
//! - [`SeqLock<T>`](SeqLock): one writer publishes the latest value, readers copy it, nobody waits.
//! - [`WaitCell`]: wait/wake on a shared 32-bit word, free when nobody sleeps.
//! - [`SpscRing<T>`](SpscRing): a typed lock-free single-producer, single-consumer ring between
//!   processes, with [`Producer`] and [`Consumer`] handles; the byte format is in
//!   `docs/spsc-ring.md`.
//!
//! The `shmipc` command-line tool (`shmipc list`, `shmipc inspect /name`, `shmipc unlink /name`)
//! reads any segment's header without the Rust type. It lives in its own crate, `shmipc-cli`
//! (`cargo install --path shmipc-cli`), so depending on this library never compiles its
//! argument parser. How the crates fit together, and why: `docs/architecture.md`.
//!
//! The cargo feature `portable` uses only POSIX calls (no futex, no `/proc`), as on macOS.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub use shmipc_runtime::endian;
pub use shmipc_runtime::layout::{
    FieldDescription, FieldDifference, LayoutDescription, LayoutDiff,
};
/// Typed lock-free rings between processes: see [`shmipc_runtime::ring`].
pub use shmipc_runtime::ring;
pub use shmipc_runtime::ring::{
    Consumer, PopError, Producer, PushError, ReadChunk, SpscRing, WaitStrategy, WriteChunk,
};
pub use shmipc_runtime::ring::{MpmcConsumer, MpmcProducer, MpmcRecovery, MpmcRing};
pub use shmipc_runtime::segment;
pub use shmipc_runtime::segment::{
    Builder, Error, RawSegment, Segment, SegmentBuilder, SegmentKind, SegmentOptions, SegmentSpec,
    SharedPrimitive,
};
/// Robust shared mutex, seqlock and wait/wake on a shared word: see [`shmipc_runtime::sync`].
pub use shmipc_runtime::sync::{
    LockError, LockResult, MutexGuard, SeqLock, SeqLockError, SharedMutex, WaitCell, WaitTimedOut,
    WriterState,
};
pub use shmipc_runtime::sys::PORTABLE;
pub use shmipc_runtime::{Endian, FieldLayout, FieldType, Layout, Primitive, SharedLayout};
pub use shmipc_runtime::{Liveness, ProcessIdentity};

/// `#[derive(SharedLayout)]`: proves at compile time that a struct can live in shared memory and
/// implements [`trait@SharedLayout`] for it.
///
/// # Attributes
///
/// - `#[repr(C)]` is required (`#[repr(C, align(N))]` is fine); `packed` and `transparent` are
///   rejected.
/// - `#[shm(endian = "little" | "big" | "native")]` is required. In a little or big layout every
///   multi-byte field carries its byte order in its type (`U32Le`, `I64Be`, …); native integers,
///   floats and atomics (`AtomicU32`, …) are allowed only in native layouts.
/// - `#[shm(version = N)]`: the schema version, a `u32`, by default 1.
/// - `#[shm(name = "...")]`: the stable type name recorded in the layout, by default the bare
///   struct name (never a module path, so two binaries that define the same struct agree).
/// - `#[shm(crate = "path")]`: where the `shmipc` crate is, if it was renamed.
///
/// # What is proven
///
/// Every field is a shared-memory field type (fixed-width integers and floats, endian types,
/// fixed-width atomics, arrays of them, nested `SharedLayout` structs); there is no implicit
/// padding anywhere (the error gives the byte count and the `[u8; N]` field to add); the struct is
/// not zero-sized and does not implement `Drop`. Pointers, references, owning types, `usize`,
/// `isize`, `bool`, `char`, `Option`, enums, `u128`, `i128`, cells, function pointers and trait
/// objects are rejected, also when hidden behind a type alias.
pub use shmipc_derive::SharedLayout;

/// Everything a message definition needs: the derive and trait, and the endian types.
pub mod prelude {
    pub use crate::SharedLayout;
    pub use crate::endian::{
        Be, F32Be, F32Le, F64Be, F64Le, I16Be, I16Le, I32Be, I32Le, I64Be, I64Le, Le, U16Be, U16Le,
        U32Be, U32Le, U64Be, U64Le,
    };
}

/// Paths used by code that `#[derive(SharedLayout)]` generates. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use core;
    pub use shmipc_runtime::ERROR_STUB_LAYOUT;
    pub use shmipc_runtime::field::{
        BigEndianField, Field, LittleEndianField, assert_no_padding_before,
        assert_no_trailing_padding, big_field, little_field, native_field,
    };
    pub use shmipc_runtime::{Endian, FieldLayout, FieldType, Layout, SharedLayout, fingerprint};
}

/// The README's examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
