//! `coyote minimize`: on the samples and the SCTBench bugs, a trace with at least half its
//! preemptions removed wherever any can be (here: wherever it had more than one), that replays
//! strictly to the same bug; crash traces are refused; `test --minimize` writes `.min.trace`.

use super::*;

/// `N preemption(s)` after `label` (`before:` or `after:`) in minimize's summary line.
fn preemptions(out: &str, label: &str) -> usize {
    let rest = out.split(label).nth(1).expect(label);
    let words: Vec<&str> = rest
        .split([' ', ',', ';'])
        .filter(|w| !w.is_empty())
        .collect();
    let at = words
        .iter()
        .position(|w| w.starts_with("preemption"))
        .expect("a preemption count");
    words[at - 1].parse().unwrap()
}

/// `N of M tasks ran` after `label` in minimize's summary line: N.
fn tasks_ran(out: &str, label: &str) -> usize {
    let rest = out.split(label).nth(1).expect(label);
    let at = rest
        .find(" tasks ran")
        .or_else(|| rest.find(" task ran"))
        .expect("tasks ran");
    let words: Vec<&str> = rest[..at].split_whitespace().collect();
    words[words.len() - 3].parse().unwrap()
}

/// Finds `test`'s bug in `lib`, minimises its trace, and checks the result: the same bug key,
/// replayed strictly, no more preemptions or tasks involved than before; returns the
/// preemptions before and after.
fn minimized(lib_name: &str, test: &str, seed: &str) -> (usize, usize) {
    minimized_sizes(lib_name, test, seed).0
}

/// [`minimized`], with the tasks that ran before and after.
fn minimized_sizes(lib_name: &str, test: &str, seed: &str) -> ((usize, usize), (usize, usize)) {
    let out = out_dir(&format!("min-{test}"));
    let o = coyote_test(
        &lib(lib_name),
        test,
        &out,
        &["--seed", seed, "-j", "2", "-i", "5000"],
    );
    assert_eq!(o.status.code(), Some(1), "{test}: {}", text(&o));
    let trace = out.join(format!("{test}-1.trace"));
    let small = out.join("small.trace");
    let m = coyote(&["minimize", s(&trace), "-o", s(&small), "-j", "2"]);
    let t = text(&m);
    assert_eq!(m.status.code(), Some(0), "{test}: {t}");
    let (before, after) = (preemptions(&t, "before:"), preemptions(&t, "after:"));
    let tasks = (tasks_ran(&t, "before:"), tasks_ran(&t, "after:"));
    assert!(after <= before, "{test}: {t}");
    assert!(tasks.1 <= tasks.0, "{test}: {t}");
    // Never a trace that fails differently: the same bug key, reproduced by a strict replay.
    let (a, b) = (Trace::read(&trace).unwrap(), Trace::read(&small).unwrap());
    assert_eq!(a.failure.dedup_key(), b.failure.dedup_key(), "{test}");
    assert!(b.steps <= a.steps + a.steps / 2 + 10, "{test}: {t}");
    let r = coyote(&["replay", s(&small)]);
    assert_eq!(r.status.code(), Some(1), "{test}: {}", text(&r));
    assert!(
        text(&r).contains("reproduced the recorded failure at step"),
        "{test}"
    );
    ((before, after), tasks)
}

/// A failure that needs fewer tasks than the found trace ran is minimised to a schedule in
/// which the others never run (the pool manager's lost resize: seed 1 finds it with all four
/// tasks running, and one of them is not needed).
#[test]
fn minimize_leaves_out_tasks_the_failure_does_not_need() {
    let (_, (before, after)) = minimized_sizes("pool_manager", "pool_manager", "1");
    assert!(after < before, "{before} -> {after} tasks ran");
}

#[test]
fn sctbench_bugs_lose_at_least_half_their_preemptions() {
    for test in [
        "reorder_3",
        "reorder_10",
        "twostage",
        "wronglock",
        "stringbuffer",
        "deadlock01",
        "circular_buffer",
        "queue",
        "work_steal_queue",
    ] {
        let (before, after) = minimized("sctbench", test, "1");
        assert!(after <= before, "{test}: {before} -> {after}");
        if before > 1 {
            assert!(
                after * 2 <= before,
                "{test}: {before} -> {after} preemptions"
            );
        }
    }
}

#[test]
fn sample_bugs_lose_at_least_half_their_preemptions() {
    for (lib_name, test) in [
        ("shared_entry", "shared_entry"),
        ("account_manager", "concurrent_update"),
        ("bounded_buffer", "bounded_buffer"),
        ("two_phase_commit", "two_phase_commit"),
        ("foo_bar", "foo_bar"),
    ] {
        let (before, after) = minimized(lib_name, test, "1");
        if before > 1 {
            assert!(
                after * 2 <= before,
                "{test}: {before} -> {after} preemptions"
            );
        }
    }
}

#[test]
fn test_minimize_writes_min_traces_and_crash_traces_are_refused() {
    let out = out_dir("min-flag");
    let o = coyote_test(
        &lib("sctbench"),
        "reorder_10",
        &out,
        &["--seed", "1", "-j", "2", "--minimize"],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("minimized "), "{t}");
    let min = out.join("reorder_10-1.min.trace");
    let r = coyote(&["replay", s(&min)]);
    assert_eq!(r.status.code(), Some(1), "{}", text(&r));
    // A crash trace: refused, one line, exit 2.
    let crash = out_dir("min-crash");
    let o = coyote_test(
        &lib("faulty"),
        "aborts",
        &crash,
        &["--seed", "1", "-j", "1", "-i", "100"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_bad_input(
        &coyote(&["minimize", s(&crash.join("aborts-1.trace"))]),
        "is a crash trace",
    );
}
