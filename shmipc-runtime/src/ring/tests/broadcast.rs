//! The broadcast ring in one process (threads as publisher and subscribers): order, exact lag
//! counts, start positions, torn copies, the doorbell, takeover and hostile bytes. The
//! multi-process tests are `tests/tests/ring_broadcast_*.rs`.

use std::thread;

use super::*;
use crate::ring::broadcast_control::doorbell_name;
use crate::ring::broadcast_protocol::committed;
use crate::sys::shm;

fn bring(tag: &str, capacity: usize, wait: WaitStrategy) -> (Unlink, Unlink, BroadcastRing<Pair>) {
    let (n, unlink) = unique_name(tag);
    let bell = Unlink(doorbell_name(&n));
    let ring = BroadcastRing::<Pair>::builder(&n)
        .capacity(capacity)
        .wait_strategy(wait)
        .create()
        .unwrap();
    (unlink, bell, ring)
}

fn stamp_of(ring: &BroadcastRing<Pair>, slot: usize) -> &AtomicU64 {
    use crate::ring::spsc_protocol::Stamps;
    ring.inner_for_tests().slots.stamp(slot)
}

#[test]
fn subscribers_that_keep_up_see_everything_in_order() {
    for wait in [
        WaitStrategy::Spin,
        WaitStrategy::SpinThenPark,
        WaitStrategy::Park,
    ] {
        // As many slots as messages: nobody can be lapped, so everybody must see everything.
        let (_u, _b, ring) = bring("bo", 4096, wait);
        let subs: Vec<_> = (0..3).map(|_| ring.subscriber()).collect();
        let mut publisher = ring.producer().unwrap();
        let readers: Vec<_> = subs
            .into_iter()
            .map(|mut s| {
                thread::spawn(move || {
                    let mut n = 0u64;
                    loop {
                        match s.pop() {
                            Ok(p) => {
                                assert_eq!(p, Pair::new(n));
                                n += 1;
                            }
                            Err(RecvError::Disconnected) => return n,
                            Err(e) => panic!("{e}"),
                        }
                    }
                })
            })
            .collect();
        for seq in 0..4096 {
            publisher.push(Pair::new(seq));
        }
        drop(publisher);
        for r in readers {
            assert_eq!(r.join().unwrap(), 4096);
        }
    }
}

#[test]
fn a_lagging_subscriber_is_told_exactly_what_it_missed() {
    let (_u, _b, ring) = bring("bl", 8, WaitStrategy::default());
    let mut s = ring.subscriber();
    let mut p = ring.producer().unwrap();
    for seq in 0..27 {
        p.push(Pair::new(seq));
    }
    // Held: 19..27. Missed: 0..19.
    let e = s.try_pop().unwrap_err();
    assert_eq!(e, RecvError::Lagged { missed: 19 });
    assert!(e.to_string().contains("missed 19 messages"), "{e}");
    for seq in 19..27 {
        assert_eq!(s.try_pop(), Ok(Pair::new(seq)));
    }
    assert_eq!(s.try_pop(), Err(RecvError::Empty));
    assert_eq!(s.position(), 27);

    // With a slack, it resumes that many messages after the oldest held (and counts them).
    let mut slack = ring.subscriber_at(StartAt::Next);
    slack.set_resume_slack(3);
    for seq in 27..50 {
        p.push(Pair::new(seq));
    }
    // Held: 42..50; resumes at 45.
    assert_eq!(slack.try_pop(), Err(RecvError::Lagged { missed: 18 }));
    assert_eq!(slack.try_pop(), Ok(Pair::new(45)));
    slack.set_resume_slack(100);
    for seq in 50..70 {
        p.push(Pair::new(seq));
    }
    // Held: 62..70; the slack is at most capacity - 1 = 7: resumes at 69, the newest.
    assert_eq!(slack.try_pop(), Err(RecvError::Lagged { missed: 69 - 46 }));
    assert_eq!(slack.try_pop(), Ok(Pair::new(69)));
}

#[test]
fn start_positions() {
    let (_u, _b, ring) = bring("bs", 4, WaitStrategy::default());
    let mut p = ring.producer().unwrap();
    assert_eq!(ring.subscriber().try_pop(), Err(RecvError::Empty));
    for seq in 0..10 {
        p.push(Pair::new(seq));
    }
    assert_eq!(ring.subscriber().try_pop(), Ok(Pair::new(9)));
    assert_eq!(
        ring.subscriber_at(StartAt::Oldest).try_pop(),
        Ok(Pair::new(6))
    );
    let mut next = ring.subscriber_at(StartAt::Next);
    assert_eq!(next.try_pop(), Err(RecvError::Empty));
    p.push(Pair::new(10));
    assert_eq!(next.try_pop(), Ok(Pair::new(10)));
    let mut clone = next.clone();
    p.push(Pair::new(11));
    assert_eq!(next.try_pop(), Ok(Pair::new(11)));
    assert_eq!(clone.try_pop(), Ok(Pair::new(11)));
}

