//! Running the reference program day to day (extends B1, B3, B4, F3): consent per activity
//! type, nominations (manual and automatic), feedback after an activity with one-time links
//! for advocates, manager confirmation, and the program manager's operations queue.

use crate::db::{Conn, Row, Value};
use crate::secrets::{random_token, sha256_hex};
use crate::{now, Result, Store, StoreError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use peerstage_core::account::{Page, Paging};
use peerstage_core::reference::RequestStatus;
use peerstage_core::refops::{
    effective_consent, is_stale, ConsentActivity, ConsentData, ExpiringSort, FeedbackData,
    FeedbackSide, NewNomination, NominationSort, NominationSource, NominationStatus, OpsList,
    OpsSort, FEEDBACK_LINK_DAYS,
};
use peerstage_core::{FieldErrors, ReferenceConsent};
use serde::Serialize;

/// One activity type's consent for a contact, as it applies today.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityConsent {
    pub activity: ConsentActivity,
    /// "live" or "published".
    pub kind: &'static str,
    /// What applies today: an expired consent reads "ask first".
    pub effective: ReferenceConsent,
    pub expired: bool,
    /// False: no record of its own; the contact's general consent applies.
    pub recorded: bool,
    pub consent: ReferenceConsent,
    pub given_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub recorded_by: Option<String>,
    pub note: Option<String>,
}

