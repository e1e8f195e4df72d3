//! The typed model of a `#[derive(SharedLayout)]` input, keeping the syn nodes for spans.

use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Member, Type};

use crate::attr::{self, ShmAttrs};
use crate::errors::Errors;

/// One field of the struct.
pub struct Field<'a> {
    /// `name` or `0`, as used in `offset_of!`.
    pub member: Member,
    /// The name recorded in the layout (`"0"` for the first tuple field).
    pub name: String,
    pub ty: &'a Type,
}

/// A struct the derive can expand, or the errors that say why not.
pub struct Input<'a> {
    pub input: &'a DeriveInput,
    pub shm: ShmAttrs,
    pub fields: Vec<Field<'a>>,
}

impl<'a> Input<'a> {
    /// Reads the input, recording every structural problem in `errors`.
    pub fn from_syn(input: &'a DeriveInput, errors: &mut Errors) -> Input<'a> {
        let shm = attr::parse_shm(&input.attrs, errors);
        let fields = match &input.data {
            Data::Struct(data) => {
                attr::parse_repr(&input.attrs, input.ident.span(), errors);
                match &data.fields {
                    Fields::Named(named) if !named.named.is_empty() => named
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
                    Fields::Unnamed(unnamed) if !unnamed.unnamed.is_empty() => unnamed
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
                    _ => {
                        errors.push(syn::Error::new(
                            input.ident.span(),
                            "a shared layout cannot be zero-sized: there are no bytes to share; add at least one field",
                        ));
                        Vec::new()
                    }
                }
            }
            Data::Enum(data) => {
                errors.push(syn::Error::new(
                    data.enum_token.span,
                    "#[derive(SharedLayout)] does not support enums yet: a peer may write a discriminant that is no variant; use a struct with an integer tag field (for example `kind: u8`) and one field per payload",
                ));
                Vec::new()
            }
            Data::Union(data) => {
                errors.push(syn::Error::new(
                    data.union_token.span,
                    "#[derive(SharedLayout)] does not support unions: the layout cannot say which field holds the value; use a struct with a tag field and a `[u8; N]` payload",
                ));
                Vec::new()
            }
        };
        for field in all_fields(input) {
            for attr in field.attrs.iter().filter(|a| a.path().is_ident("shm")) {
                errors.push(syn::Error::new_spanned(
                    attr,
                    "#[shm(...)] belongs on the struct, not on a field: fields take no options",
                ));
            }
        }
        if !input.generics.params.is_empty() {
            errors.push(syn::Error::new(
                input.generics.span(),
                "#[derive(SharedLayout)] does not support generic structs yet: the layout must be fixed at compile time; write one struct per concrete type",
            ));
        }
        Input { input, shm, fields }
    }

    /// The stable name recorded in the layout.
    pub fn stable_name(&self) -> String {
        match &self.shm.name {
            Some((name, _)) => name.clone(),
            None => unraw(&self.input.ident),
        }
    }
}

/// The fields of a struct or union (an enum's are not looked at).
fn all_fields(input: &DeriveInput) -> Vec<&syn::Field> {
    match &input.data {
        Data::Struct(data) => data.fields.iter().collect(),
        Data::Union(data) => data.fields.named.iter().collect(),
        Data::Enum(_) => Vec::new(),
    }
}

fn unraw(ident: &syn::Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}
