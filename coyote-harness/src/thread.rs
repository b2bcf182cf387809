//! Controlled threads, mirroring `std::thread`: [`spawn`], [`scope`], [`Builder`],
//! [`JoinHandle`], [`current`], [`park`], [`Thread::unpark`], [`yield_now`], [`sleep`] and
//! [`thread_local!`](crate::thread_local).
//!
//! In production each is the `std` item (the switch is made at run time, as for the rest of the
//! harness: is a controlled executor active on this thread?). In a test a spawned thread is a
//! controlled *task* on its own stack (a stackful coroutine), in the same execution, trace and
//! strategies as the async tasks: every blocking call it makes (a join, a `park`, a lock of
//! [`std::sync`](crate::std::sync), an atomic access, [`sleep`] on virtual time) is a scheduling
//! point, and a thread blocked forever is named in the deadlock report
//! (`thread 2 'worker' (spawned at src/lib.rs:10:5) waits to join ...`).
//!
//! A panic in a thread is caught and handed to whoever joins it: [`JoinHandle::join`] returns
//! it as `Err`, as std does, and then it is no bug. A panic nobody joins (the handle was dropped,
//! or still unjoined when the iteration ends) is a bug, reported with the thread's message and
//! line.
//!
//! ```
//! use coyote_harness::std::sync::atomic::{AtomicUsize, Ordering};
//! use coyote_harness::std::thread;
//! use std::sync::Arc;
//!
//! # coyote_harness::check(|| async {
//! let hits = Arc::new(AtomicUsize::new(0));
//! let workers: Vec<_> = (0..2)
//!     .map(|_| {
//!         let hits = hits.clone();
//!         thread::spawn(move || hits.fetch_add(1, Ordering::SeqCst))
//!     })
//!     .collect();
//! for w in workers {
//!     w.join().unwrap();
//! }
//! assert_eq!(hits.load(Ordering::SeqCst), 2);
//! # }, coyote_harness::Config::new().iterations(20));
//! ```
//!
//! Not modelled: `park_timeout` waits on virtual time but never wakes spuriously, nor does
//! `park`; `Builder::stack_size` is the coroutine's default in tests (1 MiB).

mod current;
mod local;
mod scope;

use current::ThreadInner;
pub use current::{current, park, park_timeout, sleep, yield_now, Thread, ThreadId};
pub use local::{AccessError, LocalKey};
pub use scope::{scope, Scope, ScopedJoinHandle};

use crate::rt::coro::block_on_current;
use crate::rt::executor::is_internal_payload;
use crate::rt::{in_test, with_executor};
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe, Location};
use std::sync::Arc;

pub use std::thread::Result;

/// Spawns a thread; mirrors `std::thread::spawn`.
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f).expect("failed to spawn thread")
}

/// Thread configuration; mirrors `std::thread::Builder`.
#[derive(Debug, Default)]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
}

impl Builder {
    /// A builder with no name and the default stack size.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the thread (shown by [`Thread::name`], in logs and deadlock reports).
    pub fn name(mut self, name: String) -> Builder {
        self.name = Some(name);
        self
    }

    /// The stack size of the thread in production (tests use the coroutine default).
    pub fn stack_size(mut self, size: usize) -> Builder {
        self.stack_size = Some(size);
        self
    }

    /// Spawns the thread; mirrors `std::thread::Builder::spawn`.
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> std::io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        if !in_test() {
            let mut b = std::thread::Builder::new();
            if let Some(n) = self.name {
                b = b.name(n);
            }
            if let Some(s) = self.stack_size {
                b = b.stack_size(s);
            }
            return b.spawn(f).map(|h| {
                let t = Thread {
                    inner: ThreadInner::Std(h.thread().clone()),
                };
                JoinHandle {
                    inner: Inner::Std(h, t),
                }
            });
        }
        Ok(JoinHandle {
            inner: Inner::Controlled(spawn_controlled(
                Box::new(f),
                self.name.map(Arc::from),
                false,
                Location::caller(),
            )),
        })
    }
}

/// A controlled thread spawned for a handle.
struct Spawned<T> {
    task: crate::task::JoinHandle<()>,
    /// Where the thread leaves its result (its panic as `Err`).
    result: Arc<std::sync::Mutex<Option<Result<T>>>>,
    thread: Thread,
    /// Joined (or scoped: its scope joins it), so dropping the handle detaches nothing.
    joined: bool,
}

