//! Reading `#[shm(...)]` and `#[repr(...)]` into what was written, in order, with spans.
//!
//! Reading only turns tokens into typed values, and never stops the derive: what cannot be read
//! (a syntax error, an unknown key, a byte order that is no byte order) is recorded as the error
//! that says why, in its place, and `valid` reports it there among the other errors. Reading one
//! attribute stops at its first syntax error, as syn's own parsing does.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parse;
use syn::spanned::Spanned;
use syn::{Attribute, LitInt, LitStr, Path};

/// The byte order a struct declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    Little,
    Big,
    Native,
}

/// One `key = value` of `#[shm(...)]` with a key the derive knows.
pub struct ShmArg {
    /// The span of the key, blamed when it is given twice.
    pub key: Span,
    pub value: ShmValue,
}

/// The value of a [`ShmArg`], or the error that says why it could not be read.
pub enum ShmValue {
    Endian(syn::Result<Endian>),
    Version(syn::Result<u32>),
    Name(syn::Result<LitStr>),
    Crate(syn::Result<Path>),
}

impl ShmValue {
    /// The key, as written in `#[shm(...)]`.
    pub fn key(&self) -> &'static str {
        match self {
            ShmValue::Endian(_) => "endian",
            ShmValue::Version(_) => "version",
            ShmValue::Name(_) => "name",
            ShmValue::Crate(_) => "crate",
        }
    }
}

/// Every `key = value` of every `#[shm(...)]` in `attrs`, in source order. An `Err` is an item
/// that is no known key (or no item at all: the attribute's syntax is broken there).
pub fn parse_shm(attrs: &[Attribute]) -> Vec<syn::Result<ShmArg>> {
    let mut items = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("shm")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta.path.span();
            let value = match ident_text(&meta.path).as_str() {
                "endian" => ShmValue::Endian(read(&meta, endian_of)),
                "version" => ShmValue::Version(read(&meta, version_of)),
                "name" => ShmValue::Name(read(&meta, |lit: &LitStr| Ok(lit.clone()))),
                "crate" => ShmValue::Crate(read(&meta, crate_of)),
                _ => {
                    items.push(unknown_key(&meta));
                    return Ok(());
                }
            };
            items.push(Ok(ShmArg { key, value }));
            Ok(())
        });
        if let Err(e) = result {
            items.push(Err(e));
        }
    }
    items
}

/// Reads `= literal` and interprets the literal. A syntax error ends the attribute (the rest of
/// it is skipped) and becomes the value, so the key still counts as given.
fn read<L: Parse, T>(
    meta: &ParseNestedMeta<'_>,
    interpret: impl FnOnce(&L) -> syn::Result<T>,
) -> syn::Result<T> {
    match meta.value().and_then(|value| value.parse::<L>()) {
        Ok(lit) => interpret(&lit),
        Err(syntax) => {
            let _rest: syn::Result<TokenStream> = meta.input.parse();
            Err(syntax)
        }
    }
}

fn endian_of(lit: &LitStr) -> syn::Result<Endian> {
    match lit.value().as_str() {
        "little" => Ok(Endian::Little),
        "big" => Ok(Endian::Big),
        "native" => Ok(Endian::Native),
        other => Err(syn::Error::new(
            lit.span(),
            format!(
                "unknown byte order `{other}`: write `endian = \"little\"`, `endian = \"big\"` or `endian = \"native\"`"
            ),
        )),
    }
}

/// The value of `version = ...`: any literal (a quoted number gets its own message), and for
/// anything else an error that shows the form.
struct VersionLit(syn::Lit);

impl Parse for VersionLit {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        input
            .parse()
            .map(VersionLit)
            .map_err(|e| syn::Error::new(e.span(), "expected integer literal: write `version = 2`"))
    }
}

fn version_of(VersionLit(lit): &VersionLit) -> syn::Result<u32> {
    let range = "`version` must be an integer from 0 to 4294967295 (a u32)";
    match lit {
        syn::Lit::Int(int) => int
            .base10_parse::<u32>()
            .map_err(|_| syn::Error::new(int.span(), range)),
        syn::Lit::Str(text) => Err(syn::Error::new(
            text.span(),
            match text.value().trim().parse::<u32>() {
                Ok(n) => {
                    format!("write `version = {n}`: the version is an integer, without quotes")
                }
                Err(_) => format!("{range}, written without quotes: `version = 2`"),
            },
        )),
        other => Err(syn::Error::new(
            other.span(),
            format!("{range}: `version = 2`"),
        )),
    }
}

fn crate_of(lit: &LitStr) -> syn::Result<Path> {
    lit.parse::<Path>().map_err(|_| {
        syn::Error::new(
            lit.span(),
            "`crate` must be a path such as \"::shmipc\" or \"my_shmipc\"",
        )
    })
}

/// The error for a key the derive does not know, after skipping its value (if any) so the rest
/// of the attribute still reads.
fn unknown_key(meta: &ParseNestedMeta<'_>) -> syn::Result<ShmArg> {
    if meta.input.peek(syn::Token![=]) {
        read(meta, |_: &syn::Expr| Ok(()))?;
    }
    Err(syn::Error::new(
        meta.path.span(),
        format!(
            "unknown key `{}` in #[shm(...)]: expected `endian`, `version`, `name` or `crate`",
            path_text(&meta.path)
        ),
    ))
}

/// One hint of a `#[repr(...)]`, as written.
pub struct ReprHint {
    pub span: Span,
    pub kind: ReprKind,
}

/// Which hint a [`ReprHint`] is.
pub enum ReprKind {
    C,
    /// `align(N)`.
    Align,
    /// `packed` or `packed(N)`.
    Packed,
    Transparent,
    Rust,
    /// Any other hint (`u8`, `simd`, ...), by name.
    Other(String),
}

/// Every hint of every `#[repr(...)]` in `attrs`, in source order; an `Err` is where an
/// attribute's syntax is broken.
pub fn parse_repr(attrs: &[Attribute]) -> Vec<syn::Result<ReprHint>> {
    let mut hints = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("repr")) {
        let result = attr.parse_nested_meta(|meta| {
            let kind = match ident_text(&meta.path).as_str() {
                "C" => ReprKind::C,
                "align" => {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let _: LitInt = content.parse()?;
                    ReprKind::Align
                }
                "packed" => {
                    if meta.input.peek(syn::token::Paren) {
                        let content;
                        syn::parenthesized!(content in meta.input);
                        let _: LitInt = content.parse()?;
                    }
                    ReprKind::Packed
                }
                "transparent" => ReprKind::Transparent,
                "Rust" => ReprKind::Rust,
                other => ReprKind::Other(other.to_owned()),
            };
            hints.push(Ok(ReprHint {
                span: meta.path.span(),
                kind,
            }));
            Ok(())
        });
        if let Err(e) = result {
            hints.push(Err(e));
        }
    }
    hints
}

/// The path's identifier, or `""` for a longer path.
fn ident_text(path: &Path) -> String {
    path.get_ident().map(|i| i.to_string()).unwrap_or_default()
}

fn path_text(path: &Path) -> String {
    quote::quote!(#path).to_string().replace(' ', "")
}