/// A consent that expires soon (or just did).
#[derive(Debug, Clone, Serialize)]
pub struct ExpiringConsent {
    pub contact_id: i64,
    pub contact_name: String,
    pub account_id: i64,
    pub account_name: String,
    pub activity: ConsentActivity,
    pub consent: ReferenceConsent,
    pub expires_on: NaiveDate,
    /// Negative once expired.
    pub days_left: i64,
    pub recorded_by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Nomination {
    pub id: i64,
    pub contact_id: i64,
    pub contact_name: String,
    pub account_id: i64,
    pub account_name: String,
    pub source: NominationSource,
    pub reason: String,
    pub status: NominationStatus,
    pub nominated_by: String,
    pub created_at: DateTime<Utc>,
    pub touched_at: DateTime<Utc>,
    pub touched_by: String,
    pub days_untouched: i64,
    /// Open and untouched for longer than the program allows.
    pub stale: bool,
}

/// One page of nominations, with how many of all that match are stale.
#[derive(Debug, Clone, Serialize)]
pub struct NominationPage {
    #[serde(flatten)]
    pub page: Page<Nomination>,
    pub stale: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Feedback {
    pub side: FeedbackSide,
    pub contact_id: Option<i64>,
    pub helped: bool,
    pub prospect_asked: Option<String>,
    pub comments: Option<String>,
    pub would_repeat: Option<bool>,
    pub author: String,
    pub created_at: DateTime<Utc>,
}

/// What a one-time feedback link leads to.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LinkState {
    Valid {
        request_id: i64,
        activity: String,
        prospect_name: String,
        advocate_name: String,
        expires_at: DateTime<Utc>,
    },
    Used,
    Expired,
    Unknown,
}

/// A freshly made one-time link: the token is shown once and stored only as a hash.
#[derive(Debug, Clone, Serialize)]
pub struct NewLink {
    pub token: String,
    pub path: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpsRequest {
    pub id: i64,
    pub prospect_name: String,
    pub activity: String,
    pub status: RequestStatus,
    pub needed_by: Option<NaiveDate>,
    pub advocate_contact_id: Option<i64>,
    pub advocate_name: Option<String>,
    pub requested_by: String,
    /// Due soon: days until needed (negative: overdue). Waiting: days since asked.
    pub days: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpsAdvocate {
    pub contact_id: i64,
    pub name: String,
    pub account_name: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpsAccount {
    pub account_id: i64,
    pub name: String,
    pub missing: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StaleContact {
    pub contact_id: i64,
    pub name: String,
    pub account_name: String,
    pub last_touched: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DataQuality {
    /// Advocates (a profile, an activity, or a recruited nomination) with no activity type
    /// consented (every one reads "no").
    pub advocates_without_consent: Vec<OpsAdvocate>,
    pub accounts_missing_facts: Vec<OpsAccount>,
    pub accounts_missing_total: i64,
    /// Contacts of customers with no touchpoint in the last year.
    pub untouched_contacts: Vec<StaleContact>,
    pub untouched_total: i64,
}

/// The program manager's queue.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OpsQueue {
    pub today: Option<NaiveDate>,
    /// Each list of requests holds its first [`OVERVIEW_ROWS`] in its own order; its total
    /// counts them all (`/references/ops?list=…` sorts and pages the rest).
    pub due_soon: Vec<OpsRequest>,
    pub due_soon_total: u64,
    pub no_candidate: Vec<OpsRequest>,
    pub no_candidate_total: u64,
    pub waiting: Vec<OpsRequest>,
    pub waiting_total: u64,
    pub ask_wait_days: u32,
    pub unconfirmed: Vec<OpsRequest>,
    pub unconfirmed_total: u64,
    pub busy: Vec<OpsAdvocate>,
    pub near_fatigue: Vec<OpsAdvocate>,
    pub stale_nominations: Vec<Nomination>,
    /// The first [`OVERVIEW_ROWS`] consents expiring soonest; the total counts them all
    /// (`/consents` sorts and pages the rest).
    pub expiring_consents: Vec<ExpiringConsent>,
    pub expiring_consents_total: u64,
    pub data: DataQuality,
}

const OPEN: &str = "('requested', 'proposed', 'asked', 'accepted', 'declined')";

/// The most nominations `list_nominations` returns (and media `list_media`): enough for
/// the command line and pickers; pages sort and page in the database.
pub const LIST_CAP: usize = 2000;

/// Requests each list shows on the operations overview.
pub const OVERVIEW_ROWS: u32 = 50;

pub(crate) fn consent_rows(
    c: &mut dyn Conn,
    contact_id: i64,
    today: NaiveDate,
) -> Result<Vec<ActivityConsent>> {
    let general = c
        .query_one(
            "SELECT reference_consent FROM contacts WHERE id = ?",
            &[Value::Int(contact_id)],
        )?
        .map(|r| ReferenceConsent::parse(&r.text(0)).unwrap_or_default())
        .ok_or(StoreError::NotFound {
            what: "contact",
            id: contact_id,
        })?;
    let stored = c.query(
        "SELECT activity, consent, given_on, expires_on, recorded_by, note FROM contact_consents WHERE contact_id = ?",
        &[Value::Int(contact_id)],
    )?;
    Ok(ConsentActivity::ALL
        .iter()
        .map(|a| {
            match stored
                .iter()
                .find(|r| ConsentActivity::parse(&r.text(0)).ok() == Some(*a))
            {
                Some(r) => {
                    let consent = ReferenceConsent::parse(&r.text(1)).unwrap_or_default();
                    let (effective, expired) = effective_consent(consent, r.opt_date(3), today);
                    ActivityConsent {
                        activity: *a,
                        kind: a.kind_label(),
                        effective,
                        expired,
                        recorded: true,
                        consent,
                        given_on: r.opt_date(2),
                        expires_on: r.opt_date(3),
                        recorded_by: r.opt_text(4),
                        note: r.opt_text(5),
                    }
                }
                None => ActivityConsent {
                    activity: *a,
                    kind: a.kind_label(),
                    effective: general,
                    expired: false,
                    recorded: false,
                    consent: general,
                    given_on: None,
                    expires_on: None,
                    recorded_by: None,
                    note: None,
                },
            }
        })
        .collect())
}

/// The consent that applies to one contact for one activity today.
pub(crate) fn consent_for(
    c: &mut dyn Conn,
    contact_id: i64,
    activity: ConsentActivity,
    today: NaiveDate,
) -> Result<(ReferenceConsent, bool)> {
    let rows = consent_rows(c, contact_id, today)?;
    Ok(rows
        .iter()
        .find(|r| r.activity == activity)
        .map(|r| (r.effective, r.expired))
        .unwrap_or((ReferenceConsent::No, false)))
}

const NOMINATION_COLUMNS: &str = "n.id, n.contact_id, c.name, a.id, a.name, n.source, n.reason, n.status, n.nominated_by, n.created_at, n.touched_at, n.touched_by";

fn nomination_from(r: &Row, today: NaiveDate, stale_days: u32) -> Nomination {
    let status = NominationStatus::parse(&r.text(7)).unwrap_or(NominationStatus::Nominated);
    let touched = r.time(10);
    let days = (today - touched.date_naive()).num_days();
    Nomination {
        id: r.int(0),
        contact_id: r.int(1),
        contact_name: r.text(2),
        account_id: r.int(3),
        account_name: r.text(4),
        source: NominationSource::parse(&r.text(5)).unwrap_or(NominationSource::Manual),
        reason: r.text(6),
        status,
        nominated_by: r.text(8),
        created_at: r.time(9),
        touched_at: touched,
        touched_by: r.text(11),
        days_untouched: days,
        stale: is_stale(status, touched.date_naive(), today, stale_days),
    }
}

fn get_nomination(c: &mut dyn Conn, id: i64, today: NaiveDate, stale: u32) -> Result<Nomination> {
    c.query_one(
        &format!("SELECT {NOMINATION_COLUMNS} FROM nominations n JOIN contacts c ON c.id = n.contact_id JOIN accounts a ON a.id = c.account_id WHERE n.id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| nomination_from(&r, today, stale))
    .ok_or(StoreError::NotFound { what: "nomination", id })
}

/// Contacts with an advocate record: a profile, an activity, or a nomination.
const HAS_RECORD: &str = "(EXISTS (SELECT 1 FROM advocate_profiles p WHERE p.contact_id = c.id) \
    OR EXISTS (SELECT 1 FROM advocate_activities v WHERE v.contact_id = c.id) \
    OR EXISTS (SELECT 1 FROM nominations x WHERE x.contact_id = c.id))";

fn ops_request(r: &Row, days: i64) -> OpsRequest {
    OpsRequest {
        id: r.int(0),
        prospect_name: r.text(1),
        activity: peerstage_core::advocacy::Opportunity::parse(&r.text(2))
            .map(|o| o.label().to_string())
            .unwrap_or_else(|_| r.text(2)),
        status: RequestStatus::parse(&r.text(3)).unwrap_or(RequestStatus::Requested),
        needed_by: r.opt_date(4),
        advocate_contact_id: r.opt_int(5),
        advocate_name: r.opt_text(6),
        requested_by: r.text(7),
        days,
    }
}

const EXPIRING_COLUMNS: &str =
    "c.id, c.name, a.id, a.name, k.activity, k.consent, k.expires_on, k.recorded_by";

/// The FROM and WHERE of consents expiring within `days` of `today` (either side).
fn expiring_sql(today: NaiveDate, days: i64) -> (&'static str, Vec<Value>) {
    let days = days.clamp(1, 3650);
    (
        "FROM contact_consents k JOIN contacts c ON c.id = k.contact_id JOIN accounts a ON a.id = c.account_id \
         WHERE k.consent <> 'no' AND k.expires_on IS NOT NULL AND k.expires_on >= ? AND k.expires_on <= ? AND c.erased_at IS NULL",
        vec![
            Value::Date(today - Duration::days(days)),
            Value::Date(today + Duration::days(days)),
        ],
    )
}

fn expiring_from(r: &Row, today: NaiveDate) -> Option<ExpiringConsent> {
    let expires_on = r.date(6);
    Some(ExpiringConsent {
        contact_id: r.int(0),
        contact_name: r.text(1),
        account_id: r.int(2),
        account_name: r.text(3),
        activity: ConsentActivity::parse(&r.text(4)).ok()?,
        consent: ReferenceConsent::parse(&r.text(5)).ok()?,
        expires_on,
        days_left: (expires_on - today).num_days(),
        recorded_by: r.text(7),
    })
}

/// When a request was last asked of its advocate.
const ASKED_AT: &str =
    "(SELECT max(s.at) FROM reference_steps s WHERE s.request_id = r.id AND s.status = 'asked')";

const OPS_COLUMNS: &str = "r.id, r.prospect_name, r.activity, r.status, r.needed_by, r.advocate_contact_id, c.name, r.requested_by";

impl Store {
    /// Every activity type's consent for a contact as it applies on `today`.
    pub fn contact_consents(
        &self,
        contact_id: i64,
        today: NaiveDate,
    ) -> Result<Vec<ActivityConsent>> {
        self.with_conn(|c| consent_rows(c, contact_id, today))
    }

    /// Records one activity type's consent (who recorded it and when are stamped).
    pub fn set_activity_consent(&self, contact_id: i64, d: &ConsentData) -> Result<()> {
        self.transaction(|c| {
            let today = d.given_on;
            let before = consent_rows(c, contact_id, today)?
                .into_iter()
                .find(|r| r.activity == d.activity);
            let erased = c.query_int(
                "SELECT count(*) FROM contacts WHERE id = ? AND erased_at IS NOT NULL",
                &[Value::Int(contact_id)],
            )?;
            if erased > 0 {
                return Err(FieldErrors::single("contact_id", "this person's data was erased").into());
            }
            c.execute(
                "INSERT INTO contact_consents (contact_id, activity, consent, given_on, expires_on, note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (contact_id, activity) DO UPDATE SET consent = excluded.consent, given_on = excluded.given_on, expires_on = excluded.expires_on, \
                 note = excluded.note, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
                &[
                    Value::Int(contact_id),
                    Value::from(d.activity.as_str()),
                    Value::from(d.consent.as_str()),
                    Value::Date(d.given_on),
                    Value::from(d.expires_on),
                    Value::from(d.note.clone()),
                    Value::from(&self.actor().label),
                    Value::Time(now()),
                ],
            )?;
            c.execute(
                "UPDATE contacts SET consent_changed_at = ?, consent_changed_by = ? WHERE id = ?",
                &[Value::Time(now()), Value::from(&self.actor().label), Value::Int(contact_id)],
            )?;
            self.audit(
                c,
                "update",
                "contact_consent",
                Some(contact_id),
                &format!("{} consent: {}", d.activity.label(), d.consent.label()),
                before.map(|b| serde_json::to_value(b).unwrap_or_default()),
                Some(serde_json::to_value(d).unwrap_or_default()),
            )?;
            Ok(())
        })
    }

    /// Removes one activity type's own consent: the general consent applies again.
    pub fn clear_activity_consent(&self, contact_id: i64, activity: ConsentActivity) -> Result<()> {
        self.transaction(|c| {
            let n = c.execute(
                "DELETE FROM contact_consents WHERE contact_id = ? AND activity = ?",
                &[Value::Int(contact_id), Value::from(activity.as_str())],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound {
                    what: "activity consent for contact",
                    id: contact_id,
                });
            }
            c.execute(
                "UPDATE contacts SET consent_changed_at = ?, consent_changed_by = ? WHERE id = ?",
                &[
                    Value::Time(now()),
                    Value::from(&self.actor().label),
                    Value::Int(contact_id),
                ],
            )?;
            self.audit(
                c,
                "delete",
                "contact_consent",
                Some(contact_id),
                &format!("{} consent: back to the general consent", activity.label()),
                None,
                None,
            )?;
            Ok(())
        })
    }

    /// Consents (not "no") expiring within `days` from `today`, and those expired in the last
    /// `days`, soonest first: all of them, for the command line (pages use
    /// `expiring_consents_page`).
    pub fn expiring_consents(&self, today: NaiveDate, days: i64) -> Result<Vec<ExpiringConsent>> {
        let (sql, params) = expiring_sql(today, days);
        self.with_conn(|c| {
            Ok(c.query(
                &format!("SELECT {EXPIRING_COLUMNS} {sql} ORDER BY k.expires_on, c.id, k.activity"),
                &params,
            )?
            .iter()
            .filter_map(|r| expiring_from(r, today))
            .collect())
        })
    }

    /// One page of `expiring_consents`, sorted by `p` (soonest expiry first without a sort),
    /// with the number of consents in the window.
    pub fn expiring_consents_page(
        &self,
        today: NaiveDate,
        days: i64,
        p: &Paging<ExpiringSort>,
    ) -> Result<Page<ExpiringConsent>> {
        let (from, params) = expiring_sql(today, days);
        // Column expressions only: the sort key is an enum, never text from the request.
        let order = match p.sort {
            None | Some(ExpiringSort::Expires) => "k.expires_on",
            Some(ExpiringSort::Contact) => "lower(c.name)",
            Some(ExpiringSort::Account) => "lower(a.name)",
            Some(ExpiringSort::Activity) => "k.activity",
            Some(ExpiringSort::Consent) => "k.consent",
        };
        let dir = if p.descending { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT {EXPIRING_COLUMNS} {from} ORDER BY {order} {dir}, k.expires_on {dir}, c.id {dir}, k.activity {dir} LIMIT {} OFFSET {}",
            p.per_page(),
            p.offset()
        );
        self.with_conn(|c| {
            let total = c.query_int(&format!("SELECT count(*) {from}"), &params)? as u64;
            let items = c
                .query(&sql, &params)?
                .iter()
                .filter_map(|r| expiring_from(r, today))
                .collect();
            Ok(p.page_of(items, total))
        })
    }

    /// Anyone who reads customers may nominate a contact, with a reason.
    pub fn nominate(&self, n: &NewNomination, today: NaiveDate) -> Result<Nomination> {
        let stale = self.program_settings()?.nomination_stale_days;
        self.transaction(|c| {
            let Some(r) = c.query_one(
                "SELECT c.erased_at, c.do_not_contact, c.name, (SELECT x.status FROM nominations x WHERE x.contact_id = c.id) FROM contacts c WHERE c.id = ?",
                &[Value::Int(n.contact_id)],
            )?
            else {
                return Err(FieldErrors::single("contact_id", format!("no contact has id {}", n.contact_id)).into());
            };
            if r.opt_text(0).is_some() {
                return Err(FieldErrors::single("contact_id", "this person's data was erased").into());
            }
            if r.bool(1) {
                return Err(FieldErrors::single("contact_id", format!("{} must not be contacted", r.text(2))).into());
            }
            if let Some(s) = r.opt_text(3) {
                return Err(StoreError::Conflict {
                    field: "contact_id".into(),
                    reason: format!("{} is already nominated (status {s})", r.text(2)),
                });
            }
            let t = now();
            let id = c.query_int(
                "INSERT INTO nominations (contact_id, source, reason, status, nominated_by, nominated_by_user_id, created_at, touched_at, touched_by) \
                 VALUES (?, 'manual', ?, 'nominated', ?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::Int(n.contact_id),
                    Value::from(&n.reason),
                    Value::from(&self.actor().label),
                    Value::from(self.actor().user_id),
                    Value::Time(t),
                    Value::Time(t),
                    Value::from(&self.actor().label),
                ],
            )?;
            let after = get_nomination(c, id, today, stale)?;
            self.audit_change(c, "create", "nomination", id, &format!("nominated {}", after.contact_name), None, Some(&after))?;
            Ok(after)
        })
    }

    /// Proposes NPS promoters (latest answer 9–10) and contacts whose evidence is praise,
    /// when they have no advocate record yet. Returns how many were added: none while
    /// another change holds the database (the next call proposes them).
    pub fn propose_nominations(&self) -> Result<usize> {
        // Cheap check first: most calls find nothing new and write nothing.
        let eligible =
            "c.erased_at IS NULL AND c.do_not_contact = ? AND a.lifecycle = 'customer' AND NOT "
                .to_string()
                + HAS_RECORD;
        let promoters = format!(
            "SELECT n.contact_id, n.score, n.responded_on FROM nps_responses n JOIN contacts c ON c.id = n.contact_id JOIN accounts a ON a.id = c.account_id \
             WHERE n.score >= 9 AND {eligible} AND NOT EXISTS (SELECT 1 FROM nps_responses m WHERE m.contact_id = n.contact_id \
             AND (m.responded_on > n.responded_on OR (m.responded_on = n.responded_on AND m.id > n.id))) ORDER BY n.contact_id LIMIT 500"
        );
        let praise = format!(
            "SELECT e.contact_id, min(e.occurred_on), count(*) FROM evidence e JOIN contacts c ON c.id = e.contact_id JOIN accounts a ON a.id = c.account_id \
             WHERE e.kind = 'praise' AND {eligible} GROUP BY e.contact_id ORDER BY e.contact_id LIMIT 500"
        );
        let found = self.with_conn(|c| {
            let mut out: Vec<(i64, NominationSource, String)> = Vec::new();
            for r in c.query(&promoters, &[Value::Bool(false)])? {
                out.push((
                    r.int(0),
                    NominationSource::NpsPromoter,
                    format!("NPS promoter: answered {} on {}", r.int(1), r.date(2)),
                ));
            }
            for r in c.query(&praise, &[Value::Bool(false)])? {
                if !out.iter().any(|(id, _, _)| *id == r.int(0)) {
                    let n = r.int(2);
                    out.push((
                        r.int(0),
                        NominationSource::Praise,
                        format!(
                            "praised us: {n} piece{} of evidence since {}",
                            if n == 1 { "" } else { "s" },
                            r.date(1)
                        ),
                    ));
                }
            }
            Ok(out)
        })?;
        if found.is_empty() {
            return Ok(0);
        }
        // Proposed by peerstage, not by whoever happened to open the page that looked.
        let system = self.acting_as(peerstage_core::Actor {
            user_id: None,
            label: "automatic".into(),
            role: peerstage_core::Role::Admin,
        });
        // Left to a later view while another change (an import) holds the database.
        let added = system.transaction_unless_busy(|c| {
            let mut added = 0;
            let t = now();
            for (cid, source, reason) in &found {
                let id = c.insert_id(
                    "INSERT INTO nominations (contact_id, source, reason, status, nominated_by, created_at, touched_at, touched_by) \
                     VALUES (?, ?, ?, 'nominated', 'automatic', ?, ?, 'automatic') ON CONFLICT (contact_id) DO NOTHING",
                    &[Value::Int(*cid), Value::from(source.as_str()), Value::from(reason), Value::Time(t), Value::Time(t)],
                )?;
                if let Some(id) = id {
                    added += 1;
                    system.audit(c, "create", "nomination", Some(id), &format!("proposed contact {cid} automatically: {reason}"), None, None)?;
                }
            }
            Ok(added)
        })?;
        Ok(added.unwrap_or(0))
    }

    /// Nominations, open ones first, after proposing any new automatic ones.
    pub fn list_nominations(
        &self,
        status: Option<NominationStatus>,
        today: NaiveDate,
    ) -> Result<Vec<Nomination>> {
        self.propose_nominations()?;
        let stale = self.program_settings()?.nomination_stale_days;
        self.with_conn(|c| {
            let (cond, params) = match status {
                Some(s) => ("WHERE n.status = ?", vec![Value::from(s.as_str())]),
                None => ("", vec![]),
            };
            Ok(c.query(
                &format!("SELECT {NOMINATION_COLUMNS} FROM nominations n JOIN contacts c ON c.id = n.contact_id JOIN accounts a ON a.id = c.account_id {cond} \
                          ORDER BY CASE WHEN n.status IN ('active', 'declined') THEN 1 ELSE 0 END, n.touched_at, n.id LIMIT {LIST_CAP}"),
                &params,
            )?
            .iter()
            .map(|r| nomination_from(r, today, stale))
            .collect())
        })
    }

    /// One page of nominations, sorted by `p` (without a sort: open ones first, the longest
    /// untouched first), after proposing any new automatic ones; with the number that match
    /// and how many of those are stale.
    pub fn list_nominations_page(
        &self,
        status: Option<NominationStatus>,
        today: NaiveDate,
        p: &Paging<NominationSort>,
    ) -> Result<NominationPage> {
        self.propose_nominations()?;
        let stale_days = self.program_settings()?.nomination_stale_days;
        let (cond, params) = match status {
            Some(s) => ("WHERE n.status = ?", vec![Value::from(s.as_str())]),
            None => ("", vec![]),
        };
        // Lifecycle order (nominated … active, declined), from the enum, not from the request.
        let status_rank = format!(
            "CASE n.status {} ELSE {} END",
            NominationStatus::ALL
                .iter()
                .enumerate()
                .map(|(i, s)| format!("WHEN '{}' THEN {i}", s.as_str()))
                .collect::<Vec<_>>()
                .join(" "),
            NominationStatus::ALL.len()
        );
        let dir = |desc: bool| if desc { "DESC" } else { "ASC" };
        let d = dir(p.descending);
        let order = match p.sort {
            None => {
                "CASE WHEN n.status IN ('active', 'declined') THEN 1 ELSE 0 END, n.touched_at, n.id"
                    .to_string()
            }
            Some(NominationSort::Contact) => format!("lower(c.name) {d}, n.id {d}"),
            Some(NominationSort::Account) => {
                format!("lower(a.name) {d}, lower(c.name) {d}, n.id {d}")
            }
            Some(NominationSort::Status) => {
                format!("{status_rank} {d}, n.touched_at {d}, n.id {d}")
            }
            // Days untouched grow as the last touch gets older.
            Some(NominationSort::Untouched) => {
                let t = dir(!p.descending);
                format!("n.touched_at {t}, n.id {t}")
            }
        };
        let from = "FROM nominations n JOIN contacts c ON c.id = n.contact_id JOIN accounts a ON a.id = c.account_id";
        let sql = format!(
            "SELECT {NOMINATION_COLUMNS} {from} {cond} ORDER BY {order} LIMIT {} OFFSET {}",
            p.per_page(),
            p.offset()
        );
        // `is_stale`: open and last touched more than `stale_days` days before today.
        let open: Vec<String> = NominationStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let stale_before = (today - Duration::days(stale_days as i64))
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc();
        let stale_sql = format!(
            "SELECT count(*) {from} {} n.status IN ({}) AND n.touched_at < ?",
            if cond.is_empty() {
                "WHERE"
            } else {
                "WHERE n.status = ? AND"
            },
            open.join(", ")
        );
        let mut stale_params = params.clone();
        stale_params.push(Value::Time(stale_before));
        self.with_conn(|c| {
            let total = c.query_int(&format!("SELECT count(*) {from} {cond}"), &params)? as u64;
            let stale = c.query_int(&stale_sql, &stale_params)? as u64;
            let items = c
                .query(&sql, &params)?
                .iter()
                .map(|r| nomination_from(r, today, stale_days))
                .collect();
            Ok(NominationPage {
                page: p.page_of(items, total),
                stale,
            })
        })
    }

    /// Moves a nomination along. Recruiting gives the contact an advocate profile.
    pub fn advance_nomination(
        &self,
        id: i64,
        to: NominationStatus,
        note: Option<String>,
        today: NaiveDate,
    ) -> Result<Nomination> {
        let stale = self.program_settings()?.nomination_stale_days;
        self.transaction(|c| {
            let before = get_nomination(c, id, today, stale)?;
            if !before.status.can_move_to(to) {
                return Err(FieldErrors::single(
                    "status",
                    format!("a {} nomination cannot become {}", before.status.label().to_lowercase(), to.label().to_lowercase()),
                )
                .into());
            }
            c.execute(
                "UPDATE nominations SET status = ?, touched_at = ?, touched_by = ? WHERE id = ?",
                &[Value::from(to.as_str()), Value::Time(now()), Value::from(&self.actor().label), Value::Int(id)],
            )?;
            if to == NominationStatus::Recruited {
                c.execute(
                    "INSERT INTO advocate_profiles (contact_id, lead_user, modifies_product, notes, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO NOTHING",
                    &[Value::Int(before.contact_id), Value::Bool(false), Value::Bool(false), Value::Null, Value::Time(now())],
                )?;
            }
            let after = get_nomination(c, id, today, stale)?;
            let summary = match &note {
                Some(n) => format!("{} → {}: {n}", before.status, to),
                None => format!("{} → {}", before.status, to),
            };
            self.audit_change(c, "update", "nomination", id, &summary, Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    /// Feedback left on a completed request.
    pub fn request_feedback(&self, request_id: i64) -> Result<Vec<Feedback>> {
        self.with_conn(|c| feedback_of(c, request_id))
    }

    /// The rep's feedback (replaces an earlier one). The request must be completed.
    pub fn leave_rep_feedback(&self, request_id: i64, d: &FeedbackData) -> Result<()> {
        self.transaction(|c| {
            completed_request(c, request_id)?;
            upsert_feedback(
                c,
                request_id,
                FeedbackSide::Rep,
                None,
                d,
                &self.actor().label,
            )?;
            self.audit(
                c,
                "update",
                "reference_request",
                Some(request_id),
                "rep feedback",
                None,
                Some(serde_json::to_value(d).unwrap_or_default()),
            )?;
            Ok(())
        })
    }

    /// A one-time link for the advocate of a completed request: shown once, stored hashed,
    /// valid for `FEEDBACK_LINK_DAYS`; earlier unused links of the request stop working.
    pub fn create_feedback_link(&self, request_id: i64) -> Result<NewLink> {
        self.transaction(|c| {
            let advocate = completed_request(c, request_id)?;
            let Some(cid) = advocate else {
                return Err(FieldErrors::single("request", "the request names no advocate").into());
            };
            let token = random_token("fb_");
            let t = now();
            let expires_at = t + Duration::days(FEEDBACK_LINK_DAYS);
            c.execute(
                "UPDATE feedback_links SET expires_at = ? WHERE request_id = ? AND used_at IS NULL AND expires_at > ?",
                &[Value::Time(t), Value::Int(request_id), Value::Time(t)],
            )?;
            c.execute(
                "INSERT INTO feedback_links (request_id, contact_id, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                &[Value::Int(request_id), Value::Int(cid), Value::Text(sha256_hex(&token)), Value::from(&self.actor().label), Value::Time(t), Value::Time(expires_at)],
            )?;
            self.audit(c, "create", "feedback_link", Some(request_id), &format!("one-time feedback link for contact {cid}, valid until {}", expires_at.format("%Y-%m-%d")), None, None)?;
            Ok(NewLink { path: format!("/feedback/{token}"), token, expires_at })
        })
    }

    /// What a feedback link leads to at `at` (now, outside tests), without using it.
    pub fn feedback_link(&self, token: &str, at: DateTime<Utc>) -> Result<LinkState> {
        self.with_conn(|c| link_state(c, token, at))
    }

    /// Uses a link once: records the advocate's feedback, or says why it cannot.
    pub fn submit_link_feedback(
        &self,
        token: &str,
        d: &FeedbackData,
        at: DateTime<Utc>,
    ) -> Result<LinkState> {
        let hash = sha256_hex(token);
        self.transaction(|c| {
            let state = link_state(c, token, at)?;
            let LinkState::Valid { request_id, .. } = &state else {
                return Ok(state);
            };
            // Only one submission wins, even when two arrive at once.
            let used = c.execute(
                "UPDATE feedback_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                &[Value::Time(now()), Value::Text(hash.clone())],
            )?;
            if used == 0 {
                return Ok(LinkState::Used);
            }
            let cid = c.query_int(
                "SELECT contact_id FROM feedback_links WHERE token_hash = ?",
                &[Value::Text(hash.clone())],
            )?;
            upsert_feedback(
                c,
                *request_id,
                FeedbackSide::Advocate,
                Some(cid),
                d,
                "advocate (one-time link)",
            )?;
            self.audit(
                c,
                "update",
                "reference_request",
                Some(*request_id),
                "advocate feedback through a one-time link",
                None,
                Some(serde_json::to_value(d).unwrap_or_default()),
            )?;
            Ok(state)
        })
    }

    /// A manager confirms a completed activity happened (without feedback).
    pub fn confirm_request(&self, request_id: i64) -> Result<()> {
        self.transaction(|c| {
            completed_request(c, request_id)?;
            c.execute(
                "UPDATE reference_requests SET confirmed_by = ?, confirmed_at = ? WHERE id = ?",
                &[
                    Value::from(&self.actor().label),
                    Value::Time(now()),
                    Value::Int(request_id),
                ],
            )?;
            self.audit(
                c,
                "update",
                "reference_request",
                Some(request_id),
                "confirmed the activity happened",
                None,
                None,
            )?;
            Ok(())
        })
    }

    /// One page of one of the operations queue's lists of requests, sorted by `p` (without
    /// a sort, in the order the queue shows it), with how many requests are on the list.
    pub fn ops_requests_page(
        &self,
        list: OpsList,
        today: NaiveDate,
        p: &Paging<OpsSort>,
    ) -> Result<Page<OpsRequest>> {
        let wait = self.program_settings()?.ask_wait_days;
        // The condition, its parameters, and the column the days are counted from (8).
        let (cond, params, since): (String, Vec<Value>, &str) = match list {
            OpsList::Due => (
                format!("r.status IN {OPEN} AND r.needed_by IS NOT NULL AND r.needed_by <= ?"),
                vec![Value::Date(
                    today + Duration::days(peerstage_core::refops::DUE_HOURS / 24),
                )],
                "r.needed_by",
            ),
            OpsList::NoCandidate => (
                "r.status IN ('requested', 'proposed', 'declined') AND r.last_match_count = 0"
                    .into(),
                vec![],
                "r.created_at",
            ),
            // Asked more than `wait` whole days before today.
            OpsList::Waiting => (
                format!("r.status = 'asked' AND {ASKED_AT} < ?"),
                vec![Value::Time(
                    (today - Duration::days(wait as i64))
                        .and_hms_opt(0, 0, 0)
                        .expect("midnight")
                        .and_utc(),
                )],
                ASKED_AT,
            ),
            OpsList::Unconfirmed => (
                "r.status = 'completed' AND r.confirmed_at IS NULL AND NOT EXISTS (SELECT 1 FROM reference_feedback f WHERE f.request_id = r.id)".into(),
                vec![],
                "r.updated_at",
            ),
        };
        let status_rank = format!(
            "CASE r.status {} ELSE {} END",
            RequestStatus::ALL
                .iter()
                .enumerate()
                .map(|(i, s)| format!("WHEN '{}' THEN {i}", s.as_str()))
                .collect::<Vec<_>>()
                .join(" "),
            RequestStatus::ALL.len()
        );
        // Column expressions only: the sort key is an enum, never text from the request.
        // Days count up to the need (due) or up from the request, the ask or the completion (the others).
        let days_forward = list == OpsList::Due;
        let (order, descending) = match p.sort {
            None => match list {
                OpsList::Due => ("r.needed_by".to_string(), false),
                OpsList::NoCandidate => ("r.id".to_string(), false),
                OpsList::Waiting | OpsList::Unconfirmed => (since.to_string(), false),
            },
            Some(OpsSort::Request) => ("r.id".to_string(), p.descending),
            Some(OpsSort::Activity) => ("r.activity".to_string(), p.descending),
            Some(OpsSort::Status) => (status_rank, p.descending),
            Some(OpsSort::Advocate) => ("lower(c.name)".to_string(), p.descending),
            Some(OpsSort::Needed) => ("r.needed_by".to_string(), p.descending),
            Some(OpsSort::Days) => (
                since.to_string(),
                if days_forward {
                    p.descending
                } else {
                    !p.descending
                },
            ),
            Some(OpsSort::AskedBy) => ("lower(r.requested_by)".to_string(), p.descending),
        };
        let dir = if descending { "DESC" } else { "ASC" };
        let from = "FROM reference_requests r LEFT JOIN contacts c ON c.id = r.advocate_contact_id";
        // NULLs last in both directions, on both engines.
        let sql = format!(
            "SELECT {OPS_COLUMNS}, {since} {from} WHERE {cond} ORDER BY ({order} IS NULL), {order} {dir}, r.id {dir} LIMIT {} OFFSET {}",
            p.per_page(),
            p.offset()
        );
        self.with_conn(|c| {
            let total =
                c.query_int(&format!("SELECT count(*) {from} WHERE {cond}"), &params)? as u64;
            let items = c
                .query(&sql, &params)?
                .iter()
                .map(|r| {
                    let days = match list {
                        OpsList::Due => (r.date(8) - today).num_days(),
                        OpsList::NoCandidate | OpsList::Waiting | OpsList::Unconfirmed => {
                            (today - r.time(8).date_naive()).num_days()
                        }
                    };
                    ops_request(r, days)
                })
                .collect();
            Ok(p.page_of(items, total))
        })
    }

    /// The program manager's queue: what needs doing now.
    pub fn ops_queue(&self, today: NaiveDate) -> Result<OpsQueue> {
        self.propose_nominations()?;
        let settings = self.program_settings()?;
        let snap = self.advocate_snapshot(today)?;
        let noms = self.list_nominations(None, today)?;
        let expiring = self.expiring_consents_page(
            today,
            peerstage_core::refops::EXPIRING_DAYS,
            &Paging {
                per_page: OVERVIEW_ROWS,
                ..Default::default()
            },
        )?;
        let wait = settings.ask_wait_days;
        // Each list of requests as its own page shows it first, with its full count.
        let first = |list| {
            let paging = Paging {
                per_page: OVERVIEW_ROWS,
                ..Default::default()
            };
            self.ops_requests_page(list, today, &paging)
        };
        let (due, gaps, waiting, unconfirmed) = (
            first(OpsList::Due)?,
            first(OpsList::NoCandidate)?,
            first(OpsList::Waiting)?,
            first(OpsList::Unconfirmed)?,
        );
        let mut q = self.with_conn(|c| {
            let mut q = OpsQueue {
                today: Some(today),
                ask_wait_days: wait,
                due_soon: due.items,
                due_soon_total: due.total,
                no_candidate: gaps.items,
                no_candidate_total: gaps.total,
                waiting: waiting.items,
                waiting_total: waiting.total,
                unconfirmed: unconfirmed.items,
                unconfirmed_total: unconfirmed.total,
                ..Default::default()
            };
            // Data quality.
            let advocates: std::collections::HashSet<i64> = c
                .query(
                    "SELECT contact_id FROM advocate_profiles UNION SELECT contact_id FROM advocate_activities \
                     UNION SELECT contact_id FROM nominations WHERE status IN ('recruited', 'active')",
                    &[],
                )?
                .iter()
                .map(|r| r.int(0))
                .collect();
            for row in &snap.rows {
                let k = &row.candidate;
                if advocates.contains(&k.contact_id) && k.consents.iter().all(|c| *c == ReferenceConsent::No) {
                    q.data.advocates_without_consent.push(OpsAdvocate {
                        contact_id: k.contact_id,
                        name: k.contact_name.clone(),
                        account_name: k.account_name.clone(),
                        detail: "no activity type consented".into(),
                    });
                }
            }
            let missing = "a.lifecycle = 'customer' AND (a.industry IS NULL OR a.industry = '' OR (a.employees IS NULL AND a.segment IS NULL))";
            q.data.accounts_missing_total = c.query_int(&format!("SELECT count(*) FROM accounts a WHERE {missing}"), &[])?;
            q.data.accounts_missing_facts = c
                .query(&format!("SELECT a.id, a.name, a.industry, a.employees, a.segment FROM accounts a WHERE {missing} ORDER BY a.name, a.id LIMIT 100"), &[])?
                .iter()
                .map(|r| {
                    let mut m = Vec::new();
                    if r.opt_text(2).is_none_or(|s| s.is_empty()) {
                        m.push("industry");
                    }
                    if r.opt_int(3).is_none() && r.opt_text(4).is_none() {
                        m.push("size");
                    }
                    OpsAccount { account_id: r.int(0), name: r.text(1), missing: m }
                })
                .collect();
            let year_ago = today - Duration::days(365);
            let untouched = "SELECT c.id, c.name, a.name, max(t.occurred_on) AS last FROM contacts c JOIN accounts a ON a.id = c.account_id \
                 LEFT JOIN touchpoint_contacts tc ON tc.contact_id = c.id LEFT JOIN touchpoints t ON t.id = tc.touchpoint_id \
                 WHERE a.lifecycle = 'customer' AND c.erased_at IS NULL GROUP BY c.id, c.name, a.name \
                 HAVING max(t.occurred_on) IS NULL OR max(t.occurred_on) < ?";
            q.data.untouched_total = c.query_int(&format!("SELECT count(*) FROM ({untouched}) u"), &[Value::Date(year_ago)])?;
            q.data.untouched_contacts = c
                .query(&format!("{untouched} ORDER BY 4, c.id LIMIT 100"), &[Value::Date(year_ago)])?
                .iter()
                .map(|r| StaleContact { contact_id: r.int(0), name: r.text(1), account_name: r.text(2), last_touched: r.opt_date(3) })
                .collect();
            Ok(q)
        })?;
        let limit = settings.matching.fatigue_limit;
        for row in &snap.rows {
            let k = &row.candidate;
            if !k.busy_on.is_empty() {
                let list: Vec<String> = k.busy_on.iter().map(|r| format!("#{r}")).collect();
                q.busy.push(OpsAdvocate {
                    contact_id: k.contact_id,
                    name: k.contact_name.clone(),
                    account_name: k.account_name.clone(),
                    detail: format!("named on request {}", list.join(", ")),
                });
            }
            if k.recent_activities + 1 >= limit && k.recent_activities > 0 {
                q.near_fatigue.push(OpsAdvocate {
                    contact_id: k.contact_id,
                    name: k.contact_name.clone(),
                    account_name: k.account_name.clone(),
                    detail: format!(
                        "{} of {} reference activities in {} days",
                        k.recent_activities, limit, settings.matching.fatigue_window_days
                    ),
                });
            }
        }
        q.near_fatigue
            .sort_by(|a, b| b.detail.cmp(&a.detail).then(a.name.cmp(&b.name)));
        q.stale_nominations = noms.into_iter().filter(|n| n.stale).collect();
        q.expiring_consents = expiring.items;
        q.expiring_consents_total = expiring.total;
        Ok(q)
    }
}

/// The request's advocate, if the request is completed; an error otherwise.
fn completed_request(c: &mut dyn Conn, id: i64) -> Result<Option<i64>> {
    let r = c
        .query_one(
            "SELECT status, advocate_contact_id FROM reference_requests WHERE id = ?",
            &[Value::Int(id)],
        )?
        .ok_or(StoreError::NotFound {
            what: "reference request",
            id,
        })?;
    if r.text(0) != "completed" {
        return Err(FieldErrors::single(
            "status",
            "feedback and confirmation are for completed activities: mark the request completed first",
        )
        .into());
    }
    Ok(r.opt_int(1))
}

fn upsert_feedback(
    c: &mut dyn Conn,
    request_id: i64,
    side: FeedbackSide,
    contact_id: Option<i64>,
    d: &FeedbackData,
    author: &str,
) -> Result<()> {
    c.execute(
        "INSERT INTO reference_feedback (request_id, side, contact_id, helped, prospect_asked, comments, would_repeat, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (request_id, side) DO UPDATE SET contact_id = excluded.contact_id, helped = excluded.helped, prospect_asked = excluded.prospect_asked, \
         comments = excluded.comments, would_repeat = excluded.would_repeat, author = excluded.author, created_at = excluded.created_at",
        &[
            Value::Int(request_id),
            Value::from(side.as_str()),
            Value::from(contact_id),
            Value::Bool(d.helped),
            Value::from(d.prospect_asked.clone()),
            Value::from(d.comments.clone()),
            match d.would_repeat {
                Some(b) => Value::Bool(b),
                None => Value::Null,
            },
            Value::from(author),
            Value::Time(now()),
        ],
    )?;
    Ok(())
}

pub(crate) fn feedback_of(c: &mut dyn Conn, request_id: i64) -> Result<Vec<Feedback>> {
    Ok(c.query(
        "SELECT side, contact_id, helped, prospect_asked, comments, would_repeat, author, created_at FROM reference_feedback WHERE request_id = ? ORDER BY side DESC",
        &[Value::Int(request_id)],
    )?
    .iter()
    .map(|r| Feedback {
        side: FeedbackSide::parse(&r.text(0)).unwrap_or(FeedbackSide::Rep),
        contact_id: r.opt_int(1),
        helped: r.bool(2),
        prospect_asked: r.opt_text(3),
        comments: r.opt_text(4),
        would_repeat: r.opt_int(5).map(|v| v != 0),
        author: r.text(6),
        created_at: r.time(7),
    })
    .collect())
}

fn link_state(c: &mut dyn Conn, token: &str, at: DateTime<Utc>) -> Result<LinkState> {
    if !token.starts_with("fb_") || token.len() > 100 {
        return Ok(LinkState::Unknown);
    }
    let Some(r) = c.query_one(
        "SELECT l.request_id, l.expires_at, l.used_at, r.activity, r.prospect_name, c.name FROM feedback_links l \
         JOIN reference_requests r ON r.id = l.request_id JOIN contacts c ON c.id = l.contact_id WHERE l.token_hash = ?",
        &[Value::Text(sha256_hex(token))],
    )?
    else {
        return Ok(LinkState::Unknown);
    };
    if r.opt_time(2).is_some() {
        return Ok(LinkState::Used);
    }
    let expires_at = r.time(1);
    if expires_at <= at {
        return Ok(LinkState::Expired);
    }
    Ok(LinkState::Valid {
        request_id: r.int(0),
        activity: peerstage_core::advocacy::Opportunity::parse(&r.text(3))
            .map(|o| o.label().to_string())
            .unwrap_or_else(|_| r.text(3)),
        prospect_name: r.text(4),
        advocate_name: r.text(5),
        expires_at,
    })
}

impl Store {
    /// Demo data for the operations view: consent per activity (live only, expiring,
    /// expired), competitors replaced, nominations of every age, feedback on some completed
    /// requests, and asks left waiting. Called by `seed_advocacy` on a fresh program.
    pub(crate) fn seed_reference_ops(
        &self,
        rng: &mut peerstage_core::rng::Rng,
        today: NaiveDate,
    ) -> Result<()> {
        let snap = self.advocate_snapshot(today)?;
        let stamp = now();
        let mut consents = Vec::new();
        let mut nominations = Vec::new();
        let mut competitors = Vec::new();
        let mut nominated = 0;
        for row in &snap.rows {
            let k = &row.candidate;
            if k.consent == ReferenceConsent::No || k.do_not_contact {
                continue;
            }
            let given = today - Duration::days(rng.range(30, 700));
            let mut add = |a: ConsentActivity, c: ReferenceConsent, expires: Option<NaiveDate>| {
                consents.push(vec![
                    Value::Int(k.contact_id),
                    Value::from(a.as_str()),
                    Value::from(c.as_str()),
                    Value::Date(given),
                    Value::from(expires),
                    Value::from("demo"),
                    Value::Time(stamp),
                ]);
            };
            let roll = rng.range(0, 100);
            if roll < 15 {
                // Calls and visits, but nothing published.
                for a in [
                    ConsentActivity::CaseStudy,
                    ConsentActivity::Video,
                    ConsentActivity::Logo,
                    ConsentActivity::Quote,
                ] {
                    add(a, ReferenceConsent::No, None);
                }
            } else if roll < 21 {
                add(
                    ConsentActivity::Logo,
                    ReferenceConsent::Yes,
                    Some(today + Duration::days(rng.range(3, 40))),
                );
                add(
                    ConsentActivity::CaseStudy,
                    ReferenceConsent::Yes,
                    Some(today + Duration::days(rng.range(20, 200))),
                );
            } else if roll < 24 {
                add(
                    ConsentActivity::ReferenceCall,
                    ReferenceConsent::Yes,
                    Some(today - Duration::days(rng.range(1, 25))),
                );
            } else if roll < 27 {
                add(ConsentActivity::Speaking, ReferenceConsent::No, None);
                add(ConsentActivity::Media, ReferenceConsent::No, None);
            }
            if row.facts.latest_nps.is_none() && nominated < 12 && rng.chance(0.02) {
                let status = *rng.pick(&[
                    "nominated",
                    "nominated",
                    "contacted",
                    "recruited",
                    "declined",
                ]);
                let touched = stamp - Duration::days(rng.range(0, 30));
                let reason = *rng.pick(&[
                    "Spoke up for us at the user group",
                    "Asked how they can help other customers",
                    "Their rollout is a model for the industry",
                    "Wrote to the CEO about the support team",
                ]);
                nominations.push(vec![
                    Value::Int(k.contact_id),
                    Value::from("manual"),
                    Value::from(reason),
                    Value::from(status),
                    Value::from(*rng.pick(&["sales@demo", "cs@demo", "product@demo"])),
                    Value::Time(touched - Duration::days(rng.range(0, 20))),
                    Value::Time(touched),
                    Value::from("demo"),
                ]);
                nominated += 1;
            }
        }
        let accounts: Vec<i64> = snap
            .rows
            .iter()
            .map(|r| r.candidate.account_id)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for a in accounts {
            if rng.chance(0.12) {
                let name = *rng.pick(&["Oldsoft", "Legacy CRM", "HelpDesk Pro", "Spreadsheets"]);
                competitors.push((a, name));
            }
        }
        let completed: Vec<i64> = self.with_conn(|c| {
            Ok(c.query(
                "SELECT id FROM reference_requests WHERE status = 'completed' ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| r.int(0))
            .collect())
        })?;
        self.transaction(|c| {
            c.load(
                "contact_consents",
                &[
                    "contact_id",
                    "activity",
                    "consent",
                    "given_on",
                    "expires_on",
                    "recorded_by",
                    "recorded_at",
                ],
                &mut consents.into_iter(),
            )?;
            c.load(
                "nominations",
                &[
                    "contact_id",
                    "source",
                    "reason",
                    "status",
                    "nominated_by",
                    "created_at",
                    "touched_at",
                    "touched_by",
                ],
                &mut nominations.into_iter(),
            )?;
            for (a, name) in &competitors {
                c.execute(
                    "UPDATE accounts SET competitor_replaced = ? WHERE id = ?",
                    &[Value::from(*name), Value::Int(*a)],
                )?;
            }
            // Some asks have waited a while for the advocate's answer.
            c.execute(
                "UPDATE reference_steps SET at = ? WHERE status = 'asked' AND request_id IN \
                 (SELECT id FROM reference_requests WHERE status = 'asked' ORDER BY id LIMIT 2)",
                &[Value::Time(stamp - Duration::days(9))],
            )?;
            // Half the completed requests have the rep's feedback; the rest wait for it.
            for (i, id) in completed.iter().enumerate() {
                if i % 2 == 0 {
                    let d = FeedbackData {
                        helped: rng.chance(0.8),
                        prospect_asked: Some(
                            (*rng.pick(&[
                                "How long the rollout took",
                                "Whether support answers at night",
                                "What they would do differently",
                            ]))
                            .to_string(),
                        ),
                        comments: None,
                        would_repeat: None,
                    };
                    upsert_feedback(c, *id, FeedbackSide::Rep, None, &d, "demo")?;
                }
            }
            Ok(())
        })?;
        self.propose_nominations()?;
        // A request nobody fits, so the ops view shows a gap and what loosening would find.
        if let Some(industry) = snap.rows.iter().find_map(|r| r.candidate.industry.clone()) {
            let f = peerstage_core::Fields::from_pairs([
                ("prospect_name", "Kestrel Analytics (demo gap)"),
                ("activity", "case_study"),
                ("industry", industry.as_str()),
                ("industry_required", "yes"),
                ("seniority", "executive"),
                ("seniority_required", "yes"),
                ("language", "Icelandic"),
                ("language_required", "yes"),
            ]);
            let mut req = peerstage_core::reference::NewRequest::from_fields(&f)
                .map_err(StoreError::Invalid)?;
            req.needed_by = Some(today + Duration::days(2));
            let id = self.as_demo_rep(0).create_request(&req)?.id;
            self.match_request(id, today, 3)?;
        }
        Ok(())
    }
}

/// What the reference program holds about a person, for a privacy export.
pub(crate) fn privacy_export(c: &mut dyn Conn, contact_id: i64) -> Result<serde_json::Value> {
    let id = [Value::Int(contact_id)];
    let consents: Vec<serde_json::Value> = c
        .query(
            "SELECT activity, consent, given_on, expires_on, recorded_by, note FROM contact_consents WHERE contact_id = ? ORDER BY activity",
            &id,
        )?
        .iter()
        .map(|r| {
            serde_json::json!({"activity": r.text(0), "consent": r.text(1), "given_on": r.opt_date(2),
                "expires_on": r.opt_date(3), "recorded_by": r.text(4), "note": r.opt_text(5)})
        })
        .collect();
    let nominations: Vec<serde_json::Value> = c
        .query(
            "SELECT source, reason, status, nominated_by, created_at FROM nominations WHERE contact_id = ?",
            &id,
        )?
        .iter()
        .map(|r| {
            serde_json::json!({"source": r.text(0), "reason": r.text(1), "status": r.text(2),
                "nominated_by": r.text(3), "created_at": r.time(4)})
        })
        .collect();
    let feedback: Vec<serde_json::Value> = c
        .query(
            "SELECT request_id, helped, prospect_asked, comments, would_repeat, created_at FROM reference_feedback WHERE contact_id = ? ORDER BY request_id",
            &id,
        )?
        .iter()
        .map(|r| {
            serde_json::json!({"request_id": r.int(0), "worth_their_time": r.bool(1), "asked_about": r.opt_text(2),
                "comments": r.opt_text(3), "would_repeat": r.opt_int(4).map(|v| v != 0), "created_at": r.time(5)})
        })
        .collect();
    Ok(serde_json::json!({"consents": consents, "nominations": nominations, "feedback": feedback}))
}

/// Erasure: consent records, nominations (colleagues' words about the person), unused links
/// and the person's own feedback text go; that feedback was given stays, so reports hold.
pub(crate) fn erase(c: &mut dyn Conn, contact_id: i64) -> Result<()> {
    let id = [Value::Int(contact_id)];
    // Earlier audit entries carried the notes, reasons and comments: keep that they happened.
    c.execute(
        "UPDATE audit_log SET before_json = NULL, after_json = NULL WHERE entity = 'contact_consent' AND entity_id = ?",
        &id,
    )?;
    c.execute(
        "UPDATE audit_log SET before_json = NULL, after_json = NULL, summary = 'nomination of an erased person' \
         WHERE entity = 'nomination' AND entity_id IN (SELECT n.id FROM nominations n WHERE n.contact_id = ?)",
        &id,
    )?;
    c.execute(
        "UPDATE audit_log SET after_json = NULL WHERE entity = 'reference_request' AND summary = 'advocate feedback through a one-time link' \
         AND entity_id IN (SELECT f.request_id FROM reference_feedback f WHERE f.contact_id = ?)",
        &id,
    )?;
    c.execute("DELETE FROM contact_consents WHERE contact_id = ?", &id)?;
    c.execute("DELETE FROM nominations WHERE contact_id = ?", &id)?;
    c.execute(
        "DELETE FROM feedback_links WHERE contact_id = ? AND used_at IS NULL",
        &id,
    )?;
    c.execute(
        "UPDATE reference_feedback SET prospect_asked = NULL, comments = NULL WHERE contact_id = ?",
        &id,
    )?;
    Ok(())
}
