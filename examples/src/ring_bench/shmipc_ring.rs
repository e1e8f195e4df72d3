//! shmipc's `SpscRing` as a contender: spin mode ([`WaitStrategy::Spin`]) and blocking mode (the
//! default [`WaitStrategy::SpinThenPark`]), both through the blocking calls `push_ref`/`pop` and
//! `push_slice`/`pop_slice`.

use std::time::Duration;

use shmipc::{Consumer, Producer, SpscRing, WaitStrategy};

use super::channel::{Rate, Receiver, RoundTrips, Sender, consume, ping, pong, produce};
use super::kind::Kind;
use super::messages::Message;
use super::peer::Peer;

/// Whether this build has shmipc's ring.
pub const AVAILABLE: bool = true;

fn strategy(kind: Kind) -> WaitStrategy {
    match kind {
        Kind::Shmipc => WaitStrategy::Spin,
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
struct Tx<T: Message>(Producer<T>);

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
struct Rx<T: Message>(Consumer<T>);

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
    let rate = consume(&mut rx, n, batched);
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
    produce(&mut tx, n, batched);
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
