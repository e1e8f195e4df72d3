//! The measuring side of every contender: creates the channel, starts the peer, measures.

use std::cell::Cell;
use std::os::fd::OwnedFd;
use std::time::Duration;

use super::bounce::Bounce;
use super::channel::{Rate, Receiver, RoundTrips, Sender, consume, ping, time_round_trips};
use super::kind::Kind;
use super::messages::Message;
use super::minimal_ring::MinimalRing;
use super::peer::Peer;
use super::pin::Cores;
use super::semaphore_ring::SemaphoreRing;
use super::stream::{Stream, inheritable, pipe, socket_pair};
use super::{rtrb_threads, shmipc_ring};

/// Slots in every ring.
pub const CAPACITY: usize = 1024;

/// What every measurement needs: the cores and fresh shared-memory names.
pub struct Ctx {
    /// The cores to pin to.
    pub cores: Cores,
    base: String,
    next: Cell<u64>,
}

impl Ctx {
    /// A context whose names start with `/shmipc-bench-PID`.
    pub fn new(cores: Cores) -> Ctx {
        Ctx {
            cores,
            base: format!("/shmipc-bench-{}", std::process::id()),
            next: Cell::new(0),
        }
    }

    /// A name not used before in this run.
    pub fn name(&self) -> String {
        let n = self.next.get();
        self.next.set(n + 1);
        format!("{}-{n}", self.base)
    }

    fn peer_cpu(&self) -> String {
        match self.cores.failure {
            None => self.cores.peer.to_string(),
            Some(_) => "-".to_string(),
        }
    }

    /// Starts the peer for `role` with `kind`, message type `T`.
    fn spawn<T: Message>(
        &self,
        role: &str,
        kind: Kind,
        batched: bool,
        n: u64,
        res: &[String],
    ) -> Peer {
        let mut args = vec![
            role.to_string(),
            kind.tag().to_string(),
            size_of::<T>().to_string(),
            (batched as u8).to_string(),
            n.to_string(),
            self.peer_cpu(),
            CAPACITY.to_string(),
        ];
        args.extend_from_slice(res);
        Peer::spawn(&args)
    }
}

fn measure_rx<T: Message>(peer: Peer, mut rx: impl Receiver<T>, n: u64, batched: bool) -> Rate {
    let rate = consume(&mut rx, n, batched);
    peer.finish();
    rate
}

/// Messages per second from the peer (producer) to this process (consumer), `n` messages.
pub fn throughput<T: Message>(ctx: &Ctx, kind: Kind, n: u64, batched: bool) -> Rate {
    let spawn = |res: &[String]| ctx.spawn::<T>("tput", kind, batched, n, res);
    match kind {
        Kind::Minimal => {
            let name = ctx.name();
            let ring = MinimalRing::<T>::create(&name, CAPACITY);
            measure_rx(spawn(&[name]), ring.consumer(), n, batched)
        }
        Kind::Semaphore => {
            let name = ctx.name();
            let ring = SemaphoreRing::<T>::create(&name, CAPACITY);
            measure_rx(spawn(&[name]), ring, n, batched)
        }
        Kind::Socket | Kind::Pipe => {
            let (mine, theirs) = if kind == Kind::Socket {
                socket_pair()
            } else {
                pipe()
            };
            let peer = spawn_with_fds(&[&theirs], |fds| spawn(fds));
            drop(theirs);
            measure_rx(peer, Stream::<T>::new(mine), n, batched)
        }
        Kind::Rtrb => rtrb_threads::throughput::<T>(&ctx.cores, CAPACITY, n, batched),
        Kind::Shmipc | Kind::ShmipcBlocking | Kind::ShmipcInPlace => {
            let name = ctx.name();
            shmipc_ring::throughput::<T>(kind, &name, CAPACITY, n, batched, |res| spawn(res))
        }
        Kind::Bounce => panic!("the bounce has no throughput"),
    }
}

/// Passes `fds` to the peer that `spawn` starts, then closes this process's copies.
fn spawn_with_fds(fds: &[&OwnedFd], spawn: impl FnOnce(&[String]) -> Peer) -> Peer {
    let nums: Vec<String> = fds.iter().map(|fd| inheritable(fd).to_string()).collect();
    spawn(&nums)
    // The caller drops the OwnedFds it passed after this returns.
}

fn measure_rt<T: Message>(
    peer: Peer,
    mut tx: impl Sender<T>,
    mut rx: impl Receiver<T>,
    run: RoundTrips,
) -> Vec<u32> {
    // Let the peer reach its receive loop before the clock runs.
    std::thread::sleep(Duration::from_millis(1));
    let samples = ping(&mut tx, &mut rx, run);
    peer.finish();
    samples
}

