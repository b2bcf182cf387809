//! Issue 4: whatever the test does (abort, segfault, hang, the real clock), the run finishes and
//! the bug keeps a replayable trace; `--explore` goes on after crashes; Ctrl-C keeps what was
//! found.

use crate::*;

/// Issue 4: whatever the test does, the run finishes, the bug is reported with its kind, and
/// the trace is kept (and replays where it can).
#[test]
fn survives_crashes_and_hangs() {
    let faulty = lib("faulty");
    for (test, kind, needle) in [
        ("aborts", BugKind::Crash, "SIGABRT"),
        ("segfault", BugKind::Crash, "SIGSEGV"),
        ("stack_overflow", BugKind::Crash, "overflowed its stack"),
        ("double_panic", BugKind::Crash, "SIGABRT"),
        ("spins", BugKind::Hang, "iteration-timeout"),
        ("real_clock", BugKind::Uncontrolled, "read the real clock"),
        (
            "real_sleep",
            BugKind::Uncontrolled,
            "slept on the real clock",
        ),
        ("std_mutex_deadlock", BugKind::Hang, "iteration-timeout"),
        ("uncontrolled_thread", BugKind::Uncontrolled, "OS thread"),
        (
            "uses_tokio_directly",
            BugKind::Uncontrolled,
            "the test called the real tokio crate",
        ),
    ] {
        let out = out_dir(test);
        let started = std::time::Instant::now();
        let o = coyote_test(
            &faulty,
            test,
            &out,
            &["-i", "50", "--seed", "1", "--iteration-timeout", "1"],
        );
        assert_eq!(o.status.code(), Some(1), "{test}: {}", text(&o));
        assert!(started.elapsed().as_secs() < 30, "{test} took too long");
        let r = report(&out);
        let bug = &r.tests[0].bugs[0];
        assert_eq!(bug.kind, kind, "{test}: {bug:?}");
        assert!(bug.message.contains(needle), "{test}: {}", bug.message);
        let trace = Trace::read(&out.join(&bug.trace)).expect("a trace is kept");
        if test == "aborts" {
            // The abort happens after a declared choice: the captured trace holds it.
            assert!(
                trace.decisions.contains("b1"),
                "{test}: {}",
                trace.decisions
            );
        }
        if test.starts_with("real_") || test == "uncontrolled_thread" {
            // The call site is the user's line (relative to the working directory when under it).
            let loc = bug.location.as_deref().unwrap_or_default();
            assert!(loc.contains("samples/faulty/src/lib.rs:"), "{test}: {loc}");
            let rep = coyote(&["replay", s(&out.join(&bug.trace))]);
            let t = text(&rep);
            assert_eq!(rep.status.code(), Some(1), "{test} replay: {t}");
            assert!(t.contains("reproduced the recorded failure"), "{test}: {t}");
            assert!(t.contains(loc), "{test}: {t}");
        }
        if kind == BugKind::Crash {
            let rep = coyote(&["replay", s(&out.join(&bug.trace))]);
            let t = text(&rep);
            assert_eq!(rep.status.code(), Some(1), "{test} replay: {t}");
            assert!(t.contains("reproduced the recorded crash"), "{test}: {t}");
        }
    }
}

/// Issue 4: reading the clock for logs can be allowed; sleeping on it is still reported.
#[test]
fn allow_real_clock_lets_reads_through() {
    let faulty = lib("faulty");
    let out = out_dir("allow-clock");
    let run = |test: &str| coyote_test(&faulty, test, &out, &["-i", "100", "--allow-real-clock"]);
    let o = run("real_clock");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run("real_sleep");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r = report(&out);
    assert_eq!(r.tests[0].bugs[0].kind, BugKind::Uncontrolled);
}

