//! The loop users run: list, test, replay; outputs (JUnit, JSON), exit codes, bad input, and
//! the same seed and `-j` giving the same trace.

use crate::*;

#[test]
fn lists_tests() {
    let o = coyote(&["list", s(&lib("shared_entry"))]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "shared_entry\nshared_entry_fixed\n"
    );
}

#[test]
fn finds_the_shared_entry_bug_and_replays_it() {
    let out = out_dir("shared");
    let o = coyote_test(&lib("shared_entry"), "shared_entry", &out, &["--seed", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let trace_path = out.join("shared_entry-1.trace");
    let trace = Trace::read(&trace_path).unwrap();
    assert_eq!(trace.failure.kind, BugKind::Panic);
    assert!(trace.failure.message.contains("Value is '3' instead of 5."));
    assert_eq!(trace.library.as_ref().unwrap().sha256.len(), 64);
    let r = report(&out);
    assert_eq!(r.tests[0].bugs.len(), 1);
    assert_eq!(r.tests[0].bugs[0].trace, "shared_entry-1.trace");

    let o = coyote(&["replay", s(&trace_path)]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("Value is '3' instead of 5."), "{t}");
    assert!(t.contains("reproduced the recorded failure"), "{t}");
    assert!(
        t.contains("mutex.lock"),
        "the step log names operations: {t}"
    );
}

#[test]
fn a_lost_resize_is_a_liveness_bug_whose_trace_replays() {
    // A smaller fair bound keeps the trace short: the liveness threshold is half of it.
    let fair = ["--seed", "1", "--max-fair-steps", "4000"];
    let out = out_dir("pool");
    let o = coyote_test(&lib("pool_manager"), "pool_manager", &out, &fair);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let trace_path = out.join("pool_manager-1.trace");
    let trace = Trace::read(&trace_path).unwrap();
    assert_eq!(trace.failure.kind, BugKind::Liveness);
    assert!(
        trace.failure.message.contains(
            "monitor SteadyPool is hot and has not been cold for more than 2000 steps of a fair execution"
        ),
        "{}",
        trace.failure
    );
    let strategy = trace.origin.strategy_name().unwrap_or_default();
    assert!(strategy.contains("fair-pct"), "{strategy}");
    assert_eq!(trace.liveness_threshold, Some(2000));
    // The reconciler's polling loop is folded in the readable log: a few dozen lines for
    // thousands of steps, ending with the last step.
    assert!(trace.log.len() < 100, "{:#?}", trace.log);
    assert!(
        trace.log.iter().any(|l| l.contains("more rounds of the")),
        "{:#?}",
        trace.log
    );
    let last = format!("step {}  ", trace.steps);
    // (The last step may be followed by its outcome sub-line.)
    let last_step = trace.log.iter().rev().find(|l| l.starts_with("step"));
    assert!(last_step.unwrap().starts_with(&last), "{:#?}", trace.log);

    let o = coyote(&["replay", s(&trace_path)]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("reproduced the recorded failure"), "{t}");
    assert!(t.contains("monitor SteadyPool: hot"), "{t}");
    assert!(t.contains("more rounds of the") && t.contains(&last), "{t}");

    // At the default fair bound (a threshold of 50,000 steps) the trace stays small too.
    let out = out_dir("pool-default");
    let o = coyote_test(&lib("pool_manager"), "pool_manager", &out, &["--seed", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let size = std::fs::metadata(out.join("pool_manager-1.trace"))
        .unwrap()
        .len();
    assert!(size < 16 * 1024, "trace of {size} bytes");

    let out = out_dir("pool-fixed");
    let o = coyote_test(
        &lib("pool_manager"),
        "pool_manager_fixed",
        &out,
        &[&fair[..], &["-i", "2000"]].concat(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn a_state_machine_bug_is_found_and_its_replay_names_events_and_states() {
    let out = out_dir("2pc");
    let o = coyote_test(
        &lib("two_phase_commit"),
        "two_phase_commit",
        &out,
        &["--seed", "1"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let trace_path = out.join("two_phase_commit-1.trace");
    let trace = Trace::read(&trace_path).unwrap();
    assert_eq!(trace.failure.kind, BugKind::Assertion);
    assert!(
        trace
            .failure
            .message
            .contains("was told to commit after it was told to abort"),
        "{}",
        trace.failure
    );

    let o = coyote(&["replay", s(&trace_path)]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("reproduced the recorded failure"), "{t}");
    for line in [
        "Coordinator(3): goto Voting -> Aborted",
        "Coordinator(3) handles Vote(true) in Aborted",
        "Coordinator(3): goto Aborted -> Committed",
        "send Decide(true) to Participant(1)",
        "actor.timer",
    ] {
        assert!(t.contains(line), "{line:?} missing: {t}");
    }

    let out = out_dir("2pc-fixed");
    let o = coyote_test(
        &lib("two_phase_commit"),
        "two_phase_commit_fixed",
        &out,
        &["--seed", "1", "-i", "2000", "--coverage"],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    // Coverage shows every declared state entered, and that the fixed coordinator never takes
    // the buggy transition.
    assert!(t.contains("2 actor types, 4 of 4 states entered"), "{t}");
    assert!(!t.contains("never entered"), "{t}");
    let cov = coverage(&out);
    let coordinator = &cov.actors["Coordinator"];
    for taken in ["Idle -> Voting", "Voting -> Aborted", "Voting -> Committed"] {
        assert!(
            coordinator.transitions[taken] > 0,
            "{taken}: {coordinator:?}"
        );
    }
    assert!(!coordinator.transitions.contains_key("Aborted -> Committed"));
    assert!(
        coordinator.dropped.contains_key("Vote") || coordinator.dropped.contains_key("Timeout")
    );
    assert!(cov.actors["Participant"].handled["Prepare"] > 0);
}

#[test]
fn coverage_lists_the_declared_states_a_run_never_entered() {
    // One iteration commits or aborts, never both.
    let out = out_dir("2pc-one");
    let o = coyote_test(
        &lib("two_phase_commit"),
        "two_phase_commit_fixed",
        &out,
        &["--seed", "1", "-i", "1", "-j", "1", "--coverage"],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        t.contains("3 of 4 states entered; never entered: Coordinator::"),
        "{t}"
    );
    let cov = coverage(&out);
    let never: Vec<&str> = cov.actors["Coordinator"].never_entered().collect();
    assert!(never == ["Aborted"] || never == ["Committed"], "{never:?}");
    let summary = report(&out).tests[0].coverage.clone().unwrap();
    assert_eq!((summary.states_entered, summary.states), (3, 4));
    assert_eq!(
        summary.never_entered,
        [format!("Coordinator::{}", never[0])]
    );
}

/// The run's `coverage.json`.
fn coverage(out: &Path) -> coyote_core::coverage::Coverage {
    let text = std::fs::read_to_string(out.join("coverage.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["format"], coyote_core::coverage::COVERAGE_FORMAT);
    serde_json::from_value(value).unwrap()
}

#[test]
fn fixed_variants_pass_ten_thousand_iterations() {
    for (l, test) in [
        ("shared_entry", "shared_entry_fixed"),
        ("account_manager", "concurrent_create_fixed"),
        ("account_manager", "concurrent_update_fixed"),
        ("bounded_buffer", "bounded_buffer_fixed"),
    ] {
        let out = out_dir(test);
        let o = coyote_test(&lib(l), test, &out, &["-i", "10000", "--seed", "3"]);
        assert_eq!(o.status.code(), Some(0), "{test}: {}", text(&o));
        assert_eq!(report(&out).tests[0].iterations, 10_000, "{test}");
    }
}

#[test]
fn test_patterns_choose_tests_by_name() {
    let out = out_dir("patterns");
    let o = coyote_test(
        &lib("shared_entry"),
        "*_fixed",
        &out,
        &["-i", "50", "--seed", "1"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let names: Vec<String> = report(&out).tests.into_iter().map(|t| t.test).collect();
    assert_eq!(names, ["shared_entry_fixed"]);
}

#[test]
fn finds_every_planted_sample_bug() {
    for (l, test, kind) in [
        ("account_manager", "concurrent_create", BugKind::Assertion),
        ("account_manager", "concurrent_update", BugKind::Assertion),
        ("bounded_buffer", "bounded_buffer", BugKind::Deadlock),
    ] {
        let out = out_dir(test);
        let o = coyote_test(&lib(l), test, &out, &["--seed", "2"]);
        assert_eq!(o.status.code(), Some(1), "{test}: {}", text(&o));
        let trace = Trace::read(&out.join(format!("{test}-1.trace"))).unwrap();
        assert_eq!(trace.failure.kind, kind, "{test}: {:?}", trace.failure);
        let r = coyote(&["replay", s(&out.join(format!("{test}-1.trace")))]);
        assert_eq!(r.status.code(), Some(1), "{test} replays: {}", text(&r));
    }
}

#[test]
fn same_seed_same_trace() {
    let a = out_dir("seed-a");
    let b = out_dir("seed-b");
    for out in [&a, &b] {
        let o = coyote_test(
            &lib("shared_entry"),
            "shared_entry",
            out,
            &["--seed", "42", "-j", "1"],
        );
        assert_eq!(o.status.code(), Some(1));
    }
    let ta = Trace::read(&a.join("shared_entry-1.trace")).unwrap();
    let tb = Trace::read(&b.join("shared_entry-1.trace")).unwrap();
    assert_eq!(ta.decisions, tb.decisions);
    assert_eq!(ta.iteration, tb.iteration);
    assert_eq!(ta.log, tb.log);
}

#[test]
fn junit_and_json_outputs() {
    let out = out_dir("junit");
    let junit = out.join("junit.xml");
    let o = coyote(&[
        "test",
        s(&lib("shared_entry")),
        "--seed",
        "1",
        "-o",
        s(&out),
        "--junit",
        s(&junit),
        "--json",
        "--coverage",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let r: Report = serde_json::from_slice(&o.stdout).expect("--json prints the report");
    assert_eq!(r.tests.len(), 2);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testcase name=\"shared_entry\"") && xml.contains("<failure"),
        "{xml}"
    );
    assert!(out.join("coverage.json").exists());
    assert!(r.tests[1].coverage.as_ref().unwrap().points > 0);
}

/// With `--json`, stdout is the report and nothing else, however the run goes: the lines coyote
/// prints while it runs (a crash being captured, the bug found, `--timeout` reached) go to stderr.
#[test]
fn json_stdout_is_the_report_alone() {
    let faulty = lib("faulty");
    for (test, extra, said) in [
        (
            "aborts",
            "--seed=1",
            &["re-running it in a fresh worker", "bug found in aborts"][..],
        ),
        ("spins", "--timeout=1", &["--timeout reached"]),
    ] {
        let out = out_dir(&format!("json-{test}"));
        let o = coyote_test(&faulty, test, &out, &["--json", extra]);
        let r: Report = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{test}: stdout is not the report ({e}): {}", text(&o)));
        assert_eq!(r.tests[0].test, test);
        let err = String::from_utf8_lossy(&o.stderr);
        for said in said {
            assert!(err.contains(said), "{test}: {err}");
        }
    }
}

#[test]
fn replay_names_the_step_where_a_nondeterministic_test_diverges() {
    let out = out_dir("nondet");
    let o = coyote_test(
        &lib("faulty"),
        "nondeterministic",
        &out,
        &["-j", "1", "--seed", "1", "--check-determinism"],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("NOT stable"), "{t}");
    let rep = coyote(&["replay", s(&out.join("nondeterministic-1.trace"))]);
    let t = text(&rep);
    assert_eq!(rep.status.code(), Some(2), "{t}");
    assert!(t.contains("diverged from the trace: step"), "{t}");
}

/// With several workers the first bug reported is the earliest in iteration order, not the first
/// to arrive: every run with the same `--seed` and `-j` writes the same trace. In
/// `stringbuffer`, worker 1's second iteration (the oldest-first round robin) finds the bug and
/// worker 0 finds it later in its own rotation; which message reaches the parent first varies
/// from run to run.
#[test]
fn the_reported_bug_is_a_function_of_seed_and_workers() {
    let sct = lib("sctbench");
    // With `--explore` every worker runs on; the trace kept for a bug is still its earliest
    // occurrence.
    for extra in [&[][..], &["--explore", "-i", "40"][..]] {
        let mut seen = Vec::new();
        for run in 0..4 {
            let out = out_dir(&format!("first-{run}-{}", extra.len()));
            let mut args = vec!["-j", "2", "--seed", "2"];
            args.extend_from_slice(extra);
            let o = coyote_test(&sct, "stringbuffer", &out, &args);
            let t = text(&o);
            assert_eq!(o.status.code(), Some(1), "{t}");
            assert_settled(&out);
            let trace = std::fs::read_to_string(out.join("stringbuffer-1.trace")).unwrap();
            assert!(
                trace.contains("round-robin:oldest-first"),
                "{extra:?}: {trace}"
            );
            seen.push(trace);
        }
        assert!(
            seen.windows(2).all(|w| w[0] == w[1]),
            "traces differ between runs"
        );
    }
}
