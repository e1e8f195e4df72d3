//! 4 MiB frames written and read in place from threads with 256 KiB stacks: a frame can never be
//! on such a stack, so any copy of a whole `T` through the stack overflows it (SIGSEGV).

use shmipc::SpscRing;
use shmipc_tests::ring_msgs::{FRAME_WORDS, Frame4M, frame_word};

use crate::{fail, say};

/// The stack size of the worker threads.
pub const STACK: usize = 256 << 10;

fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .expect("spawn a 256 KiB-stack thread")
        .join()
        .unwrap_or_else(|_| fail("the worker thread panicked"));
}

/// Writes frames `0..n` in place.
pub fn produce(name: &str, n: u64) {
    let name = name.to_string();
    on_small_stack(move || {
        let ring = SpscRing::<Frame4M>::open(&name).unwrap_or_else(|e| fail(&e.to_string()));
        let mut p = ring.producer().unwrap_or_else(|e| fail(&e.to_string()));
        say("ready");
        for seq in 0..n {
            let mut chunk = p.reserve(1).unwrap_or_else(|e| fail(&e.to_string()));
            // SAFETY: only this test's producer and consumer map the ring (the parent that
            // created it touches no slot), and both follow the protocol: the consumer does not
            // touch a reserved slot before its commit.
            let slot = unsafe { chunk.slot_mut(0) };
            slot.seq = seq.into();
            for (i, w) in slot.words.iter_mut().enumerate() {
                *w = frame_word(seq, i).into();
            }
            chunk.commit_all();
        }
        drop(p);
        say(&format!("pushed {n}"));
    });
}

/// Reads `n` frames in place and checks every word.
pub fn consume(name: &str, n: u64) {
    let name = name.to_string();
    on_small_stack(move || {
        let ring = SpscRing::<Frame4M>::open(&name).unwrap_or_else(|e| fail(&e.to_string()));
        let mut c = ring.consumer().unwrap_or_else(|e| fail(&e.to_string()));
        say("ready");
        for want in 0..n {
            let chunk = c.read_chunk(1).unwrap_or_else(|e| fail(&e.to_string()));
            // SAFETY: as in `produce`: the producer writes this slot again only after the
            // chunk releases it, and no other process writes the ring.
            let slot = unsafe { chunk.slot(0) };
            let seq = slot.seq.get();
            if seq != want {
                fail(&format!("expected frame {want}, got {seq}"));
            }
            for (i, w) in slot.words.iter().enumerate() {
                if w.get() != frame_word(seq, i) {
                    fail(&format!("frame {seq}: word {i} of {FRAME_WORDS} is wrong"));
                }
            }
            drop(chunk);
        }
        say(&format!("popped {n}"));
    });
}
