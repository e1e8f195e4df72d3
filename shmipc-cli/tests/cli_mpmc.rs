//! The tool against an MPMC ring made by the library: inspect (capacity, head and tail, fill,
//! attached processes, a slot a dead producer left claimed, the skipped count after recovery,
//! the next messages), watch, and clean (a live attached process keeps the ring).

mod support;

use std::time::Duration;

use serde_json::json;
use shmipc::{MpmcProducer, MpmcRing};
use shmipc_tests::guarded_name;
use support::{Helper, Probe, check_quiet_sample, exists, names_under, probe, shmipc_ok, shown};

#[test]
fn helper_process() {
    support::helper_main();
}

/// A ring `name` of `capacity` slots with a producer that pushed messages `0..n`.
fn filled(name: &str, capacity: usize, n: u64) -> (MpmcRing<Probe>, MpmcProducer<Probe>) {
    let ring = MpmcRing::<Probe>::create(name, capacity).expect("create");
    let mut producer = ring.producer().expect("producer");
    for i in 0..n {
        producer.try_push(probe(i)).expect("push");
    }
    (ring, producer)
}

/// The JSON of `shmipc inspect name --json --slots slots`.
fn inspect_json(name: &str, slots: &str) -> serde_json::Value {
    shmipc_ok(&["inspect", name, "--json", "--slots", slots]).json()
}

#[test]
fn inspect_shows_positions_fill_processes_and_the_next_messages() {
    let (name, _cleanup) = guarded_name("mpi");
    let (ring, _producer) = filled(&name, 8, 5);
    let mut consumer = ring.consumer().expect("consumer");
    for _ in 0..2 {
        consumer.try_pop().expect("pop");
    }
    let out = shown(
        &["inspect", &name, "--slots", "2"],
        &name,
        &[std::process::id()],
    );
    insta::assert_snapshot!("inspect_mpmc", out);

    let doc = inspect_json(&name, "10");
    let state = support::ring_state(&doc, "mpmc-ring", 8, 5);
    assert_eq!(state["head"], 2);
    assert_eq!(state["fill"], 3);
    assert_eq!(state["skipped_writes"], 0);
    assert_eq!(state["producers_seen"], true);
    let processes = state["processes"].as_array().expect("processes");
    assert_eq!(processes.len(), 1, "{doc:#}");
    assert_eq!(processes[0]["holder"]["pid"], std::process::id());
    assert_eq!(processes[0]["holder"]["alive"], true);
    assert_eq!(processes[0]["producers"], 1);
    assert_eq!(processes[0]["consumers"], 1);
    let values = doc["values"].as_array().expect("messages");
    let seqs: Vec<&serde_json::Value> = values.iter().map(|v| &v["fields"]["seq"]).collect();
    assert_eq!(
        seqs,
        [2, 3, 4],
        "the committed messages from the head, no more"
    );
    assert_eq!(values[0]["facts"]["index"], 2);

    // A producer killed between its claim and its publication: its slot names it.
    let writer = Helper::start("mpmc-die-writing", &name);
    let pid = writer.pid();
    drop(writer);
    let doc = inspect_json(&name, "10");
    let state = &doc["kind_state"];
    assert_eq!(state["tail"], 6);
    assert_eq!(doc["values"].as_array().map(Vec::len), Some(3));
    let dead = state["processes"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["holder"]["pid"] == pid))
        .expect("the dead producer's entry");
    assert_eq!(dead["holder"]["alive"], false);
    let run = shmipc_ok(&["inspect", &name, "--slots", "10"]);
    assert!(
        run.out.contains("position 5  being written by entry"),
        "{}",
        run.out
    );
    assert!(run.out.contains(&format!("pid {pid} (dead")), "{}", run.out);

    // A consumer meets the abandoned slot, proves its writer dead and skips it.
    for seq in 2..5 {
        assert_eq!(consumer.try_pop().map(|p| p.seq.get()), Ok(seq));
    }
    let _ = consumer.pop_timeout(Duration::from_millis(200));
    assert_eq!(
        ring.recovery().skipped_writes,
        1,
        "the library recovered the slot"
    );
    assert_eq!(inspect_json(&name, "0")["kind_state"]["skipped_writes"], 1);
}

#[test]
fn watch_shows_messages_per_second_and_fill() {
    let (name, _cleanup) = guarded_name("mpw");
    let (_ring, _producer) = filled(&name, 4, 3);
    let expected =
        json!({ "kind": "mpmc-ring", "capacity": 4, "committed": 3, "released": 0, "fill": 3 });
    check_quiet_sample(&name, expected);
}

#[test]
fn clean_keeps_a_ring_a_live_process_has_attached() {
    let (prefix, [held], _cleanup) = names_under("mpc", ["-h"]);
    Helper::run_and_die("create-mpmc", &held);
    let attached = Helper::start("mpmc-consume", &held);
    let doc = shmipc_ok(&["clean", "--json", "--prefix", &prefix]).json();
    let kept = &doc["kept"][0];
    assert_eq!(kept["name"], held.as_str(), "{doc:#}");
    let reason = kept["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains(&format!("pid {} holds its consumer entry", attached.pid())),
        "{doc:#}"
    );
    assert!(exists(&held));
    drop(attached); // killed: its entry is held by a dead process
    let doc = shmipc_ok(&["clean", "--json", "--prefix", &prefix]).json();
    assert_eq!(doc["removed"][0]["name"], held.as_str(), "{doc:#}");
    assert!(!exists(&held));
}
