//! The step log tells the story: each lock, receive or wait says what it came to (acquired,
//! blocked on what and who holds it, woke, permits left), each guard's or permit's release is a
//! sub-line of the step it happens in, a deadlock ends with where each task is parked, and
//! `--verbose` prints every line the default log has (and more: none are dropped).

use super::*;

fn deadlock_trace(name: &str) -> PathBuf {
    let out = out_dir(name);
    let o = coyote_test(
        &lib("sctbench"),
        "deadlock01",
        &out,
        &["--seed", "1", "-j", "1"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    out.join("deadlock01-1.trace")
}

#[test]
fn outcomes_and_where_each_task_is_parked() {
    let trace = Trace::read(&deadlock_trace("log-story")).unwrap();
    assert_eq!(trace.failure.kind, BugKind::Deadlock);
    let log = trace.log.join("\n");
    assert!(log.contains("-> acquired"), "{log}");
    assert!(
        trace
            .log
            .iter()
            .any(|l| l.contains("-> blocked on mutex.lock: held by task ")),
        "{log}"
    );
    // The closing lines: every unfinished task, parked.
    let parked: Vec<&String> = trace
        .log
        .iter()
        .filter(|l| l.contains(" parked: "))
        .collect();
    assert!(parked.len() >= 2, "{log}");
    assert!(trace.log.last().unwrap().contains(" parked: "), "{log}");
    assert!(
        parked.iter().any(|l| l.contains("waits on mutex.lock at ")),
        "{log}"
    );
}

#[test]
fn verbose_prints_every_line_of_the_default_log() {
    let trace = deadlock_trace("log-verbose");
    let quiet = coyote(&["replay", s(&trace)]);
    let verbose = coyote(&["replay", s(&trace), "--verbose"]);
    let (q, v) = (text(&quiet), text(&verbose));
    let log_lines: Vec<&str> = q
        .lines()
        .filter(|l| l.starts_with("step") || l.starts_with("   "))
        .collect();
    assert!(log_lines.iter().any(|l| l.contains("spawn task 1")), "{q}");
    for line in &log_lines {
        assert!(
            v.lines().any(|x| x == *line),
            "--verbose lacks {line:?}:\n{v}"
        );
    }
}

/// The connection pool whose client gives its permit back before its connection (the case that
/// asked for release lines): the early release is in the log, in the step before the other
/// client takes the permit and finds no connection.
fn pool_trace(name: &str) -> PathBuf {
    let out = out_dir(name);
    let o = coyote_test(
        &lib("pool_manager"),
        "pool_early_release",
        &out,
        &["--seed", "1", "-j", "1"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    out.join("pool_early_release-1.trace")
}

#[test]
fn an_early_permit_release_is_in_the_log_before_the_failure() {
    let trace = Trace::read(&pool_trace("log-pool")).unwrap();
    assert_eq!(trace.failure.kind, BugKind::Panic);
    let log = &trace.log;
    let all = log.join("\n");
    let at = |needle: &str| log.iter().position(|l| l.contains(needle));
    let release = at("release permit   taken at samples/pool-manager/src/connections.rs:")
        .unwrap_or_else(|| panic!("no permit release in:\n{all}"));
    // The release says what is left: the waiting client gets the only permit at once.
    assert!(log[release].ends_with(" left)"), "{all}");
    // Blocked, the other client was told who holds the permit.
    assert!(
        all.contains("-> blocked on semaphore.acquire: held by task "),
        "{all}"
    );
    // After the release, the other client takes the permit and then the (empty) idle list.
    let woke = at("-> woke: acquired (0 left)").expect("the waiting client wakes");
    assert!(woke > release, "{all}");
    assert!(
        log[release..].iter().any(|l| l.contains("mutex.lock")),
        "{all}"
    );
    // A mutex's guard is released as a sub-line too.
    assert!(all.contains("release mutex    taken at "), "{all}");
    // And `--verbose` prints them as well.
    let verbose = text(&coyote(&[
        "replay",
        s(&pool_trace("log-pool-v")),
        "--verbose",
    ]));
    for line in log.iter().filter(|l| l.contains("release ")) {
        assert!(
            verbose.lines().any(|x| x == line),
            "--verbose lacks {line:?}:\n{verbose}"
        );
    }
}
