//! Collecting every error of one derive, so the user sees them all at once.

/// Proof that an error was recorded: what a check returns instead of a value it could not
/// produce (a byte order, a last field). Only [`Errors::push`] makes one.
pub struct Reported(());

/// A list of errors, combined with `syn::Error::combine` when emitted, in the order pushed.
#[derive(Default)]
pub struct Errors(Vec<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) -> Reported {
        self.0.push(error);
        Reported(())
    }

    /// The value when no error was recorded, else all errors as one.
    pub fn finish<T>(self, value: Result<T, Reported>) -> Result<T, syn::Error> {
        let combined = self.0.into_iter().reduce(|mut all, e| {
            all.combine(e);
            all
        });
        match (combined, value) {
            (None, Ok(value)) => Ok(value),
            (Some(error), _) => Err(error),
            (None, Err(Reported(()))) => {
                unreachable!("a `Reported` is made only by `push`, and errors are never removed")
            }
        }
    }
}
