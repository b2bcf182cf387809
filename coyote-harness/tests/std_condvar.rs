//! `std::sync::Condvar` mirror: ports of shuttle's `tests/basic/condvar.rs` and loom's
//! `tests/condvar.rs` (same behaviours, our own tests) with each original's verdict, and the
//! spurious wake-ups std allows, which coyote explores.

mod std_support;

use coyote_harness::std::sync::{Arc, Condvar, Mutex};
use coyote_harness::std::thread;
use std::time::Duration;
use std_support::{bug_found, bug_found_by_both, every_schedule, passes_bounded};

type Pair = Arc<(Mutex<bool>, Condvar)>;

fn pair() -> Pair {
    Arc::new((Mutex::new(false), Condvar::new()))
}

/// A waiter that re-checks its predicate in a loop.
fn waiter(p: Pair) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let (lock, cv) = &*p;
        let mut ready = lock.lock().unwrap();
        while !*ready {
            ready = cv.wait(ready).unwrap();
        }
    })
}

/// shuttle `notify_one`, loom `notify_one`: set the flag under the lock, then notify (without
/// holding it). Verdict: passes every schedule.
#[test]
fn a_looping_waiter_is_always_woken_by_notify_one() {
    every_schedule(|| {
        let p = pair();
        let w = waiter(p.clone());
        *p.0.lock().unwrap() = true;
        p.1.notify_one();
        w.join().unwrap();
    });
}

/// Two looping waiters, and what the signaller does after setting the flag.
fn two_waiters(signal: fn(&Condvar)) {
    let p = pair();
    let ws = [waiter(p.clone()), waiter(p.clone())];
    *p.0.lock().unwrap() = true;
    signal(&p.1);
    for w in ws {
        w.join().unwrap();
    }
}

/// shuttle `notify_all`, `multiple_notify_one`, `notify_one_all`, `notify_all_one`; loom
/// `notify_all`. Verdict: each passes every schedule.
#[test]
fn two_waiters_are_woken_by_notify_all_or_two_notify_one_calls() {
    passes_bounded(|| two_waiters(|cv| cv.notify_all()));
    passes_bounded(|| {
        two_waiters(|cv| {
            cv.notify_one();
            cv.notify_one()
        })
    });
    passes_bounded(|| {
        two_waiters(|cv| {
            cv.notify_one();
            cv.notify_all()
        })
    });
    passes_bounded(|| {
        two_waiters(|cv| {
            cv.notify_all();
            cv.notify_one()
        })
    });
}

/// shuttle `notify_one_deadlock`: one `notify_one` for two waiters. Verdict: a deadlock must be
/// found, naming a thread blocked in the condvar wait.
#[test]
fn one_notify_one_for_two_waiters_leaves_one_waiting_forever() {
    let msg = bug_found_by_both("deadlock", || two_waiters(|cv| cv.notify_one()));
    assert!(
        msg.contains("waits on condvar.wait at coyote-harness/tests/std_condvar.rs:"),
        "{msg}"
    );
}

/// shuttle `notify_one_order`: with two threads waiting, `notify_one` may wake either (std
/// promises no order; loom always wakes the first, so this passes there). A second condvar
/// sequences the threads so that thread 1 surely waits first. Verdict: the schedule where the
/// second waiter is woken must be found.
#[test]
fn notify_one_may_wake_the_waiter_that_came_second() {
    #[derive(Default)]
    struct S {
        queued: usize,
        go: bool,
        woken: usize,
    }
    bug_found("the second waiter was woken", || {
        let state = Arc::new((Mutex::new(S::default()), Condvar::new(), Condvar::new()));
        let spawn = |me: usize| {
            let state = state.clone();
            thread::spawn(move || {
                let (lock, cv, seq) = &*state;
                let mut g = seq
                    .wait_while(lock.lock().unwrap(), |s| s.queued != me - 1)
                    .unwrap();
                g.queued += 1;
                seq.notify_all();
                let mut g = cv.wait_while(g, |s| !s.go).unwrap();
                if g.woken == 0 {
                    g.woken = me;
                }
                seq.notify_all();
            })
        };
        let ts = [spawn(1), spawn(2)];
        let (lock, cv, seq) = &*state;
        let mut g = seq
            .wait_while(lock.lock().unwrap(), |s| s.queued != 2)
            .unwrap();
        g.go = true;
        cv.notify_one();
        drop(g);
        let first = seq.wait_while(lock.lock().unwrap(), |s| s.woken == 0);
        let first = first.unwrap().woken;
        cv.notify_all();
        for t in ts {
            t.join().unwrap();
        }
        assert_ne!(first, 2, "the second waiter was woken");
    });
}

