//! The parts of `tokio::sync` and `tokio::time` a tokio user reaches for that the harness
//! mirrors thinly (`try_acquire_many`, `forget_permits`, `const_new`, `watch::Sender: Clone`,
//! `SetOnce`, `RwLock: Default`, `notified_owned`, `notify_last`, owned `downgrade`, weak
//! `mpsc` senders, `timeout_at`): each behaves as tokio's, in every schedule (`dfs`), and a
//! bug written with it is found.

mod common;

use common::{bug_report, dfs, on_tokio};
use coyote_harness::sync::{mpsc, watch, Mutex, Notify, RwLock, Semaphore, SetOnce};
use coyote_harness::{check, task, time, Config};
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn semaphore_try_acquire_many_forget_permits_and_owned() {
    let body = || async {
        let sem = Arc::new(Semaphore::new(3));
        let two = sem.try_acquire_many(2).unwrap();
        assert_eq!(sem.available_permits(), 1);
        assert!(sem.try_acquire_many(2).is_err());
        assert_eq!(
            sem.forget_permits(5),
            1,
            "only the free permit is forgotten"
        );
        assert_eq!(sem.available_permits(), 0);
        drop(two);
        assert_eq!(sem.available_permits(), 2);
        let owned = sem.clone().try_acquire_many_owned(2).unwrap();
        assert_eq!(owned.num_permits(), 2);
        let t = task::spawn(async move { drop(owned) });
        let again = sem.acquire_many(2).await.unwrap();
        t.await.unwrap();
        drop(again);
        sem.close();
        assert!(sem.is_closed() && sem.try_acquire_many(1).is_err());
        assert_eq!(Semaphore::MAX_PERMITS, tokio::sync::Semaphore::MAX_PERMITS);
    };
    check(body, dfs());
    on_tokio(body());
}

static COUNTER: Mutex<u32> = Mutex::const_new(0);
static TABLE: RwLock<u32> = RwLock::const_new(0);
static GATE: Semaphore = Semaphore::const_new(1);
static BELL: Notify = Notify::const_new();

/// The `const_new` constructors make statics; a lost update through a static mutex is found.
#[test]
fn const_new_statics_work_and_a_lost_update_through_one_is_found() {
    let lost_update = || async {
        *COUNTER.lock().await = 0;
        let t = task::spawn(async {
            let v = *COUNTER.lock().await;
            *COUNTER.lock().await = v + 1;
        });
        let v = *COUNTER.lock().await;
        *COUNTER.lock().await = v + 1;
        t.await.unwrap();
        assert_eq!(*COUNTER.lock().await, 2, "lost update");
    };
    let msg = bug_report(dfs(), lost_update);
    assert!(msg.contains("lost update"), "{msg}");
    check(
        || async {
            let _p = GATE.acquire().await.unwrap();
            *TABLE.write().await += 1;
            assert!(*TABLE.read().await >= 1);
            let t = task::spawn(async { BELL.notified().await });
            BELL.notify_one();
            t.await.unwrap();
        },
        dfs(),
    );
}

/// `watch::Sender` is `Clone`: the channel closes for receivers when the last sender goes.
#[test]
fn watch_senders_clone_and_the_channel_closes_with_the_last() {
    check(
        || async {
            let (tx, mut rx) = watch::channel(0);
            let tx2 = tx.clone();
            assert_eq!(tx.sender_count(), 2);
            drop(tx);
            tx2.send(5).unwrap();
            rx.changed().await.unwrap();
            assert_eq!(*rx.borrow_and_update(), 5);
            let t = task::spawn(async move { drop(tx2) });
            assert!(
                rx.changed().await.is_err(),
                "closed once every sender is gone"
            );
            t.await.unwrap();
            let lone = watch::Sender::new(1);
            assert_eq!(*lone.subscribe().borrow(), 1);
        },
        dfs(),
    );
}

