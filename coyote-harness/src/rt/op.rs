//! What a controlled operation is: [`OpKind`], one variant per operation a task can be about to
//! do (or wait on) at a scheduling point.
//!
//! Invariants: a kind's [`label`](OpKind::label) is the text the step log and deadlock reports
//! have always shown for it (logs are compared byte for byte by tests and snapshots), labels are
//! distinct, and the executor compares kinds only by variant (`Join`, `Yield`), never by label.

/// What a controlled operation is, for logs and deadlock reports (`mutex.lock`, `sleep`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpKind {
    /// A task's first step (nothing recorded yet).
    Start,
    /// Awaiting a `JoinHandle` (or `join_all` waiting for several).
    Join,
    /// A bare `task::yield_now`: its task asks to let the others run (see
    /// `SchedulingPoint::yielded`).
    Yield,
    /// `task::yield_read`.
    Read,
    /// `task::yield_write`.
    Write,
    /// `time::sleep` / `sleep_until` (and `timeout`'s deadline).
    Sleep,
    /// `time::Interval::tick`.
    IntervalTick,
    /// `JoinSet::join_next`.
    JoinSetJoinNext,
    /// An actor's timer.
    ActorTimer,
    /// An actor dequeues an event.
    ActorReceive,
    /// An actor sends an event.
    ActorSend,
    /// `Mutex::lock`.
    MutexLock,
    /// `RwLock::read`.
    RwLockRead,
    /// `RwLock::write`.
    RwLockWrite,
    /// `Semaphore::acquire`.
    SemaphoreAcquire,
    /// `Notify::notified`.
    NotifyNotified,
    /// The making of a `Notify::notified` future (a point only on coroutines: a `notify_waiters`
    /// after it wakes the future, polled or not).
    NotifyNotifiedMade,
    /// `Notify::notify_one` (a point only on coroutines, as the two below).
    NotifyOne,
    /// `Notify::notify_last`.
    NotifyLast,
    /// `Notify::notify_waiters` (which, unlike the two above, stores no permit).
    NotifyWaiters,
    /// `Condvar::wait` and its timed and `_while` forms (std mirror).
    CondvarWait,
    /// The wait of `Condvar::wait_timeout` and `wait_timeout_while` (its outcome is logged by
    /// the condvar: notified or timed out).
    CondvarWaitTimeout,
    /// `Condvar::notify_one`.
    CondvarNotifyOne,
    /// `Condvar::notify_all`.
    CondvarNotifyAll,
    /// `Barrier::wait`.
    BarrierWait,
    /// `OnceCell::get_or_init`.
    OnceCellGetOrInit,
    /// `SetOnce::wait`.
    SetOnceWait,
    /// `mpsc` send.
    MpscSend,
    /// `mpsc` receive.
    MpscRecv,
    /// `mpsc` `closed`.
    MpscClosed,
    /// `oneshot` receive.
    OneshotRecv,
    /// `oneshot::Sender::closed`.
    OneshotClosed,
    /// `broadcast` receive.
    BroadcastRecv,
    /// `watch::Receiver::changed`.
    WatchChanged,
    /// `watch::Receiver::wait_for`.
    WatchWaitFor,
    /// `watch::Sender::closed`.
    WatchClosed,
    /// `net::TcpStream::connect` (simulated network).
    NetConnect,
    /// `net::TcpListener::accept`.
    NetAccept,
    /// A read from a simulated `TcpStream`.
    NetRead,
    /// A write to (or shutdown of) a simulated `TcpStream`.
    NetWrite,
    /// `net::UdpSocket` send.
    UdpSend,
    /// `net::UdpSocket` receive.
    UdpRecv,
    /// A network fault (`net::sim`: reset, partition, heal, crash, restart, delay).
    NetFault,
    /// An atomic load.
    AtomicLoad,
    /// An atomic store.
    AtomicStore,
    /// An atomic read-modify-write (`fetch_add`, `swap`, `compare_exchange`, `fetch_update`).
    AtomicRmw,
    /// An atomic fence.
    AtomicFence,
    /// `thread::park`.
    ThreadPark,
    /// `Thread::unpark`.
    ThreadUnpark,
}

