//! Kind `broadcast-ring` (`BroadcastRing<T>`): capacity, the publisher's tail, state and role,
//! the messages held, the doorbell's parked hint, and the newest messages; and the doorbell
//! segment `<ring>.b` itself, which has the same kind code.

use serde_json::{Value, json};
use shmipc::ring::{
    BroadcastSnapshot, DoorbellSnapshot, StampState, broadcast_doorbell_name,
    broadcast_ring_of_doorbell, is_broadcast_doorbell,
};

use super::{
    KindReport, RingCounters, capacity_rows, holder_of, holder_text, lock_json, malformed,
    ring_json, side_state_text, value_size, whole_message,
};
use crate::look::{self, Look};

/// The ring's doorbell: its name, and its parked hint if it could be read.
fn doorbell(ring: &str) -> (String, Result<DoorbellSnapshot, String>) {
    let name = broadcast_doorbell_name(ring);
    let snapshot = look::open(&name)
        .map_err(|f| f.message)
        .and_then(|l| DoorbellSnapshot::read(&l.segment, &l.header));
    (name, snapshot)
}

pub fn report(look: &Look, slots: u64) -> KindReport {
    if is_broadcast_doorbell(&look.header) {
        return doorbell_report(look);
    }
    let s = match BroadcastSnapshot::read(&look.segment, &look.header) {
        Ok(s) => s,
        Err(why) => return malformed(why),
    };
    let tail = s.publisher.index;
    let held = s.held();
    let (bell_name, bell) = doorbell(look.segment.name());
    let parked_text = match &bell {
        Ok(b) if b.parked != 0 => "a subscriber announced that it may sleep".to_owned(),
        Ok(_) => "nobody announced sleeping since the last wake-up".to_owned(),
        Err(why) => format!("unreadable ({why}): subscribers poll instead of sleeping"),
    };
    let mut rows = capacity_rows(s.capacity, s.stride, s.info_capacity);
    rows.extend([
        ("tail".to_owned(), format!("{tail} (messages published)")),
        (
            "held".to_owned(),
            format!(
                "{held} of {} (the newest messages, readable by any subscriber; {} overwritten)",
                s.capacity,
                tail - held
            ),
        ),
        (
            "publisher".to_owned(),
            format!(
                "{}, role {}",
                side_state_text(s.publisher.state),
                holder_text(&s.publisher.role)
            ),
        ),
        ("doorbell".to_owned(), format!("{bell_name}: {parked_text}")),
        (
            "wake".to_owned(),
            format!("value {} (bumped at each wake-up)", s.wake_value),
        ),
    ]);
    let size = value_size(look);
    let shown = held.min(slots);
    let mut values = Vec::new();
    for index in tail - shown..tail {
        let m = s.message(&look.segment, index, size);
        match m.value {
            Some(bytes) => values.push(whole_message(index, m.slot, bytes)),
            None => rows.push((
                format!("message {index}"),
                match m.stamp {
                    StampState::Writing(j) if j == index => "being written".to_owned(),
                    StampState::Committed(j) | StampState::Writing(j) if j > index => {
                        format!("overwritten by message {j} meanwhile")
                    }
                    _ => "not shown: its slot's stamp does not say it is whole".to_owned(),
                },
            )),
        }
    }
    let state = ring_json(
        s.capacity,
        s.stride,
        tail,
        json!({
            "held": held,
            "publisher": {
                "index": tail,
                "state": side_state_text(s.publisher.state),
                "role": lock_json(&s.publisher.role),
            },
            "wake_value": s.wake_value,
            "doorbell": doorbell_json(&bell_name, &bell),
        }),
    );
    KindReport {
        rows,
        json: state,
        holders: holder_of("publisher", &s.publisher.role)
            .into_iter()
            .collect(),
        values,
        ring: Some(RingCounters {
            committed: tail,
            released: tail - held,
            capacity: s.capacity,
            fill_is: "held",
        }),
    }
}

fn doorbell_json(name: &str, bell: &Result<DoorbellSnapshot, String>) -> Value {
    match bell {
        Ok(b) => json!({ "name": name, "present": true, "parked": b.parked != 0 }),
        Err(why) => json!({ "name": name, "present": false, "parked": null, "note": why }),
    }
}

/// The doorbell segment itself: its ring, whether that ring is there, and the parked hint.
fn doorbell_report(look: &Look) -> KindReport {
    let name = look.segment.name();
    let ring = broadcast_ring_of_doorbell(name).map(str::to_owned);
    let ring_there = ring.as_deref().is_some_and(ring_exists);
    let parked = DoorbellSnapshot::read(&look.segment, &look.header).map(|b| b.parked != 0);
    let ring_text = match (&ring, ring_there) {
        (Some(r), true) => format!("{r} (present)"),
        (Some(r), false) => format!("{r} (gone: this doorbell is left over)"),
        (None, _) => "none: the name does not end in `.b`".to_owned(),
    };
    KindReport {
        rows: vec![
            ("doorbell of".to_owned(), ring_text),
            (
                "parked".to_owned(),
                match &parked {
                    Ok(true) => "1 (a subscriber announced that it may sleep)".to_owned(),
                    Ok(false) => "0 (nobody announced sleeping since the last wake-up)".to_owned(),
                    Err(why) => format!("unreadable: {why}"),
                },
            ),
        ],
        json: json!({
            "decoded": true,
            "doorbell_of": ring,
            "ring_exists": ring_there,
            "parked": parked.ok(),
        }),
        ..KindReport::default()
    }
}

/// Whether `ring` names a broadcast ring (not a doorbell, not another kind).
pub fn ring_exists(ring: &str) -> bool {
    look::open(ring).is_ok_and(|l| {
        l.header.kind() == Some(shmipc::SegmentKind::BroadcastRing)
            && !is_broadcast_doorbell(&l.header)
    })
}

/// The ring a doorbell segment belongs to, if `look` is one.
pub fn doorbell_of(look: &Look) -> Option<String> {
    is_broadcast_doorbell(&look.header)
        .then(|| broadcast_ring_of_doorbell(look.segment.name()).map(str::to_owned))
        .flatten()
}

/// The doorbell of `ring`, if `ring` is a broadcast ring and its doorbell is there.
pub fn doorbell_with(ring: &str) -> Option<String> {
    let bell = broadcast_doorbell_name(ring);
    let is_bell = look::open(&bell).is_ok_and(|l| is_broadcast_doorbell(&l.header));
    (is_bell && ring_exists(ring)).then_some(bell)
}
