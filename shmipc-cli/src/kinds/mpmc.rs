//! Kind `mpmc-ring` (`MpmcRing<T>`): capacity, the claim positions and fill level, parked
//! waiters, the recovery counters, the attached processes, and the next positions from the head.

use serde_json::{Value, json};
use shmipc::ring::{MpmcProcess, MpmcSlotState, MpmcSnapshot};

use super::{
    Holder, KindReport, RingCounters, capacity_rows, holder_of, holder_text, lock_json, malformed,
    ring_json, value_size, whole_message,
};
use crate::look::Look;

/// What a process has open: `2 producers, 1 consumer`.
fn handles(p: &MpmcProcess) -> String {
    let plural = |n: u32, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(p.producers, "producer"),
        plural(p.consumers, "consumer")
    )
}

fn process_json(p: &MpmcProcess) -> Value {
    json!({
        "entry": p.entry,
        "epoch": p.epoch,
        "producers": p.producers,
        "consumers": p.consumers,
        "holder": lock_json(&p.holder),
    })
}

/// The role a process-table entry gives its holder, for `clean`'s reason.
fn role_of(p: &MpmcProcess) -> &'static str {
    match (p.producers, p.consumers) {
        (0, 0) => "process-table entry",
        (_, 0) => "producer entry",
        (0, _) => "consumer entry",
        _ => "producer and consumer entry",
    }
}

/// A position that holds no whole message: why, naming the claimant's process if known.
fn claim_text(state: MpmcSlotState, s: &MpmcSnapshot) -> String {
    let who = |entry: usize| {
        s.processes
            .iter()
            .find(|p| p.entry == entry)
            .map_or(format!("entry {entry} (no holder now)"), |p| {
                format!("entry {entry}, {}", holder_text(&p.holder))
            })
    };
    match state {
        MpmcSlotState::Writing(entry, _) => format!("being written by {}", who(entry)),
        MpmcSlotState::Reading(entry, _) => format!("being read by {}", who(entry)),
        MpmcSlotState::Skipped => "skipped: a dead producer abandoned it".to_owned(),
        MpmcSlotState::Free => "not written yet".to_owned(),
        MpmcSlotState::OtherLap(lap) => {
            format!("the slot is at lap {lap}: consumed or not reached")
        }
        MpmcSlotState::Full => "changed during the read".to_owned(),
    }
}

pub fn report(look: &Look, slots: u64) -> KindReport {
    let s = match MpmcSnapshot::read(&look.segment, &look.header) {
        Ok(s) => s,
        Err(why) => return malformed(why),
    };
    let fill = s.fill();
    let fill_text = match fill {
        Some(n) => format!("{n} of {}", s.capacity),
        None => format!(
            "corrupted: tail {} is not within a capacity ahead of head {}",
            s.tail, s.head
        ),
    };
    let mut rows = capacity_rows(s.capacity, s.stride, s.info_capacity);
    rows.extend([
        (
            "tail".to_owned(),
            format!("{} (positions claimed by producers)", s.tail),
        ),
        (
            "head".to_owned(),
            format!("{} (positions claimed by consumers)", s.head),
        ),
        ("fill".to_owned(), fill_text),
        (
            "parked".to_owned(),
            format!(
                "{} consumer(s) waiting for data, {} producer(s) waiting for room",
                s.consumers_parked, s.producers_parked
            ),
        ),
        (
            "recovered".to_owned(),
            format!(
                "{} write(s) skipped (a dead producer's), {} read(s) dropped (a dead consumer's)",
                s.skipped_writes, s.dropped_reads
            ),
        ),
        (
            "processes".to_owned(),
            format!("{} attached", s.processes.len()),
        ),
    ]);
    for p in &s.processes {
        rows.push((
            format!("  entry {}", p.entry),
            format!("{}: {}", holder_text(&p.holder), handles(p)),
        ));
    }
    let size = value_size(look);
    let mut values = Vec::new();
    for position in (0..fill.unwrap_or(0).min(slots)).map(|i| s.head.wrapping_add(i)) {
        let m = s.message(&look.segment, position, size);
        match m.value {
            Some(bytes) => values.push(whole_message(position, m.slot, bytes)),
            None => rows.push((format!("position {position}"), claim_text(m.state, &s))),
        }
    }
    let holders: Vec<Holder> = s
        .processes
        .iter()
        .filter_map(|p| holder_of(role_of(p), &p.holder))
        .collect();
    let state = ring_json(
        s.capacity,
        s.stride,
        s.tail,
        json!({
            "head": s.head,
            "fill": fill,
            "consumers_parked": s.consumers_parked,
            "producers_parked": s.producers_parked,
            "skipped_writes": s.skipped_writes,
            "dropped_reads": s.dropped_reads,
            "producers_seen": s.producers_seen,
            "consumers_seen": s.consumers_seen,
            "processes": s.processes.iter().map(process_json).collect::<Vec<_>>(),
        }),
    );
    KindReport {
        rows,
        json: state,
        holders,
        values,
        ring: Some(RingCounters {
            committed: s.tail,
            released: s.head,
            capacity: s.capacity,
            fill_is: "fill",
        }),
    }
}
