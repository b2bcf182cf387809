//! The real-clock watch, host side: the `coyote` binary interposes `clock_gettime`,
//! `clock_nanosleep`, `nanosleep` and `pthread_create` for the libraries it loads, and reports
//! the calls a controlled task makes (protocol: [`coyote_core::abi::HostWatch`]).
//!
//! `build.rs` exports these symbols from the binary, so the dynamic linker binds a loaded
//! library's `std::time::Instant::now`, `SystemTime::now`, `std::thread::sleep` and
//! `std::thread::spawn` to them before libc.
//!
//! Invariants:
//! * every interposed call forwards its arguments unchanged to libc's definition (found once with
//!   `dlsym(RTLD_NEXT)`, or the raw system call if that fails) and returns its result, with one
//!   exception: a sleep made inside a controlled task returns at once, since that iteration ends
//!   as a bug at the task's next scheduling point anyway;
//! * when no controlled task is being polled, the watch costs one relaxed load;
//! * a hit disarms the watch while it records the call site, so recording (which may itself read
//!   the clock) cannot recurse, and no panic crosses the C boundary;
//! * while a hit renders its backtrace, [`diagnosing`] says so, and the iteration watchdog
//!   restarts its count (for up to 30 s), so a slow first symbolisation is not reported as a
//!   hang of the user's test.

// The exported names are fixed by libc and by the ABI, not by Rust's conventions.
#![allow(non_upper_case_globals)]

use coyote_core::abi::HostWatch;
use std::ffi::{c_int, c_void, CStr};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;

/// The watch the harness finds with `dlsym` (see [`coyote_core::abi::SYM_HOST_WATCH`]).
#[no_mangle]
pub static coyote_host_watch_v1: HostWatch = HostWatch {
    polling_thread: AtomicUsize::new(0),
    hits: AtomicU32::new(0),
    take_hit,
};

/// Set by `--allow-real-clock`: reading the clock is not reported (sleeping still is).
static ALLOW_CLOCK: AtomicBool = AtomicBool::new(false);

/// Whether controlled tasks may read the real clock without it being reported.
pub(crate) fn allow_real_clock(yes: bool) {
    ALLOW_CLOCK.store(yes, Relaxed);
}

/// The description of the first hit since the last `take_hit`.
static FIRST_HIT: Mutex<Option<String>> = Mutex::new(None);

/// Set while a hit renders its backtrace, which can take seconds the first time (it loads the
/// debug info of the binary and the library): the iteration watchdog does not count that time
/// against the user's iteration (see [`diagnosing`]).
static DIAGNOSING: AtomicBool = AtomicBool::new(false);

/// Whether the watch is rendering a hit's call site right now.
pub(crate) fn diagnosing() -> bool {
    DIAGNOSING.load(Relaxed)
}

static REAL_CLOCK_GETTIME: AtomicUsize = AtomicUsize::new(0);
static REAL_CLOCK_NANOSLEEP: AtomicUsize = AtomicUsize::new(0);
static REAL_NANOSLEEP: AtomicUsize = AtomicUsize::new(0);
static REAL_PTHREAD_CREATE: AtomicUsize = AtomicUsize::new(0);

type ClockGettime = unsafe extern "C" fn(libc::clockid_t, *mut libc::timespec) -> c_int;
type ClockNanosleep = unsafe extern "C" fn(
    libc::clockid_t,
    c_int,
    *const libc::timespec,
    *mut libc::timespec,
) -> c_int;
type PthreadCreate = unsafe extern "C" fn(
    *mut libc::pthread_t,
    *const libc::pthread_attr_t,
    extern "C" fn(*mut c_void) -> *mut c_void,
    *mut c_void,
) -> c_int;
type Nanosleep = unsafe extern "C" fn(*const libc::timespec, *mut libc::timespec) -> c_int;

/// libc's definition of `name`, looked up once; `None` if the lookup fails.
fn real(slot: &AtomicUsize, name: &CStr) -> Option<usize> {
    let mut p = slot.load(Relaxed);
    if p == 0 {
        // SAFETY: `name` is NUL-terminated; RTLD_NEXT searches the objects loaded after this one.
        p = unsafe { libc::dlsym(libc::RTLD_NEXT, name.as_ptr()) } as usize;
        slot.store(p, Relaxed);
    }
    (p != 0).then_some(p)
}