/// One slot, two consumers and a producer, from "Operating Systems: Three Easy Pieces"
/// (figures 30.8, 30.10 and 30.12), as shuttle's `producer_consumer_*` tests. `looped`: the
/// waits are in `while` loops; `two_condvars`: "empty" and "full" are separate condvars.
fn producer_consumer(looped: bool, two_condvars: bool, items: usize) {
    let lock = Arc::new(Mutex::new(0usize));
    let empty = Arc::new(Condvar::new());
    let full = if two_condvars {
        Arc::new(Condvar::new())
    } else {
        empty.clone()
    };
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let (lock, empty, full) = (lock.clone(), empty.clone(), full.clone());
            thread::spawn(move || {
                for _ in 0..items / 2 {
                    let mut count = lock.lock().unwrap();
                    if looped {
                        while *count == 0 {
                            count = full.wait(count).unwrap();
                        }
                    } else if *count == 0 {
                        count = full.wait(count).unwrap();
                    }
                    assert_eq!(*count, 1, "nothing to get");
                    *count = 0;
                    empty.notify_one();
                }
            })
        })
        .collect();
    for _ in 0..items {
        let mut count = lock.lock().unwrap();
        if looped {
            while *count == 1 {
                count = empty.wait(count).unwrap();
            }
        } else if *count == 1 {
            count = empty.wait(count).unwrap();
        }
        assert_eq!(*count, 0, "no space to put");
        *count = 1;
        full.notify_one();
    }
    for c in consumers {
        c.join().unwrap();
    }
}

/// shuttle `producer_consumer_broken1` (OSTEP 30.8: `if`, not `while`). Verdict: "nothing to
/// get" (or its twin "no space to put") must be found.
#[test]
fn waiting_with_if_instead_of_while_is_caught() {
    let msg = std_support::bug_in(coyote_harness::Config::new(), || {
        producer_consumer(false, false, 2)
    });
    assert!(
        msg.contains("nothing to get") || msg.contains("no space to put"),
        "{msg}"
    );
}

/// shuttle `producer_consumer_broken2` (OSTEP 30.10: one condvar for both conditions). Verdict:
/// a deadlock must be found.
#[test]
fn one_condvar_for_two_conditions_deadlocks() {
    bug_found("deadlock", || producer_consumer(true, false, 2));
}

/// shuttle `producer_consumer_correct` (OSTEP 30.12; shuttle too runs it with random
/// schedules only). Verdict: passes (bounded).
#[test]
fn two_condvars_with_while_loops_pass() {
    passes_bounded(|| producer_consumer(true, true, 2));
}

