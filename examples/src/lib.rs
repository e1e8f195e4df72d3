//! Helpers shared by the example programs.

pub mod ring_bench;
