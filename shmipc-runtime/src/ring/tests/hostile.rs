//! Garbage in the shared words, truncation, checked opens, error messages.

use super::*;

#[test]
fn hostile_control_words_give_errors_not_hangs() {
    let (_u, ring, mut p, mut c) = ring_with_ends::<Pair>("hc", 4);
    let ctl = control(&ring);
    p.try_push(Pair::new(0)).unwrap();

    // A head beyond the tail: the producer reports corruption when it needs the head.
    for seq in 1..4 {
        p.try_push(Pair::new(seq)).unwrap();
    }
    ctl.consumer.index.store(u64::MAX - 5, Ordering::Relaxed);
    assert!(matches!(
        p.try_push(Pair::new(9)),
        Err(PushError::Corrupted(_))
    ));
    assert!(matches!(
        p.push_timeout(Pair::new(9), Duration::from_millis(5)),
        Err(PushError::Corrupted(_))
    ));
    // The consumer's own index is private: it still reads in order and repairs the word.
    for seq in 0..4 {
        assert_eq!(c.try_pop(), Ok(Pair::new(seq)));
    }
    p.try_push(Pair::new(4)).unwrap();
    assert_eq!(c.try_pop(), Ok(Pair::new(4)));

    // A tail far away while the next stamp is not written: a blocked pop says Corrupted, and
    // so do polls, after enough misses.
    ctl.producer.index.store(1 << 40, Ordering::Relaxed);
    assert_eq!(c.pop(), Err(PopError::Corrupted));
    assert!((0..10_000).any(|_| c.try_pop() == Err(PopError::Corrupted)));
    // A tail ahead by one while the stamp says "not written": Corrupted too.
    ctl.producer.index.store(6, Ordering::Relaxed);
    assert_eq!(
        c.pop_timeout(Duration::from_millis(5)),
        Err(PopError::Corrupted)
    );
    ctl.producer.index.store(5, Ordering::Relaxed);

    // A head just below 2^64 with a small tail is within the capacity by wrapping distance: no
    // overflow (a debug build panicked on it), the producer just sees the ring as fuller.
    let (m, _u2) = unique_name("hw");
    let wrap = SpscRing::<Pair>::create(&m, 4).unwrap();
    let mut wp = wrap.producer().unwrap();
    for seq in 0..3 {
        wp.try_push(Pair::new(seq)).unwrap();
    }
    // 3 - u64::MAX wraps to 4: a full ring, as far as the producer can tell.
    wrap.inner_for_tests()
        .control()
        .consumer
        .index
        .store(u64::MAX, Ordering::Relaxed);
    assert!(matches!(
        wp.try_push_slice(&[Pair::new(3); 4]),
        Err(PushError::Full(()))
    ));
    assert!(matches!(wp.try_push(Pair::new(3)), Err(PushError::Full(_))));
    assert_eq!(wp.len(), 4);
    drop(wp);

    // Garbage stamps: a forged stamp delivers garbage values, never out of bounds.
    let inner = ring.inner_for_tests();
    use super::spsc_protocol::Stamps;
    inner.slots.stamp(5 & 3).store(6, Ordering::Relaxed);
    assert!(c.try_pop().is_ok());
    for slot in 0..4 {
        inner.slots.stamp(slot).store(u64::MAX, Ordering::Relaxed);
    }
    assert_eq!(c.try_pop(), Err(PopError::Empty));

    // Garbage waiter flags and state words: calls still return.
    for side in [&ctl.producer, &ctl.consumer] {
        side.wake.waiters().store(u32::MAX, Ordering::Relaxed);
        side.wake.value().store(0xdead_beef, Ordering::Relaxed);
        side.state.store(0x1234_5678, Ordering::Relaxed);
    }
    let _ = p.try_push(Pair::new(5));
    let _ = c.try_pop();
    assert!(c.pop_timeout(Duration::from_millis(5)).is_err());
    let _ = p.push_timeout(Pair::new(6), Duration::from_millis(5));

    // Random words everywhere, many times: only errors or values.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let words = size_of::<SpscControl>() / 8;
    let base = core::ptr::from_ref(ctl).cast::<AtomicU64>();
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // SAFETY: `base + (x % words)` is one of the control block's 8-byte words (repr(C) of
        // atomics, 8-aligned); every word is only ever accessed atomically.
        let w = unsafe { &*base.add((x % words as u64) as usize) };
        w.store(x.rotate_left(7) % 16, Ordering::Relaxed);
        inner
            .slots
            .stamp((x % 4) as usize)
            .store(x % 12, Ordering::Relaxed);
        let _ = p.try_push(Pair::new(x));
        let _ = c.try_pop();
        let _ = c.try_pop_slice(&mut [Pair::default(); 3]);
        let _ = p.try_push_slice(&[Pair::new(1); 3]);
        let _ = p.push_timeout(Pair::new(x), Duration::ZERO);
        let _ = c.pop_timeout(Duration::ZERO);
        let _ = (p.len(), c.len());
    }
    // Leave the roles in a state the handles' drops can release.
    for side in [&ctl.producer, &ctl.consumer] {
        let raw = side.role.raw();
        raw.word.store(std::process::id(), Ordering::Relaxed);
    }
}

