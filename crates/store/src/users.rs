//! Users, sessions and API tokens (F2). Secrets are stored only as hashes.

use crate::db::{Conn, Row, Value};
use crate::secrets::{hash_password, random_token, sha256_hex, verify_password};
use crate::{now, Result, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use peerstage_core::access::{check_password, normalize_email, Actor, Role};
use peerstage_core::FieldErrors;
use serde::Serialize;

/// Sessions end after this long without being renewed by use.
pub const SESSION_IDLE: Duration = Duration::hours(12);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.id),
            label: self.email.clone(),
            role: self.role,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub user_email: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A signed-in browser: the user and the CSRF token of this session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

const USER_COLUMNS: &str = "u.id, u.email, u.role, u.disabled, u.created_at";

fn user_from(r: &Row) -> User {
    User {
        id: r.int(0),
        email: r.text(1),
        role: Role::parse(&r.text(2)).unwrap_or(Role::Viewer),
        disabled: r.bool(3),
        created_at: r.time(4),
    }
}

/// A change to a user made by an administrator; `None` keeps the current value.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct UserChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// How many enabled administrators there are. On PostgreSQL their rows are locked until the
/// transaction ends, so two administrators demoting each other at once cannot both succeed
/// (SQLite transactions here are `BEGIN IMMEDIATE`, which serialises writers already).
fn active_admins(c: &mut dyn Conn) -> Result<i64> {
    let lock = match c.dialect() {
        crate::db::Dialect::Postgres => " FOR UPDATE",
        crate::db::Dialect::Sqlite => "",
    };
    Ok(c.query(
        &format!("SELECT id FROM users WHERE role = 'admin' AND disabled = ?{lock}"),
        &[Value::Bool(false)],
    )?
    .len() as i64)
}

fn get_user(c: &mut dyn Conn, id: i64) -> Result<User> {
    c.query_one(
        &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| user_from(&r))
    .ok_or(StoreError::NotFound { what: "user", id })
}

/// How long a checked API token is trusted without asking the database again.
pub const TOKEN_TRUST: std::time::Duration = std::time::Duration::from_secs(5);

impl Store {
    pub fn count_users(&self) -> Result<i64> {
        self.with_conn(|c| Ok(c.query_int("SELECT count(*) FROM users", &[])?))
    }

    /// Adds a user; the email must be unique and the password long enough.
    pub fn add_user(&self, email: &str, role: Role, password: &str) -> Result<User> {
        let mut e = FieldErrors::new();
        let email = e.check("email", normalize_email(email));
        e.check("password", check_password(password));
        if !e.is_empty() {
            return Err(e.into());
        }
        let email = email.expect("checked");
        let hash = hash_password(password);
        self.transaction(|c| {
            let id = c.query_int(
                "INSERT INTO users (email, role, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                &[Value::from(&email), Value::from(role.as_str()), Value::Text(hash), Value::Bool(false), Value::Time(now())],
            )?;
            let user = get_user(c, id)?;
            self.audit(c, "create", "user", Some(id), &format!("user {email} ({role})"), None, Some(serde_json::to_value(&user).unwrap_or_default()))?;
            Ok(user)
        })
    }

    pub fn list_users(&self) -> Result<Vec<User>> {
        self.with_conn(|c| {
            Ok(c.query(
                &format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.email"),
                &[],
            )?
            .iter()
            .map(user_from)
            .collect())
        })
    }

    pub fn get_user(&self, id: i64) -> Result<User> {
        self.with_conn(|c| get_user(c, id))
    }

    pub fn find_user(&self, email: &str) -> Result<Option<User>> {
        let email = email.trim().to_lowercase();
        self.with_conn(|c| {
            Ok(c.query_one(
                &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = ?"),
                &[Value::Text(email)],
            )?
            .map(|r| user_from(&r)))
        })
    }

    /// Disables or re-enables a user; disabling ends their sessions and revokes their tokens.
    pub fn set_user_disabled(&self, id: i64, disabled: bool) -> Result<User> {
        self.update_user(
            id,
            &UserChange {
                role: None,
                disabled: Some(disabled),
            },
        )
    }

    pub fn set_user_role(&self, id: i64, role: Role) -> Result<User> {
        self.update_user(
            id,
            &UserChange {
                role: Some(role),
                disabled: None,
            },
        )
    }

