use crate::db::{contains_pattern, Conn, Dialect, Row, Value};
use crate::{join_list, now, split_list, Result, Store, StoreError};
use peerstage_core::account::{AccountData, AccountQuery, AccountSort, Page};
use peerstage_core::{Account, Lifecycle, Region, Segment};
use serde::Serialize;

pub(crate) const ACCOUNT_COLUMNS: &str = "id, external_id, name, industry, region, country, city, employees, segment, lifecycle, products, annual_revenue, cost_to_serve, discount, customer_since, renewal_date, owner, at_risk, at_risk_reason, created_at, updated_at, private_notes, competitor_replaced";

pub(crate) fn account_from_row(r: &Row) -> Account {
    let data = AccountData {
        external_id: r.opt_text(1),
        name: r.text(2),
        industry: r.opt_text(3),
        region: r.opt_text(4).and_then(|s| Region::parse(&s).ok()),
        country: r.opt_text(5),
        city: r.opt_text(6),
        employees: r.opt_int(7),
        segment: r.opt_text(8).and_then(|s| Segment::parse(&s).ok()),
        lifecycle: Lifecycle::parse(&r.text(9)).unwrap_or(Lifecycle::Customer),
        products: split_list(&r.text(10)),
        annual_revenue: r.int(11),
        cost_to_serve: r.int(12),
        discount: r.int(13),
        customer_since: r.opt_date(14),
        renewal_date: r.opt_date(15),
        owner: r.opt_text(16),
        at_risk: r.bool(17),
        at_risk_reason: r.opt_text(18),
        private_notes: r.opt_text(21),
        competitor_replaced: r.opt_text(22),
    };
    Account {
        id: r.int(0),
        margin: data.margin(),
        data,
        created_at: r.time(19),
        updated_at: r.time(20),
    }
}

/// The values of `AccountData` in `ACCOUNT_COLUMNS` order from `external_id` to `at_risk_reason`.
pub(crate) fn account_values(d: &AccountData) -> Vec<Value> {
    vec![
        Value::from(&d.external_id),
        Value::from(&d.name),
        Value::from(&d.industry),
        Value::from(d.region.map(|r| r.as_str())),
        Value::from(&d.country),
        Value::from(&d.city),
        Value::from(d.employees),
        Value::from(d.segment.map(|s| s.as_str())),
        Value::from(d.lifecycle.as_str()),
        Value::from(join_list(&d.products)),
        Value::from(d.annual_revenue),
        Value::from(d.cost_to_serve),
        Value::from(d.discount),
        Value::from(d.customer_since),
        Value::from(d.renewal_date),
        Value::from(&d.owner),
        Value::from(d.at_risk),
        Value::from(&d.at_risk_reason),
        Value::from(&d.private_notes),
        Value::from(&d.competitor_replaced),
    ]
}

pub(crate) const ACCOUNT_DATA_COLUMNS: &[&str] = &[
    "external_id",
    "name",
    "industry",
    "region",
    "country",
    "city",
    "employees",
    "segment",
    "lifecycle",
    "products",
    "annual_revenue",
    "cost_to_serve",
    "discount",
    "customer_since",
    "renewal_date",
    "owner",
    "at_risk",
    "at_risk_reason",
    "private_notes",
    "competitor_replaced",
];

/// Totals across all accounts, for the value page and dashboard (A6).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ValueSummary {
    pub accounts: i64,
    pub customers: i64,
    pub revenue: i64,
    pub margin: i64,
    pub unprofitable_accounts: i64,
    /// Of `unprofitable_accounts`, those that are customers today (the dashboard's figure).
    pub unprofitable_customers: i64,
    pub unprofitable_revenue: i64,
    pub unprofitable_loss: i64,
    pub at_risk_accounts: i64,
    pub at_risk_revenue: i64,
}

