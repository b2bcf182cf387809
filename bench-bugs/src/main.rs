//! `bench-bugs`: how fast does each strategy find each SCTBench bug?
//!
//! For every program of `sctbench::PROGRAMS` and every strategy, over `--seeds` seeds (20 by
//! default), runs up to `--iterations` iterations (10,000) of the buggy program with
//! `coyote_harness::check`, stopping at the first bug, and records whether the bug was found and
//! in which iteration (0-based). The same programs, written against shuttle's thread API
//! (`src/shuttle_ports/`), run under shuttle's random and PCT (depth 3) schedulers with the same
//! seeds, iteration budget and step bound; an execution counter incremented at the start of each
//! execution gives the iteration at which shuttle's runner panicked (the first execution is
//! iteration 0, as in coyote).
//!
//! Prints one markdown table (program | strategy | found/N | median iterations | wall ms) and
//! writes it to `RESULTS.md` next to this crate's manifest, above the file's kept history of
//! earlier runs (see `history.rs`), or to `--out PATH` (`--out -` writes
//! nothing). The median is over the seeds that found the bug; wall ms is the total for all seeds.
//!
//! ```text
//! cargo run --release --manifest-path bench-bugs/Cargo.toml -- [--programs a,b] [--seeds N]
//!     [--iterations N] [--strategies random,pct:3,shuttle-random] [--out PATH] [--raw CSV]
//! ```
//!
//! `--raw` also writes every run's result, one line per program, strategy and seed
//! (`program,strategy,seed,first_bug`, empty when not found), for analyses such as choosing the
//! portfolio's rotation.

mod args;
mod history;
mod shuttle_ports;

use args::Args;
use coyote_core::strategy::StrategySpec;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Our strategies, in report order (shared with sctbench's thorough tests).
const OUR_STRATEGIES: &[&str] = sctbench::STRATEGIES;

/// Shuttle's schedulers, as they appear in the table.
const SHUTTLE_SCHEDULERS: &[&str] = &["shuttle-random", "shuttle-pct:3"];

/// Scheduling steps per iteration for both tools (coyote's default bound; shuttle continues with
/// the next iteration when it is hit, as coyote does).
const MAX_STEPS: u32 = 10_000;

/// One row of the table.
struct Row {
    program: &'static str,
    strategy: String,
    seeds: u64,
    /// The iteration of the first bug, for each seed that found one.
    found: Vec<u64>,
    wall: Duration,
}

impl Row {
    fn median(&self) -> String {
        let mut v = self.found.clone();
        if v.is_empty() {
            return "-".into();
        }
        v.sort_unstable();
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2].to_string()
        } else {
            let (a, b) = (v[n / 2 - 1], v[n / 2]);
            if (a + b) % 2 == 0 {
                ((a + b) / 2).to_string()
            } else {
                format!("{:.1}", (a + b) as f64 / 2.0)
            }
        }
    }
}

