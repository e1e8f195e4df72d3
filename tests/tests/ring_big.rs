//! A 4 MiB message type through a ring, written and read in place by two processes, each from a
//! thread with a 256 KiB stack: no path may put a whole `T` on the stack (it would overflow and
//! kill the process with SIGSEGV). Every word of every frame is checked.

mod ring_support;

use ring_support::{Peer, field};
use shmipc::SpscRing;
use shmipc_tests::ring_msgs::Frame4M;
use shmipc_tests::{ShmCleanup, unique_name};

#[test]
fn four_mib_frames_in_place_on_small_stacks() {
    let name = unique_name("rb");
    let _cleanup = ShmCleanup::new([name.clone()]);
    // 4 slots, 16 MiB: 12 frames wrap the ring three times.
    let _ring = SpscRing::<Frame4M>::create(&name, 4).expect("create a 16 MiB ring");
    let n = "12";
    let c = Peer::start(&["big-consume", &name, n]);
    let p = Peer::start(&["big-produce", &name, n]);
    assert_eq!(field(&p.finish(), "pushed"), Some(n));
    assert_eq!(field(&c.finish(), "popped"), Some(n));
}
