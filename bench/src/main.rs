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

mod abi_runs;
mod actors;
mod args;
mod history;
mod loom_vs;
mod measure;
mod net;
mod pingpong;
mod production;
mod programs;
mod saturation;
mod threads;
mod tokio_dropin;

use abi_runs::{coyote_abi, coyote_check, coyote_run_with, shuttle_check_random, shuttle_counted};
pub(crate) use measure::fmt_rate;
use measure::{calibrate, time, Measured};
use programs::bench_program;
use std::fmt::Write as _;
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

    let prods = if opts.prod {
        production::measure(per_sample, probe, k)
    } else {
        Vec::new()
    };
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

    production::append(&mut t, &prods, k);

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
