//! Kind-specific state, one module per segment kind behind one dispatch ([`report`]): adding a
//! kind is adding a file and a line in the `match`. A kind this tool does not know yet is
//! reported as such, never a crash. Every module only reads (snapshot functions of the library).

pub mod broadcast;
mod mpmc;
mod mutex;
mod seqlock;
mod spsc;
mod value;

use serde_json::{Value, json};
use shmipc::SegmentKind;
use shmipc::sync::{LockSnapshot, RoleHolder};

use crate::look::Look;

/// What the kinds this tool does not decode say.
pub const NOT_DECODED: &str = "kind-specific state not yet decoded by this tool";

/// A process that holds a lock or role in a segment.
pub struct Holder {
    /// The role (`lock`, `writer`, `producer`, `consumer`, `publisher`).
    pub role: &'static str,
    /// Its pid.
    pub pid: u32,
    /// Whether it runs (dead only when proven).
    pub alive: bool,
}

/// A value stored in the segment, to decode field by field.
pub struct Shown {
    /// What it is (`value`, `message 7 (slot 3)`).
    pub label: String,
    /// Facts about it beside the fields, for JSON (`{"index": 7, "committed": true}`).
    pub facts: Value,
    /// One value's bytes.
    pub bytes: Vec<u8>,
}

/// A ring's counters, for `watch`.
#[derive(Clone, Copy)]
pub struct RingCounters {
    /// Messages committed so far.
    pub committed: u64,
    /// Messages released by the consumer so far.
    pub released: u64,
    /// Slots.
    pub capacity: u64,
    /// What `committed − released` counts, as `watch`'s column header: `fill` (committed, not
    /// yet released) or, for a broadcast ring, `held` (the newest messages, still readable).
    pub fill_is: &'static str,
}

/// A kind's state.
#[derive(Default)]
pub struct KindReport {
    /// `key value` lines for the text output.
    pub rows: Vec<(String, String)>,
    /// The same as a JSON object.
    pub json: Value,
    /// Who holds a lock or role.
    pub holders: Vec<Holder>,
    /// The value, or the next ring slots.
    pub values: Vec<Shown>,
    /// A ring's counters.
    pub ring: Option<RingCounters>,
}

/// The state of the segment `look`, with up to `slots` ring slots.
pub fn report(look: &Look, slots: u64) -> KindReport {
    match look.header.kind() {
        Some(SegmentKind::Value) => value::report(look),
        Some(SegmentKind::Mutex) => mutex::report(look),
        Some(SegmentKind::SeqLock) => seqlock::report(look),
        Some(SegmentKind::SpscRing) => spsc::report(look, slots),
        Some(SegmentKind::BroadcastRing) => broadcast::report(look, slots),
        Some(SegmentKind::MpmcRing) => mpmc::report(look, slots),
        _ => KindReport {
            rows: vec![("state".to_owned(), NOT_DECODED.to_owned())],
            json: json!({ "decoded": false, "note": NOT_DECODED }),
            ..KindReport::default()
        },
    }
}

/// A report for a payload that is not what its kind needs.
fn malformed(why: String) -> KindReport {
    KindReport {
        rows: vec![("state".to_owned(), format!("unreadable: {why}"))],
        json: json!({ "decoded": false, "note": why }),
        ..KindReport::default()
    }
}

/// A lock's or role's holder as text: `free`, `pid 12 (alive)`, `pid 12 (dead: …)`.
fn holder_text(s: &LockSnapshot) -> String {
    match s.holder {
        RoleHolder::None => "free".to_owned(),
        RoleHolder::Alive(pid) => format!("pid {pid} (alive)"),
        RoleHolder::Dead(pid) => format!("pid {pid} (dead: the next claimant takes it over)"),
    }
}

/// A lock's or role's words as JSON.
fn lock_json(s: &LockSnapshot) -> Value {
    let (pid, alive) = match s.holder {
        RoleHolder::None => (None, None),
        RoleHolder::Alive(pid) => (Some(pid), Some(true)),
        RoleHolder::Dead(pid) => (Some(pid), Some(false)),
    };
    json!({
        "held": pid.is_some(),
        "pid": pid,
        "alive": alive,
        "start_time": s.start_time,
        "pid_ns": s.pid_ns,
        "inconsistent": s.inconsistent,
        "waiters": s.waiters,
        "corrupted": s.corrupted,
        "word": s.word,
    })
}

/// The holder of `s` in `role`, if any.
fn holder_of(role: &'static str, s: &LockSnapshot) -> Option<Holder> {
    match s.holder {
        RoleHolder::None => None,
        RoleHolder::Alive(pid) => Some(Holder {
            role,
            pid,
            alive: true,
        }),
        RoleHolder::Dead(pid) => Some(Holder {
            role,
            pid,
            alive: false,
        }),
    }
}

/// The payload bytes `offset .. offset + len`, if they lie inside it.
fn bytes_at(look: &Look, offset: usize, len: u64) -> Option<Vec<u8>> {
    // Checked before allocating: the length comes from a header another process wrote.
    let len = usize::try_from(len)
        .ok()
        .filter(|&n| n <= look.segment.payload_len())?;
    let mut bytes = vec![0u8; len];
    look.segment
        .read_payload(offset, &mut bytes)
        .then_some(bytes)
}

/// A ring side's state word as text.
fn side_state_text(state: u32) -> &'static str {
    match state {
        0 => "never attached",
        1 => "attached",
        2 => "closed",
        _ => "corrupted state word",
    }
}

/// A ring's first row (its capacity), and a row about the info block if the capacity the
/// creator recorded there is not the one the header's payload size gives.
fn capacity_rows(capacity: u64, stride: usize, info_capacity: u64) -> Vec<(String, String)> {
    let mut rows = vec![(
        "capacity".to_owned(),
        format!("{capacity} slots of {stride} bytes"),
    )];
    if info_capacity != capacity {
        rows.push((
            "info".to_owned(),
            format!(
                "the info block says capacity {info_capacity}, the header's payload size \
                 {capacity}"
            ),
        ));
    }
    rows
}

/// The size of one value of the segment's layout (saturated: reads are bounds-checked).
fn value_size(look: &Look) -> usize {
    usize::try_from(look.header.layout.size).unwrap_or(usize::MAX)
}

/// A decoded ring's `kind_state`: `decoded`, `capacity`, `stride` and `tail`, then `more`'s keys.
fn ring_json(capacity: u64, stride: usize, tail: u64, more: Value) -> Value {
    let mut state =
        json!({ "decoded": true, "capacity": capacity, "stride": stride, "tail": tail });
    if let (Value::Object(m), Value::Object(more)) = (&mut state, more) {
        m.extend(more);
    }
    state
}

/// A ring message read whole: message (or position) `index` in `slot`.
fn whole_message(index: u64, slot: usize, bytes: Vec<u8>) -> Shown {
    Shown {
        label: format!("message {index} (slot {slot})"),
        facts: json!({ "index": index, "slot": slot, "committed": true }),
        bytes,
    }
}
