//! Rings: typed message queues between processes in one shared-memory segment each.
//!
//! - [`SpscRing`]: one producer, one consumer, lock-free; [`Producer`] and [`Consumer`] are the
//!   two roles, each held by one live process at a time (a dead holder's role is taken over).
//! - [`PushError`] / [`PopError`]: full or empty, timed out, the peer gone, corrupted state.
//! - [`WaitStrategy`]: how blocking calls wait (spin, spin then park, park).
//! - [`BroadcastRing`]: one publisher ([`BroadcastProducer`]), any number of read-only
//!   [`Subscriber`]s, each of which sees every message or learns exactly how many it missed
//!   ([`RecvError::Lagged`]); see `broadcast.rs` and `docs/broadcast-ring.md`.
//! - [`MpmcRing`]: any number of producers and consumers, lock-free; [`MpmcProducer`] and
//!   [`MpmcConsumer`] handles; a process killed while it holds a slot is detected (pid and
//!   start time) and its slot recovered by a survivor. `docs/mpmc-ring.md` gives the format and
//!   the recovery argument.
//!
//! # How the SPSC ring works
//!
//! The payload is a control block of three 128-byte blocks (ring info, the producer's words, the
//! consumer's words) and then the slots; `docs/spsc-ring.md` gives every byte. Indices are
//! monotonic `u64` counters, masked by the power-of-two capacity to find a slot.
//!
//! - **Publication by stamps.** Each slot starts with an 8-byte stamp: the producer writes the
//!   value, then stores the stamp `index + 1` (release), then its tail once per call (a batch
//!   writes all its values, then all its stamps, then one tail). The consumer polls the stamp of the slot it reads next, so the data and its
//!   ready signal arrive on the same cache line, and never needs the producer's index on its
//!   fast path. The producer caches the consumer's head and reloads it only when the cached value
//!   says the ring is full.
//! - **Untrusted peer.** Indices and stamps are read atomically and slot numbers always masked;
//!   a head further from the tail than the capacity, or a tail that contradicts the stamps, is
//!   reported as `Corrupted`. Slot bytes are copied with word-wise relaxed atomics, so a peer
//!   that scribbles over a slot yields a garbage value, never undefined behaviour. Each side keeps
//!   its own index privately and re-stores it before it sleeps, repairing an overwrite.
//! - **Blocking without system calls on the fast path.** A waiter spins adaptively (10–200 µs,
//!   growing when a park ended quickly, so that both sides do not settle into wake-ups that cost
//!   400 spin round trips), then parks on the peer's `WaitCell`. A producer that found the ring
//!   full waits, for its first polls (a few microseconds), until a run of slots is free (a
//!   quarter of the capacity, at most 128), not one: refilling each slot the moment the consumer
//!   releases it puts both sides on the same cache lines message by message (in benchmark runs
//!   a 64-byte stream fell from ~25 to ~10 M msg/s in that regime). "Wake only a parked peer" is
//!   a store→load handshake made correct by asymmetric fences: the publisher's is a compiler fence,
//!   the parker's `membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED)` (see `spsc_protocol.rs`); a push
//!   or pop therefore costs no fence and no system call unless the peer sleeps. A sleeper wakes at
//!   least every 50 ms to check whether its peer died.
//! - **Crashes.** What a producer committed survives it: the consumer reads every committed
//!   message, in order, then reports `Disconnected` (a dropped handle says so at once through an
//!   explicit "closed" state word; a killed process is noticed within 10–50 ms). A new producer
//!   continues after every message its predecessor committed (stamps included), a new consumer
//!   with the first message its predecessor did not release: a message it was reading when it
//!   died is delivered again.
//!
//! # In place
//!
//! [`Producer::reserve`] lends free slots ([`WriteChunk`]) and [`Consumer::read_chunk`]
//! committed ones ([`ReadChunk`]) without copying the value through the stack, for large
//! messages. The safe methods copy atomically (`write`, `copy_from`, `copy_to`, `read`); raw
//! pointers and `unsafe` references are for writing or reading fields in place. Those assume that
//! no process breaks the protocol: a correct peer does not touch a slot the protocol gave this
//! side, but a process with write access to the segment could, and a plain `&T`/`&mut T` to memory
//! that is written concurrently is undefined behaviour; hence `unsafe`.
//!
//! The protocol core (`spsc_protocol.rs`) makes no system call and is model-checked with loom:
//! `RUSTFLAGS="--cfg loom" cargo test -p shmipc-runtime --release --lib --target-dir target/loom loom`.

// Under loom only the models use the protocol core, and only in test builds.
#[cfg_attr(loom, allow(dead_code))]
mod broadcast_protocol;
#[cfg_attr(loom, allow(dead_code))]
mod mpmc_protocol;
#[cfg_attr(loom, allow(dead_code))]
mod spsc_protocol;

not_under_loom! {
    mod broadcast;
    mod broadcast_control;
    mod broadcast_snapshot;
    mod chunk;
    mod config;
    mod consumer;
    mod control;
    mod endpoint;
    mod mapped;
    mod error;
    mod mpmc;
    mod mpmc_consumer;
    mod mpmc_control;
    mod mpmc_end;
    mod mpmc_producer;
    mod mpmc_recovery;
    mod mpmc_snapshot;
    mod mpmc_wait;
    mod probe;
    mod producer;
    mod publisher;
    mod snapshot;
    mod spsc;
    mod subscriber;
    mod wait;

    pub use broadcast::BroadcastRing;
    pub use broadcast_protocol::StartAt;
    pub use broadcast_snapshot::{
        BroadcastMessage, BroadcastSnapshot, DoorbellSnapshot, StampState,
        broadcast_doorbell_name, broadcast_ring_of_doorbell, is_broadcast_doorbell,
    };
    pub use consumer::{Consumer, ReadChunk};
    pub use error::{PopError, PushError};
    pub use mpmc::{MpmcConfig, MpmcRecovery, MpmcRing};
    pub use mpmc_consumer::MpmcConsumer;
    pub use mpmc_producer::MpmcProducer;
    pub use mpmc_snapshot::{MpmcMessage, MpmcProcess, MpmcSlotState, MpmcSnapshot};
    pub use producer::{Producer, WriteChunk};
    pub use config::RingConfig;
    pub use publisher::{BroadcastProducer, BroadcastSlot};
    pub use snapshot::{SideSnapshot, SpscSnapshot};
    pub use spsc::{SpscConfig, SpscRing};
    pub use subscriber::{RecvError, Subscriber};
    pub use wait::WaitStrategy;
}

#[cfg(all(test, loom))]
mod broadcast_loom_models;
#[cfg(all(test, loom))]
mod loom_models;
#[cfg(all(test, loom))]
mod mpmc_loom_models;
#[cfg(all(test, not(loom)))]
mod tests;
