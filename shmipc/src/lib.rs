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
//! - [`SeqLock<T>`](SeqLock): one writer publishes the latest value, readers copy it, nobody waits;
//!   a reader can also wait for a newer value ([`SeqLock::wait_newer`]).
//! - [`SegmentReader<T>`](SegmentReader) and [`SeqLockReader<T>`](SeqLockReader): read-only
//!   handles (`O_RDONLY`, `PROT_READ`) for processes that only read: they need only read
//!   permission, and have no method that writes.
//! - [`WaitCell`]: wait/wake on a shared 32-bit word, free when nobody sleeps.
//! - [`SpscRing<T>`](SpscRing): a typed lock-free single-producer, single-consumer ring between
//!   processes, with [`Producer`] and [`Consumer`] handles; the byte format is in
//!   `docs/spsc-ring.md`.
//! - [`BroadcastRing<T>`](BroadcastRing): one publisher ([`BroadcastProducer`]) and any number of
//!   read-only [`Subscriber`]s, each of which sees every message or learns exactly how many it
//!   missed; the byte format is in `docs/broadcast-ring.md`.
//!
//! Every primitive is created and opened through a [`Builder`] (`T::builder(name)`): mode, owners,
//! open timeout, [`wait_for_creation`](Builder::wait_for_creation) for an opener that may start
//! before the creator, and [`open_or_create`](Builder::open_or_create) for symmetric peers.
//! `Debug` of every error is its variant and its sentence, so `.unwrap()` and `?` in `main` print
//! what to do.
//!
//! The `shmipc` command-line tool (`shmipc list`, `shmipc inspect /name`, `shmipc unlink /name`)
//! reads any segment's header without the Rust type. It lives in its own crate, `shmipc-cli`
//! (`cargo install --path shmipc-cli`), so depending on this library never compiles its
//! argument parser. How the crates fit together, and why: `docs/architecture.md`.
//!
//! The cargo feature `portable` uses only POSIX calls (no futex, no `/proc`), as on macOS.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(rustdoc::broken_intra_doc_links)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub use shmipc_runtime::endian;
pub use shmipc_runtime::layout;
pub use shmipc_runtime::layout::{EnumLayout, Variant};
pub use shmipc_runtime::layout::{
    FieldDescription, FieldDifference, LayoutDescription, LayoutDiff,
};
// Module re-exports carry their own docs; a doc comment here would be prepended to them.
pub use shmipc_runtime::ring;
pub use shmipc_runtime::ring::{
    BroadcastProducer, BroadcastRing, BroadcastSlot, RecvError, StartAt, Subscriber,
};
pub use shmipc_runtime::ring::{
    Consumer, PopError, Producer, PushError, ReadChunk, SpscRing, WaitStrategy, WriteChunk,
};
pub use shmipc_runtime::ring::{MpmcConsumer, MpmcProducer, MpmcRecovery, MpmcRing};
pub use shmipc_runtime::segment;
pub use shmipc_runtime::segment::{
    Builder, Error, Origin, RawSegment, Segment, SegmentBuilder, SegmentKind, SegmentOptions,
    SegmentReader, SegmentSpec, SharedPrimitive,
};
pub use shmipc_runtime::sync;
// No doc comment on a re-export of items: rustdoc would prepend it to every item's summary.
pub use shmipc_runtime::sync::{
    LockError, LockResult, MutexGuard, SeqLock, SeqLockError, SeqLockReader, SharedMutex, WaitCell,
    WaitTimedOut, WriterState,
};
pub use shmipc_runtime::sys::PORTABLE;
pub use shmipc_runtime::{
    AtomicLayout, Bool8, Endian, FieldLayout, FieldType, InvalidTag, Layout, Primitive, SharedEnum,
    SharedLayout, SizeError, Tag,
};
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
/// objects are rejected, also when hidden behind a type alias. Enums and booleans are stored
/// checked: a [`Tag<E>`](Tag) field (the enum derives [`macro@SharedEnum`]) or a [`Bool8`].
///
/// # Values and bytes
///
/// Every shared layout is valid when all its bytes are zero, so [`SharedLayout::zeroed`] exists
/// for every one (also where `#[derive(Default)]` fails, as on `[u8; 252]`); a `Copy` layout has
/// byte views for journals and sockets: [`SharedLayout::as_bytes`], [`SharedLayout::as_mut_bytes`]
/// and [`SharedLayout::read_from_bytes`], which checks the length.
///
/// ```
/// use shmipc::prelude::*;
///
/// #[derive(SharedLayout, Clone, Copy)]
/// #[repr(C)]
/// #[shm(endian = "big")]
/// pub struct Note {
///     pub len: U16Be,
///     pub text: [u8; 254],
/// }
///
/// let mut note = Note::zeroed();
/// assert_eq!(note.len, 0);
/// note.len = U16Be::new(2);
/// note.text[..2].copy_from_slice(b"hi");
/// let bytes = note.as_bytes().to_vec();
/// assert_eq!(&bytes[..4], [0, 2, b'h', b'i']);
/// let back = Note::read_from_bytes(&bytes).unwrap();
/// assert_eq!(back.len, 2);
/// let short = Note::read_from_bytes(&bytes[..10]).err().unwrap();
/// assert!(short.to_string().contains("`Note` is 256 bytes, but 10 bytes were given"));
/// ```
pub use shmipc_derive::SharedLayout;

