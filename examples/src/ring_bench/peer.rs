//! Starting the peer process (this program again) and the peer's side of every measurement.
//!
//! Command line of the peer: `--peer ROLE KIND SIZE BATCHED N CPU CAPACITY [RESOURCE...]`, ROLE
//! one of `tput` (produce N), `rt` (answer N round trips), `idle` (block in one receive and report
//! the CPU time it used meanwhile).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Instant;

use super::bounce::Bounce;
use super::channel::{Receiver, Sender, pong, produce};
use super::kind::Kind;
use super::messages::Message;
use super::minimal_ring::MinimalRing;
use super::semaphore_ring::SemaphoreRing;
use super::stream::Stream;
use super::{pin, shmipc_ring};

/// A running peer process.
pub struct Peer {
    child: Child,
    out: BufReader<ChildStdout>,
}

impl Peer {
    /// Starts `this-program --peer ARGS...` and waits until it says it is ready.
    pub fn spawn(args: &[String]) -> Peer {
        let mut child = Command::new(std::env::current_exe().expect("path of this program"))
            .arg("--peer")
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the peer process");
        let mut out = BufReader::new(child.stdout.take().expect("piped stdout"));
        let line = read_line(&mut out);
        assert_eq!(line, "ready", "the peer failed to start");
        Peer { child, out }
    }

    /// The next line the peer prints.
    pub fn line(&mut self) -> String {
        read_line(&mut self.out)
    }

    /// Waits for the peer to exit successfully.
    pub fn finish(mut self) {
        let status = self.child.wait().expect("wait for the peer");
        assert!(status.success(), "the peer failed: {status}");
    }
}

fn read_line(out: &mut impl BufRead) -> String {
    let mut line = String::new();
    out.read_line(&mut line).expect("read from the peer");
    line.trim().to_string()
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").expect("write to the parent");
    out.flush().expect("flush");
}

/// The peer process's main: `args` follow `--peer`.
pub fn main(args: &[String]) {
    let [role, kind, size, batched, n, cpu, capacity, res @ ..] = args else {
        panic!("peer: bad arguments {args:?}");
    };
    die_with_parent();
    let kind = Kind::from_tag(kind);
    let n: u64 = n.parse().expect("count");
    let batched = batched == "1";
    let capacity: usize = capacity.parse().expect("capacity");
    if let Ok(cpu) = cpu.parse::<usize>() {
        let _ = pin::pin_current_thread(cpu);
    }
    let size: usize = size.parse().expect("size");
    crate::with_message!(size, T => match role.as_str() {
        "tput" => producer::<T>(kind, capacity, n, batched, res),
        "rt" => responder::<T>(kind, capacity, n, res),
        "idle" => idle::<T>(kind, capacity, res),
        other => panic!("peer: unknown role {other}"),
    })
}

fn fd(arg: &str) -> i32 {
    arg.parse().expect("descriptor number")
}

fn producer<T: Message>(kind: Kind, cap: usize, n: u64, batched: bool, res: &[String]) {
    fn go<T: Message>(mut tx: impl Sender<T>, n: u64, batched: bool) {
        say("ready");
        produce(&mut tx, n, batched);
    }
    match kind {
        Kind::Minimal => go(MinimalRing::<T>::open(&res[0], cap).producer(), n, batched),
        Kind::Semaphore => go(SemaphoreRing::<T>::open(&res[0], cap), n, batched),
        Kind::Socket | Kind::Pipe => go(Stream::<T>::inherited(fd(&res[0])), n, batched),
        Kind::Shmipc | Kind::ShmipcBlocking | Kind::ShmipcInPlace => {
            shmipc_ring::producer::<T>(kind, &res[0], n, batched, || say("ready"))
        }
        Kind::Bounce | Kind::Rtrb => panic!("{kind:?} has no producer process"),
    }
}

fn responder<T: Message>(kind: Kind, cap: usize, n: u64, res: &[String]) {
    fn go<T: Message>(mut rx: impl Receiver<T>, mut tx: impl Sender<T>, _n: u64) {
        say("ready");
        pong(&mut rx, &mut tx);
    }
    match kind {
        Kind::Bounce => {
            let b = Bounce::open(&res[0]);
            say("ready");
            b.pong();
        }
        Kind::Minimal => go(
            MinimalRing::<T>::open(&res[0], cap).consumer(),
            MinimalRing::<T>::open(&res[1], cap).producer(),
            n,
        ),
        Kind::Semaphore => go(
            SemaphoreRing::<T>::open(&res[0], cap),
            SemaphoreRing::<T>::open(&res[1], cap),
            n,
        ),
        Kind::Socket => {
            let s = Stream::<T>::inherited(fd(&res[0]));
            go(s.try_clone(), s, n)
        }
        Kind::Pipe => go(
            Stream::<T>::inherited(fd(&res[0])),
            Stream::<T>::inherited(fd(&res[1])),
            n,
        ),
        Kind::Shmipc | Kind::ShmipcBlocking => {
            shmipc_ring::responder::<T>(kind, &res[0], &res[1], || say("ready"))
        }
        Kind::Rtrb => panic!("rtrb runs in threads"),
        Kind::ShmipcInPlace => panic!("no in-place round trips"),
    }
}

/// Blocks in one receive with nothing arriving, then prints the CPU time (ns) and the wall time
/// (ns) that receive took.
fn idle<T: Message>(kind: Kind, cap: usize, res: &[String]) {
    match kind {
        Kind::Minimal => {
            let mut rx = MinimalRing::<T>::open(&res[0], cap).consumer();
            measure_idle(&mut || rx.recv())
        }
        Kind::Semaphore => {
            let mut rx = SemaphoreRing::<T>::open(&res[0], cap);
            measure_idle(&mut || rx.recv())
        }
        Kind::Socket => {
            let mut rx = Stream::<T>::inherited(fd(&res[0]));
            measure_idle(&mut || rx.recv())
        }
        Kind::ShmipcBlocking => shmipc_ring::idle::<T>(&res[0], measure_idle::<T>),
        other => panic!("no idle measurement for {other:?}"),
    }
}

/// Says ready, then times one blocking `recv` in CPU time and wall time.
fn measure_idle<T: Message>(recv: &mut dyn FnMut() -> T) {
    say("ready");
    let (cpu0, t0) = (cpu_time_ns(), Instant::now());
    std::hint::black_box(recv());
    let (cpu1, wall) = (cpu_time_ns(), t0.elapsed().as_nanos());
    say(&format!("{} {wall}", cpu1 - cpu0));
}

/// Asks the kernel to kill this process when its parent dies: a spinning peer whose parent
/// failed would otherwise spin forever.
pub fn die_with_parent() {
    // SAFETY: PR_SET_PDEATHSIG takes a signal number and changes only this process's settings.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
}

/// User + system CPU time of this process, in nanoseconds.
pub fn cpu_time_ns() -> u64 {
    // SAFETY: `rusage` is plain data; getrusage fills the struct passed.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable rusage.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    assert_eq!(rc, 0);
    let ns = |t: libc::timeval| t.tv_sec as u64 * 1_000_000_000 + t.tv_usec as u64 * 1_000;
    ns(u.ru_utime) + ns(u.ru_stime)
}
