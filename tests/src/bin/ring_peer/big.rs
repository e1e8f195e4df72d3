//! 4 MiB frames written and read in place from threads with 256 KiB stacks: a frame can never be
//! on such a stack, so any copy of a whole `T` through the stack overflows it (SIGSEGV).
//!
//! Frame `seq` goes through one of three paths, `seq % 3`: `slot_mut` / `slot` references; raw
//! pointer writes and reads (`as_mut_ptr` / `as_ptr`); copies from and to a heap frame
//! (`push_ref` / `copy_to`).

use shmipc::prelude::*;
use shmipc::{Consumer, Producer, SpscRing};
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

/// On a small-stack thread: opens ring `name`, claims a role with `claim`, says `ready`, then
/// runs `body` with the role and a heap frame. A refusal ends the process (see [`fail`]).
fn with_role<R: 'static, E: std::fmt::Display + 'static>(
    name: &str,
    claim: fn(&SpscRing<Frame4M>) -> Result<R, E>,
    body: impl FnOnce(R, &mut Frame4M) + Send + 'static,
) {
    let name = name.to_string();
    on_small_stack(move || {
        let ring = SpscRing::<Frame4M>::open(&name).unwrap_or_else(|e| fail(&e.to_string()));
        let role = claim(&ring).unwrap_or_else(|e| fail(&e.to_string()));
        let mut heap = heap_frame();
        say("ready");
        body(role, &mut heap);
    });
}

/// A zeroed frame on the heap, never on the stack.
fn heap_frame() -> Box<Frame4M> {
    // SAFETY: a `SharedLayout` type (integers only here) is valid for every bit pattern, so
    // all zeroes is a valid `Frame4M`.
    unsafe { Box::<Frame4M>::new_zeroed().assume_init() }
}

/// Writes frame `seq` into the one reserved slot.
fn write_frame(p: &mut Producer<Frame4M>, seq: u64, heap: &mut Frame4M) {
    if seq % 3 == 2 {
        heap.seq = seq.into();
        for (i, w) in heap.words.iter_mut().enumerate() {
            *w = frame_word(seq, i).into();
        }
        p.push_ref(heap).unwrap_or_else(|e| fail(&e.to_string()));
        return;
    }
    let mut chunk = p.reserve(1).unwrap_or_else(|e| fail(&e.to_string()));
    if seq.is_multiple_of(3) {
        // SAFETY: only this test's producer and consumer map the ring (the parent that created
        // it touches no slot), and both follow the protocol: the consumer does not touch a
        // reserved slot before its commit.
        let slot = unsafe { chunk.slot_mut(0) };
        slot.seq = seq.into();
        for (i, w) in slot.words.iter_mut().enumerate() {
            *w = frame_word(seq, i).into();
        }
    } else {
        let ptr = chunk.as_mut_ptr(0);
        // SAFETY: `ptr` is the reserved slot's value, aligned and valid for one `Frame4M` while
        // the chunk lives; raw writes of its fields make no reference into shared memory.
        unsafe {
            core::ptr::addr_of_mut!((*ptr).seq).write(seq.into());
            let words = core::ptr::addr_of_mut!((*ptr).words).cast::<U64Le>();
            for i in 0..FRAME_WORDS {
                words.add(i).write(frame_word(seq, i).into());
            }
        }
    }
    chunk.commit_all();
}

/// Writes frames `0..n`.
pub fn produce(name: &str, n: u64) {
    with_role(name, SpscRing::producer, move |mut p, heap| {
        for seq in 0..n {
            write_frame(&mut p, seq, heap);
        }
        drop(p);
        say(&format!("pushed {n}"));
    });
}

/// Checks that `word(i)` is frame `want`'s word `i` for every `i`, and the sequence number.
fn check_frame(want: u64, seq: u64, word: impl Fn(usize) -> u64) {
    if seq != want {
        fail(&format!("expected frame {want}, got {seq}"));
    }
    for i in 0..FRAME_WORDS {
        if word(i) != frame_word(seq, i) {
            fail(&format!("frame {seq}: word {i} of {FRAME_WORDS} is wrong"));
        }
    }
}

/// Reads and checks frame `want`.
fn read_frame(c: &mut Consumer<Frame4M>, want: u64, heap: &mut Frame4M) {
    let chunk = c.read_chunk(1).unwrap_or_else(|e| fail(&e.to_string()));
    match want % 3 {
        0 => {
            // SAFETY: as in `write_frame`: the producer writes this slot again only after the
            // chunk releases it, and no other process writes the ring.
            let slot = unsafe { chunk.slot(0) };
            check_frame(want, slot.seq.get(), |i| slot.words[i].get());
        }
        1 => {
            let ptr = chunk.as_ptr(0);
            // SAFETY: `ptr` is a committed slot's value, valid for reads of one `Frame4M` while
            // the chunk lives; nobody writes it meanwhile (see above); raw reads of its fields
            // make no reference.
            let (seq, words) = unsafe {
                (
                    core::ptr::addr_of!((*ptr).seq).read(),
                    core::ptr::addr_of!((*ptr).words).cast::<U64Le>(),
                )
            };
            // SAFETY: `i < FRAME_WORDS`, inside the slot (as above).
            check_frame(want, seq.get(), |i| unsafe { words.add(i).read() }.get());
        }
        _ => {
            chunk.copy_to(0, heap);
            check_frame(want, heap.seq.get(), |i| heap.words[i].get());
        }
    }
}

/// Reads `n` frames and checks every word.
pub fn consume(name: &str, n: u64) {
    with_role(name, SpscRing::consumer, move |mut c, heap| {
        for want in 0..n {
            read_frame(&mut c, want, heap);
        }
        say(&format!("popped {n}"));
    });
}