fn where_clause(q: &AccountQuery, dialect: Dialect) -> (String, Vec<Value>) {
    let mut conds: Vec<String> = Vec::new();
    let mut params = Vec::new();
    if let Some(s) = &q.search {
        conds.push(format!(
            "{} LIKE ? ESCAPE '\\'",
            dialect.lower_for_search("name", s)
        ));
        params.push(Value::Text(contains_pattern(s)));
    }
    if let Some(i) = &q.industry {
        conds.push("industry = ?".into());
        params.push(Value::from(i));
    }
    if let Some(r) = q.region {
        conds.push("region = ?".into());
        params.push(Value::from(r.as_str()));
    }
    if let Some(s) = q.segment {
        conds.push("segment = ?".into());
        params.push(Value::from(s.as_str()));
    }
    if let Some(l) = q.lifecycle {
        conds.push("lifecycle = ?".into());
        params.push(Value::from(l.as_str()));
    }
    if let Some(a) = q.at_risk {
        conds.push("at_risk = ?".into());
        params.push(Value::Bool(a));
    }
    match q.unprofitable {
        Some(true) => conds.push("annual_revenue - cost_to_serve - discount < 0".into()),
        Some(false) => conds.push("annual_revenue - cost_to_serve - discount >= 0".into()),
        None => {}
    }
    let mut sql = String::new();
    if !conds.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conds.join(" AND "));
    }
    (sql, params)
}

