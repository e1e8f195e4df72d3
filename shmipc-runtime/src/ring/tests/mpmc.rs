//! In-process tests of the MPMC ring: threads as producers and consumers, and claims forged in
//! the slot words to drive recovery (the multi-process kill tests are in `tests/`).

use core::sync::atomic::Ordering;
use std::collections::HashSet;
use std::time::Duration;

use super::super::mpmc_protocol::{READING, Tag, WRITING, Word};
use super::*;
use crate::test_support::{Pair, unique_name};

fn mpmc(tag: &str, capacity: usize) -> (crate::test_support::Unlink, MpmcRing<Pair>) {
    let (n, unlink) = unique_name(tag);
    (unlink, MpmcRing::<Pair>::create(&n, capacity).unwrap())
}

/// A claim tag that no live process holds: entry 100 is free (epoch 0), the tag says epoch 1.
fn dead_tag() -> Tag {
    Tag::new(100, 1)
}

#[test]
fn threads_deliver_exactly_once_in_producer_order() {
    const P: u64 = 3;
    const C: usize = 3;
    const N: u64 = 20_000;
    for wait in [WaitStrategy::SpinThenPark, WaitStrategy::Park] {
        let (_u, ring) = mpmc("mx", 8);
        let ring = MpmcRing::<Pair>::builder(ring.name())
            .wait_strategy(wait)
            .open()
            .unwrap();
        let consumers: Vec<_> = (0..C)
            .map(|_| {
                let mut c = ring.consumer().unwrap();
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    loop {
                        match c.pop() {
                            Ok(p) => got.push((p.a, p.b)),
                            Err(PopError::Disconnected) => return got,
                            Err(e) => panic!("{e}"),
                        }
                    }
                })
            })
            .collect();
        let producers: Vec<_> = (0..P)
            .map(|id| {
                let mut p = ring.producer().unwrap();
                std::thread::spawn(move || {
                    for seq in 0..N {
                        p.push(Pair { a: id, b: seq }).unwrap();
                    }
                })
            })
            .collect();
        producers.into_iter().for_each(|p| p.join().unwrap());
        let mut all = HashSet::new();
        for c in consumers {
            let got = c.join().unwrap();
            let mut last = [None; P as usize];
            for (id, seq) in got {
                let l = &mut last[id as usize];
                assert!(
                    l.is_none_or(|l| l < seq),
                    "producer {id}: {seq} after {l:?}"
                );
                *l = Some(seq);
                assert!(all.insert((id, seq)), "({id}, {seq}) delivered twice");
            }
        }
        assert_eq!(all.len() as u64, P * N, "every message delivered");
        assert_eq!(ring.recovery(), MpmcRecovery::default());
    }
}

#[test]
fn full_empty_and_disconnected() {
    let (_u, ring) = mpmc("mf", 2);
    let mut c = ring.consumer().unwrap();
    // No producer ever attached: empty, and a blocking pop waits.
    assert_eq!(c.try_pop(), Err(PopError::Empty));
    assert_eq!(
        c.pop_timeout(Duration::from_millis(5)),
        Err(PopError::Timeout)
    );
    let mut p = ring.producer().unwrap();
    p.try_push(Pair::new(1)).unwrap();
    p.try_push(Pair::new(2)).unwrap();
    assert!(matches!(p.try_push(Pair::new(3)), Err(PushError::Full(_))));
    assert!(matches!(
        p.push_timeout(Pair::new(3), Duration::from_millis(5)),
        Err(PushError::Timeout(_))
    ));
    assert_eq!((ring.len(), p.len(), c.capacity()), (2, 2, 2));
    drop(p);
    assert_eq!(c.pop().unwrap(), Pair::new(1));
    assert_eq!(c.pop().unwrap(), Pair::new(2));
    assert_eq!(c.pop(), Err(PopError::Disconnected));
    // A new producer: pop waits again.
    let mut p = ring.producer().unwrap();
    let mut out = [Pair::new(0); 4];
    assert_eq!(
        p.try_push_slice(&[Pair::new(7), Pair::new(8), Pair::new(9)]),
        Ok(2)
    );
    assert_eq!(c.pop_slice(&mut out), Ok(2));
    assert_eq!(&out[..2], &[Pair::new(7), Pair::new(8)]);
    drop(c);
    p.push_slice(&[Pair::new(1), Pair::new(2)]).unwrap();
    assert!(matches!(
        p.push(Pair::new(3)),
        Err(PushError::Disconnected(_))
    ));
}

