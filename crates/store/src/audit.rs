//! The audit log (F2): who did what, when, with the values before and after.

use crate::db::{Conn, Value};
use crate::{now, Result, Store};
use chrono::{DateTime, NaiveDate, Utc};
use peerstage_core::Page;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub page: u32,
    pub per_page: u32,
}

impl Store {
    /// Records one change inside the caller's transaction, so the change and its record
    /// commit together.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn audit(
        &self,
        c: &mut dyn Conn,
        action: &str,
        entity: &str,
        entity_id: Option<i64>,
        summary: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<()> {
        c.execute(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, summary, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                Value::Time(now()),
                Value::from(&self.actor.label),
                Value::from(action),
                Value::from(entity),
                Value::from(entity_id),
                Value::from(summary),
                Value::from(before.map(|v| v.to_string())),
                Value::from(after.map(|v| v.to_string())),
            ],
        )?;
        Ok(())
    }

    /// The actors that occur in the log, for filter choices.
    pub fn audit_actors(&self) -> Result<Vec<String>> {
        self.audit_distinct("actor")
    }

    /// The actions that occur in the log (create, update, delete, import, erase, …).
    pub fn audit_actions(&self) -> Result<Vec<String>> {
        self.audit_distinct("action")
    }

    /// The kinds of record that occur in the log (account, contact, user, …).
    pub fn audit_entities(&self) -> Result<Vec<String>> {
        self.audit_distinct("entity")
    }

    fn audit_distinct(&self, column: &'static str) -> Result<Vec<String>> {
        self.with_conn(|c| {
            Ok(c.query(
                &format!("SELECT DISTINCT {column} FROM audit_log ORDER BY {column}"),
                &[],
            )?
            .iter()
            .map(|r| r.text(0))
            .collect())
        })
    }

    pub fn list_audit(&self, f: &AuditFilter) -> Result<Page<AuditEntry>> {
        let mut conds = vec!["1 = 1".to_string()];
        let mut params = Vec::new();
        if let Some(a) = &f.actor {
            conds.push("actor = ?".into());
            params.push(Value::from(a));
        }
        if let Some(a) = &f.action {
            conds.push("action = ?".into());
            params.push(Value::from(a));
        }
        if let Some(e) = &f.entity {
            conds.push("entity = ?".into());
            params.push(Value::from(e));
        }
        if let Some(id) = f.entity_id {
            conds.push("entity_id = ?".into());
            params.push(Value::Int(id));
        }
        if let Some(d) = f.since {
            conds.push("at >= ?".into());
            params.push(Value::Time(
                d.and_hms_opt(0, 0, 0).expect("midnight").and_utc(),
            ));
        }
        if let Some(d) = f.until {
            conds.push("at < ?".into());
            params.push(Value::Time(
                (d + chrono::Days::new(1))
                    .and_hms_opt(0, 0, 0)
                    .expect("midnight")
                    .and_utc(),
            ));
        }
        let per_page = if f.per_page == 0 {
            50
        } else {
            f.per_page.min(500)
        };
        let page = f.page.max(1);
        let filter = conds.join(" AND ");
        self.with_conn(|c| {
            let total = c.query_int(&format!("SELECT count(*) FROM audit_log WHERE {filter}"), &params)? as u64;
            let items = c
                .query(
                    &format!(
                        "SELECT id, at, actor, action, entity, entity_id, summary, before_json, after_json FROM audit_log WHERE {filter} ORDER BY id DESC LIMIT {per_page} OFFSET {}",
                        (page as u64 - 1) * per_page as u64
                    ),
                    &params,
                )?
                .iter()
                .map(|r| AuditEntry {
                    id: r.int(0),
                    at: r.time(1),
                    actor: r.text(2),
                    action: r.text(3),
                    entity: r.text(4),
                    entity_id: r.opt_int(5),
                    summary: r.text(6),
                    before: r.opt_text(7).and_then(|s| serde_json::from_str(&s).ok()),
                    after: r.opt_text(8).and_then(|s| serde_json::from_str(&s).ok()),
                })
                .collect();
            Ok(Page { items, total, page, per_page })
        })
    }
}
