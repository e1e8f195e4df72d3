//! Roles, dropped handles and dead peers.

use super::*;

#[test]
fn disconnected_after_every_message_was_delivered() {
    let (n, _u) = unique_name("dc");
    let ring = SpscRing::<Pair>::create(&n, 8).unwrap();
    let mut c = ring.consumer().unwrap();
    let reader = std::thread::spawn(move || {
        let mut got = 0;
        loop {
            match c.pop() {
                Ok(m) => {
                    assert_eq!(m, Pair::new(got));
                    got += 1;
                }
                Err(e) => return (got, e),
            }
        }
    });
    let mut p = ring.producer().unwrap();
    for seq in 0..1000 {
        p.push(Pair::new(seq)).unwrap();
    }
    drop(p);
    assert_eq!(reader.join().unwrap(), (1000, PopError::Disconnected));
    assert!(!ring.producer_alive());
    assert_eq!(
        control(&ring).producer.state.load(Ordering::Relaxed),
        STATE_CLOSED
    );

    // A producer that never attached is not "disconnected": the consumer waits.
    let (n, _u) = unique_name("dn");
    let ring = SpscRing::<Pair>::create(&n, 8).unwrap();
    let mut c = ring.consumer().unwrap();
    assert_eq!(
        control(&ring).producer.state.load(Ordering::Relaxed),
        STATE_NEVER
    );
    assert_eq!(c.try_pop(), Err(PopError::Empty));
    assert_eq!(
        c.pop_timeout(Duration::from_millis(5)),
        Err(PopError::Timeout)
    );
    // The producer side: full and the consumer gone.
    let mut p = ring.producer().unwrap();
    for seq in 0..8 {
        p.push(Pair::new(seq)).unwrap();
    }
    drop(c);
    assert!(matches!(
        p.try_push(Pair::new(8)),
        Err(PushError::Disconnected(_))
    ));
    assert!(matches!(
        p.push(Pair::new(8)),
        Err(PushError::Disconnected(_))
    ));
    // A new consumer continues where the last one stopped.
    let mut c = ring.consumer().unwrap();
    assert_eq!(c.try_pop(), Ok(Pair::new(0)));
    p.push(Pair::new(8)).unwrap();
}

#[test]
fn a_blocked_pop_is_woken_by_the_drop() {
    let (n, _u) = unique_name("wd");
    let ring = SpscRing::<Pair>::builder(&n)
        .capacity(4)
        .wait_strategy(WaitStrategy::Park)
        .create()
        .unwrap();
    let mut c = ring.consumer().unwrap();
    let p = ring.producer().unwrap();
    let reader = std::thread::spawn(move || c.pop());
    std::thread::sleep(Duration::from_millis(20));
    drop(p);
    assert_eq!(reader.join().unwrap(), Err(PopError::Disconnected));
}

#[test]
fn roles_are_exclusive_and_a_dead_holders_role_is_taken_over() {
    let (n, _u) = unique_name("rl");
    let ring = SpscRing::<Pair>::create(&n, 4).unwrap();
    let other = SpscRing::<Pair>::open(&n).unwrap();
    let p = ring.producer().unwrap();
    let err = other.producer().unwrap_err();
    match &err {
        Error::RoleTaken { role, pid, .. } => {
            assert_eq!((*role, *pid), ("producer", std::process::id()));
        }
        e => panic!("expected RoleTaken, got {e}"),
    }
    assert!(err.to_string().contains(&std::process::id().to_string()));
    let c = other.consumer().unwrap();
    assert!(matches!(
        ring.consumer(),
        Err(Error::RoleTaken {
            role: "consumer",
            ..
        })
    ));
    assert!(ring.producer_alive() && ring.consumer_alive());
    assert!(c.producer_alive() && p.consumer_alive());
    drop(p);
    drop(c);
    assert!(!ring.producer_alive() && !ring.consumer_alive());

    // Fake a dead producer that committed 3 messages, the last one only by its stamp (it died
    // before publishing the tail): a new producer continues after all three.
    let mut p = ring.producer().unwrap();
    for seq in 0..3 {
        p.try_push(Pair::new(seq)).unwrap();
    }
    core::mem::forget(p);
    let ctl = control(&ring);
    ctl.producer.index.store(2, Ordering::Relaxed);
    let pid = dead_pid();
    fake_holder(&ctl.producer, pid);
    assert!(!ring.producer_alive());
    let mut c = ring.consumer().unwrap();
    assert_eq!(c.try_pop(), Ok(Pair::new(0)));
    let mut p = ring.producer().unwrap();
    p.try_push(Pair::new(3)).unwrap();
    for seq in 1..4 {
        assert_eq!(c.try_pop(), Ok(Pair::new(seq)));
    }

    // A dead consumer: the next one continues with the first message not released.
    let mut r = c.try_read_chunk(1).unwrap_err();
    assert_eq!(r, PopError::Empty);
    p.try_push(Pair::new(4)).unwrap();
    {
        let chunk = c.try_read_chunk(1).unwrap();
        assert_eq!(chunk.read(0), Pair::new(4));
        core::mem::forget(chunk); // dies while reading
    }
    core::mem::forget(c);
    fake_holder(&ctl.consumer, dead_pid());
    let mut c = ring.consumer().unwrap();
    assert_eq!(c.try_pop(), Ok(Pair::new(4)), "delivered again");
    r = c.try_pop().unwrap_err();
    assert_eq!(r, PopError::Empty);
}

/// Makes a side's role look held by the dead process `pid`.
fn fake_holder(side: &super::control::SideBlock, pid: u32) {
    let raw = side.role.raw();
    raw.word.store(pid, Ordering::Relaxed);
    // The owner record: pid in bits 0–21, a start time that is not the process's in 22–63.
    raw.record
        .store((12345 << 22) | u64::from(pid), Ordering::Relaxed);
}

#[test]
fn a_dead_producer_is_reported_after_its_messages() {
    let (_u, ring, mut p, mut c) = ring_with_ends::<Pair>("dp", 8);
    p.push(Pair::new(0)).unwrap();
    p.push(Pair::new(1)).unwrap();
    core::mem::forget(p);
    fake_holder(&control(&ring).producer, dead_pid());
    assert_eq!(c.pop(), Ok(Pair::new(0)));
    assert_eq!(c.pop(), Ok(Pair::new(1)));
    assert_eq!(c.pop(), Err(PopError::Disconnected));
    // The non-blocking call notices too, after enough misses.
    let mut told = false;
    for _ in 0..100_000 {
        match c.try_pop() {
            Err(PopError::Disconnected) => {
                told = true;
                break;
            }
            Err(PopError::Empty) => {}
            other => panic!("{other:?}"),
        }
    }
    assert!(told);
}
