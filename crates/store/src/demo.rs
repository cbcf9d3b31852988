//! Loads the deterministic demo company (F6) through the same validation as a CSV import.

use crate::{ImportCounts, Result, Store, StoreError};
use peerstage_core::demo::Demo;
use peerstage_core::import::{ImportKind, ImportPlan, Validator};

const CHUNK: usize = 50_000;

impl Store {
    /// Imports every kind of demo row, in chunks of one transaction each. `progress` gets
    /// (kind, rows done so far).
    pub fn load_demo(
        &self,
        demo: &mut Demo,
        mut progress: impl FnMut(ImportKind, u64),
    ) -> Result<Vec<(ImportKind, ImportCounts)>> {
        let mut out = Vec::new();
        for kind in Demo::KINDS.iter().copied() {
            let plan = ImportPlan::canonical(kind);
            let lookups = self.lookups(kind)?;
            let mut validator = Validator::new(&plan, &lookups);
            let mut total = ImportCounts::default();
            let mut done = 0u64;
            loop {
                let rows = demo.next_chunk(kind, CHUNK);
                if rows.is_empty() {
                    break;
                }
                let mut records = Vec::with_capacity(rows.len());
                for row in &rows {
                    done += 1;
                    let cells: Vec<&str> = row.iter().map(String::as_str).collect();
                    let record = validator.row(done + 1, &cells).map_err(|errors| {
                        StoreError::Database(format!(
                            "demo generated an invalid {kind} row: {errors:?}"
                        ))
                    })?;
                    records.push(record);
                }
                let counts = self.import_records(kind, &records)?;
                total.inserted += counts.inserted;
                total.updated += counts.updated;
                total.unchanged += counts.unchanged;
                progress(kind, done);
            }
            out.push((kind, total));
        }
        Ok(out)
    }

    /// Deletes every account and what hangs off it (for `demo --reset`).
    pub fn clear_customers(&self) -> Result<()> {
        self.transaction(|c| {
            c.batch("DELETE FROM reference_steps; DELETE FROM reference_requests; DELETE FROM touchpoint_contacts; DELETE FROM nps_responses; DELETE FROM commitments; DELETE FROM touchpoints; DELETE FROM contacts; DELETE FROM accounts;")?;
            Ok(())
        })
    }
}

