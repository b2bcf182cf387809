//! `std::sync::Mutex` mirror: ports of shuttle's `tests/basic/mutex.rs` and loom's
//! `tests/mutex.rs` / `tests/deadlock.rs` (same behaviours, our own tests), each with the
//! original's verdict, plus std's poisoning.

mod std_support;

use coyote_harness::std::sync::atomic::{AtomicUsize, Ordering};
use coyote_harness::std::sync::{Arc, Mutex, TryLockError};
use coyote_harness::std::thread;
use std_support::{bug_found, every_schedule};

/// shuttle `basic_lock_test`: two threads each take the lock once. Verdict: passes.
#[test]
fn two_threads_lock_once_each_in_every_schedule() {
    every_schedule(|| {
        let lock = Arc::new(Mutex::new(0usize));
        let l = lock.clone();
        let t = thread::spawn(move || *l.lock().unwrap() += 1);
        *lock.lock().unwrap() += 1;
        t.join().unwrap();
        assert_eq!(*lock.lock().unwrap(), 2);
    });
}

/// Two locks taken in opposite orders (shuttle `deadlock_*`, loom `deadlock.rs`). Verdict: a
/// deadlock must be found; the report names both threads and the lock each waits on.
fn opposite_order() {
    let a = Arc::new(Mutex::new(0));
    let b = Arc::new(Mutex::new(0));
    let (a2, b2) = (a.clone(), b.clone());
    let t = thread::Builder::new()
        .name("other".into())
        .spawn(move || {
            let _x = a2.lock().unwrap();
            let _y = b2.lock().unwrap();
        })
        .unwrap();
    {
        let _y = b.lock().unwrap();
        let _x = a.lock().unwrap();
    }
    t.join().unwrap();
}

#[test]
fn locks_taken_in_opposite_orders_deadlock_and_the_report_names_who_waits_on_what() {
    let msg = bug_found("deadlock", opposite_order);
    assert!(msg.contains("'other'"), "{msg}");
    assert!(msg.contains("mutex.lock"), "{msg}");
    assert!(msg.contains("std_mutex.rs"), "{msg}");
}

/// shuttle `concurrent_increment_buggy`: read under one lock, write under another. Verdict: a
/// lost update must be found.
#[test]
fn an_increment_split_over_two_critical_sections_loses_an_update() {
    bug_found("racing increments", || {
        let lock = Arc::new(Mutex::new(0usize));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || {
                    let v = *lock.lock().unwrap();
                    *lock.lock().unwrap() = v + 1;
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(*lock.lock().unwrap(), 2, "racing increments");
    });
}

/// shuttle `concurrent_increment` and `mutex_into_inner`, loom `mutex_into_inner`. Verdict:
/// passes every schedule.
#[test]
fn an_increment_in_one_critical_section_never_loses_an_update() {
    every_schedule(|| {
        let lock = Arc::new(Mutex::new(0u64));
        let ts: Vec<_> = (0..3)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || *lock.lock().unwrap() += 1)
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
        let lock = Arc::try_unwrap(lock).expect("the only reference");
        assert_eq!(lock.into_inner().unwrap(), 3);
    });
}

