//! Reference requests (B3): what a rep needs for a deal, and matching that ranks advocates
//! who fit, explains every score, and says why near-candidates were left out. Hard rules
//! (consent, do-not-contact, at-risk, fatigue) are never traded for a better fit.

use crate::account::{Region, Segment};
use crate::advocacy::Opportunity;
use crate::contact::{ContactRole, ReferenceConsent};
use crate::refops::ConsentActivity;
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

crate::text_enum!(
    SizeBand {
        Small => "small", "1–199 employees";
        Mid => "mid", "200–1,999 employees";
        Large => "large", "2,000+ employees";
    }
);

impl SizeBand {
    pub fn of(employees: Option<i64>, segment: Option<Segment>) -> Option<SizeBand> {
        match (employees, segment) {
            (Some(n), _) if n >= 2000 => Some(SizeBand::Large),
            (Some(n), _) if n >= 200 => Some(SizeBand::Mid),
            (Some(_), _) => Some(SizeBand::Small),
            (None, Some(Segment::Enterprise)) => Some(SizeBand::Large),
            (None, Some(Segment::MidMarket)) => Some(SizeBand::Mid),
            (None, Some(Segment::Smb)) => Some(SizeBand::Small),
            (None, None) => None,
        }
    }
}

crate::text_enum!(
    /// How senior a contact is; buyers want a peer with an equivalent vantage point.
    Seniority {
        Executive => "executive", "Executive (C-level, VP)";
        Director => "director", "Director / head of";
        Manager => "manager", "Manager / lead";
        Individual => "individual", "Individual contributor";
    }
);

impl Seniority {
    /// From a job title, by its words.
    pub fn from_title(title: &str) -> Seniority {
        let t = format!(" {} ", title.to_lowercase().replace(['-', ',', '/'], " "));
        let has = |w: &str| t.contains(&format!(" {w} "));
        if [
            "ceo",
            "cfo",
            "cio",
            "cto",
            "coo",
            "cmo",
            "cro",
            "chief",
            "vp",
            "president",
            "evp",
            "svp",
        ]
        .iter()
        .any(|w| has(w))
            || t.contains("vice president")
        {
            Seniority::Executive
        } else if has("director") || has("head") {
            Seniority::Director
        } else if has("manager") || has("lead") || has("supervisor") {
            Seniority::Manager
        } else {
            Seniority::Individual
        }
    }
}

crate::text_enum!(
    RequestStatus {
        Requested => "requested", "Requested";
        Proposed => "proposed", "Proposed";
        Asked => "asked", "Asked";
        Accepted => "accepted", "Accepted";
        Declined => "declined", "Declined";
        Completed => "completed", "Completed";
        Cancelled => "cancelled", "Cancelled";
    }
);

impl RequestStatus {
    /// The workflow: requested → proposed → asked → accepted / declined → completed.
    /// A declined ask goes back to proposing another advocate.
    pub fn can_move_to(self, next: RequestStatus) -> bool {
        use RequestStatus::*;
        matches!(
            (self, next),
            (Requested, Proposed)
                | (Proposed, Asked)
                | (Proposed, Proposed)
                | (Asked, Accepted)
                | (Asked, Declined)
                | (Declined, Proposed)
                | (Accepted, Completed)
                | (
                    Requested | Proposed | Asked | Accepted | Declined,
                    Cancelled
                )
        )
    }
}

crate::text_enum!(
    DealOutcome {
        Open => "open", "Open";
        Won => "won", "Won";
        Lost => "lost", "Lost";
    }
);

/// One criterion and whether it must match.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Criterion<T> {
    pub value: T,
    pub required: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Criteria {
    pub industry: Option<Criterion<String>>,
    pub region: Option<Criterion<Region>>,
    pub country: Option<Criterion<String>>,
    pub size: Option<Criterion<SizeBand>>,
    pub products: Option<Criterion<Vec<String>>>,
    pub topics: Option<Criterion<Vec<String>>>,
    pub persona_role: Option<Criterion<ContactRole>>,
    pub seniority: Option<Criterion<Seniority>>,
    pub language: Option<Criterion<String>>,
    /// The competitor the advocate's account replaced with us.
    pub competitor_replaced: Option<Criterion<String>>,
}

/// The fields a request form, JSON body or CLI flags carry. Each criterion `X` may come
/// with `X_required` (yes/no; default preferred, except industry and activity-defining ones).
pub const REQUEST_FIELDS: &[&str] = &[
    "prospect_account_id",
    "prospect_name",
    "deal_value",
    "needed_by",
    "activity",
    "notes",
    "industry",
    "industry_required",
    "region",
    "region_required",
    "country",
    "country_required",
    "size",
    "size_required",
    "products",
    "products_required",
    "topics",
    "topics_required",
    "persona_role",
    "persona_role_required",
    "seniority",
    "seniority_required",
    "language",
    "language_required",
    "competitor_replaced",
    "competitor_replaced_required",
];

/// A rep's request for a reference (B3), validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewRequest {
    pub prospect_account_id: Option<i64>,
    pub prospect_name: String,
    pub deal_value: i64,
    pub needed_by: Option<chrono::NaiveDate>,
    pub activity: Opportunity,
    pub criteria: Criteria,
    pub notes: Option<String>,
}

