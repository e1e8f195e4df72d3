//! Checks shared by the MPMC ring tests: what the consumers printed (`m SEQ` lines, see
//! `ring_peer/mpmc.rs`) against exactly-once delivery and per-producer order.

use std::collections::BTreeMap;

use super::Peer;

/// Producer `id`'s `n`-th message's sequence number.
pub fn seq(id: u64, n: u64) -> u64 {
    id << 32 | n
}

/// The sequence numbers in a consumer's output, in the order it received them.
pub fn received(lines: &[String]) -> Vec<u64> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("m "))
        .map(|s| s.parse().expect("m SEQ"))
        .collect()
}

/// The consumer's `end` line, e.g. `end disconnected skipped 0`.
pub fn end_line(lines: &[String]) -> Option<&str> {
    lines
        .iter()
        .rev()
        .find(|l| l.starts_with("end "))
        .map(String::as_str)
}

/// Checks that no message arrived twice (over all consumers) and that each consumer got each
/// producer's messages in order; returns, per producer, the message numbers delivered (sorted).
pub fn check_delivery(per_consumer: &[Vec<u64>]) -> BTreeMap<u64, Vec<u64>> {
    let mut all: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for (c, got) in per_consumer.iter().enumerate() {
        let mut last: BTreeMap<u64, u64> = BTreeMap::new();
        for &s in got {
            let (id, n) = (s >> 32, s & 0xffff_ffff);
            if let Some(&l) = last.get(&id) {
                assert!(n > l, "consumer {c}: producer {id}'s message {n} after {l}");
            }
            last.insert(id, n);
            all.entry(id).or_default().push(n);
        }
    }
    for (id, ns) in &mut all {
        ns.sort_unstable();
        let before = ns.len();
        ns.dedup();
        assert_eq!(
            ns.len(),
            before,
            "producer {id}: some message delivered twice"
        );
    }
    all
}

/// Waits for `peer`'s line `want` (within the peer deadline), failing if it ends first;
/// returns the lines before it.
pub fn expect_line(peer: &mut Peer, want: &str) -> Vec<String> {
    let mut before = Vec::new();
    loop {
        match peer.line(super::PEER_DEADLINE) {
            Some(l) if l == want => return before,
            Some(l) if l.starts_with("error") => panic!("peer failed: {l}"),
            Some(l) => before.push(l),
            None => panic!("peer ended or hung before printing {want:?}"),
        }
    }
}
