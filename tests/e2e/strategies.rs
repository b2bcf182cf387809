//! Strategies through the CLI: `dfs` and `dpor` exhaust the space and say so, the portfolio's probes,
//! `idb`, `pos`, and the portfolio on every SCTBench program.

use crate::*;

#[test]
fn dfs_explores_the_whole_space_and_says_so() {
    let out = out_dir("dfs");
    let (o, t) = dfs(&lib("shared_entry"), "shared_entry_fixed", &out);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("explored the whole space"), "{t}");
    let r = report(&out);
    assert!(r.tests[0].exhausted);
    assert_eq!(r.tests[0].schedules_explored, Some(r.tests[0].iterations));
}

/// Seed 004's Foo/Bar program: `dfs` through the CLI explores exactly the hand-derived space
/// (the derivation is in samples/foo-bar/src/lib.rs, `dfs_counts`), and finds the planted bug.
#[test]
fn foo_bar_dfs_explores_the_derived_space() {
    let out = out_dir("foobar");
    let (o, t) = dfs(&lib("foo_bar"), "foo_bar_fixed", &out);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        t.contains("explored the whole space: 2688 schedules"),
        "{t}"
    );
    let (o, t) = dfs(&lib("foo_bar"), "foo_bar", &out);
    assert_eq!(o.status.code(), Some(1), "{t}");
}

/// `--strategy dpor` through the real binary: SCTBench's deadlock01_fixed (locks) is exhausted
/// in far fewer schedules than dfs's 290 and the summary says so; the planted deadlock is
/// found and replays. Foo/Bar shares its log through a `std::sync::Mutex`, which declares
/// nothing, so its steps stay opaque; only its blocked joins commute, and dpor explores 570 of
/// dfs's 2688 schedules (the harness's foo-bar test checks it still sees every output).
#[test]
fn dpor_exhausts_in_fewer_schedules_and_finds_the_bug() {
    let out = out_dir("dpor");
    let run = |lib: &Path, test: &str| {
        let o = coyote_test(lib, test, &out, &["--strategy", "dpor", "-i", "1000000"]);
        let t = text(&o);
        (o, t)
    };
    let sct = lib("sctbench");
    let (o, t) = run(&sct, "deadlock01_fixed");
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        t.contains("explored every schedule up to the order of independent steps: "),
        "{t}"
    );
    let r = report(&out);
    assert!(r.tests[0].exhausted);
    let n = r.tests[0].schedules_explored.unwrap();
    assert!(n < 290 / 2, "{n} schedules: {t}");
    let (o, t) = run(&sct, "deadlock01");
    assert_eq!(o.status.code(), Some(1), "{t}");
    let r = coyote(&["replay", s(&out.join("deadlock01-1.trace"))]);
    assert_eq!(r.status.code(), Some(1), "{}", text(&r));
    assert!(text(&r).contains("reproduced the recorded failure"));
    let (o, t) = run(&lib("foo_bar"), "foo_bar_fixed");
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains(": 570 schedules"), "{t}");
    let (o, t) = run(&lib("foo_bar"), "foo_bar");
    assert_eq!(o.status.code(), Some(1), "{t}");
}

/// Worker 0's first two iterations are the newest-first sweep and round robin: they find these
/// small bugs in iteration 0 or 1, whatever the seed; the trace names the probe, and the bug
/// replays.
#[test]
fn probes_find_small_bugs_in_the_first_iterations() {
    let sct = lib("sctbench");
    for (test, found) in [
        ("lazy01", "iteration 0 (portfolio/sweep:newest-first"),
        ("stack", "iteration 0 (portfolio/sweep:newest-first"),
        ("wronglock", "iteration 0 (portfolio/sweep:newest-first"),
        (
            "wronglock_3",
            "iteration 1 (portfolio/round-robin:newest-first",
        ),
    ] {
        for seed in ["1", "2"] {
            let out = out_dir(&format!("probe-{test}-{seed}"));
            let o = coyote_test(&sct, test, &out, &["-j", "1", "--seed", seed]);
            let t = text(&o);
            assert_eq!(o.status.code(), Some(1), "{t}");
            assert!(t.contains(found), "{test}, seed {seed}: {t}");
            let r = coyote(&["replay", s(&out.join(format!("{test}-1.trace")))]);
            assert_eq!(r.status.code(), Some(1), "{}", text(&r));
            assert!(text(&r).contains("reproduced the recorded failure"));
        }
    }
}

