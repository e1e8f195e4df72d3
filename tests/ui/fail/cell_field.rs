use shmipc::prelude::*;
use std::cell::{Cell, UnsafeCell};

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Interior {
    count: Cell<u64>,
    raw: UnsafeCell<u64>,
}

fn main() {}
