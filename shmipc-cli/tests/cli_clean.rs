//! `shmipc clean`: removes a dead creator's segment, leaves a live creator's and one whose role
//! a live process holds, and `--dry-run` removes nothing.

mod support;

use shmipc::Segment;
use support::{Helper, Probe, exists, names_under, persisted, shmipc, shmipc_ok};

#[test]
fn helper_process() {
    support::helper_main();
}

#[test]
fn clean_removes_only_what_a_dead_creator_left_and_nobody_holds() {
    // Every name of this test shares a prefix, which `clean` is limited to: other tests and
    // programs on the machine keep their segments.
    let (prefix, [dead, live, held], _cleanup) = names_under("cln", ["-d", "-l", "-h"]);

    let creator = Helper::run_and_die("create", &dead);
    let _live = persisted::<Segment<Probe>>(&live);
    // A ring whose creator died while a live process holds its consumer role.
    Helper::run_and_die("create-ring", &held);
    let consumer = Helper::start("consume", &held);

    let run = shmipc_ok(&["clean", "--dry-run", "--prefix", &prefix]);
    assert!(
        run.out.contains(&format!(
            "would remove {dead}: value, creator pid {creator} dead"
        )),
        "{}",
        run.out
    );
    assert!(exists(&dead), "--dry-run removes nothing");

    let doc = shmipc(&["clean", "--json", "--prefix", &prefix]).json();
    assert_eq!(doc["dry_run"], false);
    let removed: Vec<&str> = doc["removed"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(removed, [dead.as_str()], "{doc:#}");
    assert!(!exists(&dead));
    assert!(exists(&live), "a live creator's segment stays");
    assert!(exists(&held), "a segment with a live role holder stays");
    let kept = doc["kept"].as_array().unwrap();
    assert!(kept.iter().any(|k| k["name"] == live.as_str()), "{doc:#}");
    let reason = kept
        .iter()
        .find(|k| k["name"] == held.as_str())
        .expect("kept")["reason"]
        .as_str();
    assert!(
        reason.is_some_and(|r| r.contains(&format!("pid {} holds its consumer", consumer.pid()))),
        "{doc:#}"
    );

    let run = shmipc(&["clean", "--prefix", &prefix]);
    assert!(run.out.contains("nothing to clean"), "{}", run.out);
    drop(consumer);
}
