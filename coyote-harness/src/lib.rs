//! # coyote-harness
//!
//! Write your concurrent service against this crate instead of tokio's task, time and sync APIs;
//! in production it *is* tokio, and under `coyote test` (or [`check`]) every task, timer, lock,
//! channel and declared random choice is controlled by a deterministic scheduler that explores
//! interleavings systematically and records a replayable trace for every bug.
//!
//! ## A first test
//!
//! ```
//! use coyote_harness::{sync::Mutex, task, time};
//! use std::{sync::Arc, time::Duration};
//!
//! async fn write_with_delay(entry: Arc<Mutex<i32>>, value: i32) {
//!     time::sleep(Duration::from_millis(100)).await;
//!     *entry.lock().await = value;
//! }
//!
//! pub async fn shared_entry() {
//!     let entry = Arc::new(Mutex::new(0));
//!     let t1 = task::spawn(write_with_delay(entry.clone(), 3));
//!     let t2 = task::spawn(write_with_delay(entry.clone(), 5));
//!     task::join_all([t1, t2]).await;
//!     let v = *entry.lock().await;
//!     assert!(v == 3 || v == 5, "Value is '{v}'");
//! }
//!
//! // In a `#[test]`: explore 100 interleavings in-process; a bug panics with its trace file.
//! coyote_harness::check(shared_entry, coyote_harness::Config::new().iterations(100));
//! ```
//!
//! To run it with the `coyote` CLI, build your crate as a `cdylib` and export the entry points:
//!
//! ```ignore
//! coyote_harness::export_tests!(shared_entry);
//! ```
//!
//! then `coyote test` in the crate's directory (cargo builds it; or `coyote test -p my-service`,
//! or give the library's path), and `coyote replay coyote-out/<test>-1.trace`.
//!
//! [`check`] runs the CLI's default strategy, the portfolio, 1,000 iterations from seed 0;
//! `COYOTE_ITERATIONS`, `COYOTE_STRATEGY` and `COYOTE_SEED` in the environment change those
//! defaults (see [`Config::new`]).
//!
//! ## Scheduling points
//!
//! Code between two scheduling points runs atomically. A scheduling point is any controlled
//! operation that can let another operation run: awaiting a [`task::JoinHandle`],
//! [`task::yield_now`], [`time::sleep`], the waiting operations of [`sync`] (lock, acquire,
//! notified, channel send and receive). At each one the strategy picks the next enabled task.
//! Every controlled operation records its caller's source line for logs and coverage, and what
//! it is about to touch (a lock writes its mutex, a channel operation writes its channel), so the
//! race-aware strategy `pos` can reorder exactly the operations that race. Threads and atomics
//! of [`std`] (`coyote_harness::std::{thread, sync}`) are controlled the same way: every join,
//! `park`, blocking call and atomic access is a scheduling point. Other state your tasks share
//! outside the harness's primitives (a cell, a raw pointer) becomes visible the same way: await
//! [`task::yield_read`] or [`task::yield_write`] on it right before the access.
//!
//! ## What coyote does not control
//!
//! Only these modules are controlled. Under the `coyote` CLI, a controlled task that reads the
//! real clock (`std::time::Instant::now`, `SystemTime::now`), sleeps on it
//! (`std::thread::sleep`) or starts an OS thread (`std::thread::spawn`) is reported as an
//! `uncontrolled` bug at the line that did it, because a schedule that depends on them cannot be
//! replayed; use [`time`], [`task::spawn`] and [`thread::spawn`], which are tokio's and std's in
//! production. (`coyote test
//! --allow-real-clock` lets clock reads through, for log timestamps.) A task waiting on a thread
//! coyote does not control is reported when nothing controlled can run, also under `cargo test`.
//!
//! ## Modules
//!
//! * [`task`]: `spawn`, `spawn_blocking`, `JoinHandle`, `AbortHandle`, `JoinSet`, `yield_now`,
//!   `yield_read`, `yield_write`, `join_all`, `select`, `when_any`.
//! * [`time`]: `sleep`, `timeout`, `interval`, `now`: virtual in tests.
//! * [`sync`]: `Mutex`, `RwLock`, `Semaphore` (with their owned guards and permits), `Notify`,
//!   `Barrier`, `OnceCell`, `mpsc`, `oneshot`, `watch`, `broadcast`.
//! * [`thread`] and [`std`]: controlled threads (`spawn`, `scope`, `park`, `thread_local!`) and
//!   `std::sync`'s mirrors (atomics first), std's own in production.
//! * [`random`]: declared non-determinism, explored by the strategy.
//! * [`select!`]: `tokio::select!`, with which of several ready branches wins explored by the
//!   strategy and recorded in the trace (plain `tokio::select!` draws it from tokio's own
//!   generator, which coyote does not control).
//! * [`spec`]: assertions and monitors (safety and liveness specifications) checked in every
//!   execution.
//! * [`actor`]: actors and state machines with typed events, inboxes and timers; every send
//!   and dequeue is a scheduling point.
#![warn(missing_docs)]

