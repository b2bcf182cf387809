//! The library side of the C ABI in [`coyote_core::abi`]. `export_tests!` generates the exported
//! symbols; they forward here.
//!
//! Invariant: nothing here lets a panic unwind into the caller; a bad request becomes a result
//! with `error` set.

use crate::runner::{self, RunSpec, Test};
use coyote_core::abi::{
    EventCallback, ReplayRequest, ReplayResult, RunRequest, RunResult, TestList,
};
use coyote_core::strategy::StrategySpec;
use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::AtomicU64;
use std::time::Duration;

pub use crate::rt::coyote_breakpoint;

fn to_c(json: String) -> *mut c_char {
    CString::new(json)
        .unwrap_or_else(|_| {
            CString::new("{\"error\":\"result contained a NUL byte\"}").expect("no NUL")
        })
        .into_raw()
}

/// `coyote_list`.
pub fn list(tests: &[Test]) -> *mut c_char {
    to_c(
        serde_json::to_string(&TestList {
            harness_version: crate::VERSION.into(),
            tests: tests.iter().map(|t| t.name.to_string()).collect(),
        })
        .expect("serialises"),
    )
}

/// `coyote_free`.
///
/// # Safety
/// `s` must come from one of this library's ABI functions and be freed once.
pub unsafe fn free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: per the contract, `s` came from `CString::into_raw` here.
        drop(unsafe { CString::from_raw(s) });
    }
}

unsafe fn read_request<'a>(request: *const c_char) -> Result<&'a str, String> {
    if request.is_null() {
        return Err("null request".into());
    }
    // SAFETY: the caller passes a NUL-terminated string that outlives this call.
    unsafe { CStr::from_ptr(request) }
        .to_str()
        .map_err(|_| "request is not UTF-8".to_string())
}

fn find<'t>(tests: &'t [Test], name: &str) -> Result<&'t Test, String> {
    tests
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| format!("no test named '{name}' in this library"))
}

/// `coyote_run`.
///
/// # Safety
/// `request` is a NUL-terminated JSON [`RunRequest`]; `callback` is callable with `ctx`;
/// `heartbeat` is null or valid for the call.
pub unsafe fn run(
    tests: &[Test],
    request: *const c_char,
    callback: EventCallback,
    ctx: *mut c_void,
    heartbeat: *const AtomicU64,
) -> *mut c_char {
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<RunResult, String> {
        // SAFETY: forwarded contract.
        let text = unsafe { read_request(request) }?;
        let req: RunRequest =
            serde_json::from_str(text).map_err(|e| format!("bad run request: {e}"))?;
        let test = find(tests, &req.test)?;
        let spec: StrategySpec = req.strategy.parse().map_err(|e| format!("{e}"))?;
        let mut strategy = spec.build_split(req.seed, req.worker, req.bounds, req.split);
        let run_spec = RunSpec {
            test_name: req.test.clone(),
            seed: req.seed,
            iterations: req.iterations,
            bounds: req.bounds,
            step_bound_is_bug: req.step_bound_is_bug,
            stop_on_first_bug: req.stop_on_first_bug,
            progress_every: Duration::from_millis(req.progress_ms),
            capture_from: req.capture_from,
            resume_after: req.resume_after,
            coverage: req.coverage,
            saturation: req.saturation,
            until_saturated: None,
        };
        let mut emit = |event: coyote_core::abi::Event| {
            let json = serde_json::to_string(&event).expect("events serialise");
            let c = CString::new(json).expect("JSON has no NUL");
            // SAFETY: forwarded contract; the string lives across the call.
            unsafe { callback(ctx, c.as_ptr(), c.as_bytes().len()) };
        };
        // SAFETY: forwarded contract; with `stop_word` the caller's heartbeat is two counters.
        let beat = unsafe { heartbeat.as_ref() }.map(|h| runner::Beat {
            heartbeat: h,
            stop: req
                .stop_word
                // SAFETY: as above: the second of the two counters.
                .then(|| unsafe { &*heartbeat.add(1) }),
        });
        let mut result = runner::run(&test.make, strategy.as_mut(), &run_spec, &mut emit, beat);
        // Says the split was applied (a harness that predates it leaves this out).
        result.split = req.split;
        Ok(result)
    }));
    let result = settle(outcome, |error| RunResult {
        error: Some(error),
        ..Default::default()
    });
    to_c(serde_json::to_string(&result).expect("serialises"))
}

