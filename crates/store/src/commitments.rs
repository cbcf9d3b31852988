use crate::contacts::require_account;
use crate::db::{Conn, Row, Value};
use crate::{now, Result, Store, StoreError};
use peerstage_core::commitment::{Commitment, CommitmentData, CommitmentStatus};

const COLUMNS: &str = "id, external_id, account_id, description, owner, due_on, status, closed_on";

fn from_row(r: &Row) -> Commitment {
    Commitment {
        id: r.int(0),
        data: CommitmentData {
            external_id: r.opt_text(1),
            account_id: r.int(2),
            description: r.text(3),
            owner: r.opt_text(4),
            due_on: r.opt_date(5),
            status: CommitmentStatus::parse(&r.text(6)).unwrap_or(CommitmentStatus::Open),
            closed_on: r.opt_date(7),
        },
    }
}

fn values(d: &CommitmentData) -> Vec<Value> {
    vec![
        Value::from(&d.external_id),
        Value::Int(d.account_id),
        Value::from(&d.description),
        Value::from(&d.owner),
        Value::from(d.due_on),
        Value::from(d.status.as_str()),
        Value::from(d.closed_on),
    ]
}

fn get(c: &mut dyn Conn, id: i64) -> Result<Commitment> {
    c.query_one(
        &format!("SELECT {COLUMNS} FROM commitments WHERE id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| from_row(&r))
    .ok_or(StoreError::NotFound {
        what: "commitment",
        id,
    })
}

impl Store {
    /// An account's commitments: open ones first, by due date.
    pub fn list_commitments(&self, account_id: i64) -> Result<Vec<Commitment>> {
        self.with_conn(|c| {
            Ok(c.query(
                &format!("SELECT {COLUMNS} FROM commitments WHERE account_id = ? ORDER BY (status <> 'open'), (due_on IS NULL), due_on, id"),
                &[Value::Int(account_id)],
            )?
            .iter()
            .map(from_row)
            .collect())
        })
    }

    pub fn get_commitment(&self, id: i64) -> Result<Commitment> {
        self.with_conn(|c| get(c, id))
    }

    pub fn create_commitment(&self, d: &CommitmentData) -> Result<Commitment> {
        self.transaction(|c| {
            require_account(c, d.account_id)?;
            let t = now();
            let mut params = values(d);
            params.push(Value::Time(t));
            params.push(Value::Time(t));
            let id = c.query_int(
                "INSERT INTO commitments (external_id, account_id, description, owner, due_on, status, closed_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                &params,
            )?;
            crate::ensure_external_id(c, "commitments", "cmt", id)?;
            let after = get(c, id)?;
            self.audit_change(c, "create", "commitment", id, &after.data.description, None, Some(&after))?;
            Ok(after)
        })
    }

    pub fn update_commitment(&self, id: i64, d: &CommitmentData) -> Result<Commitment> {
        self.transaction(|c| {
            let before = get(c, id)?;
            require_account(c, d.account_id)?;
            let mut params = values(d);
            params.push(Value::Time(now()));
            params.push(Value::Int(id));
            let n = c.execute(
                "UPDATE commitments SET external_id = ?, account_id = ?, description = ?, owner = ?, due_on = ?, status = ?, closed_on = ?, updated_at = ? WHERE id = ?",
                &params,
            )?;
            if n == 0 {
                return Err(StoreError::NotFound { what: "commitment", id });
            }
            crate::ensure_external_id(c, "commitments", "cmt", id)?;
            let after = get(c, id)?;
            self.audit_change(c, "update", "commitment", id, &after.data.description, Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    pub fn delete_commitment(&self, id: i64) -> Result<()> {
        self.transaction(|c| {
            let before = get(c, id)?;
            if c.execute("DELETE FROM commitments WHERE id = ?", &[Value::Int(id)])? == 0 {
                return Err(StoreError::NotFound {
                    what: "commitment",
                    id,
                });
            }
            self.audit_change(
                c,
                "delete",
                "commitment",
                id,
                &before.data.description,
                Some(&before),
                None,
            )?;
            Ok(())
        })
    }
}
