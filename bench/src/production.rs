//! The production-mode wrapper cost: the bench program on coyote-harness's APIs against the
//! same program on raw tokio (and on raw tokio with a self-waking yield, for reference), on a
//! current-thread and a multi-thread runtime, in interleaved samples; and its section of the
//! results.

use crate::measure::{calibrate, range, time, Measured, Sample};
use crate::programs::{bench_program, tokio_program, tokio_selfwake_program};
use std::fmt::Write as _;
use std::time::Duration;

/// One runtime's samples: the harness's APIs, raw tokio, raw tokio with a self-waking yield.
pub(crate) struct Prod {
    pub(crate) name: &'static str,
    pub(crate) wrapper: Measured,
    pub(crate) raw: Measured,
    pub(crate) selfwake: Measured,
}

/// Measures both runtimes, `2k + 1` interleaved samples each.
pub(crate) fn measure(per_sample: Duration, probe: Duration, k: usize) -> Vec<Prod> {
    let mut prods = Vec::new();
    eprintln!("production mode (no controlled executor): coyote-harness APIs vs raw tokio ...");
    for (name, rt) in [
        ("current_thread", current_thread_rt()),
        ("multi_thread", multi_thread_rt()),
    ] {
        let prod_sample = per_sample.mul_f64(0.5);
        let n_w = calibrate(64, probe, prod_sample, |n| {
            time(n, |n| prod_runs(&rt, bench_program, n))
        });
        let n_r = calibrate(64, probe, prod_sample, |n| {
            time(n, |n| prod_runs(&rt, tokio_program, n))
        });
        let n_s = calibrate(64, probe, prod_sample, |n| {
            time(n, |n| prod_runs(&rt, tokio_selfwake_program, n))
        });
        let mut p = Prod {
            name,
            wrapper: Measured::new(),
            raw: Measured::new(),
            selfwake: Measured::new(),
        };
        // Interleave, so drift in machine load hits both alike.
        for _ in 0..(2 * k + 1) {
            p.wrapper
                .samples
                .push(time(n_w, |n| prod_runs(&rt, bench_program, n)));
            p.raw
                .samples
                .push(time(n_r, |n| prod_runs(&rt, tokio_program, n)));
            p.selfwake
                .samples
                .push(time(n_s, |n| prod_runs(&rt, tokio_selfwake_program, n)));
        }
        eprintln!(
            "  {name}: coyote-harness {:.0} ns/run, raw tokio {:.0} ns/run, raw tokio with a self-waking yield {:.0} ns/run",
            p.wrapper.ns_per_iter(),
            p.raw.ns_per_iter(),
            p.selfwake.ns_per_iter()
        );
        prods.push(p);
    }
    prods
}

/// Appends the section to `t` (nothing when nothing was measured).
pub(crate) fn append(t: &mut String, prods: &[Prod], k: usize) {
    if prods.is_empty() {
        return;
    }
    let _ = writeln!(
        t,
        "## Production-mode wrapper cost (no controlled executor)\n"
    );
    let _ = writeln!(
        t,
        "| tokio runtime | coyote-harness APIs ns/run | raw tokio ns/run | overhead vs raw tokio | raw tokio, self-waking yield ns/run | overhead vs that |"
    );
    let _ = writeln!(t, "|---|---:|---:|---:|---:|---:|");
    let mut rows: Vec<(String, [f64; 3])> = Vec::new();
    for p in prods {
        rows.push((
            format!("{} (wall)", p.name),
            [
                p.wrapper.ns_per_iter(),
                p.raw.ns_per_iter(),
                p.selfwake.ns_per_iter(),
            ],
        ));
        if p.name == "current_thread" {
            // Everything runs on the calling thread: its CPU time is robust to other load.
            rows.push((
                format!("{} (thread CPU time)", p.name),
                [
                    p.wrapper.cpu_ns_per_iter(),
                    p.raw.cpu_ns_per_iter(),
                    p.selfwake.cpu_ns_per_iter(),
                ],
            ));
        }
    }
    for (name, [w, r, y]) in &rows {
        let (w, r, y) = (*w, *r, *y);
        let _ = writeln!(
            t,
            "| {} | {:.0} | {:.0} | {:.3}x ({:+.1}%) | {:.0} | {:.3}x ({:+.1}%) |",
            name,
            w,
            r,
            w / r,
            (w / r - 1.0) * 100.0,
            y,
            w / y,
            (w / y - 1.0) * 100.0
        );
    }
    for p in prods {
        let spread = |m: &Measured| {
            let (lo, hi) = range(
                &m.samples
                    .iter()
                    .map(Sample::ns_per_iter)
                    .collect::<Vec<_>>(),
            );
            format!("{lo:.0}..{hi:.0}")
        };
        let _ = writeln!(
            t,
            "\n{} spread (ns/run, min..max): coyote-harness {}, raw tokio {}, self-waking yield {}",
            p.name,
            spread(&p.wrapper),
            spread(&p.raw),
            spread(&p.selfwake)
        );
    }
    let _ = writeln!(
        t,
        "\nOne run = `runtime.block_on(program())`: spawn 8 tasks, 32 lock/increment/unlock/yield, join. Medians of {} interleaved samples.",
        2 * k + 1
    );
    let _ = writeln!(
        t,
        "coyote-harness's production `task::yield_now` is `tokio::task::yield_now`, so *overhead vs raw tokio* is the wrapper's own cost (the run-time test-mode check in every operation, and the `JoinHandle` and lock-guard wrappers). The last two columns are a reference only: raw tokio with a yield that wakes its task at once (`wake_by_ref`) instead of deferring the wake until the scheduler has polled its driver, which shows how much of a run tokio's yield itself takes."
    );
}

pub(crate) fn current_thread_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

pub(crate) fn multi_thread_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

pub(crate) fn prod_runs<F: std::future::Future<Output = ()>>(
    rt: &tokio::runtime::Runtime,
    program: fn() -> F,
    runs: u64,
) -> Option<u64> {
    assert!(!coyote_harness::is_test_mode());
    for _ in 0..runs {
        rt.block_on(program());
    }
    None
}