    /// Changes a user's role and/or status in one transaction. Refused, as a conflict on
    /// the field concerned: disabling oneself, and leaving no enabled administrator.
    pub fn update_user(&self, id: i64, change: &UserChange) -> Result<User> {
        // Forgotten before (no new trust while it changes) and after (nothing trusted
        // from the moment before it committed).
        self.forget_tokens();
        let out = self.transaction(|c| {
            let before = get_user(c, id)?;
            let role = change.role.unwrap_or(before.role);
            let disabled = change.disabled.unwrap_or(before.disabled);
            if role == before.role && disabled == before.disabled {
                return Ok(before);
            }
            if disabled && !before.disabled && self.actor.user_id == Some(id) {
                return Err(StoreError::Conflict {
                    field: "disabled".into(),
                    reason: "you cannot disable your own account; ask another administrator".into(),
                });
            }
            let loses_admin = before.role == Role::Admin && !before.disabled && (role != Role::Admin || disabled);
            if loses_admin && active_admins(c)? <= 1 {
                let field = if role != Role::Admin { "role" } else { "disabled" };
                return Err(StoreError::Conflict {
                    field: field.into(),
                    reason: format!("{} is the last active administrator; make another user an administrator first", before.email),
                });
            }
            c.execute(
                "UPDATE users SET role = ?, disabled = ? WHERE id = ?",
                &[Value::from(role.as_str()), Value::Bool(disabled), Value::Int(id)],
            )?;
            if disabled && !before.disabled {
                c.execute("DELETE FROM sessions WHERE user_id = ?", &[Value::Int(id)])?;
                c.execute(
                    "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                    &[Value::Time(now()), Value::Int(id)],
                )?;
            }
            let after = get_user(c, id)?;
            let mut what = Vec::new();
            if role != before.role {
                what.push(format!("role of {} set to {role}", after.email));
            }
            if disabled != before.disabled {
                what.push(format!("{} {}", if disabled { "disabled" } else { "enabled" }, after.email));
            }
            self.audit(
                c,
                "update",
                "user",
                Some(id),
                &what.join("; "),
                Some(serde_json::to_value(&before).unwrap_or_default()),
                Some(serde_json::to_value(&after).unwrap_or_default()),
            )?;
            Ok(after)
        });
        self.forget_tokens();
        out
    }

    /// Checks a password. Returns the user only when it matches and the user is enabled.
    pub fn check_login(&self, email: &str, password: &str) -> Result<Option<User>> {
        let email = email.trim().to_lowercase();
        let row = self.with_conn(|c| {
            Ok(c.query_one(
                &format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = ?"),
                &[Value::Text(email)],
            )?)
        })?;
        match row {
            Some(r) => {
                let ok = verify_password(password, &r.text(5));
                let user = user_from(&r);
                Ok((ok && !user.disabled).then_some(user))
            }
            None => {
                // Same work as a real check, so timing does not reveal which emails exist.
                verify_password(password, "argon2id$v=19$m=19456,t=2,p=1$00000000000000000000000000000000$0000000000000000000000000000000000000000000000000000000000000000");
                Ok(None)
            }
        }
    }

