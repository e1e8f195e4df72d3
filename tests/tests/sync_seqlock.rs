//! SeqLock across processes: a writer publishes frames whose `sensor_id` is a checksum of the
//! other fields; readers check every copy. A writer killed mid-write leaves readers the last
//! complete value, and the next writer takes over.

use std::time::Duration;

use shmipc::{SeqLock, SeqLockError, WriterState};
use shmipc_schemas::SensorFrame;
use shmipc_tests::sync_frames::{checksum, frame};
use shmipc_tests::{Peer, Rng, guarded_name};

const SYNC_PEER: &str = env!("CARGO_BIN_EXE_sync_peer");

#[test]
fn readers_never_see_a_torn_frame() {
    let (name, _cleanup) = guarded_name("st");
    let s = SeqLock::<SensorFrame>::create(&name).unwrap();
    assert_eq!(s.read(), Err(SeqLockError::Empty));
    let writer = Peer::spawn_ready(SYNC_PEER, &["seq-write", &name, "0"]);
    let readers: Vec<Peer> = (0..2)
        .map(|_| Peer::spawn_ready(SYNC_PEER, &["seq-read", &name, "1000000"]))
        .collect();
    for r in readers {
        let out = r.finish();
        let distinct: u64 = out.trim().trim_start_matches("distinct ").parse().unwrap();
        // The writer ran all along, so readers saw it progress (not one stale value).
        assert!(distinct > 1, "reader saw {distinct} distinct values");
    }
    drop(writer);
    let f = s.read().unwrap();
    assert_eq!(checksum(&f), f.sensor_id.get());
}

#[test]
fn writer_killed_mid_write_leaves_last_complete_value() {
    let (name, _cleanup) = guarded_name("sk");
    let reader = SeqLock::<SensorFrame>::create(&name).unwrap();
    let mut rng = Rng::from_env_or_time();
    for round in 0..20 {
        let mut writer = Peer::spawn_ready(SYNC_PEER, &["seq-write", &name, "0"]);
        let pid = writer.pid();
        writer.kill_after(Duration::from_micros(rng.below(3_000)));
        let before = reader.version();
        // At once, without spinning on a half-written value: the last complete frame.
        let f = reader.read_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(checksum(&f), f.sensor_id.get(), "round {round}: torn");
        assert_eq!(reader.version(), before, "round {round}: nobody writes now");
        assert_eq!(reader.writer_state(), WriterState::Dead(pid));
        // A new writer takes the dead one's role over and repairs both slots.
        let mut next = SeqLock::<SensorFrame>::open(&name).unwrap();
        next.write(&frame(7)).unwrap();
        assert_eq!(reader.read().unwrap(), frame(7));
    }
}

#[test]
fn a_second_live_writer_is_refused() {
    let (name, _cleanup) = guarded_name("s2");
    let mut mine = SeqLock::<SensorFrame>::create(&name).unwrap();
    let writer = Peer::spawn_ready(SYNC_PEER, &["seq-write", &name, "0"]);
    assert_eq!(
        mine.write(&frame(1)),
        Err(SeqLockError::WriterBusy { pid: writer.pid() })
    );
}
