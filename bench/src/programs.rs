//! The benchmark program, written three times: against coyote-harness (run under the controlled
//! executor, and in production mode on tokio), against shuttle, and against raw tokio.
//!
//! The program: `main` spawns `TASKS` tasks; each does `ROUNDS` times { lock a shared mutex,
//! increment, unlock (drop the guard), yield }; `main` joins them all and checks the count.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Tasks spawned by `main`.
pub const TASKS: usize = 8;
/// Lock/increment/unlock/yield rounds per task.
pub const ROUNDS: usize = 4;
/// The count `main` checks at the end.
pub const EXPECTED: u64 = (TASKS * ROUNDS) as u64;

/// coyote-harness: the program exported through the C ABI (`coyote_run`), run by `check`, and
/// run in production mode on a tokio runtime.
pub async fn bench_program() {
    use coyote_harness::{sync::Mutex, task};
    let counter = Arc::new(Mutex::new(0u64));
    let mut handles = Vec::with_capacity(TASKS);
    for _ in 0..TASKS {
        let counter = counter.clone();
        handles.push(task::spawn(async move {
            for _ in 0..ROUNDS {
                let mut guard = counter.lock().await;
                *guard += 1;
                drop(guard);
                task::yield_now().await;
            }
        }));
    }
    for h in handles {
        h.await.expect("task finished");
    }
    let count = *counter.lock().await;
    assert_eq!(count, EXPECTED);
}

/// Raw tokio: the same program with `tokio::{spawn, sync::Mutex, task::yield_now}`.
pub async fn tokio_program() {
    use tokio::sync::Mutex;
    let counter = Arc::new(Mutex::new(0u64));
    let mut handles = Vec::with_capacity(TASKS);
    for _ in 0..TASKS {
        let counter = counter.clone();
        handles.push(tokio::spawn(async move {
            for _ in 0..ROUNDS {
                let mut guard = counter.lock().await;
                *guard += 1;
                drop(guard);
                tokio::task::yield_now().await;
            }
        }));
    }
    for h in handles {
        h.await.expect("task finished");
    }
    let count = *counter.lock().await;
    assert_eq!(count, EXPECTED);
}

/// Shuttle: the same program with `shuttle::future::{block_on, spawn, yield_now}` and
/// `shuttle::sync::Mutex` (a blocking mutex: `lock` is a scheduling point, like coyote's).
pub fn shuttle_program() {
    shuttle::future::block_on(async {
        let counter = Arc::new(shuttle::sync::Mutex::new(0u64));
        let mut handles = Vec::with_capacity(TASKS);
        for _ in 0..TASKS {
            let counter = counter.clone();
            handles.push(shuttle::future::spawn(async move {
                for _ in 0..ROUNDS {
                    {
                        // A block, not `drop(guard)`: the guard is not `Send`, and the
                        // generator analysis only sees a scope end.
                        let mut guard = counter.lock().unwrap();
                        *guard += 1;
                    } // unlock
                    shuttle::future::yield_now().await;
                }
            }));
        }
        for h in handles {
            h.await.expect("task finished");
        }
        let count = *counter.lock().unwrap();
        assert_eq!(count, EXPECTED);
    })
}

/// A shuttle scheduler that counts the decisions it is asked for (every scheduling point, even
/// with one runnable task, as coyote's step count does) and forwards to the wrapped scheduler.
pub struct CountingScheduler<S> {
    pub inner: S,
    pub decisions: Arc<AtomicU64>,
}

impl<S: shuttle::scheduler::Scheduler> shuttle::scheduler::Scheduler for CountingScheduler<S> {
    fn new_execution(&mut self) -> Option<shuttle::scheduler::Schedule> {
        self.inner.new_execution()
    }

    fn next_task(
        &mut self,
        runnable_tasks: &[&shuttle::scheduler::Task],
        current_task: Option<shuttle::scheduler::TaskId>,
        is_yielding: bool,
    ) -> Option<shuttle::scheduler::TaskId> {
        self.decisions.fetch_add(1, Ordering::Relaxed);
        self.inner
            .next_task(runnable_tasks, current_task, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
}

/// A yield that wakes its task at once (`wake_by_ref` + `Pending`); `tokio::task::yield_now`
/// (which coyote-harness's production `task::yield_now` is) instead defers the wake until the
/// scheduler has run out of ready tasks and polled its driver. A reference point only: it shows
/// how much of a run is tokio's yield itself.
pub struct SelfWakeYield(bool);

impl std::future::Future for SelfWakeYield {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

/// Raw tokio with [`SelfWakeYield`] instead of `tokio::task::yield_now`: a reference for how much
/// of a run tokio's own yield takes (not a like-for-like comparison with coyote-harness).
pub async fn tokio_selfwake_program() {
    use tokio::sync::Mutex;
    let counter = Arc::new(Mutex::new(0u64));
    let mut handles = Vec::with_capacity(TASKS);
    for _ in 0..TASKS {
        let counter = counter.clone();
        handles.push(tokio::spawn(async move {
            for _ in 0..ROUNDS {
                let mut guard = counter.lock().await;
                *guard += 1;
                drop(guard);
                SelfWakeYield(false).await;
            }
        }));
    }
    for h in handles {
        h.await.expect("task finished");
    }
    let count = *counter.lock().await;
    assert_eq!(count, EXPECTED);
}
