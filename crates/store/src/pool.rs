//! A minimal blocking connection pool shared by both engines.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// `Pool::get`'s error when every connection stayed in use for its whole wait.
pub const TIMED_OUT: &str = "timed out waiting for a database connection";

pub struct Pool<C> {
    idle: Mutex<(Vec<C>, usize)>,
    available: Condvar,
    max: usize,
    connect: Box<dyn Fn() -> Result<C, String> + Send + Sync>,
}

pub struct Pooled<'a, C> {
    pool: &'a Pool<C>,
    conn: Option<C>,
    broken: bool,
}

impl<C> Pool<C> {
    pub fn new(
        max: usize,
        connect: impl Fn() -> Result<C, String> + Send + Sync + 'static,
    ) -> Self {
        Pool {
            idle: Mutex::new((Vec::new(), 0)),
            available: Condvar::new(),
            max: max.max(1),
            connect: Box::new(connect),
        }
    }

    pub fn get(&self) -> Result<Pooled<'_, C>, String> {
        let mut guard = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(conn) = guard.0.pop() {
                return Ok(Pooled {
                    pool: self,
                    conn: Some(conn),
                    broken: false,
                });
            }
            if guard.1 < self.max {
                guard.1 += 1;
                drop(guard);
                return match (self.connect)() {
                    Ok(conn) => Ok(Pooled {
                        pool: self,
                        conn: Some(conn),
                        broken: false,
                    }),
                    Err(e) => {
                        self.idle.lock().unwrap_or_else(|e| e.into_inner()).1 -= 1;
                        self.available.notify_one();
                        Err(e)
                    }
                };
            }
            let (g, timeout) = self
                .available
                .wait_timeout(guard, Duration::from_secs(30))
                .unwrap_or_else(|e| e.into_inner());
            guard = g;
            if timeout.timed_out() && guard.0.is_empty() && guard.1 >= self.max {
                return Err(TIMED_OUT.into());
            }
        }
    }

    /// Closes idle connections (used before dropping a test database).
    pub fn close_idle(&self) {
        let mut guard = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let n = guard.0.len();
        guard.0.clear();
        guard.1 -= n;
    }
}

impl<C> Pooled<'_, C> {
    /// Drops the connection instead of returning it (after an error that may have left it unusable).
    pub fn mark_broken(&mut self) {
        self.broken = true;
    }
}

impl<C> std::ops::Deref for Pooled<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        self.conn.as_ref().expect("connection present until drop")
    }
}
impl<C> std::ops::DerefMut for Pooled<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        self.conn.as_mut().expect("connection present until drop")
    }
}

impl<C> Drop for Pooled<'_, C> {
    fn drop(&mut self) {
        let mut guard = self.pool.idle.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(conn) = self.conn.take() {
            if self.broken {
                guard.1 -= 1;
            } else {
                guard.0.push(conn);
            }
        }
        drop(guard);
        self.pool.available.notify_one();
    }
}
