//! `Barrier`, `Once`, `OnceLock` and `LazyLock` mirrors: ports of shuttle's
//! `tests/basic/barrier.rs`, `once.rs` and `lazy_static.rs` (same behaviours, our own tests),
//! each with the original's verdict.

mod std_support;

use coyote_harness::std::sync::atomic::{AtomicUsize, Ordering};
use coyote_harness::std::sync::{Arc, Barrier, LazyLock, Mutex, Once, OnceLock};
use coyote_harness::std::thread;
use std_support::{bug_found, every_schedule};

/// shuttle `barrier_simple`/`barrier_reuse`: nobody passes before everyone arrived, exactly
/// one leader per round, and the barrier serves a second round. Verdict: passes every
/// schedule.
#[test]
fn nobody_passes_the_barrier_early_and_each_round_has_one_leader() {
    every_schedule(|| {
        let n = 2;
        let barrier = Arc::new(Barrier::new(n));
        let arrived = Arc::new(AtomicUsize::new(0));
        let ts: Vec<_> = (0..n)
            .map(|_| {
                let (b, a) = (barrier.clone(), arrived.clone());
                thread::spawn(move || {
                    let mut led = 0;
                    for round in 1..=2 {
                        a.fetch_add(1, Ordering::SeqCst);
                        led += usize::from(b.wait().is_leader());
                        assert!(a.load(Ordering::SeqCst) >= n * round, "passed early");
                    }
                    led
                })
            })
            .collect();
        let leaders: usize = ts.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(leaders, 2);
    });
}

/// shuttle `barrier_*` with too few threads: a round that never fills. Verdict: a deadlock
/// naming `barrier.wait` must be found.
#[test]
fn a_round_that_never_fills_is_a_deadlock() {
    let msg = bug_found("deadlock", || {
        let b = Arc::new(Barrier::new(3));
        let c = b.clone();
        let t = thread::spawn(move || {
            c.wait();
        });
        b.wait();
        t.join().unwrap();
    });
    assert!(msg.contains("barrier.wait"), "{msg}");
}

/// shuttle `once_basic`/`once_multiple_threads`: the closure runs once, and every caller
/// returns after it completed. Verdict: passes every schedule.
#[test]
fn call_once_runs_once_and_callers_wait_for_it() {
    every_schedule(|| {
        let once = Arc::new(Once::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let (once, runs) = (once.clone(), runs.clone());
                thread::spawn(move || {
                    once.call_once(|| {
                        thread::yield_now();
                        runs.fetch_add(1, Ordering::SeqCst);
                    });
                    assert_eq!(runs.load(Ordering::SeqCst), 1, "returned before the init");
                    assert!(once.is_completed());
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
    });
}

/// shuttle `once_poison`: a panicking closure poisons the `Once`; `call_once_force` sees it
/// and completes it. Verdict: passes every schedule.
#[test]
fn a_panic_in_call_once_poisons_it_and_call_once_force_recovers() {
    every_schedule(|| {
        let once = Arc::new(Once::new());
        let o = once.clone();
        let t = thread::spawn(move || o.call_once(|| panic!("init failed")));
        assert!(t.join().is_err());
        let o = once.clone();
        let again = thread::spawn(move || o.call_once(|| {}));
        assert!(again.join().is_err(), "a poisoned Once panics");
        let mut saw = false;
        once.call_once_force(|s| saw = s.is_poisoned());
        assert!(saw && once.is_completed());
    });
}

/// A `static` `Once` starts over in each iteration (as shuttle's per-execution statics): each
/// iteration explores its first call. Verdict: the closure runs in every iteration.
#[test]
fn a_static_once_runs_again_in_every_iteration() {
    static ONCE: Once = Once::new();
    every_schedule(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let r = ran.clone();
        let t = thread::spawn(move || {
            ONCE.call_once(|| {
                r.fetch_add(1, Ordering::SeqCst);
            })
        });
        ONCE.call_once(|| {
            ran.fetch_add(1, Ordering::SeqCst);
        });
        t.join().unwrap();
        assert_eq!(ran.load(Ordering::SeqCst), 1, "the Once was not reset");
    });
}

/// A racy check-then-init, next to `OnceLock::get_or_init`. Verdict: the double init must be
/// found; `get_or_init` passes every schedule.
#[test]
fn a_racy_lazy_init_is_caught_and_get_or_init_is_not() {
    bug_found("initialised twice", || {
        let slot = Arc::new(Mutex::new(None::<u32>));
        let inits = Arc::new(AtomicUsize::new(0));
        let init = {
            let (slot, inits) = (slot.clone(), inits.clone());
            move || {
                let empty = slot.lock().unwrap().is_none();
                if empty {
                    inits.fetch_add(1, Ordering::SeqCst);
                    *slot.lock().unwrap() = Some(1);
                }
            }
        };
        let t = thread::spawn(init.clone());
        init();
        t.join().unwrap();
        assert_eq!(inits.load(Ordering::SeqCst), 1, "initialised twice");
    });
    every_schedule(|| {
        let cell = Arc::new(OnceLock::new());
        let inits = Arc::new(AtomicUsize::new(0));
        let get = {
            let (cell, inits) = (cell.clone(), inits.clone());
            move || {
                *cell.get_or_init(|| {
                    inits.fetch_add(1, Ordering::SeqCst);
                    7
                })
            }
        };
        let t = thread::spawn(get.clone());
        assert_eq!(get(), 7);
        assert_eq!(t.join().unwrap(), 7);
        assert_eq!(inits.load(Ordering::SeqCst), 1);
        assert_eq!(cell.get(), Some(&7));
        assert_eq!(cell.set(8), Err(8));
    });
}

/// shuttle `lazy_static_*` (with std's `LazyLock`): one initialisation, seen by every thread;
/// a panicking initialiser poisons it. Verdict: passes every schedule.
#[test]
fn a_lazy_lock_initialises_once_for_every_thread() {
    every_schedule(|| {
        let inits = Arc::new(AtomicUsize::new(0));
        let i = inits.clone();
        let lazy = Arc::new(LazyLock::new(move || {
            i.fetch_add(1, Ordering::SeqCst);
            vec![1, 2, 3]
        }));
        let l = lazy.clone();
        let t = thread::spawn(move || l.len());
        assert_eq!(lazy.iter().sum::<i32>(), 6);
        assert_eq!(t.join().unwrap(), 3);
        assert_eq!(inits.load(Ordering::SeqCst), 1);
    });
    every_schedule(|| {
        let lazy = Arc::new(LazyLock::new(|| -> u8 { panic!("bad init") }));
        let l = lazy.clone();
        assert!(thread::spawn(move || **l).join().is_err());
        let l = lazy.clone();
        assert!(thread::spawn(move || **l).join().is_err(), "poisoned");
    });
}

/// A `static` `LazyLock` keeps its value across iterations (documented: statics are not
/// reset); each iteration reads the same value.
#[test]
fn a_static_lazy_lock_keeps_its_value_across_iterations() {
    static INITS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    static CONFIG: LazyLock<u32> = LazyLock::new(|| {
        INITS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        42
    });
    every_schedule(|| {
        let t = thread::spawn(|| *CONFIG);
        assert_eq!(*CONFIG, 42);
        assert_eq!(t.join().unwrap(), 42);
    });
    assert_eq!(INITS.load(std::sync::atomic::Ordering::Relaxed), 1);
}
