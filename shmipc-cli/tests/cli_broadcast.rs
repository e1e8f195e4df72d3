//! The tool against a broadcast ring made by the library: inspect (capacity, tail, messages
//! held, publisher role, the doorbell's parked hint, the newest messages), the doorbell segment
//! in `list` and `inspect`, `watch`, and `clean` (a live publisher keeps the ring, the doorbell
//! goes only with its ring).

mod support;

use std::time::Duration;

use serde_json::json;
use shmipc::{BroadcastProducer, BroadcastRing};
use shmipc_tests::guarded_name;
use support::{
    Helper, Probe, check_quiet_sample, exists, names_under, probe, shmipc, shmipc_ok, shown,
};

#[test]
fn helper_process() {
    support::helper_main();
}

/// A ring `name` of `capacity` slots with its publisher, which published messages `0..n`.
fn published(
    name: &str,
    capacity: usize,
    n: u64,
) -> (BroadcastRing<Probe>, BroadcastProducer<Probe>) {
    let ring = BroadcastRing::<Probe>::create(name, capacity).expect("create");
    let mut publisher = ring.producer().expect("publisher");
    for i in 0..n {
        publisher.push(probe(i));
    }
    (ring, publisher)
}

/// The JSON of `shmipc inspect name --json` with more arguments.
fn inspect_json(name: &str, more: &[&str]) -> serde_json::Value {
    let mut args = vec!["inspect", name, "--json"];
    args.extend_from_slice(more);
    shmipc_ok(&args).json()
}

#[test]
fn inspect_shows_tail_held_messages_publisher_and_the_newest_messages() {
    let (name, _cleanup) = guarded_name("bci");
    let (_ring, publisher) = published(&name, 4, 6);
    let out = shown(
        &["inspect", &name, "--slots", "2"],
        &name,
        &[std::process::id()],
    );
    insta::assert_snapshot!("inspect_broadcast", out);

    let doc = inspect_json(&name, &["--slots", "3"]);
    let state = support::ring_state(&doc, "broadcast-ring", 4, 6);
    assert_eq!(state["held"], 4);
    assert_eq!(state["publisher"]["state"], "attached");
    assert_eq!(state["publisher"]["role"]["pid"], std::process::id());
    assert_eq!(state["publisher"]["role"]["alive"], true);
    assert_eq!(state["doorbell"]["name"], format!("{name}.b"));
    assert_eq!(state["doorbell"]["present"], true);
    assert_eq!(state["doorbell"]["parked"], false);
    let values = doc["values"].as_array().expect("messages");
    let seqs: Vec<&serde_json::Value> = values.iter().map(|v| &v["fields"]["seq"]).collect();
    assert_eq!(seqs, [3, 4, 5], "the newest three, oldest first");
    assert_eq!(values[2]["facts"]["index"], 5);
    assert_eq!(values[2]["facts"]["slot"], 1);
    assert_eq!(values[2]["facts"]["committed"], true);
    assert_eq!(values[2]["fields"]["temp_c"], 2.5);
    // More slots than the ring holds: only what it holds.
    let doc = inspect_json(&name, &["--slots", "100"]);
    assert_eq!(doc["values"].as_array().map(Vec::len), Some(4));

    drop(publisher);
    let doc = inspect_json(&name, &[]);
    assert_eq!(doc["kind_state"]["publisher"]["state"], "closed");
    assert_eq!(doc["kind_state"]["publisher"]["role"]["held"], false);

    // A publisher that dies holding its role.
    let pid = Helper::run_and_die("publish", &name);
    let doc = inspect_json(&name, &["--slots", "1"]);
    let role = &doc["kind_state"]["publisher"]["role"];
    assert_eq!(role["pid"], pid);
    assert_eq!(role["alive"], false);
    assert_eq!(doc["kind_state"]["tail"], 7);
    assert_eq!(doc["values"][0]["fields"]["seq"], 100);
}

