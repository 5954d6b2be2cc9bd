//! Throttled sign-ins in the audit log: one entry per client address and
//! window, not one per attempt.
//!
//! The sign-in limit refuses an address that tries too often. Each refusal
//! used to append its own `auth.throttled` entry, so anyone could grow the
//! log without bound (2,000 attempts in 3.6 s made 1,999 entries, kept for
//! ever, each append serialised behind the log's head row). Now the first
//! refusal from an address opens a window of [`WINDOW_MINUTES`]; the
//! refusals in it are counted in memory, and when it has ended one
//! `auth.throttled` entry records the address, the first and last refusal
//! and how many there were. A window that has ended is written by the next
//! sign-in attempt, by a timer started with the window, or when the server
//! stops, whichever comes first. The server log gets one line per window.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use peel_core::access::time;
use peel_store::{Store, StoreError};
use serde_json::json;

use super::Clock;
use peel_usecases::accounts::audit;

/// How long refusals from one address are counted into one entry.
pub const WINDOW_MINUTES: i64 = 10;

/// Addresses counted apart at once. Refusals from further addresses (a
/// spread-out attack) share one window, so memory stays bounded.
const MAX_ADDRESSES: usize = 10_000;

/// Open windows of throttled sign-ins, by client address (`None`: the
/// addresses beyond [`MAX_ADDRESSES`]).
pub struct ThrottleLog {
    window: Duration,
    open: Mutex<HashMap<Option<IpAddr>, Window>>,
    /// A timer task is writing windows as they end.
    watching: AtomicBool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    attempts: u64,
}

impl Default for ThrottleLog {
    fn default() -> ThrottleLog {
        ThrottleLog::new(Duration::minutes(WINDOW_MINUTES))
    }
}

impl ThrottleLog {
    pub fn new(window: Duration) -> ThrottleLog {
        ThrottleLog { window, open: Mutex::new(HashMap::new()), watching: AtomicBool::new(false) }
    }

    fn windows(&self) -> std::sync::MutexGuard<'_, HashMap<Option<IpAddr>, Window>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one refused attempt from `client`. True when it opened a
    /// window (the moment to say so in the server log).
    pub fn record(&self, client: IpAddr, now: DateTime<Utc>) -> bool {
        let mut open = self.windows();
        let key = if open.len() < MAX_ADDRESSES || open.contains_key(&Some(client)) { Some(client) } else { None };
        match open.get_mut(&key) {
            Some(w) => {
                w.attempts += 1;
                w.last = w.last.max(now);
                false
            }
            None => {
                open.insert(key, Window { first: now, last: now, attempts: 1 });
                true
            }
        }
    }

    /// Removes the windows that ended by `now` (all of them if `now` is `None`).
    fn take(&self, now: Option<DateTime<Utc>>) -> Vec<(Option<IpAddr>, Window)> {
        let mut open = self.windows();
        let ended: Vec<Option<IpAddr>> =
            open.iter().filter(|(_, w)| now.is_none_or(|t| t >= w.first + self.window)).map(|(k, _)| *k).collect();
        ended.into_iter().filter_map(|k| open.remove(&k).map(|w| (k, w))).collect()
    }

    /// Writes an entry for each window that ended by `now`.
    pub async fn write_ended(&self, store: &Store, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(store, now, self.take(Some(now))).await
    }

    /// Writes an entry for every window, ended or not (the server is stopping).
    pub async fn write_all(&self, store: &Store, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(store, now, self.take(None)).await
    }

    async fn write(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        windows: Vec<(Option<IpAddr>, Window)>,
    ) -> Result<(), StoreError> {
        for (client, w) in windows {
            let source = client.map_or_else(|| format!("more than {MAX_ADDRESSES} addresses"), |ip| ip.to_string());
            let details = json!({
                "source": source,
                "attempts": w.attempts,
                "first": time::format(w.first),
                "last": time::format(w.last),
                "window_minutes": self.window.num_minutes(),
            });
            audit(store, now, "anonymous", "auth.throttled", "sign-in", "security", details).await?;
        }
        Ok(())
    }

    /// Makes sure a task writes windows as they end, even if nobody tries
    /// to sign in again; it stops once no window is open.
    pub fn watch(self: &Arc<Self>, store: Store, clock: Clock) {
        if self.watching.swap(true, Ordering::SeqCst) {
            return;
        }
        let me = self.clone();
        let pause = me.window.to_std().unwrap_or(std::time::Duration::from_secs(60));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(pause).await;
                if let Err(e) = me.write_ended(&store, clock.now()).await {
                    tracing::error!(error = %e, "cannot write throttled sign-ins to the audit log");
                }
                if me.windows().is_empty() {
                    me.watching.store(false, Ordering::SeqCst);
                    // A window opened just now saw this task running: keep
                    // going for it, unless another task has started.
                    if me.windows().is_empty() || me.watching.swap(true, Ordering::SeqCst) {
                        break;
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, 1, 8, minute, 0).unwrap()
    }

    #[test]
    fn counts_refusals_per_address_and_window() {
        let log = ThrottleLog::default();
        let (a, b) = (IpAddr::from([192, 0, 2, 1]), IpAddr::from([192, 0, 2, 2]));
        assert!(log.record(a, t(0)));
        for m in 1..5 {
            assert!(!log.record(a, t(m)));
        }
        assert!(log.record(b, t(3)));
        assert!(log.take(Some(t(9))).is_empty(), "both windows are still open");
        let ended = log.take(Some(t(10)));
        assert_eq!(ended, [(Some(a), Window { first: t(0), last: t(4), attempts: 5 })]);
        assert!(log.record(a, t(11)), "a new window");
        let mut rest = log.take(None);
        rest.sort_by_key(|(k, _)| *k);
        assert_eq!(rest.iter().map(|(k, w)| (*k, w.attempts)).collect::<Vec<_>>(), [(Some(a), 1), (Some(b), 1)]);
    }

    #[test]
    fn many_addresses_share_one_window() {
        let log = ThrottleLog::default();
        for n in 0..(MAX_ADDRESSES as u32 + 500) {
            log.record(IpAddr::from(n.to_be_bytes()), t(0));
        }
        let windows = log.take(None);
        assert_eq!(windows.len(), MAX_ADDRESSES + 1);
        let shared = windows.iter().find(|(k, _)| k.is_none()).map(|(_, w)| w.attempts);
        assert_eq!(shared, Some(500));
    }
}
