//! Instructions per message, one thread (run under `valgrind --tool=callgrind`): shmipc's ring
//! against the minimal ring, single and batched, 8 and 64 B.
use shmipc::SpscRing;
use shmipc_examples::ring_bench::channel::{Receiver, Sender};
use shmipc_examples::ring_bench::messages::{Message, Msg8, Msg64};
use shmipc_examples::ring_bench::minimal_ring::MinimalRing;
use shmipc_examples::ring_bench::shmipc_ring::{Rx, Tx};
use std::hint::black_box;

fn n() -> u64 {
    std::env::args()
        .nth(3)
        .map_or(100_000, |a| a.parse().unwrap())
}

/// Pushes and pops `n()` messages through `p` and `c`, 32 at a time (as one batch each, or one
/// by one).
fn drive<T: Message>(p: &mut impl Sender<T>, c: &mut impl Receiver<T>, batched: bool) {
    let mut m = T::new(0);
    let mut buf = vec![m; 32];
    let mut out = vec![m; 32];
    for i in 0..n() / 32 {
        if batched {
            for (k, b) in buf.iter_mut().enumerate() {
                b.set_seq(i * 32 + k as u64);
            }
            p.send_batch(&buf);
            let n = c.recv_batch(&mut out);
            black_box(&out[..n]);
        } else {
            for k in 0..32 {
                m.set_seq(i * 32 + k);
                p.send(&m);
            }
            for _ in 0..32 {
                black_box(c.recv());
            }
        }
    }
}

fn shm<T: Message>(name: &str, batched: bool) {
    let ring = SpscRing::<T>::builder(name)
        .capacity(1024)
        .create()
        .unwrap();
    let mut p = Tx(ring.producer().unwrap());
    let mut c = Rx(ring.consumer().unwrap());
    drive(&mut p, &mut c, batched);
}

fn min<T: Message>(name: &str, batched: bool) {
    let a = MinimalRing::<T>::create(name, 1024);
    let b = MinimalRing::<T>::open(name, 1024);
    drive(&mut a.producer(), &mut b.consumer(), batched);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args[1].as_str();
    let batched = args.get(2).is_some_and(|a| a == "batch");
    let name = format!("shmipc-icount-{}", std::process::id());
    match which {
        "shm8" => shm::<Msg8>(&name, batched),
        "shm64" => shm::<Msg64>(&name, batched),
        "min8" => min::<Msg8>(&name, batched),
        "min64" => min::<Msg64>(&name, batched),
        _ => panic!("which"),
    }
}
