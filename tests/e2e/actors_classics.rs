//! The actor samples a Coyote user knows: the failover coffee machine and the classic
//! benchmarks (failure detector, replicating storage, the process scheduler's lost wakeup).
//! Each planted bug is found by the CLI, its trace replays to the same failure, and each fixed
//! twin passes.

use crate::*;

/// Bounds for the liveness samples: the fair suffix runs past the unfair prefix
/// (`--max-steps`), and the liveness threshold (half of `--max-fair-steps`) is well beyond it.
const LIVE: [&str; 4] = ["--max-steps", "1000", "--max-fair-steps", "6000"];

/// Runs `test`, expects a bug of `kind` whose message has `needle`, replays it to the same
/// failure; returns the trace, its size in bytes, and the replay's output.
fn found_and_replayed(
    lib_name: &str,
    test: &str,
    extra: &[&str],
    kind: BugKind,
    needle: &str,
) -> (Trace, u64, String) {
    let out = out_dir(test);
    let o = coyote_test(&lib(lib_name), test, &out, extra);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let path = out.join(format!("{test}-1.trace"));
    let trace = Trace::read(&path).unwrap();
    assert_eq!(trace.failure.kind, kind, "{}", trace.failure);
    assert!(trace.failure.message.contains(needle), "{}", trace.failure);
    let size = std::fs::metadata(&path).unwrap().len();
    let o = coyote(&["replay", s(&path)]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("reproduced the recorded failure"), "{t}");
    assert!(t.contains(needle), "{t}");
    (trace, size, t)
}

/// Runs `test` for `iterations` and expects no bug.
fn passes(lib_name: &str, test: &str, iterations: &str, extra: &[&str]) {
    let out = out_dir(test);
    let args = [&["--seed", "1", "-i", iterations], extra].concat();
    let o = coyote_test(&lib(lib_name), test, &out, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn the_coffee_machine_bug_is_found_only_across_the_failover() {
    let (_, _, log) = found_and_replayed(
        "coffee_machine",
        "coffee_machine_failover",
        &["--seed", "1"],
        BugKind::Assertion,
        "the grinder was started onto a porta filter already 100% full",
    );
    // The replay shows the failover: the first controller halts, a second one starts on the
    // same sensors and goes back through `Init`. The porta filter is full before the grinder
    // starts again: reported to the first controller, or dropped once it halted (the grinder
    // went on filling across the failover).
    for line in [
        "handles Terminate(reply)",
        "halts",
        "PortaFilter(100)",
        "send Grinder(true) to Sensors",
    ] {
        assert!(log.contains(line), "{line:?} missing: {log}");
    }
    assert!(log.matches("enters Init").count() >= 2, "{log}");
    // The same controller without a failover, and the fixed one across it, pass.
    passes("coffee_machine", "coffee_machine_no_failover", "2000", &[]);
    passes(
        "coffee_machine",
        "coffee_machine_failover_fixed",
        "2000",
        &[],
    );
}

#[test]
fn a_stale_timeout_makes_the_failure_detector_overlap_its_rounds() {
    found_and_replayed(
        "actor_classics",
        "failure_detector_stale_timeout",
        &["--seed", "1"],
        BugKind::Assertion,
        "started while round",
    );
    passes("actor_classics", "failure_detector_fixed", "2000", &LIVE);
}

#[test]
fn a_crashed_node_no_longer_pinged_is_never_declared() {
    let args = [&["--seed", "1"][..], &LIVE].concat();
    found_and_replayed(
        "actor_classics",
        "failure_detector_lost_suspect",
        &args,
        BugKind::Liveness,
        "monitor FailureDetection is hot",
    );
}

#[test]
fn a_replaced_storage_node_is_never_repaired_and_the_correct_model_passes() {
    let args = [&["--seed", "1"][..], &LIVE].concat();
    found_and_replayed(
        "actor_classics",
        "replicating_storage",
        &args,
        BugKind::Liveness,
        "monitor Replicated is hot",
    );
    // The false positive of periodic timers that fire faster than their period: the correct
    // model passes, with the default bounds too.
    passes("actor_classics", "replicating_storage_fixed", "2000", &LIVE);
    passes("actor_classics", "replicating_storage_fixed", "100", &[]);
}

#[test]
fn the_lost_wakeup_is_a_liveness_bug_and_the_conditional_sleep_fixes_it() {
    let args = [&["--seed", "1"][..], &LIVE].concat();
    let (trace, size, log) = found_and_replayed(
        "actor_classics",
        "process_scheduler",
        &args,
        BugKind::Liveness,
        "monitor Wakeups is hot",
    );
    // The clock interrupt's ticks fold: the trace and its replay stay short.
    assert!(size < 100 * 1024, "trace of {size} bytes");
    assert!(log.lines().count() < 200, "{} lines", log.lines().count());
    assert!(trace.steps > 3000, "{}", trace.steps);
    passes("actor_classics", "process_scheduler_fixed", "2000", &LIVE);
}

#[test]
fn raft_with_a_double_vote_elects_two_leaders_in_one_term_and_one_vote_per_term_fixes_it() {
    // The portfolio (the default strategy) finds it within 10,000 iterations.
    let (trace, _, log) = found_and_replayed(
        "actor_classics",
        "raft_double_vote",
        &["--seed", "1", "-i", "10000"],
        BugKind::Assertion,
        "two leaders in term",
    );
    assert!(
        trace.failure.message.contains("Server("),
        "{}",
        trace.failure
    );
    assert!(log.contains("handles Vote {"), "{log}");
    passes("actor_classics", "raft_fixed", "5000", &[]);
}
