//! `dpor` against `dfs` on every SCTBench port: each bug `dfs` finds within its budget, `dpor`
//! finds too, in fewer schedules over the whole suite; each fixed variant `dfs` exhausts,
//! `dpor` exhausts in fewer schedules and passes.

use coyote_harness::{check, Config};
use sctbench::{TestFuture, PROGRAMS};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};

static RUNS: AtomicU64 = AtomicU64::new(0);

enum Verdict {
    /// The bug, found in this iteration (counted from 0).
    Bug(u64),
    /// No bug, after this many schedules (fewer than the budget: the space was exhausted).
    Exhausted(u64),
    /// No bug within the budget.
    OutOfBudget,
}

fn run(program: fn() -> TestFuture, strategy: &str, budget: u64) -> Verdict {
    RUNS.store(0, Ordering::SeqCst);
    let config = Config::new()
        .iterations(budget)
        .strategy(strategy)
        .max_steps(2_000)
        .trace_dir(std::env::temp_dir().join("coyote-sctbench-dpor"));
    let counted = || {
        RUNS.fetch_add(1, Ordering::SeqCst);
        program()
    };
    match catch_unwind(AssertUnwindSafe(|| check(counted, config))) {
        Ok(()) => match RUNS.load(Ordering::SeqCst) {
            n if n < budget => Verdict::Exhausted(n),
            _ => Verdict::OutOfBudget,
        },
        Err(e) => {
            let msg = e.downcast_ref::<String>().cloned().unwrap_or_default();
            let n = msg
                .strip_prefix("coyote found a bug in iteration ")
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{strategy}: unexpected failure: {msg}"));
            Verdict::Bug(n)
        }
    }
}

/// Compares the two on the programs named in `only` (every program if empty), each strategy
/// with `budget` iterations per program.
fn compare(only: &[&str], budget: u64) {
    let (mut dfs_total, mut dpor_total) = (0, 0);
    let chosen = PROGRAMS
        .iter()
        .filter(|p| p.hard.is_none() && (only.is_empty() || only.contains(&p.name)));
    for p in chosen {
        let dfs = run(p.buggy, "dfs", budget);
        let dpor = run(p.buggy, "dpor", budget);
        match (&dfs, &dpor) {
            (Verdict::Bug(a), Verdict::Bug(b)) => {
                eprintln!("{:<20} bug: dfs {a:>6}  dpor {b:>6}", p.name);
                dfs_total += a + 1;
                dpor_total += b + 1;
            }
            (Verdict::Bug(a), _) => panic!("{}: dfs found the bug in {a}, dpor did not", p.name),
            (_, Verdict::Bug(b)) => {
                eprintln!("{:<20} bug: dfs not within {budget}, dpor {b}", p.name)
            }
            _ => eprintln!("{:<20} bug: neither within {budget}", p.name),
        }
        if let Some(fixed) = p.fixed {
            let dfs = run(fixed, "dfs", budget);
            let dpor = run(fixed, "dpor", budget);
            match (&dfs, &dpor) {
                (Verdict::Exhausted(a), Verdict::Exhausted(b)) => {
                    eprintln!("{:<20} fixed: dfs {a:>6}  dpor {b:>6} schedules", p.name);
                    assert!(b <= a, "{}: dpor {b} > dfs {a}", p.name);
                }
                (Verdict::Bug(_), _) | (_, Verdict::Bug(_)) => {
                    panic!("{}: a fixed variant failed", p.name)
                }
                (Verdict::Exhausted(a), Verdict::OutOfBudget) => {
                    panic!("{}: dfs exhausted in {a}, dpor did not", p.name)
                }
                (_, Verdict::Exhausted(b)) => {
                    eprintln!("{:<20} fixed: dfs not within {budget}, dpor {b}", p.name)
                }
                _ => eprintln!("{:<20} fixed: neither exhausted within {budget}", p.name),
            }
        }
    }
    eprintln!("schedules to the bugs: dfs {dfs_total}, dpor {dpor_total}");
    assert!(dpor_total < dfs_total, "dpor {dpor_total}, dfs {dfs_total}");
}

/// The programs whose bug `dfs` finds, and whose fixed variant it exhausts, in a few thousand
/// schedules.
#[test]
fn dpor_finds_the_bugs_dfs_finds_in_fewer_schedules() {
    let quick = [
        "account",
        "bluetooth_driver",
        "circular_buffer",
        "deadlock01",
        "lazy01",
        "queue",
        "stack",
        "twostage",
        "stringbuffer",
    ];
    compare(&quick, 3_000);
}

#[test]
#[ignore = "thorough: every program, 20,000 iterations of dfs and dpor each (run with --release --ignored)"]
fn dpor_finds_every_bug_dfs_finds_and_exhausts_the_fixed_variants_sooner() {
    compare(&[], 20_000);
}
