//! Process identity that survives pid reuse: a pid, the process's start time and its pid
//! namespace; and the judgement whether a recorded process still runs.
//!
//! A pid alone cannot tell whether the process that wrote it is still alive: pids are reused. On
//! Linux the start time (field 22 of `/proc/PID/stat`, in clock ticks since boot) tells a reused pid
//! apart, and a zombie (killed, not yet reaped) counts as dead. The portable path records no start
//! time and falls back to `kill(pid, 0)`, which sees a zombie as alive until its parent reaps it.
//!
//! # Cannot tell means alive
//!
//! A process is judged dead only on proof; anything that cannot be told counts as alive (fail
//! closed: a locker then times out, while a wrong "dead" would make two holders). The proofs:
//!
//! - `/proc/PID/stat` of our own pid namespace shows another start time (the pid was reused), or
//!   a zombie that is the only task of its process (`Threads: 1` in `/proc/PID/status`: a
//!   thread-group leader whose main thread exited while other threads run is a zombie too, and
//!   alive);
//! - `kill(pid, 0)` fails with `ESRCH`: no such process in our pid namespace.
//!
//! Not proofs: `/proc/PID` missing (under `hidepid=2` another user's processes are hidden, so
//! `ENOENT` is asked again with `kill`), unreadable (`EACCES`), or `/proc` not mounted or
//! belonging to another pid namespace (`/proc/self` must name our pid): then `kill` decides, and
//! a process that `kill` finds but `/proc` cannot confirm counts as alive (a reused pid then
//! looks alive too: waiters time out).
//!
//! # Pid namespaces
//!
//! A pid means something only in its pid namespace: a process in a container and one on the host
//! may hold the same shared memory, and a pid written by one names nobody, or another process, in
//! the other. So an identity records its namespace (the inode number of `/proc/self/ns/pid`), and
//! a process of another namespace, or of one that could not be read, is never judged dead by its
//! pid: sharing across pid namespaces works, but a dead peer of another namespace is never
//! detected (waits on its locks time out; its segments are not replaced).
//!
//! # What is not detected
//!
//! - A process that `exec`s keeps its pid and start time: locks it held stay held (the kernel
//!   releases robust futexes on `exec`; nobody can tell here). Drop guards and roles before
//!   `exec` (shmipc's descriptors are `O_CLOEXEC`, its mappings vanish on `exec`).
//!
//! Start times as `/proc` shows them are shifted by the reader's time namespace, so a start time
//! that differs from the recorded one proves a reused pid only when the process found there is
//! in our time namespace (`/proc/PID/ns/time`); otherwise it cannot be told.

use std::fs;
use std::io::ErrorKind;

/// Who a process is: its pid and, where the platform reports them, its start time and pid
/// namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProcessIdentity {
    /// The process id, in the process's own pid namespace.
    pub pid: u32,
    /// Start time in clock ticks since boot (Linux), or 0 where unknown.
    pub start_time: u64,
    /// The inode number of the process's pid namespace (`/proc/self/ns/pid`), `Some(0)` where the
    /// process could not read it (always on the portable path), or `None` where it was not
    /// recorded (segments of header format 1.0): then the pid is taken to be of the caller's
    /// namespace. The portable path judges every pid as of its own namespace (macOS has no pid
    /// namespaces).
    pub pid_ns: Option<u32>,
}

/// What can be said about a recorded process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// The same process still runs, or that cannot be told (no `/proc`, a process hidden from
    /// us or of another pid namespace): only a proven death counts as dead.
    Alive,
    /// It exited, was killed, or its pid now belongs to another process.
    Dead,
}

/// What a look at a recorded process found: [`Liveness`] with "cannot tell" kept apart. Every
/// caller acts on it as on `Alive` (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Probe {
    /// Seen running: the pid exists with the recorded start time.
    Alive,
    /// Proven gone.
    Dead,
    /// Not proven either way.
    Unknown,
}

impl ProcessIdentity {
    /// The calling process.
    pub fn current() -> ProcessIdentity {
        let pid = std::process::id();
        ProcessIdentity {
            pid,
            start_time: start_time(pid).unwrap_or(0),
            pid_ns: Some(pid_namespace().unwrap_or(0)),
        }
    }

    /// Whether the recorded process still runs; [`Liveness::Alive`] unless it is proven dead. A
    /// pid of 0 (never written) counts as dead.
    pub fn liveness(&self) -> Liveness {
        match self.probe() {
            Probe::Dead => Liveness::Dead,
            Probe::Alive | Probe::Unknown => Liveness::Alive,
        }
    }

    /// The judgement behind [`liveness`](Self::liveness), telling "cannot tell" apart.
    pub(crate) fn probe(&self) -> Probe {
        if self.pid == 0 || self.pid > i32::MAX as u32 {
            return Probe::Dead;
        }
        if !super::PORTABLE
            && let Some(ns) = self.pid_ns
            && (ns == 0 || pid_namespace() != Some(ns))
        {
            // Its pid names nobody, or someone else, here.
            return Probe::Unknown;
        }
        if super::PORTABLE {
            return match kill_probe(self.pid) {
                Some(false) => Probe::Dead,
                Some(true) => Probe::Alive,
                None => Probe::Unknown,
            };
        }
        proc_probe(self.pid, self.start_time)
    }
}

/// The inode number of the calling process's pid namespace, if `/proc` shows it (never on the
/// portable path).
pub(crate) fn pid_namespace() -> Option<u32> {
    if super::PORTABLE {
        return None;
    }
    use std::os::unix::fs::MetadataExt;
    let ino = fs::metadata("/proc/self/ns/pid").ok()?.ino();
    u32::try_from(ino).ok().filter(|&n| n != 0)
}

