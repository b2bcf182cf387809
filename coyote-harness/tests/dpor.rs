//! `dpor` (exhaustive with partial-order reduction) through `check`: it reaches every outcome
//! `dfs` reaches, in fewer schedules, on tasks, threads and atomics, with declared choices,
//! joins, blocking and timers; its traces replay.

mod common;

use common::{bug_report, written_trace};
use coyote_harness::std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use coyote_harness::std::thread;
use coyote_harness::{check, random, replay, sync, task, time, Config};
use std::cell::Cell;
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn config(strategy: &str) -> Config {
    Config::new().strategy(strategy).iterations(100_000)
}

/// Runs `test` to the end of `strategy`'s space; returns the schedules it took and the
/// outcomes `test` recorded in `seen`.
fn explore<T, F, Fut>(
    strategy: &str,
    seen: &'static Mutex<BTreeSet<T>>,
    test: F,
) -> (u64, BTreeSet<T>)
where
    T: Ord + Clone,
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    thread_local! {
        // Per test thread: tests run in parallel, and `check` runs on the caller's thread.
        static RUNS: Cell<u64> = const { Cell::new(0) };
    }
    seen.lock().unwrap().clear();
    RUNS.set(0);
    check(
        || {
            RUNS.set(RUNS.get() + 1);
            test()
        },
        config(strategy),
    );
    let runs = RUNS.get();
    assert!(runs < 100_000, "{strategy} did not exhaust");
    (runs, seen.lock().unwrap().clone())
}

type Orders = Mutex<BTreeSet<Vec<usize>>>;
static ORDERS: Orders = Mutex::new(BTreeSet::new());
static BOUNDED_ORDERS: Orders = Mutex::new(BTreeSet::new());

/// Tasks that each lock one mutex once, joined in order; the order they took it in goes into
/// `seen`.
async fn lock_order(n: usize, seen: &'static Orders) {
    let m = Arc::new(sync::Mutex::new(Vec::new()));
    let hs: Vec<_> = (0..n)
        .map(|i| {
            let m = m.clone();
            task::spawn(async move { m.lock().await.push(i) })
        })
        .collect();
    for h in hs {
        h.await.unwrap();
    }
    let order = m.lock().await.clone();
    seen.lock().unwrap().insert(order);
}

#[test]
fn every_lock_order_is_explored_in_fewer_schedules() {
    let (dfs_n, dfs) = explore("dfs", &ORDERS, || lock_order(3, &ORDERS));
    let (dpor_n, dpor) = explore("dpor", &ORDERS, || lock_order(3, &ORDERS));
    assert_eq!(dfs.len(), 6);
    assert_eq!(dpor, dfs);
    assert!(dpor_n * 3 < dfs_n, "dpor {dpor_n}, dfs {dfs_n}");
    let (_, four) = explore("dpor", &ORDERS, || lock_order(4, &ORDERS));
    assert_eq!(four.len(), 24);
}

// Each test has its own statics: tests run in parallel.
static NOTHING: Mutex<BTreeSet<()>> = Mutex::new(BTreeSet::new());
static NOTHING_2: Mutex<BTreeSet<()>> = Mutex::new(BTreeSet::new());

/// Three tasks that each lock their own mutex `locks` times; `main` joins them if `join`.
async fn disjoint(join: bool, locks: usize) {
    let hs: Vec<_> = (0..3)
        .map(|_| {
            task::spawn(async move {
                let m = sync::Mutex::new(0);
                for _ in 0..locks {
                    *m.lock().await += 1;
                }
            })
        })
        .collect();
    if join {
        for h in hs {
            h.await.unwrap();
        }
    }
}

#[test]
fn tasks_touching_disjoint_objects_commute() {
    // Only the order of the three tasks' first steps, which declare no object (and so may
    // touch state shared outside the primitives): 3!. The locks commute.
    assert_eq!(explore("dpor", &NOTHING, || disjoint(false, 3)).0, 6);
    let (dpor_n, _) = explore("dpor", &NOTHING, || disjoint(true, 3));
    assert!(dpor_n < 1_000, "{dpor_n}");
    let (dpor_n, _) = explore("dpor", &NOTHING, || disjoint(true, 1));
    let (dfs_n, _) = explore("dfs", &NOTHING, || disjoint(true, 1));
    assert!(dpor_n * 3 < dfs_n, "dpor {dpor_n}, dfs {dfs_n}");
}

type Counts = Mutex<BTreeSet<usize>>;
static COUNTS: Counts = Mutex::new(BTreeSet::new());
static BOUNDED_COUNTS: Counts = Mutex::new(BTreeSet::new());

