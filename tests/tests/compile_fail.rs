//! Every rejection of `#[derive(SharedLayout)]` is a compile error with an exact, reviewed
//! message (`tests/ui/fail/*.stderr`), and the accepted forms compile (`tests/ui/pass`).
//!
//! The `.stderr` files are tied to the installed compiler (Rust 1.95). After an intended change
//! of a message, regenerate them with `TRYBUILD=overwrite cargo test -p shmipc-tests --test
//! compile_fail` and review the diff.

#[test]
fn derive_rejections_and_acceptances() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/fail/*.rs");
    t.pass("ui/pass/*.rs");
}
