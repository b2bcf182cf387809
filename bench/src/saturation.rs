//! The saturation signal's cost on the hot path: the benchmark program through `coyote_run`
//! (as a `coyote test -j 1` worker runs it) in three settings, interleaved in one run:
//!
//! * plain: the saturation signal off (`RunRequest::saturation: false`);
//! * the default of `coyote test`: the signal on (one hash over each iteration's decisions,
//!   one set lookup, the new schedules sent with the progress events);
//! * with coverage on as well, as `--until-saturated K`, `--html` and `--coverage` run (a
//!   coverage count per step, and the new items looked for when the count of distinct items
//!   grew).
//!
//! The figure is ns per iteration (median of the samples) and its difference from plain.

use crate::coyote_run_with;
use crate::measure::{calibrate, median, time};
use std::fmt::Write as _;
use std::time::Duration;

/// Measures the three settings in `k` interleaved samples of about `per_sample` each, and
/// appends their table to `t`.
pub(crate) fn append(t: &mut String, per_sample: Duration, k: usize) {
    eprintln!("the saturation signal's cost (coyote_run: plain, signal, signal + coverage) ...");
    let settings: [(&str, bool, bool); 3] = [
        ("plain (signal off)", false, false),
        ("saturation signal (the default)", true, false),
        ("signal + coverage (`--until-saturated`)", true, true),
    ];
    let probe = Duration::from_millis(150);
    let n = calibrate(64, probe, per_sample.mul_f64(0.5), |n| {
        time(n, |n| coyote_run_with(n, false, false))
    });
    let mut ns: Vec<Vec<f64>> = vec![Vec::new(); settings.len()];
    for _ in 0..(2 * k + 1) {
        for (i, &(_, sat, cov)) in settings.iter().enumerate() {
            ns[i].push(time(n, |n| coyote_run_with(n, sat, cov)).ns_per_iter());
        }
    }
    let ns: Vec<f64> = ns.into_iter().map(median).collect();
    let _ = writeln!(t, "\n## The saturation signal's cost (one worker)\n");
    let _ = writeln!(
        t,
        "The program above through `coyote_run`, {n} iterations per sample, medians of {} interleaved samples.\n",
        2 * k + 1
    );
    let _ = writeln!(t, "| setting | ns/iteration | vs plain |");
    let _ = writeln!(t, "|---|---:|---:|");
    for (i, (name, ..)) in settings.iter().enumerate() {
        let diff = ns[i] / ns[0] - 1.0;
        let _ = writeln!(t, "| {name} | {:.0} | {:+.1}% |", ns[i], diff * 100.0);
    }
    let _ = writeln!(
        t,
        "\nWall-clock figures on a shared machine spread by a few percent; the steady figure is callgrind's: `coyote-bench --only coyote-abi N` against `--only coyote-abi-plain N` and `--only coyote-abi-coverage N`."
    );
}
