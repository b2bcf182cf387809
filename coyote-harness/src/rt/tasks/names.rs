//! Which tasks are controlled threads, their names, and how reports name a task.
//!
//! Invariant: nothing here is on the hot path; the thread list is read for reports and at the
//! rare thread operations only.

use super::{fmt_loc, Task, Tasks, ThreadName};

impl Tasks {
    /// Marks `task` as a controlled thread named `name`.
    pub(crate) fn set_thread(&self, task: u32, name: ThreadName) {
        self.threads.borrow_mut().push((task, name));
    }

    /// Whether `task` is a controlled thread.
    pub(crate) fn is_thread(&self, task: u32) -> bool {
        self.threads.borrow().iter().any(|(t, _)| *t == task)
    }

    /// The name of `task` if it is a named thread (`main` for task 0).
    pub(crate) fn thread_name(&self, task: u32) -> Option<std::sync::Arc<str>> {
        if task == 0 {
            return Some("main".into());
        }
        self.thread(task).flatten()
    }

    /// `Some(name)` if `task` is a thread.
    fn thread(&self, task: u32) -> Option<ThreadName> {
        self.threads
            .borrow()
            .iter()
            .find(|(t, _)| *t == task)
            .map(|(_, n)| n.clone())
    }

    /// How reports name task `id` (`main`, or `task 3 (spawned at file:line:col)`).
    pub(crate) fn label(&self, id: u32) -> String {
        match self.table.borrow().get(id as usize) {
            Some(t) => self.label_of(id, t),
            None => format!("task {id}"),
        }
    }

    /// How reports name task `id`, which is `t`.
    pub(crate) fn label_of(&self, id: u32, t: &Task) -> String {
        if id == 0 {
            "main".into()
        } else if let Some(name) = self.thread(id) {
            match name {
                Some(n) => format!("thread {id} '{n}' (spawned at {})", fmt_loc(t.spawned_at)),
                None => format!("thread {id} (spawned at {})", fmt_loc(t.spawned_at)),
            }
        } else {
            format!("task {id} (spawned at {})", fmt_loc(t.spawned_at))
        }
    }
}
