//! `shmipc inspect NAME`: one segment's header and field table.

use shmipc::RawSegment;
use shmipc::segment::SegmentHeader;

use crate::escape::{printable, printable_header};
use crate::{liveness, look_options};

/// Prints the header of segment `name`, accepting segments owned by the uids in `allow` too.
pub fn run(name: &str, allow: &[u32]) -> Result<(), String> {
    let header = RawSegment::inspect(name, &look_options(allow)).map_err(|e| e.to_string())?;
    print!("{}", describe(&printable(name), &printable_header(header)));
    Ok(())
}

/// The header as aligned `key value` lines, the field table last.
fn describe(name: &str, h: &SegmentHeader) -> String {
    let kind = h.kind().map_or_else(
        || format!("unknown ({})", h.kind_code),
        |k| k.as_str().to_string(),
    );
    format!(
        "segment   {name}\n\
         kind      {kind}\n\
         format    {}.{}\n\
         order     {}\n\
         payload   {} bytes, align {} ({} bytes mapped)\n\
         creator   pid {} ({})\n\
         layout    {}",
        h.format.0,
        h.format.1,
        h.byte_order,
        h.payload_size,
        h.payload_align,
        h.total_size,
        h.creator.pid,
        liveness(&h.creator),
        h.layout,
    )
}
