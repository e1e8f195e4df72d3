//! Escaping of names another process chose, before they reach the terminal.

use shmipc::segment::SegmentHeader;

/// `text` with control characters escaped (`\u{1b}`, `\n`): names come from a segment header or a
/// file name that another process chose, and must not reach the terminal as escape sequences or
/// as fake lines of output.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The header with every name in its layout made [`printable`].
pub fn printable_header(mut h: SegmentHeader) -> SegmentHeader {
    h.layout.name = printable(&h.layout.name);
    for field in &mut h.layout.fields {
        field.name = printable(&field.name);
        field.ty = printable(&field.ty);
    }
    h
}