/// `coyote_replay`.
///
/// # Safety
/// As [`run`].
pub unsafe fn replay(
    tests: &[Test],
    request: *const c_char,
    _callback: EventCallback,
    _ctx: *mut c_void,
    _heartbeat: *const AtomicU64,
) -> *mut c_char {
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<ReplayResult, String> {
        // SAFETY: forwarded contract.
        let text = unsafe { read_request(request) }?;
        let req: ReplayRequest =
            serde_json::from_str(text).map_err(|e| format!("bad replay request: {e}"))?;
        let test = find(tests, &req.trace.test)?;
        Ok(runner::replay(
            &test.make,
            &req.trace,
            req.verbose,
            req.break_before_failure,
            req.lenient,
            &req.run_last,
            !req.skip_log,
        ))
    }));
    let result = settle(outcome, |error| ReplayResult {
        error: Some(error),
        ..Default::default()
    });
    to_c(serde_json::to_string(&result).expect("serialises"))
}

/// The answer to a request: its result, or `failed` with the request's error or the harness's
/// own panic (caught, as no panic may cross the C boundary).
fn settle<R>(
    outcome: std::thread::Result<Result<R, String>>,
    failed: impl FnOnce(String) -> R,
) -> R {
    match outcome {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => failed(e),
        Err(p) => failed(format!(
            "internal error in the harness: {}",
            crate::rt::panics::payload_message(&*p)
        )),
    }
}

// The exported symbols, once for the whole library: they serve every test the registry holds
// (`export_tests!` lists and registered `#[tokio::test]`s), so a crate needs no export line of
// its own. A `cdylib` exports its dependencies' `#[no_mangle]` functions.

/// The ABI version this harness speaks.
#[no_mangle]
pub extern "C" fn coyote_abi_version() -> u32 {
    coyote_core::abi::ABI_VERSION
}

/// Lists every registered test.
#[no_mangle]
pub extern "C" fn coyote_list() -> *mut c_char {
    list(crate::registry::all())
}

/// Runs iterations of a registered test.
///
/// # Safety
/// See [`coyote_core::abi`].
#[no_mangle]
pub unsafe extern "C" fn coyote_run(
    request: *const c_char,
    callback: EventCallback,
    ctx: *mut c_void,
    heartbeat: *const AtomicU64,
) -> *mut c_char {
    // SAFETY: the caller upholds the ABI contract.
    unsafe { run(crate::registry::all(), request, callback, ctx, heartbeat) }
}

/// Replays a trace of a registered test.
///
/// # Safety
/// See [`coyote_core::abi`].
#[no_mangle]
pub unsafe extern "C" fn coyote_replay(
    request: *const c_char,
    callback: EventCallback,
    ctx: *mut c_void,
    heartbeat: *const AtomicU64,
) -> *mut c_char {
    // SAFETY: the caller upholds the ABI contract.
    unsafe { replay(crate::registry::all(), request, callback, ctx, heartbeat) }
}

/// Frees a string this library returned.
///
/// # Safety
/// See [`coyote_core::abi`].
#[no_mangle]
pub unsafe extern "C" fn coyote_free(s: *mut c_char) {
    // SAFETY: the caller upholds the ABI contract.
    unsafe { free(s) }
}

/// The tests of this process (for `export_tests!`'s local entry points).
pub fn registered() -> &'static [Test] {
    crate::registry::all()
}
