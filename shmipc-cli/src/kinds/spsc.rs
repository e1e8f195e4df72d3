//! Kind `spsc-ring` (`SpscRing<T>`): capacity, head and tail, fill level, parked peers, both
//! roles, and the next slots from the consumer's position.

use serde_json::{Value, json};
use shmipc::ring::{SideSnapshot, SpscSnapshot};

use super::{
    Holder, KindReport, RingCounters, Shown, capacity_rows, holder_of, holder_text, lock_json,
    malformed, ring_json, side_state_text, value_size,
};
use crate::look::Look;

fn side_json(side: &SideSnapshot) -> Value {
    json!({
        "index": side.index,
        "state": side_state_text(side.state),
        "peer_parked": side.peer_parked,
        "role": lock_json(&side.role),
    })
}

/// A side's row: its state, its role's holder, and whether it is parked (it announces itself in
/// the *other* side's wake cell) waiting for `what`.
fn side_row(name: &str, side: &SideSnapshot, parked: bool, what: &str) -> (String, String) {
    let parked = if parked {
        format!(", parked (waiting for {what})")
    } else {
        String::new()
    };
    (
        name.to_owned(),
        format!(
            "{}, role {}{parked}",
            side_state_text(side.state),
            holder_text(&side.role)
        ),
    )
}

pub fn report(look: &Look, slots: u64) -> KindReport {
    let s = match SpscSnapshot::read(&look.segment, &look.header) {
        Ok(s) => s,
        Err(why) => return malformed(why),
    };
    let (tail, head) = (s.producer.index, s.consumer.index);
    let fill = s.fill();
    let fill_text = match fill {
        Some(n) => format!(
            "{n} of {} ({:.0}%)",
            s.capacity,
            100.0 * n as f64 / s.capacity as f64
        ),
        None => format!("corrupted: tail {tail} is not within a capacity ahead of head {head}"),
    };
    let mut rows = capacity_rows(s.capacity, s.stride, s.info_capacity);
    rows.extend([
        (
            "tail".to_owned(),
            format!("{tail} (messages committed by producers)"),
        ),
        ("head".to_owned(), format!("{head} (messages released)")),
        ("fill".to_owned(), fill_text),
        side_row("producer", &s.producer, s.consumer.peer_parked, "space"),
        side_row("consumer", &s.consumer, s.producer.peer_parked, "data"),
    ]);
    let size = value_size(look);
    let shown = fill.unwrap_or(0).min(slots);
    let values = (0..shown)
        .filter_map(|i| {
            let index = head.wrapping_add(i);
            let stamp = s.stamp(&look.segment, index)?;
            let bytes = s.value(&look.segment, index, size)?;
            let slot = (index & (s.capacity - 1)) as usize;
            Some(Shown {
                label: format!(
                    "message {index} (slot {slot}{})",
                    if stamp == index.wrapping_add(1) {
                        ""
                    } else {
                        ", not committed yet"
                    }
                ),
                facts: json!({ "index": index, "slot": slot, "committed": stamp == index.wrapping_add(1) }),
                bytes,
            })
        })
        .collect();
    let holders: Vec<Holder> = holder_of("producer", &s.producer.role)
        .into_iter()
        .chain(holder_of("consumer", &s.consumer.role))
        .collect();
    KindReport {
        rows,
        json: ring_json(
            s.capacity,
            s.stride,
            tail,
            json!({
                "head": head,
                "fill": fill,
                "producer": side_json(&s.producer),
                "consumer": side_json(&s.consumer),
            }),
        ),
        holders,
        values,
        ring: Some(RingCounters {
            committed: tail,
            released: head,
            capacity: s.capacity,
            fill_is: "fill",
        }),
    }
}
