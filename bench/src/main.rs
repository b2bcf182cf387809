//! `coyote-bench` (`make bench`): in one invocation,
//!
//! 1. controlled throughput of coyote-harness with one worker and `random` on a correct program
//!    of 8 tasks x 4 (lock, increment, unlock, yield), through the same C ABI entry point a
//!    `coyote test -j 1` worker calls (`coyote_run`), and through `coyote_harness::check`;
//! 2. shuttle's `check_random` on the same program;
//! 3. their iterations-per-second ratio (target >= 2x, goal 3x) and ns per scheduling decision;
//! 4. the production-mode wrapper cost: the program on coyote-harness's APIs vs raw tokio, on a
//!    current-thread and a multi-thread runtime;
//! 5. test-mode throughput of the simulated network against `tokio::io::duplex` (`net.rs`).
//!
//! The summary table is printed and written to `bench/RESULTS.md`, above the file's kept
//! history of earlier measurements (see `history.rs`).
//!
//! Options: `--secs S` (measurement budget per controlled system, default 3), `--samples K`
//! (default 3), `--no-write` (do not write RESULTS.md), `--skip-prod`, `--skip-actors`.
//!
//! Profiling modes (run one thing, print its time, exit; e.g. under
//! `valgrind --tool=callgrind`): `--only coyote-abi N`, `--only coyote-check N`,
//! `--only shuttle N`, and the actor ones (`actors.rs`): `--only actor-test N`,
//! `--only actor-prod N`, `--only tokio-mpsc N`, `--only actor-prod-replyto N`, and the thread
//! ones (`threads.rs`): `--only coyote-mutex N`, `--only shuttle-mutex N`,
//! `--only coyote-threads N`, `--only shuttle-threads N`, `--only thread-yields N`,
//! `--only task-yields N`.

mod actors;
mod args;
mod history;
mod loom_vs;
mod measure;
mod net;
mod pingpong;
mod programs;
mod saturation;
mod threads;
mod tokio_dropin;

use measure::{calibrate, median, range, time, Sample};
use programs::{
    bench_program, shuttle_program, tokio_program, tokio_selfwake_program, CountingScheduler,
};
use std::ffi::{c_char, c_void, CStr, CString};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

// Generates `coyote_run`, `coyote_free`, ... in this binary: the exact code path of a
// `coyote test -j 1` worker, called directly (no dlopen, one FFI call per run).
coyote_harness::export_tests!(
    bench_program,
    loom_vs::on_coyote::lv_fetch_add_3,
    loom_vs::on_coyote::lv_fetch_add_2x2,
    loom_vs::on_coyote::lv_mutex_counter_3,
    loom_vs::on_coyote::lv_message_passing,
    loom_vs::on_coyote::lv_treiber_push_3,
);

const SEED: u64 = 1;

// ----- coyote through the C ABI -----

#[derive(Default)]
struct Events {
    bugs: u64,
    events: u64,
}

unsafe extern "C" fn on_event(ctx: *mut c_void, json: *const c_char, _len: usize) {
    // SAFETY: `ctx` is the `&mut Events` passed to `coyote_run` below, live for the call; `json`
    // is a NUL-terminated string valid for this callback.
    let (events, text) = unsafe { (&mut *(ctx as *mut Events), CStr::from_ptr(json)) };
    events.events += 1;
    if text
        .to_bytes()
        .windows(13)
        .any(|w| w == b"\"event\":\"bug\"")
    {
        events.bugs += 1;
    }
}

/// Runs `iterations` iterations of `bench_program` with `random` through `coyote_run` as a
/// `coyote test` worker does (the saturation signal on, coverage off); returns the scheduling
/// steps taken. Panics on any error or bug.
fn coyote_abi(iterations: u64) -> Option<u64> {
    coyote_run_with(iterations, true, false)
}

