//! The threaded samples (std's primitives and atomics through `coyote_harness::std`): the
//! thread pool's `if`-instead-of-`while` Condvar wait and the Treiber stack's ABA are found by
//! `coyote test` with the default portfolio, their traces replay to the same failure, and the
//! fixed twins pass.

use crate::*;

/// `coyote test` finds a bug of `kind` whose message has `needle` in `test`, and its trace
/// replays to the same failure; returns the replay's output.
fn found_and_replayed(lib_name: &str, test: &str, kind: BugKind, needle: &str) -> String {
    let out = out_dir(test);
    let o = coyote_test(&lib(lib_name), test, &out, &["-i", "2000"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let path = out.join(format!("{test}-1.trace"));
    let trace = Trace::read(&path).unwrap();
    assert_eq!(trace.failure.kind, kind, "{}", trace.failure);
    assert!(trace.failure.message.contains(needle), "{}", trace.failure);
    let o = coyote(&["replay", s(&path)]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("reproduced the recorded failure"), "{t}");
    assert!(t.contains(needle), "{t}");
    t
}

fn passes(lib_name: &str, test: &str) {
    let out = out_dir(test);
    let o = coyote_test(&lib(lib_name), test, &out, &["-i", "2000"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn the_thread_pools_lost_job_is_found_replayed_and_fixed() {
    let log = found_and_replayed(
        "thread_pool",
        "thread_pool_lost_job",
        BugKind::Panic,
        "jobs ran: every worker quit early",
    );
    // The replay shows the workers' condvar waits and the wake-up that let one quit.
    // Each condvar operation by its kind, how each wait ended, and the mutex it released.
    assert!(log.contains("condvar.wait"), "{log}");
    assert!(log.contains("condvar.notify_one"), "{log}");
    assert!(log.contains("condvar.notify_all"), "{log}");
    assert!(log.contains("-> woke spuriously"), "{log}");
    assert!(
        log.contains("release mutex    taken at samples/thread-pool/src/lib.rs:"),
        "{log}"
    );
    passes("thread_pool", "thread_pool_fixed");
}

#[test]
fn the_treiber_stacks_aba_is_found_replayed_and_fixed() {
    let log = found_and_replayed(
        "treiber_stack",
        "treiber_aba",
        BugKind::Panic,
        "is on the stack and held by a thread (ABA",
    );
    assert!(log.contains("atomic.rmw"), "{log}");
    passes("treiber_stack", "treiber_tagged");
}
