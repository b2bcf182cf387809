//! The timed runners of the core comparison: coyote through the C ABI entry point a
//! `coyote test -j 1` worker calls (`coyote_run`, generated in this binary by `export_tests!`),
//! coyote's `check`, and shuttle's `check_random` (timed, OS seed) and a seeded run of it that
//! counts its decisions. Each returns the scheduling steps it took, where it can count them.

use crate::programs::{bench_program, shuttle_program, CountingScheduler};
use crate::{coyote_free, coyote_run, SEED};
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

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
pub(crate) fn coyote_abi(iterations: u64) -> Option<u64> {
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

pub(crate) fn coyote_check(iterations: u64) -> Option<u64> {
    coyote_harness::check(
        bench_program,
        coyote_harness::Config::new()
            .iterations(iterations)
            .strategy("random")
            .seed(SEED),
    );
    None
}

pub(crate) fn shuttle_check_random(iterations: u64) -> Option<u64> {
    shuttle::check_random(shuttle_program, iterations as usize);
    None
}

/// `check_random` with a fixed seed and a decision counter, to learn shuttle's decisions per
/// iteration (not used for the timed ratio).
pub(crate) fn shuttle_counted(iterations: u64) -> Option<u64> {
    let decisions = Arc::new(AtomicU64::new(0));
    let scheduler = CountingScheduler {
        inner: shuttle::scheduler::RandomScheduler::new_from_seed(SEED, iterations as usize),
        decisions: decisions.clone(),
    };
    let runs = shuttle::Runner::new(scheduler, shuttle::Config::default()).run(shuttle_program);
    assert_eq!(runs as u64, iterations);
    Some(decisions.load(Ordering::Relaxed))
}
