//! The hostile third process: maps a ring's shared-memory file read-write, without shmipc, and
//! writes random bytes over its payload (control block and slots) until its time is up.

use std::fs::OpenOptions;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use shmipc::segment::header;

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The ring file mapped shared and writable.
struct Mapping {
    ptr: *mut u8,
    len: usize,
}

impl Mapping {
    fn open(name: &str) -> Mapping {
        let path = format!("/dev/shm/{}", name.trim_start_matches('/'));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
        let len = file.metadata().expect("stat the ring file").len() as usize;
        assert!(len > 0, "{path} is empty");
        // SAFETY: maps `len` bytes of an open file at a kernel-chosen address; the file is not
        // truncated while the test runs (the parent owns it).
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        assert!(p != libc::MAP_FAILED, "mmap {path} failed");
        Mapping { ptr: p.cast(), len }
    }

    /// A private copy of the first `n` bytes (the header), read with volatile loads: the ring's
    /// processes may write the payload at the same time, never the header.
    fn copy_prefix(&self, n: usize) -> Vec<u8> {
        (0..n.min(self.len))
            // SAFETY: `i < len`, inside the mapping.
            .map(|i| unsafe { self.ptr.add(i).read_volatile() })
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
            unsafe { self.ptr.add(off).write_volatile(b) };
        }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: exactly the region mmap returned.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
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
    let mut rng = Rng(seed | 1);
    let end = Instant::now() + Duration::from_millis(millis);
    let mut writes = 0u64;
    let values = [0u64, u64::MAX, 1 << 63, u64::from(u32::MAX), 1, 0x8000_0000];
    while Instant::now() < end {
        match rng.below(8) {
            // Random words in the control block, aligned like its atomics.
            0..=2 => {
                for _ in 0..16 {
                    let at = start + (rng.below(control) & !7);
                    let v = if rng.below(2) == 0 {
                        values[rng.below(values.len())]
                    } else {
                        rng.next()
                    };
                    let width = [1, 4, 8][rng.below(3)];
                    map.write(at, &v.to_le_bytes()[..width]);
                    writes += 1;
                }
            }
            // Random words anywhere in the payload (slots included).
            3..=4 => {
                for _ in 0..64 {
                    let at = start + rng.below(payload);
                    map.write(at, &rng.next().to_le_bytes());
                    writes += 1;
                }
            }
            // A random run of random bytes.
            5 => {
                let at = start + rng.below(payload);
                let len = 1 + rng.below(4096);
                let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                map.write(at, &bytes);
                writes += 1;
            }
            // The whole payload: random bytes, all ones or all zeroes.
            6 => {
                let fill = rng.below(3);
                let bytes: Vec<u8> = (0..payload)
                    .map(|_| match fill {
                        0 => rng.next() as u8,
                        1 => 0xff,
                        _ => 0,
                    })
                    .collect();
                map.write(start, &bytes);
                writes += 1;
            }
            // Let producer and consumer run a little between bursts.
            _ => std::thread::sleep(Duration::from_micros(rng.below(300) as u64)),
        }
    }
    writes
}
