//! Helper processes (`tests/src/bin/*`): spawned with piped stdin and stdout, read line by line,
//! and killed and reaped when dropped, so a failing test leaves no process behind.
//!
//! Integration tests name the program with `env!("CARGO_BIN_EXE_<bin>")`, which Cargo sets only
//! for them (not for this library).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::Duration;

/// A running helper process.
pub struct Peer {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Peer {
    /// Starts `program args…` with piped stdin and stdout.
    pub fn spawn(program: impl AsRef<OsStr>, args: &[&str]) -> Peer {
        Peer::spawn_with(program, args, |_| {})
    }

    /// Starts it after `configure` has adjusted the command (for example to change uid).
    pub fn spawn_with(
        program: impl AsRef<OsStr>,
        args: &[&str],
        configure: impl FnOnce(&mut Command),
    ) -> Peer {
        let mut child = spawn_child(program, args, |cmd| {
            cmd.stdin(Stdio::piped());
            configure(cmd);
        });
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Peer { child, stdout }
    }

    /// Starts it and waits until its first line is `ready`.
    pub fn spawn_ready(program: impl AsRef<OsStr>, args: &[&str]) -> Peer {
        let mut peer = Peer::spawn(program, args);
        assert_eq!(peer.line(), "ready", "peer {args:?} did not start");
        peer
    }

    /// Runs it to completion (closing its stdin) and returns its first line of output, whatever
    /// its exit status.
    pub fn run(program: impl AsRef<OsStr>, args: &[&str]) -> String {
        let mut peer = Peer::spawn(program, args);
        let line = peer.line();
        peer.wait();
        line
    }

    /// The next line the peer printed, without the line end (empty at end of output).
    pub fn line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read peer stdout");
        line.trim_end().to_owned()
    }

    /// The peer's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Closes the peer's stdin (a peer holding a segment then drops it and exits), reads the
    /// rest of its output and reaps it.
    pub fn wait(mut self) -> (ExitStatus, String) {
        drop(self.child.stdin.take());
        let mut rest = String::new();
        self.stdout
            .read_to_string(&mut rest)
            .expect("read peer stdout");
        let status = self.child.wait().expect("wait for peer");
        (status, rest)
    }

    /// [`wait`](Peer::wait)s, asserts a successful exit and returns the rest of the output.
    pub fn finish(self) -> String {
        let (status, rest) = self.wait();
        assert!(status.success(), "peer failed: {status}; output: {rest}");
        rest
    }

    /// SIGKILL, then reap (a reaped process is dead on every path).
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL peer");
        self.child.wait().expect("reap peer");
    }

    /// Sleeps for `delay`, then [`kill`](Peer::kill)s: a crash at an arbitrary point.
    pub fn kill_after(&mut self, delay: Duration) {
        std::thread::sleep(delay);
        self.kill();
    }
}

/// Starts `program args…` with piped stdout after `configure` has adjusted the command (to pipe
/// more, or to change uid); panics, naming the program and its arguments, if it cannot start.
/// Both [`Peer`] and the ring tests' own peers start their processes through it.
pub fn spawn_child(
    program: impl AsRef<OsStr>,
    args: &[&str],
    configure: impl FnOnce(&mut Command),
) -> Child {
    let program = program.as_ref();
    let mut cmd = Command::new(program);
    cmd.args(args).stdout(Stdio::piped());
    configure(&mut cmd);
    cmd.spawn()
        .unwrap_or_else(|e| panic!("spawn {program:?} {args:?}: {e}"))
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
