//! `account`, from the CS suite (SCTBench `concurrent-software-benchmarks/account_bad.c`).
//!
//! A balance `x = 1` gets a deposit of `y = 2` and a withdrawal of `z = 4` in two threads, under
//! one mutex; a third thread, created *first*, checks under the mutex that once both are done
//! `balance == (x - y) - z`. That expectation is wrong (the balance is `(x + y) - z`), so the
//! assertion fails whenever the checker runs after both updates: an ordering bug (SCTBench: 4
//! threads, 8 scheduling points; `main` does not join in the C program, here it does).
//!
//! `account_fixed` is the suite's `account_ok`: the checker expects `(x + y) - z`.

use coyote_harness::{sync::Mutex, task};
use std::sync::Arc;

const X: i32 = 1;
const Y: i32 = 2;
const Z: i32 = 4;

struct Account {
    balance: i32,
    deposit_done: bool,
    withdraw_done: bool,
}

async fn run(fixed: bool) {
    let m = Arc::new(Mutex::new(Account {
        balance: X,
        deposit_done: false,
        withdraw_done: false,
    }));
    let t3 = {
        let m = m.clone();
        task::spawn(async move {
            let a = m.lock().await;
            if a.deposit_done && a.withdraw_done {
                let expected = if fixed { (X + Y) - Z } else { (X - Y) - Z };
                assert!(
                    a.balance == expected,
                    "account: balance {} != {expected}",
                    a.balance
                ); // BAD
            }
        })
    };
    let t1 = {
        let m = m.clone();
        task::spawn(async move {
            let mut a = m.lock().await;
            a.balance += Y;
            a.deposit_done = true;
        })
    };
    let t2 = task::spawn(async move {
        let mut a = m.lock().await;
        a.balance -= Z;
        a.withdraw_done = true;
    });
    t3.await.unwrap();
    t1.await.unwrap();
    t2.await.unwrap();
}

/// The program; the checker's expectation is wrong.
pub async fn account() {
    run(false).await
}

/// `account_ok`: the right expectation.
pub async fn account_fixed() {
    run(true).await
}
