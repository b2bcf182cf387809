//! `tokio::runtime`: tokio's runtime in production; in a test, `Handle::current()` spawns
//! controlled tasks, and what would block the test's thread is an error.
//!
//! A controlled test runs on one thread that the strategy schedules; a `block_on` inside it
//! would wait for tasks that cannot run meanwhile, so it is reported (a panic naming the call)
//! rather than run on a second, uncontrolled executor.

use coyote_harness::is_test_mode;
use std::future::Future;
use std::io;
use std::time::Duration;

pub use tokio::runtime::RuntimeFlavor;

/// Panics: `what` would block the controlled test's only thread.
#[track_caller]
pub(crate) fn no_blocking_in_test(what: &str) -> ! {
    panic!("{what} inside a coyote test: the test's tasks run on one controlled thread, which a blocking call would stop; await the future instead")
}

/// Builds a runtime; mirrors `tokio::runtime::Builder` (every setting is tokio's).
pub struct Builder {
    inner: tokio::runtime::Builder,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl Builder {
    /// A builder for a current-thread runtime.
    pub fn new_current_thread() -> Builder {
        Builder {
            inner: tokio::runtime::Builder::new_current_thread(),
        }
    }

    /// A builder for a multi-threaded runtime.
    pub fn new_multi_thread() -> Builder {
        Builder {
            inner: tokio::runtime::Builder::new_multi_thread(),
        }
    }

    /// Enables the I/O and time drivers.
    pub fn enable_all(&mut self) -> &mut Self {
        self.inner.enable_all();
        self
    }

    /// Enables the I/O driver.
    pub fn enable_io(&mut self) -> &mut Self {
        self.inner.enable_io();
        self
    }

    /// Enables the time driver.
    pub fn enable_time(&mut self) -> &mut Self {
        self.inner.enable_time();
        self
    }

    /// Worker threads of a multi-threaded runtime.
    pub fn worker_threads(&mut self, n: usize) -> &mut Self {
        self.inner.worker_threads(n);
        self
    }

    /// The most threads the blocking pool spawns.
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Self {
        self.inner.max_blocking_threads(n);
        self
    }

    /// The name of the runtime's threads.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.inner.thread_name(name);
        self
    }

    /// The stack size of the runtime's threads.
    pub fn thread_stack_size(&mut self, size: usize) -> &mut Self {
        self.inner.thread_stack_size(size);
        self
    }

    /// How long an idle blocking thread lives.
    pub fn thread_keep_alive(&mut self, d: Duration) -> &mut Self {
        self.inner.thread_keep_alive(d);
        self
    }

    /// Starts the runtime with time paused (tokio's `test-util`).
    #[cfg(feature = "test-util")]
    pub fn start_paused(&mut self, yes: bool) -> &mut Self {
        self.inner.start_paused(yes);
        self
    }

    /// Builds the runtime.
    pub fn build(&mut self) -> io::Result<Runtime> {
        Ok(Runtime {
            inner: self.inner.build()?,
        })
    }
}

/// tokio's runtime; mirrors `tokio::runtime::Runtime`.
#[derive(Debug)]
pub struct Runtime {
    inner: tokio::runtime::Runtime,
}

impl Runtime {
    /// A multi-threaded runtime with every driver, as tokio's `Runtime::new`.
    pub fn new() -> io::Result<Runtime> {
        Ok(Runtime {
            inner: tokio::runtime::Runtime::new()?,
        })
    }

    pub(crate) fn tokio(&self) -> &tokio::runtime::Runtime {
        &self.inner
    }

    /// Runs `future` to completion on this runtime. Not inside a coyote test (see the module
    /// docs).
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        if is_test_mode() {
            no_blocking_in_test("Runtime::block_on");
        }
        self.inner.block_on(future)
    }

    /// Spawns a task on this runtime (a controlled task inside a coyote test).
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> crate::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if is_test_mode() {
            return crate::task::spawn(future);
        }
        let _entered = self.inner.enter();
        crate::task::spawn(future)
    }

    /// Runs blocking `f` on this runtime's blocking pool.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> crate::task::JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let _entered = (!is_test_mode()).then(|| self.inner.enter());
        crate::task::spawn_blocking(f)
    }

    /// A handle to this runtime.
    pub fn handle(&self) -> Handle {
        Handle {
            inner: Some(self.inner.handle().clone()),
        }
    }

    /// Enters the runtime's context (so `tokio::spawn` finds it).
    pub fn enter(&self) -> tokio::runtime::EnterGuard<'_> {
        self.inner.enter()
    }

    /// Shuts the runtime down, waiting at most `timeout` for its blocking tasks.
    pub fn shutdown_timeout(self, timeout: Duration) {
        self.inner.shutdown_timeout(timeout)
    }

    /// Shuts the runtime down without waiting.
    pub fn shutdown_background(self) {
        self.inner.shutdown_background()
    }
}

/// A handle to a runtime; mirrors `tokio::runtime::Handle`. Inside a coyote test it names the
/// controlled executor.
#[derive(Debug, Clone)]
pub struct Handle {
    /// tokio's handle; `None` for the controlled executor.
    inner: Option<tokio::runtime::Handle>,
}

/// There is no runtime to hand out.
#[derive(Debug)]
pub struct TryCurrentError(tokio::runtime::TryCurrentError);

impl std::fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for TryCurrentError {}

impl Handle {
    /// The current runtime's handle (the controlled executor's in a test).
    ///
    /// # Panics
    /// Outside a runtime and outside a test, as tokio's.
    #[track_caller]
    pub fn current() -> Handle {
        if is_test_mode() {
            Handle { inner: None }
        } else {
            Handle {
                inner: Some(tokio::runtime::Handle::current()),
            }
        }
    }

    /// The current runtime's handle, or an error outside one.
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        if is_test_mode() {
            return Ok(Handle { inner: None });
        }
        tokio::runtime::Handle::try_current()
            .map(|h| Handle { inner: Some(h) })
            .map_err(TryCurrentError)
    }

    /// Spawns a task on the runtime (a controlled task in a test).
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> crate::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let _entered = self.inner.as_ref().map(|h| h.enter());
        crate::task::spawn(future)
    }

    /// Runs blocking `f` on the runtime's blocking pool.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> crate::task::JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let _entered = self.inner.as_ref().map(|h| h.enter());
        crate::task::spawn_blocking(f)
    }

    /// Runs `future` to completion. In a test, only from a controlled thread (a
    /// `spawn_blocking` closure, a `coyote_harness::thread`), where each wait of the future is
    /// a scheduling point; from an async task it is an error, as in tokio (see the module docs).
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        match &self.inner {
            Some(h) if !is_test_mode() => h.block_on(future),
            _ if coyote_harness::thread::on_controlled_thread() => {
                coyote_harness::thread::block_on(future)
            }
            _ => no_blocking_in_test("Handle::block_on"),
        }
    }

    /// The runtime's flavor (`CurrentThread` for the controlled executor).
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        match &self.inner {
            Some(h) => h.runtime_flavor(),
            None => RuntimeFlavor::CurrentThread,
        }
    }
}
