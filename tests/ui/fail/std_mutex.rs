use shmipc::prelude::*;
use std::sync::Mutex;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Locked {
    value: Mutex<u64>,
}

fn main() {}
