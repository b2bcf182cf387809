//! # coyote-tokio
//!
//! A drop-in for tokio, selected with one line in a crate's `Cargo.toml`:
//!
//! ```toml
//! tokio = { package = "coyote-tokio", version = "0.1", path = "..." }
//! ```
//!
//! Every `use tokio::...` of the crate (and of its own tests) then resolves here. The public
//! paths mirror tokio 1.x's for what services use. At run time each operation asks whether a
//! controlled coyote executor runs on this thread:
//!
//! * **in a test** (`#[tokio::test]` under `cargo test`, `coyote test`, `coyote_harness::check`)
//!   tasks, timers, locks, channels and `select!` are coyote's: scheduling points explored by the
//!   strategy, virtual time, a replayable trace for every bug;
//! * **in production** each item *is* tokio's (the same runtime, the same timers, one branch
//!   more per call).
//!
//! What is not controlled (`fs`, `process`, `io::stdin`) is tokio's in both modes; `fs` used in
//! a test is reported as an `uncontrolled` bug at the caller's line. See `docs/tokio.md` for the
//! whole table, and for what differs from tokio.
//!
//! ```
//! use tokio::sync::Mutex; // `coyote_tokio` under the package rename
//! # use coyote_tokio as tokio;
//! use std::sync::Arc;
//!
//! async fn lost_update() {
//!     let counter = Arc::new(Mutex::new(0));
//!     let c = counter.clone();
//!     let t = tokio::spawn(async move {
//!         let v = *c.lock().await;
//!         *c.lock().await = v + 1; // read under one lock, write under another
//!     });
//!     let v = *counter.lock().await;
//!     *counter.lock().await = v + 1;
//!     t.await.unwrap();
//!     assert_eq!(*counter.lock().await, 2);
//! }
//!
//! // What `#[tokio::test] async fn lost_update()` runs: the bug is found.
//! let found = std::panic::catch_unwind(|| {
//!     coyote_harness::check(lost_update, coyote_harness::Config::new().iterations(100))
//! });
//! assert!(found.is_err());
//! ```
#![warn(missing_docs)]

pub mod fs;
pub mod io;
pub mod net;
pub mod process;
pub mod runtime;
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

pub use coyote_tokio_macros::{main, test};
pub use task::spawn;
pub use tokio::{join, pin, task_local, try_join};

/// tokio's `select!`: in a test, which of several ready branches wins is a choice the strategy
/// explores and the trace records; `biased;` keeps tokio's top-to-bottom order. In production
/// it is tokio's.
pub use coyote_harness::select;

#[doc(hidden)]
pub mod __private;