#[test]
fn open_checks_kind_type_and_capacity() {
    let (n, _u) = unique_name("oc");
    let ring = SpscRing::<Pair>::create(&n, 16).unwrap();
    assert_eq!(SpscRing::<Pair>::open(&n).unwrap().capacity(), 16);
    assert_eq!(
        SpscRing::<Pair>::builder(&n)
            .capacity(16)
            .open()
            .unwrap()
            .capacity(),
        16
    );
    assert!(matches!(
        SpscRing::<Pair>::builder(&n).capacity(32).open(),
        Err(Error::Size { .. })
    ));
    assert!(matches!(
        SpscRing::<Big>::open(&n),
        Err(Error::TypeName { .. })
    ));
    assert!(matches!(
        crate::Segment::<Pair>::open(&n),
        Err(Error::Kind { .. })
    ));
    assert!(matches!(
        SpscRing::<Pair>::create(&n, 16),
        Err(Error::AlreadyExists { .. })
    ));
    let (m, _u2) = unique_name("oc");
    for bad in [0, 3, 1000] {
        let e = SpscRing::<Pair>::create(&m, bad).unwrap_err();
        assert!(matches!(e, Error::InvalidOptions { .. }), "{e}");
        assert!(e.to_string().contains("power of two"), "{e}");
    }
    assert_eq!(
        SpscRing::<Pair>::builder(&m).create().unwrap().capacity(),
        1024
    );
    assert_eq!(ring.name(), n);
    assert_eq!(
        control(&ring).info.capacity.load(Ordering::Relaxed),
        16,
        "the creator records the capacity for tools"
    );
}

#[test]
fn errors_are_sentences() {
    for e in [
        PopError::Empty,
        PopError::Timeout,
        PopError::Disconnected,
        PopError::Corrupted,
    ] {
        let s = e.to_string();
        assert!(s.contains(':') && !s.ends_with('.'), "{s}");
    }
    for e in [
        PushError::Full(()),
        PushError::Timeout(()),
        PushError::Disconnected(()),
        PushError::Corrupted(()),
    ] {
        let s = e.to_string();
        assert!(s.contains(':'), "{s}");
        // Debug is the variant and the sentence, without the value (which need not be Debug).
        assert!(format!("{e:?}").ends_with(&format!(": {s}")), "{e:?}");
    }
    assert_eq!(PushError::Full(5).map(|v| v + 1).into_inner(), 6);
}

#[test]
fn a_truncated_ring_reports_corruption_instead_of_waiting_forever() {
    let (n, _u) = unique_name("tr");
    let ring = SpscRing::<Pair>::create(&n, 8).unwrap();
    let (mut p, mut c) = (ring.producer().unwrap(), ring.consumer().unwrap());
    p.push(Pair::new(1)).unwrap();
    assert_eq!(c.pop(), Ok(Pair::new(1)));
    // Another process with write access shrinks the file: the next touch would raise SIGBUS,
    // which shmipc's handler turns into zero pages and a broken segment.
    std::fs::OpenOptions::new()
        .write(true)
        .open(format!("/dev/shm{n}"))
        .unwrap()
        .set_len(0)
        .unwrap();
    // The zeroed producer role and state look like a producer that never attached: without the
    // broken check, `pop` waits for ever (here: until the timeout).
    assert_eq!(
        c.pop_timeout(Duration::from_secs(5)),
        Err(PopError::Corrupted)
    );
    // The producer fills the free slots it knows of, then waits for room: told, not timed out.
    let mut pushed = 0;
    let err = loop {
        match p.push_timeout(Pair::new(pushed), Duration::from_secs(5)) {
            Ok(()) => pushed += 1,
            Err(e) => break e,
        }
        assert!(pushed <= 8, "pushed past the capacity into a broken ring");
    };
    assert!(matches!(err, PushError::Corrupted(_)), "{err:?}");
}
