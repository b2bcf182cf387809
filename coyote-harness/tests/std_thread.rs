//! Controlled threads through the std swap (`coyote_harness::std::thread`): ports of shuttle's
//! `tests/basic/thread.rs` and `panic.rs` and loom's `tests/thread_api.rs`, `yield.rs` and
//! `thread_local.rs` (same behaviours, our own tests), each with the original's verdict.

mod std_support;

use coyote_harness::std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use coyote_harness::std::sync::{Arc, Mutex};
use coyote_harness::std::thread;
use std::cell::RefCell;
use std_support::{bug_found, every_schedule};

/// shuttle `thread_join`: a joined thread's value comes back. Verdict: passes every schedule.
#[test]
fn join_returns_the_threads_value() {
    every_schedule(|| {
        let hs: Vec<_> = (0..3).map(|i| thread::spawn(move || i * 10)).collect();
        let got: Vec<_> = hs.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(got, vec![0, 10, 20]);
    });
}

/// shuttle `thread_identifiers`, loom `thread_names`: ids are distinct, names are the
/// builder's, `current()` inside a thread is that thread. Verdict: passes every schedule.
#[test]
fn ids_are_distinct_and_names_are_the_builders() {
    every_schedule(|| {
        let main_id = thread::current().id();
        let h = thread::Builder::new()
            .name("named".into())
            .spawn(move || {
                let me = thread::current();
                assert_eq!(me.name(), Some("named"));
                assert_ne!(me.id(), main_id);
                me.id()
            })
            .unwrap();
        let (their, handle_id) = (h.thread().id(), h.thread().id());
        assert_eq!(h.join().unwrap(), their);
        assert_eq!(their, handle_id);
        let anon = thread::spawn(|| thread::current().name().map(String::from));
        assert_eq!(anon.join().unwrap(), None);
    });
}

/// shuttle `scoped_thread*`: scoped threads borrow the caller's locals and are joined at the
/// scope's end. Verdict: passes every schedule.
#[test]
fn scoped_threads_borrow_locals_and_are_joined_at_the_end() {
    every_schedule(|| {
        let mut counts = [0, 0];
        let total = AtomicUsize::new(0);
        thread::scope(|s| {
            for c in counts.iter_mut() {
                let total = &total;
                s.spawn(move || {
                    *c += 1;
                    total.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(counts, [1, 1]);
        assert_eq!(total.load(Ordering::SeqCst), 2);
    });
}

/// loom `thread_park` / shuttle `park_unpark`: an unpark before the park is not lost (the
/// token waits). Verdict: passes every schedule.
#[test]
fn an_unpark_before_the_park_is_kept() {
    every_schedule(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let h = thread::spawn(move || {
            while !f.load(Ordering::SeqCst) {
                thread::park();
            }
        });
        flag.store(true, Ordering::SeqCst);
        h.thread().unpark();
        h.join().unwrap();
    });
}

/// A park with no unpark at all. Verdict: a deadlock naming `thread.park` must be found.
#[test]
fn a_park_nobody_unparks_is_a_deadlock() {
    let msg = bug_found("deadlock", || {
        thread::spawn(thread::park).join().unwrap();
    });
    assert!(msg.contains("thread.park"), "{msg}");
}

/// shuttle `thread_yield_point`, loom `yield.rs`: a spin loop that yields lets the other
/// thread make progress. Verdict: passes the portfolio's 1,000 schedules (`yield_now` is a
/// point, so the spinner is preempted; under `dfs` the schedules where the spinner never lets
/// the other thread run are cut at the step bound, so that space is not finite).
#[test]
fn a_yielding_spin_loop_lets_the_other_thread_finish() {
    coyote_harness::check(
        std_support::as_test(|| {
            let done = Arc::new(AtomicBool::new(false));
            let d = done.clone();
            let h = thread::spawn(move || d.store(true, Ordering::SeqCst));
            while !done.load(Ordering::SeqCst) {
                thread::yield_now();
            }
            h.join().unwrap();
        }),
        coyote_harness::Config::new(),
    );
}

/// shuttle `panic.rs`: a panic in a thread comes back from its join; an unjoined panic is the
/// test's bug. Verdicts: passes / bug must be found.
#[test]
fn a_threads_panic_is_its_joiners_and_otherwise_a_bug() {
    every_schedule(|| {
        let h = thread::spawn(|| panic!("thread failed"));
        assert!(h.join().is_err());
    });
    bug_found("unjoined failure", || {
        let h = thread::spawn(|| panic!("unjoined failure"));
        drop(h);
        thread::yield_now();
    });
}

/// A joined thread's panic is its joiner's (as in std), so `join().unwrap()` fails with
/// `Any { .. }`; the step log says, as std's stderr would, where the thread panicked and why.
#[test]
fn the_step_log_shows_the_panic_a_join_returned() {
    let report = std_support::bug_in(coyote_harness::Config::new(), || {
        let h = thread::spawn(|| panic!("the cause"));
        h.join().unwrap();
    });
    assert!(report.contains("Any { .. }"), "{report}");
    assert!(
        report.contains("thread 1 panicked: the cause (at coyote-harness/tests/std_thread.rs:"),
        "{report}"
    );
    assert!(!report.contains("non-string payload"), "{report}");
}

/// loom `thread_local`, shuttle `thread_local_*`: each thread sees its own value, starting
/// from the initialiser, and a new iteration starts from it again. Verdict: passes every
/// schedule.
#[test]
fn thread_locals_are_per_thread_and_start_over_each_iteration() {
    coyote_harness::thread_local! {
        static SEEN: RefCell<Vec<u32>> = RefCell::new(Vec::new());
    }
    every_schedule(|| {
        SEEN.with(|s| {
            assert!(s.borrow().is_empty(), "a value from an earlier iteration");
            s.borrow_mut().push(0);
        });
        let h = thread::spawn(|| {
            SEEN.with(|s| {
                assert!(s.borrow().is_empty());
                s.borrow_mut().push(1);
                s.borrow().clone()
            })
        });
        assert_eq!(h.join().unwrap(), vec![1]);
        SEEN.with(|s| assert_eq!(*s.borrow(), vec![0]));
    });
}

/// shuttle `thread_spawn_in_thread`: threads spawn threads; a lock protects the shared log.
/// Verdict: passes every schedule.
#[test]
fn threads_spawned_by_threads_are_controlled_too() {
    every_schedule(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let l = log.clone();
        let outer = thread::spawn(move || {
            let l2 = l.clone();
            let inner = thread::spawn(move || l2.lock().unwrap().push("inner"));
            l.lock().unwrap().push("outer");
            inner.join().unwrap();
        });
        outer.join().unwrap();
        let mut got = log.lock().unwrap().clone();
        got.sort_unstable();
        assert_eq!(got, vec!["inner", "outer"]);
    });
}