/// Interposed `clock_gettime`: watched, then libc's.
///
/// # Safety
/// As libc's `clock_gettime`: `tp` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn clock_gettime(clock: libc::clockid_t, tp: *mut libc::timespec) -> c_int {
    watch(Watched::Clock);
    match real(&REAL_CLOCK_GETTIME, c"clock_gettime") {
        // SAFETY: the address is libc's `clock_gettime`, which has this signature.
        Some(p) => unsafe { std::mem::transmute::<usize, ClockGettime>(p)(clock, tp) },
        // SAFETY: the system call takes the same arguments.
        None => unsafe { libc::syscall(libc::SYS_clock_gettime, clock, tp) as c_int },
    }
}

/// Interposed `clock_nanosleep` (what `std::thread::sleep` calls): watched, then libc's.
///
/// A sleep inside a controlled task returns at once: the iteration is reported as an
/// `uncontrolled` bug when the poll returns, and sleeping first would only turn that report
/// into a hang.
///
/// # Safety
/// As libc's `clock_nanosleep`.
#[no_mangle]
pub unsafe extern "C" fn clock_nanosleep(
    clock: libc::clockid_t,
    flags: c_int,
    req: *const libc::timespec,
    rem: *mut libc::timespec,
) -> c_int {
    if watch(Watched::Sleep) {
        return 0;
    }
    match real(&REAL_CLOCK_NANOSLEEP, c"clock_nanosleep") {
        // SAFETY: the address is libc's `clock_nanosleep`, which has this signature.
        Some(p) => unsafe {
            std::mem::transmute::<usize, ClockNanosleep>(p)(clock, flags, req, rem)
        },
        None => {
            // SAFETY: the system call takes the same arguments; it reports errors in errno,
            // where clock_nanosleep returns them.
            let r = unsafe { libc::syscall(libc::SYS_clock_nanosleep, clock, flags, req, rem) };
            if r == 0 {
                0
            } else {
                std::io::Error::last_os_error()
                    .raw_os_error()
                    .unwrap_or(libc::EINVAL)
            }
        }
    }
}

/// Interposed `nanosleep`: watched, then libc's (a sleep inside a controlled task returns at
/// once, as for `clock_nanosleep`).
///
/// # Safety
/// As libc's `nanosleep`.
#[no_mangle]
pub unsafe extern "C" fn nanosleep(req: *const libc::timespec, rem: *mut libc::timespec) -> c_int {
    if watch(Watched::Sleep) {
        return 0;
    }
    match real(&REAL_NANOSLEEP, c"nanosleep") {
        // SAFETY: the address is libc's `nanosleep`, which has this signature.
        Some(p) => unsafe { std::mem::transmute::<usize, Nanosleep>(p)(req, rem) },
        // SAFETY: the system call takes the same arguments.
        None => unsafe { libc::syscall(libc::SYS_nanosleep, req, rem) as c_int },
    }
}

/// Interposed `pthread_create` (what `std::thread::spawn` calls): watched, then libc's. The
/// thread is created either way; the report comes when the poll returns.
///
/// # Safety
/// As libc's `pthread_create`.
#[no_mangle]
pub unsafe extern "C" fn pthread_create(
    thread: *mut libc::pthread_t,
    attr: *const libc::pthread_attr_t,
    start: extern "C" fn(*mut c_void) -> *mut c_void,
    arg: *mut c_void,
) -> c_int {
    watch(Watched::Thread);
    match real(&REAL_PTHREAD_CREATE, c"pthread_create") {
        // SAFETY: the address is libc's `pthread_create`, which has this signature.
        Some(p) => unsafe {
            std::mem::transmute::<usize, PthreadCreate>(p)(thread, attr, start, arg)
        },
        // There is no system call to fall back on; libc always defines it.
        None => libc::EAGAIN,
    }
}

#[derive(Clone, Copy)]
enum Watched {
    Clock,
    Sleep,
    Thread,
}

