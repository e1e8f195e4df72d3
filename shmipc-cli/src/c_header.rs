//! `shmipc c-header NAME`: a segment's layout as a C header (the library writes the same for a
//! compiled type, with its nested layouts' fields: `Layout::c_header`); `--segment-header`: the
//! C header of the segment header itself.

use serde_json::json;

use crate::{Failure, look};

/// Prints the C header.
pub fn run(name: Option<&str>, segment_header: bool, json: bool) -> Result<(), Failure> {
    let (segment, text) = match (segment_header, name) {
        (true, _) => (None, shmipc::segment::segment_header_c()),
        (false, Some(name)) => {
            let l = look::open(name)?;
            (
                Some(l.segment.name().to_owned()),
                l.header.layout.c_header(),
            )
        }
        (false, None) => {
            return Err(Failure::error(
                "give a segment's name, or --segment-header for the header's own C header",
            ));
        }
    };
    if json {
        crate::print_json(&json!({ "segment": segment, "c_header": text }));
    } else {
        print!("{text}");
    }
    Ok(())
}
