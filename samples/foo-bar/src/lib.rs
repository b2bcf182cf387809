//! Seed 004's `Foo`/`Bar` program, the example Coyote uses to explain how it explores the
//! concurrency of a task-based program: how many schedules there are, and how many distinct
//! outputs they print.
//!
//! `bar(id)` logs `Entering Bar id`, spawns a task that logs `Work in Bar id` and awaits it, then
//! logs `Exiting Bar id`; `foo(id)` logs `Entering Foo id`, awaits `bar(id)` and logs
//! `Exiting Foo id`. The program spawns `foo(1)` and `foo(2)` (Rust futures are lazy, so spawning
//! is what makes them start on their own, as C#'s `Foo("1")` does), logs `Waiting` and joins both.
//!
//! The log is an uncontrolled `std::sync::Mutex<Vec<String>>`: that is fine, because it is never
//! held across a scheduling point, so it can neither block nor hide an interleaving.
//!
//! Entry points:
//! * `foo_bar` (planted bug): asserts that `Exiting Foo 1` is printed before `Exiting Foo 2`,
//!   which some schedules violate;
//! * `foo_bar_fixed`: asserts only what holds in every schedule: each `foo`'s own lines come in
//!   program order, and the output has all eleven lines.
//!
//! The unit tests enumerate the whole schedule space with DFS and check the number of schedules
//! (2688) and of distinct outputs (20) against a derivation by hand; see the README.

use coyote_harness::{spec, task};
use std::sync::{Arc, Mutex};

/// The shared console: every line printed, in order.
pub type Log = Arc<Mutex<Vec<String>>>;

fn print(log: &Log, line: String) {
    log.lock().expect("the log is never poisoned").push(line);
}

/// `Bar(id)`: enters, awaits a spawned task that does the work, exits.
pub async fn bar(log: Log, id: u32) {
    print(&log, format!("Entering Bar {id}"));
    let worker_log = log.clone();
    task::spawn(async move { print(&worker_log, format!("Work in Bar {id}")) })
        .await
        .expect("the work task is never cancelled");
    print(&log, format!("Exiting Bar {id}"));
}

/// `Foo(id)`: enters, awaits `bar(id)`, exits.
pub async fn foo(log: Log, id: u32) {
    print(&log, format!("Entering Foo {id}"));
    bar(log.clone(), id).await;
    print(&log, format!("Exiting Foo {id}"));
}

/// `Main`: starts `foo(1)` and `foo(2)`, prints `Waiting`, waits for both; returns the output.
pub async fn run() -> Vec<String> {
    let log = Log::default();
    let task1 = task::spawn(foo(log.clone(), 1));
    let task2 = task::spawn(foo(log.clone(), 2));
    print(&log, "Waiting".to_string());
    for r in task::join_all([task1, task2]).await {
        r.expect("foo is never cancelled");
    }
    let out = log.lock().expect("the log is never poisoned").clone();
    out
}

fn position(out: &[String], line: &str) -> usize {
    out.iter()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("`{line}` was never printed: {out:?}"))
}

/// Planted bug: assumes `foo(1)` finishes before `foo(2)` because it was started first.
pub async fn foo_bar() {
    let out = run().await;
    spec::assert(
        position(&out, "Exiting Foo 1") < position(&out, "Exiting Foo 2"),
        format!("'Exiting Foo 2' was printed before 'Exiting Foo 1': {out:?}"),
    );
}

/// Fixed: asserts only the per-task ordering that every schedule respects.
pub async fn foo_bar_fixed() {
    let out = run().await;
    spec::assert(out.len() == 11, format!("expected 11 lines, got {out:?}"));
    for id in [1, 2] {
        let chain = [
            format!("Entering Foo {id}"),
            format!("Entering Bar {id}"),
            format!("Work in Bar {id}"),
            format!("Exiting Bar {id}"),
            format!("Exiting Foo {id}"),
        ];
        for pair in chain.windows(2) {
            spec::assert(
                position(&out, &pair[0]) < position(&out, &pair[1]),
                format!("'{}' was printed after '{}': {out:?}", pair[0], pair[1]),
            );
        }
    }
}