fn panic_text(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Runs our `strategy` on `program` with `seed`: the 0-based iteration of the first bug, if any.
fn run_ours(
    program: &sctbench::Program,
    strategy: &str,
    seed: u64,
    iterations: u64,
) -> Option<u64> {
    let config = coyote_harness::Config::new()
        .iterations(iterations)
        .strategy(strategy)
        .seed(seed)
        .max_steps(MAX_STEPS)
        .trace_dir(std::env::temp_dir().join("bench-bugs-traces"));
    let result = catch_unwind(AssertUnwindSafe(|| {
        coyote_harness::check(program.buggy, config)
    }));
    let e = result.err()?;
    let msg = panic_text(&*e);
    let n = msg
        .strip_prefix("coyote found a bug in iteration ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok());
    match n {
        Some(n) => Some(n),
        None => panic!(
            "{} under {strategy}: unexpected failure: {msg}",
            program.name
        ),
    }
}

/// Redirects stderr to /dev/null while alive (shuttle prints every failing schedule).
struct QuietStderr {
    saved: libc::c_int,
}

impl QuietStderr {
    fn new() -> Option<Self> {
        // SAFETY: plain descriptor calls on descriptors this function owns or on fd 2.
        unsafe {
            let saved = libc::dup(2);
            if saved < 0 {
                return None;
            }
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
            if null < 0 {
                libc::close(saved);
                return None;
            }
            libc::dup2(null, 2);
            libc::close(null);
            Some(QuietStderr { saved })
        }
    }
}

impl Drop for QuietStderr {
    fn drop(&mut self) {
        // SAFETY: restores fd 2 from the descriptor saved in `new`, then closes that copy.
        unsafe {
            libc::dup2(self.saved, 2);
            libc::close(self.saved);
        }
    }
}

/// Runs shuttle's `scheduler` on the shuttle port `body` with `seed`: the 0-based iteration of
/// the first failure, if any.
fn run_shuttle(body: fn(), scheduler: &str, seed: u64, iterations: u64) -> Option<u64> {
    use shuttle::scheduler::{PctScheduler, RandomScheduler};
    use shuttle::{FailurePersistence, MaxSteps, Runner};

    let executions = Arc::new(AtomicUsize::new(0));
    let counter = executions.clone();
    let test = move || {
        counter.fetch_add(1, Ordering::Relaxed);
        body()
    };
    let mut config = shuttle::Config::new();
    config.failure_persistence = FailurePersistence::None;
    config.max_steps = MaxSteps::ContinueAfter(MAX_STEPS as usize);
    config.silence_warnings = true;
    // (Not `immediately_return_on_panic`: in shuttle 0.9.9 it leaves later runs on the same
    // thread failing at once with "Task panicked, and early return is enabled".)
    let n = iterations as usize;
    let _quiet = if std::env::var_os("BENCH_BUGS_LOUD").is_some() {
        None
    } else {
        QuietStderr::new()
    };
    // Each run on a fresh OS thread: shuttle keeps per-thread state, and a failed execution can
    // leave it unusable for the next run on the same thread.
    let scheduler = scheduler.to_string();
    let result = std::thread::Builder::new()
        .name(format!("shuttle-{scheduler}-{seed}"))
        .spawn(move || {
            catch_unwind(AssertUnwindSafe(|| match scheduler.as_str() {
                "shuttle-random" => {
                    Runner::new(RandomScheduler::new_from_seed(seed, n), config).run(test)
                }
                "shuttle-pct:3" => {
                    Runner::new(PctScheduler::new_from_seed(seed, 3, n), config).run(test)
                }
                other => unreachable!("unknown shuttle scheduler {other}"),
            }))
        })
        .expect("spawn a thread for shuttle")
        .join()
        .unwrap_or_else(Err);
    match result {
        Ok(_) => None,
        Err(e) => {
            if std::env::var_os("BENCH_BUGS_DEBUG").is_some() {
                println!("shuttle failure: {}", panic_text(&*e));
            }
            Some(executions.load(Ordering::Relaxed) as u64 - 1)
        }
    }
}

fn main() {
    let args = args::parse();
    // Bugs are the point here: keep their panic messages (and coyote's trace logs) off stderr.
    if std::env::var_os("BENCH_BUGS_LOUD").is_none() {
        std::panic::set_hook(Box::new(|_| {}));
    }

    let programs: Vec<&sctbench::Program> = match &args.programs {
        None => sctbench::PROGRAMS.iter().collect(),
        Some(names) => names
            .iter()
            .map(|n| {
                sctbench::program(n)
                    .unwrap_or_else(|| args::invalid(&format!("unknown program '{n}'")))
            })
            .collect(),
    };
    let wanted = |s: &str| {
        args.strategies
            .as_ref()
            .is_none_or(|l| l.iter().any(|x| x == s))
    };
    // Any strategy the CLI accepts may be asked for by name (`pct:5`); by default the list above.
    let mut skipped = Vec::new();
    let ours: Vec<&str> = match &args.strategies {
        None => OUR_STRATEGIES.to_vec(),
        Some(l) => l
            .iter()
            .map(String::as_str)
            .filter(|s| !SHUTTLE_SCHEDULERS.contains(s))
            .collect(),
    }
    .into_iter()
    .filter(|s| match s.parse::<StrategySpec>() {
        Ok(_) => true,
        Err(e) => {
            skipped.push(format!("`{s}` ({e})"));
            false
        }
    })
    .collect();
    let shuttles: Vec<&str> = SHUTTLE_SCHEDULERS
        .iter()
        .copied()
        .filter(|s| wanted(s))
        .collect();
    if args.strategies.is_some() && !skipped.is_empty() {
        args::invalid(&format!("unknown strategy: {}", skipped.join(", ")))
    }

    let started = Instant::now();
    let mut rows = Vec::new();
    let mut raw = String::from("program,strategy,seed,first_bug\n");
    for (pi, p) in programs.iter().enumerate() {
        let port = shuttle_ports::port(p.name);
        let mut run_row =
            |strategy: &str, run: &dyn Fn(u64) -> Option<u64>, seed_independent: bool| {
                let t = Instant::now();
                let per_seed: Vec<Option<u64>> = if seed_independent {
                    vec![run(1); args.seeds as usize]
                } else {
                    (1..=args.seeds).map(run).collect()
                };
                let row = Row {
                    program: p.name,
                    strategy: strategy.to_string(),
                    seeds: args.seeds,
                    found: per_seed.iter().flatten().copied().collect(),
                    wall: t.elapsed(),
                };
                for (seed, r) in per_seed.iter().enumerate() {
                    let r = r.map(|n| n.to_string()).unwrap_or_default();
                    let _ = writeln!(raw, "{},{strategy},{},{r}", p.name, seed + 1);
                }
                eprintln!(
                    "[{}/{}] {:<18} {:<16} found {:>2}/{}  median {:>6}  {:>8} ms",
                    pi + 1,
                    programs.len(),
                    row.program,
                    row.strategy,
                    row.found.len(),
                    row.seeds,
                    row.median(),
                    row.wall.as_millis()
                );
                rows.push(row);
            };
        for s in &ours {
            run_row(
                s,
                &|seed| run_ours(p, s, seed, args.iterations),
                // Exhaustive strategies ignore the seed: run once; the result stands for every
                // seed.
                s.parse::<StrategySpec>()
                    .is_ok_and(|spec| spec.is_exhaustive()),
            );
        }
        if let Some(port) = port {
            for s in &shuttles {
                run_row(
                    s,
                    &|seed| run_shuttle(port, s, seed, args.iterations),
                    false,
                );
            }
        }
    }

    let report = render(&args, &programs, &rows, &skipped, started.elapsed());
    println!("{report}");
    if let Some(out) = &args.out {
        if let Err(e) = history::write_keeping_history(out, &report) {
            eprintln!("could not write {}: {e}", out.display());
            std::process::exit(1);
        }
        eprintln!("wrote {}", out.display());
    }
    if let Some(path) = &args.raw {
        if let Err(e) = std::fs::write(path, &raw) {
            eprintln!("could not write {}: {e}", path.display());
            std::process::exit(1);
        }
    }
}

fn render(
    args: &Args,
    programs: &[&sctbench::Program],
    rows: &[Row],
    skipped: &[String],
    total: Duration,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# bench-bugs results\n");
    let _ = writeln!(
        s,
        "{} programs, {} seeds each, up to {} iterations per seed (stop at the first bug), {} steps per iteration. \
         Total wall time {:.1} s on {} core(s).\n",
        programs.len(),
        args.seeds,
        args.iterations,
        MAX_STEPS,
        total.as_secs_f64(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    );
    let _ = writeln!(
        s,
        "| program | strategy | found/{} | median iterations | wall ms |\n|---|---|---:|---:|---:|",
        args.seeds
    );
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {}/{} | {} | {} |",
            r.program,
            r.strategy,
            r.found.len(),
            r.seeds,
            r.median(),
            r.wall.as_millis()
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "* *median iterations*: the 0-based iteration of the first bug, median over the seeds that found it \
         (`-`: no seed did). *wall ms*: total for all seeds of the row, single-threaded."
    );
    let _ = writeln!(
        s,
        "* `dfs` and `idb` ignore the seed: each ran once and its result stands for every seed (its wall time is that one run)."
    );
    let _ = writeln!(
        s,
        "* `portfolio` under `coyote_harness::check` runs as worker 0 of the CLI's portfolio."
    );
    let _ = writeln!(
        s,
        "* `shuttle-*` rows: shuttle {} (`Runner` with `RandomScheduler::new_from_seed` / `PctScheduler::new_from_seed(seed, 3, ..)`, \
         `MaxSteps::ContinueAfter({MAX_STEPS})`) on the thread-API ports in `bench-bugs/src/shuttle_ports/`.",
        shuttle_version()
    );
    let _ = writeln!(
        s,
        "* Model difference: shuttle's `thread::spawn` is a scheduling point, coyote's `task::spawn` is not \
         (a task starts at the spawner's next scheduling point, so every thread exists before any runs). \
         In programs that start many threads before the one that exposes the bug (`reorder_10`, `reorder_20`, \
         `twostage_100`), shuttle's early threads can finish before the late ones exist."
    );
    let _ = writeln!(
        s,
        "* Model difference: releasing a mutex is a scheduling point in shuttle (its threads are stackful), not in \
         coyote (dropping a guard cannot await; the release runs with the code up to the task's next point). \
         The extra step after each release changes a random walk's odds: on `bluetooth_driver` it gives the \
         stopper more room to finish before the adder reads `stopped` (`release_point_model.py`)."
    );
    if !skipped.is_empty() {
        let _ = writeln!(
            s,
            "* Not run, the linked coyote-core does not parse them yet: {}.",
            skipped.join(", ")
        );
    }
    let hard: Vec<String> = programs
        .iter()
        .filter_map(|p| p.hard.map(|h| format!("`{}` ({h})", p.name)))
        .collect();
    if !hard.is_empty() {
        let _ = writeln!(
            s,
            "* Expected to be beyond {} iterations of the randomized strategies: {}.",
            args.iterations,
            hard.join("; ")
        );
    }
    s
}

fn shuttle_version() -> &'static str {
    "0.9.9"
}
