//! shmipc's `SpscRing` as a contender. Placeholder until the ring is merged: the runner leaves
//! the shmipc rows out while [`AVAILABLE`] is false.

use super::kind::Kind;
use super::messages::Message;
use super::peer::Peer;

/// Whether this build has shmipc's ring.
pub const AVAILABLE: bool = false;

const MISSING: &str = "shmipc's ring is not in this build";

/// Measuring side of a throughput run: creates ring `name`, starts the peer with `spawn`,
/// consumes `n` messages; messages per second.
pub fn throughput<T: Message>(
    _kind: Kind,
    _name: &str,
    _capacity: usize,
    _n: u64,
    _batched: bool,
    _spawn: impl FnOnce(&[String]) -> Peer,
) -> f64 {
    unimplemented!("{MISSING}")
}

/// Measuring side of round trips: pings on ring `ping`, reads answers on ring `pong`.
pub fn round_trips<T: Message>(
    _kind: Kind,
    _ping: &str,
    _pong: &str,
    _capacity: usize,
    _n: u64,
    _spawn: impl FnOnce(&[String]) -> Peer,
) -> Vec<u32> {
    unimplemented!("{MISSING}")
}

/// Measuring side of the idle measurement: creates ring `name`, starts the blocked consumer with
/// `spawn`; returns the peer and what wakes it.
pub fn idle_waker<T: Message>(
    _name: &str,
    _capacity: usize,
    _spawn: impl FnOnce(&[String]) -> Peer,
) -> (Peer, Box<dyn FnOnce()>) {
    unimplemented!("{MISSING}")
}

/// Peer side of a throughput run: opens ring `name`, calls `ready`, produces `n` messages.
pub fn producer<T: Message>(
    _kind: Kind,
    _name: &str,
    _n: u64,
    _batched: bool,
    _ready: impl FnOnce(),
) {
    unimplemented!("{MISSING}")
}

/// Peer side of round trips: receives on ring `ping`, answers on ring `pong`.
pub fn responder<T: Message>(
    _kind: Kind,
    _ping: &str,
    _pong: &str,
    _n: u64,
    _ready: impl FnOnce(),
) {
    unimplemented!("{MISSING}")
}

/// Peer side of the idle measurement: opens ring `name` as a blocking consumer and hands
/// `measure` its blocking receive.
pub fn idle<T: Message>(_name: &str, _measure: fn(&mut dyn FnMut() -> T)) {
    unimplemented!("{MISSING}")
}
