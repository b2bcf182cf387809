//! Hangs you can act on: a `std::sync::Mutex` guard held across an `.await` (tokio's most
//! common mistake) hangs; its trace has the decisions and steps up to the hang, names the last
//! scheduling point and its task, and keeps the stuck thread's backtrace, user frames first;
//! its replay waits the recording run's `--iteration-timeout`, or `--hang-timeout`.

use super::*;

#[test]
fn a_std_mutex_held_across_an_await_is_a_hang_with_its_story() {
    let out = out_dir("hang-story");
    let o = coyote_test(
        &lib("faulty"),
        "std_mutex_across_await",
        &out,
        &["--seed", "1", "-j", "1", "--iteration-timeout", "1"],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("the stuck thread (user frames first):"), "{t}");
    let trace = Trace::read(&out.join("std_mutex_across_await-1.trace")).unwrap();
    assert_eq!(trace.failure.kind, BugKind::Hang);
    assert!(trace.steps > 0 && !trace.log.is_empty(), "{trace:?}");
    assert!(
        trace.origin.to_string().starts_with("portfolio seed "),
        "{}",
        trace.origin
    );
    assert!(
        trace
            .failure
            .message
            .contains("the last scheduling point: step 2 task 1 start at "),
        "{}",
        trace.failure.message
    );
    // Stuck at the second lock(), the user's line, first in the backtrace.
    let loc = trace.failure.location.as_deref().unwrap_or_default();
    assert!(loc.contains("samples/faulty/src/lib.rs:"), "{loc}");
    let bt = trace.backtrace.as_deref().unwrap_or_default();
    assert!(
        bt.trim_start()
            .starts_with("faulty::std_mutex_across_await"),
        "{bt}"
    );
    assert_eq!(trace.iteration_timeout_ms, Some(1000));
    // The replay waits the recorded --iteration-timeout, or --hang-timeout.
    let started = std::time::Instant::now();
    let r = coyote(&[
        "replay",
        s(&out.join("std_mutex_across_await-1.trace")),
        "--hang-timeout",
        "0.3",
    ]);
    let t = text(&r);
    assert_eq!(r.status.code(), Some(1), "{t}");
    assert!(
        t.contains("reproduced the recorded hang: the replay ran for 0.3s"),
        "{t}"
    );
    assert!(
        t.contains("the last scheduling point: step 2 task 1 start"),
        "{t}"
    );
    assert!(started.elapsed().as_secs() < 10);
    let r = coyote(&["replay", s(&out.join("std_mutex_across_await-1.trace"))]);
    let t = text(&r);
    assert!(t.contains("the replay ran for 1s"), "{t}");
    assert!(
        t.contains("step    2  task 1   start"),
        "the steps up to the hang: {t}"
    );
}
