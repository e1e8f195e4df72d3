//! Messages through the ring: order, full and empty, batches, in place, timeouts, strategies.

use super::*;

#[test]
fn fifo_through_many_wrap_arounds() {
    let (n, _u) = unique_name("ff");
    let ring = SpscRing::<Pair>::create(&n, 8).unwrap();
    let mut consumer = SpscRing::<Pair>::open(&n).unwrap().consumer().unwrap();
    let reader = std::thread::spawn(move || {
        for seq in 0..20_000u64 {
            assert_eq!(consumer.pop().unwrap(), Pair::new(seq));
        }
        consumer
    });
    let mut producer = ring.producer().unwrap();
    for seq in 0..20_000u64 {
        producer.push(Pair::new(seq)).unwrap();
    }
    let consumer = reader.join().unwrap();
    assert!(consumer.is_empty());
    assert_eq!(
        control(&ring).producer.index.load(Ordering::Relaxed),
        20_000
    );
    assert_eq!(
        control(&ring).consumer.index.load(Ordering::Relaxed),
        20_000
    );
}

#[test]
fn full_and_empty() {
    let (_u, ring, mut p, mut c) = ring_with_ends::<Pair>("fe", 4);
    assert_eq!(c.try_pop(), Err(PopError::Empty));
    assert!(c.is_empty());
    for seq in 0..4 {
        p.try_push(Pair::new(seq)).unwrap();
    }
    assert_eq!(p.len(), 4);
    assert_eq!(c.len(), 4);
    match p.try_push(Pair::new(9)) {
        Err(PushError::Full(m)) => assert_eq!(m, Pair::new(9)),
        other => panic!("expected Full, got {other:?}"),
    }
    assert_eq!(c.try_pop(), Ok(Pair::new(0)));
    p.try_push(Pair::new(4)).unwrap();
    for seq in 1..5 {
        assert_eq!(c.try_pop(), Ok(Pair::new(seq)));
    }
    assert_eq!(c.try_pop(), Err(PopError::Empty));
    assert!(p.is_empty());
    assert_eq!((p.capacity(), c.capacity(), ring.capacity()), (4, 4, 4));
}

#[test]
fn capacity_one_works() {
    let (_u, _ring, mut p, mut c) = ring_with_ends::<Pair>("c1", 1);
    for seq in 0..10 {
        p.try_push(Pair::new(seq)).unwrap();
        assert!(matches!(p.try_push(Pair::new(99)), Err(PushError::Full(_))));
        assert_eq!(c.try_pop(), Ok(Pair::new(seq)));
    }
}

#[test]
fn batches_publish_and_release_runs() {
    let (_u, ring, mut p, mut c) = ring_with_ends::<Pair>("bt", 8);
    let msgs: Vec<Pair> = (0..11).map(Pair::new).collect();
    assert_eq!(p.try_push_slice(&msgs), Ok(8));
    assert_eq!(control(&ring).producer.index.load(Ordering::Relaxed), 8);
    assert!(matches!(
        p.try_push_slice(&msgs[8..]),
        Err(PushError::Full(()))
    ));
    assert_eq!(p.try_push_slice(&[]), Ok(0));
    let mut out = [Pair::default(); 5];
    assert_eq!(c.try_pop_slice(&mut out), Ok(5));
    assert_eq!(out.to_vec(), msgs[..5]);
    assert_eq!(p.try_push_slice(&msgs[8..]), Ok(3));
    let mut out = [Pair::default(); 16];
    assert_eq!(c.pop_slice(&mut out), Ok(6));
    assert_eq!(out[..6].to_vec(), msgs[5..]);
    assert_eq!(c.try_pop_slice(&mut out), Err(PopError::Empty));

    // Blocking batches across threads.
    let all: Vec<Pair> = (0..5000).map(Pair::new).collect();
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = [Pair::default(); 7];
        while got.len() < 5000 {
            let k = c.pop_slice(&mut buf).unwrap();
            got.extend_from_slice(&buf[..k]);
        }
        got
    });
    p.push_slice(&all).unwrap();
    assert_eq!(reader.join().unwrap(), all);
}

#[test]
fn in_place_chunks() {
    let (_u, _ring, mut p, mut c) = ring_with_ends::<Pair>("ip", 4);
    {
        let mut w = p.try_reserve(3).unwrap();
        assert_eq!(w.len(), 3);
        w.write(0, Pair::new(0));
        w.copy_from(1, &Pair::new(1));
        // SAFETY: the slot is reserved for this producer and no other process maps the ring.
        unsafe { w.as_mut_ptr(2).write(Pair::new(2)) };
        w.commit(2);
    }
    assert_eq!(c.len(), 2);
    {
        let r = c.try_read_chunk(8).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r.read(0), Pair::new(0));
        let mut m = Pair::default();
        r.copy_to(1, &mut m);
        assert_eq!(m, Pair::new(1));
        r.release(1);
    }
    assert_eq!(c.try_pop(), Ok(Pair::new(1)));
    // Not committed: nothing was published.
    assert_eq!(p.try_reserve(1).unwrap().len(), 1);
    assert_eq!(c.try_pop(), Err(PopError::Empty));
    let mut w = p.reserve(4).unwrap();
    assert_eq!(w.len(), 4);
    for i in 0..4 {
        // SAFETY: reserved for this producer; no other process maps the ring.
        unsafe { *w.slot_mut(i) = Pair::new(10 + i as u64) };
    }
    w.commit_all();
    let r = c.read_chunk(4).unwrap();
    for i in 0..4 {
        // SAFETY: lent to this consumer; no other process maps the ring.
        assert_eq!(unsafe { *r.slot(i) }, Pair::new(10 + i as u64));
    }
    drop(r);
    assert!(c.is_empty());
    assert!(p.is_empty());
}

