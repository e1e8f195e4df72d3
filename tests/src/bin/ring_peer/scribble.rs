//! The hostile third process: maps a ring's shared-memory file read-write, without shmipc, and
//! writes random bytes over its payload (control block and slots) until its time is up.

use std::time::{Duration, Instant};

use shmipc::segment::header;
use shmipc_tests::Rng;
use shmipc_tests::raw_map::RawMap;

/// The ring file mapped shared and writable.
struct Mapping {
    map: RawMap,
    len: usize,
}

impl Mapping {
    fn open(name: &str) -> Mapping {
        let map = RawMap::open(name).unwrap_or_else(|e| panic!("map the ring {name}: {e}"));
        let len = map.size();
        Mapping { map, len }
    }

    /// A private copy of the first `n` bytes (the header), read with volatile loads: the ring's
    /// processes may write the payload at the same time, never the header.
    fn copy_prefix(&self, n: usize) -> Vec<u8> {
        (0..n.min(self.len))
            // SAFETY: `i < len`, inside the mapping.
            .map(|i| unsafe { self.map.ptr().add(i).read_volatile() })
            .collect()
    }

    /// Writes `bytes` at `at` (clipped to the mapping) with volatile stores: the other processes
    /// race with these writes by design; volatile keeps the compiler from assuming otherwise.
    fn write(&self, at: usize, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            let off = at + i;
            if off >= self.len {
                break;
            }
            // SAFETY: `off < len`, inside the mapping; racing with the peers is the point.
            unsafe { self.map.ptr().add(off).write_volatile(b) };
        }
    }
}

/// Scribbles over the payload of ring `name` for `millis` ms; returns how many writes it made.
pub fn run(name: &str, millis: u64, seed: u64) -> u64 {
    let map = Mapping::open(name);
    let prefix = map.copy_prefix(64 * 1024);
    let start = match header::decode(&prefix) {
        Ok(h) => h.header_len as usize,
        Err(e) => panic!("the ring's header does not decode ({e:?}); did the parent create it?"),
    };
    assert!(start < map.len, "the ring has no payload");
    let payload = map.len - start;
    // The control block (indices, wait words, role records) is at the payload's start: aim a
    // good share of the writes at its first 1 KiB.
    let control = payload.min(1024);
    crate::say("ready");
    let mut rng = Rng::new(seed);
    let end = Instant::now() + Duration::from_millis(millis);
    let mut writes = 0u64;
    let values = [0u64, u64::MAX, 1 << 63, u64::from(u32::MAX), 1, 0x8000_0000];
    while Instant::now() < end {
        match rng.index(8) {
            // Random words in the control block, aligned like its atomics.
            0..=2 => {
                for _ in 0..16 {
                    let at = start + (rng.index(control) & !7);
                    let v = if rng.index(2) == 0 {
                        values[rng.index(values.len())]
                    } else {
                        rng.next_u64()
                    };
                    let width = [1, 4, 8][rng.index(3)];
                    map.write(at, &v.to_le_bytes()[..width]);
                    writes += 1;
                }
            }
            // Random words anywhere in the payload (slots included).
            3..=4 => {
                for _ in 0..64 {
                    let at = start + rng.index(payload);
                    map.write(at, &rng.next_u64().to_le_bytes());
                    writes += 1;
                }
            }
            // A random run of random bytes.
            5 => {
                let at = start + rng.index(payload);
                let len = 1 + rng.index(4096);
                let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
                map.write(at, &bytes);
                writes += 1;
            }
            // The whole payload: random bytes, all ones or all zeroes.
            6 => {
                let fill = rng.index(3);
                let bytes: Vec<u8> = (0..payload)
                    .map(|_| match fill {
                        0 => rng.next_u64() as u8,
                        1 => 0xff,
                        _ => 0,
                    })
                    .collect();
                map.write(start, &bytes);
                writes += 1;
            }
            // Let producer and consumer run a little between bursts.
            _ => std::thread::sleep(Duration::from_micros(rng.below(300))),
        }
    }
    writes
}
