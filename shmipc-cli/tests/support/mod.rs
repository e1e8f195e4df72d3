//! What the CLI tests share: running the real `shmipc` binary, helper processes (this test
//! binary run again with `SHMIPC_CLI_HELPER` set, so that a lock or role can be held by another
//! live process, or by one that died), and filters that make output with pids comparable.
#![allow(dead_code)] // each test file uses a part

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

use shmipc::prelude::*;

/// A small value type with every kind of field the decoder handles.
#[derive(SharedLayout, Clone, Copy, Default, Debug, PartialEq)]
#[repr(C)]
#[shm(endian = "little", version = 7, name = "cli::Probe")]
pub struct Probe {
    pub seq: U64Le,
    pub temp_c: F32Le,
    pub code: [u8; 4],
}

/// Creates the primitive `P` named `name`, persisted: it outlives this handle and its creator.
pub fn persisted<P: shmipc::SharedPrimitive>(name: &str) -> P {
    shmipc::Builder::<P>::new(name)
        .persist(true)
        .create()
        .unwrap_or_else(|e| panic!("create {name}: {e}"))
}

/// The probe message number `seq` (its temperature `seq / 2`).
pub fn probe(seq: u64) -> Probe {
    Probe {
        seq: seq.into(),
        temp_c: (seq as f32 / 2.0).into(),
        code: *b"AB\0\0",
    }
}

/// What a run of the tool gave.
pub struct Run {
    pub ok: bool,
    pub code: i32,
    pub out: String,
    pub err: String,
}

impl Run {
    /// The standard output parsed as one JSON document.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.out)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.out, self.err))
    }
}

/// Runs `shmipc args…`.
pub fn shmipc(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_shmipc"))
        .args(args)
        .output()
        .expect("run the shmipc tool");
    Run {
        ok: out.status.success(),
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `shmipc args…` and checks that it succeeded.
pub fn shmipc_ok(args: &[&str]) -> Run {
    let run = shmipc(args);
    assert!(run.ok, "shmipc {args:?} failed: {}{}", run.err, run.out);
    run
}

/// The standard output of the successful `shmipc args…` made comparable for snapshots: the
/// segment name `name` and every pid of `pids` replaced (see [`filter`]).
pub fn shown(args: &[&str], name: &str, pids: &[u32]) -> String {
    filter(&shmipc_ok(args).out, pids).replace(name, "[NAME]")
}

/// The `n` lines of `shmipc watch name --json` (sampling every 20 ms), parsed.
pub fn watch_samples(name: &str, n: u32) -> Vec<serde_json::Value> {
    let count = n.to_string();
    let args = [
        "watch",
        name,
        "--count",
        &count,
        "--interval-ms",
        "20",
        "--json",
    ];
    let run = shmipc_ok(&args);
    let samples: Vec<serde_json::Value> = run
        .out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(samples.len(), n as usize, "{}", run.out);
    samples
}

/// The `kind_state` of `inspect --json`'s `doc`, checked to be a decoded ring of `kind` with
/// `capacity` slots and the tail `tail`.
pub fn ring_state<'a>(
    doc: &'a serde_json::Value,
    kind: &str,
    capacity: u64,
    tail: u64,
) -> &'a serde_json::Value {
    let state = &doc["kind_state"];
    assert_eq!(doc["kind"], kind, "{doc:#}");
    assert_eq!(state["decoded"], true, "{doc:#}");
    assert_eq!(state["capacity"], capacity, "{doc:#}");
    assert_eq!(state["tail"], tail, "{doc:#}");
    state
}

/// Checks the last of two `watch --json` samples of the ring `name`: no traffic between them,
/// and every key of `expected` (an object) with its value.
pub fn check_quiet_sample(name: &str, expected: serde_json::Value) {
    let last = watch_samples(name, 2).pop().expect("two samples");
    assert_eq!(last["messages_per_second"], 0.0, "{last}");
    for (key, value) in expected.as_object().expect("an object") {
        assert_eq!(&last[key], value, "{key} in {last}");
    }
}

/// Whether the shared-memory name `name` exists.
pub fn exists(name: &str) -> bool {
    std::fs::metadata(format!("/dev/shm{name}")).is_ok()
}

/// Names `<prefix><suffix>` for a fresh test prefix (which `clean --prefix` can be limited
/// to), removed when the returned guard drops (also when an assertion fails).
pub fn names_under<const N: usize>(
    tag: &str,
    suffixes: [&str; N],
) -> (String, [String; N], shmipc_tests::ShmCleanup) {
    let prefix = shmipc_tests::unique_name(tag);
    let names = suffixes.map(|s| format!("{prefix}{s}"));
    let cleanup = shmipc_tests::ShmCleanup::new(names.clone());
    (prefix, names, cleanup)
}

