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

/// The SCTBench programs as threads (`samples/sctbench/src/threads`): the default portfolio
/// finds each planted bug within 10,000 iterations, the trace of one replays to the same
/// failure, and the fixed twins pass. `threads_fib_bench` has its own test below;
/// `threads_safestack` has its own test below too.
#[test]
fn the_sctbench_thread_ports_are_found_and_their_fixed_twins_pass() {
    let sct = lib("sctbench");
    for (test, needle) in [
        ("threads_account", "account: balance -1 != -5"),
        ("threads_lazy01", "lazy01: thread3 saw data = 3"),
        ("threads_carter01", "deadlock"),
        ("threads_stack", "stack: underflow"),
        ("threads_queue", "queue: dequeued"),
        ("threads_reorder_3", "half-done set"),
        ("threads_reorder_10", "half-done set"),
        ("threads_reorder_20", "half-done set"),
        ("threads_twostage", "reader saw data1 = 1 but data2 = 0"),
        ("threads_wronglock", "wronglock: funcA"),
        ("threads_wronglock_3", "wronglock: funcA"),
    ] {
        let out = out_dir(test);
        let o = coyote_test(&sct, test, &out, &["-i", "10000", "--seed", "1"]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{test}: {t}");
        assert!(t.contains(needle), "{test}: {t}");
    }
    let log = found_and_replayed(
        "sctbench",
        "threads_reorder_10",
        BugKind::Panic,
        "half-done set",
    );
    assert!(log.contains("atomic.load"), "{log}");
    for test in [
        "threads_account_fixed",
        "threads_carter01_fixed",
        "threads_stack_fixed",
        "threads_queue_fixed",
        "threads_reorder_10_fixed",
        "threads_twostage_fixed",
        "threads_wronglock_fixed",
        "threads_fib_bench_fixed",
    ] {
        passes("sctbench", test);
    }
}

/// `fib_bench` needs its ten updates strictly alternated with `main`'s check after them, which
/// no randomized strategy reaches within 10,000 iterations: the default portfolio (`-j 2`)
/// finds it, as threads and as tasks, through worker 1's write hand-over probe, whatever the
/// seed, and the trace replays.
#[test]
fn the_default_portfolio_finds_fib_bench_through_the_write_hand_over_probe() {
    for test in ["threads_fib_bench", "fib_bench"] {
        for seed in ["1", "2"] {
            found_by_the_portfolio(
                test,
                seed,
                "2",
                "(portfolio/write-turns:oldest-first",
                "fib_bench: i or j reached 144",
            );
        }
    }
}

/// Runs sctbench's `test` under the default portfolio (10,000 iterations, `seed`, `jobs`
/// workers): it must report `needle`, found by the portfolio member `member` names, and its
/// trace must replay to the same failure.
fn found_by_the_portfolio(test: &str, seed: &str, jobs: &str, member: &str, needle: &str) {
    let out = out_dir(&format!("portfolio-{test}-{seed}-j{jobs}"));
    let args = ["-i", "10000", "-j", jobs, "--seed", seed];
    let o = coyote_test(&lib("sctbench"), test, &out, &args);
    let t = text(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{test}, seed {seed}, -j {jobs}: {t}"
    );
    assert!(t.contains(member), "{t}");
    assert!(t.contains(needle), "{t}");
    let r = coyote(&["replay", s(&out.join(format!("{test}-1.trace")))]);
    assert!(
        text(&r).contains("reproduced the recorded failure"),
        "{}",
        text(&r)
    );
}

/// `safestack`'s ABA, which `random` finds in about 270,000 iterations and no other scheduling
/// strategy within 10,000: the default portfolio finds it, with one worker and with two, through
/// its memory-state member `mff` (it joins after the first round, as the program changes its
/// atomics), and the trace replays.
#[test]
fn the_default_portfolio_finds_safestack_through_the_memory_state_member() {
    for jobs in ["1", "2"] {
        found_by_the_portfolio(
            "threads_safestack",
            "1",
            jobs,
            "(portfolio/mff seed",
            "safestack: thread",
        );
    }
}