/// Without `--explore`, a crash or hang takes part in the choice of the first bug like a panic:
/// when one worker crashes and another panics, the run reports only the bugs at the earliest
/// iteration (in worker order), the same on every run with the same `--seed` and `-j`. With
/// seed 7 one worker panics in iteration 2 and the other crashes in iteration 4; with seed 12 one
/// crashes in iteration 2 and the other panics in 4; with seed 13 both fail in iteration 2.
/// (Before crashes took part, these runs reported both bugs.)
#[test]
fn a_crash_competes_with_other_bugs_for_the_first_bug() {
    let faulty = lib("faulty");
    let mut kinds = Vec::new();
    for seed in ["7", "12", "13", "16"] {
        let mut seen = Vec::new();
        for run in 0..3 {
            let out = out_dir(&format!("crash-first-{seed}-{run}"));
            let o = coyote_test(
                &faulty,
                "aborts_or_panics",
                &out,
                &["-j", "2", "--seed", seed],
            );
            let t = text(&o);
            assert_eq!(o.status.code(), Some(1), "{t}");
            let bugs = &report(&out).tests[0].bugs;
            let at = bugs[0].iteration;
            let earliest = bugs.iter().all(|b| b.iteration == at);
            assert!(earliest, "seed {seed}: only the earliest bugs: {bugs:?}");
            kinds.push(bugs[0].kind);
            let trace = std::fs::read_to_string(out.join("aborts_or_panics-1.trace")).unwrap();
            seen.push((bugs.len(), at, trace));
        }
        assert!(
            seen.windows(2).all(|w| w[0] == w[1]),
            "seed {seed}: runs differ"
        );
    }
    assert!(kinds.contains(&BugKind::Crash), "{kinds:?}");
    assert!(kinds.contains(&BugKind::Panic), "{kinds:?}");
}

