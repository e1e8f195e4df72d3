//! `shmipc list`: every shmipc segment in `/dev/shm`, one line each; `--all` also says why each
//! other file is not one.

use serde_json::{Value, json};

use crate::escape::printable;
use crate::inspect::{kind_text, summary_json};
use crate::look::{self, liveness};
use crate::{Failure, kinds};

/// Prints one line per readable segment; with `all`, also the other files, with the reason.
pub fn run(all: bool, json: bool) -> Result<(), Failure> {
    let mut segments: Vec<Value> = Vec::new();
    let mut skipped: Vec<Value> = Vec::new();
    let mut lines = vec![format!(
        "{:<36} {:<14} {:<24} {:>9}  {:<16} {:<5} {:>5}",
        "name", "kind", "type", "payload", "creator", "mode", "uid"
    )];
    for name in look::all_names()? {
        match look::open(&name) {
            Ok(l) => {
                let h = &l.header;
                lines.push(format!(
                    "{:<36} {:<14} {:<24} {:>9}  {:<16} {:<5} {:>5}",
                    printable(&name),
                    kind_text(&l),
                    printable(&kinds::broadcast::doorbell_of(&l).map_or_else(
                        || format!("{} v{}", h.layout.name, h.layout.version),
                        |ring| format!("doorbell of {ring}")
                    )),
                    h.payload_size,
                    format!("{} ({})", h.creator.pid, liveness(&h.creator)),
                    format!("{:04o}", l.mode),
                    l.uid,
                ));
                segments.push(summary_json(&l));
            }
            Err(f) => {
                if all {
                    lines.push(format!(
                        "{:<36} skipped: {}",
                        printable(&name),
                        printable(&f.message)
                    ));
                }
                skipped.push(json!({ "name": name, "reason": f.message }));
            }
        }
    }
    if json {
        let mut doc = json!({ "segments": segments });
        if all {
            doc["skipped"] = Value::Array(skipped);
        }
        crate::print_json(&doc);
    } else {
        for line in lines {
            println!("{line}");
        }
    }
    Ok(())
}
