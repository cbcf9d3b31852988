use crate::contacts::require_account;
use crate::db::{Conn, Row, Value};
use crate::{now, Result, Store, StoreError};
use chrono::{Datelike, NaiveDate};
use peerstage_core::nps::{NpsBucket, NpsData, NpsGroup, NpsResponse, NpsSummary};
use peerstage_core::FieldErrors;

const COLUMNS: &str =
    "n.id, n.external_id, n.account_id, n.contact_id, n.score, n.comment, n.responded_on, c.name";

fn from_row(r: &Row) -> NpsResponse {
    let data = NpsData {
        external_id: r.opt_text(1),
        account_id: r.int(2),
        contact_id: r.opt_int(3),
        score: r.int(4),
        comment: r.opt_text(5),
        responded_on: r.date(6),
    };
    NpsResponse {
        id: r.int(0),
        bucket: NpsBucket::of(data.score),
        data,
        contact_name: r.opt_text(7),
    }
}

fn get(c: &mut dyn Conn, id: i64) -> Result<NpsResponse> {
    c.query_one(
        &format!("SELECT {COLUMNS} FROM nps_responses n LEFT JOIN contacts c ON c.id = n.contact_id WHERE n.id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| from_row(&r))
    .ok_or(StoreError::NotFound { what: "NPS response", id })
}

const BUCKETS: &str =
    "CAST(coalesce(sum(CASE WHEN n.score >= 9 THEN 1 ELSE 0 END), 0) AS BIGINT), \
     CAST(coalesce(sum(CASE WHEN n.score BETWEEN 7 AND 8 THEN 1 ELSE 0 END), 0) AS BIGINT), \
     CAST(coalesce(sum(CASE WHEN n.score <= 6 THEN 1 ELSE 0 END), 0) AS BIGINT)";

fn summary_at(r: &Row, i: usize) -> NpsSummary {
    NpsSummary::from_counts(r.int(i) as u64, r.int(i + 1) as u64, r.int(i + 2) as u64)
}

/// The first day of the month `months` before `today`'s month.
fn months_back(today: NaiveDate, months: u32) -> NaiveDate {
    let total = today.year() * 12 + today.month0() as i32 - months as i32;
    NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)
        .expect("valid month")
}

impl Store {
    /// An account's NPS responses, newest first.
    pub fn list_nps(&self, account_id: i64) -> Result<Vec<NpsResponse>> {
        self.with_conn(|c| {
            Ok(c.query(
                &format!("SELECT {COLUMNS} FROM nps_responses n LEFT JOIN contacts c ON c.id = n.contact_id WHERE n.account_id = ? ORDER BY n.responded_on DESC, n.id DESC"),
                &[Value::Int(account_id)],
            )?
            .iter()
            .map(from_row)
            .collect())
        })
    }

    pub fn get_nps(&self, id: i64) -> Result<NpsResponse> {
        self.with_conn(|c| get(c, id))
    }

    pub fn create_nps(&self, d: &NpsData) -> Result<NpsResponse> {
        self.transaction(|c| {
            require_account(c, d.account_id)?;
            if let Some(cid) = d.contact_id {
                let n = c.query_int(
                    "SELECT count(*) FROM contacts WHERE id = ? AND account_id = ?",
                    &[Value::Int(cid), Value::Int(d.account_id)],
                )?;
                if n == 0 {
                    return Err(FieldErrors::single("contact_id", format!("contact {cid} is not a contact of this account")).into());
                }
            }
            let id = c.query_int(
                "INSERT INTO nps_responses (external_id, account_id, contact_id, score, comment, responded_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::from(&d.external_id),
                    Value::Int(d.account_id),
                    Value::from(d.contact_id),
                    Value::Int(d.score),
                    Value::from(&d.comment),
                    Value::Date(d.responded_on),
                    Value::Time(now()),
                ],
            )?;
            crate::ensure_external_id(c, "nps_responses", "nps", id)?;
            crate::evidence::sync_nps(c, id)?;
            let after = get(c, id)?;
            self.audit_change(c, "create", "nps_response", id, &format!("score {} on {}", after.data.score, after.data.responded_on), None, Some(&after))?;
            Ok(after)
        })
    }

    pub fn delete_nps(&self, id: i64) -> Result<()> {
        self.transaction(|c| {
            let before = get(c, id)?;
            if c.execute("DELETE FROM nps_responses WHERE id = ?", &[Value::Int(id)])? == 0 {
                return Err(StoreError::NotFound {
                    what: "NPS response",
                    id,
                });
            }
            self.audit_change(
                c,
                "delete",
                "nps_response",
                id,
                &format!(
                    "score {} on {}",
                    before.data.score, before.data.responded_on
                ),
                Some(&before),
                None,
            )?;
            Ok(())
        })
    }

    /// NPS over all responses, optionally for one segment and from a date on (A5).
    pub fn nps_summary(
        &self,
        segment: Option<&str>,
        since: Option<NaiveDate>,
    ) -> Result<NpsSummary> {
        let mut conds = vec!["1 = 1"];
        let mut params = Vec::new();
        if let Some(s) = segment {
            conds.push("a.segment = ?");
            params.push(Value::from(s));
        }
        if let Some(d) = since {
            conds.push("n.responded_on >= ?");
            params.push(Value::Date(d));
        }
        self.with_conn(|c| {
            let r = c
                .query_one(
                    &format!(
                        "SELECT {BUCKETS} FROM nps_responses n{} WHERE {}",
                        if segment.is_some() {
                            " JOIN accounts a ON a.id = n.account_id"
                        } else {
                            ""
                        },
                        conds.join(" AND ")
                    ),
                    &params,
                )?
                .expect("aggregate returns a row");
            Ok(summary_at(&r, 0))
        })
    }

    /// NPS per account segment; accounts without a segment are grouped as "unknown".
    pub fn nps_by_segment(&self) -> Result<Vec<NpsGroup>> {
        self.with_conn(|c| {
            Ok(c.query(
                &format!(
                    "SELECT coalesce(a.segment, 'unknown'), {BUCKETS} FROM nps_responses n JOIN accounts a ON a.id = n.account_id \
                     GROUP BY coalesce(a.segment, 'unknown') ORDER BY 1"
                ),
                &[],
            )?
            .iter()
            .map(|r| NpsGroup { key: r.text(0), summary: summary_at(r, 1) })
            .collect())
        })
    }

    /// NPS per calendar month for the last `months` months up to `today`, every month
    /// present (empty months have no score), optionally for one segment.
    pub fn nps_by_month(
        &self,
        today: NaiveDate,
        months: u32,
        segment: Option<&str>,
    ) -> Result<Vec<NpsGroup>> {
        let start = months_back(today, months.saturating_sub(1));
        let month = self.dialect().month("n.responded_on");
        let mut params = vec![Value::Date(start), Value::Date(today)];
        params.extend(segment.map(Value::from));
        let rows = self.with_conn(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {month}, {BUCKETS} FROM nps_responses n{join} \
                     WHERE n.responded_on >= ? AND n.responded_on <= ?{} GROUP BY {month} ORDER BY 1",
                    if segment.is_some() { " AND a.segment = ?" } else { "" },
                    join = if segment.is_some() { " JOIN accounts a ON a.id = n.account_id" } else { "" },
                ),
                &params,
            )?)
        })?;
        let mut out = Vec::new();
        for i in (0..months).rev() {
            let key = months_back(today, i).format("%Y-%m").to_string();
            let summary = rows
                .iter()
                .find(|r| r.text(0) == key)
                .map(|r| summary_at(r, 1))
                .unwrap_or_default();
            out.push(NpsGroup { key, summary });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_back_crosses_years() {
        let d = NaiveDate::from_ymd_opt(2025, 2, 14).unwrap();
        assert_eq!(
            months_back(d, 0),
            NaiveDate::from_ymd_opt(2025, 2, 1).unwrap()
        );
        assert_eq!(
            months_back(d, 2),
            NaiveDate::from_ymd_opt(2024, 12, 1).unwrap()
        );
        assert_eq!(
            months_back(d, 14),
            NaiveDate::from_ymd_opt(2023, 12, 1).unwrap()
        );
    }
}