#[test]
fn explore_keeps_going_after_a_crash() {
    let out = out_dir("explore-crash");
    let o = coyote_test(
        &lib("faulty"),
        "aborts",
        &out,
        &["-i", "200", "--seed", "1", "-j", "2", "--explore"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r = report(&out);
    assert_eq!(r.tests[0].bugs.len(), 1, "one distinct crash");
    assert!(
        r.tests[0].iterations > 2,
        "replacement workers finished the run: {:?}",
        r.tests[0]
    );
}

/// With `--explore`, an exhaustive search whose test crashes goes on in a replacement worker
/// right after the schedule that crashed: the rest of the space is explored once, the bug behind
/// the crash is found too, and the run says the space was explored.
#[test]
fn explore_resumes_an_exhaustive_search_after_a_crash() {
    for strategy in ["dfs", "idb:3"] {
        let out = out_dir(&format!("explore-resume-{strategy}").replace(':', "-"));
        let o = coyote_test(
            &lib("faulty"),
            "aborts_or_panics",
            &out,
            &["--strategy", strategy, "-i", "1000", "--explore"],
        );
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{t}");
        let r = report(&out);
        let test = &r.tests[0];
        let mut kinds: Vec<_> = test.bugs.iter().map(|b| b.kind.to_string()).collect();
        kinds.sort();
        assert_eq!(kinds, ["crash", "panic"], "{t}");
        assert!(
            test.bugs.iter().all(|b| b.occurrences == 1),
            "each schedule ran once: {:?}",
            test.bugs
        );
        // `random::int(4)` after one yield: four schedules, each explored once.
        assert!(test.exhausted, "{t}");
        assert_eq!(test.schedules_explored, Some(4), "{t}");
        assert_eq!(test.iterations, 4, "{t}");
        assert_settled(&out);
    }
}

/// With `--explore`, a crash in a worker that found another bug earlier still gets its
/// decisions captured (the capture re-run goes on past the earlier bug), its trace replays the
/// crash, and crashes in different iterations are one bug.
#[test]
fn explore_captures_a_crash_after_an_earlier_bug() {
    let out = out_dir("explore-crash-after-panic");
    let o = coyote_test(
        &lib("faulty"),
        "aborts_or_panics",
        &out,
        &[
            "--strategy",
            "random",
            "-i",
            "30",
            "-j",
            "1",
            "--seed",
            "2",
            "--explore",
        ],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    let bugs = &report(&out).tests[0].bugs;
    let kinds: Vec<_> = bugs.iter().map(|b| b.kind.to_string()).collect();
    assert_eq!(
        kinds,
        ["panic", "crash"],
        "the panic came first on this seed: {t}"
    );
    let crash = &bugs[1];
    assert!(crash.occurrences > 1, "{crash:?}");
    let trace = Trace::read(&out.join(&crash.trace)).unwrap();
    assert_eq!(trace.decisions, "i1", "the choice that aborts");
    let rep = coyote(&["replay", s(&out.join(&crash.trace))]);
    assert!(
        text(&rep).contains("reproduced the recorded crash"),
        "{}",
        text(&rep)
    );
}

/// With `--explore` the distinct bugs are numbered by their earliest occurrence, not by arrival:
/// with seed 12 one worker crashes in iteration 2 and the other panics in iteration 4, and the
/// crash's trace arrives last (after its capture re-run), yet it is bug 1 on every run, and
/// every run writes the same files and report.
#[test]
fn explore_numbers_bugs_in_iteration_order() {
    let faulty = lib("faulty");
    let mut seen = Vec::new();
    for run in 0..3 {
        let out = out_dir(&format!("explore-order-{run}"));
        let o = coyote_test(
            &faulty,
            "aborts_or_panics",
            &out,
            &["-i", "16", "--seed", "12", "-j", "2", "--explore"],
        );
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{t}");
        assert!(t.contains("bug 1 of aborts_or_panics"), "{t}");
        let r = report(&out);
        // The crashed iteration ran (into a bug) and counts; the replacement ran the rest.
        assert_eq!(r.tests[0].iterations, 16, "{:?}", r.tests[0]);
        let bugs = r.tests[0].bugs.clone();
        let kinds: Vec<_> = bugs.iter().map(|b| b.kind).collect();
        assert_eq!(kinds, [BugKind::Crash, BugKind::Panic], "{bugs:?}");
        assert_settled(&out);
        let read = |n| std::fs::read_to_string(out.join(format!("aborts_or_panics-{n}.trace")));
        let (one, two) = (read(1).unwrap(), read(2).unwrap());
        assert!(one.contains("\"crash\""), "{one}");
        assert!(two.contains("\"panic\""), "{two}");
        let counts: Vec<_> = bugs.iter().map(|b| (b.iteration, b.occurrences)).collect();
        seen.push((counts, one, two));
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "runs differ");
}

#[test]
fn ctrl_c_keeps_the_report() {
    let out = out_dir("sigint");
    let (lib, out_s) = (lib("shared_entry"), s(&out).to_string());
    let args = ["test", s(&lib), "--test", "shared_entry_fixed"];
    let args = [&args[..], &["-i", "1000000000", "-o", &out_s]].concat();
    // The start line comes after the signal handler is installed.
    let (o, _) = interrupted_when(&args, "coyote: testing", 2000);
    assert_eq!(o.status.code(), Some(130), "{}", text(&o));
    let r = report(&out);
    assert!(r.interrupted);
    assert!(r.tests[0].iterations > 0);
}

/// Runs `coyote <args>` and sends it SIGINT `millis` after it prints a line containing
/// `needle`; returns its output and the time from the signal to its exit.
fn interrupted_when(args: &[&str], needle: &str, millis: u64) -> (Output, f64) {
    use std::io::{BufRead, Read};
    built();
    let mut child = Command::new(target().join("coyote"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let (seen_tx, seen_rx) = std::sync::mpsc::channel();
    let needle = needle.to_string();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if line.contains(&needle) {
                let _ = seen_tx.send(());
            }
            all.extend_from_slice(line.as_bytes());
            all.push(b'\n');
        }
        all
    });
    let errors = std::thread::spawn(move || {
        let mut all = Vec::new();
        stderr.read_to_end(&mut all).unwrap();
        all
    });
    let seen = seen_rx.recv_timeout(std::time::Duration::from_secs(120));
    std::thread::sleep(std::time::Duration::from_millis(millis));
    let signalled = std::time::Instant::now();
    // SAFETY: sending a signal to our own child.
    unsafe { libc_kill(child.id() as i32, 2) };
    let status = child.wait().unwrap();
    let took = signalled.elapsed().as_secs_f64();
    let o = Output {
        status,
        stdout: reader.join().unwrap(),
        stderr: errors.join().unwrap(),
    };
    assert!(seen.is_ok(), "never printed the awaited line: {}", text(&o));
    (o, took)
}

/// A first Ctrl-C while a hang's trace is being captured lets the capture finish: the bug keeps
/// a verified trace instead of whatever the killed re-run had streamed. The signal comes once
/// coyote says the capture started (a fixed delay raced the first hang's detection under load).
#[test]
fn ctrl_c_during_a_capture_lets_it_finish() {
    let out = out_dir("sigint-capture");
    let (lib, out_s) = (lib("faulty"), s(&out).to_string());
    // The first run hangs until 3 s; its capture re-run hangs for 3 s more.
    let args = [
        "test",
        s(&lib),
        "--test",
        "spins",
        "--iteration-timeout",
        "3",
    ];
    let args = [&args[..], &["-j", "1", "-o", &out_s]].concat();
    let (o, took) = interrupted_when(&args, "re-running it in a fresh worker", 500);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        took > 2.0,
        "the capture ran to its end ({took:.1}s after Ctrl-C): {t}"
    );
    assert!(
        t.contains("first capturing the trace of a crash or hang"),
        "{t}"
    );
    let r = report(&out);
    assert!(r.interrupted);
    let bug = &r.tests[0].bugs[0];
    assert_eq!(bug.kind, BugKind::Hang);
    assert!(
        bug.message.contains("(reproduced in a fresh worker)"),
        "{}",
        bug.message
    );
    assert!(out.join("spins-1.trace").exists());
}

extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}
