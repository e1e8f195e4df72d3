//! Integration tests of shmipc live in `tests/`.
