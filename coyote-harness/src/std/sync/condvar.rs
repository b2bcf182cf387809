//! `Condvar` mirroring `std::sync::Condvar`, spurious wake-ups explored.
//!
//! Production calls std's condvar with the std guard inside the [`MutexGuard`]. In a test a
//! wait is: a scheduling point (`condvar.wait`, `condvar.wait_timeout` for the timed forms; a
//! write of the condvar), the thread joins the condvar's waiters and releases the mutex (waking
//! its waiters; the step log's `release mutex` line), then the strategy makes a
//! declared choice: a *spurious wake-up* (the wait returns at once, without a notification, as
//! std allows) or a real wait, blocked until a notification picks it (or, for the timed waits,
//! until the virtual deadline passes: a timer whose firing the scheduler decides). Then it
//! locks the mutex again (a `mutex.lock` point). So code that waits without re-checking its
//! predicate in a loop is caught, and [`Condvar::wait_while`] is not.
//!
//! `notify_one` is a scheduling point (`condvar.notify_one`) that wakes one waiter *chosen by
//! the strategy* among those waiting then (std promises no order); `notify_all`
//! (`condvar.notify_all`) wakes them all. A notification with nobody waiting is lost, as in
//! std. The step log says how each wait ended: `-> woke: notified`, `-> woke spuriously`,
//! `-> timed out`.
//!
//! Invariants: a waiter is in the list from its release of the mutex until it is notified,
//! times out or wakes spuriously, and only notifications made while it is there can wake it;
//! a thread's wait cannot be spurious twice in a row on one condvar without a notification in
//! between (so a predicate loop never spins forever on spurious wake-ups and the search stays
//! finite).

use super::mutex::MutexGuard;
use super::wait::{block_until_now, WaitList};
use crate::rt::coro::sync_point;
use crate::rt::{in_test, with_executor, writes, ChoiceOf, OpKind};
use std::panic::Location;
use std::sync::{LockResult, PoisonError};
use std::time::Duration;

/// Whether a timed wait returned because its time ran out; mirrors
/// `std::sync::WaitTimeoutResult`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// True if the wait ended because the timeout elapsed.
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

#[derive(Default)]
struct Waiter {
    id: u64,
    notified: bool,
}

#[derive(Default)]
struct State {
    waiters: Vec<Waiter>,
    next_id: u64,
    notifications: u64,
    // (thread, notifications then) of the last spurious wake-up.
    last_spurious: Option<(u32, u64)>,
}

/// A condition variable; mirrors `std::sync::Condvar` (see the module docs).
///
/// ```
/// use coyote_harness::std::{sync::{Arc, Condvar, Mutex}, thread};
/// # coyote_harness::check(|| async {
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let p = pair.clone();
/// thread::spawn(move || {
///     *p.0.lock().unwrap() = true;
///     p.1.notify_one();
/// });
/// let (lock, cv) = &*pair;
/// let ready = cv.wait_while(lock.lock().unwrap(), |ready| !*ready).unwrap();
/// assert!(*ready);
/// # }, coyote_harness::Config::new().iterations(50));
/// ```
#[derive(Default)]
pub struct Condvar {
    std: std::sync::Condvar,
    state: std::sync::Mutex<State>,
    list: WaitList,
}

impl std::fmt::Debug for Condvar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}

/// How a controlled wait ended.
enum Woken {
    Notified,
    TimedOut,
}

impl Condvar {
    /// A new condition variable.
    pub const fn new() -> Self {
        Condvar {
            std: std::sync::Condvar::new(),
            state: std::sync::Mutex::new(State {
                waiters: Vec::new(),
                next_id: 0,
                notifications: 0,
                last_spurious: None,
            }),
            list: WaitList::new(),
        }
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Releases `guard`'s mutex, waits for a notification (or a spurious wake-up), locks it
    /// again. Scheduling points in tests; `Err` if the mutex was poisoned meanwhile.
    #[track_caller]
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        if !in_test() {
            return std_wait(guard, |g| self.std.wait(g));
        }
        self.controlled_wait(guard, None, true, Location::caller())
            .0
    }