fn crit<T>(
    f: &crate::Fields,
    e: &mut crate::FieldErrors,
    name: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<Criterion<T>> {
    let raw = f.get(name).trim();
    if raw.is_empty() {
        return None;
    }
    let required_key = format!("{name}_required");
    let required = e
        .check(
            &required_key,
            crate::parse::bool_or(f.get(&required_key), false),
        )
        .unwrap_or(false);
    e.check(name, parse(raw))
        .map(|value| Criterion { value, required })
}

impl NewRequest {
    /// `prospect_name` may be empty when `prospect_account_id` names the account; the caller
    /// fills the name in from storage.
    pub fn from_fields(f: &crate::Fields) -> Result<Self, crate::FieldErrors> {
        use crate::parse;
        let mut e = crate::FieldErrors::new();
        let prospect_account_id = e
            .check(
                "prospect_account_id",
                parse::optional_int(f.get("prospect_account_id"), 1, i64::MAX),
            )
            .flatten();
        let prospect_name = e
            .check(
                "prospect_name",
                parse::optional_text(f.get("prospect_name"), 200),
            )
            .flatten();
        if prospect_account_id.is_none() && prospect_name.is_none() {
            e.add("prospect_name", "name the prospect, or pick their account");
        }
        let deal_value = e
            .check("deal_value", parse::optional_money(f.get("deal_value")))
            .flatten()
            .unwrap_or(0);
        let needed_by = e
            .check("needed_by", parse::optional_date(f.get("needed_by")))
            .flatten();
        let activity = e.check(
            "activity",
            if f.get("activity").trim().is_empty() {
                Err("is required".to_string())
            } else {
                Opportunity::parse(f.get("activity")).and_then(|o| {
                    if o.is_reference_activity() {
                        Ok(o)
                    } else {
                        Err(format!("{} is not a reference activity", o.label()))
                    }
                })
            },
        );
        let notes = e
            .check("notes", parse::optional_text(f.get("notes"), 2000))
            .flatten();
        let list = |s: &str| {
            parse::list(s, 100).and_then(|l| {
                if l.is_empty() {
                    Err("is empty".to_string())
                } else {
                    Ok(l)
                }
            })
        };
        let criteria = Criteria {
            industry: crit(f, &mut e, "industry", |s| parse::required_text(s, 100)),
            region: crit(f, &mut e, "region", Region::parse),
            country: crit(f, &mut e, "country", |s| parse::required_text(s, 100)),
            size: crit(f, &mut e, "size", SizeBand::parse),
            products: crit(f, &mut e, "products", list),
            topics: crit(f, &mut e, "topics", list),
            persona_role: crit(f, &mut e, "persona_role", ContactRole::parse),
            seniority: crit(f, &mut e, "seniority", Seniority::parse),
            language: crit(f, &mut e, "language", |s| parse::required_text(s, 50)),
            competitor_replaced: crit(f, &mut e, "competitor_replaced", |s| {
                parse::required_text(s, 100)
            }),
        };
        e.into_result(|| NewRequest {
            prospect_account_id,
            prospect_name: prospect_name.unwrap_or_default(),
            deal_value,
            needed_by,
            activity: activity.expect("checked"),
            criteria,
            notes,
        })
    }
}

impl Criteria {
    /// A short description, e.g. "industry Healthcare (required), region EMEA".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let mut add = |name: &str, v: String, req: bool| {
            parts.push(format!(
                "{name} {v}{}",
                if req { " (required)" } else { "" }
            ))
        };
        if let Some(c) = &self.industry {
            add("industry", c.value.clone(), c.required);
        }
        if let Some(c) = &self.region {
            add("region", c.value.label().into(), c.required);
        }
        if let Some(c) = &self.country {
            add("country", c.value.clone(), c.required);
        }
        if let Some(c) = &self.size {
            add("size", c.value.label().into(), c.required);
        }
        if let Some(c) = &self.products {
            add("products", c.value.join(", "), c.required);
        }
        if let Some(c) = &self.topics {
            add("topics", c.value.join(", "), c.required);
        }
        if let Some(c) = &self.persona_role {
            add("persona", c.value.label().into(), c.required);
        }
        if let Some(c) = &self.seniority {
            add("seniority", c.value.label().into(), c.required);
        }
        if let Some(c) = &self.language {
            add("language", c.value.clone(), c.required);
        }
        if let Some(c) = &self.competitor_replaced {
            add("replaced", c.value.clone(), c.required);
        }
        if parts.is_empty() {
            "any customer".into()
        } else {
            parts.join(", ")
        }
    }
}

/// What matching knows about one contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Candidate {
    pub contact_id: i64,
    pub contact_name: String,
    pub title: Option<String>,
    pub role: Option<ContactRole>,
    /// From the title (`Seniority::from_title`), computed once.
    pub seniority: Option<Seniority>,
    pub languages: Vec<String>,
    pub topics: Vec<String>,
    pub account_id: i64,
    pub account_name: String,
    pub industry: Option<String>,
    /// `text_key` of the industry, set by whoever builds many candidates: comparing it
    /// avoids reading each candidate's text (0 = not set; the text is compared instead).
    pub industry_key: u64,
    pub region: Option<Region>,
    pub country: Option<String>,
    pub employees: Option<i64>,
    pub segment: Option<Segment>,
    pub products: Vec<String>,
    pub at_risk: bool,
    pub consent: ReferenceConsent,
    pub do_not_contact: bool,
    pub advocate_score: u32,
    /// Reference activities of this contact in the fatigue window.
    pub recent_activities: u32,
    /// Reference activities of anyone at this account in the fatigue window.
    pub account_recent_activities: u32,
    /// Effective consent per activity type (`ConsentActivity::index`), expiry applied;
    /// an activity without its own record has the contact's general `consent`.
    pub consents: [ReferenceConsent; ConsentActivity::COUNT],
    /// Bit `index` set: that activity's consent expired (so it reads "ask first").
    pub consent_expired: u16,
    /// Other open requests (asked or accepted) this advocate is named on.
    pub busy_on: Vec<i64>,
    /// The competitor the account replaced with us, if recorded.
    pub competitor_replaced: Option<String>,
}

