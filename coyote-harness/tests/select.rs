//! `coyote_harness::select!`: which ready branch wins is the strategy's decision, explored and
//! replayed; the macro takes `tokio::select!`'s syntax and is tokio's in production.

mod common;

use common::{dfs, on_tokio, panic_text, written_trace};
use coyote_harness::{check, replay, sync::mpsc, sync::oneshot, Config};
use std::collections::BTreeSet;
use std::sync::Mutex;

/// The line of `three_ready`'s `select!`.
static SELECT_LINE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Three replies that are all ready at once.
async fn three_ready() -> u8 {
    let (t1, r1) = oneshot::channel::<u8>();
    let (t2, r2) = oneshot::channel::<u8>();
    let (t3, r3) = oneshot::channel::<u8>();
    t1.send(1).unwrap();
    t2.send(2).unwrap();
    t3.send(3).unwrap();
    SELECT_LINE.store(line!() + 1, std::sync::atomic::Ordering::Relaxed);
    coyote_harness::select! {
        v = r1 => v.unwrap(),
        v = r2 => v.unwrap(),
        v = r3 => v.unwrap(),
    }
}

static WINNERS: Mutex<BTreeSet<u8>> = Mutex::new(BTreeSet::new());

#[test]
fn every_ready_branch_can_win() {
    WINNERS.lock().unwrap().clear();
    check(
        || async {
            let winner = three_ready().await;
            WINNERS.lock().unwrap().insert(winner);
        },
        dfs(),
    );
    assert_eq!(*WINNERS.lock().unwrap(), BTreeSet::from([1, 2, 3]));
}

/// The winners `check` sees over 50 iterations of `random` with `seed`.
fn winners(seed: u64) -> Vec<u8> {
    static SEQ: Mutex<Vec<u8>> = Mutex::new(Vec::new());
    SEQ.lock().unwrap().clear();
    check(
        || async {
            let winner = three_ready().await;
            SEQ.lock().unwrap().push(winner)
        },
        Config::new().strategy("random").seed(seed).iterations(50),
    );
    SEQ.lock().unwrap().clone()
}

/// The same seed gives the same winners (plain `tokio::select!` does not: it draws from tokio's
/// own generator).
#[test]
fn the_winner_is_a_function_of_the_seed() {
    let a = winners(5);
    assert_eq!(a, winners(5));
    assert!(a.iter().collect::<BTreeSet<_>>().len() == 3, "{a:?}");
}

/// A bug that needs the second branch to win is found, and its trace replays to it.
#[test]
fn a_bug_behind_a_tie_is_found_and_replays() {
    let dir = std::env::temp_dir().join(format!("coyote-select-{}", std::process::id()));
    let test = || async {
        assert_ne!(three_ready().await, 2, "the replica answered first");
    };
    let config = Config::new()
        .strategy("random")
        .seed(1)
        .iterations(100)
        .trace_dir(&dir);
    let err = panic_text(std::panic::catch_unwind(|| check(test, config)).expect_err("found"));
    assert!(err.contains("the replica answered first"), "{err}");
    // The step log names the choice and the `select!`'s line (in `three_ready`).
    let line = SELECT_LINE.load(std::sync::atomic::Ordering::Relaxed);
    let at = format!("select: branch 2 first at coyote-harness/tests/select.rs:{line}:5");
    assert!(err.contains(&at), "{at}: {err}");
    let trace = written_trace(&dir);
    let failure = replay(test, &trace);
    assert!(
        failure.message.contains("the replica answered first"),
        "{failure:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn seen(s: impl Into<String>) {
    SEEN.lock().unwrap().insert(s.into());
}

/// tokio's forms: block handlers with and without a comma, a precondition, a pattern that does
/// not match, `else`, `break`/`continue` in a loop and `?`, under every rotation.
#[test]
fn tokio_select_syntax_works_in_every_rotation() {
    SEEN.lock().unwrap().clear();
    async fn forms() -> Result<(), String> {
        let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
        tx.send(7).unwrap();
        // A receiver whose sender is gone: `Err` at once, so `Ok(())` does not match and the
        // branch is disabled.
        let closed = || {
            let (done_tx, done_rx) = oneshot::channel::<()>();
            drop(done_tx);
            done_rx
        };
        let mut rounds = 0;
        loop {
            rounds += 1;
            let done_rx = closed();
            coyote_harness::select! {
                Some(v) = rx.recv() => {
                    seen(format!("recv {v}"));
                    continue;
                }
                Ok(()) = done_rx => { seen("done"); }
                _ = std::future::ready(()), if rounds > 1 => {
                    seen("ready");
                    break;
                },
                else => return Err("every branch disabled".into()),
            }
        }
        let r: Result<u32, String> = coyote_harness::select! {
            v = std::future::ready(Ok::<u32, String>(3)) => Ok(v? + 1)
        };
        seen(format!("question mark {}", r?));
        let e = coyote_harness::select! {
            Ok(()) = closed() => 0,
            else => 9
        };
        seen(format!("else {e}"));
        Ok(())
    }
    check(|| async { forms().await.unwrap() }, dfs());
    let seen = SEEN.lock().unwrap().clone();
    for s in ["recv 7", "ready", "question mark 4", "else 9"] {
        assert!(seen.contains(s), "{s}: {seen:?}");
    }
    assert!(!seen.contains("done"), "{seen:?}");
}

static ORDER: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// As in tokio, preconditions and then futures are evaluated in written order, whichever branch
/// is polled first, and a handler may use what its branch's future borrowed.
#[test]
fn expressions_are_evaluated_in_written_order() {
    fn note(s: &str) {
        ORDER.lock().unwrap().push(s.into());
    }
    check(
        || async {
            ORDER.lock().unwrap().clear();
            let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
            tx.send(1).unwrap();
            let v = coyote_harness::select! {
                Some(v) = { note("f1"); rx.recv() }, if { note("c1"); true } => {
                    rx.close();
                    v
                }
                v = { note("f2"); std::future::ready(2) }, if { note("c2"); true } => v,
            };
            assert!(v == 1 || v == 2);
            assert_eq!(*ORDER.lock().unwrap(), ["c1", "c2", "f1", "f2"]);
        },
        dfs(),
    );
}

/// In production it is tokio's `select!`; `biased;` keeps the written order in both modes.
#[test]
fn production_is_tokio_and_biased_is_kept() {
    on_tokio(async {
        assert!((1..=3).contains(&three_ready().await));
        let (t1, r1) = oneshot::channel::<u8>();
        let (t2, r2) = oneshot::channel::<u8>();
        t1.send(1).unwrap();
        t2.send(2).unwrap();
        let v = coyote_harness::select! { biased; v = r2 => v.unwrap(), v = r1 => v.unwrap() };
        assert_eq!(v, 2);
    });
    static BIASED: Mutex<BTreeSet<u8>> = Mutex::new(BTreeSet::new());
    check(
        || async {
            let (t1, r1) = oneshot::channel::<u8>();
            let (t2, r2) = oneshot::channel::<u8>();
            t1.send(1).unwrap();
            t2.send(2).unwrap();
            let v = coyote_harness::select! { biased; v = r2 => v.unwrap(), v = r1 => v.unwrap() };
            BIASED.lock().unwrap().insert(v);
        },
        dfs(),
    );
    assert_eq!(*BIASED.lock().unwrap(), BTreeSet::from([2]));
}
