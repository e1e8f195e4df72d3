//! Mutual exclusion across processes: 4 processes each increment a plain u64 under the lock.

use shmipc::SharedMutex;
use shmipc_schemas::Ping;
use shmipc_tests::{Peer, guarded_name};

const SYNC_PEER: &str = env!("CARGO_BIN_EXE_sync_peer");

#[test]
fn four_processes_increment_exactly() {
    const PER_PROCESS: u64 = 250_000;
    let (name, _cleanup) = guarded_name("mx");
    let m = SharedMutex::<Ping>::create(&name).unwrap();
    let n = PER_PROCESS.to_string();
    // Hold the lock while the peers start, so that all four contend from their first increment.
    let start = m.lock().unwrap();
    let peers: Vec<Peer> = (0..4)
        .map(|_| Peer::spawn_ready(SYNC_PEER, &["count", &name, &n]))
        .collect();
    drop(start);
    for p in peers {
        p.finish();
    }
    let g = m.lock().unwrap();
    assert_eq!(g.seq, 4 * PER_PROCESS);
    assert_eq!(m.holder(), Some(std::process::id()));
}
