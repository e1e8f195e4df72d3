//! The one validation stage: every check of a derive input, every error collected, in the order
//! the user reads them (the struct's attributes, its shape, its field types). What passes becomes
//! a [`Struct`], the only thing `expand` accepts.

mod field_types;

use proc_macro2::Span;
use syn::Path;
use syn::spanned::Spanned;

use crate::ast::{Field, Input, Shape, unraw};
use crate::attr::{Endian, ReprHint, ReprKind, ShmArg, ShmValue};
use crate::errors::{Errors, Reported};

/// Longest stable type name `#[shm(name = "...")]` accepts, in bytes. The name is recorded in
/// the layout (so in every segment header and in `layouts.lock`); this is not the limit on
/// segment names (`shmipc_runtime::segment::MAX_NAME_LEN`).
pub const MAX_TYPE_NAME_LEN: usize = 64;

/// A struct that passed every check: what `expand` needs, with nothing left optional.
pub struct Struct<'a> {
    pub ident: &'a syn::Ident,
    pub endian: Endian,
    pub version: u32,
    /// The stable name recorded in the layout.
    pub name: String,
    /// The path to the facade crate.
    pub krate: Path,
    /// At least one field, in declaration order.
    pub fields: &'a [Field<'a>],
    pub last: &'a Field<'a>,
}

impl Struct<'_> {
    /// True when every field is byte-order free ([`Field::is_byte_order_free`]): such a struct
    /// has no byte order and may nest in layouts of either order.
    pub fn is_byte_order_free(&self) -> bool {
        self.fields.iter().all(Field::is_byte_order_free)
    }
}

/// Checks `input`, returning the struct to expand or every error found.
pub fn validate<'a>(input: &'a Input<'a>) -> Result<Struct<'a>, syn::Error> {
    let mut errors = Errors::default();
    let options = check_options(input, &mut errors);
    let fields = check_shape(input, &mut errors);
    for attr in &input.field_attrs {
        errors.push(syn::Error::new_spanned(
            attr,
            "#[shm(...)] belongs on the struct, not on a field: fields take no options",
        ));
    }
    if !input.generics.params.is_empty() {
        errors.push(syn::Error::new(
            input.generics.span(),
            "#[derive(SharedLayout)] does not support generic structs yet: the layout must be fixed at compile time; write one struct per concrete type",
        ));
    }
    let endian = match options.endian {
        EndianAttr::Given(endian) => Ok(endian),
        EndianAttr::Unreadable(reported) => Err(reported),
        EndianAttr::Missing => Err(errors.push(syn::Error::new(
            input.ident.span(),
            "a shared layout must declare its byte order: add #[shm(endian = \"little\")], #[shm(endian = \"big\")] or #[shm(endian = \"native\")] to the struct",
        ))),
    };
    if let Shape::Struct(all) = &input.shape {
        check_field_types(all, endian.as_ref().ok().copied(), &mut errors);
    }
    let valid = endian.and_then(|endian| fields.map(|(fields, last)| (endian, fields, last)));
    errors.finish(valid).map(|(endian, fields, last)| Struct {
        ident: input.ident,
        endian,
        version: options.version,
        name: options.name.unwrap_or_else(|| unraw(input.ident)),
        krate: input.krate(),
        fields,
        last,
    })
}

/// What the struct's `#[shm(...)]` said.
struct Options {
    endian: EndianAttr,
    version: u32,
    name: Option<String>,
}

/// What `endian = "..."` said (the last one, if it was given more than once).
enum EndianAttr {
    /// No `endian` was written.
    Missing,
    /// Written, but not readable as a byte order; the error has been recorded.
    Unreadable(Reported),
    Given(Endian),
}

/// Reports every unreadable, duplicate or unusable `#[shm(...)]` item, in source order.
fn check_options(input: &Input<'_>, errors: &mut Errors) -> Options {
    let mut options = Options {
        endian: EndianAttr::Missing,
        version: 1,
        name: None,
    };
    let mut seen = Vec::new();
    for item in &input.shm {
        let ShmArg { key, value } = match item {
            Ok(arg) => arg,
            Err(unreadable) => {
                errors.push(unreadable.clone());
                continue;
            }
        };
        if seen.contains(&value.key()) {
            errors.push(syn::Error::new(
                *key,
                format!("duplicate `{}` in #[shm(...)]: give it once", value.key()),
            ));
        }
        seen.push(value.key());
        match value {
            ShmValue::Endian(endian) => {
                options.endian = match endian {
                    Ok(endian) => EndianAttr::Given(*endian),
                    Err(e) => EndianAttr::Unreadable(errors.push(e.clone())),
                };
            }
            ShmValue::Version(Ok(version)) => options.version = *version,
            ShmValue::Name(Ok(lit)) => {
                let name = lit.value();
                if let Some(problem) = name_problem(&name) {
                    errors.push(syn::Error::new(lit.span(), problem));
                }
                options.name = Some(name);
            }
            // The path itself is read by `Input::krate`, which the error stub needs too.
            ShmValue::Crate(Ok(_)) => {}
            ShmValue::Version(Err(e)) | ShmValue::Name(Err(e)) | ShmValue::Crate(Err(e)) => {
                errors.push(e.clone());
            }
        }
    }
    options
}

