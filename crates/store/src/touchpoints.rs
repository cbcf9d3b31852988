use crate::contacts::require_account;
use crate::db::{Conn, Row, Value};
use crate::{now, Result, Store, StoreError};
use peerstage_core::account::Page;
use peerstage_core::touchpoint::{Touchpoint, TouchpointData, TouchpointKind};
use peerstage_core::FieldErrors;

const COLUMNS: &str = "t.id, t.external_id, t.account_id, t.kind, t.occurred_on, t.staff, t.notes";

fn from_row(r: &Row) -> Touchpoint {
    Touchpoint {
        id: r.int(0),
        data: TouchpointData {
            external_id: r.opt_text(1),
            account_id: r.int(2),
            kind: TouchpointKind::parse(&r.text(3)).unwrap_or(TouchpointKind::Meeting),
            occurred_on: r.date(4),
            staff: r.opt_text(5),
            contact_ids: Vec::new(),
            notes: r.opt_text(6),
        },
        contact_names: Vec::new(),
    }
}

/// Fills in the contacts of each touchpoint with one query.
fn attach_contacts(c: &mut dyn Conn, items: &mut [Touchpoint]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = items.iter().map(|t| t.id.to_string()).collect();
    let rows = c.query(
        &format!(
            "SELECT tc.touchpoint_id, c.id, c.name FROM touchpoint_contacts tc JOIN contacts c ON c.id = tc.contact_id WHERE tc.touchpoint_id IN ({}) ORDER BY c.name",
            ids.join(",")
        ),
        &[],
    )?;
    for r in rows {
        if let Some(t) = items.iter_mut().find(|t| t.id == r.int(0)) {
            t.data.contact_ids.push(r.int(1));
            t.contact_names.push(r.text(2));
        }
    }
    Ok(())
}

fn get(c: &mut dyn Conn, id: i64) -> Result<Touchpoint> {
    let mut t = vec![c
        .query_one(
            &format!("SELECT {COLUMNS} FROM touchpoints t WHERE t.id = ?"),
            &[Value::Int(id)],
        )?
        .map(|r| from_row(&r))
        .ok_or(StoreError::NotFound {
            what: "touchpoint",
            id,
        })?];
    attach_contacts(c, &mut t)?;
    Ok(t.remove(0))
}

/// Every linked contact must belong to the touchpoint's account.
fn check_contacts(c: &mut dyn Conn, d: &TouchpointData) -> Result<()> {
    for id in &d.contact_ids {
        let n = c.query_int(
            "SELECT count(*) FROM contacts WHERE id = ? AND account_id = ?",
            &[Value::Int(*id), Value::Int(d.account_id)],
        )?;
        if n == 0 {
            return Err(FieldErrors::single(
                "contact_ids",
                format!("contact {id} is not a contact of this account"),
            )
            .into());
        }
    }
    Ok(())
}

fn link_contacts(c: &mut dyn Conn, id: i64, contact_ids: &[i64]) -> Result<()> {
    c.execute(
        "DELETE FROM touchpoint_contacts WHERE touchpoint_id = ?",
        &[Value::Int(id)],
    )?;
    for cid in contact_ids {
        c.execute(
            "INSERT INTO touchpoint_contacts (touchpoint_id, contact_id) VALUES (?, ?)",
            &[Value::Int(id), Value::Int(*cid)],
        )?;
    }
    Ok(())
}

impl Store {
    /// An account's touchpoints, newest first.
    pub fn list_touchpoints(
        &self,
        account_id: i64,
        page: u32,
        per_page: u32,
    ) -> Result<Page<Touchpoint>> {
        let per_page = per_page.clamp(1, 500);
        let page = page.max(1);
        self.with_conn(|c| {
            let total = c.query_int("SELECT count(*) FROM touchpoints WHERE account_id = ?", &[Value::Int(account_id)])? as u64;
            let mut items: Vec<Touchpoint> = c
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM touchpoints t WHERE t.account_id = ? ORDER BY t.occurred_on DESC, t.id DESC LIMIT {per_page} OFFSET {}",
                        (page as u64 - 1) * per_page as u64
                    ),
                    &[Value::Int(account_id)],
                )?
                .iter()
                .map(from_row)
                .collect();
            attach_contacts(c, &mut items)?;
            Ok(Page { items, total, page, per_page })
        })
    }

    pub fn get_touchpoint(&self, id: i64) -> Result<Touchpoint> {
        self.with_conn(|c| get(c, id))
    }

    pub fn create_touchpoint(&self, d: &TouchpointData) -> Result<Touchpoint> {
        self.transaction(|c| {
            require_account(c, d.account_id)?;
            check_contacts(c, d)?;
            let id = c.query_int(
                "INSERT INTO touchpoints (external_id, account_id, kind, occurred_on, staff, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::from(&d.external_id),
                    Value::Int(d.account_id),
                    Value::from(d.kind.as_str()),
                    Value::Date(d.occurred_on),
                    Value::from(&d.staff),
                    Value::from(&d.notes),
                    Value::Time(now()),
                ],
            )?;
            link_contacts(c, id, &d.contact_ids)?;
            crate::ensure_external_id(c, "touchpoints", "tp", id)?;
            crate::evidence::sync_touchpoint(c, id)?;
            let after = get(c, id)?;
            self.audit_change(c, "create", "touchpoint", id, &format!("{} on {}", after.data.kind, after.data.occurred_on), None, Some(&after))?;
            Ok(after)
        })
    }

    pub fn update_touchpoint(&self, id: i64, d: &TouchpointData) -> Result<Touchpoint> {
        self.transaction(|c| {
            let before = get(c, id)?;
            require_account(c, d.account_id)?;
            check_contacts(c, d)?;
            let n = c.execute(
                "UPDATE touchpoints SET external_id = ?, account_id = ?, kind = ?, occurred_on = ?, staff = ?, notes = ? WHERE id = ?",
                &[
                    Value::from(&d.external_id),
                    Value::Int(d.account_id),
                    Value::from(d.kind.as_str()),
                    Value::Date(d.occurred_on),
                    Value::from(&d.staff),
                    Value::from(&d.notes),
                    Value::Int(id),
                ],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound { what: "touchpoint", id });
            }
            link_contacts(c, id, &d.contact_ids)?;
            crate::ensure_external_id(c, "touchpoints", "tp", id)?;
            crate::evidence::sync_touchpoint(c, id)?;
            let after = get(c, id)?;
            self.audit_change(c, "update", "touchpoint", id, &format!("{} on {}", after.data.kind, after.data.occurred_on), Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    pub fn delete_touchpoint(&self, id: i64) -> Result<()> {
        self.transaction(|c| {
            let before = get(c, id)?;
            if c.execute("DELETE FROM touchpoints WHERE id = ?", &[Value::Int(id)])? == 0 {
                return Err(StoreError::NotFound {
                    what: "touchpoint",
                    id,
                });
            }
            self.audit_change(
                c,
                "delete",
                "touchpoint",
                id,
                &format!("{} on {}", before.data.kind, before.data.occurred_on),
                Some(&before),
                None,
            )?;
            Ok(())
        })
    }
}
