//! Timing: wall clock plus the calling thread's CPU time (both coyote and shuttle run every
//! iteration on the calling thread, so CPU time is a cross-check that is less sensitive to other
//! load on a shared machine), calibration, and medians.

use std::time::{Duration, Instant};

/// CPU time consumed by the calling thread.
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is always available on
    // Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// One timed run of `iters` iterations (or runs).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    pub iters: u64,
    /// Scheduling decisions over the run, when known.
    pub steps: Option<u64>,
    pub wall: Duration,
    pub cpu: Duration,
}

impl Sample {
    pub fn per_sec(&self) -> f64 {
        self.iters as f64 / self.wall.as_secs_f64()
    }

    pub fn per_cpu_sec(&self) -> f64 {
        self.iters as f64 / self.cpu.as_secs_f64().max(1e-9)
    }

    pub fn ns_per_iter(&self) -> f64 {
        self.wall.as_nanos() as f64 / self.iters as f64
    }

    pub fn ns_per_step(&self) -> Option<f64> {
        self.steps.map(|s| self.wall.as_nanos() as f64 / s as f64)
    }

    pub fn steps_per_iter(&self) -> Option<f64> {
        self.steps.map(|s| s as f64 / self.iters as f64)
    }
}

/// Times `f` (which runs `iters` iterations and may report steps).
pub fn time(iters: u64, f: impl FnOnce(u64) -> Option<u64>) -> Sample {
    let cpu0 = thread_cpu();
    let t0 = Instant::now();
    let steps = f(iters);
    let wall = t0.elapsed();
    let cpu = thread_cpu().saturating_sub(cpu0);
    Sample {
        iters,
        steps,
        wall,
        cpu,
    }
}

/// Finds how many iterations take about `target`: doubles from `start` until one run takes at
/// least `probe`, then extrapolates.
pub fn calibrate(
    start: u64,
    probe: Duration,
    target: Duration,
    mut run: impl FnMut(u64) -> Sample,
) -> u64 {
    let mut n = start.max(1);
    loop {
        let s = run(n);
        if s.wall >= probe || n >= 1 << 30 {
            let per = s.wall.as_secs_f64() / n as f64;
            return ((target.as_secs_f64() / per.max(1e-12)) as u64).max(1);
        }
        n *= 2;
    }
}

/// The median of `xs` (the mean of the two middle values for an even count).
pub fn median(mut xs: Vec<f64>) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// The spread of `xs` as (min, max).
pub fn range(xs: &[f64]) -> (f64, f64) {
    xs.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        })
}

/// The samples of one measured system, and their medians.
pub(crate) struct Measured {
    pub(crate) samples: Vec<Sample>,
}

impl Measured {
    pub(crate) fn new() -> Self {
        Measured {
            samples: Vec::new(),
        }
    }
    pub(crate) fn per_sec(&self) -> f64 {
        median(self.samples.iter().map(Sample::per_sec).collect())
    }
    pub(crate) fn per_sec_range(&self) -> (f64, f64) {
        range(&self.samples.iter().map(Sample::per_sec).collect::<Vec<_>>())
    }
    pub(crate) fn per_cpu_sec(&self) -> f64 {
        median(self.samples.iter().map(Sample::per_cpu_sec).collect())
    }
    pub(crate) fn ns_per_iter(&self) -> f64 {
        median(self.samples.iter().map(Sample::ns_per_iter).collect())
    }
    pub(crate) fn cpu_ns_per_iter(&self) -> f64 {
        median(
            self.samples
                .iter()
                .map(|s| s.cpu.as_nanos() as f64 / s.iters as f64)
                .collect(),
        )
    }
    pub(crate) fn ns_per_step(&self) -> Option<f64> {
        let v: Vec<f64> = self
            .samples
            .iter()
            .filter_map(Sample::ns_per_step)
            .collect();
        (!v.is_empty()).then(|| median(v))
    }
    pub(crate) fn steps_per_iter(&self) -> Option<f64> {
        let v: Vec<f64> = self
            .samples
            .iter()
            .filter_map(Sample::steps_per_iter)
            .collect();
        (!v.is_empty()).then(|| median(v))
    }
    pub(crate) fn total_iters(&self) -> u64 {
        self.samples.iter().map(|s| s.iters).sum()
    }
}

/// `x` rounded, with thousands separators.
pub(crate) fn fmt_rate(x: f64) -> String {
    let s = format!("{:.0}", x);
    let bytes = s.as_bytes();
    let mut out = String::new();
    for (i, c) in bytes.iter().enumerate() {
        if i > 0 && (bytes.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(*c as char);
    }
    out
}