impl Store {
    /// Demo advocate program (B1–B4): motivations, profiles, activities, a few gifts, and
    /// reference requests at every stage. Deterministic for a seed; written in one transaction.
    pub fn seed_advocacy(&self, seed: u64, today: chrono::NaiveDate) -> Result<usize> {
        use crate::db::Value;
        use peerstage_core::advocacy::{Motivation, Opportunity};
        use peerstage_core::rng::Rng;
        let existing = self.with_conn(|c| {
            Ok(c.query_int("SELECT (SELECT count(*) FROM advocate_activities) + (SELECT count(*) FROM reference_requests)", &[])?)
        })?;
        if existing > 0 {
            // Never overwrite a program someone has started working in.
            return Ok(0);
        }
        let snap = self.advocate_snapshot(today)?;
        let mut rng = Rng::new(seed ^ 0xAD70_CA7E);
        let stamp = crate::now();
        let mut motivations = Vec::new();
        let mut profiles = Vec::new();
        let mut activities = Vec::new();
        let mut incentives = Vec::new();
        for row in &snap.rows {
            let c = &row.candidate;
            let promoter = row.facts.latest_nps.is_some_and(|s| s >= 9);
            let engaged = if promoter { 0.45 } else { 0.12 };
            if c.consent == peerstage_core::ReferenceConsent::No || !rng.chance(engaged) {
                continue;
            }
            let first = *rng.pick(Motivation::ALL);
            motivations.push(vec![
                Value::Int(c.contact_id),
                Value::from(first.as_str()),
                Value::from("demo"),
                Value::Time(stamp),
            ]);
            if rng.chance(0.35) {
                let second = *rng.pick(Motivation::ALL);
                if second != first {
                    motivations.push(vec![
                        Value::Int(c.contact_id),
                        Value::from(second.as_str()),
                        Value::from("demo"),
                        Value::Time(stamp),
                    ]);
                }
            }
            if rng.chance(0.15) {
                profiles.push(vec![
                    Value::Int(c.contact_id),
                    Value::Bool(rng.chance(0.7)),
                    Value::Bool(rng.chance(0.4)),
                    Value::Time(stamp),
                ]);
            }
            for _ in 0..rng.range(0, 4) {
                let o = *rng.pick(Opportunity::ALL);
                let day = today - chrono::Days::new(rng.range(1, 420) as u64);
                let status = if day < today - chrono::Days::new(30) {
                    "completed"
                } else {
                    "accepted"
                };
                activities.push(vec![
                    Value::Int(c.contact_id),
                    Value::from(o.as_str()),
                    Value::from(status),
                    Value::Date(day),
                    Value::Time(stamp),
                ]);
            }
            if rng.chance(0.04) {
                let day = today - chrono::Days::new(rng.range(10, 300) as u64);
                let what = *rng.pick(&[
                    "Conference pass and hotel",
                    "Dinner after the user group",
                    "Early renewal discount",
                    "Branded jacket",
                ]);
                let kind = if what.contains("discount") {
                    "special_deal"
                } else {
                    "gift"
                };
                incentives.push(vec![
                    Value::Int(c.contact_id),
                    Value::from(kind),
                    Value::Date(day),
                    Value::from(what),
                    Value::Int(rng.range(50, 2500)),
                    Value::from("demo"),
                    Value::Time(stamp),
                ]);
            }
        }
        let n = activities.len();
        self.transaction(|c| {
            c.load(
                "advocate_motivations",
                &["contact_id", "motivation", "recorded_by", "recorded_at"],
                &mut motivations.into_iter(),
            )?;
            c.load(
                "advocate_profiles",
                &["contact_id", "lead_user", "modifies_product", "updated_at"],
                &mut profiles.into_iter(),
            )?;
            c.load(
                "advocate_activities",
                &[
                    "contact_id",
                    "opportunity",
                    "status",
                    "occurred_on",
                    "created_at",
                ],
                &mut activities.into_iter(),
            )?;
            c.load(
                "incentives",
                &[
                    "contact_id",
                    "kind",
                    "given_on",
                    "description",
                    "value",
                    "recorded_by",
                    "created_at",
                ],
                &mut incentives.into_iter(),
            )?;
            Ok(())
        })?;
        self.seed_requests(&mut rng, today)?;
        self.seed_reference_ops(&mut rng, today)?;
        Ok(n)
    }

