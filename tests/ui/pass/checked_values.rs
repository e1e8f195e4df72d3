//! Checked enums and booleans in layouts of every byte order, and an atomic control block.
use std::sync::atomic::AtomicU64;

use shmipc::prelude::*;
use shmipc::{AtomicLayout, WaitCell};

#[derive(SharedEnum, Clone, Copy, Debug, PartialEq)]
#[repr(u32)]
#[shm(name = "venue::Kind")]
pub enum Kind {
    New = 1,
    Cancel = 0x0100_0000,
}

#[derive(SharedEnum, Clone, Copy, Debug, PartialEq)]
#[repr(u8)]
pub enum Side {
    Buy = b'B',
    Sell = b'S',
}

#[derive(SharedLayout, Clone, Copy)]
#[repr(C)]
#[shm(endian = "big")]
pub struct Order {
    kind: Tag<Kind, U32Be>,
    side: Tag<Side>,
    urgent: Bool8,
    _pad: [u8; 2],
}

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Control {
    seq: AtomicU64,
    cells: [WaitCell; 2],
}

fn atomic<T: AtomicLayout>() {}

fn main() {
    atomic::<Control>();
    let mut order = Order::zeroed();
    order.kind.set(Kind::Cancel);
    order.side = Side::Sell.into();
    assert_eq!(order.as_bytes()[..5], [1, 0, 0, 0, b'S']);
    assert_eq!(order.kind.get(), Ok(Kind::Cancel));
    assert_eq!(order.urgent.get(), Ok(false));
}
