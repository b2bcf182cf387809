//! Coyote's `AccountManager` sample: an account service over a key-value store, and the two
//! races Coyote's tutorial finds in it.
//!
//! [`MockStore`] stands in for a remote database. Every call first awaits a scheduling point
//! (the request travelling over the network), then runs atomically against an in-memory map; a
//! store can also be told to fail a few calls transiently (a declared random choice, so the
//! tester explores both outcomes), before the request is applied, so retrying is safe.
//!
//! [`AccountManager`] has two versions of each operation:
//!
//! * **create**: [`AccountManager::create_account`] checks that the account does not exist and
//!   then writes it: two concurrent creates of one account can both see it absent and both
//!   report success, the second overwriting the first (planted bug 1).
//!   [`AccountManager::create_account_fixed`] uses the store's atomic conditional create,
//!   [`MockStore::create_if_absent`].
//! * **update**: [`AccountManager::update_account`] reads the row, computes the new payload and
//!   writes it back unconditionally: two concurrent updates can both read the same version and
//!   one update is lost (planted bug 2). [`AccountManager::update_account_fixed`] writes with
//!   [`MockStore::update_if_match`] on the ETag it read, and on a conflict reads again and
//!   retries (optimistic concurrency).
//!
//! Entry points: `concurrent_create` and `concurrent_update` (buggy), `concurrent_create_fixed`
//! and `concurrent_update_fixed` (fixed, with one transient store failure injected as well).

use coyote_harness::{random, spec, task};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// A stored row: the payload and its version tag (changes on every write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The account data.
    pub payload: String,
    /// The version tag; a conditional write succeeds only against the current one.
    pub etag: u64,
}

/// Why a store call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// No row has this key.
    NotFound,
    /// A conditional create found the key taken.
    AlreadyExists,
    /// A conditional update found a newer version than the ETag it was given.
    EtagMismatch,
    /// A transient failure (timeout, throttling): the request was not applied; retry it.
    Unavailable,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StoreError::NotFound => "row not found",
            StoreError::AlreadyExists => "row already exists",
            StoreError::EtagMismatch => "etag mismatch",
            StoreError::Unavailable => "store unavailable",
        })
    }
}

impl std::error::Error for StoreError {}

#[derive(Default)]
struct State {
    rows: HashMap<String, Row>,
    next_etag: u64,
    faults_left: u32,
}

impl State {
    fn write(&mut self, key: &str, payload: &str) -> Row {
        self.next_etag += 1;
        let row = Row {
            payload: payload.to_string(),
            etag: self.next_etag,
        };
        self.rows.insert(key.to_string(), row.clone());
        row
    }
}

/// A mock of a remote key-value store. Each call is one request: a scheduling point (the
/// network), then an atomic operation on the map. The map sits behind an uncontrolled
/// `std::sync::Mutex` that is never held across a scheduling point.
#[derive(Default)]
pub struct MockStore {
    state: Mutex<State>,
}

impl MockStore {
    /// An empty store that never fails.
    pub fn new() -> Self {
        MockStore::default()
    }

    /// An empty store that may fail up to `faults` requests with [`StoreError::Unavailable`]
    /// (which ones is a declared random choice).
    pub fn with_transient_faults(faults: u32) -> Self {
        let store = MockStore::default();
        store.state().faults_left = faults;
        store
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("the store is never poisoned")
    }

    /// The request goes out: a scheduling point, then maybe a transient failure.
    async fn request(&self) -> Result<std::sync::MutexGuard<'_, State>, StoreError> {
        task::yield_now().await;
        let mut state = self.state();
        if state.faults_left > 0 && random::bool() {
            state.faults_left -= 1;
            return Err(StoreError::Unavailable);
        }
        Ok(state)
    }

    /// Reads a row.
    pub async fn get(&self, key: &str) -> Result<Option<Row>, StoreError> {
        let state = self.request().await?;
        Ok(state.rows.get(key).cloned())
    }

    /// Writes a row whether or not the key exists (a blind PUT).
    pub async fn create(&self, key: &str, payload: &str) -> Result<Row, StoreError> {
        let mut state = self.request().await?;
        Ok(state.write(key, payload))
    }

    /// Writes a row only if the key does not exist, atomically.
    pub async fn create_if_absent(&self, key: &str, payload: &str) -> Result<Row, StoreError> {
        let mut state = self.request().await?;
        if state.rows.contains_key(key) {
            return Err(StoreError::AlreadyExists);
        }
        Ok(state.write(key, payload))
    }

    /// Overwrites an existing row, whatever its version.
    pub async fn update(&self, key: &str, payload: &str) -> Result<Row, StoreError> {
        let mut state = self.request().await?;
        if !state.rows.contains_key(key) {
            return Err(StoreError::NotFound);
        }
        Ok(state.write(key, payload))
    }

    /// Overwrites an existing row only if its version is still `etag`, atomically.
    pub async fn update_if_match(
        &self,
        key: &str,
        payload: &str,
        etag: u64,
    ) -> Result<Row, StoreError> {
        let mut state = self.request().await?;
        match state.rows.get(key) {
            None => Err(StoreError::NotFound),
            Some(row) if row.etag != etag => Err(StoreError::EtagMismatch),
            Some(_) => Ok(state.write(key, payload)),
        }
    }

    /// Deletes a row.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let mut state = self.request().await?;
        state
            .rows
            .remove(key)
            .map(|_| ())
            .ok_or(StoreError::NotFound)
    }
}

