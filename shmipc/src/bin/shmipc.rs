//! `shmipc`: looks at shared-memory segments without their Rust types.
//!
//! ```text
//! shmipc list              every shmipc segment in /dev/shm, one line each
//! shmipc inspect NAME      a segment's header: kind, type, version, creator, field table
//! shmipc unlink NAME       removes a segment's name (processes that have it open keep it)
//! ```

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use shmipc::segment::header::SegmentHeader;
use shmipc::segment::{Liveness, RawSegment, SegmentOptions};

#[derive(Parser)]
#[command(
    name = "shmipc",
    version,
    about = "Inspect shmipc shared-memory segments"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every shmipc segment in /dev/shm.
    List {
        /// Also list entries that are not readable shmipc segments, with the reason.
        #[arg(long)]
        all: bool,
    },
    /// Print a segment's header and field table.
    Inspect {
        /// The segment's name, such as `/ticks`.
        name: String,
        /// Accept a segment owned by this uid too (by default only the caller's own).
        #[arg(long)]
        allow_owner: Vec<u32>,
    },
    /// Remove a segment's name.
    Unlink {
        /// The segment's name, such as `/ticks`.
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::List { all } => list(all),
        Command::Inspect { name, allow_owner } => inspect(&name, &allow_owner),
        Command::Unlink { name } => RawSegment::unlink(&name).map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("shmipc: {}", printable(&message));
            ExitCode::FAILURE
        }
    }
}

/// Options for looking: no waiting for a segment that is still initializing.
fn look_options(allow: &[u32]) -> SegmentOptions {
    allow.iter().fold(
        SegmentOptions::new().open_timeout(Duration::ZERO),
        |o, uid| o.allow_owner(*uid),
    )
}

fn inspect(name: &str, allow: &[u32]) -> Result<(), String> {
    let header = RawSegment::inspect(name, &look_options(allow)).map_err(|e| e.to_string())?;
    print!("{}", describe(&printable(name), &printable_header(header)));
    Ok(())
}

/// `text` with control characters escaped (`\u{1b}`, `\n`): names come from a segment header or a
/// file name that another process chose, and must not reach the terminal as escape sequences or
/// as fake lines of output.
fn printable(text: &str) -> String {
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
fn printable_header(mut h: SegmentHeader) -> SegmentHeader {
    h.layout.name = printable(&h.layout.name);
    for field in &mut h.layout.fields {
        field.name = printable(&field.name);
        field.ty = printable(&field.ty);
    }
    h
}

fn describe(name: &str, h: &SegmentHeader) -> String {
    let kind = h.kind().map_or_else(
        || format!("unknown ({})", h.kind_code),
        |k| k.as_str().to_string(),
    );
    let alive = match h.creator.liveness() {
        Liveness::Alive => "alive",
        Liveness::Dead => "dead",
    };
    format!(
        "segment   {name}\n\
         kind      {kind}\n\
         format    {}.{}\n\
         order     {}\n\
         payload   {} bytes, align {} ({} bytes mapped)\n\
         creator   pid {} ({alive})\n\
         layout    {}",
        h.format.0,
        h.format.1,
        h.byte_order,
        h.payload_size,
        h.payload_align,
        h.total_size,
        h.creator.pid,
        h.layout,
    )
}

fn list(all: bool) -> Result<(), String> {
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
                if h.creator.liveness() == Liveness::Alive {
                    "alive"
                } else {
                    "dead"
                },
            ),
            Err(e) if all => println!("{:<40} -- {}", printable(&name), printable(&e.to_string())),
            Err(_) => {}
        }
    }
    Ok(())
}
