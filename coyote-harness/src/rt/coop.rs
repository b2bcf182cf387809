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
//! operation progress ([`spent_in_poll`], which refills the unit). A second budgeted tokio operation in the same poll
//! finds the budget empty and wakes the task at once (tokio's `register_waker` outside a
//! runtime): that wake, made inside the user's call, is where [`call_site`] finds the user's
//! line.
//!
//! How the budget is set without a tokio runtime (which would also make `tokio::spawn` succeed
//! silently): a `LocalSet`'s tasks are polled with a fresh budget (128) wherever the `LocalSet`
//! is polled, and no runtime context is entered. [`budgeted`] runs a whole run of iterations (or
//! one) as such a task and spends the budget down to [`LEVEL`] once; a `poll_proceed` guard
//! taken one unit above it refills the unit when user code spent it, so a step pays one
//! thread-local read.
//!
//! Invariants: outside a scope nothing here changes tokio's budget (production code keeps it
//! as tokio sets it); every harness primitive polls its tokio futures with
//! [`poll_unbudgeted`] in test mode ([`Controlled`](super::Controlled) does); `Notify`, `watch`, `broadcast` and `Barrier::wait` never take budget in tokio: their
//! waits are seen another way (`executor/real_tokio.rs`, through [`tokio_caller`]).

use coyote_core::backtrace;
use futures_util::task::noop_waker_ref;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use tokio::task::coop::{self, RestoreOnPending};

/// The budget between two polls and during one: one unit, for user code.
const LEVEL: usize = 1;

/// The budget tokio gives a task for each poll (`Budget::initial()` in tokio 1.x; the tests
/// of this module fail if a tokio release changes it).
const INITIAL: usize = 128;

thread_local! {
    /// Whether this thread runs inside [`budgeted`].
    static SCOPE: Cell<bool> = const { Cell::new(false) };
    /// A guard that puts the budget back to `LEVEL + 1` when dropped (taken at that level);
    /// held while in scope, to refill the unit after user code spent it.
    static REFILL: RefCell<Option<RestoreOnPending>> = const { RefCell::new(None) };
}

