//! Messages, digests and witnesses for the ring tests (`tests/tests/ring_*.rs` and the
//! `ring_peer` helper): every [`quote`] carries a check value derived from its sequence number,
//! so a torn, invented or misplaced message is detected by [`check`].

use core::sync::atomic::{AtomicU64, Ordering};

use shmipc::prelude::*;
use shmipc_schemas::Quote;

use crate::raw_map::RawMap;

/// The message with sequence number `seq`: every field is a function of `seq`.
pub fn quote(seq: u64) -> Quote {
    let mut q = Quote {
        seq: U64Le::new(seq),
        ts_ns: U64Le::new(seq.wrapping_mul(1_000_003)),
        instrument: U64Le::new(seq % 977),
        bid_e6: I64Le::new((seq % 100_000) as i64 * 10),
        ask_e6: I64Le::new((seq % 100_000) as i64 * 10 + 5),
        bid_qty: U32Le::new(seq as u32 ^ 0x5a5a_5a5a),
        ask_qty: U32Le::new((seq >> 32) as u32),
        flags: U32Le::new((seq % 7) as u32),
        venue: *b"XTST",
        check: U64Le::new(0),
    };
    q.check = U64Le::new(check_value(&q));
    q
}

/// FNV-1a (64 bit) over every field but `check`.
fn check_value(q: &Quote) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for v in [q.seq.get(), q.ts_ns.get(), q.instrument.get()] {
        eat(&v.to_le_bytes());
    }
    for v in [q.bid_e6.get(), q.ask_e6.get()] {
        eat(&v.to_le_bytes());
    }
    for v in [q.bid_qty.get(), q.ask_qty.get(), q.flags.get()] {
        eat(&v.to_le_bytes());
    }
    eat(&q.venue);
    h
}

/// The sequence number of `q` if it is exactly `quote(seq)`, else a sentence saying what is
/// wrong.
pub fn check(q: &Quote) -> Result<u64, String> {
    let seq = q.seq.get();
    if *q == quote(seq) {
        Ok(seq)
    } else {
        Err(format!("message with seq {seq} is damaged: {q:?}"))
    }
}

/// An order-sensitive digest of a stream of sequence numbers: two streams agree only if they
/// hold the same numbers in the same order (with overwhelming probability).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Digest {
    /// How many numbers were added.
    pub count: u64,
    /// The running hash.
    pub hash: u64,
}

impl Digest {
    /// Adds one sequence number.
    pub fn add(&mut self, seq: u64) {
        self.count += 1;
        self.hash = (self.hash.rotate_left(5) ^ seq).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    /// The digest of `start..end`, in order.
    pub fn of_range(start: u64, end: u64) -> Digest {
        let mut d = Digest::default();
        for seq in start..end {
            d.add(seq);
        }
        d
    }

    /// `count hash` as the peers print it.
    pub fn to_line(self) -> String {
        format!("{} {:016x}", self.count, self.hash)
    }

    /// Parses [`to_line`](Self::to_line)'s output.
    pub fn parse(line: &str) -> Option<Digest> {
        let mut it = line.split_whitespace();
        let count = it.next()?.parse().ok()?;
        let hash = u64::from_str_radix(it.next()?, 16).ok()?;
        Some(Digest { count, hash })
    }
}

/// Progress counters a peer stores in a small shared mapping of its own (not the ring's), so
/// the parent can read them after SIGKILLing the peer.
pub struct Witness {
    map: RawMap,
}

/// The counters in a [`Witness`] mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    /// Producer: messages whose push had returned `Ok`.
    Pushed = 0,
    /// Consumer: messages whose pop had returned (or whose in-place read was released).
    Popped = 1,
    /// Consumer: 1 + the sequence number of the in-place read in progress, 0 when none.
    Reading = 2,
    /// Either side: how far the operation in progress can move the stream (one past the last
    /// sequence number it may push or consume).
    Asked = 3,
}

impl Witness {
    /// Creates (`create`) or opens the 4 KiB witness object `name`.
    pub fn new(name: &str, create: bool) -> Witness {
        Witness {
            map: RawMap::new(name, 4096, create).expect("map the witness object"),
        }
    }

    fn cell(&self, c: Counter) -> &AtomicU64 {
        // SAFETY: the mapping is 4096 bytes, page-aligned, lives as long as `self`, and is only
        // ever accessed as an array of `AtomicU64` (by the peer and the parent).
        unsafe { &*self.map.ptr().cast::<AtomicU64>().add(c as usize) }
    }

    /// Stores `v` into counter `c`.
    pub fn set(&self, c: Counter, v: u64) {
        self.cell(c).store(v, Ordering::SeqCst);
    }

    /// Reads counter `c`.
    pub fn get(&self, c: Counter) -> u64 {
        self.cell(c).load(Ordering::SeqCst)
    }
}

/// Words in a [`Frame4M`] after its sequence number.
pub const FRAME_WORDS: usize = 512 * 1024 - 1;

/// A 4 MiB message, far larger than a thread's stack: it must go through the ring in place.
/// (`Copy` only for `Producer::push_ref`; never copy one onto a stack.)
#[derive(SharedLayout, Clone, Copy)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Frame4M {
    /// Sequence number.
    pub seq: U64Le,
    /// `frame_word(seq, i)` at index `i`.
    pub words: [U64Le; FRAME_WORDS],
}

const _: () = assert!(size_of::<Frame4M>() == 4 << 20);

/// Word `i` of frame `seq`.
pub fn frame_word(seq: u64, i: usize) -> u64 {
    (seq << 32 | i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ seq
}
