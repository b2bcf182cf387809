//! The key-value store: a map behind a `tokio::sync::Mutex`, with times to live.

use crate::server::Expiry;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
struct Entry {
    value: String,
    expires_at: Option<Instant>,
}

impl Entry {
    fn expired(&self, now: Instant) -> bool {
        self.expires_at.is_some_and(|t| now >= t)
    }
}

/// The shared store.
#[derive(Clone, Default)]
pub(crate) struct Store {
    map: Arc<Mutex<BTreeMap<String, Entry>>>,
}

impl Store {
    /// Applies one request line; returns the reply line.
    pub(crate) async fn apply(&self, line: &str) -> String {
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next(), words.next()) {
            (Some("GET"), Some(key), None, None) => {
                let map = self.map.lock().await;
                match map.get(key) {
                    Some(e) if !e.expired(Instant::now()) => format!("VALUE {}", e.value),
                    _ => "NIL".into(),
                }
            }
            (Some("SET"), Some(key), Some(value), ttl) => {
                let ttl = match ttl.map(str::parse::<u64>) {
                    None => None,
                    Some(Ok(ms)) => Some(Duration::from_millis(ms)),
                    Some(Err(_)) => return "ERR ttl is not a number of milliseconds".into(),
                };
                let entry = Entry {
                    value: value.to_string(),
                    expires_at: ttl.map(|t| Instant::now() + t),
                };
                self.map.lock().await.insert(key.to_string(), entry);
                "OK".into()
            }
            (Some("DEL"), Some(key), None, None) => {
                self.map.lock().await.remove(key);
                "OK".into()
            }
            _ => format!("ERR bad request {line:?}"),
        }
    }

    /// Drops the expired keys.
    pub(crate) async fn expire(&self, how: Expiry) {
        match how {
            Expiry::CollectThenDelete => {
                let now = Instant::now();
                let expired: Vec<String> = {
                    let map = self.map.lock().await;
                    map.iter()
                        .filter(|(_, e)| e.expired(now))
                        .map(|(k, _)| k.clone())
                        .collect()
                };
                // BUG: the lock was released; a SET of one of these keys that runs now is
                // deleted below, although its new value has no time to live.
                let mut map = self.map.lock().await;
                for key in expired {
                    map.remove(&key);
                }
            }
            Expiry::Retain => {
                let mut map = self.map.lock().await;
                let now = Instant::now();
                map.retain(|_, e| !e.expired(now));
            }
        }
    }
}