/// `SetOnce`: waiters see the one value set, in every schedule; reading it with `get` before
/// waiting is a bug found.
#[test]
fn set_once_waiters_see_the_value_and_an_unwaited_get_is_found() {
    check(
        || async {
            let cell = Arc::new(SetOnce::new());
            let c = cell.clone();
            let t = task::spawn(async move { *c.wait().await });
            task::yield_now().await;
            cell.set(7).unwrap();
            assert!(cell.set(8).is_err());
            assert_eq!(t.await.unwrap(), 7);
            assert_eq!(cell.get(), Some(&7));
        },
        dfs(),
    );
    let msg = bug_report(dfs(), || async {
        let cell = Arc::new(SetOnce::<u32>::new());
        let c = cell.clone();
        let t = task::spawn(async move { c.get().copied() });
        task::yield_now().await;
        cell.set(7).unwrap();
        assert_eq!(t.await.unwrap(), Some(7), "read before it was set");
    });
    assert!(msg.contains("read before it was set"), "{msg}");
    static STATIC: SetOnce<u8> = SetOnce::const_new_with(1);
    assert_eq!(STATIC.get(), Some(&1));
}

/// `RwLock: Default`, and an owned write guard downgrades to a read guard without unlocking.
#[test]
fn rwlock_default_and_owned_downgrade_keeps_writers_out() {
    let body = || async {
        let lock: Arc<RwLock<u32>> = Arc::default();
        let mut w = lock.clone().write_owned().await;
        *w = 5;
        let r = w.downgrade();
        assert_eq!(*r, 5);
        assert!(lock.try_write().is_err(), "still locked for writers");
        assert_eq!(*lock.try_read().unwrap(), 5);
        let writer = {
            let lock = lock.clone();
            task::spawn(async move { *lock.write().await = 6 })
        };
        assert_eq!(*r, 5, "no writer got in");
        drop(r);
        writer.await.unwrap();
        assert_eq!(*lock.read().await, 6);
    };
    check(body, dfs());
    on_tokio(body());
}

/// `notified_owned` is `'static` (it moves into a task); `notify_last` wakes the waiter that
/// registered last.
#[test]
fn notified_owned_moves_into_a_task_and_notify_last_wakes_the_last_waiter() {
    check(
        || async {
            let notify = Arc::new(Notify::new());
            let waiting = notify.clone().notified_owned();
            let t = task::spawn(waiting);
            notify.notify_one();
            t.await.unwrap();

            let first = notify.notified();
            let second = notify.notified();
            let (mut first, mut second) = (pin!(first), pin!(second));
            assert!(!first.as_mut().enable());
            assert!(!second.as_mut().enable());
            notify.notify_last();
            assert!(second.as_mut().enable(), "the last waiter is notified");
            assert!(!first.as_mut().enable(), "the first is not");
            second.await;
        },
        dfs(),
    );
}

/// A weak sender does not keep the channel open, and upgrades while a strong one lives.
#[test]
fn weak_senders_upgrade_while_a_sender_lives_and_do_not_keep_the_channel_open() {
    let body = || async {
        let (tx, mut rx) = mpsc::channel::<u32>(1);
        let weak = tx.downgrade();
        assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
        weak.upgrade().unwrap().send(1).await.unwrap();
        assert_eq!(rx.recv().await, Some(1));
        drop(tx);
        assert!(weak.upgrade().is_none());
        assert_eq!(rx.recv().await, None, "closed with only a weak sender left");

        let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
        let weak = tx.downgrade();
        let t = task::spawn(async move { weak.upgrade().map(|tx| tx.send(2)) });
        let sent = t.await.unwrap();
        drop(tx);
        match sent {
            Some(r) => {
                r.unwrap();
                assert_eq!(rx.recv().await, Some(2));
            }
            None => unreachable!("the strong sender lived until the join"),
        }
        assert_eq!(rx.recv().await, None);
    };
    check(body, dfs());
    on_tokio(body());
}

/// `timeout_at` fires at its deadline (virtual time), and returns what finishes before it.
#[test]
fn timeout_at_fires_at_its_deadline() {
    check(
        || async {
            let deadline = time::now() + Duration::from_secs(1);
            let r = time::timeout_at(deadline, std::future::pending::<()>()).await;
            assert!(r.is_err());
            assert!(time::now() >= deadline);
            let deadline = time::now() + Duration::from_secs(1);
            assert_eq!(time::timeout_at(deadline, async { 5 }).await, Ok(5));
        },
        Config::new().iterations(20),
    );
}