    /// Starts a session; returns the cookie value (shown once, stored hashed).
    pub fn create_session(&self, user_id: i64) -> Result<(String, Session)> {
        let token = random_token("");
        let csrf = random_token("");
        let expires = now() + SESSION_IDLE;
        self.transaction(|c| {
            c.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                &[Value::Text(sha256_hex(&token)), Value::Int(user_id), Value::from(&csrf), Value::Time(now()), Value::Time(expires)],
            )?;
            // Expired sessions are swept as new ones start.
            c.execute("DELETE FROM sessions WHERE expires_at < ?", &[Value::Time(now())])?;
            let user = get_user(c, user_id)?;
            Ok((token.clone(), Session { user, csrf_token: csrf.clone(), expires_at: expires }))
        })
    }

    /// The session behind a cookie value, if it is live and its user enabled; renews it.
    pub fn session(&self, token: &str) -> Result<Option<Session>> {
        let hash = sha256_hex(token);
        self.with_conn(|c| {
            let Some(r) = c.query_one(
                &format!("SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?"),
                &[Value::Text(hash.clone())],
            )?
            else {
                return Ok(None);
            };
            let user = user_from(&r);
            let expires = r.time(6);
            // The writes below are bookkeeping: while an import holds the database they are
            // skipped (done by a later request) rather than making the reader wait for it.
            if user.disabled || expires < now() {
                c.execute_unless_busy("DELETE FROM sessions WHERE token_hash = ?", &[Value::Text(hash)])?;
                return Ok(None);
            }
            let renewed = now() + SESSION_IDLE;
            // Renew at most every few minutes to keep reads cheap.
            let expires_at = if renewed - expires > Duration::minutes(5)
                && c.execute_unless_busy("UPDATE sessions SET expires_at = ? WHERE token_hash = ?", &[Value::Time(renewed), Value::Text(hash)])?.is_some()
            {
                renewed
            } else {
                expires
            };
            Ok(Some(Session { user, csrf_token: r.text(5), expires_at }))
        })
    }

    pub fn end_session(&self, token: &str) -> Result<()> {
        self.with_conn(|c| {
            c.execute(
                "DELETE FROM sessions WHERE token_hash = ?",
                &[Value::Text(sha256_hex(token))],
            )?;
            Ok(())
        })
    }

    /// Creates an API token for a user; returns the secret (shown once) and its record.
    pub fn create_token(&self, user_id: i64, name: &str) -> Result<(String, ApiToken)> {
        let name = peerstage_core::parse::required_text(name, 100)
            .map_err(|e| FieldErrors::single("name", e))?;
        let secret = random_token("pst_");
        self.transaction(|c| {
            let user = get_user(c, user_id)?;
            if user.disabled {
                return Err(FieldErrors::single("user", "is disabled").into());
            }
            let id = c.query_int(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                &[Value::Int(user_id), Value::from(&name), Value::Text(sha256_hex(&secret)), Value::Time(now())],
            )?;
            self.audit(c, "create", "api_token", Some(id), &format!("token '{name}' for {}", user.email), None, None)?;
            let token = list_tokens(c, Some(id))?.pop().expect("just created");
            Ok((secret.clone(), token))
        })
    }

    pub fn list_tokens(&self) -> Result<Vec<ApiToken>> {
        self.with_conn(|c| list_tokens(c, None))
    }

    pub fn revoke_token(&self, id: i64) -> Result<()> {
        // Forgotten before (no new trust while it changes) and after (nothing trusted
        // from the moment before it committed).
        self.forget_tokens();
        let out = self.transaction(|c| {
            let n = c.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                &[Value::Time(now()), Value::Int(id)],
            )?;
            if n == 0 && list_tokens(c, Some(id))?.is_empty() {
                return Err(StoreError::NotFound {
                    what: "API token",
                    id,
                });
            }
            self.audit(c, "update", "api_token", Some(id), "revoked", None, None)?;
            Ok(())
        });
        self.forget_tokens();
        out
    }

    /// The user behind a bearer token, if the token is live and the user enabled. Last use
    /// is recorded at most once a minute, so API traffic does not queue on writes.
    pub fn token_user(&self, secret: &str) -> Result<Option<User>> {
        let hash = sha256_hex(secret);
        self.with_conn(|c| {
            let Some(r) = c.query_one(
                &format!("SELECT {USER_COLUMNS}, t.id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.revoked_at IS NULL"),
                &[Value::Text(hash.clone())],
            )?
            else {
                return Ok(None);
            };
            let user = user_from(&r);
            if user.disabled {
                return Ok(None);
            }
            let stale = r.opt_time(6).is_none_or(|t| now() - t > Duration::minutes(1));
            if stale {
                // Skipped while an import holds the database (a later request records it).
                c.execute_unless_busy("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", &[Value::Time(now()), Value::Int(r.int(5))])?;
            }
            if let Ok(mut cache) = self.shared.tokens.lock() {
                if cache.len() >= 10_000 {
                    cache.clear();
                }
                cache.insert(hash.clone(), (std::time::Instant::now(), user.clone()));
            }
            Ok(Some(user))
        })
    }

    /// The user behind a bearer token checked in the last [`TOKEN_TRUST`], without a trip to
    /// the database (busy API clients send one request after another). Revoking a token or
    /// changing a user in this process forgets every checked token at once; a change made by
    /// another process (`peerstage token revoke`) takes effect within [`TOKEN_TRUST`].
    pub fn token_user_cached(&self, secret: &str) -> Option<User> {
        let hash = sha256_hex(secret);
        let cache = self.shared.tokens.lock().ok()?;
        cache
            .get(&hash)
            .filter(|(at, _)| at.elapsed() < TOKEN_TRUST)
            .map(|(_, user)| user.clone())
    }

    fn forget_tokens(&self) {
        if let Ok(mut cache) = self.shared.tokens.lock() {
            cache.clear();
        }
    }
}