/// Whether `/proc` is a procfs of our pid namespace: `/proc/self` names our pid. (A tmpfs over
/// `/proc`, no `/proc`, or the `/proc` of a parent namespace after `unshare -p` fail this.)
fn proc_is_ours() -> bool {
    fs::read_link("/proc/self")
        .ok()
        .and_then(|p| p.to_str()?.parse::<u32>().ok())
        == Some(std::process::id())
}

/// The Linux judgement (see the module documentation).
fn proc_probe(pid: u32, recorded_start: u64) -> Probe {
    let fallback = || match kill_probe(pid) {
        Some(false) => Probe::Dead,
        // It exists, but whether it is the recorded process cannot be told.
        Some(true) | None => Probe::Unknown,
    };
    if !proc_is_ours() {
        return fallback();
    }
    let bytes = match fs::read(format!("/proc/{pid}/stat")) {
        Ok(bytes) => bytes,
        // ENOENT may be `hidepid`; EACCES, EPERM and the rest prove nothing either.
        Err(_) => return fallback(),
    };
    let Some(s) = parse_stat(&bytes) else {
        return Probe::Unknown;
    };
    if recorded_start != 0 && s.start_time != recorded_start {
        return match same_time_namespace(pid) {
            Some(true) => Probe::Dead,
            _ => Probe::Unknown,
        };
    }
    if s.zombie {
        // A zombie leader whose other threads run is alive; the status also counts the leader.
        return match threads(pid) {
            Some(n) if n <= 1 => Probe::Dead,
            Some(_) => Probe::Alive,
            None => Probe::Unknown,
        };
    }
    Probe::Alive
}

struct Stat {
    start_time: u64,
    zombie: bool,
}

fn start_time(pid: u32) -> Option<u64> {
    if !super::PORTABLE {
        parse_stat(&fs::read(format!("/proc/{pid}/stat")).ok()?).map(|s| s.start_time)
    } else {
        None
    }
}

/// Parses `/proc/PID/stat`: the command name (field 2) may contain spaces and parentheses, so
/// fields are counted from the last `)`. The name is raw bytes, not always UTF-8 (it is cut at 15
/// bytes, maybe inside a character), so only the ASCII fields after it are decoded.
fn parse_stat(bytes: &[u8]) -> Option<Stat> {
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

/// The `Threads:` count of `/proc/PID/status` (live tasks, plus a zombie leader).
fn threads(pid: u32) -> Option<u32> {
    let status = fs::read(format!("/proc/{pid}/status")).ok()?;
    let text = String::from_utf8_lossy(&status);
    text.lines()
        .find_map(|l| l.strip_prefix("Threads:"))?
        .trim()
        .parse()
        .ok()
}

/// Whether process `pid` shares our time namespace (whose offsets shift the start times `/proc`
/// shows); `None` if that cannot be read. A kernel without time namespaces has one.
fn same_time_namespace(pid: u32) -> Option<bool> {
    let mine = match fs::read_link("/proc/self/ns/time") {
        Ok(link) => link,
        Err(e) if e.kind() == ErrorKind::NotFound => return Some(true),
        Err(_) => return None,
    };
    Some(fs::read_link(format!("/proc/{pid}/ns/time")).ok()? == mine)
}

/// `kill(pid, 0)`: `Some(false)` if no such process (`ESRCH`), `Some(true)` if one exists (also
/// when we may not signal it, `EPERM`), `None` if the call failed otherwise.
fn kill_probe(pid: u32) -> Option<bool> {
    // SAFETY: `kill` with signal 0 sends nothing; it only checks that the pid exists.
    let rc = unsafe { libc::kill(pid as libc::pid_t, 0) };
    if rc == 0 {
        return Some(true);
    }
    match std::io::Error::last_os_error().raw_os_error() {
        Some(libc::ESRCH) => Some(false),
        Some(libc::EPERM) => Some(true),
        _ => None,
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
        if !crate::sys::PORTABLE {
            assert_eq!(me.probe(), Probe::Alive);
            assert!(me.pid_ns.is_some_and(|ns| ns != 0), "{me:?}");
        }
    }

    /// A pid of another pid namespace, or of one that could not be read, names nobody here: it
    /// is never judged dead, even where the pid is free here.
    #[test]
    fn an_owner_of_another_or_unknown_namespace_is_never_dead() {
        if crate::sys::PORTABLE {
            return; // no namespaces there
        }
        let free = ProcessIdentity {
            pid: (1 << 22) - 1,
            start_time: 5,
            pid_ns: None,
        };
        assert_eq!(free.liveness(), Liveness::Dead);
        let mine = ProcessIdentity::current().pid_ns.unwrap();
        for ns in [0, mine.wrapping_add(1)] {
            let foreign = ProcessIdentity {
                pid_ns: Some(ns),
                ..free
            };
            assert_eq!(foreign.probe(), Probe::Unknown, "{foreign:?}");
            assert_eq!(foreign.liveness(), Liveness::Alive);
        }
        if mine != 0 {
            let same = ProcessIdentity {
                pid_ns: Some(mine),
                ..free
            };
            assert_eq!(same.liveness(), Liveness::Dead);
        }
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
            pid_ns: None,
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
            pid_ns: None,
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
                start_time: 0,
                pid_ns: None,
            }
            .liveness(),
            Liveness::Dead
        );
    }
}