/// [`coyote_abi`] with the saturation signal (`saturation`) and coverage (`coverage`, which
/// `--until-saturated`, `--html` and `--coverage` turn on) as given.
pub(crate) fn coyote_run_with(iterations: u64, saturation: bool, coverage: bool) -> Option<u64> {
    let request = serde_json::json!({
        "test": "bench_program",
        "strategy": "random",
        "seed": SEED,
        "iterations": iterations,
        "bounds": { "max_steps": 10_000, "max_fair_steps": 100_000 },
        "stop_on_first_bug": true,
        "progress_ms": 3_600_000u64,
        "saturation": saturation,
        "coverage": coverage,
    })
    .to_string();
    let request = CString::new(request).expect("no NUL");
    let mut events = Events::default();
    // SAFETY: the request is a NUL-terminated JSON string; `on_event` matches the callback type
    // and `ctx` points at `events` for the whole call; a null heartbeat is allowed.
    let out = unsafe {
        coyote_run(
            request.as_ptr(),
            on_event,
            &mut events as *mut Events as *mut c_void,
            std::ptr::null(),
        )
    };
    assert!(!out.is_null(), "coyote_run returned null");
    // SAFETY: `out` is the NUL-terminated string `coyote_run` returned; freed once, below.
    let json = unsafe { CStr::from_ptr(out) }
        .to_str()
        .expect("UTF-8")
        .to_owned();
    // SAFETY: `out` came from `coyote_run` and is not used after this.
    unsafe { coyote_free(out) };
    let result: coyote_core::abi::RunResult =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("bad RunResult {json}: {e}"));
    assert!(result.error.is_none(), "coyote_run failed: {json}");
    assert_eq!(
        result.bugs, 0,
        "the benchmark program must be correct: {json}"
    );
    assert_eq!(events.bugs, 0, "a bug event was streamed");
    assert_eq!(result.iterations, iterations, "{json}");
    assert_eq!(result.step_bound_hits, 0, "{json}");
    Some(result.total_steps)
}

fn coyote_check(iterations: u64) -> Option<u64> {
    coyote_harness::check(
        bench_program,
        coyote_harness::Config::new()
            .iterations(iterations)
            .strategy("random")
            .seed(SEED),
    );
    None
}

// ----- shuttle -----

fn shuttle_check_random(iterations: u64) -> Option<u64> {
    shuttle::check_random(shuttle_program, iterations as usize);
    None
}

/// `check_random` with a fixed seed and a decision counter, to learn shuttle's decisions per
/// iteration (not used for the timed ratio).
fn shuttle_counted(iterations: u64) -> Option<u64> {
    let decisions = Arc::new(AtomicU64::new(0));
    let scheduler = CountingScheduler {
        inner: shuttle::scheduler::RandomScheduler::new_from_seed(SEED, iterations as usize),
        decisions: decisions.clone(),
    };
    let runs = shuttle::Runner::new(scheduler, shuttle::Config::default()).run(shuttle_program);
    assert_eq!(runs as u64, iterations);
    Some(decisions.load(Ordering::Relaxed))
}

// ----- production mode -----

