//! The pure protocol cores of `shmipc-runtime`, compiled into the fuzz targets from the runtime's
//! own sources (they are crate-private there): `lock_word.rs` and `seq_protocol.rs` only use
//! `super::atomic`, which this crate provides with `core`'s atomics, as the runtime does outside
//! loom, and `crate::pinned` (`pin_offsets!`), included from the runtime too.

#![allow(dead_code, unreachable_pub)]

/// The atomics the protocols run on (the runtime's `sync/atomic.rs` without loom).
pub mod atomic {
    pub use core::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};
}

/// `pin_offsets!`, which `lock_word.rs` pins its words with.
#[path = "../../shmipc-runtime/src/pinned.rs"]
mod pinned;

/// The lock-word state machine.
#[path = "../../shmipc-runtime/src/sync/lock_word.rs"]
pub mod lock_word;

/// The seqlock protocol.
#[path = "../../shmipc-runtime/src/sync/seq_protocol.rs"]
pub mod seq_protocol;

/// A little reader over the fuzzer's bytes (zero once they run out).
pub struct Bytes<'a>(pub &'a [u8]);

impl Bytes<'_> {
    pub fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    pub fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | u64::from(self.u32()) << 32
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

pub mod header_model;
pub mod lock_model;
pub mod seq_model;