impl Candidate {
    /// The consent that applies to `activity` (the general consent without one).
    pub fn consent_for(&self, activity: Option<ConsentActivity>) -> ReferenceConsent {
        match activity {
            Some(a) => self.consents[a.index()],
            None => self.consent,
        }
    }

    pub fn consent_expired_for(&self, activity: Option<ConsentActivity>) -> bool {
        activity.is_some_and(|a| self.consent_expired & (1 << a.index()) != 0)
    }
}

/// What a ranking is for, beyond its criteria: the activity whose consent applies, and the
/// request being matched (its own advocate is not "busy" on it).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MatchFor {
    pub activity: Option<ConsentActivity>,
    pub request_id: Option<i64>,
}

impl MatchFor {
    fn busy<'k>(&self, k: &'k Candidate) -> impl Iterator<Item = i64> + 'k {
        let me = self.request_id;
        k.busy_on.iter().copied().filter(move |r| Some(*r) != me)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MatchConfig {
    /// Most reference activities per advocate in the window (default 3 in 90 days).
    pub fatigue_limit: u32,
    pub fatigue_window_days: u32,
    /// Points taken off per recent activity of the same account, to spread the load.
    pub spread_penalty: f64,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            fatigue_limit: 3,
            fatigue_window_days: 90,
            spread_penalty: 6.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionResult {
    pub criterion: &'static str,
    pub wanted: String,
    pub required: bool,
    pub matched: bool,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    pub contact_id: i64,
    pub contact_name: String,
    pub title: Option<String>,
    pub account_id: i64,
    #[serde(rename = "account")]
    pub account_name: String,
    pub score: f64,
    pub criteria: Vec<CriterionResult>,
    pub advocate_score: u32,
    pub recent_activities: u32,
    pub account_recent_activities: u32,
    /// Consent is "ask first": the advocate must agree before being named.
    pub ask_first: bool,
    /// The consent for this activity expired (and so reads "ask first").
    pub consent_expired: bool,
    /// Other open requests this advocate is already named on.
    pub busy_on: Vec<i64>,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
    pub contact_id: i64,
    pub contact_name: String,
    pub account_name: String,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MatchResult {
    pub candidates: Vec<Ranked>,
    /// Contacts that fit the required criteria (or missed one) but were left out, and why.
    /// With a required industry, only that industry is searched while someone fits; when
    /// nobody does, every contact is searched so the near-misses from other industries show.
    pub excluded: Vec<Excluded>,
    /// When nobody fits: what blocked the request (a criterion, or the program's rules).
    pub blocked_by: Vec<String>,
    /// When nobody fits: the best matches with one required criterion loosened.
    pub loosened: Vec<Loosened>,
}

/// The matches a request would find with one required criterion loosened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Loosened {
    pub criterion: &'static str,
    /// e.g. "country is widened to EMEA", "industry is not required".
    pub change: String,
    /// How many advocates would then fit (every other required criterion and every rule).
    pub matches: usize,
    /// The best few of them.
    pub best: Vec<Ranked>,
}

impl Loosened {
    /// "3 advocates match if country is widened to EMEA".
    pub fn summary(&self) -> String {
        format!(
            "{} advocate{} match{} if {}",
            self.matches,
            if self.matches == 1 { "" } else { "s" },
            if self.matches == 1 { "es" } else { "" },
            self.change
        )
    }
}

/// A case-insensitive fingerprint of a short text (FNV-1a over trimmed, lower-cased ASCII).
pub fn text_key(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.trim().bytes() {
        h ^= b.to_ascii_lowercase() as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h | 1
}

/// Stored text is already trimmed by validation; `wanted` is trimmed once per request.
fn eq_text(stored: &str, wanted: &str) -> bool {
    stored.eq_ignore_ascii_case(wanted)
}

/// Share of `wanted` (lower-case) found in `have`, by equal text or containment.
fn overlap(wanted: &[String], have: &[String]) -> f64 {
    if wanted.is_empty() {
        return 1.0;
    }
    let hits = wanted
        .iter()
        .filter(|w| {
            have.iter()
                .any(|h| eq_text(h, w) || h.to_lowercase().contains(w.as_str()))
        })
        .count();
    hits as f64 / wanted.len() as f64
}

const CRITERION_POINTS: f64 = 10.0;
const MAX_CRITERIA: usize = 10;

/// Near-candidates sort by criteria missed, then better advocates, then id (smaller first).
type NearKey = (usize, Reverse<u32>, i64);
/// Candidates rank by score in tenths, then lower id (larger first).
type RankKey = (i64, Reverse<i64>);

/// A candidate kept in a bounded heap, ordered by its key alone.
struct Best<'a, K> {
    key: K,
    cand: &'a Candidate,
}

impl<K: Ord> PartialEq for Best<'_, K> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<K: Ord> Eq for Best<'_, K> {}
impl<K: Ord> PartialOrd for Best<'_, K> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<K: Ord> Ord for Best<'_, K> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

/// The criteria of one request, flattened once so each candidate is checked without allocating.
struct Plan<'c> {
    items: Vec<(&'static str, String, bool)>,
    criteria: &'c Criteria,
    lower_products: Vec<String>,
    lower_topics: Vec<String>,
    industry: Option<String>,
    industry_key: u64,
    country: Option<String>,
    language: Option<String>,
    competitor: Option<String>,
}

impl<'c> Plan<'c> {
    fn new(c: &'c Criteria) -> Self {
        let mut items = Vec::new();
        if let Some(x) = &c.industry {
            items.push(("industry", x.value.clone(), x.required));
        }
        if let Some(x) = &c.region {
            items.push(("region", x.value.label().to_string(), x.required));
        }
        if let Some(x) = &c.country {
            items.push(("country", x.value.clone(), x.required));
        }
        if let Some(x) = &c.size {
            items.push(("size", x.value.label().to_string(), x.required));
        }
        if let Some(x) = &c.products {
            items.push(("products", x.value.join(", "), x.required));
        }
        if let Some(x) = &c.topics {
            items.push(("topics", x.value.join(", "), x.required));
        }
        if let Some(x) = &c.persona_role {
            items.push(("persona_role", x.value.label().to_string(), x.required));
        }
        if let Some(x) = &c.seniority {
            items.push(("seniority", x.value.label().to_string(), x.required));
        }
        if let Some(x) = &c.language {
            items.push(("language", x.value.clone(), x.required));
        }
        if let Some(x) = &c.competitor_replaced {
            items.push(("competitor_replaced", x.value.clone(), x.required));
        }
        let lower = |v: &Option<Criterion<Vec<String>>>| {
            v.as_ref()
                .map(|x| x.value.iter().map(|s| s.to_lowercase()).collect())
                .unwrap_or_default()
        };
        let trimmed =
            |v: &Option<Criterion<String>>| v.as_ref().map(|x| x.value.trim().to_string());
        Plan {
            items,
            lower_products: lower(&c.products),
            lower_topics: lower(&c.topics),
            industry: trimmed(&c.industry),
            industry_key: c.industry.as_ref().map(|x| text_key(&x.value)).unwrap_or(0),
            country: trimmed(&c.country),
            language: trimmed(&c.language),
            competitor: trimmed(&c.competitor_replaced),
            criteria: c,
        }
    }

    /// Strength (0 to 1) of each criterion, in `items` order.
    fn strengths(&self, k: &Candidate) -> [f64; MAX_CRITERIA] {
        let c = self.criteria;
        let mut out = [0.0; MAX_CRITERIA];
        let mut i = 0;
        let mut put = |v: f64| {
            out[i] = v;
            i += 1;
        };
        if let Some(w) = &self.industry {
            let same = if k.industry_key != 0 {
                k.industry_key == self.industry_key
            } else {
                k.industry.as_deref().is_some_and(|v| eq_text(v, w))
            };
            put(same as u8 as f64);
        }
        if let Some(x) = &c.region {
            put((k.region == Some(x.value)) as u8 as f64);
        }
        if let Some(w) = &self.country {
            put(k.country.as_deref().is_some_and(|v| eq_text(v, w)) as u8 as f64);
        }
        if let Some(x) = &c.size {
            put((SizeBand::of(k.employees, k.segment) == Some(x.value)) as u8 as f64);
        }
        if c.products.is_some() {
            put(overlap(&self.lower_products, &k.products));
        }
        if c.topics.is_some() {
            put(overlap(&self.lower_topics, &k.topics));
        }
        if let Some(x) = &c.persona_role {
            put((k.role == Some(x.value)) as u8 as f64);
        }
        if let Some(x) = &c.seniority {
            put((k.seniority == Some(x.value)) as u8 as f64);
        }
        if let Some(w) = &self.language {
            put(k.languages.iter().any(|l| eq_text(l, w)) as u8 as f64);
        }
        if let Some(w) = &self.competitor {
            put(k
                .competitor_replaced
                .as_deref()
                .is_some_and(|v| eq_text(v.trim(), w)) as u8 as f64);
        }
        out
    }

    fn results(&self, strengths: &[f64; MAX_CRITERIA]) -> Vec<CriterionResult> {
        self.items
            .iter()
            .zip(strengths.iter())
            .map(|((name, wanted, required), s)| CriterionResult {
                criterion: name,
                wanted: wanted.clone(),
                required: *required,
                matched: *s > 0.0,
                points: CRITERION_POINTS * s,
            })
            .collect()
    }
}

/// Hard rules: reasons a candidate may not be proposed at all.
fn hard_rule_failures(k: &Candidate, cfg: &MatchConfig, ctx: &MatchFor) -> Vec<String> {
    let mut r = Vec::new();
    if k.consent_for(ctx.activity) == ReferenceConsent::No {
        r.push(match ctx.activity {
            Some(a) => format!("no consent for {}", a.label().to_lowercase()),
            None => "no reference consent".to_string(),
        });
    }
    if k.do_not_contact {
        r.push("do not contact".to_string());
    }
    if k.at_risk {
        r.push("account is at risk".to_string());
    }
    if k.recent_activities >= cfg.fatigue_limit {
        r.push(format!(
            "fatigued: {} reference activities in the last {} days (limit {})",
            k.recent_activities, cfg.fatigue_window_days, cfg.fatigue_limit
        ));
    }
    r
}

fn breaks_a_rule(k: &Candidate, cfg: &MatchConfig, ctx: &MatchFor) -> bool {
    k.consent_for(ctx.activity) == ReferenceConsent::No
        || k.do_not_contact
        || k.at_risk
        || k.recent_activities >= cfg.fatigue_limit
}

/// Ranks candidates for a request. `limit` caps the ranked list and the excluded list.
/// Each candidate is first checked without allocating; reasons are written only for the
/// few that are shown.
pub fn rank<'a>(
    criteria: &Criteria,
    candidates: impl IntoIterator<Item = &'a Candidate>,
    cfg: &MatchConfig,
    limit: usize,
) -> MatchResult {
    rank_for(criteria, candidates, cfg, &MatchFor::default(), limit)
}

