//! Helper process for `tests/tests/sync_liveness.rs`: a lock holder or a locker that sees the
//! holder badly (no `/proc`, `/proc` with `hidepid=2` as another user). Prints `ready` (flushed)
//! once set up; lockers print one result line.
//!
//! Subcommands:
//! - `hold ENV NAME`: in `ENV`, open the mutex, lock it, print `ready`, hold it until stdin
//!   closes.
//! - `hold-zombie NAME`: a second thread locks and holds; the main thread then exits alone
//!   (`SYS_exit`), leaving a zombie thread-group leader whose process still runs.
//! - `lock ENV NAME MS`: in the environment `ENV`, `lock_timeout(MS)`; prints `timeout`,
//!   `owner-died`, `locked` or `err …`.
//! - `replace ENV NAME`: in `ENV`, create `NAME` with `replace_dead(true)`; prints `replaced`,
//!   `exists` or `err …`.
//!
//! `ENV` is `plain`, `no-proc` (a private mount namespace with a tmpfs over `/proc`), `hidepid`
//! (a private mount namespace with a fresh `/proc` mounted `hidepid=2`, then running as
//! `nobody`) or `pidns` (a new pid namespace with its own `/proc`: the work runs in a forked child,
//! pid 1 there, whose exit status the parent passes on). All but `plain` need root.

use std::ffi::CString;
use std::io::{Read, Write};
use std::time::Duration;

use shmipc::{Error, LockError, SharedMutex};
use shmipc_schemas::Ping;

const NOBODY: u32 = 65534;

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

fn check(rc: libc::c_int, what: &str) {
    if rc != 0 {
        panic!("{what}: {}", std::io::Error::last_os_error());
    }
}

fn mount(source: &str, target: &str, fstype: &str, flags: libc::c_ulong, data: &str) {
    let (s, t, f, d) = (
        CString::new(source).unwrap(),
        CString::new(target).unwrap(),
        CString::new(fstype).unwrap(),
        CString::new(data).unwrap(),
    );
    // SAFETY: all four are NUL-terminated strings that outlive the call.
    let rc = unsafe { libc::mount(s.as_ptr(), t.as_ptr(), f.as_ptr(), flags, d.as_ptr().cast()) };
    check(rc, &format!("mount {fstype} on {target}"));
}

/// Enters a private mount namespace (this process is still single-threaded) and hides `/proc`.
fn enter(env: &str) {
    if env == "plain" {
        return;
    }
    // SAFETY: `unshare` takes no pointers; no other thread exists yet, so the CLONE_NEWNS
    // unshare (which implies CLONE_FS) is allowed.
    check(unsafe { libc::unshare(libc::CLONE_NEWNS) }, "unshare -m");
    // SAFETY: the target is a NUL-terminated literal; the null source, type and data are allowed
    // for a propagation change (MS_PRIVATE), which reads none of them.
    let rc = unsafe {
        libc::mount(
            core::ptr::null(),
            c"/".as_ptr(),
            core::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            core::ptr::null(),
        )
    };
    check(rc, "make / private");
    match env {
        "no-proc" => mount("none", "/proc", "tmpfs", 0, "size=64k"),
        "pidns" => {
            enter_pid_namespace();
            mount(
                "proc",
                "/proc",
                "proc",
                libc::MS_NOSUID | libc::MS_NODEV,
                "",
            );
            assert_eq!(std::process::id(), 1, "pid 1 of the new namespace");
            return;
        }
        "hidepid" => {
            mount(
                "proc",
                "/proc",
                "proc",
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                "hidepid=2",
            );
            // SAFETY: plain system calls of a single-threaded process.
            unsafe {
                check(libc::setgroups(0, core::ptr::null()), "setgroups");
                check(libc::setgid(NOBODY), "setgid nobody");
                check(libc::setuid(NOBODY), "setuid nobody");
            }
        }
        _ => panic!("unknown environment {env}"),
    }
    assert!(
        std::fs::read("/proc/1/stat").is_err(),
        "/proc still shows pid 1 in environment {env}"
    );
}

/// Unshares the pid namespace and forks: the child (pid 1 in the new namespace) returns; the
/// parent waits for it and exits with its status.
fn enter_pid_namespace() {
    // SAFETY: `unshare` takes no pointers; the process is single-threaded.
    check(unsafe { libc::unshare(libc::CLONE_NEWPID) }, "unshare -p");
    // SAFETY: single-threaded, so the child may run arbitrary code after `fork`.
    let child = unsafe { libc::fork() };
    assert!(child >= 0, "fork: {}", std::io::Error::last_os_error());
    if child == 0 {
        // SAFETY: `prctl(PR_SET_PDEATHSIG)` takes an integer: the child dies with its parent.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
        return;
    }
    let mut status = 0;
    // SAFETY: `status` is a valid place for the status of our own child.
    let rc = unsafe { libc::waitpid(child, &mut status, 0) };
    assert_eq!(rc, child, "waitpid: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        101
    };
    std::process::exit(code);
}

fn open(name: &str) -> SharedMutex<Ping> {
    SharedMutex::<Ping>::builder(name)
        .mode(0o666)
        .allow_owner(0)
        .open()
        .expect("open the mutex")
}

fn wait_for_stdin_to_close() {
    let mut rest = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut rest);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| -> &str {
        args.get(i)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("argument {i} missing: {args:?}"))
    };
    match arg(0) {
        "hold" => {
            enter(arg(1));
            let m = open(arg(2));
            let _guard = m.lock().expect("a clean lock");
            say("ready");
            wait_for_stdin_to_close();
        }
        "hold-zombie" => {
            let name = arg(1).to_owned();
            let (locked, is_locked) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let m = open(&name);
                let _guard = m.lock().expect("a clean lock");
                locked.send(()).unwrap();
                say("ready");
                loop {
                    std::thread::sleep(Duration::from_secs(3600));
                }
            });
            is_locked.recv().unwrap();
            // SAFETY: ends only the calling (main) thread; the holding thread keeps running and
            // owns everything it uses (`m` lives on its own stack). Nothing of the main thread is
            // used afterwards: this call does not return.
            unsafe { libc::syscall(libc::SYS_exit, 0) };
            unreachable!("SYS_exit returned");
        }
        "lock" => {
            enter(arg(1));
            let m = open(arg(2));
            let ms: u64 = arg(3).parse().expect("milliseconds");
            let line = match m.lock_timeout(Duration::from_millis(ms)) {
                Ok(_) => "locked".to_owned(),
                Err(LockError::Timeout) => "timeout".to_owned(),
                Err(LockError::OwnerDied(_)) => "owner-died".to_owned(),
                Err(e) => format!("err {e}"),
            };
            say(&line);
        }
        "replace" => {
            enter(arg(1));
            let line = match SharedMutex::<Ping>::builder(arg(2))
                .replace_dead(true)
                .create()
            {
                Ok(m) => {
                    // Keep the name: the test removes it.
                    std::mem::forget(m);
                    "replaced".to_owned()
                }
                Err(Error::AlreadyExists { .. }) => "exists".to_owned(),
                Err(e) => format!("err {e}"),
            };
            say(&line);
        }
        other => panic!("unknown subcommand {other}"),
    }
}
