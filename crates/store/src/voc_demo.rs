//! Demo voice-of-customer feedback (F6 for C3–C5): varied statements from the demo customers
//! (`core::voc_demo`), written as evidence through `insert_evidence`, the demo glossary, and a
//! first run of themes. Deterministic for a seed and the demo customers it follows.

use crate::db::Value;
use crate::evidence::insert_evidence;
use crate::{Result, Store};
use chrono::{Days, NaiveDate};
use peerstage_core::evidence::EvidenceData;
use peerstage_core::rng::Rng;
use peerstage_core::voc_demo::statement;
use serde::Serialize;

/// What `seed_voc` created.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VocDemoCounts {
    pub evidence: u64,
    pub glossary: u64,
    pub themes: u64,
}

/// Feedback spans the last eighteen months.
const SPAN_DAYS: u32 = 540;

impl Store {
    /// Seeds `items` pieces of customer feedback spread over the customer accounts, the
    /// glossary and a first run of themes, unless feedback of this kind (pasted, imported or
    /// event notes) exists already.
    pub fn seed_voc(&self, seed: u64, today: NaiveDate, items: usize) -> Result<VocDemoCounts> {
        let mut counts = VocDemoCounts::default();
        let existing = self.with_conn(|c| {
            Ok(c.query_int(
                "SELECT count(*) FROM evidence WHERE source IN ('pasted', 'import', 'event')",
                &[],
            )?)
        })?;
        let by = self.actor().label.clone();
        if existing == 0 {
            let customers: Vec<(i64, String)> = self.with_conn(|c| {
                Ok(c.query(
                    "SELECT id, products FROM accounts WHERE lifecycle = 'customer' ORDER BY id",
                    &[],
                )?
                .iter()
                .map(|r| (r.int(0), r.text(1)))
                .collect())
            })?;
            if customers.is_empty() {
                return Ok(counts);
            }
            let mut rng = Rng::new(seed ^ 0x766f_6378);
            let mut rows = Vec::with_capacity(items);
            for _ in 0..items {
                // Some customers talk more than others.
                let idx = if rng.chance(0.5) {
                    rng.below((customers.len() as u64).min(60)) as usize
                } else {
                    rng.below(customers.len() as u64) as usize
                };
                let (account, products) = &customers[idx];
                let list = crate::split_list(products);
                let product = if list.is_empty() {
                    "Beacon Workflow".to_string()
                } else {
                    rng.pick(&list).clone()
                };
                let s = statement(&mut rng, &product, SPAN_DAYS);
                let date = today
                    .checked_sub_days(Days::new(s.days_ago as u64))
                    .unwrap_or(today);
                let mut d = EvidenceData::new(s.body, s.source, date);
                d.account_id = Some(*account);
                d.kind = s.kind;
                d.level = s.level;
                d.suggested = false;
                d.tags = s.tags;
                rows.push(d);
            }
            counts.evidence = self.transaction(|c| {
                for d in &rows {
                    insert_evidence(c, d, &by)?;
                }
                Ok(rows.len() as u64)
            })?;
        }
        counts.glossary = self.transaction(|c| crate::themes::seed_glossary(c, &by))?;
        let has_themes =
            self.with_conn(|c| Ok(c.query_int("SELECT count(*) FROM themes", &[])?))?;
        if counts.evidence > 0 || has_themes == 0 {
            let run = self.refresh_themes(&Default::default(), &mut |_| {})?;
            counts.themes = run.themes;
        }
        Ok(counts)
    }

    /// Adds `n` generated items quickly for benchmarks (`peerstage bench`), spread over the
    /// accounts that exist, `batch` per transaction; `progress` hears the running total.
    pub fn bench_add_evidence(
        &self,
        seed: u64,
        n: usize,
        today: NaiveDate,
        progress: &mut dyn FnMut(usize),
    ) -> Result<()> {
        let accounts: Vec<i64> = self.with_conn(|c| {
            Ok(c.query("SELECT id FROM accounts ORDER BY id", &[])?
                .iter()
                .map(|r| r.int(0))
                .collect())
        })?;
        let mut rng = Rng::new(seed ^ 0x6265_6e63);
        let mut done = 0;
        while done < n {
            let batch = (n - done).min(20_000);
            self.transaction(|c| {
                for _ in 0..batch {
                    let s = statement(&mut rng, "Beacon Workflow", 1095);
                    let date = today
                        .checked_sub_days(Days::new(s.days_ago as u64))
                        .unwrap_or(today);
                    let account = if accounts.is_empty() {
                        Value::Null
                    } else {
                        Value::Int(accounts[rng.below(accounts.len() as u64) as usize])
                    };
                    let id = c.query_int(
                        "INSERT INTO evidence (body, source, account_id, occurred_on, kind, level, suggested, sentiment, created_by, created_at, updated_at) \
                         VALUES (?, ?, ?, ?, ?, ?, FALSE, ?, 'bench', ?, ?) RETURNING id",
                        &[
                            Value::from(s.body.as_str()),
                            Value::from(s.source.as_str()),
                            account,
                            Value::Date(date),
                            Value::from(s.kind.as_str()),
                            Value::Int(s.level as i64),
                            Value::Float(peerstage_core::sentiment::score(&s.body)),
                            Value::Time(crate::now()),
                            Value::Time(crate::now()),
                        ],
                    )?;
                    for t in &s.tags {
                        c.execute(
                            "INSERT INTO evidence_tags (evidence_id, tag) VALUES (?, ?)",
                            &[Value::Int(id), Value::from(t.as_str())],
                        )?;
                    }
                }
                Ok(())
            })?;
            done += batch;
            progress(done);
        }
        Ok(())
    }
}

impl Store {
    /// Up to 10,000 ids of accounts or themes, for benchmarks to pick filters from.
    pub fn bench_ids(&self, table: &str) -> Result<Vec<i64>> {
        let table = match table {
            "accounts" => "accounts",
            "themes" => "themes",
            other => {
                return Err(crate::StoreError::Database(format!(
                    "no benchmark ids for {other}"
                )))
            }
        };
        self.with_conn(|c| {
            Ok(c.query(
                &format!("SELECT id FROM {table} ORDER BY id LIMIT 10000"),
                &[],
            )?
            .iter()
            .map(|r| r.int(0))
            .collect())
        })
    }
}
