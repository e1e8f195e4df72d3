//! The seqlock protocol driven by arbitrary peer writes: an honest writer writes, dies mid-write
//! and is replaced; readers read, also with writes completing during their copy; a hostile peer
//! overwrites the sequence and slot words with anything. Checked: no panic, every slot index in
//! range; while nobody wrote garbage since the last complete write, a read returns exactly the
//! last complete value, and a read during which writes completed returns a consistent value only
//! when at most `SLOTS - 1` of them did.

use crate::Bytes;
use crate::atomic::{AtomicU64, Ordering};
use crate::seq_protocol::{SLOTS, Stamps, begin, slot_of, try_read, write};

struct Cell {
    seq: AtomicU64,
    /// Slot i: (v, !v) when written completely.
    slots: [[AtomicU64; 2]; SLOTS],
    /// Slot i's stamp.
    stamps: [AtomicU64; SLOTS],
}

impl Stamps for Cell {
    fn stamp(&self, i: usize) -> &AtomicU64 {
        assert!(i < SLOTS, "stamp {i} out of range");
        &self.stamps[i]
    }
}

impl Cell {
    fn store(&self, i: usize, v: u64) {
        assert!(i < SLOTS, "slot {i} out of range");
        self.slots[i][0].store(v, Ordering::Relaxed);
        self.slots[i][1].store(!v, Ordering::Relaxed);
    }

    fn load(&self, i: usize) -> (u64, u64) {
        assert!(i < SLOTS, "slot {i} out of range");
        (
            self.slots[i][0].load(Ordering::Relaxed),
            self.slots[i][1].load(Ordering::Relaxed),
        )
    }

    /// A complete write of `v`; returns the sequence it published.
    fn write(&self, v: u64) -> u64 {
        write(&self.seq, self, |i| self.store(i, v));
        self.seq.load(Ordering::Relaxed)
    }
}

/// Runs the operations encoded in `data`.
pub fn run(data: &[u8]) {
    let c = Cell {
        seq: AtomicU64::new(0),
        slots: Default::default(),
        stamps: Default::default(),
    };
    let mut b = Bytes(data);
    // The last complete write (sequence, value), valid while `clean`.
    let mut last: Option<(u64, u64)> = None;
    let mut clean = true;
    let mut next_value = 1u64;
    let mut ops = 0;
    while !b.is_empty() && ops < 4096 {
        ops += 1;
        match b.u8() % 6 {
            0 => {
                let v = next_value;
                next_value += 1;
                let s = c.write(v);
                assert_ne!(s, 0, "a write published sequence 0");
                (last, clean) = (Some((s, v)), true);
            }
            1 => {
                // The writer dies half-way through a write: readers keep the last value.
                let (_, slot) = begin(&c.seq, &c);
                assert!(slot < SLOTS);
                c.slots[slot][0].store(b.u64(), Ordering::Relaxed);
            }
            2 => {
                c.seq.store(b.u64(), Ordering::Relaxed);
                clean = false;
            }
            3 => {
                let i = usize::from(b.u8()) % SLOTS;
                match b.u8() % 3 {
                    2 => c.stamps[i].store(b.u64(), Ordering::Relaxed),
                    w => c.slots[i][usize::from(w)].store(b.u64(), Ordering::Relaxed),
                }
                clean = false;
            }
            4 => {
                let got = try_read(&c.seq, &c, |i| c.load(i));
                if clean {
                    let (s, pair) = got.expect("a read with no write during it failed");
                    match last {
                        Some((ls, v)) => assert_eq!((s, pair), (ls, (v, !v))),
                        None => assert_eq!(s, 0),
                    }
                }
            }
            _ => {
                // `k` writes complete during the copy (before it reads the slot).
                let k = u64::from(b.u8()) % (SLOTS as u64 + 2);
                let before = if clean { last } else { None };
                let mut during = Some(k);
                let mut written = Vec::new();
                let got = try_read(&c.seq, &c, |i| {
                    for _ in 0..during.take().unwrap_or(0) {
                        let v = next_value;
                        next_value += 1;
                        written.push((c.write(v), v));
                    }
                    c.load(i)
                });
                if let Some(&w) = written.last() {
                    (last, clean) = (Some(w), true);
                }
                if let Some((ls, v)) = before {
                    // Whether a write during the copy went into the slot being copied: after
                    // SLOTS - 1 writes, or fewer where the sequence wrapped past 0 (skipped).
                    let rewritten = written.iter().any(|&(w, _)| slot_of(w) == slot_of(ls));
                    match got {
                        Some((s, pair)) => {
                            assert!(!rewritten, "accepted a copy of a slot rewritten meanwhile");
                            assert!(k < SLOTS as u64 || written.iter().any(|&(w, _)| w < ls));
                            assert_eq!((s, pair), (ls, (v, !v)), "accepted a wrong or torn value");
                        }
                        None => assert!(rewritten, "refused a copy of an intact slot ({k} writes)"),
                    }
                }
            }
        }
    }
}
