//! Reference requests (B3) and program reports (B4).

use crate::db::{Conn, Row, Value};
use crate::{now, Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use peerstage_core::advocacy::Opportunity;
use peerstage_core::reference::{
    explain_empty, rank_for, Candidate, Criteria, DealOutcome, MatchFor, MatchResult, NewRequest,
    RequestStatus,
};
use peerstage_core::refops::ConsentActivity;
use peerstage_core::FieldErrors;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct RequestStep {
    pub at: DateTime<Utc>,
    pub status: RequestStatus,
    pub contact_id: Option<i64>,
    pub contact_name: Option<String>,
    pub actor: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReferenceRequest {
    pub id: i64,
    pub requested_by: String,
    pub requested_by_user_id: Option<i64>,
    pub prospect_account_id: Option<i64>,
    pub prospect_name: String,
    pub deal_value: i64,
    pub needed_by: Option<NaiveDate>,
    pub activity: Opportunity,
    pub criteria: Criteria,
    pub status: RequestStatus,
    pub advocate_contact_id: Option<i64>,
    pub advocate_name: Option<String>,
    pub outcome: DealOutcome,
    pub revenue_influenced: i64,
    pub notes: Option<String>,
    pub last_match_count: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub steps: Vec<RequestStep>,
    /// A manager confirmed the completed activity happened.
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Completed, with feedback from either side or a manager's confirmation.
    pub confirmed: bool,
    /// Feedback after the activity (filled when one request is read).
    pub feedback: Vec<crate::refops::Feedback>,
}

const COLUMNS: &str = "r.id, r.requested_by, r.requested_by_user_id, r.prospect_account_id, r.prospect_name, r.deal_value, r.needed_by, \
    r.activity, r.criteria_json, r.status, r.advocate_contact_id, c.name, r.outcome, r.revenue_influenced, r.notes, r.last_match_count, r.created_at, r.updated_at, \
    r.confirmed_by, r.confirmed_at, (SELECT count(*) FROM reference_feedback f WHERE f.request_id = r.id)";

fn from_row(r: &Row) -> ReferenceRequest {
    ReferenceRequest {
        id: r.int(0),
        requested_by: r.text(1),
        requested_by_user_id: r.opt_int(2),
        prospect_account_id: r.opt_int(3),
        prospect_name: r.text(4),
        deal_value: r.int(5),
        needed_by: r.opt_date(6),
        activity: Opportunity::parse(&r.text(7)).unwrap_or(Opportunity::ReferenceCall),
        criteria: serde_json::from_str(&r.text(8)).unwrap_or_default(),
        status: RequestStatus::parse(&r.text(9)).unwrap_or(RequestStatus::Requested),
        advocate_contact_id: r.opt_int(10),
        advocate_name: r.opt_text(11),
        outcome: DealOutcome::parse(&r.text(12)).unwrap_or(DealOutcome::Open),
        revenue_influenced: r.int(13),
        notes: r.opt_text(14),
        last_match_count: r.opt_int(15),
        created_at: r.time(16),
        updated_at: r.time(17),
        steps: Vec::new(),
        confirmed_by: r.opt_text(18),
        confirmed_at: r.opt_time(19),
        confirmed: r.text(9) == "completed" && (r.opt_time(19).is_some() || r.int(20) > 0),
        feedback: Vec::new(),
    }
}

fn get(c: &mut dyn Conn, id: i64) -> Result<ReferenceRequest> {
    let mut req = c
        .query_one(&format!("SELECT {COLUMNS} FROM reference_requests r LEFT JOIN contacts c ON c.id = r.advocate_contact_id WHERE r.id = ?"), &[Value::Int(id)])?
        .map(|r| from_row(&r))
        .ok_or(StoreError::NotFound { what: "reference request", id })?;
    req.steps = c
        .query(
            "SELECT s.at, s.status, s.contact_id, c.name, s.actor, s.note FROM reference_steps s LEFT JOIN contacts c ON c.id = s.contact_id WHERE s.request_id = ? ORDER BY s.id",
            &[Value::Int(id)],
        )?
        .iter()
        .map(|r| RequestStep {
            at: r.time(0),
            status: RequestStatus::parse(&r.text(1)).unwrap_or(RequestStatus::Requested),
            contact_id: r.opt_int(2),
            contact_name: r.opt_text(3),
            actor: r.text(4),
            note: r.opt_text(5),
        })
        .collect();
    req.feedback = crate::refops::feedback_of(c, id)?;
    Ok(req)
}

/// Which requests to list.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    /// Only this user's requests (sales reps see their own).
    pub requested_by_user_id: Option<i64>,
    pub status: Option<RequestStatus>,
}

/// B4: how the program is doing.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProgramReport {
    pub requests: i64,
    pub completed: i64,
    pub influenced_pipeline: i64,
    pub won_revenue: i64,
    pub won_with_reference: i64,
    pub lost_with_reference: i64,
    pub won_without_reference: i64,
    pub lost_without_reference: i64,
    /// Completed activities with feedback or a manager's confirmation, and those without.
    pub confirmed: i64,
    pub unconfirmed: i64,
    /// Won revenue from confirmed activities only.
    pub won_revenue_confirmed: i64,
    pub per_advocate: Vec<ActivityCount>,
    pub per_account: Vec<ActivityCount>,
    pub near_fatigue: Vec<ActivityCount>,
    /// Requests whose last matching found nobody: the program's gaps.
    pub gaps: Vec<Gap>,
}

