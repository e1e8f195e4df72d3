//! shmipc's `SpscRing` as a contender: spin mode ([`WaitStrategy::Spin`]) and blocking mode (the
//! default [`WaitStrategy::SpinThenPark`]), both through the blocking calls `push_ref`/`pop` and
//! `push_slice`/`pop_slice`; and in place (spin mode): the producer writes each message into a
//! `reserve`d slot, the consumer reads every byte of it (sums its words) in a `read_chunk`,
//! without copying it out.

use std::time::Duration;

use shmipc::{Consumer, Producer, SpscRing, WaitStrategy};

use std::hint::black_box;

use super::channel::{
    BATCH, Rate, Receiver, RoundTrips, Sender, consume, consume_by, ping, pong, produce,
};
use super::kind::Kind;
use super::messages::Message;
use super::messages::as_bytes;
use super::peer::Peer;

/// Whether this build has shmipc's ring.
pub const AVAILABLE: bool = true;

fn strategy(kind: Kind) -> WaitStrategy {
    match kind {
        Kind::Shmipc | Kind::ShmipcInPlace => WaitStrategy::Spin,
        Kind::ShmipcBlocking => WaitStrategy::SpinThenPark,
        other => panic!("{other:?} is not a shmipc ring"),
    }
}

fn create<T: Message>(kind: Kind, name: &str, capacity: usize) -> SpscRing<T> {
    SpscRing::<T>::builder(name)
        .capacity(capacity)
        .wait_strategy(strategy(kind))
        .create()
        .unwrap_or_else(|e| panic!("create the ring: {e}"))
}

fn open<T: Message>(kind: Kind, name: &str) -> SpscRing<T> {
    SpscRing::<T>::builder(name)
        .wait_strategy(strategy(kind))
        .open()
        .unwrap_or_else(|e| panic!("open the ring: {e}"))
}

fn producer_of<T: Message>(ring: &SpscRing<T>) -> Tx<T> {
    Tx(ring
        .producer()
        .unwrap_or_else(|e| panic!("producer role: {e}")))
}

fn consumer_of<T: Message>(ring: &SpscRing<T>) -> Rx<T> {
    Rx(ring
        .consumer()
        .unwrap_or_else(|e| panic!("consumer role: {e}")))
}

/// A producer handle as a benchmark sender.
pub struct Tx<T: Message>(pub Producer<T>);

impl<T: Message> Sender<T> for Tx<T> {
    #[inline]
    fn send(&mut self, msg: &T) {
        self.0.push_ref(msg).unwrap_or_else(|e| panic!("push: {e}"));
    }

    #[inline]
    fn send_batch(&mut self, msgs: &[T]) {
        self.0
            .push_slice(msgs)
            .unwrap_or_else(|e| panic!("push_slice: {e}"));
    }
}

/// A consumer handle as a benchmark receiver.
pub struct Rx<T: Message>(pub Consumer<T>);

impl<T: Message> Receiver<T> for Rx<T> {
    #[inline]
    fn recv(&mut self) -> T {
        self.0.pop().unwrap_or_else(|e| panic!("pop: {e}"))
    }

    #[inline]
    fn recv_batch(&mut self, out: &mut [T]) -> usize {
        self.0
            .pop_slice(out)
            .unwrap_or_else(|e| panic!("pop_slice: {e}"))
    }
}

/// Measuring side of a throughput run: creates ring `name`, starts the peer with `spawn`,
/// consumes `n` messages; messages per second.
pub fn throughput<T: Message>(
    kind: Kind,
    name: &str,
    capacity: usize,
    n: u64,
    batched: bool,
    spawn: impl FnOnce(&[String]) -> Peer,
) -> Rate {
    let ring = create::<T>(kind, name, capacity);
    let mut rx = consumer_of(&ring);
    let peer = spawn(&[name.to_string()]);
    let rate = if kind == Kind::ShmipcInPlace {
        consume_in_place(&mut rx.0, n, batched)
    } else {
        consume(&mut rx, n, batched)
    };
    peer.finish();
    rate
}

/// Measuring side of round trips: pings on ring `ping`, reads answers on ring `pong`.
pub fn round_trips<T: Message>(
    kind: Kind,
    ping_name: &str,
    pong_name: &str,
    capacity: usize,
    run: RoundTrips,
    spawn: impl FnOnce(&[String]) -> Peer,
) -> Vec<u32> {
    let (a, b) = (
        create::<T>(kind, ping_name, capacity),
        create::<T>(kind, pong_name, capacity),
    );
    let (mut tx, mut rx) = (producer_of(&a), consumer_of(&b));
    let peer = spawn(&[ping_name.to_string(), pong_name.to_string()]);
    // Let the peer reach its receive loop before the clock runs.
    std::thread::sleep(Duration::from_millis(1));
    let samples = ping(&mut tx, &mut rx, run);
    peer.finish();
    samples
}