    fn seed_requests(
        &self,
        rng: &mut peerstage_core::rng::Rng,
        today: chrono::NaiveDate,
    ) -> Result<()> {
        use peerstage_core::reference::{DealOutcome, RequestStatus};
        use peerstage_core::Fields;
        let prospects = self.with_conn(|c| {
            Ok(c.query("SELECT id, industry, region FROM accounts WHERE lifecycle = 'prospect' ORDER BY id LIMIT 60", &[])?
                .iter()
                .map(|r| (r.int(0), r.opt_text(1), r.opt_text(2)))
                .collect::<Vec<_>>())
        })?;
        let activities = [
            "reference_call",
            "reference_call",
            "reference_call",
            "site_visit",
            "case_study",
            "review",
            "speaking_slot",
        ];
        // Create every request first, then match them all against one snapshot, then move
        // them along: matching after each change would rebuild the snapshot every time.
        let mut created = Vec::new();
        for (i, (pid, industry, region)) in prospects.iter().enumerate().take(30) {
            let mut f = Fields::new();
            f.push("prospect_account_id", pid.to_string());
            f.push("activity", *rng.pick(&activities));
            f.push("deal_value", (rng.range(2, 60) * 5000).to_string());
            f.push(
                "needed_by",
                (today + chrono::Days::new(rng.range(3, 45) as u64)).to_string(),
            );
            if let Some(ind) = industry {
                f.push("industry", ind.clone());
                f.push("industry_required", "yes");
            }
            if let Some(r) = region {
                f.push("region", r.clone());
                f.push("region_required", if i % 3 == 0 { "yes" } else { "no" });
            }
            if i % 4 == 1 {
                f.push("seniority", "executive");
            }
            let req = peerstage_core::reference::NewRequest::from_fields(&f)
                .map_err(StoreError::Invalid)?;
            let id = self.as_demo_rep(i).create_request(&req)?.id;
            created.push((i, id, req.deal_value));
        }
        let mut best = Vec::new();
        for (i, id, value) in &created {
            if let Some(b) = self.match_request(*id, today, 3)?.candidates.first() {
                best.push((*i, *id, *value, b.contact_id));
            }
        }
        for (i, id, value, contact) in best {
            let stage = i % 6;
            let go = |to: RequestStatus, contact: Option<i64>| {
                self.advance_request(id, to, contact, None, today)
            };
            if stage >= 1 {
                go(RequestStatus::Proposed, Some(contact))?;
            }
            if stage >= 2 {
                go(RequestStatus::Asked, None)?;
            }
            if stage == 3 {
                go(RequestStatus::Declined, None)?;
                continue;
            }
            if stage >= 4 {
                go(RequestStatus::Accepted, None)?;
            }
            if stage >= 5 {
                go(RequestStatus::Completed, None)?;
                let won = rng.chance(0.6);
                let outcome = if won {
                    DealOutcome::Won
                } else {
                    DealOutcome::Lost
                };
                self.set_request_outcome(id, outcome, if won { value } else { 0 })?;
            }
        }
        Ok(())
    }
}

impl Store {
    /// Benchmark data: `n` past reference activities spread over customer contacts and the
    /// last two years, written in one transaction.
    #[doc(hidden)]
    pub fn bench_add_activities(
        &self,
        n: usize,
        seed: u64,
        today: chrono::NaiveDate,
    ) -> Result<()> {
        use crate::db::Value;
        use peerstage_core::advocacy::Opportunity;
        let ids: Vec<i64> = self.with_conn(|c| {
            Ok(c.query("SELECT id FROM contacts ORDER BY id", &[])?
                .iter()
                .map(|r| r.int(0))
                .collect())
        })?;
        if ids.is_empty() {
            return Ok(());
        }
        let mut rng = peerstage_core::rng::Rng::new(seed);
        let kinds: Vec<Opportunity> = Opportunity::ALL
            .iter()
            .copied()
            .filter(|o| o.is_reference_activity())
            .collect();
        let stamp = crate::now();
        let mut rows = (0..n).map(|_| {
            let day = today - chrono::Days::new(rng.range(1, 730) as u64);
            vec![
                Value::Int(*rng.pick(&ids)),
                Value::from(rng.pick(&kinds).as_str()),
                Value::from("completed"),
                Value::Date(day),
                Value::Time(stamp),
            ]
        });
        self.transaction(|c| {
            c.load(
                "advocate_activities",
                &[
                    "contact_id",
                    "opportunity",
                    "status",
                    "occurred_on",
                    "created_at",
                ],
                &mut rows,
            )?;
            Ok(())
        })
    }

    #[doc(hidden)]
    pub fn bench_count(&self, table: &str) -> Result<i64> {
        let table = table.to_string();
        self.with_conn(|c| Ok(c.query_int(&format!("SELECT count(*) FROM {table}"), &[])?))
    }
}

/// The demo company's sales reps, who ask for its references (a label each, as a request
/// made by a since-removed user keeps; they have no sign-in).
const DEMO_REPS: [&str; 4] = [
    "Dana Whitfield (sales)",
    "Marco Bellini (sales)",
    "Aisha Karimi (sales)",
    "Tom Lindqvist (sales)",
];

impl Store {
    /// This store, recording changes as the demo's `i`-th sales rep (in turn).
    pub(crate) fn as_demo_rep(&self, i: usize) -> Store {
        self.acting_as(peerstage_core::Actor {
            user_id: None,
            label: DEMO_REPS[i % DEMO_REPS.len()].into(),
            role: peerstage_core::Role::Sales,
        })
    }
}