    /// Waits while `condition` holds of the value (checked first, and after every wake-up);
    /// mirrors `std::sync::Condvar::wait_while`.
    #[track_caller]
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        let loc = Location::caller();
        if !in_test() {
            return std_wait(guard, |g| self.std.wait_while(g, condition));
        }
        while condition(&mut *guard) {
            guard = self.controlled_wait(guard, None, false, loc).0?;
        }
        Ok(guard)
    }

    /// [`Condvar::wait`] for at most `dur` (virtual time in tests).
    #[track_caller]
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        if !in_test() {
            return std_wait_timeout(guard, |g| self.std.wait_timeout(g, dur));
        }
        let (r, timed_out) = self.controlled_wait(guard, Some(dur), true, Location::caller());
        pair(r, timed_out)
    }

    /// [`Condvar::wait_while`] for at most `dur` (virtual time in tests); the result says
    /// whether the time ran out with the condition still true.
    #[track_caller]
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        dur: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        let loc = Location::caller();
        if !in_test() {
            return std_wait_timeout(guard, |g| self.std.wait_timeout_while(g, dur, condition));
        }
        let deadline = crate::time::now() + dur;
        loop {
            if !condition(&mut *guard) {
                return Ok((guard, WaitTimeoutResult(false)));
            }
            let now = crate::time::now();
            if now >= deadline {
                return Ok((guard, WaitTimeoutResult(true)));
            }
            let (r, _) = self.controlled_wait(guard, Some(deadline - now), false, loc);
            match r {
                Ok(g) => guard = g,
                Err(e) => {
                    let g = e.into_inner();
                    return Err(PoisonError::new((g, WaitTimeoutResult(false))));
                }
            }
        }
    }

    /// Wakes one waiting thread (the strategy chooses which, in tests). A scheduling point in
    /// tests.
    #[track_caller]
    pub fn notify_one(&self) {
        if !in_test() {
            return self.std.notify_one();
        }
        let loc = Location::caller();
        sync_point(OpKind::CondvarNotifyOne, writes(self), loc);
        let pending = {
            let mut st = self.st();
            st.notifications += 1;
            st.waiters.iter().filter(|w| !w.notified).count()
        };
        if pending == 0 {
            return;
        }
        let pick = if pending == 1 {
            0
        } else {
            let n = pending as u64;
            with_executor(|ex| ex.choose_int(n, loc, ChoiceOf::Random)).unwrap_or(0) as usize
        };
        {
            let mut st = self.st();
            if let Some(w) = st.waiters.iter_mut().filter(|w| !w.notified).nth(pick) {
                w.notified = true;
            }
        }
        self.list.wake_all();
    }

    /// Wakes every waiting thread. A scheduling point in tests.
    #[track_caller]
    pub fn notify_all(&self) {
        if !in_test() {
            return self.std.notify_all();
        }
        sync_point(OpKind::CondvarNotifyAll, writes(self), Location::caller());
        {
            let mut st = self.st();
            st.notifications += 1;
            for w in &mut st.waiters {
                w.notified = true;
            }
        }
        self.list.wake_all();
    }

    /// The test-mode wait: see the module docs. Returns the relocked guard and whether the
    /// deadline passed.
    fn controlled_wait<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Option<Duration>,
        spurious_ok: bool,
        loc: &'static Location<'static>,
    ) -> (LockResult<MutexGuard<'a, T>>, bool) {
        let access = writes(self);
        let kind = if timeout.is_some() {
            OpKind::CondvarWaitTimeout
        } else {
            OpKind::CondvarWait
        };
        sync_point(kind, access, loc);
        let thread = with_executor(|ex| ex.current_task()).unwrap_or(0);
        let id = {
            let mut st = self.st();
            let id = st.next_id;
            st.next_id += 1;
            st.waiters.push(Waiter {
                id,
                notified: false,
            });
            id
        };
        // Unlocks (waking the mutex's waiters) and logs the release.
        let mutex = guard.lock;
        drop(guard);

        // While unwinding a wait cannot suspend: it returns as a spurious wake-up would.
        let unwinding = std::thread::panicking();
        let may_be_spurious = !unwinding && spurious_ok && {
            let st = self.st();
            st.last_spurious != Some((thread, st.notifications))
        };
        let spurious = unwinding
            || may_be_spurious && with_executor(|ex| ex.choose_bool(loc)).unwrap_or(false);
        let timed_out = if spurious {
            with_executor(|ex| ex.note(format_args!("-> woke spuriously")));
            let mut st = self.st();
            st.last_spurious = Some((thread, st.notifications));
            st.waiters.retain(|w| w.id != id);
            false
        } else {
            let notified = || {
                let mut st = self.st();
                let i = st.waiters.iter().position(|w| w.id == id)?;
                if st.waiters[i].notified {
                    st.waiters.remove(i);
                    Some(())
                } else {
                    None
                }
            };
            let woken = match timeout {
                None => {
                    block_until_now(OpKind::CondvarWait, access, loc, &self.list, notified);
                    Woken::Notified
                }
                Some(dur) => {
                    let wait = super::wait::Until::new(&self.list, notified);
                    let timed = crate::time::timeout(dur, wait);
                    // Its own kind: the outcome line says which way it ended (below).
                    match crate::rt::coro::block_on_current(crate::rt::Controlled::blocking(
                        timed,
                        OpKind::CondvarWaitTimeout,
                        loc,
                        access,
                    )) {
                        Ok(()) => Woken::Notified,
                        Err(_) => Woken::TimedOut,
                    }
                }
            };
            let timed_out = match woken {
                Woken::Notified => false,
                Woken::TimedOut => {
                    let mut st = self.st();
                    // Notified at the deadline: the notification wins.
                    match st.waiters.iter().position(|w| w.id == id) {
                        Some(i) => {
                            let notified = st.waiters.remove(i).notified;
                            !notified
                        }
                        None => false,
                    }
                }
            };
            if timeout.is_some() {
                let what = if timed_out {
                    "timed out"
                } else {
                    "woke: notified"
                };
                with_executor(|ex| ex.note(format_args!("-> {what}")));
            }
            timed_out
        };
        (mutex.lock_at(loc), timed_out)
    }
}