fn current_thread_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn multi_thread_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn prod_runs<F: std::future::Future<Output = ()>>(
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

// ----- reporting -----

struct Measured {
    samples: Vec<Sample>,
}

impl Measured {
    fn new() -> Self {
        Measured {
            samples: Vec::new(),
        }
    }
    fn per_sec(&self) -> f64 {
        median(self.samples.iter().map(Sample::per_sec).collect())
    }
    fn per_sec_range(&self) -> (f64, f64) {
        range(&self.samples.iter().map(Sample::per_sec).collect::<Vec<_>>())
    }
    fn per_cpu_sec(&self) -> f64 {
        median(self.samples.iter().map(Sample::per_cpu_sec).collect())
    }
    fn ns_per_iter(&self) -> f64 {
        median(self.samples.iter().map(Sample::ns_per_iter).collect())
    }
    fn cpu_ns_per_iter(&self) -> f64 {
        median(
            self.samples
                .iter()
                .map(|s| s.cpu.as_nanos() as f64 / s.iters as f64)
                .collect(),
        )
    }
    fn ns_per_step(&self) -> Option<f64> {
        let v: Vec<f64> = self
            .samples
            .iter()
            .filter_map(Sample::ns_per_step)
            .collect();
        (!v.is_empty()).then(|| median(v))
    }
    fn steps_per_iter(&self) -> Option<f64> {
        let v: Vec<f64> = self
            .samples
            .iter()
            .filter_map(Sample::steps_per_iter)
            .collect();
        (!v.is_empty()).then(|| median(v))
    }
    fn total_iters(&self) -> u64 {
        self.samples.iter().map(|s| s.iters).sum()
    }
}

fn fmt_rate(x: f64) -> String {
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

fn sh(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

fn main() {
    if let (Some("--only"), Some(what), Some(n)) = (
        std::env::args().nth(1).as_deref(),
        std::env::args().nth(2),
        std::env::args().nth(3),
    ) {
        let f = tokio_dropin::by_name(&what)
            .or_else(|| threads::by_name(&what))
            .or_else(|| loom_vs::by_name(&what))
            .or_else(|| actors::by_name(&what))
            .or_else(|| net::by_name(&what));
        if let (Some(f), Ok(n)) = (f, n.parse::<u64>()) {
            let s = time(n, |n| {
                f(n);
                None
            });
            println!(
                "{what}: {n} runs in {:.3} s ({:.3} s thread CPU): {} it/s, {} it/s CPU",
                s.wall.as_secs_f64(),
                s.cpu.as_secs_f64(),
                fmt_rate(s.per_sec()),
                fmt_rate(s.per_cpu_sec())
            );
            return;
        }
    }
    let opts = args::parse();
    if let Some((what, n)) = opts.only {
        let f: fn(u64) -> Option<u64> = match what {
            args::Only::CoyoteAbi => coyote_abi,
            args::Only::CoyoteAbiPlain => |n| coyote_run_with(n, false, false),
            args::Only::CoyoteAbiCoverage => |n| coyote_run_with(n, true, true),
            args::Only::CoyoteCheck => coyote_check,
            args::Only::Shuttle => shuttle_counted,
            args::Only::ActorTest => actors::test_mode,
            args::Only::ActorProd => actors::prod_actors,
            args::Only::TokioMpsc => actors::prod_tokio,
        };
        let s = time(n, f);
        println!(
            "{}: {} iterations in {:.3} s: {} it/s, {} decisions, {:.1} ns/decision",
            what.name(),
            s.iters,
            s.wall.as_secs_f64(),
            fmt_rate(s.per_sec()),
            s.steps.map_or("?".into(), |x| x.to_string()),
            s.ns_per_step().unwrap_or(f64::NAN)
        );
        return;
    }
    let k = opts.samples;
    let per_sample = Duration::from_secs_f64(opts.secs / k as f64);
    let probe = Duration::from_millis(150);
    let load_before = loadavg();
    eprintln!(
        "coyote-bench: {} tasks x {} rounds (lock, increment, unlock, yield); strategy random; one worker thread",
        programs::TASKS,
        programs::ROUNDS
    );
    eprintln!(
        "budget: {:.1} s per controlled system in {k} interleaved samples; load average {load_before}",
        opts.secs
    );

    // Warm up (page in code, grow the executor's buffers, the allocator's caches), then calibrate.
    eprintln!("warming up and calibrating ...");
    let n_abi = calibrate(64, probe, per_sample, |n| time(n, coyote_abi));
    let n_shuttle = calibrate(64, probe, per_sample, |n| time(n, shuttle_check_random));
    let n_check = calibrate(64, probe, per_sample, |n| time(n, coyote_check));

    // Steps per iteration of shuttle (a separate, seeded and counted run).
    let shuttle_counted_sample = time(n_shuttle.clamp(100, 2_000), shuttle_counted);

    let mut abi = Measured::new();
    let mut shut = Measured::new();
    let mut chk = Measured::new();
    for i in 0..k {
        let a = time(n_abi, coyote_abi);
        let s = time(n_shuttle, shuttle_check_random);
        let c = time(n_check, coyote_check);
        eprintln!(
            "  sample {}/{k}: coyote_run {:>9} it/s ({:.1} ns/decision)   shuttle check_random {:>9} it/s   coyote check {:>9} it/s",
            i + 1,
            fmt_rate(a.per_sec()),
            a.ns_per_step().unwrap_or(f64::NAN),
            fmt_rate(s.per_sec()),
            fmt_rate(c.per_sec()),
        );
        abi.samples.push(a);
        shut.samples.push(s);
        chk.samples.push(c);
    }

    // Shuttle's ns/decision: its wall time per iteration over its decisions per iteration.
    let shuttle_steps_per_iter = shuttle_counted_sample.steps_per_iter().unwrap_or(f64::NAN);
    let shuttle_ns_per_step = shut.ns_per_iter() / shuttle_steps_per_iter;
    let coyote_steps_per_iter = abi.steps_per_iter().unwrap_or(f64::NAN);
    // `check` runs the same schedules as `coyote_run` (same strategy, seed and program).
    let check_ns_per_step = chk.ns_per_iter() / coyote_steps_per_iter;

    let ratio = abi.per_sec() / shut.per_sec();
    let ratio_cpu = abi.per_cpu_sec() / shut.per_cpu_sec();
    let ratio_check = chk.per_sec() / shut.per_sec();
    let per_decision_ratio = shuttle_ns_per_step / abi.ns_per_step().unwrap_or(f64::NAN);

    // ----- production wrapper cost -----
    struct Prod {
        name: &'static str,
        wrapper: Measured,
        raw: Measured,
        selfwake: Measured,
    }
    let mut prods = Vec::new();
    if opts.prod {
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
    }
    if opts.prod {
        eprintln!("production mode: the drop-in coyote-tokio vs raw tokio (current_thread) ...");
        eprintln!("| program | coyote-tokio | tokio | difference |");
        for line in tokio_dropin::measure(2 * k + 1) {
            eprintln!("{line}");
        }
    }
    eprintln!("threads: coyote_harness::std vs shuttle (random) ...");
    let threads_lines = threads::measure(per_sample, k);
    for line in &threads_lines {
        eprintln!("{line}");
    }
    eprintln!("coyote dpor vs loom, each to exhaustion ...");
    let loom_section = loom_vs::section(k);
    let actors_section = opts.actors.then(|| actors::section(per_sample, k));
    let load_after = loadavg();

    // ----- summary -----
    let mut t = String::new();
    let commit = sh(
        "git",
        &[
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "rev-parse",
            "--short",
            "HEAD",
        ],
    )
    .unwrap_or_else(|| "?".into());
    let dirty = sh(
        "git",
        &[
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "status",
            "--porcelain",
            "--",
            "../coyote-harness",
            "../coyote-core",
        ],
    )
    .map(|s| {
        if s.is_empty() {
            ""
        } else {
            " (harness/core modified)"
        }
    })
    .unwrap_or("");
    let _ = writeln!(t, "# coyote-rs benchmark results\n");
    let _ = writeln!(
        t,
        "Program: main spawns {} tasks; each does {} x (lock a shared mutex, increment, unlock, yield); main joins all and checks the count is {}.",
        programs::TASKS,
        programs::ROUNDS,
        programs::EXPECTED
    );
    let _ = writeln!(
        t,
        "Controlled runs: strategy random, one worker thread, seed {SEED} (shuttle: `check_random`, OS seed). Medians of {k} interleaved samples of ~{:.1} s each.",
        per_sample.as_secs_f64()
    );
    let _ = writeln!(
        t,
        "Machine: {}, {} CPUs; load average {load_before} before, {load_after} after. Commit {commit}{dirty}; shuttle 0.9.9; `cargo run --release --manifest-path bench/Cargo.toml`.\n",
        cpu_model(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );

    let _ = writeln!(t, "## Controlled throughput (one worker)\n");
    let _ = writeln!(
        t,
        "| runner | iterations/s (median) | min..max | it/s per CPU-s | decisions/iteration | ns/decision | ns/iteration |"
    );
    let _ = writeln!(t, "|---|---:|---:|---:|---:|---:|---:|");
    let row = |t: &mut String, name: &str, m: &Measured, spi: f64, nps: f64| {
        let (lo, hi) = m.per_sec_range();
        let _ = writeln!(
            t,
            "| {name} | {} | {}..{} | {} | {:.1} | {:.1} | {:.0} |",
            fmt_rate(m.per_sec()),
            fmt_rate(lo),
            fmt_rate(hi),
            fmt_rate(m.per_cpu_sec()),
            spi,
            nps,
            m.ns_per_iter()
        );
    };
    row(
        &mut t,
        "coyote `coyote_run` (C ABI, = `coyote test -j 1` worker)",
        &abi,
        coyote_steps_per_iter,
        abi.ns_per_step().unwrap_or(f64::NAN),
    );
    row(
        &mut t,
        "coyote `check`",
        &chk,
        coyote_steps_per_iter,
        check_ns_per_step,
    );
    row(
        &mut t,
        "shuttle `check_random`",
        &shut,
        shuttle_steps_per_iter,
        shuttle_ns_per_step,
    );
    let _ = writeln!(t);
    let verdict = if ratio >= 3.0 {
        "goal met"
    } else if ratio >= 2.0 {
        "target met, goal not yet"
    } else {
        "BELOW TARGET"
    };
    let _ = writeln!(
        t,
        "**coyote/shuttle iterations-per-second ratio: {ratio:.2}x (target >= 2x, goal 3x)** — {verdict}\n"
    );
    let _ = writeln!(
        t,
        "- same ratio on thread CPU time: {ratio_cpu:.2}x; with `check` instead of `coyote_run`: {ratio_check:.2}x"
    );
    let _ = writeln!(
        t,
        "- per scheduling decision: coyote {:.1} ns vs shuttle {:.1} ns ({per_decision_ratio:.2}x); the programs take {:.1} vs {:.1} decisions per iteration",
        abi.ns_per_step().unwrap_or(f64::NAN),
        shuttle_ns_per_step,
        coyote_steps_per_iter,
        shuttle_steps_per_iter
    );
    let _ = writeln!(
        t,
        "- iterations measured: coyote_run {}, check {}, shuttle {}\n",
        abi.total_iters(),
        chk.total_iters(),
        shut.total_iters()
    );

    if !prods.is_empty() {
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
        for p in &prods {
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
        for p in &prods {
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

    saturation::append(&mut t, per_sample, k);
    net::append(&mut t, per_sample, k);

    let _ = writeln!(t, "\n## Threads (`coyote_harness::std` vs shuttle)\n");
    let _ = writeln!(
        t,
        "The 8 x 4 program with threads, twice: each thread 4 x {{ lock, increment, unlock, yield }}, with a std `Mutex<u64>` (coyote's `coyote_harness::std::sync::Mutex`, shuttle's `shuttle::sync::Mutex`), then with a spin lock on an `AtomicBool` (`swap`, `yield_now` between tries; the increment a load and a store); `random`, one worker. The second row is one scheduling step of a thread that only yields, against an async task that only yields: the difference is one coroutine switch (resume and suspend). Wall-clock rates, with the calling thread's CPU time in parentheses (both systems run every iteration on the calling thread, so CPU time is what other load on the machine disturbs least); the step row is CPU time.\n"
    );
    let _ = writeln!(t, "| program | coyote | shuttle / async | ratio |");
    let _ = writeln!(t, "| --- | ---: | ---: | --- |");
    for line in &threads_lines {
        let _ = writeln!(t, "{line}");
    }

    t.push_str(&loom_section);
    if let Some(section) = actors_section {
        t.push_str(&section);
    }
    println!();
    print!("{t}");
    if opts.write {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("RESULTS.md");
        match history::write_keeping_history(&path, &t) {
            Ok(()) => eprintln!("\nwritten to {}", path.display()),
            Err(e) => eprintln!("\ncould not write {}: {e}", path.display()),
        }
    }
}
