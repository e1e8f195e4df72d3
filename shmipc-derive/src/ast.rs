//! The input of `#[derive(SharedLayout)]` as written: a typed model that keeps the syn nodes for
//! spans. Building it judges nothing; [`crate::valid`] does.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Fields, Generics, Ident, Member, Path, Type};

use crate::attr::{self, ReprHint, ShmArg, ShmValue};

/// One field of the struct.
pub struct Field<'a> {
    /// `name` or `0`, as used in `offset_of!`.
    pub member: Member,
    /// The name recorded in the layout (`"0"` for the first tuple field).
    pub name: String,
    pub ty: &'a Type,
}

impl Field<'_> {
    /// True when the type is spelled as `u8`, `i8` or arrays of them: such a field has no byte
    /// order. (The generated proofs still check both orders, so an alias that shadows `u8` cannot
    /// cheat.)
    pub fn is_byte_order_free(&self) -> bool {
        fn bytes_only(ty: &Type) -> bool {
            match ty {
                Type::Array(a) => bytes_only(&a.elem),
                Type::Path(p) => {
                    p.qself.is_none() && (p.path.is_ident("u8") || p.path.is_ident("i8"))
                }
                _ => false,
            }
        }
        bytes_only(self.ty)
    }

    /// True when the type is spelled as a fixed-width atomic (`AtomicU32`, `core::sync::atomic::
    /// AtomicU64`), a `WaitCell`, or an array of these. A struct of only such fields gets
    /// `AtomicLayout`; the generated proof still requires `AtomicField` of every field type, so an
    /// alias cannot cheat.
    pub fn is_atomic(&self) -> bool {
        fn atomic(ty: &Type) -> bool {
            match ty {
                Type::Array(a) => atomic(&a.elem),
                Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|last| {
                    last.arguments.is_empty()
                        && matches!(
                            last.ident.to_string().as_str(),
                            "AtomicU8"
                                | "AtomicU16"
                                | "AtomicU32"
                                | "AtomicU64"
                                | "AtomicI8"
                                | "AtomicI16"
                                | "AtomicI32"
                                | "AtomicI64"
                                | "WaitCell"
                        )
                }),
                _ => false,
            }
        }
        atomic(self.ty)
    }
}

/// What kind of item the derive is on.
pub enum Shape<'a> {
    /// A struct, with its fields in declaration order (none for a unit or empty struct).
    Struct(Vec<Field<'a>>),
    /// An enum; the span of `enum`.
    Enum(Span),
    /// A union; the span of `union`.
    Union(Span),
}

/// The derive's input as written.
pub struct Input<'a> {
    pub ident: &'a Ident,
    pub generics: &'a Generics,
    /// Every `key = value` of the struct's `#[shm(...)]` attributes, in source order.
    pub shm: Vec<syn::Result<ShmArg>>,
    /// Every hint of the struct's `#[repr(...)]` attributes, in source order.
    pub repr: Vec<syn::Result<ReprHint>>,
    pub shape: Shape<'a>,
    /// `#[shm(...)]` attributes written on fields (of a struct or union).
    pub field_attrs: Vec<&'a Attribute>,
}

impl<'a> Input<'a> {
    pub fn from_syn(input: &'a DeriveInput) -> Input<'a> {
        // The fields whose attributes are looked at (an enum's are not).
        let (shape, fields): (_, Vec<&syn::Field>) = match &input.data {
            Data::Struct(data) => (
                Shape::Struct(fields(&data.fields)),
                data.fields.iter().collect(),
            ),
            Data::Union(data) => (
                Shape::Union(data.union_token.span),
                data.fields.named.iter().collect(),
            ),
            Data::Enum(data) => (Shape::Enum(data.enum_token.span), Vec::new()),
        };
        Input {
            ident: &input.ident,
            generics: &input.generics,
            shm: attr::parse_shm(&input.attrs),
            repr: attr::parse_repr(&input.attrs),
            shape,
            field_attrs: fields
                .into_iter()
                .flat_map(|f| f.attrs.iter().filter(|a| a.path().is_ident("shm")))
                .collect(),
        }
    }

    /// The path to the facade crate: the last readable `crate = "..."`, else `::shmipc`.
    pub fn krate(&self) -> Path {
        let given = self.shm.iter().rev().find_map(|item| match item {
            Ok(ShmArg {
                value: ShmValue::Crate(Ok(path)),
                ..
            }) => Some(path.clone()),
            _ => None,
        });
        given.unwrap_or_else(|| syn::parse_quote!(::shmipc))
    }
}

fn fields(fields: &Fields) -> Vec<Field<'_>> {
    match fields {
        Fields::Named(named) => named
            .named
            .iter()
            .map(|f| {
                let ident = f.ident.clone().expect("named field");
                Field {
                    name: unraw(&ident),
                    member: Member::Named(ident),
                    ty: &f.ty,
                }
            })
            .collect(),
        Fields::Unnamed(unnamed) => unnamed
            .unnamed
            .iter()
            .enumerate()
            .map(|(i, f)| Field {
                name: i.to_string(),
                member: Member::Unnamed(syn::Index {
                    index: i as u32,
                    span: f.ty.span(),
                }),
                ty: &f.ty,
            })
            .collect(),
        Fields::Unit => Vec::new(),
    }
}

/// The identifier without a leading `r#`.
pub fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}
