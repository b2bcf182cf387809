//! [`Id`]: a task's identity; mirrors `tokio::task::Id` (`task::id`, `try_id`,
//! `JoinHandle::id`, `AbortHandle::id`, `JoinSet::join_next_with_id`, `JoinError::id`).
//!
//! In production it is tokio's id. In a test it is the controlled task's number in the
//! iteration (the `task N` of the step log; `main` is 0), so it is the same in every replay
//! of a schedule. Invariant: two tasks running at once never have equal ids; ids of
//! different iterations may be equal (as tokio's of different runtimes may).

use crate::rt::with_executor;
use std::fmt;

/// An opaque id of a task, unique among the tasks that exist at once; mirrors
/// `tokio::task::Id`. Displayed as a number (a test's task number).
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, PartialOrd, Ord)]
pub struct Id(Repr);

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, PartialOrd, Ord)]
enum Repr {
    Tokio(tokio::task::Id),
    Controlled(u32),
}

impl Id {
    pub(crate) fn controlled(task: u32) -> Id {
        Id(Repr::Controlled(task))
    }

    pub(crate) fn tokio(id: tokio::task::Id) -> Id {
        Id(Repr::Tokio(id))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Tokio(id) => id.fmt(f),
            Repr::Controlled(task) => task.fmt(f),
        }
    }
}

/// The id of the running task; mirrors `tokio::task::id`. Panics outside a task (in a test,
/// every controlled task has one, `main` too).
#[track_caller]
pub fn id() -> Id {
    try_id().expect("can't get a task id when not inside a task")
}

/// The id of the running task, or `None` outside a task; mirrors `tokio::task::try_id`.
pub fn try_id() -> Option<Id> {
    match with_executor(|ex| ex.current_task()) {
        Some(task) => Some(Id::controlled(task)),
        None => tokio::task::try_id().map(Id::tokio),
    }
}
