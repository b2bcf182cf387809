//! `std::sync::RwLock` mirror: ports of shuttle's `tests/basic/rwlock.rs` and loom's
//! `tests/rwlock.rs` (same behaviours, our own tests), each with the original's verdict.

mod std_support;

use coyote_harness::std::sync::atomic::{AtomicUsize, Ordering};
use coyote_harness::std::sync::{mpsc, Arc, RwLock, TryLockError};
use coyote_harness::std::thread;
use std_support::{bug_found, every_schedule};

/// shuttle `reader_concurrency`: two readers can be inside at once. Verdict: some schedule
/// shows both inside.
#[test]
fn two_readers_are_inside_together_in_some_schedule() {
    use std::sync::atomic::AtomicBool;
    static BOTH: AtomicBool = AtomicBool::new(false);
    every_schedule(|| {
        let lock = Arc::new(RwLock::new(0));
        let inside = Arc::new(AtomicUsize::new(0));
        let read = {
            let (lock, inside) = (lock.clone(), inside.clone());
            move || {
                let g = lock.read().unwrap();
                assert_eq!(*g, 0);
                inside.fetch_add(1, Ordering::SeqCst);
                thread::yield_now();
                if inside.load(Ordering::SeqCst) == 2 {
                    BOTH.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                inside.fetch_sub(1, Ordering::SeqCst);
            }
        };
        let t = thread::spawn(read.clone());
        read();
        t.join().unwrap();
    });
    assert!(BOTH.load(std::sync::atomic::Ordering::Relaxed));
}

/// shuttle `deadlock_*`: readers of two locks in one order, a writer of both in the other.
/// Verdict: a deadlock must be found.
#[test]
fn read_and_write_locks_in_opposite_orders_deadlock() {
    let msg = bug_found("deadlock", || {
        let a = Arc::new(RwLock::new(0));
        let b = Arc::new(RwLock::new(0));
        let (a2, b2) = (a.clone(), b.clone());
        let t = thread::spawn(move || {
            let _x = a2.read().unwrap();
            let _y = b2.read().unwrap();
        });
        {
            let _y = b.write().unwrap();
            let _x = a.write().unwrap();
        }
        t.join().unwrap();
    });
    assert!(
        msg.contains("rwlock.read") && msg.contains("rwlock.write"),
        "{msg}"
    );
}

/// shuttle `rwlock_two_writers` (a loom bug it found), loom `rwlock_read_two_write_one`.
/// Verdict: passes every schedule.
#[test]
fn two_writers_and_a_reader_pass_every_schedule() {
    every_schedule(|| {
        let lock = Arc::new(RwLock::new(1));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || {
                    let mut w = lock.write().unwrap();
                    *w += 1;
                    thread::yield_now();
                })
            })
            .collect();
        let v = *lock.read().unwrap();
        assert!((1..=3).contains(&v));
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(*lock.read().unwrap(), 3);
    });
}

/// shuttle `rwlock_allows_multiple_readers`: each reader waits for the other's message while
/// holding its read lock. Verdict: passes every schedule (it would deadlock if readers
/// excluded each other).
#[test]
fn readers_holding_the_lock_can_wait_for_each_other() {
    every_schedule(|| {
        let lock = Arc::new(RwLock::new(1));
        let (s1, r1) = mpsc::channel::<usize>();
        let (s2, r2) = mpsc::channel::<usize>();
        let l = lock.clone();
        let t = thread::spawn(move || {
            let g = l.read().unwrap();
            s1.send(*g).unwrap();
            assert_eq!(r2.recv().unwrap(), 1);
        });
        let g = lock.read().unwrap();
        s2.send(*g).unwrap();
        assert_eq!(r1.recv().unwrap(), 1);
        drop(g);
        t.join().unwrap();
    });
}

/// shuttle `rwlock_two_readers_and_one_writer_exhaustive`: the writer never gets in while a
/// reader holds the lock. Verdict: passes every schedule.
#[test]
fn a_writer_never_overlaps_a_reader() {
    every_schedule(|| {
        let lock = Arc::new(RwLock::new(1));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || {
                    let r = lock.read().unwrap();
                    let seen = *r;
                    thread::yield_now();
                    assert_eq!(*r, seen, "a writer got in");
                })
            })
            .collect();
        *lock.write().unwrap() += 1;
        for t in ts {
            t.join().unwrap();
        }
    });
}

/// loom `rwlock_try_read` / `rwlock_try_write`, shuttle `rwlock_default`: try_* never wait and
/// fail while the other mode holds the lock. Verdict: passes every schedule.
#[test]
fn try_read_and_try_write_fail_only_while_the_other_mode_holds() {
    every_schedule(|| {
        let lock: RwLock<(u32, u32)> = RwLock::default();
        let r = lock.try_read().unwrap();
        assert!(lock.try_read().is_ok());
        assert!(matches!(lock.try_write(), Err(TryLockError::WouldBlock)));
        drop(r);
        let w = lock.try_write().unwrap();
        assert!(matches!(lock.try_read(), Err(TryLockError::WouldBlock)));
        drop(w);
        assert_eq!(lock.into_inner().unwrap(), (0, 0));
    });
}

/// A writer that panics poisons the lock for readers and writers, as std.
#[test]
fn a_panicking_writer_poisons_the_lock() {
    every_schedule(|| {
        let lock = Arc::new(RwLock::new(0));
        let l = lock.clone();
        let t = thread::spawn(move || {
            let _w = l.write().unwrap();
            panic!("poisoner");
        });
        assert!(t.join().is_err());
        assert!(lock.read().is_err());
        assert!(lock.write().is_err());
        assert!(lock.is_poisoned());
    });
}
