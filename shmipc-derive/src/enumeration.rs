//! `#[derive(SharedEnum)]`: a fieldless enum with `#[repr(u8 | u16 | u32)]` and an explicit
//! discriminant on every variant becomes storable in a checked `Tag<E>` field. Every error is
//! collected; on error nothing is emitted but the errors (a `Tag` of the enum then reports that
//! the trait is missing, after them).

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident};

use crate::ast::unraw;
use crate::attr::{self, ReprKind, ShmArg, ShmValue};
use crate::errors::Errors;

const SHAPE_HINT: &str =
    "write `#[repr(u8)]` (or `u16`, `u32`) and give every variant an explicit value: `Buy = 1`";

/// Expands `#[derive(SharedEnum)]` on `input`.
pub fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let data = match &input.data {
        Data::Enum(data) => Some(data),
        _ => {
            errors.push(syn::Error::new(
                input.ident.span(),
                "`SharedEnum` is derived on fieldless enums; for a struct, derive `SharedLayout`",
            ));
            None
        }
    };
    if !input.generics.params.is_empty() {
        errors.push(syn::Error::new(
            input.generics.span(),
            "a `SharedEnum` cannot be generic",
        ));
    }

    let mut name = unraw(&input.ident);
    let mut krate: syn::Path = syn::parse_quote!(::shmipc);
    for item in attr::parse_shm(&input.attrs) {
        match item {
            Ok(ShmArg {
                value: ShmValue::Name(Ok(lit)),
                ..
            }) => name = lit.value(),
            Ok(ShmArg {
                value: ShmValue::Crate(Ok(path)),
                ..
            }) => krate = path,
            Ok(ShmArg { key, value }) => {
                let err = match value {
                    ShmValue::Name(Err(e)) | ShmValue::Crate(Err(e)) => e,
                    other => syn::Error::new(
                        key,
                        format!(
                            "`{}` is not used on an enum: a `SharedEnum` takes `name` and `crate`; \
                             the byte order is the `Tag` field's storage type",
                            other.key()
                        ),
                    ),
                };
                errors.push(err);
            }
            Err(e) => {
                errors.push(e);
            }
        }
    }

    let mut repr: Option<Ident> = None;
    let mut repr_problem = false;
    for hint in attr::parse_repr(&input.attrs) {
        match hint {
            Ok(h) => match &h.kind {
                ReprKind::Other(int) if matches!(int.as_str(), "u8" | "u16" | "u32") => {
                    if repr.is_some() {
                        errors.push(syn::Error::new(h.span, "give one `repr` integer"));
                    }
                    repr = Some(Ident::new(int, h.span));
                }
                _ => {
                    repr_problem = true;
                    errors.push(syn::Error::new(
                        h.span,
                        "a `SharedEnum` is stored as `u8`, `u16` or `u32`: its only repr is \
                         `#[repr(u8)]`, `#[repr(u16)]` or `#[repr(u32)]`",
                    ));
                }
            },
            Err(e) => {
                repr_problem = true;
                errors.push(e);
            }
        }
    }
    if repr.is_none() && !repr_problem {
        errors.push(syn::Error::new(
            input.ident.span(),
            format!("`SharedEnum` needs the stored integer type: {SHAPE_HINT}"),
        ));
    }

    let mut variants = Vec::new();
    if let Some(data) = data {
        if data.variants.is_empty() {
            errors.push(syn::Error::new(
                input.ident.span(),
                "an enum without variants has no value to store",
            ));
        }
        for v in &data.variants {
            if !matches!(v.fields, Fields::Unit) {
                errors.push(syn::Error::new(
                    v.fields.span(),
                    format!(
                        "variant `{}` has fields: a `SharedEnum` is fieldless (store the data in \
                         fields of the message beside the tag)",
                        v.ident
                    ),
                ));
            } else if v.discriminant.is_none() {
                errors.push(syn::Error::new(
                    v.ident.span(),
                    format!(
                        "variant `{}` needs an explicit value (`{} = 1`): the values are the \
                         bytes another process reads, so they must not change when variants are \
                         reordered",
                        v.ident, v.ident
                    ),
                ));
            }
            variants.push(&v.ident);
        }
    }

    match (errors.finish(Ok(())), repr) {
        (Ok(()), Some(repr)) => expand(&input.ident, &name, &repr, &variants, &krate),
        (Err(e), _) => e.to_compile_error(),
        // A missing or refused repr was pushed as an error above.
        (Ok(()), None) => TokenStream::new(),
    }
}

fn expand(
    ident: &Ident,
    name: &str,
    repr: &Ident,
    variants: &[&Ident],
    krate: &syn::Path,
) -> TokenStream {
    let p = quote!(#krate::__private);
    let names = variants.iter().map(|v| unraw(v));
    quote! {
        #[automatically_derived]
        impl #p::SharedEnum for #ident {
            type Repr = #repr;
            const ENUM: &'static #p::EnumLayout = &#p::EnumLayout::__new(
                #name,
                &[#(#p::Variant::__new(#names, #ident::#variants as #repr as u64),)*],
            );
            #[inline]
            fn to_repr(self) -> #repr {
                self as #repr
            }
            #[inline]
            fn from_repr(raw: #repr) -> #p::core::option::Option<Self> {
                #(
                    if raw == #ident::#variants as #repr {
                        return #p::core::option::Option::Some(#ident::#variants);
                    }
                )*
                #p::core::option::Option::None
            }
        }
    }
}
