//! Spawning `ring_peer` helper processes for the ring tests, with deadlines: a peer that hangs
//! fails the test instead of hanging it, and every peer still running is SIGKILLed and reaped on
//! drop (also when an assertion fails).
#![allow(dead_code)]

pub mod mpmc;

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// How long any single peer may run before the test declares it hung.
pub const PEER_DEADLINE: Duration = Duration::from_secs(60);

/// A running `ring_peer`; its stdout lines arrive on a channel (read by a thread, so a chatty
/// peer never blocks on a full pipe).
pub struct Peer {
    child: Child,
    lines: Receiver<String>,
    args: Vec<String>,
}

impl Peer {
    /// Starts `ring_peer args…` without waiting for anything.
    pub fn spawn(args: &[&str]) -> Peer {
        Peer::spawn_with(env!("CARGO_BIN_EXE_ring_peer"), args, |_| {})
    }

    /// Starts `program args…` (another helper, such as `bcast_peer`) after `configure` has
    /// adjusted the command (for example to run it as another user).
    pub fn spawn_with(program: &str, args: &[&str], configure: impl FnOnce(&mut Command)) -> Peer {
        let mut child = shmipc_tests::spawn_child(program, args, |cmd| {
            cmd.stderr(Stdio::piped());
            configure(cmd);
        });
        let (tx, lines) = channel();
        let out = BufReader::new(child.stdout.take().expect("stdout"));
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Forward stderr so a peer's panic message shows in the test's output.
        let err = BufReader::new(child.stderr.take().expect("stderr"));
        let tag = program.rsplit('/').next().unwrap_or(program).to_owned();
        std::thread::spawn(move || {
            for line in err.lines().map_while(Result::ok) {
                eprintln!("[{tag}] {line}");
            }
        });
        Peer {
            child,
            lines,
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Starts `ring_peer args…` and waits (at most 30 s) until it printed `ready`.
    pub fn start(args: &[&str]) -> Peer {
        let mut p = Peer::spawn(args);
        let line = p.line(Duration::from_secs(30));
        assert_eq!(
            line.as_deref(),
            Some("ready"),
            "peer {args:?} did not start"
        );
        p
    }

    /// The pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next line of output, or `None` if the peer closed stdout or `timeout` passed.
    pub fn line(&mut self, timeout: Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// SIGKILLs and reaps the peer; returns how it ended.
    pub fn kill(&mut self) -> ExitStatus {
        let _ = self.child.kill();
        self.child.wait().expect("reap peer")
    }

    /// Waits until the peer exits, at most `deadline`; `None` if it still runs (it is then
    /// killed).
    pub fn wait_deadline(&mut self, deadline: Duration) -> Option<ExitStatus> {
        let end = Instant::now() + deadline;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if Instant::now() >= end {
                self.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Waits for a successful exit (within [`PEER_DEADLINE`]) and returns every line it printed
    /// that was not read yet. Fails the test if the peer hung, crashed, panicked or failed.
    pub fn finish(mut self) -> Vec<String> {
        let status = self.wait_deadline(PEER_DEADLINE);
        let rest = self.drain();
        match status {
            None => panic!(
                "peer {:?} hung: killed after {PEER_DEADLINE:?}; output: {rest:?}",
                self.args
            ),
            Some(s) => assert!(
                s.success(),
                "peer {:?} failed: {}; output: {rest:?}",
                self.args,
                describe(s)
            ),
        }
        rest
    }

    /// Every line still buffered (waits up to 5 s for the reader thread after an exit).
    pub fn drain(&mut self) -> Vec<String> {
        let mut rest = Vec::new();
        while let Some(l) = self.line(Duration::from_secs(5)) {
            rest.push(l);
        }
        rest
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}

/// "exit code 3" or "killed by signal 11 (SIGSEGV)".
pub fn describe(s: ExitStatus) -> String {
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(sig)) => format!("killed by signal {sig} ({})", signal_name(sig)),
        _ => format!("{s}"),
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGABRT => "SIGABRT",
        libc::SIGILL => "SIGILL",
        libc::SIGKILL => "SIGKILL",
        libc::SIGFPE => "SIGFPE",
        _ => "other",
    }
}

/// The last line of `lines` that starts with `key `, without the key.
pub fn field<'a>(lines: &'a [String], key: &str) -> Option<&'a str> {
    lines
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(' ')))
}

/// The shared replayable generator: it prints its seed; replay a run with
/// `SHMIPC_TEST_SEED=…`.
#[allow(unused_imports)] // not every ring test draws random numbers
pub use shmipc_tests::Rng;

/// How many trials the kill tests run: `RING_TRIALS`, else `default`.
pub fn trials(default: u32) -> u32 {
    std::env::var("RING_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}
pub mod broadcast;