/// Runs `f` (iterations) with tokio's coop budget at [`LEVEL`]: as the only task of a fresh
/// `LocalSet`, polled here to completion; inside such a scope already, `f` runs directly (with
/// the unit refilled).
pub(crate) fn budgeted<R>(f: impl FnOnce() -> R) -> R {
    if SCOPE.with(Cell::get) {
        refill_if_spent();
        return f();
    }
    let local = tokio::task::LocalSet::new();
    let out = Rc::new(Cell::new(None));
    let slot = out.clone();
    let run: Box<dyn FnOnce() + '_> = Box::new(move || slot.set(Some(f())));
    // SAFETY: lifetime erasure only. The task that calls `run` is polled to completion below,
    // before this function returns, and `local` (which owns the task, also if it panicked) is
    // dropped before `f`'s borrows end; the task never runs anywhere else.
    let run: Box<dyn FnOnce() + 'static> = unsafe { std::mem::transmute(run) };
    let handle = local.spawn_local(async move {
        let _scope = Scope::enter();
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

/// The scope of [`budgeted`] inside its `LocalSet` task: sets the level on entry, and on exit
/// (also when unwinding) lets the refill guard go without restoring anything.
struct Scope;

impl Scope {
    fn enter() -> Scope {
        let mut cx = Context::from_waker(noop_waker_ref());
        for _ in 0..INITIAL - LEVEL - 1 {
            match coop::poll_proceed(&mut cx) {
                Poll::Ready(restore) => restore.made_progress(),
                Poll::Pending => break,
            }
        }
        // At LEVEL + 1: the refill guard remembers it and leaves LEVEL.
        let refill = match coop::poll_proceed(&mut cx) {
            Poll::Ready(r) => Some(r),
            Poll::Pending => None,
        };
        REFILL.with(|g| *g.borrow_mut() = refill);
        SCOPE.with(|s| s.set(true));
        Scope
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        SCOPE.with(|s| s.set(false));
        if let Some(g) = REFILL.with(|g| g.borrow_mut().take()) {
            g.made_progress();
        }
    }
}

/// Puts the unit back if user code spent it.
#[inline]
fn refill_if_spent() {
    if empty() {
        refill();
    }
}

#[cold]
fn refill() {
    REFILL.with(|g| {
        let mut g = g.borrow_mut();
        // Back to LEVEL + 1, then a new guard at that level, leaving LEVEL.
        drop(g.take());
        let mut cx = Context::from_waker(noop_waker_ref());
        *g = match coop::poll_proceed(&mut cx) {
            Poll::Ready(r) => Some(r),
            Poll::Pending => None,
        };
    });
}

/// After a task poll: whether user code spent the task's unit (a real tokio operation made
/// progress); the unit is refilled for the next poll.
#[inline]
pub(crate) fn spent_in_poll() -> bool {
    if empty() && SCOPE.with(Cell::get) {
        refill();
        true
    } else {
        false
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
    let frames = backtrace::frames(stack);
    // Below the wake (the harness's waker, std's): tokio's frames, else the wake did not come
    // from inside a tokio operation.
    let first = frames
        .iter()
        .position(|f| f.is_tokio() || !f.is_library())?;
    if !frames[first].is_tokio() {
        return None;
    }
    backtrace::first_user_frame(&frames[first..])
}

/// Where user code called into tokio, in a backtrace taken in a waker function (a wake, or a
/// waker dropped, by a real tokio primitive): the outermost tokio function of the innermost run
/// of tokio frames (the drop glue of a tokio type counts), and the user frame past it as
/// `file:line:col` (`in symbol` without debug info; `None` past drop glue, which has no line of
/// the user's). `None` when the first frame past the standard library and the harness is not
/// tokio's, or when the harness or the drop-in called tokio (their own use, through their
/// primitives), or when no user frame follows.
pub(crate) fn tokio_caller(stack: &str) -> Option<(String, Option<String>)> {
    let frames = backtrace::frames(stack);
    let mut i = frames.iter().position(|f| {
        let (s, _) = normalized(f.symbol);
        !is_std(s) && !is_ours(s)
    })?;
    let (first, _) = normalized(frames[i].symbol);
    if !first.starts_with("tokio::") {
        return None;
    }
    let mut outer = first;
    while i < frames.len() {
        let (s, glue) = normalized(frames[i].symbol);
        i += 1;
        if s.starts_with("tokio::") {
            outer = s;
        } else if is_ours(s) {
            return None;
        } else if is_std(s) || (!glue && frames[i - 1].is_library()) {
            continue;
        } else {
            let site = match (glue, frames[i - 1].at) {
                (true, _) => None,
                (false, Some(at)) => Some(at.trim_start_matches("./").to_string()),
                (false, None) => Some(format!("in {s}")),
            };
            let outer = if glue {
                outer.strip_suffix('>').unwrap_or(outer)
            } else {
                outer
            };
            return Some((outer.to_string(), site));
        }
    }
    None
}

/// A frame's symbol without a leading `<` or drop glue around it, and whether it was drop glue.
fn normalized(symbol: &str) -> (&str, bool) {
    let s = symbol.trim_start_matches('<');
    match s.strip_prefix("core::ptr::drop_in_place<") {
        Some(inner) => (inner.trim_start_matches('<'), true),
        None => (s, false),
    }
}

fn is_std(s: &str) -> bool {
    [
        "std::",
        "core::",
        "alloc::",
        "futures_util::",
        "futures_core::",
        "__",
    ]
    .iter()
    .any(|p| s.starts_with(p))
}

fn is_ours(s: &str) -> bool {
    s.starts_with("coyote_harness::") || s.starts_with("coyote_tokio::")
}

#[cfg(test)]
mod tests {
    use super::{call_site, tokio_caller};
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
    fn tokio_caller_names_the_tokio_function_and_the_users_line_not_the_harness() {
        let notify = "   0: std::backtrace::Backtrace::force_capture\n   1: coyote_harness::rt::executor::Executor::woken_off_control\n             at ./coyote-harness/src/rt/x.rs:1:1\n   2: core::task::wake::Waker::wake\n             at /rustc/abc/library/core/src/task/wake.rs:1:1\n   3: tokio::util::wake_list::WakeList::wake_all\n             at /root/.cargo/registry/src/x/tokio-1.54.1/src/util/wake_list.rs:1:1\n   4: tokio::sync::notify::Notify::notify_one\n             at /root/.cargo/registry/src/x/tokio-1.54.1/src/sync/notify.rs:1:1\n   5: app::notifier::{{closure}}\n             at ./src/lib.rs:7:11\n   6: coyote_harness::rt::executor::Executor::poll_task\n";
        assert_eq!(
            tokio_caller(notify),
            Some((
                "tokio::sync::notify::Notify::notify_one".to_string(),
                Some("src/lib.rs:7:11".to_string())
            ))
        );
        // The harness's own Notify wraps tokio's: its wakes are no report.
        let harness = notify.replace(
            "app::notifier",
            "coyote_harness::sync::notify::Notify::notify_one",
        );
        assert_eq!(tokio_caller(&harness), None);
        // A wake from the user's own code, or from futures, names nothing.
        let own = "   0: std::backtrace::Backtrace::force_capture\n   1: core::task::wake::Waker::wake\n   2: app::f\n             at ./src/lib.rs:3:1\n";
        assert_eq!(tokio_caller(own), None);
        // A waker dropped with a tokio future: its drop glue counts as tokio's; the user's
        // future is dropped by the harness, past drop glue with no user line.
        let dropped = "   0: std::backtrace::Backtrace::force_capture\n   1: core::ptr::drop_in_place<core::task::wake::Waker>\n   2: core::ptr::drop_in_place<tokio::sync::notify::Notified>\n             at /rustc/abc/library/core/src/ptr/mod.rs:1:1\n   3: core::ptr::drop_in_place<app::f::{{closure}}>\n             at /rustc/abc/library/core/src/ptr/mod.rs:1:1\n   4: coyote_harness::rt::executor::Executor::probe\n";
        assert_eq!(
            tokio_caller(dropped),
            Some(("tokio::sync::notify::Notified".to_string(), None))
        );
        let harness_drop = dropped.replace("app::f", "coyote_harness::rt::point::Controlled<X>");
        assert_eq!(tokio_caller(&harness_drop), None);
    }

    #[test]
    fn an_iteration_runs_with_one_unit_per_poll_and_sees_a_spent_one() {
        let (fresh, spent, refilled, unspent, nested) = super::budgeted(|| {
            let mut cx = std::task::Context::from_waker(futures_util::task::noop_waker_ref());
            let fresh = !super::empty();
            let m = tokio::sync::Mutex::new(());
            drop(std::pin::pin!(m.lock()).as_mut().poll(&mut cx));
            let spent = super::spent_in_poll();
            let refilled = !super::empty();
            drop(super::poll_unbudgeted(std::pin::pin!(m.lock()), &mut cx));
            let unspent = !super::spent_in_poll();
            let nested = super::budgeted(|| !super::empty());
            (fresh, spent, refilled, unspent, nested)
        });
        assert!(fresh, "a poll starts with one unit");
        assert!(spent, "a real tokio lock spends it");
        assert!(refilled, "and it is refilled after");
        assert!(unspent, "the harness's own tokio polls do not spend it");
        assert!(nested, "a nested scope runs with the unit");
        assert!(
            !super::spent_in_poll(),
            "outside a scope nothing is reported"
        );
        assert!(!super::empty(), "and the budget outside is tokio's own");
    }
}