/// Why a stable name is unusable, if it is.
fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("`name` must not be empty".into());
    }
    if name.len() > MAX_TYPE_NAME_LEN {
        return Some(format!(
            "`name` is {} bytes long; the limit is {MAX_TYPE_NAME_LEN} bytes",
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

/// Checks that the input is a struct with `#[repr(C)]` and at least one field; returns its
/// fields and the last one.
fn check_shape<'a>(
    input: &'a Input<'a>,
    errors: &mut Errors,
) -> Result<(&'a [Field<'a>], &'a Field<'a>), Reported> {
    match &input.shape {
        Shape::Struct(fields) => {
            check_repr(&input.repr, input.ident.span(), errors);
            match fields.last() {
                Some(last) => Ok((fields, last)),
                None => Err(errors.push(syn::Error::new(
                    input.ident.span(),
                    "a shared layout cannot be zero-sized: there are no bytes to share; add at least one field",
                ))),
            }
        }
        Shape::Enum(span) => Err(errors.push(syn::Error::new(
            *span,
            "#[derive(SharedLayout)] is for structs: a peer may write a discriminant that is no variant, so an enum cannot be shared as it is; derive `SharedEnum` on a fieldless `#[repr(u8)]` enum with explicit values and store it in a struct field of type `Tag<ThisEnum>`, which checks the value when read",
        ))),
        Shape::Union(span) => Err(errors.push(syn::Error::new(
            *span,
            "#[derive(SharedLayout)] does not support unions: the layout cannot say which field holds the value; use a struct with a tag field and a `[u8; N]` payload",
        ))),
    }
}

/// Reports every `#[repr(...)]` hint other than `C` and `align(N)`; and a missing `C` when the
/// hints were otherwise fine (a broken repr is reported once, not twice).
fn check_repr(hints: &[syn::Result<ReprHint>], struct_span: Span, errors: &mut Errors) {
    let mut c = false;
    let mut problem = false;
    for hint in hints {
        let hint = match hint {
            Ok(hint) => hint,
            Err(unreadable) => {
                errors.push(unreadable.clone());
                problem = true;
                continue;
            }
        };
        let message = match &hint.kind {
            ReprKind::C => {
                c = true;
                continue;
            }
            // `align(N)`: fine; the padding proof checks what it does to the size.
            ReprKind::Align => continue,
            ReprKind::Packed => "#[repr(packed)] places fields at unaligned offsets, where atomics and references are unsound and other languages disagree; use #[repr(C)] and add explicit `[u8; N]` padding fields instead".to_owned(),
            ReprKind::Transparent => "#[repr(transparent)] is not a C layout; use #[repr(C)] (a one-field #[repr(C)] struct has the same bytes)".to_owned(),
            ReprKind::Rust => "#[repr(Rust)] lets the compiler reorder fields differently in each build; use #[repr(C)]".to_owned(),
            ReprKind::Other(other) => format!("#[repr({other})] is not supported on a shared layout; use #[repr(C)], optionally with align(N)"),
        };
        errors.push(syn::Error::new(hint.span, message));
        problem = true;
    }
    if !c && !problem {
        errors.push(syn::Error::new(
            struct_span,
            "a shared layout needs #[repr(C)]: without it the compiler may reorder the fields differently in each build; add #[repr(C)] to the struct",
        ));
    }
}

/// Records an error for every field whose type is recognisably unshareable in a layout of byte
/// order `endian` (`None`: not declared or unreadable, so only the rules for every order apply).
fn check_field_types(fields: &[Field<'_>], endian: Option<Endian>, errors: &mut Errors) {
    for field in fields {
        if let Some(reason) = field_types::type_problem(field.ty, endian) {
            errors.push(syn::Error::new_spanned(
                field.ty,
                format!(
                    "field `{}` cannot be stored in shared memory: {reason}",
                    field.name
                ),
            ));
        }
    }
}
