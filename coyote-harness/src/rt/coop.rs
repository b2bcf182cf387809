//! Seeing the real tokio crate used inside a controlled task, through tokio's own cooperative
//! budget (`tokio::task::coop`).
//!
//! The harness wraps tokio's primitives, so a user's *direct* use of the real `tokio::sync`
//! (a `tokio::sync::Mutex` instead of the drop-in's or `coyote_harness::sync`'s) runs and works
//! under the controlled executor, silently: its operations are no scheduling points, so the bugs
//! between them go unfound. What gives the use away is that tokio's leaf futures (the
//! semaphore behind `Mutex`, `RwLock` and `Semaphore`; `mpsc` and `oneshot` receives; `Sleep`,
//! `Timeout`, `JoinHandle`, the I/O resources, `tokio::io::copy` and the in-memory `duplex`)
//! take one unit of the running task's coop budget each time they make progress
//! (`coop::poll_proceed`), and every tokio runtime gives a task a budget for each poll.
//!
//! So the executor gives every controlled task a budget too, of exactly one unit, and the
//! harness polls the tokio futures inside its own primitives without a budget
//! ([`poll_unbudgeted`]). After a poll, a spent budget means user code made a real tokio
//! operation progress ([`Budget::spent`]). A second budgeted tokio operation in the same poll
//! finds the budget empty and wakes the task at once (tokio's `register_waker` outside a
//! runtime): that wake, made inside the user's call, is where [`call_site`] finds the user's
//! line.
//!
//! How the budget is set without a tokio runtime (which would also make `tokio::spawn` succeed
//! silently): a `LocalSet`'s tasks are polled with a fresh budget (128) wherever the `LocalSet`
//! is polled, and no runtime context is entered. [`budgeted`] runs an iteration as such a task,
//! spends the budget down to [`LEVEL`] once, and each task poll then takes one unit with
//! `poll_proceed`, whose guard puts the level back when dropped after the poll.
//!
//! Invariants: outside test mode nothing here runs (production code keeps tokio's budget as
//! tokio sets it); [`poll_unbudgeted`] is the only way the harness polls a tokio future in test
//! mode; `Notify`, `watch`, `broadcast` and `Barrier::wait` never take budget in tokio, so their
//! direct use is *not* seen (docs/tokio-semantics.md lists this).

use futures_util::task::noop_waker_ref;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::task::coop::{self, RestoreOnPending};

/// The budget between two polls: each poll takes one unit, leaving one for user code.
const LEVEL: usize = 2;

/// Runs `f` (an iteration) with tokio's coop budget set to [`LEVEL`], as the only task of a
/// fresh `LocalSet`, polled here to completion.
pub(crate) fn budgeted<R>(f: impl FnOnce() -> R) -> R {
    let local = tokio::task::LocalSet::new();
    let out = std::rc::Rc::new(std::cell::Cell::new(None));
    let slot = out.clone();
    let run: Box<dyn FnOnce() + '_> = Box::new(move || slot.set(Some(f())));
    // SAFETY: lifetime erasure only. The task that calls `run` is polled to completion below,
    // before this function returns, and `local` (which owns the task, also if it panicked) is
    // dropped before `f`'s borrows end; the task never runs anywhere else.
    let run: Box<dyn FnOnce() + 'static> = unsafe { std::mem::transmute(run) };
    let handle = local.spawn_local(async move {
        spend_to_level();
        run();
    });
    let joined = {
        let mut until = std::pin::pin!(local.run_until(handle));
        let mut cx = Context::from_waker(noop_waker_ref());
        loop {
            if let Poll::Ready(joined) = until.as_mut().poll(&mut cx) {
                break joined;
            }
        }
    };
    drop(local);
    if let Err(e) = joined {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
    }
    out.take().expect("the iteration's task ran to its end")
}

/// The budget tokio gives a task for each poll (`Budget::initial()` in tokio 1.x; the tests
/// of this module fail if a tokio release changes it).
const INITIAL: usize = 128;

/// Spends the fresh budget of the `LocalSet` task down to [`LEVEL`].
fn spend_to_level() {
    let mut cx = Context::from_waker(noop_waker_ref());
    for _ in 0..INITIAL - LEVEL {
        match coop::poll_proceed(&mut cx) {
            Poll::Ready(restore) => restore.made_progress(),
            Poll::Pending => break,
        }
    }
}

/// One task poll's budget: taken before the poll, checked and put back after it.
pub(crate) struct Budget(Option<RestoreOnPending>);

impl Budget {
    /// Takes one unit before polling a task (the budget was [`LEVEL`]; one unit is left for the
    /// task).
    #[inline]
    pub(crate) fn take(cx: &mut Context<'_>) -> Budget {
        match coop::poll_proceed(cx) {
            Poll::Ready(r) => Budget(Some(r)),
            Poll::Pending => Budget(None),
        }
    }

