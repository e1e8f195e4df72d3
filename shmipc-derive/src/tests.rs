//! Expansion snapshots: the exact code the derive generates for representative structs,
//! formatted with prettyplease and compared with insta (`src/snapshots/`). After an intended
//! change, review with `cargo insta review` or re-run with `INSTA_UPDATE=always` and read the diff.

use crate::derive;

fn expand(source: &str) -> String {
    let input: syn::DeriveInput = syn::parse_str(source).expect("test input parses");
    let tokens = derive(&input);
    let file: syn::File = syn::parse2(tokens).expect("expansion is valid Rust");
    prettyplease::unparse(&file)
}

#[test]
fn little_endian_tick() {
    insta::assert_snapshot!(expand(
        r#"
        #[repr(C)]
        #[shm(endian = "little", version = 3)]
        pub struct Tick {
            pub seq: U64Le,
            pub price_e6: I64Le,
            pub qty: U32Le,
            pub venue: [u8; 4],
        }
        "#
    ));
}

#[test]
fn big_endian_nested_with_name() {
    insta::assert_snapshot!(expand(
        r#"
        #[repr(C)]
        #[shm(endian = "big", version = 2, name = "robot::Command")]
        pub struct Command {
            id: U32Be,
            target: Position,
        }
        "#
    ));
}

#[test]
fn native_atomics_tuple_struct() {
    insta::assert_snapshot!(expand(
        r#"
        #[repr(C, align(8))]
        #[shm(endian = "native")]
        pub struct Counters(AtomicU64, AtomicU32, u32);
        "#
    ));
}

#[test]
fn byte_order_free_struct_earns_both_markers() {
    insta::assert_snapshot!(expand(
        r#"
        #[repr(C)]
        #[shm(endian = "little", crate = "my_ipc")]
        pub struct Venue {
            code: [u8; 4],
            flags: u8,
        }
        "#
    ));
}

#[test]
fn errors_become_compile_errors_plus_a_stub() {
    insta::assert_snapshot!(expand(
        r#"
        #[repr(C, packed)]
        #[shm(endian = "little")]
        pub struct Bad {
            len: usize,
            ptr: *const u8,
        }
        "#
    ));
}

#[test]
fn raw_identifiers_are_unrawed_in_names() {
    let out = expand(
        r#"
        #[repr(C)]
        #[shm(endian = "little")]
        pub struct r#Match { r#type: u8 }
        "#,
    );
    assert!(out.contains("\"Match\""), "{out}");
    assert!(out.contains("\"type\""), "{out}");
}