/// `text` with every pid and start time of `pids` replaced, for snapshots.
pub fn filter(text: &str, pids: &[u32]) -> String {
    let mut out = text.to_owned();
    for (i, pid) in pids.iter().enumerate() {
        out = out.replace(&format!("pid {pid} "), &format!("pid [PID{i}] "));
    }
    let uid =
        std::fs::metadata("/proc/self").map_or(0, |m| std::os::unix::fs::MetadataExt::uid(&m));
    out = out.replace(&format!("owner uid {uid}"), "owner uid [UID]");
    let lines: Vec<String> = out
        .lines()
        .map(|l| match l.find(", start time ") {
            Some(at) => format!("{}, start time [TIME]", &l[..at]),
            None => l.to_owned(),
        })
        .collect();
    lines.join("\n") + "\n"
}

/// A helper process running one of [`helper_main`]'s commands.
pub struct Helper {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Helper {
    /// Starts `command name` in a helper and waits for its `ready` line.
    pub fn start(command: &str, name: &str) -> Helper {
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "helper_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("SHMIPC_CLI_HELPER", format!("{command} {name}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the helper");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        loop {
            let mut line = String::new();
            let n = stdout.read_line(&mut line).expect("read the helper");
            assert!(n > 0, "the helper `{command}` ended before it was ready");
            if line.trim_end().ends_with("shmipc-helper-ready") {
                break;
            }
        }
        Helper { child, stdout }
    }

    /// Its pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Runs `command name` in a helper that exits at once after it (holding what it took), and
    /// waits until it is gone; its pid.
    pub fn run_and_die(command: &str, name: &str) -> u32 {
        let mut h = Helper::start(command, name);
        let pid = h.pid();
        drop(h.child.stdin.take());
        h.child.wait().expect("reap the helper");
        pid
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens `P` named `name` and keeps it, and what `what` takes from it (a role, a lock), until
/// the process exits.
fn take<P: shmipc::SharedPrimitive + 'static, H: 'static>(
    keep: &mut Vec<Box<dyn std::any::Any>>,
    name: &str,
    what: impl FnOnce(&P) -> H,
) {
    let primitive = shmipc::Builder::<P>::new(name)
        .open()
        .unwrap_or_else(|e| panic!("open {name}: {e}"));
    keep.push(Box::new(what(&primitive)));
    keep.push(Box::new(primitive));
}

/// A claim hook that says `ready` and waits to be killed, in the middle of a claim.
fn ready_then_wait() {
    println!("shmipc-helper-ready");
    loop {
        std::thread::sleep(std::time::Duration::from_secs(60));
    }
}

/// The body of the helper process: does `SHMIPC_CLI_HELPER`'s command, prints `ready`, then
/// waits until its standard input closes and exits without releasing anything. Returns at once
/// in a normal test run. Each test file calls it from a `#[test] fn helper_process()`.
pub fn helper_main() {
    let Ok(spec) = std::env::var("SHMIPC_CLI_HELPER") else {
        return;
    };
    let (command, name) = spec.split_once(' ').expect("command and name");
    let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
    match command {
        "lock" => take(&mut keep, name, |m: &shmipc::SharedMutex<Probe>| {
            std::mem::forget(m.lock().map_err(|_| "lock").expect("lock"));
        }),
        "consume" => take(&mut keep, name, |r: &shmipc::SpscRing<Probe>| {
            r.consumer().expect("take the consumer role")
        }),
        "create" => {
            let s: shmipc::Segment<Probe> = persisted(name);
            s.write(&Probe {
                seq: 9.into(),
                ..Probe::default()
            });
            keep.push(Box::new(s));
        }
        "create-ring" => keep.push(Box::new(persisted::<shmipc::SpscRing<Probe>>(name))),
        "create-broadcast" => {
            keep.push(Box::new(persisted::<shmipc::BroadcastRing<Probe>>(name)));
        }
        "publish" => take(&mut keep, name, |r: &shmipc::BroadcastRing<Probe>| {
            let mut publisher = r.producer().expect("take the publisher role");
            publisher.push(probe(100));
            publisher
        }),
        "create-mpmc" => keep.push(Box::new(persisted::<shmipc::MpmcRing<Probe>>(name))),
        "mpmc-consume" => take(&mut keep, name, |r: &shmipc::MpmcRing<Probe>| {
            r.consumer().expect("a consumer")
        }),
        "mpmc-die-writing" => {
            // Claims a slot and stops between the claim and the publication (killed there).
            let ring = shmipc::MpmcRing::<Probe>::builder(name)
                .after_claim(ready_then_wait)
                .open()
                .expect("open the ring");
            let mut producer = ring.producer().expect("a producer");
            let _ = producer.try_push(probe(99));
            unreachable!("the claim hook never returns");
        }
        other => panic!("unknown helper command {other}"),
    }
    println!("shmipc-helper-ready");
    let mut rest = String::new();
    let _ = std::io::stdin().read_line(&mut rest);
    // Exit without running destructors: whatever was taken stays taken, by a dead process.
    std::process::exit(0);
}
