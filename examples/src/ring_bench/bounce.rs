//! One cache line bounced between two processes: the physical floor for a round trip. The ping
//! side writes an odd number, the pong side answers with the next even one.

use std::sync::atomic::{AtomicU64, Ordering};

use super::channel::STOP;
use super::shared_map::SharedMap;

/// The shared line.
pub struct Bounce {
    map: SharedMap,
}

impl Bounce {
    /// Creates the line `name`.
    pub fn create(name: &str) -> Bounce {
        Bounce {
            map: SharedMap::create(name, 4096),
        }
    }

    /// Opens the line `name`.
    pub fn open(name: &str) -> Bounce {
        let map = SharedMap::open(name);
        assert!(map.len() >= 64);
        Bounce { map }
    }

    fn word(&self) -> &AtomicU64 {
        // SAFETY: the mapping is page-aligned and at least 64 bytes; the word is only accessed
        // atomically and lives as long as `self`.
        unsafe { AtomicU64::from_ptr(self.map.ptr().cast()) }
    }

    /// Round trip `i` on the ping side.
    pub fn ping(&self, i: u64) {
        let w = self.word();
        w.store(2 * i + 1, Ordering::Release);
        while w.load(Ordering::Acquire) != 2 * i + 2 {
            std::hint::spin_loop();
        }
    }

    /// Tells the pong side to stop.
    pub fn stop(&self) {
        self.word().store(STOP, Ordering::Release);
    }

    /// Answers pings until [`stop`](Self::stop).
    pub fn pong(&self) {
        let w = self.word();
        for i in 0.. {
            loop {
                match w.load(Ordering::Acquire) {
                    v if v == 2 * i + 1 => break,
                    STOP => return,
                    _ => std::hint::spin_loop(),
                }
            }
            w.store(2 * i + 2, Ordering::Release);
        }
    }
}