/// Spawns `f` as a controlled thread (test mode).
fn spawn_controlled<'a, T: Send + 'a>(
    f: Box<dyn FnOnce() -> T + Send + 'a>,
    name: Option<Arc<str>>,
    scoped: bool,
    loc: &'static Location<'static>,
) -> Spawned<T> {
    let result = Arc::new(std::sync::Mutex::new(None));
    let slot = result.clone();
    let body = move || {
        let out: Result<T> = match catch_unwind(AssertUnwindSafe(f)) {
            Ok(v) => Ok(v),
            // The executor's own payloads, and the unwinding of a suspended thread whose body is
            // dropped (the iteration ends): no panic of the program's, so unwound on through.
            Err(p)
                if is_internal_payload(&*p)
                    || with_executor(|ex| ex.dropping_bodies()) == Some(true) =>
            {
                resume_unwind(p)
            }
            Err(p) => {
                let (message, location) = crate::rt::panics::take_last()
                    .unwrap_or_else(|| (crate::rt::panics::payload_message(&*p), None));
                // A scoped thread's unjoined panic is its scope's (see `scope`).
                if !scoped {
                    with_executor(|ex| ex.thread_panicked(message, location));
                }
                Err(p)
            }
        };
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(out);
        with_executor(|ex| {
            ex.thread_exit();
            ex.set_output(Box::new(()));
        });
    };
    // SAFETY: lifetime erasure of the body only. `'static` threads pass `'static` bodies; a
    // scoped thread's body borrows from its scope, and `scope` joins every thread it spawned
    // before it returns, while teardown drops later tasks (the scoped threads) before the ones
    // that spawned them, so the body never outlives what it borrows.
    let body: Box<dyn FnOnce() + 'a> = Box::new(body);
    // SAFETY: see above.
    let body: Box<dyn FnOnce() + 'static> = unsafe { std::mem::transmute(body) };
    with_executor(|ex| {
        let generation = ex.generation();
        let id = ex.spawn_thread(body, name.clone(), loc);
        Spawned {
            task: crate::task::controlled_handle(id, generation, loc),
            result,
            thread: Thread {
                inner: ThreadInner::Controlled {
                    id,
                    generation,
                    name,
                },
            },
            joined: scoped,
        }
    })
    .expect("in test mode")
}

impl<T> Spawned<T> {
    /// Waits for the thread (a scheduling point, then blocked until it ends).
    fn join(&mut self) -> Result<T> {
        self.joined = true;
        let ended = block_on_current(&mut self.task);
        if let ThreadInner::Controlled { id, generation, .. } = self.thread.inner {
            with_executor(|ex| ex.thread_joined(id, generation));
        }
        let out = self.result.lock().unwrap_or_else(|e| e.into_inner()).take();
        match (ended, out) {
            (Ok(()), Some(r)) => r,
            _ => Err(Box::new("the thread did not finish (its iteration ended)")),
        }
    }
}

impl<T> Drop for Spawned<T> {
    fn drop(&mut self) {
        if self.joined {
            return;
        }
        if let ThreadInner::Controlled { id, generation, .. } = self.thread.inner {
            with_executor(|ex| ex.thread_detached(id, generation));
        }
    }
}

/// An owned permission to join a thread; mirrors `std::thread::JoinHandle`. Dropping it
/// detaches the thread (a later panic of the thread is then a bug).
pub struct JoinHandle<T> {
    inner: Inner<T>,
}

enum Inner<T> {
    Std(std::thread::JoinHandle<T>, Thread),
    Controlled(Spawned<T>),
}

impl<T> JoinHandle<T> {
    /// Waits for the thread to finish: its result, or its panic as `Err` (not a bug then).
    #[track_caller]
    pub fn join(self) -> Result<T> {
        match self.inner {
            Inner::Std(h, _) => h.join(),
            Inner::Controlled(mut s) => s.join(),
        }
    }

    /// The thread's handle.
    pub fn thread(&self) -> &Thread {
        match &self.inner {
            Inner::Std(_, t) => t,
            Inner::Controlled(s) => &s.thread,
        }
    }

    /// Whether the thread has finished. Never waits; not a scheduling point.
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            Inner::Std(h, _) => h.is_finished(),
            Inner::Controlled(s) => s.task.is_finished(),
        }
    }
}

impl<T> std::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinHandle").finish_non_exhaustive()
    }
}

/// Drives `future` to completion from synchronous code (not in std; what a thread uses to
/// wait for async work, as `Handle::block_on` does).
///
/// In a test, on a controlled thread (or a task of a run on coroutines), every `Pending` of
/// `future` suspends the thread until its waker fires: a scheduling point, with the thread
/// blocked on what the future waits for (a deadlock names it). In production it polls
/// `future` on the calling thread, parking it between polls.
#[track_caller]
pub fn block_on<F: Future>(future: F) -> F::Output {
    block_on_current(future)
}

/// Whether the caller runs on a controlled thread of a test (`thread::spawn`, `spawn_blocking`).
#[doc(hidden)]
pub fn on_controlled_thread() -> bool {
    crate::rt::coro::on_coroutine() && with_executor(|ex| ex.current_is_thread()).unwrap_or(false)
}

/// Runs `f` as a blocking section; in tests, on a controlled thread, so a blocking call in it
/// is a scheduling point (what `spawn_blocking` and `block_in_place` are built on).
pub(crate) fn spawn_blocking_thread<F, R>(
    f: F,
    loc: &'static Location<'static>,
) -> crate::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    with_executor(|ex| {
        let generation = ex.generation();
        let body = Box::new(move || {
            let v = f();
            with_executor(|ex| {
                ex.thread_exit();
                ex.set_output(Box::new(v));
            });
        });
        let id = ex.spawn_thread(body, Some("spawn_blocking".into()), loc);
        crate::task::controlled_handle(id, generation, loc)
    })
    .expect("in test mode")
}