/// Records the call if a controlled task is being polled on this thread; whether it did.
#[inline]
fn watch(what: Watched) -> bool {
    let polling = coyote_host_watch_v1.polling_thread.load(Relaxed);
    // SAFETY: pthread_self has no preconditions.
    let hit_now = polling != 0
        && polling == unsafe { libc::pthread_self() } as usize
        && !(matches!(what, Watched::Clock) && ALLOW_CLOCK.load(Relaxed));
    if hit_now {
        hit(polling, what);
    }
    hit_now
}

#[cold]
#[inline(never)]
fn hit(polling: usize, what: Watched) {
    let watch = &coyote_host_watch_v1;
    watch.polling_thread.store(0, Relaxed);
    if watch.hits.fetch_add(1, Relaxed) == 0 {
        let _ = std::panic::catch_unwind(|| {
            let word = match what {
                Watched::Clock => "clock",
                Watched::Sleep => "sleep",
                Watched::Thread => "thread",
            };
            DIAGNOSING.store(true, Relaxed);
            let stack = std::backtrace::Backtrace::force_capture().to_string();
            DIAGNOSING.store(false, Relaxed);
            // The real tokio crate reads the clock for its timers (`tokio::time::sleep` reads it
            // before it finds no runtime): named as tokio, not as the clock.
            let word = if stack.contains("tokio::time::") || stack.contains("tokio::net::") {
                "tokio"
            } else {
                word
            };
            let text = format!("{word} {}", call_site(&stack).unwrap_or_default());
            *FIRST_HIT.lock().unwrap_or_else(|e| e.into_inner()) = Some(text);
        });
    }
    watch.polling_thread.store(polling, Relaxed);
}

unsafe extern "C" fn take_hit(buf: *mut u8, cap: usize) -> usize {
    let text = std::panic::catch_unwind(|| {
        FIRST_HIT
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_default()
    })
    .unwrap_or_default();
    coyote_host_watch_v1.hits.store(0, Relaxed);
    let mut n = text.len().min(cap);
    while !text.is_char_boundary(n) {
        n -= 1;
    }
    if n > 0 && !buf.is_null() {
        // SAFETY: the caller gives `cap` writable bytes at `buf`; n <= cap.
        unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), buf, n) };
    }
    n
}

/// The user's frame in a rendered backtrace: the first frame after the interposed call that is
/// not in the standard library, tokio or the harness. Its `file:line:col` when it has one, else
/// its symbol; `None` when there is no such frame.
pub(crate) fn call_site(stack: &str) -> Option<String> {
    let frames = coyote_core::backtrace::frames(stack);
    let interposed = frames.iter().position(|f| {
        [
            "clock_gettime",
            "clock_nanosleep",
            "nanosleep",
            "pthread_create",
        ]
        .iter()
        .any(|c| f.symbol == *c || f.symbol.strip_suffix(c).is_some_and(|p| p.ends_with("::")))
    })?;
    coyote_core::backtrace::first_user_frame(&frames[interposed + 1..])
}

#[cfg(test)]
mod tests {
    use super::call_site;

    #[test]
    fn call_site_skips_std_and_finds_the_user_line() {
        let stack = "   0: coyote::clock::hit\n             at ./coyote-cli/src/clock.rs:140:25\n   1: clock_gettime\n             at ./coyote-cli/src/clock.rs:60:5\n   2: std::sys::pal::unix::time::Timespec::now\n             at /rustc/abc/library/std/src/sys/pal/unix/time.rs:112:13\n   3: std::time::Instant::now\n   4: faulty::real_clock::{{closure}}\n             at ./samples/faulty/src/lib.rs:120:13\n   5: coyote_harness::rt::executor::Executor::poll_task\n";
        assert_eq!(
            call_site(stack).as_deref(),
            Some("samples/faulty/src/lib.rs:120:13")
        );
    }

    #[test]
    fn call_site_falls_back_to_the_symbol_without_debug_info() {
        let stack = "   0: clock_nanosleep\n   1: std::thread::sleep\n   2: <tokio::time::Sleep>::poll\n   3: app::worker::{{closure}}\n";
        assert_eq!(
            call_site(stack).as_deref(),
            Some("in app::worker::{{closure}}")
        );
        assert_eq!(call_site("   0: main\n"), None);
    }
}
