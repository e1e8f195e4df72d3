//! `Debug` for the error types as `Variant: sentence`, so that `.unwrap()` and
//! `fn main() -> Result<(), Box<dyn Error>>` print the sentence that says what to do, short,
//! instead of a struct dump.
//!
//! Every error type of the crate uses the one macro:
//!
//! ```ignore
//! debug_as_sentence!(Error { BadName, NotFound, /* every variant */ });
//! debug_as_sentence!(impl<T> PushError<T> { Full, Timeout, Disconnected, Corrupted });
//! debug_as_sentence!(struct WaitTimedOut);
//! ```
//!
//! The type must implement `std::error::Error` (its `Display` is the sentence). The list of
//! variants is matched without a wildcard, so adding a variant without listing it fails to
//! compile. A source error the sentence does not quote is appended as `(caused by: …)`.

use core::fmt;

/// Writes `variant: err` and, if `err` has a source that its sentence does not already quote,
/// ` (caused by: source)`.
pub(crate) fn write(
    f: &mut fmt::Formatter<'_>,
    variant: &str,
    err: &dyn std::error::Error,
) -> fmt::Result {
    let sentence = err.to_string();
    write!(f, "{variant}: {sentence}")?;
    if let Some(source) = err.source() {
        let source = source.to_string();
        if !sentence.contains(&source) {
            write!(f, " (caused by: {source})")?;
        }
    }
    Ok(())
}

/// Implements `Debug` as `Variant: sentence` (see the module documentation).
macro_rules! debug_as_sentence {
    (struct $ty:ident) => {
        impl ::core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                $crate::error_debug::write(f, stringify!($ty), self)
            }
        }
    };
    (impl<$($generic:ident),*> $ty:ty { $($variant:ident),+ $(,)? }) => {
        impl<$($generic),*> ::core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                let variant = match self {
                    $(Self::$variant { .. } => stringify!($variant),)+
                };
                $crate::error_debug::write(f, variant, self)
            }
        }
    };
    ($ty:ty { $($variant:ident),+ $(,)? }) => {
        debug_as_sentence!(impl<> $ty { $($variant),+ });
    };
}