impl OpKind {
    /// What getting past this kind of operation is called in the step log (`acquired`,
    /// `received`), or `None` for kinds whose outcome the step line already tells.
    pub(crate) const fn outcome(self) -> Option<&'static str> {
        match self {
            OpKind::MutexLock
            | OpKind::RwLockRead
            | OpKind::RwLockWrite
            | OpKind::SemaphoreAcquire => Some("acquired"),
            OpKind::MpscRecv | OpKind::OneshotRecv | OpKind::BroadcastRecv => Some("received"),
            OpKind::MpscSend => Some("sent"),
            OpKind::NotifyNotified | OpKind::CondvarWait => Some("notified"),
            OpKind::BarrierWait => Some("passed the barrier"),
            OpKind::WatchChanged | OpKind::WatchWaitFor => Some("saw the change"),
            OpKind::ThreadPark => Some("unparked"),
            _ => None,
        }
    }

    /// The kind's name in the step log and deadlock reports.
    pub(crate) const fn label(self) -> &'static str {
        match self {
            OpKind::Start => "start",
            OpKind::Join => "join",
            OpKind::Yield => "yield",
            OpKind::Read => "read",
            OpKind::Write => "write",
            OpKind::Sleep => "sleep",
            OpKind::IntervalTick => "interval.tick",
            OpKind::JoinSetJoinNext => "joinset.join_next",
            OpKind::ActorTimer => "actor.timer",
            OpKind::ActorReceive => "actor.receive",
            OpKind::ActorSend => "actor.send",
            OpKind::MutexLock => "mutex.lock",
            OpKind::RwLockRead => "rwlock.read",
            OpKind::RwLockWrite => "rwlock.write",
            OpKind::SemaphoreAcquire => "semaphore.acquire",
            OpKind::NotifyNotified => "notify.notified",
            OpKind::NotifyNotifiedMade => "notify.notified (created)",
            OpKind::NotifyOne => "notify.notify_one",
            OpKind::NotifyLast => "notify.notify_last",
            OpKind::NotifyWaiters => "notify.notify_waiters",
            OpKind::CondvarWait => "condvar.wait",
            OpKind::CondvarWaitTimeout => "condvar.wait_timeout",
            OpKind::CondvarNotifyOne => "condvar.notify_one",
            OpKind::CondvarNotifyAll => "condvar.notify_all",
            OpKind::BarrierWait => "barrier.wait",
            OpKind::OnceCellGetOrInit => "once_cell.get_or_init",
            OpKind::SetOnceWait => "set_once.wait",
            OpKind::MpscSend => "mpsc.send",
            OpKind::MpscRecv => "mpsc.recv",
            OpKind::MpscClosed => "mpsc.closed",
            OpKind::OneshotRecv => "oneshot.recv",
            OpKind::OneshotClosed => "oneshot.closed",
            OpKind::BroadcastRecv => "broadcast.recv",
            OpKind::WatchChanged => "watch.changed",
            OpKind::WatchWaitFor => "watch.wait_for",
            OpKind::WatchClosed => "watch.closed",
            OpKind::NetConnect => "net.connect",
            OpKind::NetAccept => "net.accept",
            OpKind::NetRead => "net.read",
            OpKind::NetWrite => "net.write",
            OpKind::UdpSend => "udp.send",
            OpKind::UdpRecv => "udp.recv",
            OpKind::NetFault => "net.fault",
            OpKind::AtomicLoad => "atomic.load",
            OpKind::AtomicStore => "atomic.store",
            OpKind::AtomicRmw => "atomic.rmw",
            OpKind::AtomicFence => "atomic.fence",
            OpKind::ThreadPark => "thread.park",
            OpKind::ThreadUnpark => "thread.unpark",
        }
    }
}

impl std::fmt::Display for OpKind {
    /// The [`label`](OpKind::label), padded as asked (`{kind:<16}` lines up the log).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::OpKind;

    #[test]
    fn labels_are_distinct_and_pad_like_strings() {
        let all = [
            OpKind::Start,
            OpKind::Join,
            OpKind::Yield,
            OpKind::Read,
            OpKind::Write,
            OpKind::Sleep,
            OpKind::IntervalTick,
            OpKind::JoinSetJoinNext,
            OpKind::ActorTimer,
            OpKind::ActorReceive,
            OpKind::ActorSend,
            OpKind::MutexLock,
            OpKind::RwLockRead,
            OpKind::RwLockWrite,
            OpKind::SemaphoreAcquire,
            OpKind::NotifyNotified,
            OpKind::NotifyNotifiedMade,
            OpKind::NotifyOne,
            OpKind::NotifyLast,
            OpKind::NotifyWaiters,
            OpKind::CondvarWait,
            OpKind::CondvarWaitTimeout,
            OpKind::CondvarNotifyOne,
            OpKind::CondvarNotifyAll,
            OpKind::BarrierWait,
            OpKind::OnceCellGetOrInit,
            OpKind::SetOnceWait,
            OpKind::MpscSend,
            OpKind::MpscRecv,
            OpKind::MpscClosed,
            OpKind::OneshotRecv,
            OpKind::OneshotClosed,
            OpKind::BroadcastRecv,
            OpKind::WatchChanged,
            OpKind::WatchWaitFor,
            OpKind::WatchClosed,
            OpKind::NetConnect,
            OpKind::NetAccept,
            OpKind::NetRead,
            OpKind::NetWrite,
            OpKind::UdpSend,
            OpKind::UdpRecv,
            OpKind::NetFault,
            OpKind::AtomicLoad,
            OpKind::AtomicStore,
            OpKind::AtomicRmw,
            OpKind::AtomicFence,
            OpKind::ThreadPark,
            OpKind::ThreadUnpark,
        ];
        let mut labels: Vec<_> = all.iter().map(|k| k.label()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), all.len());
        assert_eq!(format!("{:<8}|", OpKind::Sleep), "sleep   |");
    }
}
