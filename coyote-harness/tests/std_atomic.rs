//! Atomics through the std swap (`coyote_harness::std::sync::atomic`): ports of shuttle's
//! `tests/basic/atomic.rs` and loom's `tests/atomic.rs`, `atomic_int.rs` and `smoke.rs` (same
//! behaviours, our own tests), each with the original's verdict. Executions are sequentially
//! consistent (see docs/std-sync.md): loom's weak-memory tests have no counterpart here.

mod std_support;

use coyote_harness::std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use coyote_harness::std::sync::Arc;
use coyote_harness::std::thread;
use std_support::{bug_found_by_both, every_schedule};

/// loom `smoke::checks_fail`, shuttle `atomic_load_store_race`: increment by load then store.
/// Verdict: the lost update must be found (by dfs and the portfolio).
#[test]
fn a_load_then_store_increment_loses_an_update() {
    bug_found_by_both("lost update", || {
        let n = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let n = n.clone();
                thread::spawn(move || {
                    let v = n.load(Ordering::SeqCst);
                    n.store(v + 1, Ordering::SeqCst);
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(n.load(Ordering::SeqCst), 2, "lost update");
    });
}

/// loom `smoke::checks_pass`, `atomic_int` fetch ops: fetch_add and a compare-exchange loop
/// never lose one. Verdict: passes every schedule.
#[test]
fn fetch_add_and_a_compare_exchange_loop_never_lose_an_update() {
    every_schedule(|| {
        let n = Arc::new(AtomicUsize::new(0));
        let a = {
            let n = n.clone();
            thread::spawn(move || {
                n.fetch_add(1, Ordering::Relaxed);
            })
        };
        let b = {
            let n = n.clone();
            thread::spawn(move || {
                let mut cur = n.load(Ordering::Relaxed);
                while let Err(actual) =
                    n.compare_exchange(cur, cur + 1, Ordering::AcqRel, Ordering::Relaxed)
                {
                    cur = actual;
                }
            })
        };
        a.join().unwrap();
        b.join().unwrap();
        assert_eq!(n.load(Ordering::SeqCst), 2);
    });
}

/// loom `compare_and_swap_reads_old_values`: a failed compare-exchange returns the current
/// value. Verdict: passes every schedule.
#[test]
fn a_failed_compare_exchange_returns_the_current_value() {
    every_schedule(|| {
        let a = Arc::new(AtomicUsize::new(0));
        let b = a.clone();
        let t = thread::spawn(move || b.swap(5, Ordering::SeqCst));
        match a.compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(0) => assert_eq!(t.join().unwrap(), 1),
            Err(seen) => {
                assert_eq!(seen, 5);
                assert_eq!(t.join().unwrap(), 0);
            }
            Ok(_) => unreachable!(),
        }
    });
}

/// loom `fetch_update`, shuttle `atomic_fetch_update`: fetch_update applies its function
/// atomically. Verdict: passes every schedule.
#[test]
fn fetch_update_is_atomic() {
    every_schedule(|| {
        let n = Arc::new(AtomicUsize::new(1));
        let m = n.clone();
        let t = thread::spawn(move || {
            m.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| Some(v * 3))
                .unwrap()
        });
        n.fetch_add(1, Ordering::SeqCst);
        t.join().unwrap();
        let v = n.load(Ordering::SeqCst);
        assert!(v == 4 || v == 6, "{v}");
    });
}

/// A flag handshake (message passing): data written before the flag is seen after it.
/// Verdict: passes every schedule (SeqCst; loom would also need Release/Acquire).
#[test]
fn data_written_before_a_flag_is_seen_after_it() {
    every_schedule(|| {
        let data = Arc::new(AtomicUsize::new(0));
        let flag = Arc::new(AtomicBool::new(false));
        let (d, f) = (data.clone(), flag.clone());
        let t = thread::spawn(move || {
            d.store(42, Ordering::Relaxed);
            f.store(true, Ordering::Release);
        });
        if flag.load(Ordering::Acquire) {
            assert_eq!(data.load(Ordering::Relaxed), 42);
        }
        t.join().unwrap();
    });
}
