//! Rings: typed message queues between processes in one shared-memory segment each.
//!
//! - [`SpscRing`]: one producer, one consumer, lock-free; [`Producer`] and [`Consumer`] are the
//!   two roles, each held by one live process at a time (a dead holder's role is taken over).
//! - [`PushError`] / [`PopError`]: full or empty, timed out, the peer gone, corrupted state.
//! - [`WaitStrategy`]: how blocking calls wait (spin, spin then park, park).
//!
//! The byte layout of the control block and the slots is in `docs/spsc-ring.md`; the protocol
//! (publication by per-slot stamps, cached indices, the park/wake handshake) is a pure core in
//! `spsc_protocol.rs`, model-checked with loom:
//! `RUSTFLAGS="--cfg loom" cargo test -p shmipc-runtime --release --lib --target-dir target/loom loom`.

// Under loom only the models use the protocol core, and only in test builds.
#[cfg_attr(loom, allow(dead_code))]
mod spsc_protocol;

#[cfg(not(loom))]
mod consumer;
#[cfg(not(loom))]
mod control;
#[cfg(not(loom))]
mod error;
#[cfg(not(loom))]
mod probe;
#[cfg(not(loom))]
mod producer;
#[cfg(not(loom))]
mod spsc;
#[cfg(not(loom))]
mod wait;

#[cfg(all(test, loom))]
mod loom_models;
#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(not(loom))]
pub use consumer::{Consumer, ReadChunk};
#[cfg(not(loom))]
pub use error::{PopError, PushError};
#[cfg(not(loom))]
pub use producer::{Producer, WriteChunk};
#[cfg(not(loom))]
pub use spsc::{SpscConfig, SpscRing};
#[cfg(not(loom))]
pub use wait::WaitStrategy;