#[doc(hidden)]
pub mod abi;
pub mod actor;
mod check;
mod registry;
mod regressions;
mod rt;
#[cfg(test)]
mod rt_tests;
mod runner;
#[cfg(test)]
mod step_log_tests;

pub mod net;
pub mod random;
mod select;
pub mod spec;
pub mod std;
pub mod sync;
pub mod task;
pub mod thread;
pub mod time;

pub use check::{check, replay, Config};
#[doc(hidden)]
pub use runner::Test;

/// The harness version, recorded in traces.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// True when the calling thread runs under a controlled executor (`coyote test`, [`check`]).
pub fn is_test_mode() -> bool {
    rt::in_test()
}

#[doc(hidden)]
pub mod __private {
    pub use coyote_core::abi::{EventCallback, ABI_VERSION};

    pub use tokio;

    pub use crate::check::check_registered;
    pub use crate::registry::{Registered, TestSet};
    pub use inventory;

    /// A test's name as `export_tests!` lists it: its path as written, without spaces.
    pub const fn path_name(written: &'static str) -> &'static str {
        written
    }

    /// What a test entry point may return: `()`, or a `Result` whose `Err` is a bug.
    pub trait TestOutput {
        /// Panics (a bug) on an error.
        fn finish(self);
    }

    impl TestOutput for () {
        fn finish(self) {}
    }

    impl<E: std::fmt::Debug> TestOutput for Result<(), E> {
        #[track_caller]
        fn finish(self) {
            if let Err(e) = self {
                panic!("the test returned an error: {e:?}");
            }
        }
    }

    /// Ends the running controlled test with an `uncontrolled` bug at `loc` (a part of the
    /// program coyote cannot control, such as tokio's file system, was used in a test).
    pub fn uncontrolled(message: String, loc: &'static std::panic::Location<'static>) -> ! {
        let failed = crate::rt::with_executor(|ex| {
            ex.fail(
                coyote_core::trace::BugKind::Uncontrolled,
                message.clone(),
                Some(loc),
            )
        });
        match failed {
            Some(()) => {
                std::panic::resume_unwind(Box::new(crate::rt::executor::SpecFailurePayload))
            }
            None => panic!("{message}"),
        }
    }

    /// The current virtual time (since the iteration began) when the calling thread runs a
    /// controlled test; `None` in production.
    pub fn virtual_now() -> Option<std::time::Duration> {
        crate::rt::with_executor(|ex| ex.now())
    }

    /// The source location of the `export_tests!` invocation.
    #[track_caller]
    pub fn here() -> &'static std::panic::Location<'static> {
        std::panic::Location::caller()
    }

    /// The branch a test-mode `select!` of `branches` branches polls first: a declared choice
    /// recorded at the `select!`'s line.
    #[track_caller]
    pub fn select_start(branches: u64) -> usize {
        crate::random::int_of(branches, crate::rt::ChoiceOf::SelectStart) as usize
    }
}

/// Exports test entry points (`async fn name()`, or one returning `Result<(), E>` with
/// `E: Debug`, whose `Err` is a bug) through the C ABI that `coyote` loads. Names may be paths
/// (`scenarios::lost_update`); `coyote list` shows them as written.
///
/// Use it in a crate built with `crate-type = ["cdylib", "rlib"]`:
///
/// ```ignore
/// coyote_harness::export_tests!(shared_entry, shared_entry_fixed);
/// ```
///
/// A test can name monitors to register at its start, before its first step (as
/// [`spec::register`] does; Coyote's `RegisterMonitor`), so a monitor that starts hot is
/// checked even if no event reaches it:
///
/// ```ignore
/// coyote_harness::export_tests!(replication with monitors(Replicas, Atomicity), smoke);
/// ```
///
/// The library's ABI symbols come from the harness itself and serve every list and every
/// registered test (`#[tokio::test]` through coyote-tokio); this macro adds its list to them.
#[macro_export]
macro_rules! export_tests {
    ($($first:ident $(:: $rest:ident)* $(with monitors($($monitor:ty),* $(,)?))?),+ $(,)?) => {
        #[doc(hidden)]
        pub static __COYOTE_TESTS: &[$crate::Test] = &[
            $(
                $crate::Test {
                    name: $crate::__private::path_name(
                        concat!(stringify!($first) $(, "::", stringify!($rest))*)
                    ),
                    make: || {
                        (
                            ::std::boxed::Box::pin(async {
                                $($($crate::spec::register::<$monitor>();)*)?
                                $crate::__private::TestOutput::finish($first $(:: $rest)*().await)
                            }),
                            $crate::__private::here(),
                        )
                    },
                },
            )+
        ];

        $crate::__private::inventory::submit! {
            $crate::__private::TestSet(&__COYOTE_TESTS)
        }

        /// The ABI entry points of this library as Rust functions (the exported symbols are
        /// the harness's own, which serve the same tests).
        #[doc(hidden)]
        pub extern "C" fn coyote_abi_version() -> u32 {
            $crate::__private::ABI_VERSION
        }

        #[doc(hidden)]
        pub extern "C" fn coyote_list() -> *mut ::std::ffi::c_char {
            $crate::abi::list($crate::abi::registered())
        }

        /// # Safety
        /// See `coyote_core::abi`.
        #[doc(hidden)]
        pub unsafe extern "C" fn coyote_run(
            request: *const ::std::ffi::c_char,
            callback: $crate::__private::EventCallback,
            ctx: *mut ::std::ffi::c_void,
            heartbeat: *const ::std::sync::atomic::AtomicU64,
        ) -> *mut ::std::ffi::c_char {
            // SAFETY: the caller upholds the ABI contract.
            unsafe { $crate::abi::run($crate::abi::registered(), request, callback, ctx, heartbeat) }
        }

        /// # Safety
        /// See `coyote_core::abi`.
        #[doc(hidden)]
        pub unsafe extern "C" fn coyote_replay(
            request: *const ::std::ffi::c_char,
            callback: $crate::__private::EventCallback,
            ctx: *mut ::std::ffi::c_void,
            heartbeat: *const ::std::sync::atomic::AtomicU64,
        ) -> *mut ::std::ffi::c_char {
            // SAFETY: the caller upholds the ABI contract.
            unsafe { $crate::abi::replay($crate::abi::registered(), request, callback, ctx, heartbeat) }
        }

        /// # Safety
        /// See `coyote_core::abi`.
        #[doc(hidden)]
        pub unsafe extern "C" fn coyote_free(s: *mut ::std::ffi::c_char) {
            // SAFETY: the caller upholds the ABI contract.
            unsafe { $crate::abi::free(s) }
        }
    };
}