fn pair<G>(r: LockResult<G>, timed_out: bool) -> LockResult<(G, WaitTimeoutResult)> {
    match r {
        Ok(g) => Ok((g, WaitTimeoutResult(timed_out))),
        Err(e) => Err(PoisonError::new((
            e.into_inner(),
            WaitTimeoutResult(timed_out),
        ))),
    }
}

/// A production wait: std's on the std guard inside ours.
fn std_wait<'a, T>(
    mut guard: MutexGuard<'a, T>,
    wait: impl FnOnce(std::sync::MutexGuard<'a, T>) -> LockResult<std::sync::MutexGuard<'a, T>>,
) -> LockResult<MutexGuard<'a, T>> {
    let mutex = guard.lock;
    let inner = guard.inner.take().expect("a held guard");
    drop(guard);
    mutex.wrap(wait(inner), None)
}

/// A production timed wait.
fn std_wait_timeout<'a, T>(
    mut guard: MutexGuard<'a, T>,
    wait: impl FnOnce(
        std::sync::MutexGuard<'a, T>,
    ) -> LockResult<(std::sync::MutexGuard<'a, T>, std::sync::WaitTimeoutResult)>,
) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
    let mutex = guard.lock;
    let inner = guard.inner.take().expect("a held guard");
    drop(guard);
    match wait(inner) {
        Ok((g, t)) => pair(mutex.wrap(Ok(g), None), t.timed_out()),
        Err(e) => {
            let (g, t) = e.into_inner();
            pair(mutex.wrap(Err(PoisonError::new(g)), None), t.timed_out())
        }
    }
}
