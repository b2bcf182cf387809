//! The task that serves an actor's timers: in tests a controlled task picked only for its timer
//! (the earliest armed deadline), in production a tokio task that sleeps until that deadline
//! and is woken early when the table changes.

use super::{earliest, Mailbox, Sent, Server};
use crate::rt::{in_test, with_executor};
use crate::task;
use crate::time;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

#[track_caller]
pub(super) fn spawn_server<E: Send + fmt::Debug + 'static>(mailbox: Arc<Mailbox<E>>) -> Server {
    if in_test() {
        let handle = task::spawn(TestServer { mailbox });
        Server {
            task: handle.controlled_id(),
            abort: handle.abort_handle(),
            notify: None,
        }
    } else {
        let notify = Arc::new(tokio::sync::Notify::new());
        let wake = notify.clone();
        let handle = task::spawn(async move {
            loop {
                let next = earliest(&mailbox.timers.table().timers).map(|x| x.deadline);
                match next {
                    None => wake.notified().await,
                    Some(deadline) => {
                        tokio::select! {
                            _ = time::sleep_until(deadline) => {}
                            _ = wake.notified() => {}
                        }
                    }
                }
                while let Some((event, id)) = mailbox.timers.fire_due() {
                    mailbox.deliver_from(
                        event,
                        Sent {
                            timer: Some(id),
                            origin: None,
                        },
                    );
                }
            }
        });
        Server {
            task: None,
            abort: handle.abort_handle(),
            notify: Some(notify),
        }
    }
}

/// The test-mode serving task: picked only for its timer (the earliest armed deadline), it
/// fires that timer and sets its timer to the next one. Never woken otherwise.
struct TestServer<E> {
    mailbox: Arc<Mailbox<E>>,
}

impl<E: Send + fmt::Debug + 'static> Future for TestServer<E> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut TaskContext<'_>) -> Poll<()> {
        let timers = &self.mailbox.timers;
        if timers.table().closed {
            return Poll::Ready(());
        }
        if let Some((event, id)) = timers.fire_due() {
            let sent = Sent {
                timer: Some(id),
                origin: None,
            };
            self.mailbox.deliver_from(event, sent);
        }
        let next = earliest(&timers.table().timers).map(|x| (x.deadline.since_start(), x.loc));
        with_executor(|ex| ex.set_timer_of(ex.current_task(), next));
        Poll::Pending
    }
}
