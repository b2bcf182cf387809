//! `sync::OnceCell` and the owned guards and permits (`lock_owned`, `read_owned`,
//! `write_owned`, `acquire_owned`): the bug a user writes with each is found, its fixed form
//! passes every schedule (`dfs`), and in production each is tokio's.

mod common;

use common::{deadlock_report, dfs, on_tokio, panic_text};

use coyote_harness::{check, sync, task};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// Two tasks that both need a connection: each connects lazily, through a check and a `set`
/// (the bug: both can see the cell empty and connect) or through `get_or_init` (the fix: one
/// connects, the other waits for it and uses the same connection).
fn lazy_connect(
    fixed: bool,
) -> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> {
    move || {
        Box::pin(async move {
            let cell = Arc::new(sync::OnceCell::new());
            let connects = Arc::new(AtomicU32::new(0));
            let user = |cell: Arc<sync::OnceCell<u32>>, connects: Arc<AtomicU32>| async move {
                let connect = || async move {
                    connects.fetch_add(1, Ordering::SeqCst);
                    task::yield_now().await; // the handshake
                    42
                };
                if fixed {
                    return *cell.get_or_init(connect).await;
                }
                match cell.get() {
                    Some(conn) => *conn,
                    None => {
                        let conn = connect().await;
                        cell.set(conn).expect("connected twice");
                        conn
                    }
                }
            };
            let other = task::spawn(user(cell.clone(), connects.clone()));
            assert_eq!(user(cell, connects.clone()).await, 42);
            assert_eq!(other.await.unwrap(), 42);
            assert_eq!(connects.load(Ordering::SeqCst), 1);
        })
    }
}

/// A check-then-`set` lazy initialization is found racing; `get_or_init` runs the initializer
/// exactly once in every schedule.
#[test]
fn racy_lazy_init_is_found_and_get_or_init_fixes_it() {
    let err = std::panic::catch_unwind(|| check(lazy_connect(false), dfs()))
        .expect_err("both tasks can see the cell empty");
    assert!(panic_text(err).contains("connected twice"));
    check(lazy_connect(true), dfs());
}

/// What `set` returned while another task initialized the cell, over all schedules.
static SET_OUTCOMES: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());

/// `set` fails while another task runs an initializer and after it; an initializer whose task
/// is aborted hands over to the next waiter; an initializer that awaits its own cell is a
/// deadlock named at its line (tokio's would hang for ever).
#[test]
fn once_cell_set_cancellation_and_self_wait() {
    SET_OUTCOMES.lock().unwrap().clear();
    check(
        || async {
            let cell = Arc::new(sync::OnceCell::new());
            let c = cell.clone();
            let init = task::spawn(async move {
                *c.get_or_init(|| async {
                    task::yield_now().await;
                    1
                })
                .await
            });
            task::yield_now().await;
            let outcome = match cell.set(2) {
                Ok(()) => "set",
                Err(sync::SetError::InitializingError(2)) => "initializing",
                Err(sync::SetError::AlreadyInitializedError(2)) => "already",
                Err(e) => panic!("{e:?}"),
            };
            SET_OUTCOMES.lock().unwrap().insert(outcome);
            let winner = if outcome == "set" { 2 } else { 1 };
            assert_eq!(init.await.unwrap(), winner);
            assert_eq!(cell.get(), Some(&winner));

            // An initializer that never finishes, aborted: the waiter initializes instead.
            let cell = Arc::new(sync::OnceCell::new());
            let (c, c2) = (cell.clone(), cell.clone());
            let stuck =
                task::spawn(async move { *c.get_or_init(std::future::pending::<u32>).await });
            let waiter = task::spawn(async move { *c2.get_or_init(|| async { 7 }).await });
            task::yield_now().await;
            stuck.abort();
            assert_eq!(waiter.await.unwrap(), 7);
            // Unless the waiter initialized the cell first, and `stuck` used its value.
            match stuck.await {
                Ok(v) => assert_eq!(v, 7),
                Err(e) => assert!(e.is_cancelled()),
            }
        },
        dfs(),
    );
    let seen = SET_OUTCOMES.lock().unwrap().clone();
    assert_eq!(seen, ["already", "initializing", "set"].into(), "{seen:?}");

    let msg = deadlock_report(|| async {
        let cell = sync::OnceCell::new();
        let v = cell
            .get_or_init(|| async { *cell.get_or_init(|| async { 1 }).await + 1 })
            .await;
        assert_eq!(*v, 2);
    });
    assert!(
        msg.contains("once_cell.get_or_init at coyote-harness/tests/cells_and_owned.rs"),
        "{msg}"
    );
}

