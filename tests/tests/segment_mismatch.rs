//! The mismatch matrix: a process built with one definition of `Probe` creates the segment, a
//! process with another definition under the same name opens it and is refused, with the field.

mod segment_common;

use segment_common::{Peer, run};
use shmipc_tests::{ShmCleanup, unique_name};

/// Creates the segment with the `base` definition in one child and opens it with `variant` in
/// another; returns the opener's line.
fn open_base_as(variant: &str) -> String {
    let name = unique_name("segmm");
    let _cleanup = ShmCleanup::new([name.clone()]);
    let mut creator = Peer::spawn(&["create", "base", &name, "3"]);
    assert_eq!(creator.line(), "ready");
    let line = run(&["open", variant, &name]);
    assert!(creator.finish());
    line.replace(&name, "NAME")
}

const ADVICE: &str =
    ": rebuild both programs from the same definition of the type, or bump its version";

#[test]
fn same_definition_opens() {
    let line = open_base_as("base");
    assert!(line.starts_with("ok Base { a: 1, b: 2, c: 3"), "{line}");
}

#[test]
fn reordered_fields_of_same_size_are_refused_naming_the_field() {
    assert_eq!(
        open_base_as("reordered"),
        format!(
            "err LayoutMismatch: segment `NAME` holds `Probe` v1 with field `a` at offset 0 as \
             `u32le`, but this build has `a` at offset 4 as `u32le`{ADVICE}"
        )
    );
}

#[test]
fn renamed_field_is_refused_naming_both_names() {
    assert_eq!(
        open_base_as("renamed"),
        format!(
            "err LayoutMismatch: segment `NAME` holds `Probe` v1 with field `b` at offset 4 as \
             `u32le`, but this build has no field `b` and has `bee` at offset 4 as `u32le`{ADVICE}"
        )
    );
}

#[test]
fn changed_type_of_same_size_is_refused_naming_the_field() {
    assert_eq!(
        open_base_as("retyped"),
        format!(
            "err LayoutMismatch: segment `NAME` holds `Probe` v1 with field `b` at offset 4 as \
             `u32le`, but this build has `b` at offset 4 as `f32le`{ADVICE}"
        )
    );
}

#[test]
fn changed_endian_is_refused_naming_the_first_field() {
    assert_eq!(
        open_base_as("big"),
        format!(
            "err LayoutMismatch: segment `NAME` holds `Probe` v1 with field `a` at offset 0 as \
             `u32le`, but this build has `a` at offset 0 as `u32be`{ADVICE}"
        )
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
    assert_eq!(
        open_base_as("grown"),
        format!(
            "err LayoutMismatch: segment `NAME` holds `Probe` v1 with no field `d`, but this \
             build has `d` at offset 16 as `u64le`{ADVICE}"
        )
    );
}
