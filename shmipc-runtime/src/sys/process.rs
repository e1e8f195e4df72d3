//! Process identity that survives pid reuse: a pid plus the process's start time.
//!
//! A pid alone cannot tell whether the process that wrote it is still alive: pids are reused. On
//! Linux the start time (field 22 of `/proc/PID/stat`, in clock ticks since boot) tells a reused pid
//! apart, and a zombie (killed, not yet reaped) counts as dead. The portable path records no start
//! time and falls back to `kill(pid, 0)`, which sees a zombie as alive until its parent reaps it.

use std::fs;

/// Who a process is: its pid and, where the platform reports it, its start time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProcessIdentity {
    /// The process id.
    pub pid: u32,
    /// Start time in clock ticks since boot (Linux), or 0 where unknown.
    pub start_time: u64,
}

/// What can be said about a recorded process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// The same process (same pid and start time) still runs.
    Alive,
    /// It exited, was killed, or its pid now belongs to another process.
    Dead,
}

impl ProcessIdentity {
    /// The calling process.
    pub fn current() -> ProcessIdentity {
        let pid = std::process::id();
        ProcessIdentity {
            pid,
            start_time: start_time(pid).unwrap_or(0),
        }
    }

    /// Whether the recorded process still runs. A pid of 0 (never written) counts as dead.
    pub fn liveness(&self) -> Liveness {
        if self.pid == 0 || self.pid > i32::MAX as u32 {
            return Liveness::Dead;
        }
        if !super::PORTABLE {
            match stat(self.pid) {
                None => Liveness::Dead,
                Some(s) if s.zombie => Liveness::Dead,
                Some(s) if self.start_time != 0 && s.start_time != self.start_time => {
                    Liveness::Dead
                }
                Some(_) => Liveness::Alive,
            }
        } else {
            kill_probe(self.pid)
        }
    }
}

struct Stat {
    start_time: u64,
    zombie: bool,
}

fn start_time(pid: u32) -> Option<u64> {
    if !super::PORTABLE {
        stat(pid).map(|s| s.start_time)
    } else {
        None
    }
}

/// Parses `/proc/PID/stat`: the command name (field 2) may contain spaces and parentheses, so
/// fields are counted from the last `)`. The name is raw bytes, not always UTF-8 (it is cut at 15
/// bytes, maybe inside a character), so only the ASCII fields after it are decoded.
fn stat(pid: u32) -> Option<Stat> {
    let bytes = fs::read(format!("/proc/{pid}/stat")).ok()?;
    let after_name = bytes.iter().rposition(|&b| b == b')')? + 1;
    let rest = core::str::from_utf8(&bytes[after_name..]).ok()?;
    let mut fields = rest.split_ascii_whitespace();
    // After the name: field 3 is the state; the start time is field 22.
    let state = fields.next()?;
    let start_time = fields.nth(22 - 4)?.parse().ok()?;
    Some(Stat {
        start_time,
        zombie: state == "Z" || state == "X",
    })
}

fn kill_probe(pid: u32) -> Liveness {
    // SAFETY: `kill` with signal 0 sends nothing; it only checks that the pid exists.
    let rc = unsafe { libc::kill(pid as libc::pid_t, 0) };
    if rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM) {
        Liveness::Alive
    } else {
        Liveness::Dead
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn current_process_is_alive() {
        let me = ProcessIdentity::current();
        assert_eq!(me.pid, std::process::id());
        assert_eq!(me.liveness(), Liveness::Alive);
    }

    #[test]
    fn reaped_child_is_dead_and_zombie_too() {
        let mut child = Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let id = ProcessIdentity {
            pid: child.id(),
            start_time: start_time(child.id()).unwrap_or(0),
        };
        assert_eq!(id.liveness(), Liveness::Alive);
        child.kill().expect("kill");
        // Not yet reaped: a zombie, which counts as dead where /proc tells (the portable
        // `kill(pid, 0)` probe cannot tell a zombie from a live process).
        std::thread::sleep(std::time::Duration::from_millis(50));
        if !crate::sys::PORTABLE {
            assert_eq!(id.liveness(), Liveness::Dead);
        }
        child.wait().expect("reap");
        assert_eq!(id.liveness(), Liveness::Dead);
    }

    /// The command name in `/proc/PID/stat` is raw bytes (a name cut at 15 bytes can end inside a
    /// UTF-8 character): a live process with such a name must not read as dead.
    #[test]
    fn live_process_with_a_non_utf8_name_is_alive() {
        use std::os::unix::ffi::OsStrExt;
        let dir = std::env::temp_dir().join(format!("sx-comm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).expect("temp dir");
        let sleep = ["/bin/sleep", "/usr/bin/sleep"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("a sleep binary");
        // The kernel names the process after the path it was started by: `sl\xe9ep`.
        let link = dir.join(std::ffi::OsStr::from_bytes(b"sl\xe9ep"));
        std::os::unix::fs::symlink(sleep, &link).expect("symlink");
        let mut child = Command::new(&link).arg("30").spawn().expect("spawn");
        let _ = std::fs::remove_dir_all(&dir);
        let id = ProcessIdentity {
            pid: child.id(),
            start_time: start_time(child.id()).unwrap_or(0),
        };
        let liveness = id.liveness();
        child.kill().expect("kill");
        child.wait().expect("reap");
        assert_eq!(liveness, Liveness::Alive);
        if !crate::sys::PORTABLE {
            assert_ne!(id.start_time, 0, "start time read despite the name");
        }
    }

    #[test]
    fn other_start_time_means_pid_was_reused() {
        let me = ProcessIdentity::current();
        if me.start_time != 0 {
            let reused = ProcessIdentity {
                start_time: me.start_time + 1,
                ..me
            };
            assert_eq!(reused.liveness(), Liveness::Dead);
        }
        assert_eq!(
            ProcessIdentity {
                pid: 0,
                start_time: 0
            }
            .liveness(),
            Liveness::Dead
        );
    }
}
