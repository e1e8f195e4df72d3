//! Pieces the broadcast ring tests share: the `bcast_peer` helper, guarded names that also
//! cover the doorbell, and the subscriber's result line.

use shmipc_tests::{ShmCleanup, guarded_name};

use super::{Peer, field};

/// The helper process.
pub const BCAST_PEER: &str = env!("CARGO_BIN_EXE_bcast_peer");

/// A guarded name whose guard also removes the ring's doorbell (`<name>.b`).
pub fn bcast_name(tag: &str) -> (String, ShmCleanup) {
    let (name, mut cleanup) = guarded_name(tag);
    cleanup.add(format!("{name}.b"));
    (name, cleanup)
}

/// Starts `bcast_peer args…` and waits until it printed its `ready` line; returns the rest of
/// that line (a subscriber's start position).
pub fn start(args: &[&str]) -> (Peer, String) {
    start_with(args, |_| {})
}

/// The same, after `configure` adjusted the command.
pub fn start_with(
    args: &[&str],
    configure: impl FnOnce(&mut std::process::Command),
) -> (Peer, String) {
    let mut p = Peer::spawn_with(BCAST_PEER, args, configure);
    let mut before = Vec::new();
    loop {
        match p.line(std::time::Duration::from_secs(30)) {
            Some(l) if l == "ready" || l.starts_with("ready ") => {
                let rest = l.strip_prefix("ready").unwrap_or("").trim().to_owned();
                // Lines before `ready` (a read-only subscriber's `maps …`) are kept in front.
                before.push(rest);
                return (p, before.join("\n"));
            }
            Some(l) => before.push(l),
            None => panic!("peer {args:?} did not start; output: {before:?}"),
        }
    }
}

/// A subscriber's `result` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub delivered: u64,
    pub missed: u64,
    pub lags: u64,
    /// The first delivered sequence number.
    pub first: Option<u64>,
    /// Where it stood at the end (one past the last message delivered or counted missed).
    pub position: u64,
    pub disconnected: bool,
}

impl Outcome {
    /// A subscriber that received every message from `first` to `end - 1`, missed none, and was
    /// then told the publisher is gone.
    pub fn complete(first: u64, end: u64) -> Outcome {
        Outcome {
            delivered: end - first,
            missed: 0,
            lags: 0,
            first: (end > first).then_some(first),
            position: end,
            disconnected: true,
        }
    }
}

/// Waits for a subscriber to finish successfully and parses its `result` line.
pub fn outcome(peer: Peer) -> Outcome {
    let lines = peer.finish();
    let r = field(&lines, "result").unwrap_or_else(|| panic!("no result line: {lines:?}"));
    let words: Vec<&str> = r.split_whitespace().collect();
    let get = |key: &str| {
        let i = words
            .iter()
            .position(|w| *w == key)
            .unwrap_or_else(|| panic!("no {key} in {r}"));
        words[i + 1]
    };
    let num = |key: &str| get(key).parse::<u64>().unwrap();
    Outcome {
        delivered: num("delivered"),
        missed: num("missed"),
        lags: num("lags"),
        first: get("first").parse().ok(),
        position: num("position"),
        disconnected: get("end") == "disconnected",
    }
}