impl ProgramReport {
    pub fn win_rate_with(&self) -> Option<f64> {
        rate(self.won_with_reference, self.lost_with_reference)
    }
    pub fn win_rate_without(&self) -> Option<f64> {
        rate(self.won_without_reference, self.lost_without_reference)
    }
}

fn rate(won: i64, lost: i64) -> Option<f64> {
    (won + lost > 0).then(|| won as f64 * 100.0 / (won + lost) as f64)
}

#[derive(Debug, Clone, Serialize)]
pub struct ActivityCount {
    pub id: i64,
    pub name: String,
    pub account_name: String,
    pub total: i64,
    pub recent: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub request_id: i64,
    pub activity: Opportunity,
    pub criteria: String,
    pub prospect_name: String,
}

impl Store {
    /// Creates a request as the acting user; anyone allowed to request may (no manager needed).
    pub fn create_request(&self, r: &NewRequest) -> Result<ReferenceRequest> {
        let criteria =
            serde_json::to_string(&r.criteria).map_err(|e| StoreError::Database(e.to_string()))?;
        self.transaction(|c| {
            let mut name = r.prospect_name.clone();
            if let Some(aid) = r.prospect_account_id {
                match c.query_one("SELECT name FROM accounts WHERE id = ?", &[Value::Int(aid)])? {
                    Some(row) if name.is_empty() => name = row.text(0),
                    Some(_) => {}
                    None => return Err(FieldErrors::single("prospect_account_id", format!("no account has id {aid}")).into()),
                }
            }
            let t = now();
            let id = c.query_int(
                "INSERT INTO reference_requests (requested_by_user_id, requested_by, prospect_account_id, prospect_name, deal_value, needed_by, activity, criteria_json, status, notes, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?) RETURNING id",
                &[
                    Value::from(self.actor().user_id),
                    Value::from(&self.actor().label),
                    Value::from(r.prospect_account_id),
                    Value::from(&name),
                    Value::Int(r.deal_value),
                    Value::from(r.needed_by),
                    Value::from(r.activity.as_str()),
                    Value::Text(criteria.clone()),
                    Value::from(&r.notes),
                    Value::Time(t),
                    Value::Time(t),
                ],
            )?;
            step(c, id, RequestStatus::Requested, None, &self.actor().label, r.notes.as_deref())?;
            let after = get(c, id)?;
            self.audit_change(c, "create", "reference_request", id, &format!("{} for {}", r.activity.label(), name), None, Some(&after))?;
            Ok(after)
        })
    }

    pub fn get_request(&self, id: i64) -> Result<ReferenceRequest> {
        self.with_conn(|c| get(c, id))
    }

