//! `rtrb` between two threads of one process (pinned to the same two cores as the processes).

use std::time::Duration;

use rtrb::{Consumer, Producer, RingBuffer};

use super::channel::{Rate, Receiver, RoundTrips, Sender, consume, ping, pong, produce};
use super::messages::Message;
use super::pin::{Cores, pin_current_thread};

impl<T: Message> Sender<T> for Producer<T> {
    fn send(&mut self, msg: &T) {
        let mut m = *msg;
        while let Err(rtrb::PushError::Full(back)) = self.push(m) {
            m = back;
            std::hint::spin_loop();
        }
    }

    fn send_batch(&mut self, msgs: &[T]) {
        let mut rest = msgs;
        while !rest.is_empty() {
            let k = self.slots().min(rest.len());
            if k == 0 {
                std::hint::spin_loop();
                continue;
            }
            let chunk = self.write_chunk_uninit(k).expect("k slots are free");
            chunk.fill_from_iter(rest[..k].iter().copied());
            rest = &rest[k..];
        }
    }
}

impl<T: Message> Receiver<T> for Consumer<T> {
    fn recv(&mut self) -> T {
        loop {
            if let Ok(m) = self.pop() {
                return m;
            }
            std::hint::spin_loop();
        }
    }

    fn recv_batch(&mut self, out: &mut [T]) -> usize {
        loop {
            let k = self.slots().min(out.len());
            if k > 0 {
                let chunk = self.read_chunk(k).expect("k slots are filled");
                let (a, b) = chunk.as_slices();
                out[..a.len()].copy_from_slice(a);
                out[a.len()..k].copy_from_slice(b);
                chunk.commit_all();
                return k;
            }
            std::hint::spin_loop();
        }
    }
}

fn pin(cores: &Cores, cpu: usize) {
    if cores.failure.is_none() {
        let _ = pin_current_thread(cpu);
    }
}

/// Messages per second from a producer thread to this thread.
pub fn throughput<T: Message>(cores: &Cores, capacity: usize, n: u64, batched: bool) -> Rate {
    let (mut tx, mut rx) = RingBuffer::<T>::new(capacity);
    std::thread::scope(|s| {
        let c = cores.clone();
        s.spawn(move || {
            pin(&c, c.peer);
            produce(&mut tx, n, batched);
        });
        consume(&mut rx, n, batched)
    })
}

/// Round trips (ns) between this thread and a pong thread.
pub fn round_trips<T: Message>(cores: &Cores, capacity: usize, run: RoundTrips) -> Vec<u32> {
    let (mut ping_tx, mut ping_rx) = RingBuffer::<T>::new(capacity);
    let (mut pong_tx, mut pong_rx) = RingBuffer::<T>::new(capacity);
    std::thread::scope(|s| {
        let c = cores.clone();
        s.spawn(move || {
            pin(&c, c.peer);
            pong(&mut ping_rx, &mut pong_tx);
        });
        // Let the pong thread start spinning before the clock runs.
        std::thread::sleep(Duration::from_millis(1));
        ping(&mut ping_tx, &mut pong_rx, run)
    })
}