/// Measuring side of the idle measurement: creates ring `name`, starts the blocked consumer with
/// `spawn`; returns the peer and what wakes it.
pub fn idle_waker<T: Message>(
    name: &str,
    capacity: usize,
    spawn: impl FnOnce(&[String]) -> Peer,
) -> (Peer, Box<dyn FnOnce()>) {
    let ring = create::<T>(Kind::ShmipcBlocking, name, capacity);
    let mut tx = producer_of(&ring);
    let peer = spawn(&[name.to_string()]);
    (
        peer,
        Box::new(move || {
            tx.send(&T::new(0));
            drop(ring);
        }),
    )
}

/// Peer side of a throughput run: opens ring `name`, calls `ready`, produces `n` messages.
pub fn producer<T: Message>(kind: Kind, name: &str, n: u64, batched: bool, ready: impl FnOnce()) {
    let ring = open::<T>(kind, name);
    let mut tx = producer_of(&ring);
    ready();
    if kind == Kind::ShmipcInPlace {
        produce_in_place(&mut tx.0, n, batched);
    } else {
        produce(&mut tx, n, batched);
    }
}

/// Writes messages `0..n` straight into reserved slots (one, or up to [`BATCH`] at a time).
fn produce_in_place<T: Message>(p: &mut Producer<T>, n: u64, batched: bool) {
    let want = if batched { BATCH } else { 1 };
    let mut m = T::new(0);
    let mut next = 0;
    while next < n {
        let mut chunk = p
            .reserve(want.min((n - next) as usize))
            .unwrap_or_else(|e| panic!("reserve: {e}"));
        for i in 0..chunk.len() {
            m.set_seq(next + i as u64);
            // SAFETY: slot `i` is reserved (in bounds, aligned, given to this producer until the
            // commit); a raw pointer write makes no reference into shared memory.
            unsafe { chunk.as_mut_ptr(i).write(m) };
        }
        next += chunk.len() as u64;
        chunk.commit_all();
    }
}

/// Receives `n` messages in place (chunks of one, or up to [`BATCH`]), reading every byte of
/// each; timed like [`consume`].
fn consume_in_place<T: Message>(c: &mut Consumer<T>, n: u64, batched: bool) -> Rate {
    let want = if batched { BATCH } else { 1 };
    consume_by(n, |expected| {
        let chunk = c
            .read_chunk(want)
            .unwrap_or_else(|e| panic!("read_chunk: {e}"));
        for i in 0..chunk.len() {
            // SAFETY: no process writes a slot of the chunk while it lives: the only producer is
            // this benchmark's peer, which follows the protocol (it writes a slot again only
            // after this chunk releases it).
            let m = unsafe { chunk.slot(i) };
            assert_eq!(m.seq(), expected + i as u64, "message lost or out of order");
            black_box(sum_words(as_bytes(std::slice::from_ref(m))));
        }
        chunk.len() as u64
    })
}

/// The wrapping sum of the 8-byte words of `bytes`: reads every byte.
fn sum_words(bytes: &[u8]) -> u64 {
    bytes
        .chunks_exact(8)
        .map(|w| u64::from_ne_bytes(w.try_into().expect("8 bytes")))
        .fold(0, u64::wrapping_add)
}

/// Peer side of round trips: receives on ring `ping`, answers on ring `pong_name`, until the
/// stop message.
pub fn responder<T: Message>(kind: Kind, ping: &str, pong_name: &str, ready: impl FnOnce()) {
    let (a, b) = (open::<T>(kind, ping), open::<T>(kind, pong_name));
    let (mut rx, mut tx) = (consumer_of(&a), producer_of(&b));
    ready();
    pong(&mut rx, &mut tx);
}

/// Peer side of the idle measurement: opens ring `name` as a blocking consumer and hands
/// `measure` its blocking receive.
pub fn idle<T: Message>(name: &str, measure: fn(&mut dyn FnMut() -> T)) {
    let ring = open::<T>(Kind::ShmipcBlocking, name);
    let mut rx = consumer_of(&ring);
    measure(&mut || rx.recv());
}
