//! Advocates (B1, B2): facts per contact gathered in bulk, scored in core, cached as a
//! snapshot that matching and the advocate lists read; profiles, motivations, activities
//! and incentives.

use crate::db::{Conn, Value};
use crate::{now, split_list, Result, Store, StoreError};
use chrono::NaiveDate;
use peerstage_core::advocacy::{
    depends_on_incentives, infer_motivations, score, suggest_offers, AdvocateFacts, AdvocateScore,
    IncentiveKind, Motivation, MotivationSource, Opportunity, Suggestion, TraitWeights,
    ROCK_STAR_SCORE,
};
use peerstage_core::reference::{Candidate, MatchConfig};
use peerstage_core::refops::{effective_consent, ConsentActivity};
use peerstage_core::{ContactRole, FieldErrors, ReferenceConsent, Region, Segment};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Program settings (weights, Rock Star threshold, fatigue), stored in `settings`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgramSettings {
    pub weights: TraitWeights,
    pub rock_star_score: u32,
    pub matching: MatchConfig,
    /// Days an open nomination may sit untouched before it is flagged.
    pub nomination_stale_days: u32,
    /// Days a request may wait on an advocate's answer before the ops view flags it.
    pub ask_wait_days: u32,
}

impl Default for ProgramSettings {
    fn default() -> Self {
        ProgramSettings {
            weights: TraitWeights::default(),
            rock_star_score: ROCK_STAR_SCORE,
            matching: MatchConfig::default(),
            nomination_stale_days: peerstage_core::refops::NOMINATION_STALE_DAYS,
            ask_wait_days: peerstage_core::refops::ASK_WAIT_DAYS,
        }
    }
}

/// One contact as an advocate: facts, score and what matching needs.
#[derive(Debug, Clone, Serialize)]
pub struct AdvocateRow {
    pub candidate: Candidate,
    pub facts: AdvocateFacts,
    pub score: AdvocateScore,
    pub motivations: Vec<(Motivation, MotivationSource)>,
    pub has_incentives: bool,
    pub depends_on_incentives: bool,
}

/// Every customer contact scored, as of one moment; rebuilt when data changes.
#[derive(Debug)]
pub struct Snapshot {
    pub(crate) generation: u64,
    pub today: NaiveDate,
    pub settings: ProgramSettings,
    pub rows: Vec<AdvocateRow>,
    pub by_contact: HashMap<i64, usize>,
    /// Row indexes per lower-case industry: a required industry scans only its own.
    pub by_industry: HashMap<String, Vec<usize>>,
}