    pub fn list_requests(&self, f: &RequestFilter) -> Result<Vec<ReferenceRequest>> {
        let mut conds = vec!["1 = 1"];
        let mut params = Vec::new();
        if let Some(u) = f.requested_by_user_id {
            conds.push("r.requested_by_user_id = ?");
            params.push(Value::Int(u));
        }
        if let Some(s) = f.status {
            conds.push("r.status = ?");
            params.push(Value::from(s.as_str()));
        }
        self.with_conn(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {COLUMNS} FROM reference_requests r LEFT JOIN contacts c ON c.id = r.advocate_contact_id WHERE {} ORDER BY r.id DESC LIMIT 1000",
                    conds.join(" AND ")
                ),
                &params,
            )?
            .iter()
            .map(from_row)
            .collect())
        })
    }

    /// Ranks candidates for arbitrary criteria, without a request.
    pub fn match_criteria(
        &self,
        criteria: &Criteria,
        today: NaiveDate,
        limit: usize,
    ) -> Result<MatchResult> {
        self.match_criteria_for(criteria, None, today, limit)
    }

    /// `match_criteria` for one activity: its consent applies.
    pub fn match_criteria_for(
        &self,
        criteria: &Criteria,
        activity: Option<Opportunity>,
        today: NaiveDate,
        limit: usize,
    ) -> Result<MatchResult> {
        let snap = self.advocate_snapshot(today)?;
        let ctx = MatchFor {
            activity: activity.and_then(ConsentActivity::of),
            request_id: None,
        };
        let mut result = rank_for(
            criteria,
            snap.candidates_for(criteria),
            &snap.settings.matching,
            &ctx,
            limit,
        );
        if result.candidates.is_empty() {
            let all: Vec<&Candidate> = snap.rows.iter().map(|r| &r.candidate).collect();
            if criteria.industry.as_ref().is_some_and(|c| c.required) {
                result = rank_for(
                    criteria,
                    all.iter().copied(),
                    &snap.settings.matching,
                    &ctx,
                    limit,
                );
            }
            (result.blocked_by, result.loosened) =
                explain_empty(criteria, &all, &snap.settings.matching, &ctx, 3);
        }
        Ok(result)
    }

    /// Ranks candidates for a request and remembers how many were found (for the gaps report).
    pub fn match_request(&self, id: i64, today: NaiveDate, limit: usize) -> Result<MatchResult> {
        let req = self.get_request(id)?;
        self.match_loaded_request(&req, today, limit)
    }

    /// `match_request` for a request already read (saves reading it twice).
    pub fn match_loaded_request(
        &self,
        req: &ReferenceRequest,
        today: NaiveDate,
        limit: usize,
    ) -> Result<MatchResult> {
        let id = req.id;
        let snap = self.advocate_snapshot(today)?;
        // Whoever already declined this request is not proposed again.
        let declined: Vec<i64> = req
            .steps
            .iter()
            .filter(|s| s.status == RequestStatus::Declined)
            .filter_map(|s| s.contact_id)
            .collect();
        let others = |c: &&peerstage_core::reference::Candidate| {
            Some(c.account_id) != req.prospect_account_id && !declined.contains(&c.contact_id)
        };
        let ctx = MatchFor {
            activity: ConsentActivity::of(req.activity),
            request_id: Some(id),
        };
        let mut result = rank_for(
            &req.criteria,
            snap.candidates_for(&req.criteria).filter(others),
            &snap.settings.matching,
            &ctx,
            limit,
        );
        if result.candidates.is_empty() {
            let all: Vec<&Candidate> = snap
                .rows
                .iter()
                .map(|r| &r.candidate)
                .filter(others)
                .collect();
            if req.criteria.industry.as_ref().is_some_and(|c| c.required) {
                // Nobody fits: search everyone, so the near-misses from other industries show.
                result = rank_for(
                    &req.criteria,
                    all.iter().copied(),
                    &snap.settings.matching,
                    &ctx,
                    limit,
                );
            }
            // Say what blocked it and what loosening one criterion would find.
            (result.blocked_by, result.loosened) =
                explain_empty(&req.criteria, &all, &snap.settings.matching, &ctx, 3);
        }
        for cid in &declined {
            if let Some(row) = snap.by_contact.get(cid).map(|i| &snap.rows[*i].candidate) {
                if !result.excluded.iter().any(|e| e.contact_id == *cid) {
                    result.excluded.insert(
                        0,
                        peerstage_core::reference::Excluded {
                            contact_id: row.contact_id,
                            contact_name: row.contact_name.clone(),
                            account_name: row.account_name.clone(),
                            reasons: vec!["declined this request".into()],
                        },
                    );
                }
            }
        }
        let found = result.candidates.len() as i64;
        if req.last_match_count != Some(found) {
            // Not a change anyone made: no audit entry, no cache invalidation.
            self.with_conn(|c| {
                c.execute(
                    "UPDATE reference_requests SET last_match_count = ? WHERE id = ?",
                    &[Value::Int(found), Value::Int(id)],
                )?;
                Ok(())
            })?;
        }
        Ok(result)
    }

    /// Moves a request along its workflow. Proposing or asking names the advocate; accepting
    /// and completing record the activity that counts towards fatigue.
    pub fn advance_request(
        &self,
        id: i64,
        to: RequestStatus,
        contact_id: Option<i64>,
        note: Option<String>,
        today: NaiveDate,
    ) -> Result<ReferenceRequest> {
        self.transaction(|c| {
            let before = get(c, id)?;
            if !before.status.can_move_to(to) {
                return Err(FieldErrors::single("status", format!("a {} request cannot become {}", before.status.label().to_lowercase(), to.label().to_lowercase())).into());
            }
            let advocate = match to {
                RequestStatus::Proposed | RequestStatus::Asked => {
                    let cid = match (to, before.status) {
                        // After a decline, propose someone else.
                        (RequestStatus::Proposed, RequestStatus::Declined) => match contact_id {
                            Some(c) if Some(c) == before.advocate_contact_id => {
                                return Err(FieldErrors::single("contact_id", "this advocate just declined; propose someone else").into())
                            }
                            Some(c) => c,
                            None => return Err(FieldErrors::single("contact_id", "choose the advocate to propose instead").into()),
                        },
                        _ => contact_id.or(before.advocate_contact_id).ok_or_else(|| FieldErrors::single("contact_id", "choose the advocate"))?,
                    };
                    let ok = c.query_one(
                        "SELECT c.reference_consent, c.do_not_contact, c.account_id, a.lifecycle, a.at_risk FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?",
                        &[Value::Int(cid)],
                    )?;
                    let consent = match (&ok, ConsentActivity::of(before.activity)) {
                        (Some(_), Some(a)) => crate::refops::consent_for(c, cid, a, today)?.0,
                        (Some(r), None) => peerstage_core::ReferenceConsent::parse(&r.text(0)).unwrap_or_default(),
                        (None, _) => peerstage_core::ReferenceConsent::No,
                    };
                    match ok {
                        None => return Err(FieldErrors::single("contact_id", format!("no contact has id {cid}")).into()),
                        Some(r) if consent == peerstage_core::ReferenceConsent::No || r.bool(1) => {
                            return Err(FieldErrors::single("contact_id", format!("this contact has not consented to {}, or must not be contacted", before.activity.label().to_lowercase())).into())
                        }
                        // The same rules as matching: never the prospect's own account, only customers.
                        Some(r) if Some(r.int(2)) == before.prospect_account_id => {
                            return Err(FieldErrors::single("contact_id", "this contact works at the prospect's own account").into())
                        }
                        Some(r) if r.text(3) != "customer" => {
                            return Err(FieldErrors::single("contact_id", "this contact's account is not a customer").into())
                        }
                        // The other hard rules of matching hold for a contact named by hand too.
                        Some(r) if r.bool(4) => {
                            return Err(FieldErrors::single("contact_id", "this contact's account is at risk: win it back before asking it for a reference").into())
                        }
                        Some(_) => {
                            let settings = crate::advocates::load_settings(c)?.matching;
                            let recent = recent_reference_activities(c, cid, id, settings.fatigue_window_days, today)?;
                            if recent >= i64::from(settings.fatigue_limit) {
                                return Err(FieldErrors::single("contact_id", format!("this advocate is fatigued: {recent} reference activities in the last {} days (limit {}); propose someone else", settings.fatigue_window_days, settings.fatigue_limit)).into());
                            }
                            Some(cid)
                        }
                    }
                }
                _ => before.advocate_contact_id,
            };
            c.execute(
                "UPDATE reference_requests SET status = ?, advocate_contact_id = ?, updated_at = ? WHERE id = ?",
                &[Value::from(to.as_str()), Value::from(advocate), Value::Time(now()), Value::Int(id)],
            )?;
            if let Some(cid) = advocate {
                match to {
                    RequestStatus::Accepted | RequestStatus::Declined => {
                        let status = if to == RequestStatus::Accepted { "accepted" } else { "declined" };
                        c.execute(
                            "INSERT INTO advocate_activities (contact_id, opportunity, status, occurred_on, request_id, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            &[Value::Int(cid), Value::from(before.activity.as_str()), Value::from(status), Value::Date(today), Value::Int(id), Value::from(note.clone()), Value::Time(now())],
                        )?;
                    }
                    RequestStatus::Cancelled => {
                        // An accepted activity that will not happen no longer counts towards fatigue.
                        c.execute(
                            "UPDATE advocate_activities SET status = 'declined' WHERE request_id = ? AND contact_id = ? AND status = 'accepted'",
                            &[Value::Int(id), Value::Int(cid)],
                        )?;
                    }
                    RequestStatus::Completed => {
                        c.execute(
                            "UPDATE advocate_activities SET status = 'completed', occurred_on = ? WHERE request_id = ? AND contact_id = ? AND status = 'accepted'",
                            &[Value::Date(today), Value::Int(id), Value::Int(cid)],
                        )?;
                    }
                    _ => {}
                }
            }
            step(c, id, to, advocate, &self.actor().label, note.as_deref())?;
            let after = get(c, id)?;
            self.audit_change(c, "update", "reference_request", id, &format!("{} → {}", before.status, to), Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    pub fn set_request_outcome(
        &self,
        id: i64,
        outcome: DealOutcome,
        revenue_influenced: i64,
    ) -> Result<ReferenceRequest> {
        if revenue_influenced < 0 {
            return Err(FieldErrors::single("revenue_influenced", "must not be negative").into());
        }
        self.transaction(|c| {
            let before = get(c, id)?;
            // A reference cannot influence more than the deal is worth. (On a request whose
            // reference never happened, the report counts the outcome, not the revenue.)
            if before.deal_value > 0 && revenue_influenced > before.deal_value {
                return Err(FieldErrors::single("revenue_influenced", format!("is more than the deal's value ({})", peerstage_core::money::format_amount(before.deal_value))).into());
            }
            c.execute(
                "UPDATE reference_requests SET outcome = ?, revenue_influenced = ?, updated_at = ? WHERE id = ?",
                &[Value::from(outcome.as_str()), Value::Int(revenue_influenced), Value::Time(now()), Value::Int(id)],
            )?;
            let after = get(c, id)?;
            self.audit_change(c, "update", "reference_request", id, &format!("outcome {outcome}"), Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    pub fn program_report(&self, today: NaiveDate) -> Result<ProgramReport> {
        let snap = self.advocate_snapshot(today)?;
        let window_start =
            today - chrono::Days::new(snap.settings.matching.fatigue_window_days as u64);
        let limit = snap.settings.matching.fatigue_limit as i64;
        self.with_conn(|c| {
            let mut rep = ProgramReport::default();
            let r = c
                .query_one(
                    "SELECT count(*), \
                     CAST(coalesce(sum(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), 0) AS BIGINT), \
                     CAST(coalesce(sum(CASE WHEN status IN ('accepted', 'completed') AND outcome = 'open' THEN deal_value ELSE 0 END), 0) AS BIGINT), \
                     CAST(coalesce(sum(CASE WHEN outcome = 'won' AND status = 'completed' THEN revenue_influenced ELSE 0 END), 0) AS BIGINT), \
                     CAST(coalesce(sum(CASE WHEN outcome = 'won' AND status = 'completed' THEN 1 ELSE 0 END), 0) AS BIGINT), \
                     CAST(coalesce(sum(CASE WHEN outcome = 'lost' AND status = 'completed' THEN 1 ELSE 0 END), 0) AS BIGINT), \
                     CAST(coalesce(sum(CASE WHEN outcome = 'won' AND status <> 'completed' THEN 1 ELSE 0 END), 0) AS BIGINT), \
                     CAST(coalesce(sum(CASE WHEN outcome = 'lost' AND status <> 'completed' THEN 1 ELSE 0 END), 0) AS BIGINT) \
                     FROM reference_requests",
                    &[],
                )?
                .expect("aggregate row");
            rep.requests = r.int(0);
            rep.completed = r.int(1);
            rep.influenced_pipeline = r.int(2);
            rep.won_revenue = r.int(3);
            rep.won_with_reference = r.int(4);
            rep.lost_with_reference = r.int(5);
            rep.won_without_reference = r.int(6);
            rep.lost_without_reference = r.int(7);
            let done = c
                .query_one(
                    "SELECT CAST(coalesce(sum(CASE WHEN r.confirmed_at IS NOT NULL OR EXISTS (SELECT 1 FROM reference_feedback f WHERE f.request_id = r.id) THEN 1 ELSE 0 END), 0) AS BIGINT), \
                     CAST(count(*) AS BIGINT), \
                     CAST(coalesce(sum(CASE WHEN r.outcome = 'won' AND (r.confirmed_at IS NOT NULL OR EXISTS (SELECT 1 FROM reference_feedback f WHERE f.request_id = r.id)) THEN r.revenue_influenced ELSE 0 END), 0) AS BIGINT) \
                     FROM reference_requests r WHERE r.status = 'completed'",
                    &[],
                )?
                .expect("aggregate row");
            rep.confirmed = done.int(0);
            rep.unconfirmed = done.int(1) - done.int(0);
            rep.won_revenue_confirmed = done.int(2);
            let refs: Vec<&str> = Opportunity::ALL.iter().filter(|o| o.is_reference_activity()).map(|o| o.as_str()).collect();
            let in_list = refs.iter().map(|o| format!("'{o}'")).collect::<Vec<_>>().join(", ");
            let counts = |c: &mut dyn Conn, key: &str, name: &str| -> Result<Vec<ActivityCount>> {
                Ok(c.query(
                    &format!(
                        "SELECT {key}, {name}, a.name, count(*), CAST(coalesce(sum(CASE WHEN v.occurred_on >= ? AND v.occurred_on <= ? THEN 1 ELSE 0 END), 0) AS BIGINT) \
                         FROM advocate_activities v JOIN contacts c ON c.id = v.contact_id JOIN accounts a ON a.id = c.account_id \
                         WHERE v.status IN ('accepted', 'completed') AND v.opportunity IN ({in_list}) \
                         GROUP BY {key}, {name}, a.name ORDER BY 4 DESC, 1 LIMIT 100"
                    ),
                    &[Value::Date(window_start), Value::Date(today)],
                )?
                .iter()
                .map(|r| ActivityCount { id: r.int(0), name: r.text(1), account_name: r.text(2), total: r.int(3), recent: r.int(4) })
                .collect())
            };
            rep.per_advocate = counts(c, "c.id", "c.name")?;
            rep.per_account = counts(c, "a.id", "a.name")?;
            rep.near_fatigue = rep.per_advocate.iter().filter(|a| a.recent >= (limit - 1).max(1)).cloned().collect();
            rep.gaps = c
                .query(
                    "SELECT id, activity, criteria_json, prospect_name FROM reference_requests WHERE last_match_count = 0 ORDER BY id DESC LIMIT 100",
                    &[],
                )?
                .iter()
                .map(|r| Gap {
                    request_id: r.int(0),
                    activity: Opportunity::parse(&r.text(1)).unwrap_or(Opportunity::ReferenceCall),
                    criteria: serde_json::from_str::<Criteria>(&r.text(2)).unwrap_or_default().describe(),
                    prospect_name: r.text(3),
                })
                .collect();
            Ok(rep)
        })
    }
}

fn step(
    c: &mut dyn Conn,
    id: i64,
    status: RequestStatus,
    contact: Option<i64>,
    actor: &str,
    note: Option<&str>,
) -> Result<()> {
    c.execute(
        "INSERT INTO reference_steps (request_id, at, status, contact_id, actor, note) VALUES (?, ?, ?, ?, ?, ?)",
        &[Value::Int(id), Value::Time(now()), Value::from(status.as_str()), Value::from(contact), Value::from(actor), Value::from(note)],
    )?;
    Ok(())
}

/// Reference activities (accepted or completed) of `contact_id` in the fatigue window ending
/// `today`, other than request `except`'s own: what the fatigue limit counts (B3).
fn recent_reference_activities(
    c: &mut dyn Conn,
    contact_id: i64,
    except: i64,
    window_days: u32,
    today: NaiveDate,
) -> Result<i64> {
    let refs: Vec<String> = Opportunity::ALL
        .iter()
        .filter(|o| o.is_reference_activity())
        .map(|o| format!("'{}'", o.as_str()))
        .collect();
    Ok(c.query_int(
        &format!(
            "SELECT count(*) FROM advocate_activities WHERE contact_id = ? AND status IN ('accepted', 'completed') \
             AND opportunity IN ({}) AND occurred_on >= ? AND occurred_on <= ? AND (request_id IS NULL OR request_id <> ?)",
            refs.join(", ")
        ),
        &[
            Value::Int(contact_id),
            Value::Date(today - chrono::Days::new(u64::from(window_days))),
            Value::Date(today),
            Value::Int(except),
        ],
    )?)
}
