//! Code generation from a validated model: the `SharedLayout` and `Field` impls and the
//! compile-time proofs, or, for input that failed validation, a stub. Nothing here checks the input.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::Input;
use crate::attr::Endian;
use crate::valid::Struct;

/// The impls of a struct that failed validation: enough for other code to type-check, never
/// usable (the crate does not compile).
pub fn stub(input: &Input<'_>) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let ident = input.ident;
    let krate = &input.krate();
    let p = quote!(#krate::__private);
    quote! {
        const _: () = {
            #[automatically_derived]
            unsafe impl #p::SharedLayout for #ident {
                const LAYOUT: &'static #p::Layout = &#p::ERROR_STUB_LAYOUT;
                const FINGERPRINT: u64 = 0;
            }
            #[automatically_derived]
            unsafe impl #p::Field for #ident {
                const TYPE: &'static #p::FieldType = &#p::FieldType::Struct(&#p::ERROR_STUB_LAYOUT);
                type ByteOrder = #p::byte_order::bytes;
                fn only_derive_is_allowed_to_implement_this_trait() {}
            }
        };
    }
}

/// The impls and proofs of a struct that passed validation.
pub fn expand(model: &Struct<'_>) -> TokenStream {
    let ident = model.ident;
    let krate = &model.krate;
    let p = quote!(#krate::__private);
    let core = quote!(#p::core);
    let (name, version, endian) = (&model.name, model.version, model.endian);
    let endian_variant = match endian {
        Endian::Little => quote!(Little),
        Endian::Big => quote!(Big),
        Endian::Native => quote!(Native),
    };

    // The byte order the struct stores, and the proof each field's type is read through (so the
    // read is also the proof): a byte-order-free struct (only bytes, by spelling, each proven to
    // be bytes) nests in layouts of every order.
    let (order, proof) = if model.is_byte_order_free() {
        (quote!(bytes), "bytes_field")
    } else {
        match endian {
            Endian::Little => (quote!(little), "little_field"),
            Endian::Big => (quote!(big), "big_field"),
            Endian::Native => (quote!(native), "native_field"),
        }
    };
    // The proof's name carries the field type's span, so its errors point at the field.
    let type_of = |ty: &syn::Type| {
        let proof = syn::Ident::new(proof, ty.span());
        let p = respan(p.clone(), ty.span());
        quote_spanned!(ty.span()=> #p::#proof::<#ty>())
    };
    let rows = model.fields.iter().map(|f| {
        let (member, name, ty) = (&f.member, &f.name, f.ty);
        let field_type = type_of(ty);
        quote! {
            #p::FieldLayout::__new(
                #name,
                #core::mem::offset_of!(#ident, #member),
                #core::mem::size_of::<#ty>(),
                #core::mem::align_of::<#ty>(),
                #field_type,
            )
        }
    });
    // Padding: the gap between each field and the end of the one before it, then the tail.
    let gap_proofs = model.fields.windows(2).map(|pair| {
        let (prev, next) = (&pair[0], &pair[1]);
        let (prev_member, prev_ty) = (&prev.member, prev.ty);
        let (next_member, next_ty) = (&next.member, next.ty);
        quote_spanned! {next.ty.span()=>
            #p::assert_no_padding_before::<#next_ty, #ident, {
                #core::mem::offset_of!(#ident, #next_member)
                    - (#core::mem::offset_of!(#ident, #prev_member) + #core::mem::size_of::<#prev_ty>())
            }>();
        }
    });
    let (last_member, last_ty) = (&model.last.member, model.last.ty);
    let tail_proof = quote_spanned! {ident.span()=>
        #p::assert_no_trailing_padding::<#ident, {
            #core::mem::size_of::<#ident>()
                - (#core::mem::offset_of!(#ident, #last_member) + #core::mem::size_of::<#last_ty>())
        }>();
    };

    let drop_message = format!(
        "`{ident}` implements Drop, so it cannot be a shared layout: another process may copy or discard the bytes without running it; remove the Drop impl"
    );
    let zst_message =
        format!("`{ident}` is zero-sized, so it holds nothing to share; add at least one field");

    let mut markers = TokenStream::new();

    // A struct of atomics and wait cells only (by spelling; each proven by the bound of
    // `atomic_field`) may be referenced in shared memory while other processes write it.
    if model.fields.iter().all(|f| f.is_atomic()) {
        let proofs = model.fields.iter().map(|f| {
            let ty = f.ty;
            quote_spanned!(ty.span()=> #p::atomic_field::<#ty>();)
        });
        markers.extend(quote! {
            const _: () = { #(#proofs)* };
            // SAFETY: every field is an `AtomicField` (proven above) and the struct has no
            // padding (proven below), so every byte is reached only through atomics.
            #[automatically_derived]
            unsafe impl #p::AtomicField for #ident {}
            // SAFETY: as for `AtomicField`.
            #[automatically_derived]
            unsafe impl #p::AtomicLayout for #ident {}
        });
    }

    quote! {
        const _: () = {
            const __SHMIPC_FIELDS: &[#p::FieldLayout] = &[#(#rows),*];
            const __SHMIPC_LAYOUT: #p::Layout = #p::Layout::__new(
                #name,
                #version,
                #p::Endian::#endian_variant,
                #core::mem::size_of::<#ident>(),
                #core::mem::align_of::<#ident>(),
                __SHMIPC_FIELDS,
            );

            // SAFETY: the proofs below (sealed field traits, no padding, no Drop, not zero-sized)
            // and #[repr(C)], checked by the derive, establish the trait's contract.
            #[automatically_derived]
            unsafe impl #p::SharedLayout for #ident {
                const LAYOUT: &'static #p::Layout = &__SHMIPC_LAYOUT;
                const FINGERPRINT: u64 = #p::fingerprint(&__SHMIPC_LAYOUT);
            }

            // SAFETY: as for `SharedLayout`.
            #[automatically_derived]
            unsafe impl #p::Field for #ident {
                const TYPE: &'static #p::FieldType = &#p::FieldType::Struct(&__SHMIPC_LAYOUT);
                type ByteOrder = #p::byte_order::#order;
                fn only_derive_is_allowed_to_implement_this_trait() {}
            }

            #markers

            const _: () = {
                #(#gap_proofs)*
                #tail_proof
                #core::assert!(!#core::mem::needs_drop::<#ident>(), #drop_message);
                #core::assert!(#core::mem::size_of::<#ident>() != 0, #zst_message);
            };
        };
    }
}

/// `tokens` with every span set to `span`, so that an error about the expression they start is
/// reported there (at a field's type, not at the derive).
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = proc_macro2::TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}
