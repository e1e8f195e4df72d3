//! In-process tests of the SPSC ring (threads as the two sides; the multi-process tests are in
//! `tests/`): shared fixtures here, the tests by theme in the submodules.

mod hostile;
mod roles;
mod stream;

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use super::control::{STATE_CLOSED, STATE_NEVER, SpscControl};
use super::*;
use crate::segment::{Error, RawSegment};
use crate::{Endian, FieldLayout, FieldType, Layout, Primitive, SharedLayout};

/// A message: a sequence number and its complement (a torn copy would break `b == !a`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
struct Msg {
    a: u64,
    b: u64,
}

impl Msg {
    fn new(seq: u64) -> Msg {
        Msg { a: seq, b: !seq }
    }
}

static U64: FieldType = FieldType::Primitive(Primitive::U64);
static MSG_FIELDS: [FieldLayout; 2] = [
    FieldLayout::__new("a", 0, 8, 8, &U64),
    FieldLayout::__new("b", 8, 8, 8, &U64),
];
static MSG_LAYOUT: Layout = Layout::__new("RingMsg", 1, Endian::Native, 16, 8, &MSG_FIELDS);

// SAFETY: repr(C), two u64s (no padding, no pointers, every bit pattern valid, no Drop), described
// truthfully by MSG_LAYOUT.
unsafe impl SharedLayout for Msg {
    const LAYOUT: &'static Layout = &MSG_LAYOUT;
    const FINGERPRINT: u64 = MSG_LAYOUT.fingerprint();
}

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

/// Unlinks the test's segment when dropped, also when an assertion failed first.
struct Unlink(String);
impl Drop for Unlink {
    fn drop(&mut self) {
        let _ = RawSegment::unlink(&self.0);
    }
}

/// A short unique test name with the shared prefix.
fn name(tag: &str) -> (String, Unlink) {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = format!(
        "/shmipc-test-{tag}{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    (n.clone(), Unlink(n))
}

/// The pid of a process that certainly exited (spawned and reaped).
fn dead_pid() -> u32 {
    let mut c = std::process::Command::new("true")
        .spawn()
        .expect("spawn true");
    let pid = c.id();
    c.wait().expect("reap");
    pid
}

fn control(ring: &SpscRing<Msg>) -> &SpscControl {
    ring.inner_for_tests().control()
}