#[test]
fn large_values_in_place_on_small_stacks() {
    let (_u, _ring, mut p, mut c) = ring_with_ends::<Big>("bg", 2);
    let small = |f: Box<dyn FnOnce() + Send>| {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(f)
            .unwrap()
    };
    let writer = small(Box::new(move || {
        for round in 0..6u64 {
            let mut w = p.reserve(1).unwrap();
            let slot = w.as_mut_ptr(0);
            for i in 0..WORDS {
                // SAFETY: the slot is reserved for this producer; `i` is in bounds; no other
                // process maps the ring.
                unsafe { (&raw mut (*slot).words[i]).write(round * 10_000 + i as u64) };
            }
            w.commit_all();
            let mut boxed = big_box();
            boxed.words.fill(round);
            p.push_ref(&boxed).unwrap();
        }
    }));
    let reader = small(Box::new(move || {
        let mut out = big_box();
        for round in 0..6u64 {
            let r = c.read_chunk(1).unwrap();
            r.copy_to(0, &mut out);
            drop(r);
            assert!(
                out.words
                    .iter()
                    .enumerate()
                    .all(|(i, &w)| w == round * 10_000 + i as u64)
            );
            let r = c.read_chunk(1).unwrap();
            r.copy_to(0, &mut out);
            drop(r);
            assert!(out.words.iter().all(|&w| w == round));
        }
    }));
    writer.join().unwrap();
    reader.join().unwrap();
}

#[test]
fn timeouts() {
    let (_u, _ring, mut p, mut c) = ring_with_ends::<Pair>("to", 2);
    assert_eq!(
        c.pop_timeout(Duration::from_millis(20)),
        Err(PopError::Timeout)
    );
    assert!(matches!(
        c.read_chunk_timeout(1, Duration::ZERO),
        Err(PopError::Timeout)
    ));
    p.push(Pair::new(0)).unwrap();
    p.push(Pair::new(1)).unwrap();
    assert!(matches!(
        p.push_timeout(Pair::new(2), Duration::from_millis(20)),
        Err(PushError::Timeout(_))
    ));
    assert!(matches!(
        p.reserve_timeout(1, Duration::from_millis(1)),
        Err(PushError::Timeout(()))
    ));
    assert_eq!(c.pop_timeout(Duration::from_secs(5)), Ok(Pair::new(0)));
    p.push_timeout(Pair::new(2), Duration::from_secs(5))
        .unwrap();
}

#[test]
fn wait_strategies_all_deliver() {
    for wait in [
        WaitStrategy::Spin,
        WaitStrategy::SpinThenPark,
        WaitStrategy::Park,
    ] {
        let (_u, ring) = ring_waiting("ws", 2, wait);
        let mut c = ring.consumer().unwrap();
        let reader = std::thread::spawn(move || {
            for seq in 0..300 {
                assert_eq!(c.pop().unwrap(), Pair::new(seq));
                if seq % 100 == 0 {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        });
        let mut p = ring.producer().unwrap();
        for seq in 0..300 {
            p.push(Pair::new(seq)).unwrap();
            if seq % 50 == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        reader.join().unwrap();
    }
}

#[test]
fn a_full_producer_takes_a_single_free_slot_when_no_run_frees_up() {
    // A blocked push first waits for a run of free slots (a quarter of the capacity), but only
    // for its first polls: when the consumer frees one slot and then stops, the push completes.
    for strategy in [WaitStrategy::Spin, WaitStrategy::SpinThenPark] {
        let (_u, ring) = ring_waiting("pf", 16, strategy);
        let mut p = ring.producer().unwrap();
        let mut c = ring.consumer().unwrap();
        for seq in 0..16 {
            p.try_push(Pair::new(seq)).unwrap();
        }
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(20));
                assert_eq!(c.pop(), Ok(Pair::new(0)));
            });
            // Blocks while full; returns after the one pop, with 15 of 16 slots still taken.
            p.push(Pair::new(16)).unwrap();
        });
        assert_eq!(p.len(), 16);
        for seq in 1..17 {
            assert_eq!(c.try_pop(), Ok(Pair::new(seq)));
        }
    }
}
