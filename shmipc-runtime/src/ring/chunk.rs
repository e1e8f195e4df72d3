//! What the SPSC ring's in-place chunks ([`WriteChunk`](super::WriteChunk),
//! [`ReadChunk`](super::ReadChunk)) have in common: how many slots they lend, and the bounds
//! check of an index into them.

/// Writes a chunk type: the struct (with the doc comment written before it), a `&mut` of its
/// ring end and the `span: Span` it lends, its `Debug` (its length only: the slots are shared
/// memory) and its `len` / `is_empty` (the literal says what it holds).
macro_rules! chunk_basics {
    (
        $(#[$doc:meta])+
        pub struct $chunk:ident { $end:ident: $End:ident }
        $what:literal
    ) => {
        $(#[$doc])+
        pub struct $chunk<'a, T: SharedLayout> {
            $end: &'a mut $End<T>,
            span: Span,
        }

        impl<T: SharedLayout> core::fmt::Debug for $chunk<'_, T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($chunk))
                    .field("len", &self.span.len())
                    .finish_non_exhaustive()
            }
        }

        impl<T: SharedLayout> $chunk<'_, T> {
            #[doc = concat!("How many ", $what, " the chunk holds (at least one).")]
            pub fn len(&self) -> usize {
                self.span.len()
            }

            #[doc = concat!("Whether the chunk holds no ", $what, " (never: a chunk has at least one).")]
            pub fn is_empty(&self) -> bool {
                self.span.len() == 0
            }
        }
    };
}
pub(crate) use chunk_basics;

/// The number of slots a chunk lends (at least one when made).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span(usize);

impl Span {
    /// A span of `len` slots.
    pub(crate) fn new(len: usize) -> Span {
        Span(len)
    }

    /// How many slots.
    pub(crate) fn len(self) -> usize {
        self.0
    }

    /// Index `i` of the span as the ring's `u64` offset from the chunk's first slot.
    ///
    /// # Panics
    ///
    /// If `i >= self.len()` (the chunk methods document it).
    #[track_caller]
    pub(crate) fn at(self, i: usize) -> u64 {
        assert!(i < self.0, "slot {i} of a chunk of {}", self.0);
        i as u64
    }

    /// Keeps the first `n` slots (at most all).
    pub(crate) fn shrink(&mut self, n: usize) {
        self.0 = n.min(self.0);
    }
}
