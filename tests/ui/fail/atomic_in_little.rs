use shmipc::prelude::*;
use std::sync::atomic::AtomicU64;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Counter {
    hits: AtomicU64,
}

fn main() {}
