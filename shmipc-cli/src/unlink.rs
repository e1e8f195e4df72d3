//! `shmipc unlink NAME` (alias `rm`): removes a segment's name, refusing a file that is not a
//! shmipc segment unless `--force`, so another program's shared memory is never deleted by
//! accident.

use serde_json::json;
use shmipc::RawSegment;
use shmipc::segment::normalize_name;

use crate::escape::printable;
use crate::{Failure, look};

/// Removes `name`.
pub fn run(name: &str, force: bool, json: bool) -> Result<(), Failure> {
    let name = normalize_name(name)?;
    if !force && let Some(reason) = look::foreign_reason(&name) {
        return Err(Failure::refused(format!(
            "`{}` is not a shmipc segment ({reason}), so it was left alone: pass --force to \
             remove it anyway",
            printable(&name)
        )));
    }
    RawSegment::unlink(&name)?;
    if json {
        crate::print_json(&json!({ "removed": name }));
    } else {
        println!("removed {}", printable(&name));
    }
    Ok(())
}
