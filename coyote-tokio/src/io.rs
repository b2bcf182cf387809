//! `tokio::io`: tokio's traits and utilities (`AsyncRead`, `AsyncWrite`, `AsyncReadExt`,
//! `BufReader`, `copy`, `duplex`, `split`, ...), re-exported: they work under any executor, so
//! in a test they wake controlled tasks like any other future. Reads and writes are not
//! scheduling points by themselves; the controlled network (`tokio::net`) makes its own.
//!
//! `stdin`, `stdout` and `stderr` are tokio's blocking-pool handles: not controlled.

pub use tokio::io::*;