/// `rank` for one activity (its consent applies) and one request (busy elsewhere is shown).
pub fn rank_for<'a>(
    criteria: &Criteria,
    candidates: impl IntoIterator<Item = &'a Candidate>,
    cfg: &MatchConfig,
    ctx: &MatchFor,
    limit: usize,
) -> MatchResult {
    let plan = Plan::new(criteria);
    let n = plan.items.len();
    let max_fit = n as f64 * CRITERION_POINTS;
    // Only the best `limit` of each list are kept while scanning (small bounded heaps), so a
    // request over thousands of candidates sorts nothing big and copies nothing big.
    let mut ranked: BinaryHeap<Reverse<Best<'_, RankKey>>> = BinaryHeap::with_capacity(limit + 1);
    let mut excluded: BinaryHeap<Best<'_, NearKey>> = BinaryHeap::with_capacity(limit + 1);
    for k in candidates {
        let s = plan.strengths(k);
        let missed = plan
            .items
            .iter()
            .zip(s.iter())
            .filter(|((_, _, req), v)| *req && **v <= 0.0)
            .count();
        let broken = breaks_a_rule(k, cfg, ctx);
        // Near-candidates: fit every required criterion but one, or fit all and broke a rule.
        if missed > 1 || (missed == 1 && broken) {
            continue;
        }
        if missed == 1 || broken {
            let key = (missed, Reverse(k.advocate_score), k.contact_id);
            if excluded.len() < limit {
                excluded.push(Best { key, cand: k });
            } else if excluded.peek().is_some_and(|worst| key < worst.key) {
                excluded.pop();
                excluded.push(Best { key, cand: k });
            }
            continue;
        }
        let fit: f64 = s[..n].iter().sum::<f64>() * CRITERION_POINTS;
        let fit_share = if max_fit > 0.0 { fit / max_fit } else { 1.0 };
        let load = 4.0 * k.recent_activities as f64;
        let spread = cfg.spread_penalty * k.account_recent_activities as f64;
        let score = (60.0 * fit_share + 0.4 * k.advocate_score as f64 - load - spread).max(0.0);
        // Scores are shown to one decimal; ranking on tenths keeps keys exact integers.
        let key = ((score * 10.0).round() as i64, Reverse(k.contact_id));
        if ranked.len() < limit {
            ranked.push(Reverse(Best { key, cand: k }));
        } else if ranked.peek().is_some_and(|Reverse(worst)| key > worst.key) {
            ranked.pop();
            ranked.push(Reverse(Best { key, cand: k }));
        }
    }
    let ranked: Vec<(f64, &Candidate, [f64; MAX_CRITERIA])> = ranked
        .into_sorted_vec()
        .into_iter()
        .map(|Reverse(b)| (b.key.0 as f64 / 10.0, b.cand, plan.strengths(b.cand)))
        .collect();
    // Those who fit but broke a rule first, then those one criterion away; better advocates first.
    let excluded: Vec<(NearKey, &Candidate, [f64; MAX_CRITERIA])> = excluded
        .into_sorted_vec()
        .into_iter()
        .map(|b| (b.key, b.cand, plan.strengths(b.cand)))
        .collect();
    let candidates = ranked
        .into_iter()
        .map(|(score, k, s)| {
            let results = plan.results(&s);
            let mut reasons = Vec::new();
            for r in &results {
                if r.matched {
                    reasons.push(format!(
                        "{} matches ({})",
                        r.criterion.replace('_', " "),
                        r.wanted
                    ));
                } else {
                    reasons.push(format!(
                        "preferred {} not matched ({})",
                        r.criterion.replace('_', " "),
                        r.wanted
                    ));
                }
            }
            reasons.push(format!("advocate score {}", k.advocate_score));
            if k.recent_activities > 0 || k.account_recent_activities > 0 {
                reasons.push(format!(
                    "recent load: {} activities for this advocate, {} for the account",
                    k.recent_activities, k.account_recent_activities
                ));
            }
            let ask_first = k.consent_for(ctx.activity) == ReferenceConsent::AskFirst;
            let consent_expired = k.consent_expired_for(ctx.activity);
            if consent_expired {
                reasons.push(format!(
                    "consent for {} expired: ask first",
                    ctx.activity
                        .map(|a| a.label())
                        .unwrap_or("this")
                        .to_lowercase()
                ));
            } else if ask_first {
                reasons.push("consent is ask first: check with them before naming them".into());
            }
            let busy_on: Vec<i64> = ctx.busy(k).collect();
            if !busy_on.is_empty() {
                let list: Vec<String> = busy_on.iter().map(|r| format!("#{r}")).collect();
                reasons.push(format!(
                    "busy: already named on request {}",
                    list.join(", ")
                ));
            }
            Ranked {
                contact_id: k.contact_id,
                contact_name: k.contact_name.clone(),
                title: k.title.clone(),
                account_id: k.account_id,
                account_name: k.account_name.clone(),
                score,
                criteria: results,
                advocate_score: k.advocate_score,
                recent_activities: k.recent_activities,
                account_recent_activities: k.account_recent_activities,
                ask_first,
                consent_expired,
                busy_on,
                reasons,
            }
        })
        .collect();
    let excluded = excluded
        .into_iter()
        .map(|(_, k, s)| {
            let mut reasons = hard_rule_failures(k, cfg, ctx);
            for r in plan.results(&s).iter().filter(|r| r.required && !r.matched) {
                reasons.push(format!(
                    "{} is not {}",
                    r.criterion.replace('_', " "),
                    r.wanted
                ));
            }
            Excluded {
                contact_id: k.contact_id,
                contact_name: k.contact_name.clone(),
                account_name: k.account_name.clone(),
                reasons,
            }
        })
        .collect();
    MatchResult {
        candidates,
        excluded,
        blocked_by: Vec::new(),
        loosened: Vec::new(),
    }
}