/// Retries a store call while it fails transiently.
async fn retrying<T, F, Fut>(mut call: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    loop {
        match call().await {
            Err(StoreError::Unavailable) => continue,
            other => return other,
        }
    }
}

/// The account service.
#[derive(Clone)]
pub struct AccountManager {
    store: Arc<MockStore>,
}

impl AccountManager {
    /// A manager over `store`.
    pub fn new(store: Arc<MockStore>) -> Self {
        AccountManager { store }
    }

    /// Creates an account; `Ok(true)` if created, `Ok(false)` if it already existed.
    ///
    /// Planted bug: check-then-act. Between the check and the write another create can run, and
    /// the blind write then overwrites it while both callers are told they created the account.
    pub async fn create_account(&self, name: &str, payload: &str) -> Result<bool, StoreError> {
        if retrying(|| self.store.get(name)).await?.is_some() {
            return Ok(false);
        }
        retrying(|| self.store.create(name, payload)).await?;
        Ok(true)
    }

    /// Creates an account; `Ok(true)` if created, `Ok(false)` if it already existed. The store
    /// decides atomically.
    pub async fn create_account_fixed(
        &self,
        name: &str,
        payload: &str,
    ) -> Result<bool, StoreError> {
        match retrying(|| self.store.create_if_absent(name, payload)).await {
            Ok(_) => Ok(true),
            Err(StoreError::AlreadyExists) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The account's payload, if it exists.
    pub async fn get_account(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(retrying(|| self.store.get(name))
            .await?
            .map(|row| row.payload))
    }

    /// Deletes an account; `Ok(false)` if it did not exist.
    pub async fn delete_account(&self, name: &str) -> Result<bool, StoreError> {
        match retrying(|| self.store.delete(name)).await {
            Ok(()) => Ok(true),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Replaces the account's payload with `edit(payload)`.
    ///
    /// Planted bug: read, compute, write back unconditionally. A concurrent update between the
    /// read and the write is overwritten: a lost update.
    pub async fn update_account(
        &self,
        name: &str,
        edit: impl Fn(&str) -> String,
    ) -> Result<(), StoreError> {
        let row = retrying(|| self.store.get(name))
            .await?
            .ok_or(StoreError::NotFound)?;
        let payload = edit(&row.payload);
        retrying(|| self.store.update(name, &payload)).await?;
        Ok(())
    }

    /// Replaces the account's payload with `edit(payload)`, with optimistic concurrency: the
    /// write succeeds only if the row is still the version that was read; otherwise read again,
    /// recompute, retry.
    pub async fn update_account_fixed(
        &self,
        name: &str,
        edit: impl Fn(&str) -> String,
    ) -> Result<(), StoreError> {
        loop {
            let row = retrying(|| self.store.get(name))
                .await?
                .ok_or(StoreError::NotFound)?;
            let payload = edit(&row.payload);
            match retrying(|| self.store.update_if_match(name, &payload, row.etag)).await {
                Ok(_) => return Ok(()),
                Err(StoreError::EtagMismatch) => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// Adds one to a numeric payload.
pub fn increment(payload: &str) -> String {
    let n: i64 = payload.parse().expect("a numeric payload");
    (n + 1).to_string()
}

async fn race_creates(manager: AccountManager, fixed: bool) {
    let create = |payload: &'static str| {
        let m = manager.clone();
        task::spawn(async move {
            let created = if fixed {
                m.create_account_fixed("alice", payload).await
            } else {
                m.create_account("alice", payload).await
            };
            (payload, created.expect("no permanent store failure"))
        })
    };
    let t1 = create("alice@example.com");
    let t2 = create("alice@example.org");
    let results: Vec<_> = task::join_all([t1, t2])
        .await
        .into_iter()
        .map(|r| r.expect("not cancelled"))
        .collect();
    let winners: Vec<_> = results.iter().filter(|(_, created)| *created).collect();
    spec::assert(
        winners.len() == 1,
        format!(
            "{} of 2 concurrent creates of the same account reported success",
            winners.len()
        ),
    );
    let stored = manager
        .get_account("alice")
        .await
        .expect("no permanent failure");
    spec::assert(
        stored.as_deref() == Some(winners[0].0),
        format!(
            "the account holds {stored:?}, not the payload of the create that succeeded ({})",
            winners[0].0
        ),
    );
}

async fn race_updates(manager: AccountManager, fixed: bool) {
    manager
        .create_account_fixed("alice", "0")
        .await
        .expect("no permanent failure");
    let update = || {
        let m = manager.clone();
        task::spawn(async move {
            if fixed {
                m.update_account_fixed("alice", increment).await
            } else {
                m.update_account("alice", increment).await
            }
            .expect("no permanent store failure")
        })
    };
    let t1 = update();
    let t2 = update();
    for r in task::join_all([t1, t2]).await {
        r.expect("not cancelled");
    }
    let balance = manager
        .get_account("alice")
        .await
        .expect("no permanent failure");
    spec::assert(
        balance.as_deref() == Some("2"),
        format!("after two concurrent increments of 0 the account holds {balance:?}: an update was lost"),
    );
}

/// Planted bug 1: two concurrent creates of one account both succeed.
pub async fn concurrent_create() {
    race_creates(AccountManager::new(Arc::new(MockStore::new())), false).await;
}

/// Fixed create: exactly one of two concurrent creates succeeds, even with a transient failure.
pub async fn concurrent_create_fixed() {
    let store = Arc::new(MockStore::with_transient_faults(1));
    race_creates(AccountManager::new(store), true).await;
}

/// Planted bug 2: one of two concurrent updates is lost.
pub async fn concurrent_update() {
    race_updates(AccountManager::new(Arc::new(MockStore::new())), false).await;
}

/// Fixed update: both concurrent increments count, even with a transient failure.
pub async fn concurrent_update_fixed() {
    let store = Arc::new(MockStore::with_transient_faults(1));
    race_updates(AccountManager::new(store), true).await;
}

coyote_harness::export_tests!(
    concurrent_create,
    concurrent_create_fixed,
    concurrent_update,
    concurrent_update_fixed
);

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_harness::{check, Config};

    #[test]
    fn check_finds_the_double_create() {
        for s in ["random", "pct:3", "dfs"] {
            let msg = find_with(concurrent_create, s, "coyote-account-create");
            assert!(msg.starts_with("coyote found a bug"), "{msg}");
            assert!(
                msg.contains("2 of 2 concurrent creates of the same account reported success"),
                "{s}: {msg}"
            );
        }
    }

    #[test]
    fn check_finds_the_lost_update() {
        for s in ["random", "pct:3", "dfs"] {
            let msg = find_with(concurrent_update, s, "coyote-account-update");
            assert!(msg.starts_with("coyote found a bug"), "{msg}");
            assert!(msg.contains("an update was lost"), "{s}: {msg}");
            assert!(msg.contains("Some(\"1\")"), "{s}: {msg}");
        }
    }

    #[test]
    fn fixed_create_passes_every_strategy() {
        for s in ["random", "pct:3"] {
            check(
                concurrent_create_fixed,
                Config::new().iterations(10_000).strategy(s),
            );
        }
        check(
            concurrent_create_fixed,
            Config::new().iterations(1_000_000).strategy("dfs"),
        );
    }

    #[test]
    fn fixed_update_passes_every_strategy() {
        for s in ["random", "pct:3"] {
            check(
                concurrent_update_fixed,
                Config::new().iterations(10_000).strategy(s),
            );
        }
        check(
            concurrent_update_fixed,
            Config::new().iterations(1_000_000).strategy("dfs"),
        );
    }

    #[test]
    fn store_semantics() {
        check(
            || async {
                let store = MockStore::new();
                let a = store.create_if_absent("k", "a").await.unwrap();
                assert_eq!(
                    store.create_if_absent("k", "b").await,
                    Err(StoreError::AlreadyExists)
                );
                assert_eq!(
                    store.update_if_match("k", "c", a.etag + 1).await,
                    Err(StoreError::EtagMismatch)
                );
                let c = store.update_if_match("k", "c", a.etag).await.unwrap();
                assert_ne!(a.etag, c.etag);
                assert_eq!(store.get("k").await.unwrap(), Some(c));
                store.delete("k").await.unwrap();
                assert_eq!(store.delete("k").await, Err(StoreError::NotFound));
                assert_eq!(store.update("k", "d").await, Err(StoreError::NotFound));
            },
            Config::new().iterations(1),
        );
    }

    /// Production mode: the fixed service under a real tokio runtime.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_on_tokio() {
        for _ in 0..20 {
            concurrent_create_fixed().await;
            concurrent_update_fixed().await;
        }
        let manager = AccountManager::new(Arc::new(MockStore::new()));
        assert!(manager.create_account_fixed("bob", "1").await.unwrap());
        assert!(manager.delete_account("bob").await.unwrap());
        assert!(!manager.delete_account("bob").await.unwrap());
    }

    fn find_with<T, F>(test: T, strategy: &str, dir: &str) -> String
    where
        T: Fn() -> F + std::panic::RefUnwindSafe,
        F: std::future::Future<Output = ()> + 'static,
    {
        let err = std::panic::catch_unwind(|| {
            check(
                &test,
                Config::new()
                    .iterations(10_000)
                    .strategy(strategy)
                    .trace_dir(std::env::temp_dir().join(dir)),
            )
        })
        .expect_err("the bug must be found");
        panic_text(&err)
    }

    fn panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    }
}
