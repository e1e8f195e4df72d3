//! The control block that `segment_peer count` and `tests/atomic_layout.rs` share: atomics and a
//! wait cell only, so both reach it through the safe `Segment::shared`.

use shmipc::WaitCell;
use shmipc::prelude::*;
use std::sync::atomic::AtomicU64;

/// Counters that several processes increment at once.
#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Counters {
    /// Incremented by every process.
    pub hits: AtomicU64,
    /// Incremented once by each process that finished counting; woken on.
    pub done: WaitCell,
}
