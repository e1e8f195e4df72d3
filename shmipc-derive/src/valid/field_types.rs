//! Early, well-placed errors for field types that can be recognised by their spelling.
//!
//! These checks exist for the quality of the message only. Soundness never rests on them: a type
//! alias or wrapper can hide any of these types, and the sealed `Field` traits in the generated
//! proofs reject it all the same (with a more general message).

use syn::{GenericArgument, PathArguments, Type};

use crate::attr::Endian;

/// Why `ty` cannot be a field of a layout with byte order `endian`, if that shows in its spelling.
/// With `endian` `None` (not declared, or unreadable) the rules that depend on it are skipped.
pub fn type_problem(ty: &Type, endian: Option<Endian>) -> Option<String> {
    match ty {
        Type::Ptr(_) => Some(
            "a raw pointer is an address in this process and means nothing in another; store an offset into the segment (for example a `U64Le`) instead"
                .into(),
        ),
        Type::Reference(_) => Some(
            "a reference is an address in this process and means nothing in another; store the value itself, or an offset into the segment"
                .into(),
        ),
        Type::FnPtr(_) => Some(
            "a function pointer is an address in this process (and differs between processes); store an index into a table that both processes know"
                .into(),
        ),
        Type::TraitObject(_) | Type::ImplTrait(_) => Some(
            "a trait object carries a vtable pointer that is valid only in this process; use a concrete struct with #[derive(SharedLayout)]"
                .into(),
        ),
        Type::Tuple(t) if t.elems.is_empty() => Some(
            "`()` is zero-sized and holds nothing to share; remove the field".into(),
        ),
        Type::Tuple(_) => Some(
            "tuples have no guaranteed layout; use a #[repr(C)] struct with #[derive(SharedLayout)]"
                .into(),
        ),
        Type::Slice(_) => Some(
            "a slice has no fixed length; use an array `[T; N]` and a length field".into(),
        ),
        Type::Array(a) => type_problem(&a.elem, endian),
        Type::Paren(p) => type_problem(&p.elem, endian),
        Type::Group(g) => type_problem(&g.elem, endian),
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            let name = last.ident.to_string();
            // A derived struct is never generic, so a generic std name (`Vec<T>`) cannot be a
            // user's shared type; plain names are matched only where a user type is unlikely.
            let generic = matches!(last.arguments, PathArguments::AngleBracketed(_));
            if let Some(reason) = path_problem(&name, generic) {
                return Some(reason);
            }
            // Rules for the generic arguments of well-known wrappers (`Le<usize>`, `[Vec<u8>; 2]`).
            if let PathArguments::AngleBracketed(args) = &last.arguments {
                for arg in &args.args {
                    if let GenericArgument::Type(inner) = arg
                        && let Some(reason) = type_problem(inner, Some(Endian::Native))
                    {
                        return Some(reason);
                    }
                }
            }
            if p.path.segments.len() == 1 {
                native_in_endian_layout(&name, endian)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Why a path whose last segment is `name` (with generic arguments if `generic`) cannot be
/// shared, in any layout.
fn path_problem(name: &str, generic: bool) -> Option<String> {
    if generic {
        return generic_problem(name);
    }
    let reason = match name {
        "usize" | "isize" => format!(
            "`{name}` is 4 bytes in a 32-bit process and 8 bytes in a 64-bit one; use a fixed width such as `u64` or `u32` (`U64Le`/`U32Le` in a little-endian layout)"
        ),
        "bool" => "`bool` is valid only as 0 or 1, but a peer may write any byte; use `Bool8` (`shmipc::Bool8`: one byte, read with a check) instead".into(),
        "char" => "`char` has invalid bit patterns (surrogates and values above 0x10FFFF); store the code point as a `U32Le` and convert with `char::from_u32`, or UTF-8 bytes in a `[u8; 4]`".into(),
        "u128" | "i128" => format!(
            "the alignment of `{name}` changed from 8 to 16 bytes in Rust 1.77 on x86_64, so two builds may disagree on the layout; split it into two `U64Le` halves"
        ),
        "NonZeroU8" | "NonZeroU16" | "NonZeroU32" | "NonZeroU64" | "NonZeroI8" | "NonZeroI16"
        | "NonZeroI32" | "NonZeroI64" | "NonZero" => format!(
            "`{name}` must not be zero, but a peer may write zero; use the plain integer type and check it after reading"
        ),
        "String" | "CString" | "OsString" | "PathBuf" => format!(
            "`{name}` owns heap memory of this process, which another process cannot see; use a fixed-size array `[u8; N]` and a length field"
        ),
        "str" | "CStr" | "OsStr" => format!(
            "`{name}` has no fixed size; use a fixed-size array `[u8; N]` and a length field"
        ),
        "AtomicUsize" | "AtomicIsize" => format!(
            "`{name}` changes width between 32- and 64-bit processes; use `AtomicU64` or `AtomicU32`"
        ),
        "AtomicBool" => "`AtomicBool` is valid only as 0 or 1, but a peer may write any byte; use an `AtomicU8` (0 or 1) instead".into(),
        "AtomicPtr" => "an `AtomicPtr` holds an address in this process that means nothing in another; store an offset in an `AtomicU64`".into(),
        "PhantomPinned" => format!(
            "`{name}` is zero-sized and holds nothing to share; remove the field"
        ),
        _ => return None,
    };
    Some(reason)
}

/// Why a generic std type named `name` cannot be shared.
fn generic_problem(name: &str) -> Option<String> {
    let reason = match name {
        "Option" => "`Option` uses a niche or hidden discriminant that a peer can set to an invalid value; store a `u8` flag beside the value".into(),
        "Box" | "Vec" | "Rc" | "Arc" | "HashMap" | "BTreeMap" | "HashSet" | "BTreeSet"
        | "VecDeque" | "Cow" => format!(
            "`{name}` owns heap memory of this process, which another process cannot see; use a fixed-size array (`[u8; N]` for text) and a length field"
        ),
        "Cell" | "RefCell" | "UnsafeCell" | "OnceCell" | "SyncUnsafeCell" => format!(
            "`{name}` gives interior mutability within one process only; share mutable values through atomics (`AtomicU32`, `AtomicU64`, ...) in an `endian = \"native\"` layout, or a shmipc lock"
        ),
        "Mutex" | "RwLock" | "OnceLock" | "LazyLock" => format!(
            "`std::sync::{name}` uses a futex private to this process, so it cannot synchronise two processes; use shmipc's shared lock instead"
        ),
        "PhantomData" => "`PhantomData` is zero-sized and holds nothing to share; remove the field".into(),
        _ => return None,
    };
    Some(reason)
}

/// The native fixed-width types, with the endian type to write instead in a little or big layout.
fn native_in_endian_layout(name: &str, endian: Option<Endian>) -> Option<String> {
    let (order, suffix) = match endian? {
        Endian::Little => ("little", "Le"),
        Endian::Big => ("big", "Be"),
        Endian::Native => return None,
    };
    match name {
        "u16" | "u32" | "u64" | "i16" | "i32" | "i64" | "f32" | "f64" => {
            let mut alias = name.to_uppercase();
            alias.push_str(suffix);
            Some(format!(
                "`{name}` is stored in the byte order of the machine that writes it, but this layout is `endian = \"{order}\"`; use `{alias}` (`shmipc::endian::{alias}`) instead, or declare `endian = \"native\"`"
            ))
        }
        "AtomicU8" | "AtomicU16" | "AtomicU32" | "AtomicU64" | "AtomicI8" | "AtomicI16"
        | "AtomicI32" | "AtomicI64" => Some(format!(
            "atomics work in the machine's byte order, but this layout is `endian = \"{order}\"`; put `{name}` in a struct with `endian = \"native\"`"
        )),
        _ => None,
    }
}
