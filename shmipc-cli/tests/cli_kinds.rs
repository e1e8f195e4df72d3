//! The tool against every segment kind in its interesting states: a mutex held by a live and by a
//! dead process, a seqlock with a value, an SPSC ring half full and with a dead consumer, watch,
//! and ring payloads that are not what their kind needs (the broadcast and MPMC rings in their
//! states: `cli_broadcast.rs`, `cli_mpmc.rs`).

mod support;

use shmipc::prelude::*;
use shmipc::{
    RawSegment, SegmentKind, SegmentOptions, SegmentSpec, SeqLock, SharedMutex, SpscRing,
};
use shmipc_tests::guarded_name;
use support::{Helper, Probe, probe, shmipc, shmipc_ok, shown, watch_samples};

#[test]
fn helper_process() {
    support::helper_main();
}

#[test]
fn a_mutex_held_by_a_live_process_then_by_a_dead_one() {
    let (name, _cleanup) = guarded_name("mtx");
    let mutex = SharedMutex::<Probe>::create(&name).expect("create");
    *mutex.lock().map_err(|_| "lock").expect("lock") = probe(5);

    let holder = Helper::start("lock", &name);
    let shown = shown(
        &["inspect", &name],
        &name,
        &[std::process::id(), holder.pid()],
    );
    insta::assert_snapshot!("inspect_mutex_held", shown);
    let doc = shmipc(&["inspect", &name, "--json"]).json();
    let lock = &doc["kind_state"]["lock"];
    assert_eq!(lock["held"], true);
    assert_eq!(lock["pid"], holder.pid());
    assert_eq!(lock["alive"], true);
    assert_eq!(doc["values"][0]["fields"]["seq"], 5);
    drop(holder); // killed: the lock stays held by a dead process

    let run = shmipc(&["inspect", &name]);
    assert!(
        run.out.contains("(dead: the next claimant takes it over)"),
        "{}",
        run.out
    );
    let doc = shmipc(&["inspect", &name, "--json"]).json();
    assert_eq!(doc["kind_state"]["lock"]["alive"], false);
    drop(mutex);
}

#[test]
fn a_seqlock_shows_its_sequence_writer_and_latest_value() {
    let (name, _cleanup) = guarded_name("seq");
    let mut lock = SeqLock::<Probe>::create(&name).expect("create");
    let run = shmipc(&["inspect", &name]);
    assert!(run.out.contains("0 (nothing written yet)"), "{}", run.out);
    lock.write(&probe(1)).expect("write");
    lock.write(&probe(2)).expect("write");
    let shown = shown(&["inspect", &name], &name, &[std::process::id()]);
    insta::assert_snapshot!("inspect_seqlock", shown);
    let doc = shmipc(&["inspect", &name, "--json"]).json();
    assert_eq!(doc["kind_state"]["sequence"], 2);
    assert_eq!(doc["kind_state"]["writer"]["pid"], std::process::id());
    assert_eq!(doc["values"][0]["facts"]["version"], 2);
    assert_eq!(doc["values"][0]["fields"]["seq"], 2);
    assert_eq!(doc["values"][0]["fields"]["temp_c"], 1.0);
}

#[test]
fn a_half_full_ring_shows_fill_roles_and_the_next_slots() {
    let (name, _cleanup) = guarded_name("rng");
    let ring = SpscRing::<Probe>::create(&name, 8).expect("create");
    let mut producer = ring.producer().expect("producer");
    for i in 0..6 {
        producer.try_push(probe(i)).expect("push");
    }
    let mut consumer = ring.consumer().expect("consumer");
    for _ in 0..2 {
        consumer.try_pop().expect("pop");
    }
    drop(consumer);
    let shown = shown(
        &["inspect", &name, "--slots", "2"],
        &name,
        &[std::process::id()],
    );
    insta::assert_snapshot!("inspect_ring_half_full", shown);
    let doc = shmipc(&["inspect", &name, "--json", "--slots", "3"]).json();
    let state = &doc["kind_state"];
    assert_eq!(state["capacity"], 8);
    assert_eq!(state["tail"], 6);
    assert_eq!(state["head"], 2);
    assert_eq!(state["fill"], 4);
    assert_eq!(state["producer"]["role"]["pid"], std::process::id());
    assert_eq!(state["consumer"]["state"], "closed");
    assert_eq!(state["consumer"]["role"]["held"], false);
    let values = doc["values"].as_array().expect("slots");
    assert_eq!(values.len(), 3);
    assert_eq!(values[0]["facts"]["index"], 2);
    assert_eq!(values[0]["facts"]["committed"], true);
    assert_eq!(values[2]["fields"]["seq"], 4);

    // A consumer that dies holding its role.
    let pid = Helper::run_and_die("consume", &name);
    let doc = shmipc(&["inspect", &name, "--json"]).json();
    assert_eq!(doc["kind_state"]["consumer"]["role"]["pid"], pid);
    assert_eq!(doc["kind_state"]["consumer"]["role"]["alive"], false);
    drop(producer);
}

#[test]
fn watch_samples_a_ring_and_refuses_other_kinds() {
    let (name, _cleanup) = guarded_name("wat");
    let ring = SpscRing::<Probe>::create(&name, 4).expect("create");
    ring.producer()
        .expect("producer")
        .try_push(probe(1))
        .expect("push");
    let samples = watch_samples(&name, 2);
    assert_eq!(samples[1]["fill"], 1);
    assert_eq!(samples[1]["capacity"], 4);
    assert_eq!(samples[1]["messages_per_second"], 0.0);
    let run = shmipc(&["watch", &name, "--count", "1", "--interval-ms", "20"]);
    assert!(run.out.contains("msgs/s"), "{}", run.out);

    let (value, _cleanup2) = guarded_name("wav");
    let _segment = shmipc::Segment::<Probe>::create(&value).expect("create");
    let run = shmipc(&["watch", &value, "--count", "1"]);
    assert_eq!(run.code, 3, "{}", run.err);
    assert!(run.err.contains("use `shmipc inspect"), "{}", run.err);
}

#[test]
fn a_malformed_ring_payload_is_reported_not_a_crash() {
    let says = "unreadable: a payload of 4096 bytes is not a whole";
    for kind in [SegmentKind::MpmcRing, SegmentKind::BroadcastRing] {
        let (name, _cleanup) = guarded_name("unk");
        let spec = SegmentSpec::new(kind, Probe::LAYOUT, 4096);
        let _segment = RawSegment::create(&name, &spec, &SegmentOptions::new()).expect("create");
        let run = shmipc_ok(&["inspect", &name]);
        assert!(run.out.contains(says), "{}", run.out);
        let doc = shmipc(&["inspect", &name, "--json"]).json();
        assert_eq!(doc["kind"], kind.as_str());
        assert_eq!(doc["kind_state"]["decoded"], false);
        let run = shmipc(&["watch", &name, "--count", "1"]);
        assert_eq!(run.code, 3);
    }
}
