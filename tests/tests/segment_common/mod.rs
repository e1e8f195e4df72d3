//! Spawning the `segment_peer` helper process.
#![allow(dead_code)] // each test file uses a different subset

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

/// A running `segment_peer`; killed and reaped when dropped, also when a test fails.
pub struct Peer {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Peer {
    /// Starts `segment_peer <args>` with piped stdin and stdout.
    pub fn spawn(args: &[&str]) -> Peer {
        Peer::spawn_with(args, |_| {})
    }

    /// Starts it after `configure` has adjusted the command (for example to change uid).
    pub fn spawn_with(args: &[&str], configure: impl FnOnce(&mut Command)) -> Peer {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_segment_peer"));
        cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped());
        configure(&mut cmd);
        let mut child = cmd.spawn().expect("spawn segment_peer");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Peer { child, stdout }
    }

    /// The next line the peer printed (empty at end of output).
    pub fn line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read peer stdout");
        line.trim_end().to_owned()
    }

    /// The peer's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Closes the peer's stdin (a `create` peer then drops its segment and exits) and waits.
    pub fn finish(mut self) -> bool {
        drop(self.child.stdin.take());
        self.child.wait().expect("wait for peer").success()
    }

    /// SIGKILL, then reap (a reaped process is dead on every path).
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL peer");
        self.child.wait().expect("reap peer");
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `segment_peer <args>` to completion and returns its first line of output.
pub fn run(args: &[&str]) -> String {
    let mut peer = Peer::spawn(args);
    let line = peer.line();
    drop(peer.child.stdin.take());
    let _ = peer.child.wait();
    line
}