/// `#[derive(SharedEnum)]`: makes a fieldless enum storable in a checked [`Tag<E>`](Tag) field.
///
/// A peer may write any bytes, and a Rust enum is valid only for its discriminants, so an enum is
/// never a field itself: the field stores the raw integer, and [`Tag::get`] converts with a check
/// ([`InvalidTag`] for a value that is no variant). The enum needs `#[repr(u8)]`, `#[repr(u16)]`
/// or `#[repr(u32)]` and an explicit value on every variant; `#[shm(name = "...")]` sets its
/// stable name (by default the bare enum name) and `#[shm(crate = "...")]` a renamed facade.
///
/// The enum's name, variant names and values are part of every layout that holds a `Tag` of it
/// (its field table and fingerprint): a process built with another variant set is refused when it
/// opens the segment, and the error names the variant. A `Tag` stores its integer as the storage
/// type says: `Tag<Side>` stores the `repr` integer natively (for `u8` the same in every layout),
/// `Tag<Kind, U16Le>` little-endian, as a little-endian layout requires for wider enums.
///
/// ```
/// use shmipc::prelude::*;
///
/// #[derive(SharedEnum, Clone, Copy, Debug, PartialEq)]
/// #[repr(u8)]
/// pub enum Side {
///     Buy = 1,
///     Sell = 2,
/// }
///
/// #[derive(SharedEnum, Clone, Copy, Debug, PartialEq)]
/// #[repr(u16)]
/// pub enum Kind {
///     New = 1,
///     Cancel = 0x100,
/// }
///
/// #[derive(SharedLayout, Clone, Copy)]
/// #[repr(C)]
/// #[shm(endian = "little")]
/// pub struct Order {
///     pub qty: U32Le,
///     pub kind: Tag<Kind, U16Le>,
///     pub side: Tag<Side>,
///     pub urgent: Bool8,
/// }
///
/// let mut order = Order::zeroed();
/// assert!(order.side.get().is_err(), "0 is no `Side`");
/// order.side.set(Side::Sell);
/// order.kind = Tag::new(Kind::Cancel);
/// order.urgent.set(true);
/// assert_eq!(order.side.get(), Ok(Side::Sell));
/// assert_eq!(order.kind.get(), Ok(Kind::Cancel));
/// assert_eq!(order.urgent.get(), Ok(true));
/// assert_eq!(order.as_bytes()[4..8], [0x00, 0x01, 2, 1]);
///
/// // What a peer wrote is checked when read.
/// order.as_mut_bytes()[6] = 9;
/// let err = order.side.get().unwrap_err();
/// assert_eq!((err.enum_name, err.raw), ("Side", 9));
///
/// assert_eq!(
///     Order::LAYOUT.fields()[2].ty().to_string(),
///     "enum Side as u8 {Buy = 1, Sell = 2}"
/// );
/// ```
pub use shmipc_derive::SharedEnum;

/// Everything a message definition needs: the derive and trait, and the endian types.
pub mod prelude {
    pub use crate::endian::{
        Be, F32Be, F32Le, F64Be, F64Le, I16Be, I16Le, I32Be, I32Le, I64Be, I64Le, Le, U16Be, U16Le,
        U32Be, U32Le, U64Be, U64Le,
    };
    pub use crate::{Bool8, SharedEnum, SharedLayout, Tag};
}

/// Paths used by code that `#[derive(SharedLayout)]` generates. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use core;
    pub use shmipc_runtime::ERROR_STUB_LAYOUT;
    pub use shmipc_runtime::field::{
        AtomicField, Field, assert_no_padding_before, assert_no_trailing_padding, atomic_field,
        big_field, byte_order, bytes_field, little_field, native_field,
    };
    pub use shmipc_runtime::layout::{EnumLayout, Variant};
    pub use shmipc_runtime::{
        AtomicLayout, Endian, FieldLayout, FieldType, Layout, SharedEnum, SharedLayout, fingerprint,
    };
}

/// The README's examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
