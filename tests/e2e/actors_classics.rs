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
    assert_short(size, &log);
    assert!(trace.steps > 3000, "{}", trace.steps);
    // Liveness is checked for every strategy, not only the fair ones: `pos`, unfair, finds it
    // in its fair suffix.
    let args = [&["--seed", "1", "--strategy", "pos"][..], &LIVE].concat();
    let (trace, size, log) = found_and_replayed(
        "actor_classics",
        "process_scheduler",
        &args,
        BugKind::Liveness,
        "where the fair suffix began",
    );
    assert_short(size, &log);
    assert!(trace.steps > 3000, "{}", trace.steps);
    passes("actor_classics", "process_scheduler_fixed", "2000", &LIVE);
}

/// A liveness trace under 100 KB and its replay under 200 lines.
fn assert_short(size: u64, log: &str) {
    assert!(size < 100 * 1024, "trace of {size} bytes");
    assert!(
        log.lines().count() < 200,
        "{} lines: {log}",
        log.lines().count()
    );
}

#[test]
fn timer_driven_liveness_traces_stay_short_with_the_default_bounds() {
    // 60,001 steps each, most of them the fair suffix going round with changing numbers: the
    // log cuts it to a line; the trace stores an unfair strategy's fair suffix by its seed
    // (seed 1: `pos` finds it), and a fair strategy's long decisions deflated (seed 3:
    // `fair-pct`).
    for seed in ["1", "3"] {
        let (trace, size, log) = found_and_replayed(
            "actor_classics",
            "replicating_storage",
            &["--seed", seed],
            BugKind::Liveness,
            "monitor Replicated is hot",
        );
        assert_short(size, &log);
        assert!(trace.steps > 50_000, "{}", trace.steps);
        assert!(log.contains("each of a kind shown above"), "{log}");
        assert!(log.contains("monitor Replicated: hot"), "{log}");
        // (`out_dir` would empty the folder `found_and_replayed` wrote.)
        let path = scratch()
            .join("replicating_storage")
            .join("replicating_storage-1.trace");
        let file = std::fs::read_to_string(path).unwrap_or_default();
        match seed {
            "1" => assert!(
                trace.fair_suffix.is_some(),
                "the suffix is stored by its seed"
            ),
            _ => assert!(file.contains("decisions_deflated"), "{file:.400}"),
        }
    }
    let (trace, size, log) = found_and_replayed(
        "actor_classics",
        "failure_detector_lost_suspect",
        &["--seed", "1"],
        BugKind::Liveness,
        "monitor FailureDetection is hot",
    );
    assert_short(size, &log);
    assert!(trace.steps > 50_000, "{}", trace.steps);
    assert!(log.contains("Detector(4) handles Timeout"), "{log}");
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

/// One small pair per rule of the actor model a user can get wrong (samples/actor-classics,
/// `machines` and `services`): the bug is found and replays, its fixed twin passes.
const SEMANTICS: [(&str, BugKind, &str, &str); 7] = [
    (
        "pump_stuck_in_init",
        BugKind::Assertion,
        "PumpMachine(1) received event Start that cannot be handled in state Init",
        "pump_fixed",
    ),
    (
        "printer_drops_status",
        BugKind::Assertion,
        "the printer dropped a status request without answering it",
        "printer_fixed",
    ),
    (
        "door_sends_to_itself",
        BugKind::Assertion,
        "the door opened while it was locked",
        "door_fixed",
    ),
    (
        "fan_loses_speed",
        BugKind::Assertion,
        "the fan was set to 3 and runs at 0",
        "fan_fixed",
    ),
    (
        "batcher_lone_write",
        BugKind::Liveness,
        "monitor Written is hot at the end of the execution (hot since step 1",
        "batcher_fixed",
    ),
    (
        "journal_halted_early",
        BugKind::Liveness,
        "monitor Journaled is hot at the end of the execution",
        "journal_fixed",
    ),
    (
        "lookup_answers_last_client",
        BugKind::Assertion,
        "was sent the answer to Client(",
        "lookup_fixed",
    ),
];

#[test]
fn each_actor_model_rule_has_a_sample_bug_found_and_a_fixed_twin_that_passes() {
    for (bug, kind, needle, fixed) in SEMANTICS {
        let (_, _, log) = found_and_replayed("actor_classics", bug, &["--seed", "1"], kind, needle);
        match bug {
            // The door's entry sends to itself; a Lock is handled before its OpenDoor.
            "door_sends_to_itself" => {
                assert!(log.contains("send OpenDoor to DoorMachine(1)"), "{log}")
            }
            // The default event took the fan to standby before the speed came.
            "fan_loses_speed" => assert!(log.contains("goto Running -> Standby"), "{log}"),
            // Halted by the halt event before the writer's entries came in.
            "journal_halted_early" => assert!(log.contains("halts"), "{log}"),
            _ => {}
        }
        passes("actor_classics", fixed, "2000", &[]);
    }
}

#[test]
fn pushed_states_pop_then_goto_and_monitor_states_show_in_coverage() {
    let out = out_dir("semantics-coverage");
    let o = coyote_test(
        &lib("actor_classics"),
        "printer_fixed",
        &out,
        &["--seed", "1", "-i", "200", "--coverage"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let cov: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("coverage.json")).unwrap()).unwrap();
    let printer = &cov["actors"]["PrinterMachine"];
    // `Status` reached `Ready`'s handler while `Printing` was pushed; the jam popped `Printing`
    // and went to `Jammed` in one transition.
    assert!(printer["handled"]["Status"].as_u64() > Some(0), "{printer}");
    for t in ["Ready -> Printing", "Printing -> Ready", "Ready -> Jammed"] {
        assert!(
            printer["transitions"][t].as_u64() > Some(0),
            "{t}: {printer}"
        );
    }
    let out = out_dir("semantics-monitor-coverage");
    let o = coyote_test(
        &lib("actor_classics"),
        "batcher_fixed",
        &out,
        &["--seed", "1", "-i", "200", "--coverage"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let cov: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("coverage.json")).unwrap()).unwrap();
    let written = &cov["actors"]["Written"];
    assert_eq!(written["monitor"], true, "{written}");
    assert!(
        written["transitions"]["Owed -> Written"].as_u64() > Some(0),
        "{written}"
    );
}
