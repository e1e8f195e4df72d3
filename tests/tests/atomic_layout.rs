//! Layouts made only of atomics and wait cells: the derive grants them `AtomicLayout`, and
//! `Segment::shared` hands out a safe `&T` into the segment, which two handles (two mappings, as
//! two processes have) modify concurrently. Also: a `SharedMutex` of a value aligned to 128.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use shmipc::prelude::*;
use shmipc::{AtomicLayout, Segment, SharedMutex, WaitCell};
use shmipc_tests::counters::Counters;
use shmipc_tests::{Peer, guarded_name};

const SEGMENT_PEER: &str = env!("CARGO_BIN_EXE_segment_peer");

/// A control block between a producer and a consumer.
#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
struct Control {
    generation: AtomicU64,
    processed: [AtomicU32; 2],
    doorbell: WaitCell,
}

fn assert_atomic<T: AtomicLayout>() {}

#[test]
fn a_struct_of_atomics_and_wait_cells_is_an_atomic_layout() {
    assert_atomic::<Control>();
    assert_atomic::<WaitCell>();
    let table = Control::LAYOUT.to_string();
    assert!(
        table.contains("doorbell: WaitCell v1 #"),
        "the wait cell is a nested native layout: {table}"
    );
    assert_eq!(Control::LAYOUT.size(), 24);
    // Every layout has its all-zero value, also one of atomics (no `Copy`, no `Default`).
    let zero = Control::zeroed();
    assert_eq!(zero.generation.load(Ordering::Relaxed), 0);
    assert_eq!(zero.doorbell.load(), 0);
}

#[test]
fn two_mappings_share_a_control_block_without_unsafe() {
    let (name, _cleanup) = guarded_name("al");
    let creator = Segment::<Control>::create(&name).unwrap();
    let opener = Segment::<Control>::open(&name).unwrap();
    let (a, b) = (creator.shared(), opener.shared());
    a.generation.store(7, Ordering::Release);
    assert_eq!(b.generation.load(Ordering::Acquire), 7);
    b.processed[1].fetch_add(3, Ordering::AcqRel);
    assert_eq!(a.processed[1].load(Ordering::Acquire), 3);

    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            b.doorbell
                .wait_while(|v| v == 0, Some(Duration::from_secs(10)))
        });
        std::thread::sleep(Duration::from_millis(20));
        a.doorbell.store(1);
        a.doorbell.wake_all();
        assert!(waiter.join().unwrap().is_ok(), "the waiter saw the change");
    });
    assert_eq!(b.doorbell.load(), 1);
}

#[test]
fn processes_count_concurrently_through_shared_references() {
    let (name, _cleanup) = guarded_name("cnt");
    let segment = Segment::<Counters>::create(&name).unwrap();
    let counters = segment.shared();
    const EACH: u64 = 200_000;
    let peers: Vec<Peer> = (0..2)
        .map(|_| {
            Peer::spawn(
                SEGMENT_PEER,
                &["count", "counters", &name, &EACH.to_string()],
            )
        })
        .collect();
    for _ in 0..EACH {
        counters.hits.fetch_add(1, Ordering::Relaxed);
    }
    // Sleep on the cell until both peers said they are done (bounded: each wait is 10 s at most).
    for _ in 0..100 {
        let done = counters.done.load();
        if done >= 2 {
            break;
        }
        let _ = counters
            .done
            .wait_while(|v| v == done, Some(Duration::from_secs(10)));
    }
    for peer in peers {
        assert_eq!(peer.finish().trim(), format!("counted {EACH}"));
    }
    assert_eq!(counters.done.load(), 2);
    assert_eq!(
        counters.hits.load(Ordering::Acquire),
        3 * EACH,
        "no increment of another process is lost"
    );
}

/// A value with an alignment above the mutex's 64-byte control block.
#[derive(SharedLayout, Clone, Copy)]
#[repr(C, align(128))]
#[shm(endian = "little")]
struct Wide {
    counter: U64Le,
    rest: [u8; 120],
}

#[test]
fn a_mutex_of_a_value_aligned_to_128_works() {
    let (name, _cleanup) = guarded_name("a128");
    let mutex = SharedMutex::<Wide>::create(&name).unwrap();
    let other = SharedMutex::<Wide>::open(&name).unwrap();
    {
        let mut guard = mutex.lock().unwrap();
        guard.counter += 5;
        guard.rest[119] = 9;
    }
    let guard = other.lock().unwrap();
    assert_eq!(guard.counter, 5);
    assert_eq!(guard.rest[119], 9);
}