impl Store {
    pub fn list_accounts(&self, q: &AccountQuery) -> Result<Page<Account>> {
        let order = match q.sort {
            AccountSort::Name => "lower(name)",
            AccountSort::Industry => "industry",
            AccountSort::Region => "region",
            AccountSort::Segment => "segment",
            AccountSort::Employees => "employees",
            AccountSort::Revenue => "annual_revenue",
            AccountSort::Margin => "(annual_revenue - cost_to_serve - discount)",
            AccountSort::Renewal => "renewal_date",
            AccountSort::Updated => "updated_at",
        };
        let dir = if q.descending { "DESC" } else { "ASC" };
        self.with_conn(|c| {
            let (filter, params) = where_clause(q, c.dialect());
            // NULLs last in both directions, on both engines.
            let sql = format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts{filter} ORDER BY ({order} IS NULL), {order} {dir}, id {dir} LIMIT {} OFFSET {}",
                q.per_page(),
                q.offset()
            );
            let total =
                c.query_int(&format!("SELECT count(*) FROM accounts{filter}"), &params)? as u64;
            let items = c
                .query(&sql, &params)?
                .iter()
                .map(account_from_row)
                .collect();
            Ok(Page {
                items,
                total,
                page: q.page.max(1),
                per_page: q.per_page(),
            })
        })
    }

    pub fn get_account(&self, id: i64) -> Result<Account> {
        self.with_conn(|c| get_account(c, id))
    }

    pub fn create_account(&self, d: &AccountData) -> Result<Account> {
        self.transaction(|c| {
            let t = now();
            let mut params = account_values(d);
            params.push(Value::Time(t));
            params.push(Value::Time(t));
            let marks = vec!["?"; params.len()].join(", ");
            let sql = format!(
                "INSERT INTO accounts ({}, created_at, updated_at) VALUES ({marks}) RETURNING id",
                ACCOUNT_DATA_COLUMNS.join(", ")
            );
            let id = c.query_int(&sql, &params)?;
            crate::ensure_external_id(c, "accounts", "acc", id)?;
            let after = get_account(c, id)?;
            self.audit_change(
                c,
                "create",
                "account",
                id,
                &after.data.name,
                None,
                Some(&after),
            )?;
            Ok(after)
        })
    }

    pub fn update_account(&self, id: i64, d: &AccountData) -> Result<Account> {
        self.transaction(|c| {
            let before = get_account(c, id)?;
            let sets: Vec<String> = ACCOUNT_DATA_COLUMNS
                .iter()
                .map(|col| format!("{col} = ?"))
                .collect();
            let mut params = account_values(d);
            params.push(Value::Time(now()));
            params.push(Value::Int(id));
            let sql = format!(
                "UPDATE accounts SET {}, updated_at = ? WHERE id = ?",
                sets.join(", ")
            );
            if c.execute(&sql, &params)? == 0 {
                return Err(StoreError::NotFound {
                    what: "account",
                    id,
                });
            }
            crate::ensure_external_id(c, "accounts", "acc", id)?;
            let after = get_account(c, id)?;
            self.audit_change(
                c,
                "update",
                "account",
                id,
                &after.data.name,
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Deletes the account with its contacts, touchpoints, commitments and NPS responses.
    pub fn delete_account(&self, id: i64) -> Result<()> {
        self.transaction(|c| {
            let before = get_account(c, id)?;
            if c.execute("DELETE FROM accounts WHERE id = ?", &[Value::Int(id)])? == 0 {
                return Err(StoreError::NotFound {
                    what: "account",
                    id,
                });
            }
            self.audit_change(
                c,
                "delete",
                "account",
                id,
                &before.data.name,
                Some(&before),
                None,
            )?;
            Ok(())
        })
    }

    /// Distinct industries, for filter menus.
    pub fn industries(&self) -> Result<Vec<String>> {
        self.with_conn(|c| {
            Ok(c.query("SELECT DISTINCT industry FROM accounts WHERE industry IS NOT NULL ORDER BY industry", &[])?
                .iter()
                .map(|r| r.text(0))
                .collect())
        })
    }

    pub fn value_summary(&self) -> Result<ValueSummary> {
        self.with_conn(|c| {
            let r = c
                .query_one(
                    "SELECT count(*), \
                     CAST(coalesce(sum(CASE WHEN lifecycle = 'customer' THEN 1 ELSE 0 END), 0) AS BIGINT), \
                     CAST(coalesce(sum(annual_revenue), 0) AS BIGINT), \
                     CAST(coalesce(sum(annual_revenue - cost_to_serve - discount), 0) AS BIGINT), \
                     CAST(coalesce(sum(CASE WHEN annual_revenue - cost_to_serve - discount < 0 THEN 1 ELSE 0 END), 0) AS BIGINT), \
                     CAST(coalesce(sum(CASE WHEN annual_revenue - cost_to_serve - discount < 0 THEN annual_revenue ELSE 0 END), 0) AS BIGINT), \
                     CAST(coalesce(sum(CASE WHEN annual_revenue - cost_to_serve - discount < 0 THEN annual_revenue - cost_to_serve - discount ELSE 0 END), 0) AS BIGINT), \
                     CAST(coalesce(sum(CASE WHEN at_risk THEN 1 ELSE 0 END), 0) AS BIGINT), \
                     CAST(coalesce(sum(CASE WHEN at_risk THEN annual_revenue ELSE 0 END), 0) AS BIGINT), \
                     CAST(coalesce(sum(CASE WHEN annual_revenue - cost_to_serve - discount < 0 AND lifecycle = 'customer' THEN 1 ELSE 0 END), 0) AS BIGINT) \
                     FROM accounts",
                    &[],
                )?
                .expect("aggregate returns a row");
            Ok(ValueSummary {
                accounts: r.int(0),
                customers: r.int(1),
                revenue: r.int(2),
                margin: r.int(3),
                unprofitable_accounts: r.int(4),
                unprofitable_customers: r.int(9),
                unprofitable_revenue: r.int(5),
                unprofitable_loss: r.int(6),
                at_risk_accounts: r.int(7),
                at_risk_revenue: r.int(8),
            })
        })
    }

    /// Row counts per table, for the dashboard and `peerstage demo`.
    pub fn counts(&self) -> Result<Counts> {
        self.with_conn(|c| {
            Ok(Counts {
                accounts: c.query_int("SELECT count(*) FROM accounts", &[])?,
                contacts: c.query_int("SELECT count(*) FROM contacts", &[])?,
                touchpoints: c.query_int("SELECT count(*) FROM touchpoints", &[])?,
                commitments: c.query_int("SELECT count(*) FROM commitments", &[])?,
                nps_responses: c.query_int("SELECT count(*) FROM nps_responses", &[])?,
            })
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub accounts: i64,
    pub contacts: i64,
    pub touchpoints: i64,
    pub commitments: i64,
    pub nps_responses: i64,
}

pub(crate) fn get_account(c: &mut dyn Conn, id: i64) -> Result<Account> {
    c.query_one(
        &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| account_from_row(&r))
    .ok_or(StoreError::NotFound {
        what: "account",
        id,
    })
}
