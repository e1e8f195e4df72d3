//! `#[derive(SharedLayout)]` for [shmipc](https://docs.rs/shmipc).
//!
//! Use it through the `shmipc` crate, which documents every rule. The pipeline follows the best
//! derive crates: `ast` reads the input into a typed model (collecting every error), `valid`
//! adds early, well-placed errors for recognisably unshareable field types, and `expand` emits the
//! impls together with the compile-time proofs on which soundness actually rests.
#![deny(unsafe_op_in_unsafe_fn)]

mod ast;
mod attr;
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
    expand::derive(&input).into()
}
