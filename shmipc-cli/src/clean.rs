//! `shmipc clean [--dry-run]`: removes the segments whose creator is proven dead (pid and start
//! time) and in which no live process holds a lock or role. Never one whose creator may live.

use serde_json::json;
use shmipc::{Error, Liveness, RawSegment};

use crate::escape::printable;
use crate::inspect::kind_text;
use crate::{Failure, kinds, look};

/// What to do with one segment.
enum Verdict {
    /// Remove it, for this reason.
    Remove(String),
    /// Keep it, for this reason.
    Keep(String),
}

fn judge(name: &str) -> Option<Verdict> {
    let l = match look::open(name) {
        Ok(l) => l,
        // Not a segment, or unreadable: not ours to clean.
        Err(_) => return creator_died_initializing(name),
    };
    let c = &l.header.creator;
    if let Some(ring) = kinds::broadcast::doorbell_of(&l)
        && kinds::broadcast::ring_exists(&ring)
    {
        return Some(Verdict::Keep(format!(
            "the doorbell of broadcast ring {ring}, which is still there: it goes with its ring"
        )));
    }
    if c.liveness() == Liveness::Alive {
        return Some(Verdict::Keep(format!(
            "its creator, pid {}, may still run",
            c.pid
        )));
    }
    let report = kinds::report(&l, 0);
    if let Some(h) = report.holders.iter().find(|h| h.alive) {
        return Some(Verdict::Keep(format!(
            "its creator (pid {}) is dead, but pid {} holds its {} and may still run",
            c.pid, h.pid, h.role
        )));
    }
    Some(Verdict::Remove(format!(
        "{}, creator pid {} dead, no live process holds it",
        kind_text(&l),
        c.pid
    )))
}

/// A segment whose creator died before publishing it (it never became ready).
fn creator_died_initializing(name: &str) -> Option<Verdict> {
    let options = shmipc::SegmentOptions::new()
        .read_only(true)
        .open_timeout(std::time::Duration::ZERO);
    match RawSegment::open_for_inspection(name, &options) {
        Err(Error::CreatorDied { pid, .. }) => Some(Verdict::Remove(format!(
            "never finished: creator pid {pid} died while initializing it"
        ))),
        _ => None,
    }
}

/// Removes (or with `dry_run` lists) the dead segments whose names start with `prefix`.
pub fn run(dry_run: bool, prefix: &str, json: bool) -> Result<(), Failure> {
    let mut removed = Vec::new();
    let mut kept = Vec::new();
    let mut failed = Vec::new();
    // Doorbells removed (or, with `dry_run`, listed) with their broadcast rings.
    let mut with_their_ring: Vec<String> = Vec::new();
    let prefix = if prefix.starts_with('/') {
        prefix.to_owned()
    } else {
        format!("/{prefix}")
    };
    for name in look::all_names()?
        .into_iter()
        .filter(|n| n.starts_with(&prefix))
    {
        if with_their_ring.contains(&name) {
            continue;
        }
        match judge(&name) {
            Some(Verdict::Remove(why)) => {
                let mut targets = vec![(name.clone(), why)];
                if let Some(bell) = kinds::broadcast::doorbell_with(&name) {
                    let why = format!("the doorbell of broadcast ring {name}, removed with it");
                    targets.push((bell.clone(), why));
                    with_their_ring.push(bell);
                }
                for (name, why) in targets {
                    let result = if dry_run {
                        Ok(())
                    } else {
                        RawSegment::unlink(&name)
                    };
                    match result {
                        Ok(()) => removed.push(json!({ "name": name, "reason": why })),
                        Err(e) => failed.push(json!({ "name": name, "reason": e.to_string() })),
                    }
                }
            }
            Some(Verdict::Keep(why)) => kept.push(json!({ "name": name, "reason": why })),
            None => {}
        }
    }
    if json {
        crate::print_json(&json!({
            "dry_run": dry_run,
            "removed": removed,
            "kept": kept,
            "failed": failed,
        }));
    } else {
        let verb = if dry_run { "would remove" } else { "removed" };
        for r in &removed {
            println!("{verb} {}: {}", text(&r["name"]), text(&r["reason"]));
        }
        for f in &failed {
            println!(
                "could not remove {}: {}",
                text(&f["name"]),
                text(&f["reason"])
            );
        }
        if removed.is_empty() && failed.is_empty() {
            println!("nothing to clean: no segment has a dead creator and no live holder");
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::error(format!(
            "{} segment(s) could not be removed: run as their owner or as root",
            failed.len()
        )))
    }
}

fn text(v: &serde_json::Value) -> String {
    printable(v.as_str().unwrap_or_default())
}