/// Whether `k` fits every required criterion of `plan` and breaks no rule.
fn fits(plan: &Plan<'_>, k: &Candidate, cfg: &MatchConfig, ctx: &MatchFor) -> bool {
    let s = plan.strengths(k);
    !plan
        .items
        .iter()
        .zip(s.iter())
        .any(|((_, _, req), v)| *req && *v <= 0.0)
        && !breaks_a_rule(k, cfg, ctx)
}

/// For a request nobody fits: which criterion (or rule) blocked it, and the best matches
/// with each required criterion loosened in turn. A required country is widened to the
/// region most of that country's advocates are in; any other criterion becomes preferred.
/// Scans the candidates once per required criterion, so call it only when nobody fits.
pub fn explain_empty(
    criteria: &Criteria,
    candidates: &[&Candidate],
    cfg: &MatchConfig,
    ctx: &MatchFor,
    best: usize,
) -> (Vec<String>, Vec<Loosened>) {
    let plan = Plan::new(criteria);
    let required: Vec<usize> = (0..plan.items.len()).filter(|i| plan.items[*i].2).collect();
    // Who misses exactly one required criterion (and breaks no rule), and who fits every
    // criterion but breaks a rule.
    let mut only_missed = vec![0usize; plan.items.len()];
    let mut rule_blocked: Vec<&Candidate> = Vec::new();
    for k in candidates {
        let s = plan.strengths(k);
        let missed: Vec<usize> = required.iter().copied().filter(|i| s[*i] <= 0.0).collect();
        let broken = breaks_a_rule(k, cfg, ctx);
        match (missed.as_slice(), broken) {
            ([], true) => rule_blocked.push(k),
            ([i], false) => only_missed[*i] += 1,
            _ => {}
        }
    }
    let mut blocked_by = Vec::new();
    let mut order: Vec<usize> = required
        .iter()
        .copied()
        .filter(|i| only_missed[*i] > 0)
        .collect();
    order.sort_by_key(|i| std::cmp::Reverse(only_missed[*i]));
    for i in &order {
        let (name, wanted, _) = &plan.items[*i];
        blocked_by.push(format!(
            "{} {}: {} advocate{} fit everything else",
            name.replace('_', " "),
            wanted,
            only_missed[*i],
            if only_missed[*i] == 1 { "" } else { "s" }
        ));
    }
    if !rule_blocked.is_empty() {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for k in &rule_blocked {
            for r in hard_rule_failures(k, cfg, ctx) {
                let key = r.split(':').next().unwrap_or(&r).to_string();
                match counts.iter_mut().find(|(x, _)| *x == key) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((key, 1)),
                }
            }
        }
        let detail: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
        blocked_by.push(format!(
            "program rules: {} fit every criterion but are left out ({})",
            rule_blocked.len(),
            detail.join(", ")
        ));
    }
    if blocked_by.is_empty() {
        blocked_by.push(if required.is_empty() {
            "program rules: no advocate has consent and capacity for this".to_string()
        } else {
            "no advocate is close: everyone misses two or more required criteria".to_string()
        });
    }
    let mut loosened = Vec::new();
    for i in required {
        let name = plan.items[i].0;
        let mut c = criteria.clone();
        let change;
        match name {
            "country" => {
                let wanted = plan.country.clone().unwrap_or_default();
                let mut tally: Vec<(crate::account::Region, usize)> = Vec::new();
                for k in candidates {
                    if let (Some(r), Some(cn)) = (k.region, k.country.as_deref()) {
                        if eq_text(cn, &wanted) {
                            match tally.iter_mut().find(|(x, _)| *x == r) {
                                Some((_, n)) => *n += 1,
                                None => tally.push((r, 1)),
                            }
                        }
                    }
                }
                c.country = None;
                match tally.iter().max_by_key(|(_, n)| *n) {
                    Some((r, _)) if criteria.region.is_none() => {
                        c.region = Some(Criterion {
                            value: *r,
                            required: true,
                        });
                        change = format!("country is widened to {}", r.label());
                    }
                    _ => change = "country is widened to any country".to_string(),
                }
            }
            _ => {
                macro_rules! prefer {
                    ($f:ident) => {
                        if let Some(x) = c.$f.as_mut() {
                            x.required = false;
                        }
                    };
                }
                match name {
                    "industry" => prefer!(industry),
                    "region" => prefer!(region),
                    "size" => prefer!(size),
                    "products" => prefer!(products),
                    "topics" => prefer!(topics),
                    "persona_role" => prefer!(persona_role),
                    "seniority" => prefer!(seniority),
                    "language" => prefer!(language),
                    _ => prefer!(competitor_replaced),
                }
                change = format!(
                    "{} is only preferred (not {})",
                    name.replace('_', " "),
                    plan.items[i].1
                );
            }
        }
        let p = Plan::new(&c);
        let matches = candidates.iter().filter(|k| fits(&p, k, cfg, ctx)).count();
        if matches == 0 {
            continue;
        }
        let r = rank_for(&c, candidates.iter().copied(), cfg, ctx, best);
        loosened.push(Loosened {
            criterion: name,
            change,
            matches,
            best: r.candidates,
        });
    }
    loosened.sort_by_key(|l| std::cmp::Reverse(l.matches));
    (blocked_by, loosened)
}

