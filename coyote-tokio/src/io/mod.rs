//! `tokio::io`: tokio's traits and utilities (`AsyncRead`, `AsyncWrite`, `AsyncReadExt`,
//! `BufReader`, `copy`, `split`, ...), re-exported: they work under any executor and add no
//! waiting of their own, so over the simulated network (`tokio::net`), whose reads and writes
//! are scheduling points, they are controlled.
//!
//! [`copy`], [`copy_buf`] and [`copy_bidirectional`] are tokio's in production and, in a test,
//! the same loops without tokio's cooperative budget (which coyote reports as real tokio).
//! [`duplex`] is the exception: its pipe is tokio's own waiting (and spends tokio's cooperative
//! budget), which coyote does not control; in a test it is reported as an `uncontrolled` bug at
//! the caller's line, with the hint to connect the two ends over the simulated network.
//! `stdin`, `stdout` and `stderr` are tokio's blocking-pool handles, and `empty`, `sink` and
//! `repeat` spend tokio's budget: not controlled (the last three are reported as real tokio).

pub use tokio::io::*;

mod copy;
pub use copy::{copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf};

use std::panic::Location;

/// A bidirectional in-memory pipe; mirrors `tokio::io::duplex`. Production only: in a test,
/// bind a `tokio::net::TcpListener` on `127.0.0.1:0` and connect to it instead (the simulated
/// network explores partial reads and writes).
#[track_caller]
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    crate::__private::forbid_in_test(
        "tokio::io::duplex (tokio's own pipe; connect over the simulated network, TcpListener::bind(\"127.0.0.1:0\"), instead)",
        Location::caller(),
    );
    tokio::io::duplex(max_buf_size)
}

/// A unidirectional in-memory pipe; mirrors `tokio::io::simplex`. Production only, as
/// [`duplex`].
#[track_caller]
pub fn simplex(max_buf_size: usize) -> (ReadHalf<SimplexStream>, WriteHalf<SimplexStream>) {
    crate::__private::forbid_in_test(
        "tokio::io::simplex (tokio's own pipe; connect over the simulated network instead)",
        Location::caller(),
    );
    tokio::io::simplex(max_buf_size)
}
