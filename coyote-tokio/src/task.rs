//! `tokio::task`: the harness's tasks (controlled in tests, tokio's in production), plus
//! `LocalSet`, `spawn_local` and `block_in_place`.
//!
//! In a test, `spawn_local` is a controlled task like `spawn`'s (every task runs on the test's
//! one thread); `spawn_blocking(f)` runs `f` on a controlled thread, and `block_in_place(f)`
//! runs `f` in the calling task, whose blocking calls (a `coyote_harness::std::sync` lock, an
//! atomic, a `Handle::block_on`) are then scheduling points (see `coyote_harness::thread`).

pub use coyote_harness::task::{
    id, spawn, spawn_blocking, try_id, yield_now, AbortHandle, Id, JoinError, JoinHandle, JoinSet,
};
pub use tokio::task::{futures, unconstrained, LocalKey, Unconstrained};

mod local;
pub use local::{spawn_local, LocalJoinHandle, LocalSet};

/// Runs the blocking `f` on this worker thread; mirrors `tokio::task::block_in_place`.
///
/// In production it is tokio's (which moves the worker's other tasks elsewhere; it panics on a
/// current-thread runtime, as tokio's does). In a test it runs `f` in the calling task, as a
/// controlled thread would: the run's tasks are on coroutines once `f` blocks (on a
/// `coyote_harness::std::sync` lock, an atomic, a `block_on`), so every blocking call in `f` is
/// a scheduling point where the other tasks and threads run; code between two of them is one
/// atomic step.
#[track_caller]
pub fn block_in_place<F: FnOnce() -> R, R>(f: F) -> R {
    if coyote_harness::is_test_mode() {
        f()
    } else {
        tokio::task::block_in_place(f)
    }
}
