//! Expansion snapshots: the exact code the derive generates for representative structs,
//! formatted with prettyplease and compared with insta (`src/snapshots/`). After an intended
//! change, review with `cargo insta review` or re-run with `INSTA_UPDATE=always` and read the diff.

use crate::derive;

fn expand(source: &str) -> String {
    expand_input(&syn::parse_str(source).expect("test input parses"))
}

fn expand_input(input: &syn::DeriveInput) -> String {
    let tokens = derive(input);
    let file: syn::File = syn::parse2(tokens).expect("expansion is valid Rust");
    prettyplease::unparse(&file)
}

/// The README's `Tick`, read from the UI test that compiles it and checks its layout, so the two
/// cannot drift apart.
const README_TICK: &str = include_str!("../../tests/ui/pass/readme_tick.rs");

#[test]
fn little_endian_tick() {
    let file: syn::File = syn::parse_str(README_TICK).expect("readme_tick.rs parses");
    let tick = file
        .items
        .into_iter()
        .find_map(|item| match item {
            syn::Item::Struct(tick) => Some(tick),
            _ => None,
        })
        .expect("readme_tick.rs defines a struct");
    insta::assert_snapshot!(expand_input(&tick.into()));
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
fn atomics_and_wait_cells_earn_atomic_layout() {
    insta::assert_snapshot!(expand(
        r#"
        #[repr(C)]
        #[shm(endian = "native")]
        pub struct Control {
            generation: AtomicU64,
            flags: [core::sync::atomic::AtomicU32; 2],
            doorbell: WaitCell,
        }
        "#
    ));
}

#[test]
fn shared_enum() {
    let input = syn::parse_str(
        r#"
        #[repr(u16)]
        #[shm(name = "venue::Side")]
        pub enum Side { Buy = 1, r#Sell = 0x100 }
        "#,
    )
    .expect("parses");
    let file: syn::File = syn::parse2(crate::enumeration::derive(&input)).expect("valid Rust");
    insta::assert_snapshot!(prettyplease::unparse(&file));
}

fn enum_errors(source: &str) -> Vec<String> {
    let input = syn::parse_str(source).expect("parses");
    let tokens = crate::enumeration::derive(&input).to_string();
    tokens
        .split("compile_error !")
        .skip(1)
        .map(|e| e.split('"').nth(1).unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn shared_enum_errors_say_what_to_write() {
    let errors = enum_errors("#[repr(u8)] enum E { A = 1, B, C(u8) = 3 }");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("variant `B` needs an explicit value (`B = 1`)"));
    assert!(errors[1].contains("variant `C` has fields"));
    let errors = enum_errors("enum E { A = 1 }");
    assert!(errors[0].contains("write `#[repr(u8)]`"), "{errors:?}");
    let errors = enum_errors("#[repr(i8)] #[shm(endian = \"little\")] enum E { A = 1 }");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("`endian` is not used on an enum"))
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("`#[repr(u8)]`, `#[repr(u16)]` or `#[repr(u32)]`"))
    );
    let errors = enum_errors("#[repr(u8)] struct S { a: u8 }");
    assert!(
        errors[0].contains("for a struct, derive `SharedLayout`"),
        "{errors:?}"
    );
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

/// The messages of every error the derive reports for `source`, in order.
fn errors(source: &str) -> Vec<String> {
    let input: syn::DeriveInput = syn::parse_str(source).expect("test input parses");
    match crate::valid::validate(&crate::ast::Input::from_syn(&input)) {
        Ok(_) => Vec::new(),
        Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn an_unreadable_value_still_counts_as_given() {
    // The syntax error ends the first attribute (its `version` is never read), the unreadable byte
    // order is not also reported as missing, and the duplicate comes before the syntax error of
    // its own value.
    let found = errors(
        r#"
        #[repr(C)]
        #[shm(endian = little, version = 1)]
        #[shm(version = 2, version = x)]
        pub struct A { a: u8 }
        "#,
    );
    assert_eq!(
        found,
        [
            "expected string literal",
            "duplicate `version` in #[shm(...)]: give it once",
            "expected integer literal: write `version = 2`",
        ]
    );
}

#[test]
fn a_broken_repr_is_not_also_reported_as_missing() {
    let found = errors(
        r#"
        #[repr(align)]
        #[shm(endian = "little")]
        pub struct A { a: u8 }
        "#,
    );
    assert_eq!(found, ["unexpected end of input, expected parentheses"]);
}

#[test]
fn the_error_stub_follows_the_last_readable_crate_path() {
    let out = expand(
        r#"
        #[repr(C)]
        #[shm(endian = "little", crate = "my_ipc", crate = "not a path")]
        pub struct A { a: bool }
        "#,
    );
    assert!(
        out.contains("unsafe impl my_ipc::__private::SharedLayout for A"),
        "{out}"
    );
}
