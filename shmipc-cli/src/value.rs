//! A value's bytes decoded field by field from the layout a segment header records: numbers in
//! their declared byte order, arrays element by element, nested layouts (whose tables a header
//! does not carry) as bytes.

use serde_json::{Value, json};
use shmipc::layout::CanonicalType;
use shmipc::{Endian, LayoutDescription, Primitive};

use crate::escape::printable;

/// The most array elements shown; the rest is counted.
const MAX_ELEMS: u64 = 32;

/// One decoded field.
pub struct Decoded {
    /// The field's name (escaped).
    pub name: String,
    /// Its canonical type (escaped).
    pub ty: String,
    /// The value as text.
    pub text: String,
    /// The value as JSON.
    pub json: Value,
}

/// Decodes `bytes` (one value of `layout`, written by a process of byte order `creator`).
/// Fields that do not lie inside `bytes` are reported as such.
pub fn decode(layout: &LayoutDescription, bytes: &[u8], creator: Endian) -> Vec<Decoded> {
    layout
        .fields
        .iter()
        .map(|f| {
            let range = usize::try_from(f.offset)
                .ok()
                .zip(usize::try_from(f.size).ok())
                .and_then(|(at, n)| bytes.get(at..at.checked_add(n)?));
            let (text, json) = match range {
                None => ("(outside the value)".to_owned(), Value::Null),
                Some(b) => field(CanonicalType::parse(&f.ty).as_ref(), b, creator),
            };
            Decoded {
                name: printable(&f.name),
                ty: printable(&f.ty),
                text,
                json,
            }
        })
        .collect()
}

/// The decoded fields as one JSON object, by name.
pub fn to_json(fields: &[Decoded]) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|d| (d.name.clone(), d.json.clone()))
            .collect(),
    )
}

/// The fields as aligned `name  type  value` lines, indented by `indent`.
pub fn to_text(fields: &[Decoded], indent: &str) -> String {
    let wn = fields.iter().map(|d| d.name.len()).max().unwrap_or(0);
    let wt = fields.iter().map(|d| d.ty.len()).max().unwrap_or(0);
    fields
        .iter()
        .map(|d| format!("{indent}{:<wn$}  {:<wt$}  {}\n", d.name, d.ty, d.text))
        .collect()
}

fn field(ty: Option<&CanonicalType>, bytes: &[u8], creator: Endian) -> (String, Value) {
    match ty {
        Some(CanonicalType::Primitive(p)) => primitive(*p, bytes, creator),
        Some(CanonicalType::Array { elem, len }) => array(elem, *len, bytes, creator),
        Some(CanonicalType::Tag {
            storage, variants, ..
        }) => tag(*storage, variants, bytes, creator),
        Some(CanonicalType::Struct { name, .. }) => (
            format!(
                "{} (nested {}, shown as bytes)",
                hex(bytes),
                printable(name)
            ),
            json!(hex(bytes)),
        ),
        None => (format!("{} (unknown type)", hex(bytes)), json!(hex(bytes))),
    }
}

fn primitive(p: Primitive, bytes: &[u8], creator: Endian) -> (String, Value) {
    let text = p.decode_text(bytes, creator).unwrap_or_else(|| hex(bytes));
    let json = serde_json::from_str::<serde_json::Number>(&text)
        .map(Value::Number)
        .unwrap_or_else(|_| Value::String(text.clone()));
    (text, json)
}

/// A checked enum: the variant's name and its value, or the raw value that names no variant
/// (which a reader's `get()` refuses).
fn tag(
    storage: Primitive,
    variants: &[(String, u64)],
    bytes: &[u8],
    creator: Endian,
) -> (String, Value) {
    let raw = storage
        .decode_text(bytes, creator)
        .unwrap_or_else(|| hex(bytes));
    match variants.iter().find(|(_, v)| v.to_string() == raw) {
        Some((name, _)) => (format!("{} ({raw})", printable(name)), json!(name)),
        None => (
            format!("{raw} (no variant has this value: invalid)"),
            json!({ "invalid": raw }),
        ),
    }
}

fn array(elem: &CanonicalType, len: u64, bytes: &[u8], creator: Endian) -> (String, Value) {
    if elem == &CanonicalType::Primitive(Primitive::U8) {
        let shown = if bytes
            .iter()
            .all(|b| b.is_ascii_graphic() || *b == b' ' || *b == 0)
        {
            let s: String = bytes
                .iter()
                .filter(|&&b| b != 0)
                .map(|&b| b as char)
                .collect();
            format!("{} {:?}", hex(bytes), s)
        } else {
            hex(bytes)
        };
        return (shown, json!(bytes));
    }
    let Some(step) = usize::try_from(len)
        .ok()
        .filter(|&n| n > 0)
        .map(|n| bytes.len() / n)
        .filter(|&s| s > 0)
    else {
        return (hex(bytes), json!(hex(bytes)));
    };
    let mut texts = Vec::new();
    let mut values = Vec::new();
    for (i, chunk) in bytes.chunks_exact(step).enumerate() {
        let (t, v) = field(Some(elem), chunk, creator);
        values.push(v);
        if (i as u64) < MAX_ELEMS {
            texts.push(t);
        }
    }
    let more = if len > MAX_ELEMS {
        format!(", … {} more", len - MAX_ELEMS)
    } else {
        String::new()
    };
    (
        format!("[{}{more}]", texts.join(", ")),
        Value::Array(values),
    )
}

/// `bytes` as lower-case hex, `0x`-prefixed.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::from("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}