impl Snapshot {
    /// The rows a request can match: all of them, or one industry's when it is required.
    pub fn candidates_for<'a>(
        &'a self,
        criteria: &peerstage_core::reference::Criteria,
    ) -> Box<dyn Iterator<Item = &'a Candidate> + 'a> {
        match &criteria.industry {
            Some(c) if c.required => match self.by_industry.get(&c.value.trim().to_lowercase()) {
                Some(idx) => Box::new(idx.iter().map(move |i| &self.rows[*i].candidate)),
                None => Box::new(std::iter::empty()),
            },
            _ => Box::new(self.rows.iter().map(|r| &r.candidate)),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ActivityRecord {
    pub id: i64,
    pub contact_id: i64,
    pub opportunity: Opportunity,
    pub status: String,
    pub occurred_on: NaiveDate,
    pub request_id: Option<i64>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Incentive {
    pub id: i64,
    pub contact_id: i64,
    pub kind: IncentiveKind,
    pub given_on: NaiveDate,
    pub description: String,
    pub value: i64,
    pub recorded_by: String,
}

/// Everything on an advocate's page.
#[derive(Debug, Clone, Serialize)]
pub struct AdvocateProfile {
    #[serde(flatten)]
    pub row: AdvocateRow,
    pub lead_user: bool,
    pub modifies_product: bool,
    pub notes: Option<String>,
    pub suggestions: Vec<Suggestion>,
    pub activities: Vec<ActivityRecord>,
    pub incentives: Vec<Incentive>,
}

fn setting<T: std::str::FromStr>(map: &HashMap<String, String>, key: &str, default: T) -> T {
    map.get(key).and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub(crate) fn load_settings(c: &mut dyn Conn) -> Result<ProgramSettings> {
    let map: HashMap<String, String> = c
        .query("SELECT key, value FROM settings", &[])?
        .iter()
        .map(|r| (r.text(0), r.text(1)))
        .collect();
    let d = ProgramSettings::default();
    Ok(ProgramSettings {
        weights: TraitWeights {
            profitable: setting(&map, "weight.profitable", d.weights.profitable),
            exceptional_value: setting(
                &map,
                "weight.exceptional_value",
                d.weights.exceptional_value,
            ),
            affiliates: setting(&map, "weight.affiliates", d.weights.affiliates),
            leading_edge: setting(&map, "weight.leading_edge", d.weights.leading_edge),
            serves_others: setting(&map, "weight.serves_others", d.weights.serves_others),
        },
        rock_star_score: setting(&map, "rock_star_score", d.rock_star_score),
        matching: MatchConfig {
            fatigue_limit: setting(&map, "fatigue_limit", d.matching.fatigue_limit),
            fatigue_window_days: setting(
                &map,
                "fatigue_window_days",
                d.matching.fatigue_window_days,
            ),
            spread_penalty: setting(&map, "spread_penalty", d.matching.spread_penalty),
        },
        nomination_stale_days: setting(&map, "nomination_stale_days", d.nomination_stale_days),
        ask_wait_days: setting(&map, "ask_wait_days", d.ask_wait_days),
    })
}

impl Store {
    pub fn program_settings(&self) -> Result<ProgramSettings> {
        self.with_conn(load_settings)
    }

    pub fn save_program_settings(&self, s: &ProgramSettings) -> Result<()> {
        let w = &s.weights;
        if w.profitable + w.exceptional_value + w.affiliates + w.leading_edge + w.serves_others == 0
        {
            return Err(
                FieldErrors::single("weights", "at least one weight must be above zero").into(),
            );
        }
        if s.matching.fatigue_limit == 0 || s.matching.fatigue_window_days == 0 {
            return Err(FieldErrors::single("fatigue_limit", "must be at least 1").into());
        }
        if s.nomination_stale_days == 0 {
            return Err(FieldErrors::single("nomination_stale_days", "must be at least 1").into());
        }
        if s.ask_wait_days == 0 {
            return Err(FieldErrors::single("ask_wait_days", "must be at least 1").into());
        }
        let pairs = [
            ("weight.profitable", w.profitable.to_string()),
            ("weight.exceptional_value", w.exceptional_value.to_string()),
            ("weight.affiliates", w.affiliates.to_string()),
            ("weight.leading_edge", w.leading_edge.to_string()),
            ("weight.serves_others", w.serves_others.to_string()),
            ("rock_star_score", s.rock_star_score.to_string()),
            ("fatigue_limit", s.matching.fatigue_limit.to_string()),
            (
                "fatigue_window_days",
                s.matching.fatigue_window_days.to_string(),
            ),
            ("spread_penalty", s.matching.spread_penalty.to_string()),
            ("nomination_stale_days", s.nomination_stale_days.to_string()),
            ("ask_wait_days", s.ask_wait_days.to_string()),
        ];
        self.transaction(|c| {
            let before = load_settings(c)?;
            for (k, v) in &pairs {
                c.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[Value::from(*k), Value::from(v)],
                )?;
            }
            self.audit_change(c, "update", "settings", 0, "advocate program settings", Some(&before), Some(s))?;
            Ok(())
        })
    }

    /// The scored advocates, rebuilt when anything changed since the last build.
    pub fn advocate_snapshot(&self, today: NaiveDate) -> Result<Arc<Snapshot>> {
        // The database's revision counts changes by every process, so a CLI import while the
        // server runs is seen too; reading it costs one indexed lookup.
        let generation = self.with_conn(|c| {
            Ok(c.query_int("SELECT value FROM meta WHERE key = 'revision'", &[])? as u64)
        })?;
        {
            let cached = self
                .shared
                .snapshot
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(s) = cached.as_ref() {
                if s.generation == generation && s.today == today {
                    return Ok(s.clone());
                }
            }
        }
        let snap = Arc::new(self.with_conn(|c| build_snapshot(c, today, generation))?);
        *self
            .shared
            .snapshot
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(snap.clone());
        Ok(snap)
    }

    pub fn advocate_profile(&self, contact_id: i64, today: NaiveDate) -> Result<AdvocateProfile> {
        let snap = self.advocate_snapshot(today)?;
        let row = snap
            .by_contact
            .get(&contact_id)
            .map(|i| snap.rows[*i].clone())
            .ok_or(StoreError::NotFound {
                what: "advocate (a contact of a customer account)",
                id: contact_id,
            })?;
        self.with_conn(|c| {
            let p = c.query_one(
                "SELECT lead_user, modifies_product, notes FROM advocate_profiles WHERE contact_id = ?",
                &[Value::Int(contact_id)],
            )?;
            let activities = list_activities(c, contact_id)?;
            let incentives = list_incentives(c, contact_id)?;
            let taken: Vec<Opportunity> = activities.iter().filter(|a| a.status != "declined").map(|a| a.opportunity).collect();
            let suggestions = suggest_offers(&row.motivations, &taken);
            Ok(AdvocateProfile {
                lead_user: p.as_ref().is_some_and(|r| r.bool(0)),
                modifies_product: p.as_ref().is_some_and(|r| r.bool(1)),
                notes: p.as_ref().and_then(|r| r.opt_text(2)),
                row,
                suggestions,
                activities,
                incentives,
            })
        })
    }

    pub fn set_advocate_profile(
        &self,
        contact_id: i64,
        lead_user: bool,
        modifies_product: bool,
        notes: Option<String>,
    ) -> Result<()> {
        self.transaction(|c| {
            require_contact(c, contact_id)?;
            c.execute(
                "INSERT INTO advocate_profiles (contact_id, lead_user, modifies_product, notes, updated_at) VALUES (?, ?, ?, ?, ?) \
                 ON CONFLICT (contact_id) DO UPDATE SET lead_user = excluded.lead_user, modifies_product = excluded.modifies_product, \
                 notes = excluded.notes, updated_at = excluded.updated_at",
                &[Value::Int(contact_id), Value::Bool(lead_user), Value::Bool(modifies_product), Value::from(notes.clone()), Value::Time(now())],
            )?;
            let after = serde_json::json!({"lead_user": lead_user, "modifies_product": modifies_product, "notes": notes});
            self.audit(c, "update", "advocate", Some(contact_id), "advocate profile", None, Some(after))?;
            Ok(())
        })
    }

    /// Replaces the recorded motivations of an advocate.
    pub fn set_motivations(&self, contact_id: i64, motivations: &[Motivation]) -> Result<()> {
        self.transaction(|c| {
            require_contact(c, contact_id)?;
            c.execute("DELETE FROM advocate_motivations WHERE contact_id = ?", &[Value::Int(contact_id)])?;
            let mut motivations = motivations.to_vec();
            motivations.sort();
            motivations.dedup();
            for m in &motivations {
                c.execute(
                    "INSERT INTO advocate_motivations (contact_id, motivation, recorded_by, recorded_at) VALUES (?, ?, ?, ?)",
                    &[Value::Int(contact_id), Value::from(m.as_str()), Value::from(&self.actor().label), Value::Time(now())],
                )?;
            }
            let names: Vec<&str> = motivations.iter().map(|m| m.as_str()).collect();
            self.audit(c, "update", "advocate", Some(contact_id), &format!("motivations: {}", names.join(", ")), None, None)?;
            Ok(())
        })
    }

    /// Records an opportunity offered to, accepted or declined by, or completed by an advocate.
    pub fn record_activity(
        &self,
        contact_id: i64,
        opportunity: Opportunity,
        status: &str,
        occurred_on: NaiveDate,
        notes: Option<String>,
    ) -> Result<i64> {
        if !matches!(status, "offered" | "accepted" | "declined" | "completed") {
            return Err(FieldErrors::single(
                "status",
                "must be offered, accepted, declined or completed",
            )
            .into());
        }
        self.transaction(|c| {
            require_contact(c, contact_id)?;
            let id = c.query_int(
                "INSERT INTO advocate_activities (contact_id, opportunity, status, occurred_on, notes, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                &[Value::Int(contact_id), Value::from(opportunity.as_str()), Value::from(status), Value::Date(occurred_on), Value::from(notes), Value::Time(now())],
            )?;
            self.audit(c, "create", "advocate_activity", Some(id), &format!("{} {status} by contact {contact_id}", opportunity.label()), None, None)?;
            Ok(id)
        })
    }

    /// Records a gift or special deal; it is always flagged on the advocate.
    pub fn record_incentive(
        &self,
        contact_id: i64,
        kind: IncentiveKind,
        given_on: NaiveDate,
        description: &str,
        value: i64,
    ) -> Result<i64> {
        let description = peerstage_core::parse::required_text(description, 500)
            .map_err(|e| FieldErrors::single("description", e))?;
        if value < 0 {
            return Err(FieldErrors::single("value", "must not be negative").into());
        }
        self.transaction(|c| {
            require_contact(c, contact_id)?;
            let id = c.query_int(
                "INSERT INTO incentives (contact_id, kind, given_on, description, value, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::Int(contact_id),
                    Value::from(kind.as_str()),
                    Value::Date(given_on),
                    Value::from(&description),
                    Value::Int(value),
                    Value::from(&self.actor().label),
                    Value::Time(now()),
                ],
            )?;
            self.audit(c, "create", "incentive", Some(id), &format!("{} for contact {contact_id}: {description}", kind.label()), None, None)?;
            Ok(id)
        })
    }
}

fn require_contact(c: &mut dyn Conn, id: i64) -> Result<()> {
    if c.query_int(
        "SELECT count(*) FROM contacts WHERE id = ?",
        &[Value::Int(id)],
    )? == 0
    {
        return Err(StoreError::NotFound {
            what: "contact",
            id,
        });
    }
    Ok(())
}

fn list_activities(c: &mut dyn Conn, contact_id: i64) -> Result<Vec<ActivityRecord>> {
    Ok(c.query(
        "SELECT id, contact_id, opportunity, status, occurred_on, request_id, notes FROM advocate_activities WHERE contact_id = ? ORDER BY occurred_on DESC, id DESC",
        &[Value::Int(contact_id)],
    )?
    .iter()
    .filter_map(|r| {
        Some(ActivityRecord {
            id: r.int(0),
            contact_id: r.int(1),
            opportunity: Opportunity::parse(&r.text(2)).ok()?,
            status: r.text(3),
            occurred_on: r.date(4),
            request_id: r.opt_int(5),
            notes: r.opt_text(6),
        })
    })
    .collect())
}

fn list_incentives(c: &mut dyn Conn, contact_id: i64) -> Result<Vec<Incentive>> {
    Ok(c.query(
        "SELECT id, contact_id, kind, given_on, description, value, recorded_by FROM incentives WHERE contact_id = ? ORDER BY given_on DESC, id DESC",
        &[Value::Int(contact_id)],
    )?
    .iter()
    .filter_map(|r| {
        Some(Incentive {
            id: r.int(0),
            contact_id: r.int(1),
            kind: IncentiveKind::parse(&r.text(2)).ok()?,
            given_on: r.date(3),
            description: r.text(4),
            value: r.int(5),
            recorded_by: r.text(6),
        })
    })
    .collect())
}

/// Gathers facts for every contact of a customer account with a handful of grouped queries.
fn build_snapshot(c: &mut dyn Conn, today: NaiveDate, generation: u64) -> Result<Snapshot> {
    let settings = load_settings(c)?;
    let window_start = today - chrono::Days::new(settings.matching.fatigue_window_days as u64);
    let mut rows: Vec<AdvocateRow> = Vec::new();
    let mut by_contact = HashMap::new();
    let base = c.query(
        "SELECT c.id, c.name, c.title, c.role, c.languages, c.topics, c.reference_consent, c.do_not_contact, \
         a.id, a.name, a.industry, a.region, a.country, a.employees, a.segment, a.products, a.at_risk, \
         a.annual_revenue - a.cost_to_serve - a.discount, a.annual_revenue, p.lead_user, p.modifies_product, a.competitor_replaced \
         FROM contacts c JOIN accounts a ON a.id = c.account_id LEFT JOIN advocate_profiles p ON p.contact_id = c.id \
         WHERE a.lifecycle = 'customer' AND c.erased_at IS NULL ORDER BY c.id",
        &[],
    )?;
    for r in &base {
        let candidate = Candidate {
            contact_id: r.int(0),
            contact_name: r.text(1),
            title: r.opt_text(2),
            seniority: r
                .opt_text(2)
                .map(|t| peerstage_core::reference::Seniority::from_title(&t)),
            role: r.opt_text(3).and_then(|s| ContactRole::parse(&s).ok()),
            languages: split_list(&r.text(4)),
            topics: split_list(&r.text(5)),
            consent: ReferenceConsent::parse(&r.text(6)).unwrap_or_default(),
            do_not_contact: r.bool(7),
            account_id: r.int(8),
            account_name: r.text(9),
            industry_key: r
                .opt_text(10)
                .map(|i| peerstage_core::reference::text_key(&i))
                .unwrap_or(0),
            industry: r.opt_text(10),
            region: r.opt_text(11).and_then(|s| Region::parse(&s).ok()),
            country: r.opt_text(12),
            employees: r.opt_int(13),
            segment: r.opt_text(14).and_then(|s| Segment::parse(&s).ok()),
            products: split_list(&r.text(15)),
            at_risk: r.bool(16),
            advocate_score: 0,
            recent_activities: 0,
            account_recent_activities: 0,
            consents: [ReferenceConsent::parse(&r.text(6)).unwrap_or_default();
                ConsentActivity::COUNT],
            consent_expired: 0,
            busy_on: Vec::new(),
            competitor_replaced: r.opt_text(21).filter(|s| !s.trim().is_empty()),
        };
        let facts = AdvocateFacts {
            account_margin: r.int(17),
            account_revenue: r.int(18),
            lead_user: r.bool(19),
            modifies_product: r.bool(20),
            ..Default::default()
        };
        by_contact.insert(candidate.contact_id, rows.len());
        rows.push(AdvocateRow {
            candidate,
            facts,
            score: score(&AdvocateFacts::default(), &settings.weights),
            motivations: Vec::new(),
            has_incentives: false,
            depends_on_incentives: false,
        });
    }
    // Consent per activity type: a record of its own replaces the general consent; an
    // expired one reads "ask first".
    for r in c.query(
        "SELECT contact_id, activity, consent, expires_on FROM contact_consents",
        &[],
    )? {
        let Some(i) = by_contact.get(&r.int(0)).copied() else {
            continue;
        };
        let (Ok(a), Ok(k)) = (
            ConsentActivity::parse(&r.text(1)),
            ReferenceConsent::parse(&r.text(2)),
        ) else {
            continue;
        };
        let (effective, expired) = effective_consent(k, r.opt_date(3), today);
        let cand = &mut rows[i].candidate;
        cand.consents[a.index()] = effective;
        if expired {
            cand.consent_expired |= 1 << a.index();
        }
    }
    // Advocates already named on an open request waiting on them.
    for r in c.query(
        "SELECT advocate_contact_id, id FROM reference_requests WHERE status IN ('asked', 'accepted') AND advocate_contact_id IS NOT NULL ORDER BY id",
        &[],
    )? {
        if let Some(i) = by_contact.get(&r.int(0)) {
            rows[*i].candidate.busy_on.push(r.int(1));
        }
    }
    // Latest NPS answer per contact.
    for r in c.query("SELECT contact_id, score, responded_on FROM nps_responses WHERE contact_id IS NOT NULL ORDER BY contact_id, responded_on, id", &[])? {
        if let Some(i) = by_contact.get(&r.int(0)) {
            rows[*i].facts.latest_nps = Some(r.int(1));
        }
    }
    for r in c.query(
        "SELECT tc.contact_id, t.kind, count(*) FROM touchpoint_contacts tc JOIN touchpoints t ON t.id = tc.touchpoint_id \
         WHERE t.kind IN ('event_conversation', 'community_answer') GROUP BY tc.contact_id, t.kind",
        &[],
    )? {
        if let Some(i) = by_contact.get(&r.int(0)) {
            let n = r.int(2) as u32;
            match r.text(1).as_str() {
                "event_conversation" => rows[*i].facts.events_attended = n,
                _ => rows[*i].facts.community_answers = n,
            }
        }
    }
    let mut accepted: HashMap<i64, Vec<Opportunity>> = HashMap::new();
    let mut activity_days: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut account_recent: HashMap<i64, u32> = HashMap::new();
    for r in c.query("SELECT contact_id, opportunity, status, occurred_on FROM advocate_activities WHERE status IN ('accepted', 'completed')", &[])? {
        let Some(i) = by_contact.get(&r.int(0)).copied() else { continue };
        let Ok(o) = Opportunity::parse(&r.text(1)) else { continue };
        let done = r.text(2) == "completed";
        let day = r.date(3);
        let f = &mut rows[i].facts;
        if o.is_affiliation() {
            f.affiliation_activities += 1;
        }
        if o.is_leading_edge() {
            f.leading_edge_activities += 1;
        }
        if o.is_reference_activity() {
            if done {
                f.references_given += 1;
            }
            if day >= window_start && day <= today {
                rows[i].candidate.recent_activities += 1;
                *account_recent.entry(rows[i].candidate.account_id).or_default() += 1;
            }
        }
        accepted.entry(r.int(0)).or_default().push(o);
        activity_days.entry(r.int(0)).or_default().push((day - today).num_days());
    }
    let mut recorded: HashMap<i64, Vec<Motivation>> = HashMap::new();
    for r in c.query(
        "SELECT contact_id, motivation FROM advocate_motivations",
        &[],
    )? {
        if let Ok(m) = Motivation::parse(&r.text(1)) {
            recorded.entry(r.int(0)).or_default().push(m);
        }
    }
    let mut gifts: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in c.query("SELECT contact_id, given_on FROM incentives", &[])? {
        gifts
            .entry(r.int(0))
            .or_default()
            .push((r.date(1) - today).num_days());
    }
    for row in rows.iter_mut() {
        let id = row.candidate.contact_id;
        row.candidate.account_recent_activities = account_recent
            .get(&row.candidate.account_id)
            .copied()
            .unwrap_or(0);
        let mut s = score(&row.facts, &settings.weights);
        s.rock_star = s.score >= settings.rock_star_score;
        row.candidate.advocate_score = s.score;
        row.score = s;
        let mut motivations: Vec<(Motivation, MotivationSource)> = recorded
            .get(&id)
            .map(|v| v.iter().map(|m| (*m, MotivationSource::Recorded)).collect())
            .unwrap_or_default();
        if let Some(acc) = accepted.get(&id) {
            for m in infer_motivations(acc) {
                if !motivations.iter().any(|(x, _)| *x == m) {
                    motivations.push((m, MotivationSource::Inferred));
                }
            }
        }
        row.motivations = motivations;
        if let Some(g) = gifts.get(&id) {
            row.has_incentives = true;
            row.depends_on_incentives =
                depends_on_incentives(activity_days.get(&id).map(Vec::as_slice).unwrap_or(&[]), g);
        }
    }
    let mut by_industry: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_industry
            .entry(
                r.candidate
                    .industry
                    .as_deref()
                    .unwrap_or("")
                    .trim()
                    .to_lowercase(),
            )
            .or_default()
            .push(i);
    }
    Ok(Snapshot {
        generation,
        today,
        settings,
        rows,
        by_contact,
        by_industry,
    })
}