/// Makes the slot at the tail look claimed for writing by `tag` (as if a producer stopped
/// between claim and publish) and moves the tail past it.
fn forge_writer(ring: &MpmcRing<Pair>, tag: Tag) {
    let inner = ring.inner_for_tests();
    let tail = &inner.control().producers.index;
    let pos = tail.load(Ordering::Relaxed);
    let lap = pos / ring.capacity() as u64;
    inner
        .ring()
        .word(pos)
        .store(Word::encode(WRITING, tag, lap), Ordering::Relaxed);
    tail.store(pos + 1, Ordering::Relaxed);
}

#[test]
fn a_dead_writers_slot_is_skipped_and_a_live_ones_waited_for() {
    let (_u, ring) = mpmc("mw", 4);
    let (mut p, mut c) = (ring.producer().unwrap(), ring.consumer().unwrap());
    // A live claimant (this process's own tag): never recovered, the pop times out.
    forge_writer(&ring, ring.inner_for_tests().tag);
    p.push(Pair::new(5)).unwrap();
    assert_eq!(
        c.pop_timeout(Duration::from_millis(30)),
        Err(PopError::Timeout)
    );
    assert_eq!(ring.recovery(), MpmcRecovery::default());
    assert_eq!(ring.claimed(), 1);
    // Publishing it (as the slow claimant finally does) delivers it, then the rest.
    let inner = ring.inner_for_tests();
    inner.ring().publish(0, inner.tag).unwrap();
    assert_eq!(c.pop().unwrap().b, 0, "the forged slot's bytes (zeroes)");
    assert_eq!(c.pop().unwrap(), Pair::new(5));
    // A dead claimant: skipped once, counted, and the stream goes on.
    forge_writer(&ring, dead_tag());
    p.push(Pair::new(6)).unwrap();
    assert_eq!(c.pop().unwrap(), Pair::new(6));
    assert_eq!(c.skipped(), 1);
    assert_eq!(ring.recovery().skipped_writes, 1);
    assert_eq!(ring.claimed(), 0);
    // Its publication, had it been slow and not dead, fails: the claim was revoked.
    assert!(
        ring.inner_for_tests()
            .ring()
            .publish(2, dead_tag())
            .is_err()
    );
}

#[test]
fn a_dead_readers_slot_is_freed() {
    let (_u, ring) = mpmc("mr", 1);
    let (mut p, _c) = (ring.producer().unwrap(), ring.consumer().unwrap());
    p.push(Pair::new(1)).unwrap();
    // Position 0 claimed by a reader that died before releasing it.
    let inner = ring.inner_for_tests();
    inner
        .ring()
        .word(0)
        .store(Word::encode(READING, dead_tag(), 0), Ordering::Relaxed);
    inner.control().consumers.index.store(1, Ordering::Relaxed);
    p.push(Pair::new(2)).unwrap();
    assert_eq!(ring.recovery().dropped_reads, 1);
    // Position 1 claimed by a live reader (this process): waited for, never freed.
    inner
        .ring()
        .word(0)
        .store(Word::encode(READING, inner.tag, 1), Ordering::Relaxed);
    inner.control().consumers.index.store(2, Ordering::Relaxed);
    assert!(matches!(
        p.push_timeout(Pair::new(3), Duration::from_millis(30)),
        Err(PushError::Timeout(_))
    ));
    assert_eq!(ring.recovery().dropped_reads, 1);
}

#[test]
fn garbage_in_the_words_gives_errors_or_garbage_never_a_hang() {
    let (_u, ring) = mpmc("mg", 8);
    let (mut p, mut c) = (ring.producer().unwrap(), ring.consumer().unwrap());
    let inner = ring.inner_for_tests();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for round in 0..2000 {
        let r = next();
        match r % 4 {
            0 => inner
                .control()
                .producers
                .index
                .store(next(), Ordering::Relaxed),
            1 => inner
                .control()
                .consumers
                .index
                .store(next(), Ordering::Relaxed),
            _ => inner.ring().word(r >> 8).store(next(), Ordering::Relaxed),
        }
        let t = Duration::from_micros(200);
        let _ = p.push_timeout(Pair::new(round), t);
        let _ = c.pop_timeout(t);
        let _ = (
            p.try_push(Pair::new(round)),
            c.try_pop(),
            ring.len(),
            ring.claimed(),
        );
    }
}

#[test]
fn the_kind_is_checked_on_open() {
    let (_u, ring) = mpmc("mk", 4);
    assert!(SpscRing::<Pair>::open(ring.name()).is_err());
    let (n, _u2) = unique_name("mk2");
    let _s = SpscRing::<Pair>::create(&n, 4).unwrap();
    assert!(MpmcRing::<Pair>::open(&n).is_err());
}
