//! `tokio::task`: the harness's tasks (controlled in tests, tokio's in production), plus
//! `LocalSet`, `spawn_local` and `block_in_place`.
//!
//! In a test, `spawn_local` is a controlled task like `spawn`'s (every task runs on the test's
//! one thread), and `block_in_place(f)` runs `f` at once, as one atomic step.

pub use coyote_harness::task::{
    id, spawn, spawn_blocking, try_id, yield_now, AbortHandle, Id, JoinError, JoinHandle, JoinSet,
};
pub use tokio::task::{futures, unconstrained, LocalKey, Unconstrained};

mod local;
pub use local::{spawn_local, LocalJoinHandle, LocalSet};

/// Runs the blocking `f` on this worker thread; mirrors `tokio::task::block_in_place`.
///
/// In production it is tokio's (which moves the worker's other tasks elsewhere; it panics on a
/// current-thread runtime, as tokio's does). In a test it runs `f` at once: the controlled
/// executor has one thread, so `f` is one atomic step and other tasks run only after it.
#[track_caller]
pub fn block_in_place<F: FnOnce() -> R, R>(f: F) -> R {
    if coyote_harness::is_test_mode() {
        f()
    } else {
        tokio::task::block_in_place(f)
    }
}
