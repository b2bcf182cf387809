//! coyote's `dpor` against loom, both run to exhaustion on the same small programs.
//!
//! The programs (`loom_programs.rs`) are one source text compiled twice: in [`on_loom`] against
//! `loom::{thread, sync}` and in [`on_coyote`] against `coyote_harness::std::{thread, sync}`.
//! Every atomic access is `SeqCst`, so loom's space is the sequentially consistent one coyote
//! explores (with weaker orderings loom would also explore stale loads, a larger space).
//!
//! * loom: `loom::model::Builder` with `preemption_bound = None` (no bound: the full space);
//!   schedules are counted by a counter the model closure increments once per iteration.
//! * coyote: `coyote_run` (the C ABI entry point of a `coyote test -j 1` worker) with strategy
//!   `dpor`, which reports that it exhausted the space and how many schedules it ran.
//!
//! Each program is run `reps` times on each side, interleaved; times are medians. Both sides
//! must pass every schedule and exhaust (asserted), and each side's schedule count must be the
//! same in every repetition (both are deterministic).

use std::ffi::{c_char, c_void, CStr, CString};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The programs on loom's primitives.
mod on_loom {
    use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use loom::sync::{Arc, Mutex};
    use loom::thread;
    include!("loom_programs.rs");
}

/// The programs on `coyote_harness::std`, and their test entry points (exported in `main.rs`).
pub(crate) mod on_coyote {
    use coyote_harness::std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use coyote_harness::std::sync::{Arc, Mutex};
    use coyote_harness::std::thread;
    include!("loom_programs.rs");

    macro_rules! entries {
        ($($entry:ident => $program:ident),* $(,)?) => {$(
            /// A test entry point: the program, in a coyote test.
            pub(crate) async fn $entry() {
                $program()
            }
        )*};
    }
    entries!(
        lv_fetch_add_3 => fetch_add_3,
        lv_fetch_add_2x2 => fetch_add_2x2,
        lv_mutex_counter_3 => mutex_counter_3,
        lv_message_passing => message_passing,
        lv_treiber_push_3 => treiber_push_3,
    );
}

/// (program, its loom version, its coyote test name as `export_tests!` names it).
const PROGRAMS: &[(&str, fn(), &str)] = &[
    (
        "3 threads x fetch_add",
        on_loom::fetch_add_3,
        "loom_vs::on_coyote::lv_fetch_add_3",
    ),
    (
        "2 threads x 2 fetch_add",
        on_loom::fetch_add_2x2,
        "loom_vs::on_coyote::lv_fetch_add_2x2",
    ),
    (
        "Mutex counter, 3 threads",
        on_loom::mutex_counter_3,
        "loom_vs::on_coyote::lv_mutex_counter_3",
    ),
    (
        "message passing: 2 data + flag, 1 writer, 2 readers",
        on_loom::message_passing,
        "loom_vs::on_coyote::lv_message_passing",
    ),
    (
        "Treiber push, 3 threads (CAS retry loop)",
        on_loom::treiber_push_3,
        "loom_vs::on_coyote::lv_treiber_push_3",
    ),
];

/// Runs `program` under loom to exhaustion, with no preemption bound: (schedules, time).
fn loom_exhaust(program: fn()) -> (u64, Duration) {
    let count = Arc::new(AtomicU64::new(0));
    let counter = count.clone();
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = None;
    builder.max_permutations = None;
    builder.max_duration = None;
    builder.max_branches = 1_000_000;
    let t = Instant::now();
    builder.check(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        program();
    });
    (count.load(Ordering::Relaxed), t.elapsed())
}

unsafe extern "C" fn ignore_event(_ctx: *mut c_void, _json: *const c_char, _len: usize) {}

