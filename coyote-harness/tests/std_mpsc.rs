//! `std::sync::mpsc` mirror: ports of shuttle's `tests/basic/mpsc.rs` and loom's
//! `tests/mpsc.rs` (same behaviours, our own tests), each with the original's verdict.

mod std_support;

use coyote_harness::std::sync::mpsc::{
    self, RecvError, RecvTimeoutError, TryRecvError, TrySendError,
};
use coyote_harness::std::thread;
use std::time::Duration;
use std_support::{bug_found, every_schedule};

/// loom `basic_sequential_usage`, shuttle `mpsc_drop_sender`: messages arrive in order, then
/// the disconnection. Verdict: passes every schedule.
#[test]
fn messages_arrive_in_order_then_the_disconnection() {
    every_schedule(|| {
        let (tx, rx) = mpsc::channel();
        let t = thread::spawn(move || {
            for i in 0..3 {
                tx.send(i).unwrap();
            }
        });
        assert_eq!(rx.iter().collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(rx.recv(), Err(RecvError));
        t.join().unwrap();
    });
}

/// loom `commutative_senders`, shuttle `mpsc_multiple_senders`: two senders' messages arrive
/// in either order. Verdict: both orders occur; none is lost.
#[test]
fn two_senders_messages_arrive_in_both_orders() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static FIRST_A: AtomicBool = AtomicBool::new(false);
    static FIRST_B: AtomicBool = AtomicBool::new(false);
    every_schedule(|| {
        let (tx, rx) = mpsc::channel();
        let tx2 = tx.clone();
        let a = thread::spawn(move || tx.send('a').unwrap());
        let b = thread::spawn(move || tx2.send('b').unwrap());
        let got: Vec<char> = rx.iter().collect();
        assert_eq!(got.len(), 2);
        match got[0] {
            'a' => FIRST_A.store(true, Ordering::Relaxed),
            _ => FIRST_B.store(true, Ordering::Relaxed),
        }
        a.join().unwrap();
        b.join().unwrap();
    });
    assert!(FIRST_A.load(Ordering::Relaxed) && FIRST_B.load(Ordering::Relaxed));
}

/// A test that assumes one order of two senders. Verdict: the other order must be found.
#[test]
fn assuming_one_order_of_two_senders_is_caught() {
    bug_found("b came first", || {
        let (tx, rx) = mpsc::channel();
        let tx2 = tx.clone();
        let a = thread::spawn(move || tx.send('a').unwrap());
        let b = thread::spawn(move || tx2.send('b').unwrap());
        let first = rx.recv().unwrap();
        a.join().unwrap();
        b.join().unwrap();
        assert_eq!(first, 'a', "b came first");
    });
}

/// shuttle `mpsc_drop_receiver`: a send after the receiver is gone gives the message back.
/// Verdict: passes every schedule.
#[test]
fn a_send_to_a_dropped_receiver_gives_the_message_back() {
    every_schedule(|| {
        let (tx, rx) = mpsc::channel();
        let t = thread::spawn(move || drop(rx));
        t.join().unwrap();
        assert_eq!(tx.send(5).unwrap_err().0, 5);
        let (stx, srx) = mpsc::sync_channel(1);
        drop(srx);
        assert!(matches!(
            stx.try_send(1),
            Err(TrySendError::Disconnected(1))
        ));
    });
}

/// shuttle `mpsc_bounded_*`: a bounded send blocks while the channel is full. Verdict: the
/// sender is never more than `bound` ahead, in every schedule.
#[test]
fn a_bounded_sender_is_never_more_than_the_bound_ahead() {
    every_schedule(|| {
        use coyote_harness::std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let sent = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::sync_channel(1);
        let s = sent.clone();
        let t = thread::spawn(move || {
            for i in 0..3 {
                tx.send(i).unwrap();
                s.fetch_add(1, Ordering::SeqCst);
            }
        });
        for i in 0..3 {
            let before = sent.load(Ordering::SeqCst);
            assert!(before <= i + 1, "the sender ran ahead");
            assert_eq!(rx.recv().unwrap(), i);
        }
        t.join().unwrap();
    });
}

/// shuttle `mpsc_rendezvous_*`: on `sync_channel(0)` a send returns only once its message is
/// received. Verdict: passes every schedule; `try_send` fails with nobody receiving.
#[test]
fn a_rendezvous_send_returns_only_after_its_receive() {
    every_schedule(|| {
        use coyote_harness::std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        let received = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::sync_channel(0);
        assert!(matches!(tx.try_send(0), Err(TrySendError::Full(0))));
        let r = received.clone();
        let t = thread::spawn(move || {
            assert_eq!(rx.recv().unwrap(), 1);
            r.store(true, Ordering::SeqCst);
        });
        tx.send(1).unwrap();
        // The receiver took it; it may not have stored its flag yet, but it cannot still be
        // blocked: joining it always completes.
        t.join().unwrap();
        assert!(received.load(Ordering::SeqCst));
    });
}

/// A rendezvous send with no receiver left fails instead of waiting forever.
#[test]
fn a_rendezvous_send_fails_when_the_receiver_goes_away() {
    every_schedule(|| {
        let (tx, rx) = mpsc::sync_channel::<u8>(0);
        let t = thread::spawn(move || drop(rx));
        assert!(tx.send(1).is_err());
        t.join().unwrap();
    });
}

/// A receive waiting on a sender that never sends is a deadlock naming `mpsc.recv`. Verdict:
/// must be found.
#[test]
fn a_receive_nobody_sends_to_is_a_deadlock() {
    let msg = bug_found("deadlock", || {
        let (tx, rx) = mpsc::channel::<u8>();
        let t = thread::spawn(move || rx.recv().unwrap());
        t.join().unwrap();
        drop(tx);
    });
    assert!(msg.contains("mpsc.recv"), "{msg}");
}

/// try_recv and recv_timeout (virtual time). Verdict: passes every schedule.
#[test]
fn try_recv_and_recv_timeout_report_empty_timeout_and_disconnection() {
    every_schedule(|| {
        let (tx, rx) = mpsc::channel::<u8>();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        let start = coyote_harness::time::now();
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(3)),
            Err(RecvTimeoutError::Timeout)
        );
        assert!(start.elapsed() >= Duration::from_secs(3));
        tx.send(4).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(3)), Ok(4));
        drop(tx);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(1)),
            Err(RecvTimeoutError::Disconnected)
        );
    });
}

/// Production mode: std's channels.
#[test]
fn in_production_they_are_std_channels() {
    let (tx, rx) = mpsc::sync_channel(0);
    let t = std::thread::spawn(move || tx.send(9).unwrap());
    assert_eq!(rx.recv(), Ok(9));
    t.join().unwrap();
    assert_eq!(rx.recv(), Err(RecvError));
}
