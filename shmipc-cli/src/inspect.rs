//! `shmipc inspect NAME`: header, layout table, kind state, what an opener would refuse, and the
//! value or the next ring slots decoded field by field.

use std::fmt::Write;

use serde_json::{Value, json};
use shmipc::LayoutDescription;

use crate::escape::{printable, printable_header};
use crate::look::{self, Look, liveness};
use crate::{Failure, kinds, value};

/// Prints segment `name`.
pub fn run(name: &str, slots: u64, json: bool) -> Result<(), Failure> {
    let look = look::open(name)?;
    let report = kinds::report(&look, slots);
    if json {
        crate::print_json(&to_json(&look, &report));
    } else {
        print!("{}", describe(&look, &report));
    }
    Ok(())
}

/// The segment's kind as text (`value`, `unknown (9)`).
pub fn kind_text(look: &Look) -> String {
    look.header.kind().map_or_else(
        || format!("unknown ({})", look.header.kind_code),
        |k| k.as_str().to_owned(),
    )
}

/// The state word as text.
fn state_text(state: u32) -> &'static str {
    match state {
        0 => "empty",
        1 => "initializing",
        2 => "ready",
        _ => "invalid",
    }
}

/// The layout as a table with column headers, names escaped.
pub fn layout_table(layout: &LayoutDescription, indent: &str) -> String {
    let mut out = format!("{indent}offset  size  align  field: type\n");
    for f in &layout.fields {
        let _ = writeln!(
            out,
            "{indent}{:>6}  {:>4}  {:>5}  {}: {}",
            f.offset,
            f.size,
            f.align,
            printable(&f.name),
            printable(&f.ty)
        );
    }
    out
}

fn describe(look: &Look, report: &kinds::KindReport) -> String {
    let h = printable_header(look.header.clone());
    let refusals = look.refusals();
    let mut out = String::new();
    let rows: Vec<(&str, String)> = vec![
        ("segment", printable(look.segment.name())),
        ("kind", kind_text(look)),
        (
            "type",
            format!(
                "{} v{} (fingerprint {:016x})",
                h.layout.name, h.layout.version, h.layout.fingerprint
            ),
        ),
        ("format", format!("{}.{}", h.format.0, h.format.1)),
        ("state", state_text(h.state).to_owned()),
        (
            "order",
            format!(
                "creator {}-endian, layout endian={}",
                h.byte_order, h.layout.endian
            ),
        ),
        (
            "payload",
            format!(
                "{} bytes at offset {}, align {} ({} bytes mapped)",
                h.payload_size, h.header_len, h.payload_align, h.total_size
            ),
        ),
        (
            "creator",
            format!(
                "pid {} ({}), start time {}",
                h.creator.pid,
                liveness(&h.creator),
                h.creator.start_time
            ),
        ),
        (
            "file",
            format!("mode {:04o}, owner uid {}", look.mode, look.uid),
        ),
        (
            "opener",
            if refusals.is_empty() {
                "an opener with default options accepts it".to_owned()
            } else {
                format!(
                    "an opener with default options refuses it: {}",
                    refusals.join("; ")
                )
            },
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(out, "{k:<9} {v}");
    }
    let _ = writeln!(
        out,
        "\nlayout    {} v{} endian={} size={} align={}",
        h.layout.name, h.layout.version, h.layout.endian, h.layout.size, h.layout.align
    );
    out.push_str(&layout_table(&h.layout, "  "));
    if !report.rows.is_empty() {
        let _ = writeln!(out, "\n{} state", kind_text(look));
    }
    let w = report.rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in &report.rows {
        let _ = writeln!(out, "  {k:<w$}  {v}");
    }
    for shown in &report.values {
        let fields = value::decode(&look.header.layout, &shown.bytes, look.header.byte_order);
        let _ = writeln!(out, "\n{}", shown.label);
        out.push_str(&value::to_text(&fields, "  "));
    }
    out
}

/// The layout as JSON.
pub fn layout_json(l: &LayoutDescription) -> Value {
    json!({
        "name": l.name,
        "version": l.version,
        "endian": l.endian.as_str(),
        "size": l.size,
        "align": l.align,
        "fingerprint": format!("{:016x}", l.fingerprint),
        "fields": l.fields.iter().map(|f| json!({
            "name": f.name,
            "offset": f.offset,
            "size": f.size,
            "align": f.align,
            "type": f.ty,
        })).collect::<Vec<_>>(),
    })
}

/// The header facts `list` and `inspect` share, as JSON.
pub fn summary_json(look: &Look) -> Value {
    let h = &look.header;
    let mut v = json!({
        "name": look.segment.name(),
        "kind": h.kind().map(|k| k.as_str()),
        "kind_code": h.kind_code,
        "type": h.layout.name,
        "version": h.layout.version,
        "fingerprint": format!("{:016x}", h.layout.fingerprint),
        "payload_size": h.payload_size,
        "creator": {
            "pid": h.creator.pid,
            "alive": liveness(&h.creator) == "alive",
            "start_time": h.creator.start_time,
        },
        "mode": format!("{:04o}", look.mode),
        "uid": look.uid,
    });
    if let Some(ring) = kinds::broadcast::doorbell_of(look) {
        v["doorbell_of"] = json!(ring);
    }
    v
}

fn to_json(look: &Look, report: &kinds::KindReport) -> Value {
    let h = &look.header;
    let mut v = summary_json(look);
    let extra = json!({
        "format": format!("{}.{}", h.format.0, h.format.1),
        "state": state_text(h.state),
        "byte_order": h.byte_order.as_str(),
        "header_len": h.header_len,
        "payload_align": h.payload_align,
        "total_size": h.total_size,
        "opener_refuses": look.refusals(),
        "layout": layout_json(&h.layout),
        "kind_state": report.json,
        "values": report.values.iter().map(|s| json!({
            "label": s.label,
            "facts": s.facts,
            "fields": value::to_json(&value::decode(&h.layout, &s.bytes, h.byte_order)),
        })).collect::<Vec<_>>(),
    });
    if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
        m.extend(e);
    }
    v
}
