//! The mismatch matrix: a process built with one definition of `Probe` creates the segment, a
//! process with another definition under the same name opens it and is refused, with the field.

use shmipc_tests::{Peer, guarded_name};

const SEGMENT_PEER: &str = env!("CARGO_BIN_EXE_segment_peer");

/// Creates the segment with the `base` definition in one child and opens it with `variant` in
/// another; returns the opener's line.
fn open_base_as(variant: &str) -> String {
    open_as("base", variant)
}

/// Creates the segment with the `creator` definition in one child and opens it with `opener` in
/// another; returns the opener's line.
fn open_as(creator: &str, opener: &str) -> String {
    let variant = opener;
    let (name, _cleanup) = guarded_name("mm");
    let mut creator = Peer::spawn(SEGMENT_PEER, &["create", creator, &name, "3"]);
    assert_eq!(creator.line(), "ready");
    let line = Peer::run(SEGMENT_PEER, &["open", variant, &name]);
    creator.finish();
    line.replace(&name, "NAME")
}

/// Opening the `base` segment as `variant` is refused with exactly `LayoutMismatch: segment
/// `NAME` holds `Probe` v1 <difference>: <advice>`.
fn assert_layout_mismatch(variant: &str, difference: &str) {
    assert_eq!(
        open_base_as(variant),
        format!(
            "err LayoutMismatch: segment `NAME` holds `Probe` v1 {difference}: rebuild both \
             programs from the same definition of the type, or bump its version"
        )
    );
}

#[test]
fn same_definition_opens() {
    let line = open_base_as("base");
    assert!(line.starts_with("ok Base { a: 1, b: 2, c: 3"), "{line}");
}

#[test]
fn reordered_fields_of_same_size_are_refused_naming_the_field() {
    assert_layout_mismatch(
        "reordered",
        "with field `a` at offset 0 as `u32le`, but this build has `a` at offset 4 as `u32le`",
    );
}

#[test]
fn renamed_field_is_refused_naming_both_names() {
    assert_layout_mismatch(
        "renamed",
        "with field `b` at offset 4 as `u32le`, but this build has no field `b` and has `bee` at \
         offset 4 as `u32le`",
    );
}

#[test]
fn changed_type_of_same_size_is_refused_naming_the_field() {
    assert_layout_mismatch(
        "retyped",
        "with field `b` at offset 4 as `u32le`, but this build has `b` at offset 4 as `f32le`",
    );
}

#[test]
fn changed_endian_is_refused_naming_the_first_field() {
    assert_layout_mismatch(
        "big",
        "with field `a` at offset 0 as `u32le`, but this build has `a` at offset 0 as `u32be`",
    );
}

#[test]
fn changed_version_is_refused() {
    assert_eq!(
        open_base_as("v2"),
        "err SchemaVersion: segment `NAME` holds `Probe` v1, but this build has v2: rebuild both \
         programs from the same schema version"
    );
}

#[test]
fn different_size_is_refused_naming_the_added_field() {
    assert_layout_mismatch(
        "grown",
        "with no field `d`, but this build has `d` at offset 16 as `u64le`",
    );
}

#[test]
fn another_variant_set_of_a_checked_enum_is_refused_naming_the_variant() {
    let same = open_as("sided", "sided");
    assert!(same.starts_with("ok Sided { c: 3, side: Sell"), "{same}");
    assert_eq!(
        open_as("sided_cancel", "sided"),
        "err LayoutMismatch: segment `NAME` holds `Probe` v1 with field `side` at offset 8 \
         holding variant `Cancel = 3` of enum `Side`, which this build does not have: rebuild \
         both programs from the same definition of the type, or bump its version"
    );
    assert_eq!(
        open_as("sided", "sided_cancel"),
        "err LayoutMismatch: segment `NAME` holds `Probe` v1 with field `side` at offset 8 \
         holding no variant `Cancel` in enum `Side`, but this build has `Cancel = 3`: rebuild \
         both programs from the same definition of the type, or bump its version"
    );
}

#[test]
fn a_change_inside_a_nested_struct_is_named_by_its_path() {
    let same = open_as("priced", "priced");
    assert!(
        same.starts_with("ok Priced { px: Px { mantissa: 15"),
        "{same}"
    );
    assert_eq!(
        open_as("priced", "priced_wide"),
        "err LayoutMismatch: segment `NAME` holds `Probe` v1 with field `px.exponent` at offset \
         8 as `i8`, but this build has `px.exponent` at offset 8 as `i16le`: rebuild both \
         programs from the same definition of the type, or bump its version"
    );
}

/// `Debug` (what `.unwrap()` and `main() -> Result<(), Box<dyn Error>>` print) of a layout
/// mismatch is the variant and the sentence, short: not a dump of the header and the diff.
#[test]
fn debug_of_a_layout_mismatch_is_the_variant_and_the_sentence() {
    use shmipc::Segment;
    use shmipc::prelude::*;

    #[derive(SharedLayout, Clone, Copy)]
    #[repr(C)]
    #[shm(name = "Probe", endian = "little")]
    struct Mine {
        a: U32Le,
        b: U32Le,
    }
    #[derive(SharedLayout, Clone, Copy)]
    #[repr(C)]
    #[shm(name = "Probe", endian = "little")]
    struct Theirs {
        a: U32Le,
        bee: U32Le,
    }

    let (name, _cleanup) = guarded_name("dbg");
    let _created = Segment::<Mine>::create(&name).unwrap();
    let e = Segment::<Theirs>::open(&name).unwrap_err();
    let debug = format!("{e:?}");
    assert_eq!(debug, format!("LayoutMismatch: {e}"));
    assert!(debug.len() < 300, "{} bytes: {debug}", debug.len());
    assert!(debug.contains("rebuild both programs"), "{debug}");
    assert_eq!(format!("{e:#?}"), debug);
}
