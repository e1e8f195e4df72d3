//! Portable POSIX path: no address-based wait exists, so a waiter polls the word with bounded
//! spinning and then sleeps that grow from 20 µs to 1 ms. Waking is a no-op: the waiter notices
//! the change at its next poll.

use core::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Polls while `*word == expected`, at most `timeout`. Returns `false` only when the timeout
/// elapsed.
pub(crate) fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> bool {
    let start = Instant::now();
    let mut nap = Duration::from_micros(20);
    for _ in 0..64 {
        if word.load(Ordering::Acquire) != expected {
            return true;
        }
        core::hint::spin_loop();
    }
    loop {
        if word.load(Ordering::Acquire) != expected {
            return true;
        }
        let left = match timeout {
            Some(t) => match t.checked_sub(start.elapsed()) {
                Some(left) if !left.is_zero() => left,
                _ => return false,
            },
            None => nap,
        };
        std::thread::sleep(nap.min(left));
        nap = (nap * 2).min(Duration::from_millis(1));
    }
}

/// Nothing to do: sleepers poll.
pub(crate) fn wake(_word: &AtomicU32, _count: u32) -> usize {
    0
}