coyote_harness::export_tests!(foo_bar, foo_bar_fixed);

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_harness::{check, Config};
    use std::collections::HashSet;

    /// Every output DFS observed, one entry per explored schedule (only `dfs_counts` uses it).
    static OUTPUTS: Mutex<Vec<Vec<String>>> = Mutex::new(Vec::new());

    async fn record_output() {
        let out = run().await;
        OUTPUTS.lock().unwrap().push(out);
    }

    /// DFS to exhaustion on the assertion-free program, against this derivation by hand.
    ///
    /// Steps (code between two scheduling points runs atomically; a task is enabled from its
    /// spawn, and a join is a scheduling point even when the joined task has already finished):
    ///
    /// * `M` (main), `M.a`: spawn `F1`, spawn `F2`, print `Waiting`, reach the join (`join_all`
    ///   polls both handles, each yields: one scheduling point). Only `M` exists, so `M.a` is
    ///   always step 1, with no choice, and `Waiting` is always the first line.
    /// * `Fi`, `Fi.a`: print `Entering Foo i`, `Entering Bar i`, spawn `Wi`, reach the join on
    ///   `Wi`. Then `Fi.b`, the join: if `Wi` is done, print `Exiting Bar i`, `Exiting Foo i`
    ///   and finish; otherwise block. If it blocked, `Wi` finishing enables `Fi` again, and
    ///   `Fi.c` prints the two lines and finishes.
    /// * `Wi`, one step: print `Work in Bar i` and finish.
    ///
    /// The program is deterministic given the order of steps, and the strategy is asked only
    /// when two or more tasks are enabled, so DFS explores exactly one schedule per reachable
    /// sequence of steps; counting schedules is counting those sequences.
    ///
    /// After `Fi.a` both `Wi` and `Fi.b` are enabled, so each pair (`Fi`, `Wi`) runs as one of
    /// two chains: `a W b` (3 steps) or `a b W c` (4 steps). Nothing links the two chains, so the
    /// non-main steps are any interleaving of one chain for 1 and one for 2:
    /// C(6,3) + 2·C(7,3) + C(8,4) = 20 + 70 + 70 = 160 sequences. Each ends with a finishing
    /// step (the last step of a chain finishes its `foo`).
    ///
    /// Main's join after `M.a` is enabled all along, and can go into any gap of such a
    /// sequence. Say the sequence has `n` steps and the first `foo` finishes at step `p`:
    /// * after step `n` (both done): main finishes: 1 way;
    /// * at a gap `k < p` (neither done): main blocks on both, is enabled again by the first
    ///   finish (step `p`), polls again at one of the gaps `p..=n`: if before `n` it blocks on
    ///   the other and polls a third time after step `n`: `p · (n − p + 1)` ways;
    /// * at a gap `p ≤ k < n` (one done): main blocks on the other and polls after step `n`:
    ///   `n − p` ways.
    ///
    /// In all `1 + p·(n−p+1) + (n−p) = (p+1)·(n−p+1)` placements of main's steps.
    ///
    /// With chains of lengths `A` (the one finishing first) and `B`, `n = A + B` and
    /// `p = A + j`, where `j < B` counts the other chain's steps before that finish; there are
    /// C(A−1+j, j) such interleavings. Summing `C(A−1+j, j)·(p+1)(n−p+1)`:
    /// * A=3, B=3 (n=6): 1·16 + 3·15 + 6·12 = 133;
    /// * A=3, B=4 (n=7): 1·20 + 3·20 + 6·18 + 10·14 = 328;
    /// * A=4, B=3 (n=7): 1·20 + 4·18 + 10·14 = 232;
    /// * A=4, B=4 (n=8): 1·25 + 4·24 + 10·21 + 20·16 = 651.
    ///
    /// Chain lengths (3,3): 2·133 = 266 schedules (over 20 interleavings); (3,4) and (4,3):
    /// 328 + 232 = 560 each (over 35); (4,4): 2·651 = 1302 (over 70).
    ///
    /// Total: 266 + 560 + 560 + 1302 = **2688 schedules**. The outputs: `Waiting`, then the
    /// interleaving of two chains of three atomic blocks each (`Entering Foo i`+`Entering Bar
    /// i`, `Work in Bar i`, `Exiting Bar i`+`Exiting Foo i`), every interleaving reachable:
    /// C(6,3) = **20 distinct outputs**.
    #[test]
    fn dfs_counts() {
        OUTPUTS.lock().unwrap().clear();
        check(
            record_output,
            Config::new().strategy("dfs").iterations(1_000_000),
        );
        let outputs = std::mem::take(&mut *OUTPUTS.lock().unwrap());
        assert_eq!(outputs.len(), 2688, "schedules explored by DFS");
        let distinct: HashSet<_> = outputs.iter().collect();
        assert_eq!(distinct.len(), 20, "distinct outputs");
        assert!(outputs.iter().all(|o| o[0] == "Waiting"));
    }

    /// `dpor` on the same program: the log is shared outside the primitives, at the tasks'
    /// starts and after their joins, steps it keeps in order with each other; it still sees
    /// every output, in fewer schedules (it reorders only the joins that block, which run none
    /// of the program's code).
    #[test]
    fn dpor_sees_every_output() {
        static DPOR_OUTPUTS: Mutex<Vec<Vec<String>>> = Mutex::new(Vec::new());
        DPOR_OUTPUTS.lock().unwrap().clear();
        check(
            || async {
                let out = run().await;
                DPOR_OUTPUTS.lock().unwrap().push(out);
            },
            Config::new().strategy("dpor").iterations(1_000_000),
        );
        let outputs = std::mem::take(&mut *DPOR_OUTPUTS.lock().unwrap());
        let distinct: HashSet<_> = outputs.iter().collect();
        assert_eq!(distinct.len(), 20, "distinct outputs");
        assert_eq!(outputs.len(), 570, "schedules explored by dpor");
    }

    #[test]
    fn check_finds_the_wrong_order() {
        let err = std::panic::catch_unwind(|| {
            check(
                foo_bar,
                Config::new()
                    .iterations(1000)
                    .trace_dir(std::env::temp_dir().join("coyote-foo-bar")),
            )
        })
        .expect_err("the bug must be found");
        let msg = panic_text(&err);
        assert!(msg.starts_with("coyote found a bug"), "{msg}");
        assert!(
            msg.contains("'Exiting Foo 2' was printed before 'Exiting Foo 1'"),
            "{msg}"
        );
    }

    #[test]
    fn dfs_finds_the_wrong_order() {
        let err = std::panic::catch_unwind(|| {
            check(
                foo_bar,
                Config::new()
                    .strategy("dfs")
                    .iterations(1_000_000)
                    .trace_dir(std::env::temp_dir().join("coyote-foo-bar-dfs")),
            )
        })
        .expect_err("the bug must be found");
        assert!(panic_text(&err).contains("'Exiting Foo 2' was printed before"));
    }

    #[test]
    fn fixed_passes_every_strategy() {
        for s in ["random", "pct:3"] {
            check(foo_bar_fixed, Config::new().iterations(10_000).strategy(s));
        }
        // The whole space.
        check(
            foo_bar_fixed,
            Config::new().iterations(1_000_000).strategy("dfs"),
        );
    }

    /// Production mode: the same code on a real tokio runtime.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_on_tokio() {
        for _ in 0..20 {
            foo_bar_fixed().await;
        }
    }

    fn panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    }
}
