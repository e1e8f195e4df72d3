//! In-process tests of the SPSC ring (threads as the two sides; the multi-process tests are in
//! `tests/`): shared fixtures here, the tests by theme in the submodules.

mod broadcast;
mod hostile;
mod mpmc;
mod roles;
mod stream;

use core::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::control::{STATE_CLOSED, STATE_NEVER, SpscControl};
use super::*;
use crate::segment::Error;
use crate::test_support::{Pair, U64, Unlink, dead_pid, unique_name};
use crate::{Endian, FieldLayout, FieldType, Layout, SharedLayout};

/// A large message (1 MiB) for the in-place paths, larger than the test threads' stacks.
#[derive(Clone, Copy)]
#[repr(C)]
struct Big {
    words: [u64; WORDS],
}

const WORDS: usize = 1 << 17;
static BIG_WORDS: FieldType = FieldType::Array {
    elem: &U64,
    len: WORDS,
};
static BIG_FIELDS: [FieldLayout; 1] = [FieldLayout::__new("words", 0, WORDS * 8, 8, &BIG_WORDS)];
static BIG_LAYOUT: Layout = Layout::__new("RingBig", 1, Endian::Native, WORDS * 8, 8, &BIG_FIELDS);

/// A zeroed `Big` on the heap, never on the stack.
fn big_box() -> Box<Big> {
    // SAFETY: all zeroes is a valid `Big` (an array of integers).
    unsafe { Box::<Big>::new_zeroed().assume_init() }
}

// SAFETY: repr(C), an array of u64 (no padding, every bit pattern valid, no Drop), described
// truthfully by BIG_LAYOUT.
unsafe impl SharedLayout for Big {
    const LAYOUT: &'static Layout = &BIG_LAYOUT;
    const FINGERPRINT: u64 = BIG_LAYOUT.fingerprint();
}

/// A new ring of `capacity` slots under a unique name (see [`unique_name`]) and both of its ends;
/// the guard comes first so that it is dropped last, after the ring and its ends.
fn ring_with_ends<T: SharedLayout>(
    tag: &str,
    capacity: usize,
) -> (Unlink, SpscRing<T>, Producer<T>, Consumer<T>) {
    let (n, unlink) = unique_name(tag);
    let ring = SpscRing::<T>::create(&n, capacity).unwrap();
    let (p, c) = (ring.producer().unwrap(), ring.consumer().unwrap());
    (unlink, ring, p, c)
}

/// A ring of `capacity` `Pair`s under a unique name, waiting with `wait`.
fn ring_waiting(tag: &str, capacity: usize, wait: WaitStrategy) -> (Unlink, SpscRing<Pair>) {
    let (n, unlink) = unique_name(tag);
    let ring = SpscRing::<Pair>::builder(&n)
        .capacity(capacity)
        .wait_strategy(wait)
        .create()
        .unwrap();
    (unlink, ring)
}

fn control(ring: &SpscRing<Pair>) -> &SpscControl {
    ring.inner_for_tests().control()
}
