//! `shmipc`: explains shared-memory segments without their Rust types.
//!
//! ```text
//! shmipc list [--all]             every shmipc segment in /dev/shm, one line each
//! shmipc inspect NAME [--slots N] header, layout, kind state, the value or the next N ring slots
//! shmipc layout NAME              a byte map of the segment's layout
//! shmipc watch NAME [--count N]   a ring's messages per second and fill level, once a second
//! shmipc c-header NAME            the layout as a C header (--segment-header: the segment header's)
//! shmipc clean [--dry-run]        removes segments whose creator is dead and that nobody holds
//! shmipc unlink NAME [--force]    removes a segment's name (alias `rm`)
//! ```
//!
//! Each subcommand has its own module; `look` opens a segment for reading, `kinds` decodes each
//! segment kind's state (one file per kind), `value` decodes values field by field, `escape`
//! keeps names another process chose from reaching the terminal as control sequences. `--json`
//! shapes are documented in `docs/cli.md`.

mod c_header;
mod clean;
mod escape;
mod failure;
mod inspect;
mod kinds;
mod layout;
mod list;
mod look;
mod unlink;
mod value;
mod watch;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use failure::Failure;

/// Exit codes, as `--help` lists them.
const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the segment (or /dev/shm) could not be read or changed; the message says why and what to do
  2  wrong usage (unknown subcommand or option)
  3  refused: the name is not a shmipc segment (unlink without --force), or not of the kind the
     subcommand needs (watch on a non-ring)

With --json, output is one JSON document on stdout (watch: one per line); an error is
{\"error\": MESSAGE, \"exit_code\": N} on stdout as well. The shapes are in docs/cli.md.";

#[derive(Parser)]
#[command(
    name = "shmipc",
    version,
    about = "Explain shmipc shared-memory segments: what each is, who made it, whether it lives, \
             its layout, its contents and how busy it is",
    after_help = EXIT_CODES
)]
struct Cli {
    /// Print JSON (a documented, stable shape: docs/cli.md) instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every shmipc segment in /dev/shm: name, kind, type, payload, creator, mode, owner.
    #[command(after_help = EXIT_CODES)]
    List {
        /// Also list the files that are not readable shmipc segments, with the reason.
        #[arg(long)]
        all: bool,
    },
    /// Show a segment: header, layout table, kind state, and its value or next ring slots.
    #[command(after_help = EXIT_CODES)]
    Inspect {
        /// The segment's name, such as `/ticks` (the slash may be left out).
        name: String,
        /// How many ring slots to decode, from the consumer's position on.
        #[arg(long, default_value_t = 4)]
        slots: u64,
    },
    /// Draw a segment's layout: a byte map with offsets, names, types and padding.
    #[command(after_help = EXIT_CODES)]
    Layout {
        /// The segment's name.
        name: String,
    },
    /// Once a second, print a ring's messages per second and fill level, until interrupted.
    #[command(after_help = EXIT_CODES)]
    Watch {
        /// The ring's name.
        name: String,
        /// Stop after this many samples (default: run until interrupted).
        #[arg(long)]
        count: Option<u64>,
        /// Milliseconds between samples.
        #[arg(long, default_value_t = 1000, hide = true)]
        interval_ms: u64,
    },
    /// Print a segment's layout as a C header (one struct per layout, with _Static_asserts).
    #[command(name = "c-header", after_help = EXIT_CODES)]
    CHeader {
        /// The segment's name (not needed with --segment-header).
        #[arg(required_unless_present = "segment_header")]
        name: Option<String>,
        /// Print the C header of the segment header itself (magic, offsets, shmipc_payload()).
        #[arg(long)]
        segment_header: bool,
    },
    /// Remove the segments whose creator is proven dead and in which no live process holds a
    /// lock or role; print what was removed.
    #[command(after_help = EXIT_CODES)]
    Clean {
        /// Only print what would be removed.
        #[arg(long)]
        dry_run: bool,
        /// Only consider names that start with this prefix (such as `/myapp-`).
        #[arg(long, default_value = "/")]
        prefix: String,
    },
    /// Remove a segment's name (processes that have it open keep it).
    #[command(visible_alias = "rm", after_help = EXIT_CODES)]
    Unlink {
        /// The segment's name.
        name: String,
        /// Remove the name even if it is not a shmipc segment.
        #[arg(long)]
        force: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let result = match cli.command {
        Command::List { all } => list::run(all, json),
        Command::Inspect { name, slots } => inspect::run(&name, slots, json),
        Command::Layout { name } => layout::run(&name, json),
        Command::Watch {
            name,
            count,
            interval_ms,
        } => watch::run(&name, count, interval_ms, json),
        Command::CHeader {
            name,
            segment_header,
        } => c_header::run(name.as_deref(), segment_header, json),
        Command::Clean { dry_run, prefix } => clean::run(dry_run, &prefix, json),
        Command::Unlink { name, force } => unlink::run(&name, force, json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(json),
    }
}

/// Prints `value` as pretty JSON on stdout.
fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}