/// Runs the coyote test `test` with `dpor` to exhaustion through `coyote_run`: (schedules,
/// time). Panics unless it passed and exhausted the space.
fn coyote_exhaust(test: &str) -> (u64, Duration) {
    let request = serde_json::json!({
        "test": test,
        "strategy": "dpor",
        "seed": 1,
        "iterations": 100_000_000u64,
        "bounds": { "max_steps": 10_000, "max_fair_steps": 100_000 },
        "stop_on_first_bug": true,
        "progress_ms": 3_600_000u64,
        "saturation": false,
        "coverage": false,
    })
    .to_string();
    let request = CString::new(request).expect("no NUL");
    let t = Instant::now();
    // SAFETY: the request is a NUL-terminated JSON string; `ignore_event` matches the callback
    // type and reads nothing; a null context and heartbeat are allowed.
    let out = unsafe {
        crate::coyote_run(
            request.as_ptr(),
            ignore_event,
            std::ptr::null_mut(),
            std::ptr::null(),
        )
    };
    let elapsed = t.elapsed();
    assert!(!out.is_null(), "coyote_run returned null");
    // SAFETY: `out` is the NUL-terminated string `coyote_run` returned; freed once, below.
    let json = unsafe { CStr::from_ptr(out) }
        .to_str()
        .expect("UTF-8")
        .to_owned();
    // SAFETY: `out` came from `coyote_run` and is not used after this.
    unsafe { crate::coyote_free(out) };
    let r: coyote_core::abi::RunResult =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("bad RunResult {json}: {e}"));
    assert!(r.error.is_none(), "{test}: {json}");
    assert_eq!(r.bugs, 0, "{test} must pass every schedule: {json}");
    assert_eq!(r.step_bound_hits, 0, "{test}: {json}");
    assert!(r.exhausted, "{test}: dpor did not exhaust: {json}");
    (r.schedules.expect("dpor counts schedules"), elapsed)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Measures every program `reps` times on each side; returns the section for RESULTS.md.
pub(crate) fn section(reps: usize) -> String {
    let reps = reps.max(3);
    let mut t = String::new();
    let _ = writeln!(t, "\n## coyote dpor vs loom\n");
    let _ = writeln!(
        t,
        "Each program runs to exhaustion on both: loom 0.7 (`loom::model::Builder`, `preemption_bound = None`; schedules counted per model iteration) and coyote's `dpor` through `coyote_run` (one worker). The programs are one source text compiled against each (`bench/src/loom_programs.rs`), with `SeqCst` on every atomic access: loom explores weak-memory behaviours only for weaker orderings, so with `SeqCst` both explore the same sequentially consistent space. Times are medians of {reps} interleaved runs; the ratios are loom / coyote.\n"
    );
    let _ = writeln!(
        t,
        "| program | loom schedules | loom time | coyote dpor schedules | coyote time | schedules ratio | time ratio |"
    );
    let _ = writeln!(t, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let (mut fewer, mut faster, mut min_ratio) = (true, true, f64::INFINITY);
    for &(name, loom_program, test) in PROGRAMS {
        let (mut lt, mut ct) = (Vec::new(), Vec::new());
        let (mut ls, mut cs) = (None, None);
        for _ in 0..reps {
            let (n, d) = loom_exhaust(loom_program);
            assert!(ls.is_none_or(|m| m == n), "{name}: loom's count varies");
            ls = Some(n);
            lt.push(d);
            let (n, d) = coyote_exhaust(test);
            assert!(cs.is_none_or(|m| m == n), "{name}: dpor's count varies");
            cs = Some(n);
            ct.push(d);
        }
        let (ls, cs, lt, ct) = (ls.unwrap(), cs.unwrap(), median(lt), median(ct));
        let ratio = lt.as_secs_f64() / ct.as_secs_f64();
        fewer &= cs < ls;
        faster &= ratio >= 3.0;
        min_ratio = min_ratio.min(ratio);
        let line = format!(
            "| {name} | {ls} | {} | {cs} | {} | {:.2}x | {ratio:.1}x |",
            ms(lt),
            ms(ct),
            ls as f64 / cs as f64
        );
        eprintln!("{line}");
        let _ = writeln!(t, "{line}");
    }
    let _ = writeln!(
        t,
        "\nGoal (issue 28): fewer schedules than loom on every program: {}; at least 3x faster to exhaust on every program: {} (smallest time ratio {min_ratio:.1}x).\n",
        if fewer { "met" } else { "not met" },
        if faster { "met" } else { "not met" },
    );
    t
}

/// `--only loom-vs N`: the table with N repetitions, printed.
pub(crate) fn by_name(name: &str) -> Option<fn(u64)> {
    (name == "loom-vs").then_some((|n| print!("{}", section(n as usize))) as fn(u64))
}