/// Spurious wake-ups (ours; std allows them, shuttle and loom do not produce them): a single
/// waiter with an `if`, whose notifier sets the flag before notifying, is correct only without
/// them. Verdict: the spurious wake-up must be found; `wait_while` passes every schedule.
#[test]
fn a_spurious_wake_up_is_explored_so_an_unlooped_wait_is_caught() {
    let msg = bug_found("woke with the flag unset", || {
        let p = pair();
        let q = p.clone();
        let t = thread::spawn(move || {
            *q.0.lock().unwrap() = true;
            q.1.notify_one();
        });
        let (lock, cv) = &*p;
        let mut ready = lock.lock().unwrap();
        if !*ready {
            ready = cv.wait(ready).unwrap();
        }
        assert!(*ready, "woke with the flag unset");
        drop(ready);
        t.join().unwrap();
    });
    assert!(
        msg.contains("-> woke spuriously"),
        "the spurious wake-up is logged: {msg}"
    );
    every_schedule(|| {
        let p = pair();
        let q = p.clone();
        let t = thread::spawn(move || {
            *q.0.lock().unwrap() = true;
            q.1.notify_one();
        });
        let (lock, cv) = &*p;
        let ready = cv.wait_while(lock.lock().unwrap(), |r| !*r).unwrap();
        assert!(*ready);
        drop(ready);
        t.join().unwrap();
    });
}

/// The classic lost wake-up: notify before the flag is set under the lock. Verdict (ours): the
/// deadlock must be found; set-then-notify passes (above).
#[test]
fn notifying_before_setting_the_flag_loses_the_wake_up() {
    bug_found("deadlock", || {
        let p = pair();
        let q = p.clone();
        let t = thread::spawn(move || {
            q.1.notify_one();
            *q.0.lock().unwrap() = true;
        });
        let (lock, cv) = &*p;
        let _g = cv.wait_while(lock.lock().unwrap(), |r| !*r).unwrap();
        drop(_g);
        t.join().unwrap();
    });
}

/// shuttle `notify_one_timeout` and a timed wait with nobody to notify: `wait_timeout` returns
/// on virtual time, says it timed out, and relocks. Verdict: passes (bounded; a timed wait in a
/// loop may time out any number of times, so the space is not finite).
#[test]
fn wait_timeout_returns_on_virtual_time_when_nobody_notifies() {
    passes_bounded(|| {
        let p = pair();
        let w = {
            let p = p.clone();
            thread::spawn(move || {
                let (lock, cv) = &*p;
                let mut ready = lock.lock().unwrap();
                while !*ready {
                    ready = cv.wait_timeout(ready, Duration::from_secs(10)).unwrap().0;
                }
            })
        };
        *p.0.lock().unwrap() = true;
        p.1.notify_one();
        w.join().unwrap();
    });
    every_schedule(|| {
        let p = pair();
        let (lock, cv) = &*p;
        let start = coyote_harness::time::now();
        let (g, r) = cv
            .wait_timeout_while(lock.lock().unwrap(), Duration::from_secs(5), |r| !*r)
            .unwrap();
        assert!(r.timed_out());
        assert!(!*g);
        assert!(start.elapsed() >= Duration::from_secs(5));
    });
}

/// A panic in another thread while it holds the mutex poisons the wait's relock, as std.
/// Verdict (ours): in every schedule, the lock or the wait's relock reports the poisoning.
#[test]
fn a_wait_returns_err_when_the_mutex_was_poisoned_meanwhile() {
    every_schedule(|| {
        let p = pair();
        let q = p.clone();
        let t = thread::spawn(move || {
            let mut g = q.0.lock().unwrap();
            *g = true;
            q.1.notify_all();
            panic!("poisoner");
        });
        let (lock, cv) = &*p;
        if let Ok(g) = lock.lock() {
            assert!(cv.wait_while(g, |r| !*r).is_err(), "the relock is poisoned");
        }
        assert!(t.join().is_err());
        assert!(lock.is_poisoned());
    });
}

/// Production mode: std's condvar under the same calls.
#[test]
fn in_production_it_is_a_std_condvar() {
    let p = pair();
    let q = p.clone();
    let t = std::thread::spawn(move || {
        *q.0.lock().unwrap() = true;
        q.1.notify_all();
    });
    let g = p.1.wait_while(p.0.lock().unwrap(), |r| !*r).unwrap();
    assert!(*g);
    drop(g);
    t.join().unwrap();
    let (g, r) =
        p.1.wait_timeout(p.0.lock().unwrap(), Duration::from_millis(1))
            .unwrap();
    assert!(r.timed_out() && *g);
}