/// Two threads increment a counter: with a load and a store (a lost update), or `fetch_add`.
async fn two_threads(atomic_add: bool, seen: &'static Counts) {
    let n = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let n = n.clone();
            thread::spawn(move || {
                if atomic_add {
                    n.fetch_add(1, SeqCst);
                } else {
                    let v = n.load(SeqCst);
                    n.store(v + 1, SeqCst);
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    let v = n.load(SeqCst);
    seen.lock().unwrap().insert(v);
    assert!(atomic_add || v == 2, "lost update: {v}");
}

#[test]
fn threads_and_atomics_the_lost_update_is_found_and_replays() {
    let dir = std::env::temp_dir().join("coyote-dpor-lost-update");
    let _ = std::fs::remove_dir_all(&dir);
    let msg = bug_report(config("dpor").trace_dir(&dir), || {
        two_threads(false, &COUNTS)
    });
    assert!(msg.contains("lost update: 1"), "{msg}");
    let failure = replay(|| two_threads(false, &COUNTS), written_trace(&dir));
    assert!(failure.message.contains("lost update: 1"), "{failure:?}");
    let (dpor_n, dpor) = explore("dpor", &COUNTS, || two_threads(true, &COUNTS));
    let (dfs_n, dfs) = explore("dfs", &COUNTS, || two_threads(true, &COUNTS));
    assert_eq!((dpor, dfs), (BTreeSet::from([2]), BTreeSet::from([2])));
    assert!(dpor_n < dfs_n, "dpor {dpor_n}, dfs {dfs_n}");
}

static SUMS: Counts = Mutex::new(BTreeSet::new());
// Iterations of `add_twice` that ran to its end (the first one's start runs twice: main's first
// join, a blocking call, switches the iteration to coroutines).
static ENDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Two threads that each `fetch_add` twice, joined in order (loom_vs's `fetch_add_2x2`); if
/// `observe`, what each join let through goes into `SUMS`.
async fn add_twice(observe: bool) {
    let n = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let n = n.clone();
            thread::spawn(move || {
                n.fetch_add(1, SeqCst);
                n.fetch_add(1, SeqCst);
            })
        })
        .collect();
    let mut seen = 0;
    for h in hs {
        h.join().unwrap();
        if observe {
            seen = seen * 10 + n.load(SeqCst);
        }
    }
    assert_eq!(n.load(SeqCst), 4);
    SUMS.lock().unwrap().insert(seen);
    ENDS.fetch_add(1, SeqCst);
}

#[test]
fn a_join_that_blocks_is_ordered_only_with_the_end_of_what_it_joins() {
    // A join that blocks runs none of the test's code: it commutes with every step but the one
    // that ends the thread it joins. Ordering it with the threads' starts, and with every step
    // of the thread it joins, took 93 (loom takes 90).
    ENDS.store(0, SeqCst);
    explore("dpor", &SUMS, || add_twice(false));
    assert_eq!(ENDS.load(SeqCst), 40);
    // After the first join the count is 2, 3 or 4: every value dfs sees, dpor sees.
    let (dpor_n, dpor) = explore("dpor", &SUMS, || add_twice(true));
    let (dfs_n, dfs) = explore("dfs", &SUMS, || add_twice(true));
    assert_eq!(dpor, BTreeSet::from([24, 34, 44]));
    assert_eq!(dpor, dfs);
    assert!(dpor_n * 5 < dfs_n, "dpor {dpor_n}, dfs {dfs_n}");
}

/// The lost wake-up of two async tasks (see `atomics.rs`), fixed by registering first.
async fn lost_wakeup(fixed: bool) {
    let flag = Arc::new(AtomicBool::new(false));
    let notify = Arc::new(sync::Notify::new());
    let waiter = {
        let (flag, notify) = (flag.clone(), notify.clone());
        task::spawn(async move {
            if fixed {
                let notified = notify.notified();
                let mut notified = std::pin::pin!(notified);
                notified.as_mut().enable();
                if !flag.load(SeqCst) {
                    notified.await;
                }
            } else if !flag.load(SeqCst) {
                notify.notified().await;
            }
        })
    };
    flag.store(true, SeqCst);
    notify.notify_waiters();
    waiter.await.unwrap();
}

#[test]
fn the_async_lost_wakeup_is_a_deadlock_and_the_fixed_twin_passes_every_schedule() {
    let msg = bug_report(config("dpor"), || lost_wakeup(false));
    assert!(msg.contains("deadlock"), "{msg}");
    let (n, _) = explore("dpor", &NOTHING_2, || lost_wakeup(true));
    assert!(n >= 2, "{n}");
}

static CHOICES: Mutex<BTreeSet<(bool, u64, usize)>> = Mutex::new(BTreeSet::new());

#[test]
fn declared_choices_are_enumerated_with_the_schedules() {
    let test = || async {
        let x = Arc::new(sync::Mutex::new(0usize));
        let x2 = x.clone();
        let t = task::spawn(async move { *x2.lock().await += 1 });
        let b = random::bool();
        let i = random::int(3);
        *x.lock().await += 10;
        let seen = *x.lock().await;
        t.await.unwrap();
        CHOICES.lock().unwrap().insert((b, i, seen));
    };
    let (_, dpor) = explore("dpor", &CHOICES, test);
    let (_, dfs) = explore("dfs", &CHOICES, test);
    // 2 x 3 choices, and the task's increment before or after `seen`.
    assert_eq!(dpor.len(), 12);
    assert_eq!(dpor, dfs);
}

static FIRED: Mutex<BTreeSet<bool>> = Mutex::new(BTreeSet::new());

#[test]
fn a_timeout_fires_before_or_after_the_reply() {
    let test = || async {
        let (tx, rx) = sync::oneshot::channel();
        let t = task::spawn(async move {
            time::sleep(Duration::from_millis(10)).await;
            let _ = tx.send(7);
        });
        let r = time::timeout(Duration::from_secs(1), rx).await;
        FIRED.lock().unwrap().insert(r.is_err());
        t.await.unwrap();
    };
    let (_, dpor) = explore("dpor", &FIRED, test);
    assert_eq!(dpor, BTreeSet::from([false, true]));
}

#[test]
fn a_preemption_bound_explores_less_and_still_finds_a_shallow_bug() {
    let seen = &BOUNDED_ORDERS;
    let (full, _) = explore("dpor", seen, || lock_order(4, seen));
    let (bounded, orders) = explore("dpor:0", seen, || lock_order(4, seen));
    assert!(bounded < full, "{bounded} {full}");
    assert!(orders.len() > 1, "{orders:?}");
    let msg = bug_report(config("dpor:1"), || two_threads(false, &BOUNDED_COUNTS));
    assert!(msg.contains("lost update"), "{msg}");
}