#[test]
fn batches_and_in_place_writes() {
    let (_u, _b, ring) = bring("bb", 4, WaitStrategy::default());
    let mut p = ring.producer().unwrap();
    let mut s = ring.subscriber();
    let values: Vec<Pair> = (0..3).map(Pair::new).collect();
    p.push_slice(&values);
    let mut slot = p.reserve();
    assert_eq!(slot.seq(), 3);
    slot.write(Pair::new(3));
    slot.commit();
    // Dropped without commit: nothing published.
    p.reserve().copy_from(&Pair::new(99));
    p.push_ref(&Pair::new(4));
    for seq in 0..5 {
        // The abandoned reservation destroyed message 0's slot before 4 replaced it: 0 lags.
        match s.try_pop() {
            Ok(v) => assert_eq!(v, Pair::new(seq)),
            Err(RecvError::Lagged { missed }) => {
                assert_eq!((seq, missed), (0, 1));
                assert_eq!(s.try_pop(), Ok(Pair::new(1)));
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    // A slice longer than the ring overwrites its own front.
    let long: Vec<Pair> = (5..15).map(Pair::new).collect();
    let mut late = ring.subscriber_at(StartAt::Next);
    p.push_slice(&long);
    assert_eq!(late.try_pop(), Err(RecvError::Lagged { missed: 6 }));
    assert_eq!(late.try_pop(), Ok(Pair::new(11)));
}

/// A publisher lapping a subscriber over a 2-slot ring as fast as it can: every delivered value
/// is whole (a torn copy would break `b == !a`), in increasing order, and delivered plus missed
/// is exactly what was published.
#[test]
fn torn_copies_are_never_delivered_and_counts_add_up() {
    let (_u, _b, ring) = bring("bt", 2, WaitStrategy::Spin);
    let mut s = ring.subscriber();
    let mut p = ring.producer().unwrap();
    const N: u64 = 200_000;
    let reader = thread::spawn(move || {
        let (mut delivered, mut missed, mut lags, mut last) = (0u64, 0u64, 0u64, None);
        loop {
            match s.pop() {
                Ok(v) => {
                    assert_eq!(v.b, !v.a, "torn copy delivered");
                    assert!(last.is_none_or(|l| v.a > l), "out of order");
                    assert_eq!(v.a, s.position() - 1);
                    last = Some(v.a);
                    delivered += 1;
                }
                Err(RecvError::Lagged { missed: m }) => {
                    missed += m;
                    lags += 1;
                }
                Err(RecvError::Disconnected) => return (delivered, missed, lags),
                Err(e) => panic!("{e}"),
            }
        }
    });
    for seq in 0..N {
        p.push(Pair::new(seq));
    }
    drop(p);
    let (delivered, missed, lags) = reader.join().unwrap();
    assert_eq!(
        delivered + missed,
        N,
        "{delivered} + {missed} ({lags} lags)"
    );
}

#[test]
fn a_parked_subscriber_is_woken_through_the_doorbell() {
    let (_u, _b, ring) = bring("bw", 4, WaitStrategy::Park);
    assert!(ring.has_doorbell());
    let mut s = ring.subscriber();
    let mut p = ring.producer().unwrap();
    let reader = thread::spawn(move || (0..50).map(|_| s.pop().unwrap().a).sum::<u64>());
    for seq in 0..50 {
        // Give the reader time to park between messages (no assertion on time).
        thread::sleep(Duration::from_millis(2));
        p.push(Pair::new(seq));
    }
    assert_eq!(reader.join().unwrap(), 49 * 50 / 2);
}

#[test]
fn without_a_doorbell_subscribers_poll() {
    let (n, _u) = unique_name("bd");
    let _b = Unlink(doorbell_name(&n));
    let ring = BroadcastRing::<Pair>::create(&n, 4).unwrap();
    shm::unlink(&doorbell_name(&n)).unwrap();
    let opened = BroadcastRing::<Pair>::builder(&n)
        .wait_strategy(WaitStrategy::Park)
        .open()
        .unwrap();
    assert!(!opened.has_doorbell());
    let mut s = opened.subscriber();
    let mut p = ring.producer().unwrap();
    let reader = thread::spawn(move || s.pop_timeout(Duration::from_secs(10)));
    thread::sleep(Duration::from_millis(20));
    p.push(Pair::new(7));
    assert_eq!(reader.join().unwrap(), Ok(Pair::new(7)));
}

#[test]
fn the_doorbell_goes_with_the_ring() {
    let (n, _u) = unique_name("bg");
    let _b = Unlink(doorbell_name(&n));
    let ring = BroadcastRing::<Pair>::create(&n, 4).unwrap();
    let opened = BroadcastRing::<Pair>::open(&n).unwrap();
    assert!(opened.has_doorbell());
    drop(opened);
    assert!(shm::open(&doorbell_name(&n), true).is_ok());
    drop(ring);
    assert!(shm::open(&n, true).is_err());
    assert!(shm::open(&doorbell_name(&n), true).is_err());
}

#[test]
fn one_publisher_at_a_time_and_takeover_continues() {
    let (_u, _b, ring) = bring("br", 8, WaitStrategy::default());
    let mut p = ring.producer().unwrap();
    assert!(matches!(ring.producer(), Err(Error::RoleTaken { .. })));
    let mut s = ring.subscriber();
    p.push(Pair::new(0));
    p.push(Pair::new(1));
    drop(p);
    assert_eq!(s.try_pop(), Ok(Pair::new(0)));
    assert_eq!(s.try_pop(), Ok(Pair::new(1)));
    assert_eq!(s.try_pop(), Err(RecvError::Disconnected));
    assert!(!ring.publisher_alive());

    // As a publisher that died would leave it: message 2 committed (stamp) but not counted in
    // the tail, message 3 half written. The next publisher continues with 3 (the takeover of a
    // killed publisher's role is tested with real processes in `ring_broadcast_kill`).
    stamp_of(&ring, 2).store(committed(2), Ordering::Release);
    stamp_of(&ring, 3).store(committed(3) - 1, Ordering::Release);
    let mut p = ring.producer().unwrap();
    assert_eq!(p.published(), 3);
    p.push(Pair::new(3));
    // Message 2 is what the "dead" publisher wrote into its slot (here: nothing, zeros).
    assert_eq!(s.try_pop(), Ok(Pair::default()));
    assert_eq!(s.try_pop(), Ok(Pair::new(3)));
    assert_eq!(s.try_pop(), Err(RecvError::Empty));
}

#[test]
fn hostile_stamps_and_tail_give_lag_garbage_or_corrupted() {
    let (_u, _b, ring) = bring("bh", 4, WaitStrategy::Park);
    let mut p = ring.producer().unwrap();
    let mut s = ring.subscriber();
    p.push(Pair::new(0));
    // A stamp of a message of another slot.
    stamp_of(&ring, 0).store(committed(5), Ordering::Release);
    assert_eq!(s.try_pop(), Err(RecvError::Corrupted));
    // A stamp far in the future of the same slot: lag, then the tail decides where to resume.
    stamp_of(&ring, 0).store(committed(4 * 1000), Ordering::Release);
    assert!(matches!(s.try_pop(), Err(RecvError::Lagged { .. })));
    // A tail ahead of an unwritten stamp: a blocking pop reports it instead of waiting.
    let c = ring.inner_for_tests().control();
    c.publisher.index.store(100, Ordering::Release);
    let mut fresh = ring.subscriber_at(StartAt::Next);
    stamp_of(&ring, 0).store(0, Ordering::Release);
    c.publisher.index.store(105, Ordering::Release);
    assert_eq!(
        fresh.pop_timeout(Duration::from_secs(5)),
        Err(RecvError::Corrupted)
    );
    // A tail far behind the subscriber: corrupted too.
    c.publisher.index.store(1, Ordering::Release);
    assert_eq!(
        fresh.pop_timeout(Duration::from_secs(5)),
        Err(RecvError::Corrupted)
    );
    // Every stamp and the tail garbage (positions near 2^64 included): no panic, no hang;
    // whatever is delivered is garbage.
    for (i, v) in [u64::MAX, 1, 7, 0].into_iter().enumerate() {
        stamp_of(&ring, i).store(v, Ordering::Release);
    }
    c.publisher.index.store(3, Ordering::Release);
    for tail in [3, u64::MAX, u64::MAX / 2, 1 << 63] {
        c.publisher.index.store(tail, Ordering::Release);
        let mut other = ring.subscriber_at(StartAt::Oldest);
        for _ in 0..8 {
            let _ = other.pop_timeout(Duration::from_millis(5));
        }
    }
}

#[test]
fn a_read_only_ring_subscribes_and_refuses_to_publish() {
    let (n, _u) = unique_name("bro");
    let _b = Unlink(doorbell_name(&n));
    let ring = BroadcastRing::<Pair>::create(&n, 4).unwrap();
    let ro = BroadcastRing::<Pair>::builder(&n)
        .read_only(true)
        .wait_strategy(WaitStrategy::Park)
        .open()
        .unwrap();
    assert!(ro.has_doorbell());
    let e = ro.producer().unwrap_err();
    assert!(matches!(e, Error::InvalidOptions { .. }), "{e}");
    let mut s = ro.subscriber();
    let mut p = ring.producer().unwrap();
    let reader = thread::spawn(move || {
        let got: Vec<u64> = (0..3).map(|_| s.pop().unwrap().a).collect();
        (got, s.pop())
    });
    for seq in 0..3 {
        thread::sleep(Duration::from_millis(2));
        p.push(Pair::new(seq));
    }
    drop(p);
    assert_eq!(
        reader.join().unwrap(),
        (vec![0, 1, 2], Err(RecvError::Disconnected))
    );
}
