//! Captures panics raised under a controlled executor: message and source location go to a
//! thread-local slot instead of stderr, so a panic becomes a bug report, not noise.
//!
//! Invariant: the hook is installed once per process and defers to the previous hook whenever
//! the panicking thread is not running a controlled iteration (production code is unaffected).

use std::cell::RefCell;
use std::sync::Once;

thread_local! {
    static LAST: RefCell<Option<(String, Option<String>)>> = const { RefCell::new(None) };
    static CAPTURING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

static INSTALL: Once = Once::new();

/// Installs the capturing hook (idempotent).
pub(crate) fn install_hook() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(|c| c.get()) {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                let message = payload_message(info.payload());
                LAST.with(|l| *l.borrow_mut() = Some((message, location)));
            } else {
                previous(info);
            }
        }));
    });
}

/// Turns capturing on or off for this thread.
pub(crate) fn set_capturing(on: bool) {
    CAPTURING.with(|c| c.set(on));
}

/// Takes the last captured panic (message, location).
pub(crate) fn take_last() -> Option<(String, Option<String>)> {
    LAST.with(|l| l.borrow_mut().take())
}

/// The text of a panic payload.
pub(crate) fn payload_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}
