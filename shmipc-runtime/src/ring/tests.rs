//! In-process tests of the SPSC ring (threads as the two sides; the multi-process tests are in
//! `tests/`).

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use super::control::{STATE_CLOSED, STATE_NEVER, SpscControl};
use super::*;
use crate::segment::{Error, RawSegment};
use crate::{Endian, FieldLayout, FieldType, Layout, Primitive, SharedLayout};

/// A message: a sequence number and its complement (a torn copy would break `b == !a`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
struct Msg {
    a: u64,
    b: u64,
}

impl Msg {
    fn new(seq: u64) -> Msg {
        Msg { a: seq, b: !seq }
    }
}

static U64: FieldType = FieldType::Primitive(Primitive::U64);
static MSG_FIELDS: [FieldLayout; 2] = [
    FieldLayout::__new("a", 0, 8, 8, &U64),
    FieldLayout::__new("b", 8, 8, 8, &U64),
];
static MSG_LAYOUT: Layout = Layout::__new("RingMsg", 1, Endian::Native, 16, 8, &MSG_FIELDS);

// SAFETY: repr(C), two u64s (no padding, no pointers, every bit pattern valid, no Drop), described
// truthfully by MSG_LAYOUT.
unsafe impl SharedLayout for Msg {
    const LAYOUT: &'static Layout = &MSG_LAYOUT;
    const FINGERPRINT: u64 = MSG_LAYOUT.fingerprint();
}

/// A large message (1 MiB) for the in-place paths, larger than the test threads' stacks.
#[derive(Clone, Copy)]
#[repr(C)]
struct Big {
    words: [u64; WORDS],
}

const WORDS: usize = 1 << 17;
static BIG_WORDS: FieldType = FieldType::Array {
    elem: &U64,
    len: WORDS,
};
static BIG_FIELDS: [FieldLayout; 1] = [FieldLayout::__new("words", 0, WORDS * 8, 8, &BIG_WORDS)];
static BIG_LAYOUT: Layout = Layout::__new("RingBig", 1, Endian::Native, WORDS * 8, 8, &BIG_FIELDS);

/// A zeroed `Big` on the heap, never on the stack.
fn big_box() -> Box<Big> {
    // SAFETY: all zeroes is a valid `Big` (an array of integers).
    unsafe { Box::<Big>::new_zeroed().assume_init() }
}

// SAFETY: repr(C), an array of u64 (no padding, every bit pattern valid, no Drop), described
// truthfully by BIG_LAYOUT.
unsafe impl SharedLayout for Big {
    const LAYOUT: &'static Layout = &BIG_LAYOUT;
    const FINGERPRINT: u64 = BIG_LAYOUT.fingerprint();
}

/// Unlinks the test's segment when dropped, also when an assertion failed first.
struct Unlink(String);
impl Drop for Unlink {
    fn drop(&mut self) {
        let _ = RawSegment::unlink(&self.0);
    }
}

