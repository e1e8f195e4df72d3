//! A 4 MiB message type through a ring, written and read in place by two processes, each from a
//! thread with a 256 KiB stack: no path may put a whole `T` on the stack (it would overflow and
//! kill the process). Three write paths (`slot_mut`, raw pointer writes through `as_mut_ptr`,
//! `push_ref` from the heap) and three read paths (`slot`, `as_ptr`, `copy_to` into the heap);
//! every word of every frame is checked.

mod ring_support;

use ring_support::{Peer, field};
use shmipc::SpscRing;
use shmipc_tests::ring_msgs::Frame4M;
use shmipc_tests::{ShmCleanup, unique_name};

#[test]
fn four_mib_frames_in_place_on_small_stacks() {
    let name = unique_name("rb");
    let _cleanup = ShmCleanup::new([name.clone()]);
    // 4 slots, 16 MiB: 12 frames wrap the ring three times, each of the three write paths and
    // read paths 4 times.
    let _ring = SpscRing::<Frame4M>::create(&name, 4).expect("create a 16 MiB ring");
    let n = "12";
    let c = Peer::start(&["big-consume", &name, n]);
    let p = Peer::start(&["big-produce", &name, n]);
    // The consumer first: when both fail, its error is the cause.
    assert_eq!(field(&c.finish(), "popped"), Some(n));
    assert_eq!(field(&p.finish(), "pushed"), Some(n));
}