impl Store {
    /// Moves every session's expiry `minutes` earlier, as if that long had passed since it
    /// was last renewed (renewal is due after five). For tests.
    #[doc(hidden)]
    pub fn age_sessions_for_tests(&self, minutes: i64) -> Result<()> {
        self.with_conn(|c| {
            for r in c.query("SELECT token_hash, expires_at FROM sessions", &[])? {
                c.execute(
                    "UPDATE sessions SET expires_at = ? WHERE token_hash = ?",
                    &[
                        Value::Time(r.time(1) - Duration::minutes(minutes)),
                        Value::Text(r.text(0)),
                    ],
                )?;
            }
            Ok(())
        })
    }

    /// Makes every session already expired, as if 12 hours had passed without use. For tests.
    #[doc(hidden)]
    pub fn expire_sessions_for_tests(&self) -> Result<()> {
        self.with_conn(|c| {
            c.execute(
                "UPDATE sessions SET expires_at = ?",
                &[Value::Time(now() - Duration::minutes(1))],
            )?;
            Ok(())
        })
    }
}

fn list_tokens(c: &mut dyn Conn, id: Option<i64>) -> Result<Vec<ApiToken>> {
    let (filter, params) = match id {
        Some(id) => (" WHERE t.id = ?", vec![Value::Int(id)]),
        None => ("", vec![]),
    };
    Ok(c.query(
        &format!("SELECT t.id, t.user_id, u.email, t.name, t.created_at, t.last_used_at, t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id{filter} ORDER BY t.id"),
        &params,
    )?
    .iter()
    .map(|r| ApiToken {
        id: r.int(0),
        user_id: r.int(1),
        user_email: r.text(2),
        name: r.text(3),
        created_at: r.time(4),
        last_used_at: r.opt_time(5),
        revoked_at: r.opt_time(6),
    })
    .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDb;

    #[test]
    fn the_last_admin_stays_and_nobody_disables_themself() {
        for db in TestDb::all() {
            let s = &db.store;
            let ada = s
                .add_user("ada@example.com", Role::Admin, "long enough pw")
                .unwrap();
            let bob = s
                .add_user("bob@example.com", Role::Viewer, "long enough pw")
                .unwrap();
            let conflict_on = |r: Result<User>| match r {
                Err(StoreError::Conflict { field, .. }) => field,
                other => panic!("expected a conflict, got {other:?}"),
            };
            // The only administrator keeps the role and stays enabled, whoever asks.
            assert_eq!(conflict_on(s.set_user_role(ada.id, Role::Manager)), "role");
            assert_eq!(conflict_on(s.set_user_disabled(ada.id, true)), "disabled");
            // Nobody disables their own account, even with another administrator around.
            let as_ada = s.acting_as(ada.actor());
            s.set_user_role(bob.id, Role::Admin).unwrap();
            assert_eq!(
                conflict_on(as_ada.set_user_disabled(ada.id, true)),
                "disabled"
            );
            // With two, one may step down; then the other is the last again.
            let ada2 = as_ada
                .update_user(
                    ada.id,
                    &UserChange {
                        role: Some(Role::Manager),
                        disabled: None,
                    },
                )
                .unwrap();
            assert_eq!(ada2.role, Role::Manager);
            assert_eq!(conflict_on(s.set_user_role(bob.id, Role::Sales)), "role");
            // A disabled admin does not count as active.
            s.set_user_role(ada.id, Role::Admin).unwrap();
            s.set_user_disabled(ada.id, true).unwrap();
            assert_eq!(conflict_on(s.set_user_disabled(bob.id, true)), "disabled");
            // Re-enabling is always allowed and changes nothing else.
            let back = s.set_user_disabled(ada.id, false).unwrap();
            assert!(!back.disabled && back.role == Role::Admin);
            // Refusals leave no audit entry; each change leaves one.
            let changes = s
                .list_audit(&crate::AuditFilter {
                    entity: Some("user".into()),
                    action: Some("update".into()),
                    ..Default::default()
                })
                .unwrap();
            assert_eq!(changes.total, 5);
        }
    }
}
