//! `SIGBUS` hardening, with real processes: a segment truncated by a third process while a
//! creator and an opener read it (both survive and report it), a fault outside shmipc's mappings
//! (still kills by `SIGBUS`), and a full `/dev/shm` (`create` fails with `NoSpace`, a segment made
//! before the tmpfs filled keeps working).
//!
//! The full-tmpfs tests run the helper in a private mount namespace with a 1 MiB tmpfs over
//! `/dev/shm` (`unshare -m` as root, `unshare -rm` otherwise). Where no mount namespace can be
//! made they fail, saying so (they are named `root_…`: `--skip root_` leaves them out): they never
//! pass without running.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;

use shmipc_tests::{Peer, guarded_name};

const PEER: &str = env!("CARGO_BIN_EXE_hardening_peer");

#[test]
fn creator_and_opener_survive_a_truncation_and_report_it() {
    let (name, _cleanup) = guarded_name("tr");
    let mut creator = Peer::spawn(PEER, &["create-loop", &name]);
    assert_eq!(creator.line(), "ready", "creator");
    let mut opener = Peer::spawn(PEER, &["open-loop", &name]);
    assert_eq!(opener.line(), "ready", "opener");
    // The third process: exactly what an attacker with write access runs.
    let status = Command::new("truncate")
        .args(["-s", "0", &format!("/dev/shm{name}")])
        .status()
        .expect("run truncate");
    assert!(status.success(), "truncate: {status}");
    for (who, peer) in [("creator", creator), ("opener", opener)] {
        let mut peer = peer;
        let line = peer.line();
        let (status, rest) = peer.wait();
        assert_eq!(
            line,
            "broken zeros=true check=Truncated",
            "{who} (exit {status:?}, signal {:?}): {rest}",
            status.signal()
        );
        assert!(status.success(), "{who} exited with {status}: {rest}");
    }
}

#[test]
fn a_fault_outside_shmipc_mappings_still_kills_by_sigbus() {
    let (name, _cleanup) = guarded_name("fs");
    let mut peer = Peer::spawn(PEER, &["foreign-sigbus", &name]);
    assert_eq!(peer.line(), "touching");
    let (status, rest) = peer.wait();
    assert_eq!(
        status.signal(),
        Some(libc::SIGBUS),
        "the peer must die by SIGBUS, not {status} (output: {rest})"
    );
}

/// Runs `hardening_peer <cmd> <name>` in a private mount namespace whose `/dev/shm` is a 1 MiB
/// tmpfs, after `setup` (shell commands) ran there; its first line of output. Fails the test if no
/// mount namespace can be made.
fn in_tiny_tmpfs(setup: &str, cmd: &str, name: &str) -> String {
    // SAFETY: `geteuid` has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let unshare: &[&str] = if root { &["-m"] } else { &["-r", "-m"] };
    let script = format!(
        "mount -t tmpfs -o size=1M tmpfs /dev/shm || exit 97; {setup}; exec \"$0\" \"$1\" \"$2\""
    );
    let probe = Command::new("unshare")
        .args(unshare)
        .args(["sh", "-c", "mount -t tmpfs -o size=1M tmpfs /dev/shm"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        panic!(
            "cannot make a private mount namespace with a tmpfs over /dev/shm (needs root, or \
             unprivileged user namespaces, and util-linux `unshare`): run as root, or leave the \
             root tests out with `--skip root_`"
        );
    }
    let mut args: Vec<&str> = unshare.to_vec();
    args.extend(["sh", "-c", &script, PEER, cmd, name]);
    let mut peer = Peer::spawn("unshare", &args);
    let line = peer.line();
    let (status, rest) = peer.wait();
    assert_ne!(
        status.signal(),
        Some(libc::SIGBUS),
        "the helper died by SIGBUS (first line `{line}`, rest: {rest})"
    );
    assert_ne!(status.code(), Some(97), "mounting the tmpfs failed");
    line
}

#[test]
fn root_create_on_a_full_dev_shm_fails_with_no_space() {
    let (name, _cleanup) = guarded_name("ns");
    let fill =
        "dd if=/dev/zero of=/dev/shm/fill bs=64k 2>/dev/null; [ -s /dev/shm/fill ] || exit 98";
    let line = in_tiny_tmpfs(fill, "nospace-create", &name);
    assert!(line.starts_with("err NoSpace: "), "{line}");
    assert!(line.contains("df -h /dev/shm"), "{line}");
}

#[test]
fn root_a_segment_made_before_dev_shm_filled_keeps_working() {
    let (name, _cleanup) = guarded_name("na");
    let line = in_tiny_tmpfs("true", "nospace-after", &name);
    assert_eq!(line, "ok intact=true matches=true");
}