/// NPS overall, per segment and per month, as the NPS page and API show it (A5).
#[derive(Debug, Clone, serde::Serialize)]
pub struct NpsReport {
    pub overall: NpsSummary,
    pub by_segment: Vec<NpsGroup>,
    pub by_month: Vec<NpsGroup>,
}

impl Store {
    /// The NPS report, computed once per database revision (aggregating every response takes
    /// hundreds of milliseconds at 200,000 responses; reading it again takes none).
    pub fn nps_report(
        &self,
        segment: Option<&str>,
        months: u32,
        today: NaiveDate,
    ) -> Result<std::sync::Arc<NpsReport>> {
        let revision = self.data_revision()?;
        let key = format!("{}|{months}|{today}", segment.unwrap_or(""));
        {
            let cache = self.shared.nps.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((r, report)) = cache.get(&key) {
                if *r == revision {
                    return Ok(report.clone());
                }
            }
        }
        let report = std::sync::Arc::new(NpsReport {
            overall: self.nps_summary(segment, None)?,
            by_segment: self.nps_by_segment()?,
            by_month: self.nps_by_month(today, months, segment)?,
        });
        let mut cache = self.shared.nps.lock().unwrap_or_else(|e| e.into_inner());
        cache.retain(|_, (r, _)| *r == revision);
        cache.insert(key, (revision, report.clone()));
        Ok(report)
    }
}
