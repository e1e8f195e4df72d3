//! The description of a checked enum: its stable name and its variants, as recorded in a layout.
//!
//! A `Tag<E>` field records the enum's name, the stored integer type and every variant (name and
//! value), so the fingerprint and the field table change when a variant is added, removed,
//! renamed or renumbered, and an opener built with another variant set is refused, naming the
//! variant ([`enum_difference`]).

use core::fmt;

/// One variant of a checked enum: its name and its discriminant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Variant {
    name: &'static str,
    value: u64,
}

impl Variant {
    /// Used by `#[derive(SharedEnum)]`; the values must describe the variant truthfully.
    #[doc(hidden)]
    pub const fn __new(name: &'static str, value: u64) -> Self {
        Variant { name, value }
    }
    /// The variant's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
    /// The variant's discriminant.
    pub const fn value(&self) -> u64 {
        self.value
    }
}

/// The description of a checked enum (`#[derive(SharedEnum)]`): stable name and variants in
/// declaration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnumLayout {
    name: &'static str,
    variants: &'static [Variant],
}

impl EnumLayout {
    /// Used by `#[derive(SharedEnum)]`; the values must describe the enum truthfully.
    #[doc(hidden)]
    pub const fn __new(name: &'static str, variants: &'static [Variant]) -> Self {
        EnumLayout { name, variants }
    }
    /// The stable name (`#[shm(name = "...")]`, by default the bare enum name).
    pub const fn name(&self) -> &'static str {
        self.name
    }
    /// The variants, in declaration order.
    pub const fn variants(&self) -> &'static [Variant] {
        self.variants
    }
}

/// Writes the canonical type of a `Tag` field: `enum Side as u8 {Buy = 1, Sell = 2}`.
pub(crate) fn write_enum_type(
    f: &mut fmt::Formatter<'_>,
    layout: &EnumLayout,
    storage: &str,
) -> fmt::Result {
    write!(f, "enum {} as {storage} {{", layout.name)?;
    for (i, v) in layout.variants.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        write!(f, "{sep}{} = {}", v.name, v.value)?;
    }
    f.write_str("}")
}

/// Name, storage and `(name, value)` variants of a parsed enum type.
pub(crate) type ParsedEnum<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

/// A canonical enum type parsed back from a field table (which another process wrote): name,
/// storage, variants. `None` for anything that is not exactly that form.
pub(crate) fn parse(ty: &str) -> Option<ParsedEnum<'_>> {
    let rest = ty.strip_prefix("enum ")?;
    let (name, rest) = rest.split_once(" as ")?;
    let (storage, rest) = rest.split_once(" {")?;
    let body = rest.strip_suffix('}')?;
    let variants = if body.is_empty() {
        Vec::new()
    } else {
        body.split(", ")
            .map(|v| v.split_once(" = "))
            .collect::<Option<Vec<_>>>()?
    };
    Some((name, storage, variants))
}

/// How two canonical enum types differ, as a phrase naming the first variant that differs
/// (`` variant `Cancel = 3` of enum `Side` only in the segment ``); `None` when either is not an
/// enum type, or they differ in name or storage (the caller's general message covers those).
pub(crate) fn enum_difference(segment: &str, this_build: &str) -> Option<String> {
    let (s_name, s_storage, s_vars) = parse(segment)?;
    let (b_name, b_storage, b_vars) = parse(this_build)?;
    if s_name != b_name || s_storage != b_storage {
        return None;
    }
    for &(name, value) in &s_vars {
        match b_vars.iter().find(|(n, _)| *n == name) {
            None => {
                return Some(format!(
                    "variant `{name} = {value}` of enum `{s_name}`, which this build does not have"
                ));
            }
            Some((_, v)) if *v != value => {
                return Some(format!(
                    "variant `{name} = {value}` of enum `{s_name}`, but this build has `{name} = {v}`"
                ));
            }
            Some(_) => {}
        }
    }
    if let Some((name, value)) = b_vars
        .iter()
        .find(|(n, _)| !s_vars.iter().any(|(m, _)| m == n))
    {
        return Some(format!(
            "no variant `{name}` in enum `{s_name}`, but this build has `{name} = {value}`"
        ));
    }
    // Same set, other order.
    Some(format!(
        "the variants of enum `{s_name}` in another order ({}), but this build has ({})",
        variant_list(&s_vars),
        variant_list(&b_vars)
    ))
}

fn variant_list(vars: &[(&str, &str)]) -> String {
    vars.iter()
        .map(|(n, v)| format!("{n} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_variant_that_differs() {
        let seg = "enum Side as u8 {Buy = 1, Sell = 2, Cancel = 3}";
        let build = "enum Side as u8 {Buy = 1, Sell = 2}";
        assert_eq!(
            enum_difference(seg, build).unwrap(),
            "variant `Cancel = 3` of enum `Side`, which this build does not have"
        );
        assert_eq!(
            enum_difference(build, seg).unwrap(),
            "no variant `Cancel` in enum `Side`, but this build has `Cancel = 3`"
        );
        let renumbered = "enum Side as u8 {Buy = 1, Sell = 5}";
        assert!(
            enum_difference(build, renumbered)
                .unwrap()
                .contains("`Sell = 2` of enum `Side`, but this build has `Sell = 5`")
        );
        assert!(enum_difference("enum Side as u8 {}", "u8").is_none());
        assert!(enum_difference("enum Side as u8 {Buy = 1", build).is_none());
        assert!(enum_difference("enum Side as u16le {Buy = 1}", build).is_none());
    }
}
