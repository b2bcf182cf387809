//! `tokio::task::Id` through the drop-in: `task::id()`, `try_id()`, `JoinHandle::id()`,
//! `AbortHandle::id()`, `JoinSet::join_next_with_id` and `JoinError::id()` agree with each
//! other, in every schedule of a test and on tokio in production.

use coyote_harness::{check, Config};
use coyote_tokio as tokio;
use std::collections::HashSet;
use tokio::task::{self, Id, JoinSet};

async fn ids_agree() {
    let me = task::try_id();
    let a = tokio::spawn(async { task::id() });
    let a_id = a.id();
    assert_eq!(a.abort_handle().id(), a_id);
    assert_eq!(
        a.await.unwrap(),
        a_id,
        "a task sees the id its handle names"
    );
    assert_ne!(Some(a_id), me);

    let mut set = JoinSet::new();
    let mut spawned = HashSet::new();
    for _ in 0..3 {
        spawned.insert(set.spawn(async { task::id() }).id());
    }
    let mut joined = HashSet::new();
    while let Some(done) = set.join_next_with_id().await {
        let (id, seen): (Id, Id) = done.unwrap();
        assert_eq!(id, seen, "join_next_with_id names the task that finished");
        joined.insert(id);
    }
    assert_eq!(joined, spawned, "three distinct ids, each joined once");

    let stuck = tokio::spawn(std::future::pending::<()>());
    let stuck_id = stuck.id();
    stuck.abort();
    let err = stuck.await.unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(err.id(), stuck_id);
    assert_eq!(stuck_id.to_string(), format!("{stuck_id}"));
}

#[test]
fn task_ids_agree_in_every_schedule() {
    check(ids_agree, Config::new().strategy("dfs").iterations(2_000));
}

#[test]
fn task_ids_agree_on_tokio() {
    ::tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async { ::tokio::spawn(ids_agree()).await.unwrap() });
}

#[test]
fn in_a_test_an_id_is_the_task_number_of_the_step_log() {
    check(
        || async {
            assert_eq!(task::id().to_string(), "0", "main is task 0");
            let t = tokio::spawn(async {});
            assert_eq!(t.id().to_string(), "1");
            t.await.unwrap();
        },
        Config::new().iterations(5),
    );
    assert_eq!(task::try_id(), None, "outside a task");
}