    /// After the poll: whether user code spent the unit left to it (a real tokio operation made
    /// progress). Puts the budget back to [`LEVEL`] either way.
    #[inline]
    pub(crate) fn spent(self) -> bool {
        let spent = self.0.is_some() && !coop::has_budget_remaining();
        drop(self.0);
        spent
    }
}

/// Polls a tokio future inside a harness primitive without tokio's budget, so the harness's own
/// use of tokio is not taken for the user's (see the module docs). In production mode the
/// caller polls directly, under tokio's budget.
#[inline]
pub(crate) fn poll_unbudgeted<F: Future>(f: Pin<&mut F>, cx: &mut Context<'_>) -> Poll<F::Output> {
    let mut f = coop::unconstrained(f);
    Pin::new(&mut f).poll(cx)
}

/// Whether the budget is empty now (a real tokio operation spent the task's unit).
#[inline]
pub(crate) fn empty() -> bool {
    !coop::has_budget_remaining()
}

/// The user's line in a backtrace taken inside a real tokio operation: the first frame after
/// tokio's that belongs neither to the standard library, tokio, futures nor the harness, as
/// `file:line:col` (or its symbol without debug info).
pub(crate) fn call_site(stack: &str) -> Option<String> {
    let mut frames: Vec<(&str, Option<&str>)> = Vec::new();
    for line in stack.lines() {
        let line = line.trim();
        if let Some(at) = line.strip_prefix("at ") {
            if let Some(last) = frames.last_mut() {
                last.1.get_or_insert(at);
            }
        } else if let Some((n, symbol)) = line.split_once(": ") {
            if n.chars().all(|c| c.is_ascii_digit()) {
                frames.push((symbol, None));
            }
        }
    }
    let library = |s: &str| {
        let s = s.trim_start_matches('<');
        [
            "std::",
            "core::",
            "alloc::",
            "tokio::",
            "futures_util::",
            "futures_core::",
            "coyote_harness::",
            "__",
        ]
        .iter()
        .any(|p| s.starts_with(p))
    };
    let foreign = |p: &str| p.contains("/rustc/") || p.contains("/.cargo/registry/");
    // Below the wake (the harness's waker, std's): tokio's frames, else the wake did not come
    // from inside a tokio operation.
    let is_tokio = |s: &str| s.trim_start_matches('<').starts_with("tokio::");
    let first_tokio = frames
        .iter()
        .position(|(s, _)| is_tokio(s) || !library(s))?;
    if !is_tokio(frames[first_tokio].0) {
        return None;
    }
    let (symbol, at) = frames[first_tokio..]
        .iter()
        .find(|(s, at)| !library(s) && !at.is_some_and(foreign))?;
    Some(match at {
        Some(at) => at.trim_start_matches("./").to_string(),
        None => format!("in {symbol}"),
    })
}

#[cfg(test)]
mod tests {
    use super::call_site;
    use std::future::Future;

    #[test]
    fn call_site_skips_the_harness_and_tokio_and_finds_the_user_line() {
        let stack = "   0: std::backtrace::Backtrace::force_capture\n   1: coyote_harness::rt::waker::wake\n             at ./coyote-harness/src/rt/waker.rs:30:5\n   2: tokio::runtime::context::defer\n             at /root/.cargo/registry/src/x/tokio-1.54.1/src/runtime/context.rs:180:17\n   3: tokio::sync::mutex::Mutex<T>::lock::{{closure}}\n             at /root/.cargo/registry/src/x/tokio-1.54.1/src/sync/mutex.rs:20:1\n   4: app::lost_update::{{closure}}\n             at ./src/lib.rs:12:30\n   5: coyote_harness::rt::executor::Executor::poll_task\n";
        assert_eq!(call_site(stack).as_deref(), Some("src/lib.rs:12:30"));
        assert_eq!(call_site("   0: main\n"), None);
        // A wake from the user's own code (no tokio frame above it) names nothing.
        let own = "   0: coyote_harness::rt::waker::wake\n   1: app::f::{{closure}}\n             at ./src/lib.rs:3:1\n   2: tokio::task::local::LocalSet::run_until\n   3: app::g\n             at ./src/lib.rs:9:1\n";
        assert_eq!(call_site(own), None);
    }

    #[test]
    fn an_iteration_runs_with_one_unit_per_poll_and_sees_a_spent_one() {
        let (fresh, spent, unspent) = super::budgeted(|| {
            let mut cx = std::task::Context::from_waker(futures_util::task::noop_waker_ref());
            let budget = super::Budget::take(&mut cx);
            let fresh = !super::empty();
            let m = tokio::sync::Mutex::new(());
            drop(std::pin::pin!(m.lock()).as_mut().poll(&mut cx));
            let spent = budget.spent();
            let budget = super::Budget::take(&mut cx);
            let lock = std::pin::pin!(m.lock());
            drop(super::poll_unbudgeted(lock, &mut cx));
            (fresh, spent, budget.spent())
        });
        assert!(fresh, "a poll starts with one unit");
        assert!(spent, "a real tokio lock spends it");
        assert!(!unspent, "the harness's own tokio polls do not");
    }
}
