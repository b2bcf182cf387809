//! A fixed-size thread pool written against `std::sync` (through the one-line swap
//! `use coyote_harness::std::{sync, thread}`), with the classic condition-variable bug: a
//! worker waits for work with `if` instead of `while`.
//!
//! Workers share a queue behind a `Mutex` and a `Condvar` that `execute` and `shutdown`
//! notify. A worker that finds the queue empty waits once and, on waking, takes a job if there
//! is one, and otherwise concludes that the pool is shutting down and quits. But a wait can
//! return with the queue still empty: another worker may have taken the job it was woken for,
//! and std's `Condvar::wait` may wake *spuriously* (coyote explores both). The worker then
//! quits early; when every worker has quit, the remaining jobs never run.
//!
//! * [`Pool::new`] (planted bug): the `if` wait.
//! * [`Pool::new_fixed`]: `while` the queue is empty and the pool is not shut down, wait;
//!   quit only when both hold.
//!
//! Entry points: `thread_pool_lost_job` (buggy) and `thread_pool_fixed` run two workers and
//! four jobs, then shut the pool down and check that every job ran.

use coyote_harness::std::sync::atomic::{AtomicUsize, Ordering};
use coyote_harness::std::sync::{Arc, Condvar, Mutex};
use coyote_harness::std::thread::{self, JoinHandle};
use std::collections::VecDeque;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    shutdown: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    work: Condvar,
}

/// A pool of worker threads running submitted jobs.
pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    /// `n` workers that wait with `if` (the planted bug).
    pub fn new(n: usize) -> Pool {
        Pool::start(n, false)
    }

    /// `n` workers that wait with `while` (fixed).
    pub fn new_fixed(n: usize) -> Pool {
        Pool::start(n, true)
    }

    fn start(n: usize, fixed: bool) -> Pool {
        let shared = Arc::new(Shared::default());
        let workers = (0..n)
            .map(|i| {
                let shared = shared.clone();
                thread::Builder::new()
                    .name(format!("worker-{i}"))
                    .spawn(move || worker(&shared, fixed))
                    .expect("a worker thread")
            })
            .collect();
        Pool { shared, workers }
    }

    /// Queues `job` and wakes a worker.
    pub fn execute(&self, job: impl FnOnce() + Send + 'static) {
        self.shared
            .queue
            .lock()
            .unwrap()
            .jobs
            .push_back(Box::new(job));
        self.shared.work.notify_one();
    }

    /// Lets the workers finish the queued jobs, then waits for them to quit.
    pub fn shutdown(self) {
        self.shared.queue.lock().unwrap().shutdown = true;
        self.shared.work.notify_all();
        for w in self.workers {
            w.join().expect("a worker panicked");
        }
    }
}

fn worker(shared: &Shared, fixed: bool) {
    loop {
        let job = {
            let mut q = shared.queue.lock().unwrap();
            if fixed {
                while q.jobs.is_empty() && !q.shutdown {
                    q = shared.work.wait(q).unwrap();
                }
            } else if q.jobs.is_empty() && !q.shutdown {
                // BUG: one wait, then "no job means shutdown".
                q = shared.work.wait(q).unwrap();
            }
            match q.jobs.pop_front() {
                Some(job) => job,
                None => return,
            }
        };
        job();
    }
}

/// Two workers, four jobs, then shutdown: every job must have run.
fn run(fixed: bool) {
    let pool = if fixed {
        Pool::new_fixed(2)
    } else {
        Pool::new(2)
    };
    let done = Arc::new(AtomicUsize::new(0));
    for _ in 0..4 {
        let done = done.clone();
        pool.execute(move || {
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    pool.shutdown();
    let ran = done.load(Ordering::SeqCst);
    assert_eq!(ran, 4, "only {ran} of 4 jobs ran: every worker quit early");
}

/// Planted bug: workers wait with `if`; a spurious or stolen wake-up makes them quit early.
pub async fn thread_pool_lost_job() {
    run(false);
}

/// Fixed: workers wait with `while`; every job runs in every schedule.
pub async fn thread_pool_fixed() {
    run(true);
}

coyote_harness::export_tests!(thread_pool_lost_job, thread_pool_fixed);

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_harness::{check, Config};

    #[test]
    fn the_portfolio_finds_the_lost_job_and_the_fixed_pool_passes() {
        let err = std::panic::catch_unwind(|| check(thread_pool_lost_job, Config::new()))
            .expect_err("the lost job is found");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("jobs ran"), "{msg}");
        check(thread_pool_fixed, Config::new().iterations(2000));
    }

    #[test]
    fn in_production_it_is_a_std_thread_pool() {
        // Outside a test the same code runs on OS threads and std's primitives.
        let pool = Pool::new_fixed(3);
        let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for _ in 0..100 {
            let done = done.clone();
            pool.execute(move || {
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            });
        }
        pool.shutdown();
        assert_eq!(done.load(std::sync::atomic::Ordering::SeqCst), 100);
    }
}
