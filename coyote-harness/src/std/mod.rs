//! The one-`use`-line swap for code written against `std`: `use coyote_harness::std::{sync,
//! thread};` instead of `use std::{sync, thread};`.
//!
//! Each item is the `std` item in production (the choice is made at run time: is a controlled
//! executor active on this thread?) and a controlled one in tests, whose blocking calls and
//! atomic accesses are scheduling points. See [`thread`] and [`sync`].

pub mod sync;

pub use crate::thread;
