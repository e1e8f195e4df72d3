use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Dynamic {
    handler: &'static dyn Fn(u64),
    boxed: Box<dyn Send>,
}

fn main() {}
