//! `shmipc layout NAME`: a picture of a live segment's layout (the library draws the same for a
//! compiled type: `Layout::picture`).

use serde_json::json;

use crate::escape::{printable, printable_header};
use crate::inspect::layout_json;
use crate::{Failure, look};

/// Prints the byte map of segment `name`'s layout.
pub fn run(name: &str, json: bool) -> Result<(), Failure> {
    let l = look::open(name)?;
    if json {
        let mut doc = layout_json(&l.header.layout);
        doc["segment"] = json!(l.segment.name());
        doc["picture"] = json!(l.header.layout.picture());
        crate::print_json(&doc);
    } else {
        println!("segment {}", printable(l.segment.name()));
        print!("{}", printable_header(l.header).layout.picture());
    }
    Ok(())
}
