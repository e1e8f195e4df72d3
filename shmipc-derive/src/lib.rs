//! `#[derive(SharedLayout)]` for [shmipc](https://docs.rs/shmipc).
//!
//! Use it through the `shmipc` crate, which documents every rule. The pipeline follows the best
//! derive crates (thiserror's `ast → attr → valid → expand`):
//!
//! - `ast` (with `attr` for `#[shm(...)]` and `#[repr(...)]`) reads the input into a typed model
//!   of what was written, with spans; it judges nothing, and records what it could not read.
//! - `valid` runs every check on that model in one pass and collects every error; what passes
//!   becomes a `valid::Struct`, whose byte order and fields are no longer optional.
//! - `expand` emits the impls of a validated struct together with the compile-time proofs on
//!   which soundness actually rests, or, after errors, a stub so that code using the type reports
//!   nothing further.
#![deny(unsafe_op_in_unsafe_fn)]

mod ast;
mod attr;
mod enumeration;
mod errors;
mod expand;
mod valid;

#[cfg(test)]
mod tests;

/// Proves at compile time that a struct can live in shared memory and implements
/// `shmipc::SharedLayout` for it. See the `shmipc` crate for the attributes and rules.
#[proc_macro_derive(SharedLayout, attributes(shm))]
pub fn derive_shared_layout(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    derive(&input).into()
}

/// Makes a fieldless enum with `#[repr(u8 | u16 | u32)]` and explicit discriminants storable in a
/// checked `shmipc::Tag` field. See the `shmipc` crate.
#[proc_macro_derive(SharedEnum, attributes(shm))]
pub fn derive_shared_enum(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    enumeration::derive(&input).into()
}

/// Expands `#[derive(SharedLayout)]` on `input`: the impls when every check passes, or all errors
/// plus a stub impl.
fn derive(input: &syn::DeriveInput) -> proc_macro2::TokenStream {
    let input = ast::Input::from_syn(input);
    match valid::validate(&input) {
        Ok(model) => expand::expand(&model),
        Err(error) => {
            let mut out = error.to_compile_error();
            out.extend(expand::stub(&input));
            out
        }
    }
}
