//! Login throttling: repeated failures for one account or one address first slow down,
//! then lock out for a while. Kept in memory: a restart forgets, which only helps the
//! legitimate user.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures within the window before answers slow down.
pub const SLOW_AFTER: u32 = 3;
/// Failures within the window before the key is locked.
pub const LOCK_AFTER: u32 = 8;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Default)]
pub struct Throttle {
    keys: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Allowed after waiting this long.
    Delay(Duration),
    /// Refused until the lock expires.
    Locked(Duration),
}

impl Throttle {
    /// What to do with an attempt for these keys (an email and an address).
    pub fn check(&self, keys: &[String], now: Instant) -> Verdict {
        let map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let mut verdict = Verdict::Allow;
        for k in keys {
            if let Some(e) = map.get(k) {
                if let Some(until) = e.locked_until.filter(|u| *u > now) {
                    return Verdict::Locked(until - now);
                }
                if now - e.first < WINDOW && e.failures >= SLOW_AFTER {
                    let d = Duration::from_millis(500 * u64::from(e.failures - SLOW_AFTER + 1))
                        .min(Duration::from_secs(4));
                    verdict = match verdict {
                        Verdict::Delay(old) if old >= d => verdict,
                        _ => Verdict::Delay(d),
                    };
                }
            }
        }
        verdict
    }

    pub fn failure(&self, keys: &[String], now: Instant) {
        let mut map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        for k in keys {
            let e = map.entry(k.clone()).or_insert(Entry {
                failures: 0,
                first: now,
                locked_until: None,
            });
            if now - e.first >= WINDOW || e.locked_until.is_some_and(|u| u <= now) {
                *e = Entry {
                    failures: 0,
                    first: now,
                    locked_until: None,
                };
            }
            e.failures += 1;
            if e.failures >= LOCK_AFTER {
                e.locked_until = Some(now + LOCKOUT);
            }
        }
        if map.len() > 100_000 {
            map.retain(|_, e| now - e.first < WINDOW || e.locked_until.is_some_and(|u| u > now));
        }
    }

    pub fn success(&self, key: &str) {
        self.keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_slow_down_then_lock_and_expire() {
        let t = Throttle::default();
        let keys = vec!["email:a@b.c".to_string(), "ip:1.2.3.4".to_string()];
        let start = Instant::now();
        for _ in 0..SLOW_AFTER - 1 {
            t.failure(&keys, start);
        }
        assert_eq!(t.check(&keys, start), Verdict::Allow);
        t.failure(&keys, start);
        assert!(matches!(t.check(&keys, start), Verdict::Delay(_)));
        for _ in SLOW_AFTER..LOCK_AFTER {
            t.failure(&keys, start);
        }
        assert!(matches!(t.check(&keys, start), Verdict::Locked(_)));
        // Another email from the same address is locked too.
        assert!(matches!(
            t.check(&["email:x@y.z".into(), "ip:1.2.3.4".into()], start),
            Verdict::Locked(_)
        ));
        assert_eq!(
            t.check(&keys, start + LOCKOUT + Duration::from_secs(1)),
            Verdict::Allow
        );
        t.success("email:a@b.c");
        assert_eq!(t.check(&["email:a@b.c".into()], start), Verdict::Allow);
    }
}
