//! Ctrl-C and SIGTERM: the first one asks the run to stop (workers are stopped, everything
//! found so far is written); a second one exits at once.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    if STOP.swap(true, Ordering::SeqCst) {
        // Second signal: leave now. Only async-signal-safe calls here.
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(coyote_core::exit::ExitCode::Interrupted.code()) };
    }
}

/// Installs the handlers for SIGINT and SIGTERM.
pub(crate) fn install() {
    // SAFETY: `on_signal` only touches an atomic and calls `_exit`, both async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
}

/// Whether a stop was requested.
pub(crate) fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}
