//! Parsing of `#[shm(...)]` and `#[repr(...)]`.
//!
//! Parsing never stops at the first problem: every error is pushed to an [`Errors`] list so the
//! user sees all of them at once.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, LitInt, LitStr, Path};

use crate::errors::Errors;

/// The byte order a struct declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    Little,
    Big,
    Native,
}

/// What `#[shm(...)]` said.
pub struct ShmAttrs {
    /// `None` if missing or invalid (an error has been recorded if it was invalid).
    pub endian: Option<Endian>,
    /// Whether `endian = ...` was written at all.
    pub endian_given: bool,
    pub version: u32,
    /// The stable name and the span to blame for it.
    pub name: Option<(String, Span)>,
    /// The path to the facade crate.
    pub krate: Path,
}

/// Longest stable type name accepted (it is stored in segment headers).
pub const MAX_NAME_LEN: usize = 64;

pub fn parse_shm(attrs: &[Attribute], errors: &mut Errors) -> ShmAttrs {
    let mut out = ShmAttrs {
        endian: None,
        endian_given: false,
        version: 1,
        name: None,
        krate: syn::parse_quote!(::shmipc),
    };
    let mut seen_version = false;
    let mut seen_crate = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("shm")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            let mut once = |seen: bool, what: &str| {
                if seen {
                    errors.push(syn::Error::new(
                        meta.path.span(),
                        format!("duplicate `{what}` in #[shm(...)]: give it once"),
                    ));
                }
            };
            match key.as_str() {
                "endian" => {
                    once(out.endian_given, "endian");
                    out.endian_given = true;
                    let lit: LitStr = meta.value()?.parse()?;
                    out.endian = match lit.value().as_str() {
                        "little" => Some(Endian::Little),
                        "big" => Some(Endian::Big),
                        "native" => Some(Endian::Native),
                        other => {
                            errors.push(syn::Error::new(
                                lit.span(),
                                format!(
                                    "unknown byte order `{other}`: write `endian = \"little\"`, `endian = \"big\"` or `endian = \"native\"`"
                                ),
                            ));
                            None
                        }
                    };
                }
                "version" => {
                    once(seen_version, "version");
                    seen_version = true;
                    let lit: LitInt = meta.value()?.parse()?;
                    match lit.base10_parse::<u32>() {
                        Ok(v) => out.version = v,
                        Err(_) => errors.push(syn::Error::new(
                            lit.span(),
                            "`version` must be an integer from 0 to 4294967295 (a u32)",
                        )),
                    }
                }
                "name" => {
                    once(out.name.is_some(), "name");
                    let lit: LitStr = meta.value()?.parse()?;
                    let name = lit.value();
                    if let Some(problem) = name_problem(&name) {
                        errors.push(syn::Error::new(lit.span(), problem));
                    }
                    out.name = Some((name, lit.span()));
                }
                "crate" => {
                    once(seen_crate, "crate");
                    seen_crate = true;
                    let lit: LitStr = meta.value()?.parse()?;
                    match lit.parse::<Path>() {
                        Ok(path) => out.krate = path,
                        Err(_) => errors.push(syn::Error::new(
                            lit.span(),
                            "`crate` must be a path such as \"::shmipc\" or \"my_shmipc\"",
                        )),
                    }
                }
                _ => {
                    // Skip any value so the rest of the attribute still parses.
                    if meta.input.peek(syn::Token![=]) {
                        let _: syn::Expr = meta.value()?.parse()?;
                    }
                    errors.push(syn::Error::new(
                        meta.path.span(),
                        format!(
                            "unknown key `{}` in #[shm(...)]: expected `endian`, `version`, `name` or `crate`",
                            path_text(&meta.path)
                        ),
                    ));
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    out
}

fn path_text(path: &Path) -> String {
    quote::quote!(#path).to_string().replace(' ', "")
}

/// Why a stable name is unusable, if it is.
fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("`name` must not be empty".into());
    }
    if name.len() > MAX_NAME_LEN {
        return Some(format!(
            "`name` is {} bytes long; the limit is {MAX_NAME_LEN} bytes",
            name.len()
        ));
    }
    if !name.bytes().all(|b| b.is_ascii_graphic()) {
        return Some(
            "`name` may contain only printable ASCII characters without spaces, such as \"market::Tick\""
                .into(),
        );
    }
    None
}

/// What `#[repr(...)]` said, across all repr attributes.
#[derive(Default)]
pub struct Repr {
    pub c: bool,
}

pub fn parse_repr(attrs: &[Attribute], struct_span: Span, errors: &mut Errors) -> Repr {
    let mut repr = Repr::default();
    let before = errors.len();
    for attr in attrs.iter().filter(|a| a.path().is_ident("repr")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
            match key.as_str() {
                "C" => repr.c = true,
                "align" => {
                    // `align(N)`: fine; the padding proof checks what it does to the size.
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let _: LitInt = content.parse()?;
                }
                "packed" => {
                    if meta.input.peek(syn::token::Paren) {
                        let content;
                        syn::parenthesized!(content in meta.input);
                        let _: LitInt = content.parse()?;
                    }
                    errors.push(syn::Error::new(
                        meta.path.span(),
                        "#[repr(packed)] places fields at unaligned offsets, where atomics and references are unsound and other languages disagree; use #[repr(C)] and add explicit `[u8; N]` padding fields instead",
                    ));
                }
                "transparent" => errors.push(syn::Error::new(
                    meta.path.span(),
                    "#[repr(transparent)] is not a C layout; use #[repr(C)] (a one-field #[repr(C)] struct has the same bytes)",
                )),
                "Rust" => errors.push(syn::Error::new(
                    meta.path.span(),
                    "#[repr(Rust)] lets the compiler reorder fields differently in each build; use #[repr(C)]",
                )),
                other => errors.push(syn::Error::new(
                    meta.path.span(),
                    format!("#[repr({other})] is not supported on a shared layout; use #[repr(C)], optionally with align(N)"),
                )),
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    if !repr.c && errors.len() == before {
        errors.push(syn::Error::new(
            struct_span,
            "a shared layout needs #[repr(C)]: without it the compiler may reorder the fields differently in each build; add #[repr(C)] to the struct",
        ));
    }
    repr
}
