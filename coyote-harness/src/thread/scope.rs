//! Scoped threads, mirroring `std::thread::scope`: threads that may borrow from the caller's
//! stack, all joined before `scope` returns.
//!
//! In production the scope is std's. In a test each scoped thread is a controlled thread; the
//! scope keeps its handles and, when the closure returns (or panics), joins every one not yet
//! joined (each join a scheduling point), then panics if one of them panicked unjoined, as std
//! does. Invariant: no scoped thread outlives the `scope` call that spawned it (a test's
//! teardown drops later tasks first, so a scoped thread is unwound before its parent).

use super::{spawn_controlled, Builder, Result, Spawned, Thread, ThreadInner};
use crate::rt::coro::block_on_current;
use crate::rt::{in_test, with_executor};
use std::marker::PhantomData;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe, Location};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A scope to spawn scoped threads in; mirrors `std::thread::Scope`.
pub struct Scope<'scope, 'env> {
    /// Production: std's scope, and how many of its threads still run (waited for before the
    /// scope's closure returns, since they may use this `Scope`).
    std: Option<(&'scope std::thread::Scope<'scope, 'env>, Arc<Running>)>,
    /// Test: the scope's threads, to join at its end.
    threads: Mutex<Vec<Pending<'scope>>>,
    _scope: PhantomData<&'scope mut &'scope ()>,
    _env: PhantomData<&'env mut &'env ()>,
}

/// A scoped controlled thread and whether it ended in a panic nobody joined.
struct Pending<'scope> {
    task: crate::task::JoinHandle<()>,
    id: u32,
    generation: u32,
    unjoined_panic: Box<dyn Fn() -> bool + Send + 'scope>,
}

/// Production: the scope's running threads and the thread waiting for them.
struct Running {
    count: AtomicUsize,
    owner: std::thread::Thread,
}

/// Runs `f` with a scope in which threads borrowing from the caller can be spawned; returns
/// when every one of them has finished; mirrors `std::thread::scope`.
#[track_caller]
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    if in_test() {
        let ours = Scope {
            std: None,
            threads: Mutex::new(Vec::new()),
            _scope: PhantomData,
            _env: PhantomData,
        };
        // SAFETY: as in production below: every thread that may use the reference is joined
        // before `ours` is dropped (the loop below; a torn-down iteration unwinds them first).
        let r: &Scope<'_, 'env> = unsafe { &*(&ours as *const Scope<'_, 'env>) };
        let out = catch_unwind(AssertUnwindSafe(|| f(r)));
        let mut panicked = false;
        // Scoped threads may spawn more in the scope while it waits: until none is left.
        loop {
            let threads =
                std::mem::take(&mut *ours.threads.lock().unwrap_or_else(|e| e.into_inner()));
            if threads.is_empty() {
                break;
            }
            for mut t in threads {
                let _ = block_on_current(&mut t.task);
                with_executor(|ex| ex.thread_joined(t.id, t.generation));
                panicked |= (t.unjoined_panic)();
            }
        }
        return match out {
            Err(p) => resume_unwind(p),
            Ok(_) if panicked => panic!("a scoped thread panicked"),
            Ok(v) => v,
        };
    }
    std::thread::scope(|s| {
        let running = Arc::new(Running {
            count: AtomicUsize::new(0),
            owner: std::thread::current(),
        });
        let ours = Scope {
            std: Some((s, running.clone())),
            threads: Mutex::new(Vec::new()),
            _scope: PhantomData,
            _env: PhantomData,
        };
        // SAFETY: `ours` lives to the end of this closure, and every thread that may use the
        // reference (the scope's) has finished by then: the loop below waits for them.
        let r: &Scope<'_, 'env> = unsafe { &*(&ours as *const Scope<'_, 'env>) };
        let out = catch_unwind(AssertUnwindSafe(|| f(r)));
        while running.count.load(Ordering::Acquire) != 0 {
            std::thread::park();
        }
        match out {
            Ok(v) => v,
            Err(p) => resume_unwind(p),
        }
    })
}

impl<'scope, 'env> Scope<'scope, 'env> {
    /// Spawns a scoped thread; mirrors `std::thread::Scope::spawn`.
    #[track_caller]
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.spawn_named(None, f)
    }

    #[track_caller]
    fn spawn_named<F, T>(&'scope self, name: Option<String>, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        if let Some((s, running)) = &self.std {
            running.count.fetch_add(1, Ordering::AcqRel);
            let running = running.clone();
            let body = move || {
                let _done = Done(running);
                f()
            };
            let mut b = std::thread::Builder::new();
            if let Some(n) = name {
                b = b.name(n);
            }
            let h = b.spawn_scoped(s, body).expect("failed to spawn thread");
            let t = Thread {
                inner: ThreadInner::Std(h.thread().clone()),
            };
            return ScopedJoinHandle {
                inner: Inner::Std(h, t),
            };
        }
        let spawned: Spawned<T> =
            spawn_controlled(Box::new(f), name.map(Arc::from), true, Location::caller());
        let slot = spawned.result.clone();
        let (id, generation) = match spawned.thread.inner {
            ThreadInner::Controlled { id, generation, .. } => (id, generation),
            ThreadInner::Std(_) => unreachable!("a controlled thread"),
        };
        self.threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Pending {
                task: crate::task::controlled_handle(id, generation, Location::caller()),
                id,
                generation,
                unjoined_panic: Box::new(move || {
                    matches!(
                        *slot.lock().unwrap_or_else(|e| e.into_inner()),
                        Some(Err(_))
                    )
                }),
            });
        ScopedJoinHandle {
            inner: Inner::Controlled(spawned),
        }
    }
}

/// Production: a scoped thread finished; wakes the scope's owner when it was the last.
struct Done(Arc<Running>);

impl Drop for Done {
    fn drop(&mut self) {
        let owner = self.0.owner.clone();
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            owner.unpark();
        }
    }
}

impl Builder {
    /// Spawns a scoped thread with this configuration; mirrors
    /// `std::thread::Builder::spawn_scoped`.
    #[track_caller]
    pub fn spawn_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope Scope<'scope, 'env>,
        f: F,
    ) -> std::io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        Ok(scope.spawn_named(self.name, f))
    }
}

/// An owned permission to join a scoped thread; mirrors `std::thread::ScopedJoinHandle`.
pub struct ScopedJoinHandle<'scope, T> {
    inner: Inner<'scope, T>,
}

enum Inner<'scope, T> {
    Std(std::thread::ScopedJoinHandle<'scope, T>, Thread),
    Controlled(Spawned<T>),
}

impl<T> ScopedJoinHandle<'_, T> {
    /// Waits for the thread: its result, or its panic as `Err`.
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

impl std::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope").finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedJoinHandle").finish_non_exhaustive()
    }
}