#[test]
fn the_doorbell_shows_a_parked_subscriber_and_belongs_to_its_ring() {
    let (name, _cleanup) = guarded_name("bcd");
    let bell = format!("{name}.b");
    let (ring, mut publisher) = published(&name, 8, 0);
    let mut subscriber = ring.subscriber();
    let sleeper = std::thread::spawn(move || subscriber.pop_timeout(Duration::from_secs(60)));
    // Wait (no deadline: the thread's own timeout bounds it) until the subscriber announced it.
    while inspect_json(&name, &[])["kind_state"]["doorbell"]["parked"] != true {
        assert!(
            !sleeper.is_finished(),
            "the subscriber stopped before parking"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let doc = inspect_json(&bell, &[]);
    assert_eq!(doc["kind"], "broadcast-ring");
    assert_eq!(doc["doorbell_of"], name.as_str());
    assert_eq!(doc["kind_state"]["doorbell_of"], name.as_str());
    assert_eq!(doc["kind_state"]["ring_exists"], true);
    assert_eq!(doc["kind_state"]["parked"], true);
    let run = shmipc_ok(&["inspect", &bell]);
    assert!(
        run.out
            .contains("(a subscriber announced that it may sleep)"),
        "{}",
        run.out
    );

    publisher.push(probe(1));
    assert_eq!(
        sleeper.join().expect("subscriber").map(|p| p.seq.get()),
        Ok(1)
    );
    assert_eq!(inspect_json(&bell, &[])["kind_state"]["parked"], false);

    let run = shmipc_ok(&["list"]);
    let line = run.out.lines().find(|l| l.starts_with(&bell));
    assert!(
        line.is_some_and(|l| l.contains(&format!("doorbell of {name}"))),
        "{}",
        run.out
    );
    let doc = shmipc_ok(&["list", "--json"]).json();
    let entry = doc["segments"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == bell.as_str()))
        .expect("the doorbell is listed");
    assert_eq!(entry["doorbell_of"], name.as_str());
    let run = shmipc(&["watch", &bell, "--count", "1"]);
    assert_eq!(run.code, 3);
    assert!(
        run.err.contains(&format!("use `shmipc watch {name}`")),
        "{}",
        run.err
    );
    drop(publisher);
}

#[test]
fn watch_shows_messages_per_second_and_the_messages_held() {
    let (name, _cleanup) = guarded_name("bcw");
    let (_ring, _publisher) = published(&name, 4, 9);
    // `fill` is what the ring holds (full after a lap), `released` what it overwrote.
    let expected = json!({ "kind": "broadcast-ring", "capacity": 4, "committed": 9, "fill": 4, "released": 5 });
    check_quiet_sample(&name, expected);
    let run = shmipc_ok(&["watch", &name, "--count", "1", "--interval-ms", "20"]);
    assert!(run.out.contains("held"), "{}", run.out);
}

#[test]
fn clean_keeps_a_ring_with_a_live_publisher_and_removes_the_doorbell_only_with_its_ring() {
    let (prefix, [ring, bell, orphan, orphan_bell], _cleanup) =
        names_under("bcc", ["-r", "-r.b", "-o", "-o.b"]);

    Helper::run_and_die("create-broadcast", &ring);
    let publisher = Helper::start("publish", &ring);
    // A doorbell whose ring is gone (its dead creator's ring name was removed alone).
    Helper::run_and_die("create-broadcast", &orphan);
    shmipc_ok(&["unlink", &orphan]);

    let doc = shmipc_ok(&["clean", "--json", "--prefix", &prefix]).json();
    let names = |key: &str| -> Vec<&str> {
        doc[key]
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect()
    };
    assert_eq!(names("removed"), [orphan_bell.as_str()], "{doc:#}");
    assert_eq!(names("kept"), [ring.as_str(), bell.as_str()], "{doc:#}");
    let reason = doc["kept"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains(&format!("pid {} holds its publisher", publisher.pid())),
        "{doc:#}"
    );
    let reason = doc["kept"][1]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("it goes with its ring"), "{doc:#}");
    assert!(exists(&ring) && exists(&bell));

    drop(publisher); // killed: its role is held by a dead process
    let run = shmipc_ok(&["clean", "--dry-run", "--prefix", &prefix]);
    assert!(
        run.out
            .contains(&format!("would remove {ring}: broadcast-ring")),
        "{}",
        run.out
    );
    assert!(
        run.out.contains(&format!(
            "would remove {bell}: the doorbell of broadcast ring {ring}"
        )),
        "{}",
        run.out
    );
    assert!(exists(&ring) && exists(&bell), "--dry-run removes nothing");
    let doc = shmipc_ok(&["clean", "--json", "--prefix", &prefix]).json();
    assert_eq!(doc["removed"].as_array().map(Vec::len), Some(2), "{doc:#}");
    assert!(!exists(&ring) && !exists(&bell));
}