/// Round trips of one message between this process and the peer (see [`RoundTrips`]), in
/// nanoseconds each.
pub fn round_trips<T: Message>(ctx: &Ctx, kind: Kind, run: RoundTrips) -> Vec<u32> {
    let spawn = |res: &[String]| ctx.spawn::<T>("rt", kind, false, run.n, res);
    match kind {
        Kind::Bounce => {
            let name = ctx.name();
            let b = Bounce::create(&name);
            let peer = spawn(&[name]);
            std::thread::sleep(Duration::from_millis(1));
            let samples = time_round_trips(run, |i| b.ping(i));
            b.stop();
            peer.finish();
            samples
        }
        Kind::Minimal => {
            let (a, b) = (ctx.name(), ctx.name());
            let (ra, rb) = (
                MinimalRing::<T>::create(&a, CAPACITY),
                MinimalRing::<T>::create(&b, CAPACITY),
            );
            measure_rt(spawn(&[a, b]), ra.producer(), rb.consumer(), run)
        }
        Kind::Semaphore => {
            let (a, b) = (ctx.name(), ctx.name());
            let (ra, rb) = (
                SemaphoreRing::<T>::create(&a, CAPACITY),
                SemaphoreRing::<T>::create(&b, CAPACITY),
            );
            measure_rt(spawn(&[a, b]), ra, rb, run)
        }
        Kind::Socket => {
            let (mine, theirs) = socket_pair();
            let peer = spawn_with_fds(&[&theirs], |fds| spawn(fds));
            drop(theirs);
            let s = Stream::<T>::new(mine);
            measure_rt(peer, s.try_clone(), s, run)
        }
        Kind::Pipe => {
            let (to_peer_r, to_peer_w) = pipe();
            let (from_peer_r, from_peer_w) = pipe();
            let peer = spawn_with_fds(&[&to_peer_r, &from_peer_w], |fds| spawn(fds));
            drop((to_peer_r, from_peer_w));
            let (tx, rx) = (Stream::<T>::new(to_peer_w), Stream::<T>::new(from_peer_r));
            measure_rt(peer, tx, rx, run)
        }
        Kind::Rtrb => rtrb_threads::round_trips::<T>(&ctx.cores, CAPACITY, run),
        Kind::ShmipcInPlace => panic!("no in-place round trips"),
        Kind::Shmipc | Kind::ShmipcBlocking => {
            let (a, b) = (ctx.name(), ctx.name());
            shmipc_ring::round_trips::<T>(kind, &a, &b, CAPACITY, run, |res| spawn(res))
        }
    }
}

/// A consumer blocked with nothing arriving, and how to wake it.
struct Idle {
    kind: Kind,
    peer: Peer,
    wake: Box<dyn FnOnce()>,
}

fn idle_peer<T: Message>(ctx: &Ctx, kind: Kind) -> Idle {
    let spawn = |res: &[String]| ctx.spawn::<T>("idle", kind, false, 1, res);
    let (peer, wake): (Peer, Box<dyn FnOnce()>) = match kind {
        Kind::Minimal => {
            let name = ctx.name();
            let ring = MinimalRing::<T>::create(&name, CAPACITY);
            let peer = spawn(&[name]);
            let mut tx = ring.producer();
            (peer, Box::new(move || tx.send(&T::new(0))))
        }
        Kind::Semaphore => {
            let name = ctx.name();
            let mut ring = SemaphoreRing::<T>::create(&name, CAPACITY);
            let peer = spawn(&[name]);
            (peer, Box::new(move || ring.send(&T::new(0))))
        }
        Kind::Socket => {
            let (mine, theirs) = socket_pair();
            let peer = spawn_with_fds(&[&theirs], |fds| spawn(fds));
            drop(theirs);
            let mut tx = Stream::<T>::new(mine);
            (peer, Box::new(move || tx.send(&T::new(0))))
        }
        Kind::ShmipcBlocking => {
            let name = ctx.name();
            shmipc_ring::idle_waker::<T>(&name, CAPACITY, |res| spawn(res))
        }
        other => panic!("no idle measurement for {other:?}"),
    };
    Idle { kind, peer, wake }
}

/// Starts a blocked consumer of each of `kinds` at once, leaves them `window` with nothing
/// arriving, wakes them; returns each one's CPU use in percent of a core.
pub fn idle_cpu(ctx: &Ctx, kinds: &[Kind], window: Duration) -> Vec<(Kind, f64)> {
    let idles: Vec<Idle> = kinds
        .iter()
        .map(|&k| idle_peer::<super::messages::Msg64>(ctx, k))
        .collect();
    std::thread::sleep(window);
    idles
        .into_iter()
        .map(|mut i| {
            (i.wake)();
            let line = i.peer.line();
            let (cpu, wall) = line
                .split_once(' ')
                .map(|(c, w)| (c.parse::<f64>().unwrap(), w.parse::<f64>().unwrap()))
                .expect("the idle peer reports `cpu_ns wall_ns`");
            i.peer.finish();
            (i.kind, 100.0 * cpu / wall)
        })
        .collect()
}

/// memcpy bandwidth in bytes (not messages) per second on one core: `n` copies of 1024-byte blocks out of a
/// buffer of `src_len` bytes (walked in order, wrapping) into one local block; the median of
/// [`CHUNKS`](super::channel::CHUNKS) stretches, like the rings' rates.
pub fn memcpy_bandwidth(src_len: usize, n: u64) -> Rate {
    const BLOCK: usize = 1024;
    thread_local! {
        static SOURCES: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SOURCES.with_borrow_mut(|sources| {
        if !sources.iter().any(|s| s.len() == src_len) {
            sources.push(vec![0x5a; src_len]);
        }
        let src = sources
            .iter()
            .find(|s| s.len() == src_len)
            .expect("just added");
        let mut dst = [0u8; BLOCK];
        let blocks = src_len / BLOCK;
        let chunks = super::channel::CHUNKS as u64;
        let per = (n / chunks).max(1);
        let start = std::time::Instant::now();
        let mut rates: Vec<f64> = (0..chunks)
            .map(|c| {
                let t = std::time::Instant::now();
                for i in c * per..(c + 1) * per {
                    let at = (i as usize % blocks) * BLOCK;
                    dst.copy_from_slice(std::hint::black_box(&src[at..at + BLOCK]));
                    std::hint::black_box(&mut dst);
                }
                (per as f64 * BLOCK as f64) / t.elapsed().as_secs_f64()
            })
            .collect();
        rates.sort_by(f64::total_cmp);
        Rate {
            per_s: rates[rates.len() / 2],
            took_s: start.elapsed().as_secs_f64(),
        }
    })
}
