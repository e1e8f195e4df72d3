//! The atomics the lock and seqlock protocols run on: `core`'s, or loom's under `--cfg loom` so the
//! same protocol code is model-checked.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};