/// A short unique test name with the shared prefix.
fn name(tag: &str) -> (String, Unlink) {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = format!(
        "/shmipc-test-{tag}{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    (n.clone(), Unlink(n))
}

/// The pid of a process that certainly exited (spawned and reaped).
fn dead_pid() -> u32 {
    let mut c = std::process::Command::new("true")
        .spawn()
        .expect("spawn true");
    let pid = c.id();
    c.wait().expect("reap");
    pid
}

fn control(ring: &SpscRing<Msg>) -> &SpscControl {
    ring.inner_for_tests().control()
}

#[test]
fn fifo_through_many_wrap_arounds() {
    let (n, _u) = name("ff");
    let ring = SpscRing::<Msg>::create(&n, 8).unwrap();
    let mut consumer = SpscRing::<Msg>::open(&n).unwrap().consumer().unwrap();
    let reader = std::thread::spawn(move || {
        for seq in 0..20_000u64 {
            assert_eq!(consumer.pop().unwrap(), Msg::new(seq));
        }
        consumer
    });
    let mut producer = ring.producer().unwrap();
    for seq in 0..20_000u64 {
        producer.push(Msg::new(seq)).unwrap();
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
    let (n, _u) = name("fe");
    let ring = SpscRing::<Msg>::create(&n, 4).unwrap();
    let mut p = ring.producer().unwrap();
    let mut c = ring.consumer().unwrap();
    assert_eq!(c.try_pop(), Err(PopError::Empty));
    assert!(c.is_empty());
    for seq in 0..4 {
        p.try_push(Msg::new(seq)).unwrap();
    }
    assert_eq!(p.len(), 4);
    assert_eq!(c.len(), 4);
    match p.try_push(Msg::new(9)) {
        Err(PushError::Full(m)) => assert_eq!(m, Msg::new(9)),
        other => panic!("expected Full, got {other:?}"),
    }
    assert_eq!(c.try_pop(), Ok(Msg::new(0)));
    p.try_push(Msg::new(4)).unwrap();
    for seq in 1..5 {
        assert_eq!(c.try_pop(), Ok(Msg::new(seq)));
    }
    assert_eq!(c.try_pop(), Err(PopError::Empty));
    assert!(p.is_empty());
    assert_eq!((p.capacity(), c.capacity(), ring.capacity()), (4, 4, 4));
}

#[test]
fn capacity_one_works() {
    let (n, _u) = name("c1");
    let ring = SpscRing::<Msg>::create(&n, 1).unwrap();
    let (mut p, mut c) = (ring.producer().unwrap(), ring.consumer().unwrap());
    for seq in 0..10 {
        p.try_push(Msg::new(seq)).unwrap();
        assert!(matches!(p.try_push(Msg::new(99)), Err(PushError::Full(_))));
        assert_eq!(c.try_pop(), Ok(Msg::new(seq)));
    }
}

#[test]
fn batches_publish_and_release_runs() {
    let (n, _u) = name("bt");
    let ring = SpscRing::<Msg>::create(&n, 8).unwrap();
    let (mut p, mut c) = (ring.producer().unwrap(), ring.consumer().unwrap());
    let msgs: Vec<Msg> = (0..11).map(Msg::new).collect();
    assert_eq!(p.try_push_slice(&msgs), Ok(8));
    assert_eq!(control(&ring).producer.index.load(Ordering::Relaxed), 8);
    assert!(matches!(
        p.try_push_slice(&msgs[8..]),
        Err(PushError::Full(()))
    ));
    assert_eq!(p.try_push_slice(&[]), Ok(0));
    let mut out = [Msg::default(); 5];
    assert_eq!(c.try_pop_slice(&mut out), Ok(5));
    assert_eq!(out.to_vec(), msgs[..5]);
    assert_eq!(p.try_push_slice(&msgs[8..]), Ok(3));
    let mut out = [Msg::default(); 16];
    assert_eq!(c.pop_slice(&mut out), Ok(6));
    assert_eq!(out[..6].to_vec(), msgs[5..]);
    assert_eq!(c.try_pop_slice(&mut out), Err(PopError::Empty));

    // Blocking batches across threads.
    let all: Vec<Msg> = (0..5000).map(Msg::new).collect();
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = [Msg::default(); 7];
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
    let (n, _u) = name("ip");
    let ring = SpscRing::<Msg>::create(&n, 4).unwrap();
    let (mut p, mut c) = (ring.producer().unwrap(), ring.consumer().unwrap());
    {
        let mut w = p.try_reserve(3).unwrap();
        assert_eq!(w.len(), 3);
        w.write(0, Msg::new(0));
        w.copy_from(1, &Msg::new(1));
        // SAFETY: the slot is reserved for this producer and no other process maps the ring.
        unsafe { w.as_mut_ptr(2).write(Msg::new(2)) };
        w.commit(2);
    }
    assert_eq!(c.len(), 2);
    {
        let r = c.try_read_chunk(8).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r.read(0), Msg::new(0));
        let mut m = Msg::default();
        r.copy_to(1, &mut m);
        assert_eq!(m, Msg::new(1));
        r.release(1);
    }
    assert_eq!(c.try_pop(), Ok(Msg::new(1)));
    // Not committed: nothing was published.
    assert_eq!(p.try_reserve(1).unwrap().len(), 1);
    assert_eq!(c.try_pop(), Err(PopError::Empty));
    let mut w = p.reserve(4).unwrap();
    assert_eq!(w.len(), 4);
    for i in 0..4 {
        // SAFETY: reserved for this producer; no other process maps the ring.
        unsafe { *w.slot_mut(i) = Msg::new(10 + i as u64) };
    }
    w.commit_all();
    let r = c.read_chunk(4).unwrap();
    for i in 0..4 {
        // SAFETY: lent to this consumer; no other process maps the ring.
        assert_eq!(unsafe { *r.slot(i) }, Msg::new(10 + i as u64));
    }
    drop(r);
    assert!(c.is_empty());
    assert!(p.is_empty());
}

#[test]
fn large_values_in_place_on_small_stacks() {
    let (n, _u) = name("bg");
    let ring = SpscRing::<Big>::create(&n, 2).unwrap();
    let mut p = ring.producer().unwrap();
    let mut c = ring.consumer().unwrap();
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
    let (n, _u) = name("to");
    let ring = SpscRing::<Msg>::create(&n, 2).unwrap();
    let (mut p, mut c) = (ring.producer().unwrap(), ring.consumer().unwrap());
    assert_eq!(
        c.pop_timeout(Duration::from_millis(20)),
        Err(PopError::Timeout)
    );
    assert!(matches!(
        c.read_chunk_timeout(1, Duration::ZERO),
        Err(PopError::Timeout)
    ));
    p.push(Msg::new(0)).unwrap();
    p.push(Msg::new(1)).unwrap();
    assert!(matches!(
        p.push_timeout(Msg::new(2), Duration::from_millis(20)),
        Err(PushError::Timeout(_))
    ));
    assert!(matches!(
        p.reserve_timeout(1, Duration::from_millis(1)),
        Err(PushError::Timeout(()))
    ));
    assert_eq!(c.pop_timeout(Duration::from_secs(5)), Ok(Msg::new(0)));
    p.push_timeout(Msg::new(2), Duration::from_secs(5)).unwrap();
}

#[test]
fn wait_strategies_all_deliver() {
    for wait in [
        WaitStrategy::Spin,
        WaitStrategy::SpinThenPark,
        WaitStrategy::Park,
    ] {
        let (n, _u) = name("ws");
        let ring = SpscRing::<Msg>::builder(&n)
            .capacity(2)
            .wait_strategy(wait)
            .create()
            .unwrap();
        let mut c = ring.consumer().unwrap();
        let reader = std::thread::spawn(move || {
            for seq in 0..300 {
                assert_eq!(c.pop().unwrap(), Msg::new(seq));
                if seq % 100 == 0 {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        });
        let mut p = ring.producer().unwrap();
        for seq in 0..300 {
            p.push(Msg::new(seq)).unwrap();
            if seq % 50 == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        reader.join().unwrap();
    }
}

#[test]
fn disconnected_after_every_message_was_delivered() {
    let (n, _u) = name("dc");
    let ring = SpscRing::<Msg>::create(&n, 8).unwrap();
    let mut c = ring.consumer().unwrap();
    let reader = std::thread::spawn(move || {
        let mut got = 0;
        loop {
            match c.pop() {
                Ok(m) => {
                    assert_eq!(m, Msg::new(got));
                    got += 1;
                }
                Err(e) => return (got, e),
            }
        }
    });
    let mut p = ring.producer().unwrap();
    for seq in 0..1000 {
        p.push(Msg::new(seq)).unwrap();
    }
    drop(p);
    assert_eq!(reader.join().unwrap(), (1000, PopError::Disconnected));
    assert!(!ring.producer_alive());
    assert_eq!(
        control(&ring).producer.state.load(Ordering::Relaxed),
        STATE_CLOSED
    );

    // A producer that never attached is not "disconnected": the consumer waits.
    let (n, _u) = name("dn");
    let ring = SpscRing::<Msg>::create(&n, 8).unwrap();
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
        p.push(Msg::new(seq)).unwrap();
    }
    drop(c);
    assert!(matches!(
        p.try_push(Msg::new(8)),
        Err(PushError::Disconnected(_))
    ));
    assert!(matches!(
        p.push(Msg::new(8)),
        Err(PushError::Disconnected(_))
    ));
    // A new consumer continues where the last one stopped.
    let mut c = ring.consumer().unwrap();
    assert_eq!(c.try_pop(), Ok(Msg::new(0)));
    p.push(Msg::new(8)).unwrap();
}

#[test]
fn a_blocked_pop_is_woken_by_the_drop() {
    let (n, _u) = name("wd");
    let ring = SpscRing::<Msg>::builder(&n)
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
    let (n, _u) = name("rl");
    let ring = SpscRing::<Msg>::create(&n, 4).unwrap();
    let other = SpscRing::<Msg>::open(&n).unwrap();
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
        p.try_push(Msg::new(seq)).unwrap();
    }
    core::mem::forget(p);
    let ctl = control(&ring);
    ctl.producer.index.store(2, Ordering::Relaxed);
    let pid = dead_pid();
    fake_holder(&ctl.producer, pid);
    assert!(!ring.producer_alive());
    let mut c = ring.consumer().unwrap();
    assert_eq!(c.try_pop(), Ok(Msg::new(0)));
    let mut p = ring.producer().unwrap();
    p.try_push(Msg::new(3)).unwrap();
    for seq in 1..4 {
        assert_eq!(c.try_pop(), Ok(Msg::new(seq)));
    }

    // A dead consumer: the next one continues with the first message not released.
    let mut r = c.try_read_chunk(1).unwrap_err();
    assert_eq!(r, PopError::Empty);
    p.try_push(Msg::new(4)).unwrap();
    {
        let chunk = c.try_read_chunk(1).unwrap();
        assert_eq!(chunk.read(0), Msg::new(4));
        core::mem::forget(chunk); // dies while reading
    }
    core::mem::forget(c);
    fake_holder(&ctl.consumer, dead_pid());
    let mut c = ring.consumer().unwrap();
    assert_eq!(c.try_pop(), Ok(Msg::new(4)), "delivered again");
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
    let (n, _u) = name("dp");
    let ring = SpscRing::<Msg>::create(&n, 8).unwrap();
    let mut c = ring.consumer().unwrap();
    let mut p = ring.producer().unwrap();
    p.push(Msg::new(0)).unwrap();
    p.push(Msg::new(1)).unwrap();
    core::mem::forget(p);
    fake_holder(&control(&ring).producer, dead_pid());
    assert_eq!(c.pop(), Ok(Msg::new(0)));
    assert_eq!(c.pop(), Ok(Msg::new(1)));
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

#[test]
fn hostile_control_words_give_errors_not_hangs() {
    let (n, _u) = name("hc");
    let ring = SpscRing::<Msg>::create(&n, 4).unwrap();
    let (mut p, mut c) = (ring.producer().unwrap(), ring.consumer().unwrap());
    let ctl = control(&ring);
    p.try_push(Msg::new(0)).unwrap();

    // A head beyond the tail: the producer reports corruption when it needs the head.
    for seq in 1..4 {
        p.try_push(Msg::new(seq)).unwrap();
    }
    ctl.consumer.index.store(u64::MAX - 5, Ordering::Relaxed);
    assert!(matches!(
        p.try_push(Msg::new(9)),
        Err(PushError::Corrupted(_))
    ));
    assert!(matches!(
        p.push_timeout(Msg::new(9), Duration::from_millis(5)),
        Err(PushError::Corrupted(_))
    ));
    // The consumer's own index is private: it still reads in order and repairs the word.
    for seq in 0..4 {
        assert_eq!(c.try_pop(), Ok(Msg::new(seq)));
    }
    p.try_push(Msg::new(4)).unwrap();
    assert_eq!(c.try_pop(), Ok(Msg::new(4)));

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
    let (m, _u2) = name("hw");
    let wrap = SpscRing::<Msg>::create(&m, 4).unwrap();
    let mut wp = wrap.producer().unwrap();
    for seq in 0..3 {
        wp.try_push(Msg::new(seq)).unwrap();
    }
    // 3 - u64::MAX wraps to 4: a full ring, as far as the producer can tell.
    wrap.inner_for_tests()
        .control()
        .consumer
        .index
        .store(u64::MAX, Ordering::Relaxed);
    assert!(matches!(
        wp.try_push_slice(&[Msg::new(3); 4]),
        Err(PushError::Full(()))
    ));
    assert!(matches!(wp.try_push(Msg::new(3)), Err(PushError::Full(_))));
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
    let _ = p.try_push(Msg::new(5));
    let _ = c.try_pop();
    assert!(c.pop_timeout(Duration::from_millis(5)).is_err());
    let _ = p.push_timeout(Msg::new(6), Duration::from_millis(5));

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
        let _ = p.try_push(Msg::new(x));
        let _ = c.try_pop();
        let _ = c.try_pop_slice(&mut [Msg::default(); 3]);
        let _ = p.try_push_slice(&[Msg::new(1); 3]);
        let _ = p.push_timeout(Msg::new(x), Duration::ZERO);
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
    let (n, _u) = name("oc");
    let ring = SpscRing::<Msg>::create(&n, 16).unwrap();
    assert_eq!(SpscRing::<Msg>::open(&n).unwrap().capacity(), 16);
    assert_eq!(
        SpscRing::<Msg>::builder(&n)
            .capacity(16)
            .open()
            .unwrap()
            .capacity(),
        16
    );
    assert!(matches!(
        SpscRing::<Msg>::builder(&n).capacity(32).open(),
        Err(Error::Size { .. })
    ));
    assert!(matches!(
        SpscRing::<Big>::open(&n),
        Err(Error::TypeName { .. })
    ));
    assert!(matches!(
        crate::Segment::<Msg>::open(&n),
        Err(Error::Kind { .. })
    ));
    assert!(matches!(
        SpscRing::<Msg>::create(&n, 16),
        Err(Error::AlreadyExists { .. })
    ));
    let (m, _u2) = name("oc");
    for bad in [0, 3, 1000] {
        let e = SpscRing::<Msg>::create(&m, bad).unwrap_err();
        assert!(matches!(e, Error::InvalidOptions { .. }), "{e}");
        assert!(e.to_string().contains("power of two"), "{e}");
    }
    assert_eq!(
        SpscRing::<Msg>::builder(&m).create().unwrap().capacity(),
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
        assert!(format!("{e:?}").ends_with("(..)"));
    }
    assert_eq!(PushError::Full(5).map(|v| v + 1).into_inner(), 6);
}

#[test]
fn a_full_producer_takes_a_single_free_slot_when_no_run_frees_up() {
    // A blocked push first waits for a run of free slots (a quarter of the capacity), but only
    // for its first polls: when the consumer frees one slot and then stops, the push completes.
    for strategy in [WaitStrategy::Spin, WaitStrategy::SpinThenPark] {
        let (n, _u) = name("pf");
        let ring = SpscRing::<Msg>::builder(&n)
            .capacity(16)
            .wait_strategy(strategy)
            .create()
            .unwrap();
        let mut p = ring.producer().unwrap();
        let mut c = ring.consumer().unwrap();
        for seq in 0..16 {
            p.try_push(Msg::new(seq)).unwrap();
        }
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(20));
                assert_eq!(c.pop(), Ok(Msg::new(0)));
            });
            // Blocks while full; returns after the one pop, with 15 of 16 slots still taken.
            p.push(Msg::new(16)).unwrap();
        });
        assert_eq!(p.len(), 16);
        for seq in 1..17 {
            assert_eq!(c.try_pop(), Ok(Msg::new(seq)));
        }
    }
}
