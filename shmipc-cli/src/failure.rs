//! Why a subcommand failed: a sentence that says what to do, and the exit code.

use std::process::ExitCode;

use crate::escape::printable;

/// A failed subcommand.
#[derive(Debug)]
pub struct Failure {
    /// The exit code (see `--help`).
    pub code: u8,
    /// A sentence that says what went wrong and what to do.
    pub message: String,
}

impl Failure {
    /// Exit code 1: something could not be read or changed.
    pub fn error(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }

    /// Exit code 3: refused on purpose.
    pub fn refused(message: impl Into<String>) -> Failure {
        Failure {
            code: 3,
            message: message.into(),
        }
    }

    /// Prints the failure (as JSON on stdout with `json`, else on stderr) and gives the code.
    pub fn report(self, json: bool) -> ExitCode {
        if json {
            crate::print_json(&serde_json::json!({
                "error": self.message,
                "exit_code": self.code,
            }));
        } else {
            eprintln!("shmipc: {}", printable(&self.message));
        }
        ExitCode::from(self.code)
    }
}

impl From<shmipc::Error> for Failure {
    fn from(e: shmipc::Error) -> Failure {
        Failure::error(e.to_string())
    }
}
