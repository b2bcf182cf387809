//! The step log tells the story: each lock, receive or wait says what it came to (acquired,
//! blocked on what and who took it last, woke), a deadlock ends with where each task is
//! parked, and `--verbose` prints every line the default log has (and more: none are dropped).

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
            .any(|l| l.contains("-> blocked on mutex.lock: last taken by task ")),
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