/// loom `mutex_enforces_mutual_exclusion`: a flag set inside the critical section is never
/// seen set by another thread entering it. Verdict: passes every schedule.
#[test]
fn no_two_threads_are_ever_inside_the_critical_section() {
    every_schedule(|| {
        let lock = Arc::new(Mutex::new(()));
        let inside = Arc::new(AtomicUsize::new(0));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let (lock, inside) = (lock.clone(), inside.clone());
                thread::spawn(move || {
                    let _g = lock.lock().unwrap();
                    assert_eq!(inside.fetch_add(1, Ordering::Relaxed), 0, "two inside");
                    thread::yield_now();
                    inside.fetch_sub(1, Ordering::Relaxed);
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
    });
}

/// loom `mutex_establishes_seq_cst`: what one thread wrote before unlocking, the next holder
/// sees. Verdict: passes every schedule.
#[test]
fn a_write_before_unlock_is_seen_by_the_next_holder() {
    every_schedule(|| {
        let data = Arc::new(AtomicUsize::new(0));
        let lock = Arc::new(Mutex::new(false));
        let (d, l) = (data.clone(), lock.clone());
        let t = thread::spawn(move || {
            d.store(7, Ordering::Relaxed);
            *l.lock().unwrap() = true;
        });
        if *lock.lock().unwrap() {
            assert_eq!(data.load(Ordering::Relaxed), 7);
        }
        t.join().unwrap();
    });
}

/// shuttle `panic_drop`: a panic while holding a guard is reported as that panic (the guard's
/// drop during unwinding does not panic again). Verdict: the panic must be found.
#[test]
fn a_panic_while_holding_the_lock_is_reported_as_itself() {
    bug_found("expected panic", || {
        let lock = Mutex::new(0);
        let _g = lock.lock().unwrap();
        panic!("expected panic");
    });
}

/// std's poisoning: a thread that panics holding the lock poisons it; `lock` then returns
/// `Err` with a usable guard, `is_poisoned` says so and `clear_poison` clears it. Verdict
/// (ours): holds in every schedule.
#[test]
fn a_panic_while_holding_the_lock_poisons_it_as_std_does() {
    every_schedule(|| {
        let lock = Arc::new(Mutex::new(1));
        let l = lock.clone();
        let t = thread::spawn(move || {
            let mut g = l.lock().unwrap();
            *g = 2;
            panic!("poisoner");
        });
        assert!(t.join().is_err());
        assert!(lock.is_poisoned());
        let g = lock.lock().expect_err("poisoned");
        assert_eq!(*g.into_inner(), 2);
        assert!(matches!(lock.try_lock(), Err(TryLockError::Poisoned(_))));
        lock.clear_poison();
        assert_eq!(*lock.lock().unwrap(), 2);
    });
}

/// `try_lock` fails while another thread holds the lock and never waits. Verdict (ours): both
/// outcomes happen across the schedules, none blocks.
#[test]
fn try_lock_sees_the_lock_held_in_some_schedules_and_free_in_others() {
    use std::sync::atomic::AtomicBool;
    static HELD: AtomicBool = AtomicBool::new(false);
    static FREE: AtomicBool = AtomicBool::new(false);
    every_schedule(|| {
        let lock = Arc::new(Mutex::new(0));
        let l = lock.clone();
        let t = thread::spawn(move || {
            let _g = l.lock().unwrap();
            thread::yield_now();
        });
        match lock.try_lock() {
            Ok(_) => FREE.store(true, std::sync::atomic::Ordering::Relaxed),
            Err(TryLockError::WouldBlock) => HELD.store(true, std::sync::atomic::Ordering::Relaxed),
            Err(TryLockError::Poisoned(_)) => unreachable!(),
        }
        t.join().unwrap();
    });
    assert!(HELD.load(std::sync::atomic::Ordering::Relaxed));
    assert!(FREE.load(std::sync::atomic::Ordering::Relaxed));
}

/// Production mode: the same calls on real OS threads are std's.
#[test]
fn in_production_it_is_a_std_mutex() {
    let lock = Arc::new(Mutex::new(0));
    let ts: Vec<_> = (0..4)
        .map(|_| {
            let l = lock.clone();
            std::thread::spawn(move || {
                for _ in 0..1000 {
                    *l.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for t in ts {
        t.join().unwrap();
    }
    assert_eq!(*lock.lock().unwrap(), 4000);
    let l = lock.clone();
    let _ = std::thread::spawn(move || {
        let _g = l.lock().unwrap();
        panic!("poison");
    })
    .join();
    assert!(lock.lock().is_err());
}

/// A destructor that takes a lock runs while a blocked thread is unwound at the end of an
/// iteration that failed elsewhere: the failure is reported as itself (no crash, no hang).
#[test]
fn a_destructor_that_locks_during_teardown_leaves_the_report_intact() {
    struct Unregister(Arc<Mutex<Vec<u32>>>);
    impl Drop for Unregister {
        fn drop(&mut self) {
            if let Ok(mut v) = self.0.lock() {
                v.push(1);
            }
        }
    }
    bug_found("boom while the thread waits", || {
        let reg = Arc::new(Mutex::new(Vec::new()));
        let r = reg.clone();
        let _held = reg.lock().unwrap();
        let _t = thread::spawn(move || {
            let _u = Unregister(r.clone());
            let _g = r.lock().unwrap();
        });
        thread::yield_now();
        panic!("boom while the thread waits");
    });
}
