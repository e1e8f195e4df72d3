//! A user's message type derives zerocopy's traits beside `SharedLayout`: the endian types, `Tag`
//! and `Bool8` implement them, so journaling and socket code can use zerocopy on shared types.

use shmipc::prelude::*;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

#[derive(SharedEnum, Clone, Copy, Debug, PartialEq)]
#[repr(u8)]
enum Side {
    Buy = 1,
    Sell = 2,
}

#[derive(SharedLayout, FromBytes, IntoBytes, KnownLayout, Immutable, Clone, Copy)]
#[repr(C)]
#[shm(endian = "big")]
struct Fill {
    seq: U64Be,
    px: I32Be,
    qty: U16Be,
    side: Tag<Side>,
    last: Bool8,
}

#[test]
fn a_shared_layout_derives_zerocopy_too() {
    let fill = Fill {
        seq: U64Be::new(1),
        px: I32Be::new(-5),
        qty: U16Be::new(0x0102),
        side: Tag::new(Side::Buy),
        last: Bool8::new(true),
    };
    let via_zerocopy = IntoBytes::as_bytes(&fill);
    assert_eq!(
        via_zerocopy,
        SharedLayout::as_bytes(&fill),
        "both views agree"
    );
    assert_eq!(&via_zerocopy[8..], [0xff, 0xff, 0xff, 0xfb, 1, 2, 1, 1]);

    let mut bytes = via_zerocopy.to_vec();
    bytes[14] = 7; // a side that is no variant: still a valid `Fill`, refused on `get`
    // Both traits have `read_from_bytes` (the same contract); with both in scope, name one.
    let read = <Fill as SharedLayout>::read_from_bytes(&bytes).unwrap();
    assert_eq!(read.side.get().unwrap_err().raw, 7);
    assert_eq!(read.qty, 0x0102);
    assert!(<Fill as FromBytes>::read_from_bytes(&bytes[..15]).is_err());
}
