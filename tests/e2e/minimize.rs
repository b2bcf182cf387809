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

/// Finds `test`'s bug in `lib`, minimises its trace, and checks the result.
fn minimized(lib_name: &str, test: &str, seed: &str) -> (usize, usize) {
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
    (before, after)
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
