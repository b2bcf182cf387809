//! What the executable that runs the runner provides: the real-clock watch.
//!
//! The watch interposes libc's clock, sleep and thread functions, so it must live in the
//! executable itself (an executable's exported symbols come before libc's for the libraries it
//! loads); the runner only switches it and asks it. Invariant: [`Host::NONE`] (no watch) is
//! always a valid host: nothing is reported then, and nothing else changes.

/// The hooks of the executable's real-clock watch.
#[derive(Clone, Copy, Debug)]
pub struct Host {
    /// `--allow-real-clock`: let controlled tasks read the real clock without a report.
    pub allow_real_clock: fn(bool),
    /// Whether the watch is rendering a hit's call site right now (the iteration watchdog does
    /// not count that time against the user's iteration).
    pub diagnosing: fn() -> bool,
}

impl Host {
    /// An executable without a real-clock watch.
    pub const NONE: Host = Host {
        allow_real_clock: |_| {},
        diagnosing: || false,
    };
}
