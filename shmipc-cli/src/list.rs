//! `shmipc list`: every shmipc segment in `/dev/shm`, one line each.

use shmipc::RawSegment;

use crate::escape::printable;
use crate::{liveness, look_options};

/// Prints one line per readable segment; with `all`, also the entries that are not readable
/// segments, with the reason.
pub fn run(all: bool) -> Result<(), String> {
    let dir = std::fs::read_dir("/dev/shm").map_err(|e| format!("cannot read /dev/shm: {e}"))?;
    let mut names: Vec<String> = dir
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with("sem."))
        .map(|n| format!("/{n}"))
        .collect();
    names.sort();
    println!(
        "{:<40} {:<9} {:<24} {:>10} {:>8}  creator",
        "name", "kind", "type", "payload", "fields"
    );
    for name in names {
        match RawSegment::inspect(&name, &look_options(&[])) {
            Ok(h) => println!(
                "{:<40} {:<9} {:<24} {:>10} {:>8}  {} ({})",
                printable(&name),
                h.kind().map_or("unknown", |k| k.as_str()),
                format!("{} v{}", printable(&h.layout.name), h.layout.version),
                h.payload_size,
                h.layout.fields.len(),
                h.creator.pid,
                liveness(&h.creator),
            ),
            Err(e) if all => println!("{:<40} -- {}", printable(&name), printable(&e.to_string())),
            Err(_) => {}
        }
    }
    Ok(())
}
