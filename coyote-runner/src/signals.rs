//! Ctrl-C and SIGTERM: the first one asks the run to stop (workers are stopped, everything
//! found so far is written); a second one exits at once with [`ExitCode::Interrupted`].
//!
//! Invariant: the handlers only set a flag or exit (signal-hook's async-signal-safe handlers);
//! everything else happens when the run polls [`stop_requested`].

use coyote_core::exit::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

fn flag() -> &'static Arc<AtomicBool> {
    static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    STOP.get_or_init(|| Arc::new(AtomicBool::new(false)))
}

/// Installs the handlers for SIGINT and SIGTERM.
pub(crate) fn install() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for sig in [SIGINT, SIGTERM] {
        // Registered first, so it sees the flag as the previous signal left it: a second
        // signal exits, the first only sets the flag.
        signal_hook::flag::register_conditional_shutdown(
            sig,
            ExitCode::Interrupted.code(),
            Arc::clone(flag()),
        )?;
        signal_hook::flag::register(sig, Arc::clone(flag()))?;
    }
    Ok(())
}

/// Whether a stop was requested.
pub(crate) fn stop_requested() -> bool {
    flag().load(Ordering::SeqCst)
}