/// The activity types a rep can request.
pub fn reference_activities() -> Vec<Opportunity> {
    Opportunity::ALL
        .iter()
        .copied()
        .filter(|o| o.is_reference_activity())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(id: i64, industry: &str) -> Candidate {
        Candidate {
            contact_id: id,
            contact_name: format!("C{id}"),
            account_id: id,
            account_name: format!("A{id}"),
            industry: Some(industry.into()),
            region: Some(Region::Emea),
            consent: ReferenceConsent::Yes,
            advocate_score: 50,
            ..Default::default()
        }
    }

    fn industry(v: &str, required: bool) -> Criteria {
        Criteria {
            industry: Some(Criterion {
                value: v.into(),
                required,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn required_criterion_filters_and_preferred_only_ranks() {
        let ks = vec![cand(1, "Retail"), cand(2, "Healthcare")];
        let r = rank(
            &industry("Healthcare", true),
            &ks,
            &MatchConfig::default(),
            10,
        );
        assert_eq!(
            r.candidates
                .iter()
                .map(|c| c.contact_id)
                .collect::<Vec<_>>(),
            vec![2]
        );
        assert_eq!(r.excluded[0].contact_id, 1);
        assert!(r.excluded[0].reasons[0].contains("industry is not Healthcare"));
        let p = rank(
            &industry("Healthcare", false),
            &ks,
            &MatchConfig::default(),
            10,
        );
        assert_eq!(
            p.candidates
                .iter()
                .map(|c| c.contact_id)
                .collect::<Vec<_>>(),
            vec![2, 1]
        );
    }

    #[test]
    fn hard_rules_exclude_with_reasons() {
        let mut no = cand(1, "Retail");
        no.consent = ReferenceConsent::No;
        let mut dnc = cand(2, "Retail");
        dnc.do_not_contact = true;
        let mut risky = cand(3, "Retail");
        risky.at_risk = true;
        let mut tired = cand(4, "Retail");
        tired.recent_activities = 3;
        let mut ask = cand(5, "Retail");
        ask.consent = ReferenceConsent::AskFirst;
        let r = rank(
            &industry("Retail", true),
            &[no, dnc, risky, tired, ask],
            &MatchConfig::default(),
            10,
        );
        assert_eq!(r.candidates.len(), 1);
        assert!(r.candidates[0].ask_first);
        let reasons: Vec<String> = r.excluded.iter().map(|e| e.reasons.join(";")).collect();
        assert!(reasons.iter().any(|x| x.contains("no reference consent")));
        assert!(reasons.iter().any(|x| x.contains("do not contact")));
        assert!(reasons.iter().any(|x| x.contains("at risk")));
        assert!(reasons.iter().any(|x| x.contains("fatigued: 3")));
        let relaxed = MatchConfig {
            fatigue_limit: 4,
            ..Default::default()
        };
        let mut tired = cand(4, "Retail");
        tired.recent_activities = 3;
        assert_eq!(
            rank(&industry("Retail", true), &[tired], &relaxed, 10)
                .candidates
                .len(),
            1
        );
    }

    #[test]
    fn consent_is_per_activity_and_busy_is_shown() {
        use crate::refops::ConsentActivity as A;
        let mut calls_only = cand(1, "Retail");
        calls_only.consents = [ReferenceConsent::No; A::COUNT];
        calls_only.consents[A::ReferenceCall.index()] = ReferenceConsent::Yes;
        let mut expired = cand(2, "Retail");
        expired.consents = [ReferenceConsent::Yes; A::COUNT];
        expired.consents[A::CaseStudy.index()] = ReferenceConsent::AskFirst;
        expired.consent_expired = 1 << A::CaseStudy.index();
        expired.busy_on = vec![7, 9];
        let ks = [calls_only, expired];
        let case = MatchFor {
            activity: Some(A::CaseStudy),
            request_id: Some(9),
        };
        let r = rank_for(
            &industry("Retail", true),
            &ks,
            &MatchConfig::default(),
            &case,
            10,
        );
        assert_eq!(r.candidates.len(), 1);
        let c = &r.candidates[0];
        assert!(c.ask_first && c.consent_expired, "{c:?}");
        assert_eq!(c.busy_on, vec![7], "its own request is not 'busy'");
        assert!(c.reasons.iter().any(|x| x.contains("expired")));
        assert!(r.excluded[0].reasons[0].contains("no consent for case study"));
        let call = MatchFor {
            activity: Some(A::ReferenceCall),
            request_id: None,
        };
        let r = rank_for(
            &industry("Retail", true),
            &ks,
            &MatchConfig::default(),
            &call,
            10,
        );
        assert_eq!(r.candidates.len(), 2);
        assert!(!r.candidates.iter().any(|c| c.consent_expired));
    }

    #[test]
    fn empty_requests_say_what_blocked_them_and_what_loosening_finds() {
        let mut ks: Vec<Candidate> = (1..=3)
            .map(|i| {
                let mut k = cand(i, "Retail");
                k.country = Some("Germany".into());
                k
            })
            .collect();
        let mut tired = cand(4, "Healthcare");
        tired.country = Some("France".into());
        tired.recent_activities = 5;
        ks.push(tired);
        let criteria = Criteria {
            industry: Some(Criterion {
                value: "Healthcare".into(),
                required: true,
            }),
            country: Some(Criterion {
                value: "Austria".into(),
                required: true,
            }),
            ..Default::default()
        };
        let refs: Vec<&Candidate> = ks.iter().collect();
        let cfg = MatchConfig::default();
        assert!(rank(&criteria, refs.iter().copied(), &cfg, 10)
            .candidates
            .is_empty());
        let (blocked, loosened) = explain_empty(&criteria, &refs, &cfg, &MatchFor::default(), 3);
        assert!(
            blocked
                .iter()
                .any(|b| b.starts_with("industry Healthcare: 0"))
                || blocked.iter().any(|b| b.contains("no advocate is close")),
            "{blocked:?}"
        );
        // Nobody is in Austria; widening it finds no one either, since Austria has no advocates.
        let criteria = Criteria {
            industry: Some(Criterion {
                value: "Retail".into(),
                required: true,
            }),
            country: Some(Criterion {
                value: "Germany".into(),
                required: true,
            }),
            ..Default::default()
        };
        let mut moved = ks.clone();
        for k in moved.iter_mut().take(3) {
            k.country = Some("Austria".into());
        }
        let mut german = cand(8, "Healthcare");
        german.country = Some("Germany".into());
        moved.push(german);
        let refs: Vec<&Candidate> = moved.iter().collect();
        assert!(rank(&criteria, refs.iter().copied(), &cfg, 10)
            .candidates
            .is_empty());
        let (blocked, loosened2) = explain_empty(&criteria, &refs, &cfg, &MatchFor::default(), 2);
        assert!(
            blocked[0].starts_with("country Germany: 3 advocates"),
            "{blocked:?}"
        );
        let widened = loosened2.iter().find(|l| l.criterion == "country").unwrap();
        assert_eq!(
            widened.summary(),
            "3 advocates match if country is widened to EMEA"
        );
        assert_eq!(widened.best.len(), 2);
        let ind = loosened2
            .iter()
            .find(|l| l.criterion == "industry")
            .unwrap();
        assert_eq!(ind.matches, 1);
        assert!(ind
            .summary()
            .starts_with("1 advocate matches if industry is only preferred"));
        let _ = loosened;
        // Rules, not criteria: everyone who fits is fatigued.
        let only_tired = [ks[3].clone()];
        let refs: Vec<&Candidate> = only_tired.iter().collect();
        let (blocked, _) = explain_empty(
            &industry("Healthcare", true),
            &refs,
            &cfg,
            &MatchFor::default(),
            3,
        );
        assert!(
            blocked[0].contains("program rules: 1") && blocked[0].contains("1 fatigued"),
            "{blocked:?}"
        );
    }

    #[test]
    fn competitor_replaced_is_a_criterion() {
        let mut a = cand(1, "Retail");
        a.competitor_replaced = Some("Oldsoft".into());
        let b = cand(2, "Retail");
        let c = Criteria {
            competitor_replaced: Some(Criterion {
                value: "oldsoft".into(),
                required: true,
            }),
            ..Default::default()
        };
        let r = rank(&c, &[a, b], &MatchConfig::default(), 10);
        assert_eq!(r.candidates.len(), 1);
        assert_eq!(r.candidates[0].contact_id, 1);
        let f = crate::Fields::from_pairs([
            ("prospect_name", "Acme"),
            ("activity", "case_study"),
            ("competitor_replaced", "Oldsoft"),
            ("competitor_replaced_required", "yes"),
        ]);
        let req = NewRequest::from_fields(&f).unwrap();
        assert_eq!(req.criteria.describe(), "replaced Oldsoft (required)");
    }

    #[test]
    fn load_is_spread_across_accounts() {
        let mut busy = cand(1, "Retail");
        busy.advocate_score = 60;
        busy.account_recent_activities = 2;
        let mut fresh = cand(2, "Retail");
        fresh.advocate_score = 55;
        let r = rank(
            &industry("Retail", true),
            &[busy, fresh],
            &MatchConfig::default(),
            10,
        );
        assert_eq!(r.candidates[0].contact_id, 2, "{:?}", r.candidates);
    }

    #[test]
    fn request_fields_parse_with_required_flags() {
        let f = crate::Fields::from_pairs([
            ("prospect_name", "Acme"),
            ("activity", "reference_call"),
            ("industry", "Healthcare"),
            ("industry_required", "yes"),
            ("products", "A; B"),
            ("deal_value", "120,000"),
        ]);
        let r = NewRequest::from_fields(&f).unwrap();
        assert!(r.criteria.industry.as_ref().unwrap().required);
        assert!(!r.criteria.products.as_ref().unwrap().required);
        assert_eq!(r.deal_value, 120_000);
        assert_eq!(
            r.criteria.describe(),
            "industry Healthcare (required), products A, B"
        );
        let bad = NewRequest::from_fields(&crate::Fields::from_pairs([
            ("activity", "beta"),
            ("region", "Mars"),
        ]))
        .unwrap_err();
        assert!(bad
            .get("activity")
            .unwrap()
            .contains("not a reference activity"));
        assert!(bad.get("region").is_some());
        assert!(bad.get("prospect_name").is_some());
    }

    #[test]
    fn seniority_comes_from_titles() {
        assert_eq!(Seniority::from_title("VP Operations"), Seniority::Executive);
        assert_eq!(
            Seniority::from_title("Chief Information Officer"),
            Seniority::Executive
        );
        assert_eq!(Seniority::from_title("Director of IT"), Seniority::Director);
        assert_eq!(
            Seniority::from_title("Head of Customer Service"),
            Seniority::Director
        );
        assert_eq!(
            Seniority::from_title("Operations Manager"),
            Seniority::Manager
        );
        assert_eq!(Seniority::from_title("Data Analyst"), Seniority::Individual);
    }

    #[test]
    fn workflow_moves_only_forward() {
        use RequestStatus::*;
        assert!(Requested.can_move_to(Proposed));
        assert!(Asked.can_move_to(Declined) && Declined.can_move_to(Proposed));
        assert!(!Requested.can_move_to(Completed));
        assert!(!Completed.can_move_to(Requested));
        assert_eq!(SizeBand::of(Some(2500), None), Some(SizeBand::Large));
        assert_eq!(
            SizeBand::of(None, Some(Segment::Smb)),
            Some(SizeBand::Small)
        );
    }
}