/// Requests limited to one at a time by a semaphore: the spawner takes an owned permit and
/// moves it into the request's task, which holds it to the end (the fix) or drops it at once
/// (the bug, as `let _ = permit` does).
fn limited(fixed: bool) -> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> {
    move || {
        Box::pin(async move {
            let sem = Arc::new(sync::Semaphore::new(1));
            let busy = Arc::new(AtomicBool::new(false));
            let mut set = task::JoinSet::new();
            for _ in 0..2 {
                let permit = sem.clone().acquire_owned().await.unwrap();
                let busy = busy.clone();
                set.spawn(async move {
                    let _held = if fixed {
                        Some(permit)
                    } else {
                        drop(permit);
                        None
                    };
                    assert!(!busy.swap(true, Ordering::SeqCst), "two requests at once");
                    task::yield_now().await;
                    busy.store(false, Ordering::SeqCst);
                });
            }
            while set.join_next().await.is_some() {}
            assert_eq!(sem.available_permits(), 1);
        })
    }
}

/// A permit dropped before the work it guards is found; held to the end, it passes every
/// schedule, and the spawner's second `acquire_owned` waits for it.
#[test]
fn an_owned_permit_dropped_early_is_found_and_holding_it_fixes_it() {
    let err = std::panic::catch_unwind(|| check(limited(false), dfs()))
        .expect_err("both requests can run at once");
    assert!(panic_text(err).contains("two requests at once"));
    check(limited(true), dfs());
}

/// Owned guards move into tasks and keep their lock alive; a cancelled `lock_owned` leaves the
/// lock usable; a write waiting for the task's own read guard is a deadlock named at its line.
#[test]
fn owned_guards_move_into_tasks_and_waits_on_them_are_reported() {
    check(
        || async {
            let m = Arc::new(sync::Mutex::new(0));
            let guard = m.clone().lock_owned().await;
            assert!(Arc::ptr_eq(sync::OwnedMutexGuard::mutex(&guard), &m));
            assert!(m.clone().try_lock_owned().is_err());
            let waited = coyote_harness::time::timeout(
                std::time::Duration::from_millis(5),
                m.clone().lock_owned(),
            )
            .await;
            assert!(waited.is_err(), "the lock is held");
            let t = task::spawn(async move {
                let mut guard = guard;
                task::yield_now().await;
                *guard += 1;
            });
            assert_eq!(
                *m.lock().await,
                1,
                "the task released the lock after its write"
            );
            t.await.unwrap();

            let l = Arc::new(sync::RwLock::new(5));
            let (a, b) = (l.clone().read_owned().await, l.clone().read_owned().await);
            assert_eq!(*a + *b, 10);
            drop((a, b));
            let mut w = l.clone().write_owned().await;
            *w = 6;
            drop(l); // the guard keeps the lock alive
            assert_eq!(*w, 6);
        },
        dfs(),
    );
    // The write waits for the task's own read.
    let msg = deadlock_report(|| async {
        let l = Arc::new(sync::RwLock::new(0));
        let _r = l.clone().read_owned().await;
        *l.clone().write_owned().await += 1;
    });
    assert!(
        msg.contains("rwlock.write at coyote-harness/tests/cells_and_owned.rs"),
        "{msg}"
    );
}

/// In production they are tokio's, on a tokio runtime.
#[test]
fn in_production_they_are_tokio() {
    on_tokio(async {
        let cell = sync::OnceCell::new();
        assert_eq!(*cell.get_or_init(|| async { 3 }).await, 3);
        assert!(matches!(
            cell.set(4),
            Err(sync::SetError::AlreadyInitializedError(4))
        ));

        let sem = Arc::new(sync::Semaphore::new(1));
        let m = Arc::new(sync::Mutex::new(1));
        let (permit, guard) = (
            sem.clone().acquire_owned().await.unwrap(),
            m.clone().lock_owned().await,
        );
        let t = tokio::spawn(async move {
            let (_permit, mut guard) = (permit, guard);
            *guard += 1;
        });
        assert_eq!(*m.lock().await, 2);
        t.await.unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}
