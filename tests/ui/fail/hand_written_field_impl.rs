// `Field` is sealed: an impl written by hand (here for a type that would smuggle a pointer into
// shared memory) does not compile without the hidden method only the derive provides.
use shmipc::__private::{Field, FieldType};

pub struct Smuggler(*const u8);

unsafe impl Field for Smuggler {
    const TYPE: &'static FieldType = <u64 as Field>::TYPE;
}

fn main() {}
