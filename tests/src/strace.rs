//! Counting system calls with `strace -f`: a traced helper marks a stretch with two `close(-1)`
//! calls, and [`calls_between_markers`] returns what it called in between.

use std::process::{Command, Stdio};

use crate::unique_name;

/// Runs `program args…` under `strace -f` and returns the system calls between its two
/// `close(-1)` markers, or why it could not (no strace, the program failed, markers missing).
pub fn calls_between_markers(program: &str, args: &[&str]) -> Result<Vec<String>, String> {
    let out = std::env::temp_dir().join(format!(
        "shmipc-test-strace-{}",
        unique_name("st").trim_start_matches('/')
    ));
    let status = Command::new("strace")
        .args(["-f", "-qq", "-o"])
        .arg(&out)
        .arg(program)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("strace could not be started ({e}); install strace"))?;
    let text = std::fs::read_to_string(&out).map_err(|e| format!("no strace output: {e}"));
    let _ = std::fs::remove_file(&out);
    let text = text?;
    if !status.success() {
        return Err(format!("the traced peer failed ({status}):\n{text}"));
    }
    let lines: Vec<&str> = text.lines().collect();
    let markers: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains("close(-1)"))
        .collect();
    let [begin, end] = markers[..] else {
        return Err(format!(
            "expected two close(-1) markers in the trace, found {}:\n{text}",
            markers.len()
        ));
    };
    Ok(lines[begin + 1..end]
        .iter()
        .map(|l| l.to_string())
        .collect())
}