/// `--strategy idb:2`: the first placement that holds the adder back after its flag check (one
/// delay at decision 1) finds `bluetooth_driver` in iteration 2, whatever the seed, and the bug
/// replays; on the fixed variant it runs every schedule within two delays, then stops and says so.
#[test]
fn idb_finds_a_one_delay_bug_at_once_and_bounds_the_fixed_variant() {
    let sct = lib("sctbench");
    for seed in ["1", "2"] {
        let out = out_dir(&format!("idb-{seed}"));
        let o = coyote_test(
            &sct,
            "bluetooth_driver",
            &out,
            &["--strategy", "idb:2", "-j", "2", "--seed", seed],
        );
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{t}");
        assert!(t.contains("running it on one worker"), "{t}");
        assert!(t.contains("iteration 2 (idb:2"), "{t}");
        let r = coyote(&["replay", s(&out.join("bluetooth_driver-1.trace"))]);
        assert!(
            text(&r).contains("reproduced the recorded failure"),
            "{}",
            text(&r)
        );
    }
    let out = out_dir("idb-fixed");
    let o = coyote_test(
        &sct,
        "bluetooth_driver_fixed",
        &out,
        &["--strategy", "idb:2", "-i", "100000"],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        t.contains("explored every schedule within 2 delays of round robin"),
        "{t}"
    );
    let r = report(&out);
    assert!(r.tests[0].exhausted);
    let n = r.tests[0].schedules_explored.unwrap();
    assert!(
        n > 10 && n <= r.tests[0].iterations && r.tests[0].iterations < 1000,
        "{t}"
    );
}

/// `--strategy pos` through the CLI: the trace records `pos`, replays to the same failure, and
/// its step log shows the declared reads and writes.
#[test]
fn pos_finds_a_race_behind_private_work_and_its_trace_replays() {
    // reorder_10: nine setters and a checker whose loads must fall between one setter's two
    // stores; the ports declare those accesses (`yield_read`/`yield_write`).
    let out = out_dir("pos");
    let o = coyote_test(
        &lib("sctbench"),
        "reorder_10",
        &out,
        &["--strategy", "pos", "-i", "2000", "--seed", "3", "-j", "1"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let trace_path = out.join("reorder_10-1.trace");
    let trace = Trace::read(&trace_path).unwrap();
    assert_eq!(trace.origin.strategy_name(), Some("pos"));
    assert!(
        trace.failure.message.contains("half-done set"),
        "{:?}",
        trace.failure
    );
    let o = coyote(&["replay", s(&trace_path)]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("reproduced the recorded failure"), "{t}");
    assert!(
        t.contains("  write ") && t.contains("  read "),
        "the step log names declared accesses: {t}"
    );
}

/// Issue 3's target: the default portfolio finds every SCTBench bug within 10,000 iterations,
/// `fib_bench` among them (by the write hand-over probe), except `safestack` (beyond every
/// strategy at this budget: samples/sctbench/README.md), and the fixed variants pass.
#[test]
fn portfolio_finds_every_sctbench_bug() {
    let sct = lib("sctbench");
    for test in [
        "account",
        "bluetooth_driver",
        "carter01",
        "circular_buffer",
        "deadlock01",
        "fib_bench",
        "lazy01",
        "queue",
        "reorder_3",
        "reorder_10",
        "reorder_20",
        "stack",
        "stringbuffer",
        "token_ring",
        "twostage",
        "twostage_100",
        "wronglock",
        "wronglock_3",
        "work_steal_queue",
    ] {
        let out = out_dir(&format!("sct-{test}"));
        let o = coyote_test(&sct, test, &out, &["-i", "10000", "--seed", "1"]);
        assert_eq!(o.status.code(), Some(1), "{test}: {}", text(&o));
    }
    for test in [
        "deadlock01_fixed",
        "fib_bench_fixed",
        "reorder_10_fixed",
        "twostage_fixed",
        "wronglock_fixed",
        "work_steal_queue_fixed",
    ] {
        let out = out_dir(&format!("sct-{test}"));
        let o = coyote_test(&sct, test, &out, &["-i", "2000", "--seed", "1"]);
        assert_eq!(o.status.code(), Some(0), "{test}: {}", text(&o));
    }
}
