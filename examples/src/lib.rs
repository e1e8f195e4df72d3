//! Helpers shared by the example programs.

pub mod ring_bench;
pub mod ring_demo;
pub mod sem_lock;
