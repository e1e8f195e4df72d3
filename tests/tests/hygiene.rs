//! The generated code resolves every name through absolute paths: it compiles without the
//! prelude and next to user items that shadow std names. (The facade renamed in Cargo.toml is
//! tested by the crate in `tests/renamed/`: one package cannot depend on a crate twice.)

/// No prelude at all: `Result`, `Option`, `assert!`, `u64::MAX` are not in scope.
mod no_prelude {
    #![no_implicit_prelude]

    #[derive(::shmipc::SharedLayout)]
    #[repr(C)]
    #[shm(endian = "little", version = 2)]
    pub struct Tick {
        pub seq: ::shmipc::endian::U64Le,
        pub qty: ::shmipc::endian::U32Le,
        pub venue: [u8; 4],
    }

    #[derive(::shmipc::SharedLayout)]
    #[repr(C)]
    #[shm(endian = "native")]
    pub struct Control(::core::sync::atomic::AtomicU64, u32, u32);
}

/// User items named like the std items the generated code might use unqualified.
mod shadowing {
    #![allow(dead_code, non_camel_case_types, unused_macros)]

    use shmipc::prelude::*;

    pub struct Result;
    pub struct Option;
    pub struct Some;
    pub struct None;
    pub struct Ok;
    pub struct Err;
    pub struct usize;
    pub mod core {}
    pub mod std {}
    pub mod shmipc_private {}
    macro_rules! assert {
        ($($t:tt)*) => {
            compile_error!("the derive must not use the user's `assert!`")
        };
    }
    macro_rules! offset_of {
        ($($t:tt)*) => {
            compile_error!("the derive must not use the user's `offset_of!`")
        };
    }
    pub trait SharedLayoutExt {}
    pub const __SHMIPC_LAYOUT_USER: u8 = 0;

    #[derive(SharedLayout)]
    #[repr(C)]
    #[shm(endian = "little")]
    pub struct Tick {
        pub seq: U64Le,
        pub qty: U32Le,
        pub venue: [u8; 4],
    }
}

use shmipc::SharedLayout;

#[test]
fn no_prelude_types_have_their_layouts() {
    assert_eq!(no_prelude::Tick::LAYOUT.size(), 16);
    assert_eq!(no_prelude::Tick::LAYOUT.version(), 2);
    assert_eq!(
        no_prelude::Control::LAYOUT.fields()[0].ty().to_string(),
        "atomic_u64"
    );
}

#[test]
fn shadowing_user_items_are_ignored() {
    assert_eq!(shadowing::Tick::LAYOUT.size(), 16);
    // Same fields, name, version and endian as `no_prelude::Tick` except the version.
    assert_ne!(shadowing::Tick::FINGERPRINT, no_prelude::Tick::FINGERPRINT);
}
