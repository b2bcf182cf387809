//! `dpor` on small programs: every outcome `dfs` reaches, fewer schedules.

mod common;

use coyote_harness::{check, sync, task, Config};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

static ORDERS: Mutex<BTreeSet<Vec<usize>>> = Mutex::new(BTreeSet::new());

async fn lock_order(n: usize) {
    let m = Arc::new(sync::Mutex::new(Vec::new()));
    let mut hs = Vec::new();
    for i in 0..n {
        let m = m.clone();
        hs.push(task::spawn(async move {
            m.lock().await.push(i);
        }));
    }
    for h in hs {
        h.await.unwrap();
    }
    let order = m.lock().await.clone();
    ORDERS.lock().unwrap().insert(order);
}

#[test]
fn every_lock_order_is_explored() {
    for s in ["dfs", "dpor"] {
        ORDERS.lock().unwrap().clear();
        check(
            || lock_order(4),
            Config::new().strategy(s).iterations(100_000),
        );
        eprintln!("{s}: {:?}", ORDERS.lock().unwrap());
        assert_eq!(ORDERS.lock().unwrap().len(), 24, "{s}");
    }
}
