//! `shmipc`: looks at shared-memory segments without their Rust types.
//!
//! ```text
//! shmipc list              every shmipc segment in /dev/shm, one line each
//! shmipc inspect NAME      a segment's header: kind, type, version, creator, field table
//! shmipc unlink NAME       removes a segment's name (processes that have it open keep it)
//! ```
//!
//! Each subcommand has its own module; `escape` keeps names another process chose from reaching
//! the terminal as control sequences.

mod escape;
mod inspect;
mod list;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use shmipc::{Liveness, ProcessIdentity, RawSegment, SegmentOptions};

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
        Command::List { all } => list::run(all),
        Command::Inspect { name, allow_owner } => inspect::run(&name, &allow_owner),
        Command::Unlink { name } => RawSegment::unlink(&name).map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("shmipc: {}", escape::printable(&message));
            ExitCode::FAILURE
        }
    }
}

/// Options for looking: no waiting for a segment that is still initializing, and segments owned
/// by the uids in `allow` accepted beside the caller's own.
fn look_options(allow: &[u32]) -> SegmentOptions {
    allow.iter().fold(
        SegmentOptions::new().open_timeout(Duration::ZERO),
        |o, uid| o.allow_owner(*uid),
    )
}

/// `alive` or `dead`: whether a segment's creator still runs.
fn liveness(creator: &ProcessIdentity) -> &'static str {
    match creator.liveness() {
        Liveness::Alive => "alive",
        Liveness::Dead => "dead",
    }
}
