//! Threads: the 8 x 4 lock-increment program written with threads, twice (a std mutex; a spin
//! lock on atomics), coyote (`coyote_harness::std`) against shuttle's `check_random`
//! (`shuttle::thread`, `shuttle::sync`); and the cost of one coroutine switch (a thread's step
//! against an async task's).
//!
//! Both sides run the same programs: 8 threads, each 4 x (lock; increment; unlock; yield), main
//! joins them and checks the count. The mutex program locks a `Mutex<u64>` (`lock().unwrap()`,
//! the guard dropped before the yield); the spin-lock program takes an `AtomicBool` with `swap`
//! until free (`yield_now` between tries) and increments an atomic with a load and a store.
//! Random strategy, one worker thread.

use crate::programs::{ROUNDS, TASKS};
use std::time::Duration;

const YIELDS: u64 = 1000;

/// The mutex program on coyote's `std` mirror (test mode under `check`).
async fn coyote_mutex() {
    use coyote_harness::std::sync::{Arc, Mutex};
    use coyote_harness::std::thread;
    let counter = Arc::new(Mutex::new(0u64));
    let hs: Vec<_> = (0..TASKS)
        .map(|_| {
            let counter = counter.clone();
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    *counter.lock().unwrap() += 1;
                    thread::yield_now();
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*counter.lock().unwrap(), (TASKS * ROUNDS) as u64);
}

/// The same program on shuttle.
fn shuttle_mutex() {
    use shuttle::sync::{Arc, Mutex};
    use shuttle::thread;
    let counter = Arc::new(Mutex::new(0u64));
    let hs: Vec<_> = (0..TASKS)
        .map(|_| {
            let counter = counter.clone();
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    *counter.lock().unwrap() += 1;
                    thread::yield_now();
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*counter.lock().unwrap(), (TASKS * ROUNDS) as u64);
}

/// The spin-lock program on coyote's `std` mirror (test mode under `check`).
async fn coyote_threads() {
    use coyote_harness::std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
    use coyote_harness::std::thread;
    use std::sync::Arc;
    let lock = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let hs: Vec<_> = (0..TASKS)
        .map(|_| {
            let (lock, counter) = (lock.clone(), counter.clone());
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    while lock.swap(true, SeqCst) {
                        thread::yield_now();
                    }
                    let v = counter.load(SeqCst);
                    counter.store(v + 1, SeqCst);
                    lock.store(false, SeqCst);
                    thread::yield_now();
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(counter.load(SeqCst), (TASKS * ROUNDS) as u64);
}

/// The same spin-lock program on shuttle.
fn shuttle_threads() {
    use shuttle::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
    use shuttle::thread;
    use std::sync::Arc;
    let lock = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let hs: Vec<_> = (0..TASKS)
        .map(|_| {
            let (lock, counter) = (lock.clone(), counter.clone());
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    while lock.swap(true, SeqCst) {
                        thread::yield_now();
                    }
                    let v = counter.load(SeqCst);
                    counter.store(v + 1, SeqCst);
                    lock.store(false, SeqCst);
                    thread::yield_now();
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(counter.load(SeqCst), (TASKS * ROUNDS) as u64);
}

/// One thread yields `YIELDS` times: every step resumes and suspends its coroutine.
async fn thread_yields() {
    use coyote_harness::std::thread;
    thread::spawn(|| {
        for _ in 0..YIELDS {
            thread::yield_now();
        }
    })
    .join()
    .unwrap();
}

/// One async task yields `YIELDS` times: the same steps, polled as a future.
async fn task_yields() {
    coyote_harness::task::spawn(async {
        for _ in 0..YIELDS {
            coyote_harness::task::yield_now().await;
        }
    })
    .await
    .unwrap();
}

fn check<F: std::future::Future<Output = ()> + 'static>(n: u64, test: fn() -> F) {
    coyote_harness::check(
        test,
        coyote_harness::Config::new()
            .iterations(n)
            .strategy("random")
            .seed(1)
            .max_steps(100_000),
    );
}

/// Which program `--only` runs (N iterations).
pub(crate) fn by_name(name: &str) -> Option<fn(u64)> {
    Some(match name {
        "coyote-mutex" => |n| check(n, coyote_mutex),
        "shuttle-mutex" => |n| shuttle::check_random(shuttle_mutex, n as usize),
        "coyote-threads" => |n| check(n, coyote_threads),
        "shuttle-threads" => |n| shuttle::check_random(shuttle_threads, n as usize),
        "thread-yields" => |n| check(n, thread_yields),
        "task-yields" => |n| check(n, task_yields),
        _ => return None,
    })
}

/// Wall and calling-thread CPU time per iteration of `n` iterations of `f` (coyote and shuttle
/// both run every iteration on the calling thread, so CPU time is the figure other load on a
/// shared machine disturbs least).
fn per_iter(n: u64, f: fn(u64)) -> (Duration, Duration) {
    let s = crate::measure::time(n, |n| {
        f(n);
        None
    });
    (s.wall / n as u32, s.cpu / n as u32)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Medians of one program's samples: wall and CPU per iteration.
#[derive(Clone, Copy)]
struct Per {
    wall: Duration,
    cpu: Duration,
}

/// Interleaved medians of `samples` samples of ~`per_sample` each: the table lines.
pub(crate) fn measure(per_sample: Duration, samples: usize) -> Vec<String> {
    let pair = |a: &str, b: &str| {
        let (fa, fb) = (by_name(a).unwrap(), by_name(b).unwrap());
        // Calibrate each to about `per_sample`.
        let na = (per_sample.as_secs_f64() / per_iter(20, fa).0.as_secs_f64().max(1e-9)) as u64;
        let nb = (per_sample.as_secs_f64() / per_iter(20, fb).0.as_secs_f64().max(1e-9)) as u64;
        let (mut da, mut db) = (Vec::new(), Vec::new());
        for _ in 0..samples.max(3) {
            da.push(per_iter(na.max(1), fa));
            db.push(per_iter(nb.max(1), fb));
        }
        let per = |v: Vec<(Duration, Duration)>| Per {
            wall: median(v.iter().map(|x| x.0).collect()),
            cpu: median(v.iter().map(|x| x.1).collect()),
        };
        (per(da), per(db))
    };
    let (mutex, shuttle_mutex) = pair("coyote-mutex", "shuttle-mutex");
    let (coyote, shuttle) = pair("coyote-threads", "shuttle-threads");
    let (thread, task) = pair("thread-yields", "task-yields");
    let steps = YIELDS as f64;
    let ns = |d: Duration| d.as_secs_f64() * 1e9;
    let rate = |d: Duration| 1.0 / d.as_secs_f64().max(1e-12);
    let row = |what: &str, c: Per, s: Per| {
        format!(
            "| 8 threads x 4 {what} increments, `random` | {:.0} it/s ({:.0} it/s CPU) | {:.0} it/s ({:.0} it/s CPU) | {:.2}x ({:.2}x CPU) |",
            rate(c.wall),
            rate(c.cpu),
            rate(s.wall),
            rate(s.cpu),
            s.wall.as_secs_f64() / c.wall.as_secs_f64(),
            s.cpu.as_secs_f64() / c.cpu.as_secs_f64().max(1e-12),
        )
    };
    vec![
        row("std-mutex", mutex, shuttle_mutex),
        row("spin-lock", coyote, shuttle),
        format!(
            "| one step: a thread's yield / an async task's yield (CPU) | {:.1} ns | {:.1} ns | coroutine switch (resume + suspend): {:.1} ns |",
            ns(thread.cpu) / steps,
            ns(task.cpu) / steps,
            (ns(thread.cpu) - ns(task.cpu)) / steps
        ),
    ]
}
