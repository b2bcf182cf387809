//! What the iteration knows of its controlled threads beyond the task table: panics waiting for
//! a `join`, park tokens, and thread-local values.
//!
//! Invariants:
//! * a thread's panic is a bug unless its `JoinHandle` is joined: it is kept here until the
//!   handle joins it (then forgotten) or is dropped (then reported), and one still kept when the
//!   iteration would complete is reported then;
//! * a park token is per task, set by `unpark`, consumed by `park` (std's semantics, without
//!   spurious wake-ups);
//! * a thread-local value lives from its first access in a task until that task ends (a thread)
//!   or the iteration ends; values are dropped outside any borrow, so a destructor may use the
//!   harness again.

use coyote_core::trace::Failure;
use std::any::Any;
use std::cell::RefCell;
use std::task::Waker;

#[derive(Default)]
struct Rec {
    task: u32,
    panic: Option<Failure>,
    handle_dropped: bool,
    token: bool,
    parked: Option<Waker>,
}

struct Local {
    key: usize,
    task: u32,
    value: Box<dyn Any>,
}

/// See the module docs.
#[derive(Default)]
pub(crate) struct Threads {
    recs: RefCell<Vec<Rec>>,
    locals: RefCell<Vec<Local>>,
}

/// Values to drop outside the borrow.
pub(crate) type Remains = Vec<Box<dyn Any>>;

impl Threads {
    /// Forgets the iteration's threads; returns the thread-local values to drop.
    #[inline]
    pub(crate) fn reset(&self) -> Option<Remains> {
        let mut recs = self.recs.borrow_mut();
        if !recs.is_empty() {
            recs.clear();
        }
        let mut locals = self.locals.borrow_mut();
        (!locals.is_empty()).then(|| locals.drain(..).map(|l| l.value).collect())
    }

    fn with<R>(&self, task: u32, f: impl FnOnce(&mut Rec) -> R) -> R {
        let mut recs = self.recs.borrow_mut();
        let i = match recs.iter().position(|r| r.task == task) {
            Some(i) => i,
            None => {
                recs.push(Rec {
                    task,
                    ..Rec::default()
                });
                recs.len() - 1
            }
        };
        f(&mut recs[i])
    }

    /// Thread `task` panicked with `failure`: the failure to report now if nobody can join it.
    pub(crate) fn panicked(&self, task: u32, failure: Failure) -> Option<Failure> {
        self.with(task, |r| {
            if r.handle_dropped {
                Some(failure)
            } else {
                r.panic = Some(failure);
                None
            }
        })
    }

    /// `task`'s handle joined it: its panic, if any, is the joiner's to handle.
    pub(crate) fn joined(&self, task: u32) {
        self.with(task, |r| r.panic = None);
    }

    /// `task`'s handle was dropped unjoined: its panic, if it panicked, is a bug now.
    pub(crate) fn handle_dropped(&self, task: u32) -> Option<Failure> {
        self.with(task, |r| {
            r.handle_dropped = true;
            r.panic.take()
        })
    }

    /// A panic nobody joined, when the iteration would complete.
    pub(crate) fn take_unjoined_panic(&self) -> Option<Failure> {
        self.recs
            .borrow_mut()
            .iter_mut()
            .find_map(|r| r.panic.take())
    }

    /// `park` of `task`: consumes its token if set (true), else registers `waker`.
    pub(crate) fn park(&self, task: u32, waker: &Waker) -> bool {
        self.with(task, |r| {
            if std::mem::take(&mut r.token) {
                r.parked = None;
                true
            } else {
                r.parked = Some(waker.clone());
                false
            }
        })
    }

    /// `unpark` of `task`: sets its token; returns the waker of its `park` to wake, if parked.
    pub(crate) fn unpark(&self, task: u32) -> Option<Waker> {
        self.with(task, |r| {
            r.token = true;
            r.parked.take()
        })
    }

    /// The thread-local `key` of `task`, if it has one.
    pub(crate) fn local(&self, key: usize, task: u32) -> Option<*const dyn Any> {
        self.locals
            .borrow()
            .iter()
            .find(|l| l.key == key && l.task == task)
            .map(|l| &*l.value as *const dyn Any)
    }

    /// Stores `task`'s thread-local `key` (made outside any borrow); returns where it lives.
    pub(crate) fn set_local(&self, key: usize, task: u32, value: Box<dyn Any>) -> *const dyn Any {
        let ptr = &*value as *const dyn Any;
        self.locals.borrow_mut().push(Local { key, task, value });
        ptr
    }

    /// Takes `task`'s thread-local values (it ended), to drop outside the borrow.
    pub(crate) fn take_locals(&self, task: u32) -> Remains {
        let mut locals = self.locals.borrow_mut();
        let mut out = Vec::new();
        let mut i = 0;
        while i < locals.len() {
            if locals[i].task == task {
                out.push(locals.swap_remove(i).value);
            } else {
                i += 1;
            }
        }
        out
    }
}
