//! E1 and E3: what the scorecard and the dashboards read. Everything is counted in memory
//! from four things loaded per database revision (`meta.revision`, bumped by every committed
//! change) and day, then cached:
//!
//! - the facts of every customer account (`core::scorecard::AccountFacts`);
//! - the touch log: every touchpoint of a window of days while its account was a customer,
//!   read once through `touchpoints_date_idx` (`core::scorecard::TouchLog`);
//! - NPS answers and commitments counted per day (`core::scorecard::DailyCounts`), per segment;
//! - reference requests per month.
//!
//! The window runs from the start of the earliest period asked for (at least the dashboards'
//! 12 months and the default scorecard's five quarters) to today.

use crate::db::{Conn, Dialect, Row, Value};
use crate::{ProgramReport, Result, Store};
use chrono::{Datelike, NaiveDate};
use peerstage_core::account::Page;
use peerstage_core::nps::{NpsGroup, NpsSummary};
use peerstage_core::reference::RequestStatus;
use peerstage_core::scorecard::{
    self, period_counts, AccountFacts, Current, DailyCounts, Quarter, Scorecard, TouchLog,
    RECENT_DAYS,
};
use peerstage_core::{CommitmentStatus, Lifecycle, Segment};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// The first day counted as "recent" for a period ending on `end`.
pub fn recent_from(end: NaiveDate) -> NaiveDate {
    end - chrono::Days::new(RECENT_DAYS - 1)
}

/// Limits rows of a table with an `account_id` to one segment.
fn segment_of_account(segment: Option<Segment>, params: &mut Vec<Value>, col: &str) -> String {
    match segment {
        Some(s) => {
            params.push(Value::from(s.as_str()));
            format!(" AND {col} IN (SELECT id FROM accounts WHERE segment = ?)")
        }
        None => String::new(),
    }
}

/// Cached results for one revision of the database and one day.
#[derive(Default)]
pub(crate) struct Cache {
    state: Mutex<CacheState>,
    /// Held while the dashboards' or a scorecard's figures are computed, so a request and
    /// the background warmer wait for one computation instead of making two.
    computing: Mutex<()>,
}

#[derive(Default)]
struct CacheState {
    generation: u64,
    today: Option<NaiveDate>,
    facts: Option<Arc<Vec<AccountFacts>>>,
    log: Option<Arc<TouchLog>>,
    daily: HashMap<Option<Segment>, Arc<DailyCounts>>,
    scorecards: HashMap<(Quarter, Option<Segment>), Arc<Scorecard>>,
    dashboard: Option<Arc<DashboardData>>,
    program: Option<Arc<(ProgramReport, u32)>>,
}

impl Cache {
    fn with<T>(&self, f: impl FnOnce(&mut CacheState) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// One month of the dashboard's touchpoint coverage.
#[derive(Debug, Clone, Serialize)]
pub struct MonthCoverage {
    pub month: String,
    /// Accounts that were customers on at least one day of the month.
    pub customers: u64,
    /// Of those, touched while customers in the month.
    pub touched: u64,
    /// 0–1.
    pub share: Option<f64>,
}

/// Revenue and revenue at risk of today's customers in one segment.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentRevenue {
    pub segment: Option<Segment>,
    pub customers: u64,
    pub revenue: i64,
    pub at_risk: u64,
    pub at_risk_revenue: i64,
}

/// Reference requests made in one month, by where they are now.
#[derive(Debug, Clone, Serialize)]
pub struct MonthRequests {
    pub month: String,
    /// Requested, proposed or asked.
    pub open: u64,
    pub accepted: u64,
    pub completed: u64,
    /// Declined or cancelled.
    pub closed: u64,
}

impl MonthRequests {
    pub fn total(&self) -> u64 {
        self.open + self.accepted + self.completed + self.closed
    }
}

/// What every dashboard draws (E3): the last 12 months up to today.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardData {
    pub today: NaiveDate,
    /// NPS over the months shown.
    pub nps: NpsSummary,
    pub nps_months: Vec<NpsGroup>,
    pub coverage_months: Vec<MonthCoverage>,
    /// Customers touched in the last 90 days, of today's customers.
    pub touched_recently: u64,
    pub customers_today: u64,
    pub revenue_by_segment: Vec<SegmentRevenue>,
    pub now: Current,
    pub reference_months: Vec<MonthRequests>,
    /// Rows per table.
    pub counts: crate::Counts,
    /// The customers flagged at risk with the most revenue, with their reasons.
    pub top_at_risk: Vec<peerstage_core::Account>,
}

/// An account behind the touchpoints figure.
#[derive(Debug, Clone, Serialize)]
pub struct TouchRow {
    pub account_id: i64,
    pub name: String,
    pub segment: Option<Segment>,
    pub touchpoints: u64,
}

/// An account behind the coverage figure.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageRow {
    pub account_id: i64,
    pub name: String,
    pub segment: Option<Segment>,
    /// The last touchpoint while a customer, up to the period's end.
    pub last_touch: Option<NaiveDate>,
    pub touched_recently: bool,
}

/// A commitment behind the kept-on-time figure.
#[derive(Debug, Clone, Serialize)]
pub struct CommitmentRow {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub description: String,
    pub owner: Option<String>,
    pub due_on: NaiveDate,
    pub status: CommitmentStatus,
    pub closed_on: Option<NaiveDate>,
    pub kept_on_time: bool,
}

/// A response behind the NPS figure.
#[derive(Debug, Clone, Serialize)]
pub struct NpsRow {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub contact_name: Option<String>,
    pub score: i64,
    pub responded_on: NaiveDate,
    pub comment: Option<String>,
}

fn load_facts(c: &mut dyn Conn) -> Result<Vec<AccountFacts>> {
    Ok(c
        .query(
            "SELECT id, name, segment, lifecycle, customer_since, renewal_date, annual_revenue, \
             annual_revenue - cost_to_serve - discount, at_risk FROM accounts WHERE lifecycle <> 'prospect' ORDER BY id",
            &[],
        )?
        .iter()
        .map(|r| {
            AccountFacts::new(
                r.int(0),
                r.text(1),
                r.opt_text(2).and_then(|s| Segment::parse(&s).ok()),
                Lifecycle::parse(&r.text(3)).unwrap_or(Lifecycle::Customer),
                r.opt_date(4),
                r.opt_date(5),
                r.int(6),
                r.int(7),
                r.bool(8),
            )
        })
        .collect())
}

/// Every touchpoint's account and day from `from` to `to`. Days travel as numbers (days
/// since 1 January of year 1, as `NaiveDate::num_days_from_ce`): this reads hundreds of
/// thousands of rows, and text dates would each need an allocation. PostgreSQL sends one
/// row per account with its days joined, which costs it far less than a row per touchpoint.
fn load_touches(c: &mut dyn Conn, from: NaiveDate, to: NaiveDate) -> Result<Vec<(i64, NaiveDate)>> {
    let params = [Value::Date(from), Value::Date(to)];
    let day = |n: i64| NaiveDate::from_num_days_from_ce_opt(i32::try_from(n).ok()?);
    Ok(match c.dialect() {
        Dialect::Sqlite => c
            .query(
                "SELECT account_id, CAST(julianday(occurred_on) AS INTEGER) - 1721424 FROM touchpoints WHERE occurred_on BETWEEN ? AND ?",
                &params,
            )?
            .iter()
            .filter_map(|r| Some((r.int(0), day(r.int(1))?)))
            .collect(),
        Dialect::Postgres => {
            let mut out = Vec::new();
            for r in c.query(
                "SELECT account_id, string_agg(((occurred_on - DATE '0001-01-01') + 1)::text, ',') FROM touchpoints \
                 WHERE occurred_on BETWEEN ? AND ? GROUP BY account_id",
                &params,
            )? {
                let id = r.int(0);
                out.extend(
                    r.text(1)
                        .split(',')
                        .filter_map(|n| day(n.parse().ok()?))
                        .map(|d| (id, d)),
                );
            }
            out
        }
    })
}

fn load_daily(
    c: &mut dyn Conn,
    from: NaiveDate,
    to: NaiveDate,
    segment: Option<Segment>,
) -> Result<DailyCounts> {
    let bucket = |cond: &str| {
        format!("CAST(coalesce(sum(CASE WHEN {cond} THEN 1 ELSE 0 END), 0) AS BIGINT)")
    };
    let mut params = vec![Value::Date(from), Value::Date(to)];
    let seg = segment_of_account(segment, &mut params, "n.account_id");
    let nps: BTreeMap<NaiveDate, [u64; 3]> = c
        .query(
            &format!(
                "SELECT n.responded_on, {}, {}, {} FROM nps_responses n WHERE n.responded_on BETWEEN ? AND ?{seg} GROUP BY n.responded_on",
                bucket("n.score >= 9"),
                bucket("n.score BETWEEN 7 AND 8"),
                bucket("n.score <= 6")
            ),
            &params,
        )?
        .iter()
        .map(|r| (r.date(0), [r.int(1) as u64, r.int(2) as u64, r.int(3) as u64]))
        .collect();
    let mut params = vec![Value::Date(from), Value::Date(to)];
    let seg = segment_of_account(segment, &mut params, "c.account_id");
    // Kept on time as `CommitmentData::kept_on_time` has it.
    let commitments: BTreeMap<NaiveDate, [u64; 2]> = c
        .query(
            &format!(
                "SELECT c.due_on, count(*), {} FROM commitments c WHERE c.due_on BETWEEN ? AND ?{seg} GROUP BY c.due_on",
                bucket("c.status = 'kept' AND (c.closed_on IS NULL OR c.closed_on <= c.due_on)")
            ),
            &params,
        )?
        .iter()
        .map(|r| (r.date(0), [r.int(1) as u64, r.int(2) as u64]))
        .collect();
    Ok(DailyCounts {
        from: Some(from),
        to: Some(to),
        nps,
        commitments,
    })
}

/// The first day of the month `back` months before `d`'s month.
fn month_start(d: NaiveDate, back: u32) -> NaiveDate {
    let total = d.year() * 12 + d.month0() as i32 - back as i32;
    NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)
        .expect("valid month")
}

fn month_end(start: NaiveDate) -> NaiveDate {
    month_start(start, 0)
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .expect("valid month")
}

/// How many months the dashboard shows.
pub const DASHBOARD_MONTHS: u32 = 12;

/// The window every cache load covers at least: the dashboards' months and the default
/// scorecard's five quarters.
fn default_from(today: NaiveDate) -> NaiveDate {
    month_start(today, DASHBOARD_MONTHS - 1)
        .min(Scorecard::periods_for(Quarter::last_complete(today))[0].start())
}

fn paged<T: Clone>(items: &[T], page: u32, per_page: u32) -> Page<T> {
    let per_page = per_page.clamp(1, 500);
    let page = page.max(1);
    let start = ((page as u64 - 1) * per_page as u64) as usize;
    Page {
        items: items
            .iter()
            .skip(start)
            .take(per_page as usize)
            .cloned()
            .collect(),
        total: items.len() as u64,
        page,
        per_page,
    }
}

fn limits(page: u32, per_page: u32) -> (u32, u32, String) {
    let per_page = per_page.clamp(1, 500);
    let page = page.max(1);
    (
        page,
        per_page,
        format!(
            " LIMIT {per_page} OFFSET {}",
            (page as u64 - 1) * per_page as u64
        ),
    )
}

impl Store {
    /// Clears the cache when the database's revision or the day changed.
    fn fresh_cache(&self, today: NaiveDate) -> Result<()> {
        let generation = self.data_revision()?;
        self.shared.insights.with(|s| {
            if s.generation != generation || s.today != Some(today) {
                *s = CacheState {
                    generation,
                    today: Some(today),
                    ..Default::default()
                };
            }
        });
        Ok(())
    }

    /// Every customer and former customer as the scorecard sees it (cached).
    pub fn account_facts(&self, today: NaiveDate) -> Result<Arc<Vec<AccountFacts>>> {
        self.fresh_cache(today)?;
        if let Some(f) = self.shared.insights.with(|s| s.facts.clone()) {
            return Ok(f);
        }
        let facts = Arc::new(self.with_conn(load_facts)?);
        self.shared.insights.with(|s| s.facts = Some(facts.clone()));
        Ok(facts)
    }

    /// Touchpoints while customers from `from` (or earlier) to today (cached).
    pub fn touch_log(&self, today: NaiveDate, from: NaiveDate) -> Result<Arc<TouchLog>> {
        let facts = self.account_facts(today)?;
        if let Some(log) = self
            .shared
            .insights
            .with(|s| s.log.clone())
            .filter(|l| l.covers(from, today))
        {
            return Ok(log);
        }
        let from = from.min(default_from(today));
        let touches = self.with_conn(|c| load_touches(c, from, today))?;
        let log = Arc::new(TouchLog::new(from, today, touches, &facts));
        self.shared.insights.with(|s| s.log = Some(log.clone()));
        Ok(log)
    }

    /// NPS answers and commitments per day from `from` (or earlier) to today (cached).
    pub fn daily_counts(
        &self,
        today: NaiveDate,
        from: NaiveDate,
        segment: Option<Segment>,
    ) -> Result<Arc<DailyCounts>> {
        self.fresh_cache(today)?;
        if let Some(d) = self
            .shared
            .insights
            .with(|s| s.daily.get(&segment).cloned())
            .filter(|d| d.covers(from, today))
        {
            return Ok(d);
        }
        let from = from.min(default_from(today));
        let daily = Arc::new(self.with_conn(|c| load_daily(c, from, today, segment))?);
        self.shared
            .insights
            .with(|s| s.daily.insert(segment, daily.clone()));
        Ok(daily)
    }

    /// The scorecard for a quarter that has started, with the four quarters before it.
    pub fn scorecard(
        &self,
        period: Quarter,
        segment: Option<Segment>,
        today: NaiveDate,
    ) -> Result<Scorecard> {
        if period.start() > today {
            return Err(peerstage_core::FieldErrors::single(
                "period",
                format!("{} has not started yet", period.label()),
            )
            .into());
        }
        let cached = || {
            self.shared
                .insights
                .with(|s| s.scorecards.get(&(period, segment)).cloned())
        };
        self.fresh_cache(today)?;
        if let Some(card) = cached() {
            return Ok((*card).clone());
        }
        let _one_at_a_time = self
            .shared
            .insights
            .computing
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        self.fresh_cache(today)?;
        if let Some(card) = cached() {
            return Ok((*card).clone());
        }
        let periods = Scorecard::periods_for(period);
        let from = periods[0].start();
        let facts = self.account_facts(today)?;
        let log = self.touch_log(today, from)?;
        let daily = self.daily_counts(today, from, segment)?;
        let counts: Vec<_> = periods
            .iter()
            .map(|p| period_counts(*p, today, segment, &facts, &log, &daily))
            .collect();
        let card = Scorecard::build(period, segment, today, &facts, &counts);
        self.shared.insights.with(|s| {
            s.scorecards
                .insert((period, segment), Arc::new(card.clone()))
        });
        Ok(card)
    }

    /// The accounts behind the touchpoints figure: customers during the period with their
    /// touchpoints in it, fewest first.
    pub fn scorecard_touch_rows(
        &self,
        period: Quarter,
        segment: Option<Segment>,
        today: NaiveDate,
        page: u32,
        per_page: u32,
    ) -> Result<Page<TouchRow>> {
        let end = period.end_by(today);
        let facts = self.account_facts(today)?;
        let log = self.touch_log(today, period.start())?;
        let mut rows: Vec<TouchRow> = facts
            .iter()
            .filter(|a| a.in_segment(segment) && a.customer_during(period.start(), end))
            .map(|a| TouchRow {
                account_id: a.id,
                name: a.name.clone(),
                segment: a.segment,
                touchpoints: log.count(a.id, period.start(), end),
            })
            .collect();
        rows.sort_by_cached_key(|r| (r.touchpoints, r.name.to_lowercase(), r.account_id));
        Ok(paged(&rows, page, per_page))
    }

    /// The accounts behind the coverage figure: customers at the period's end with their
    /// last touchpoint, those touched longest ago (or never) first.
    pub fn scorecard_coverage_rows(
        &self,
        period: Quarter,
        segment: Option<Segment>,
        today: NaiveDate,
        page: u32,
        per_page: u32,
    ) -> Result<Page<CoverageRow>> {
        let end = period.end_by(today);
        let recent = recent_from(end);
        let facts = self.account_facts(today)?;
        let log = self.touch_log(today, recent)?;
        let mut rows: Vec<CoverageRow> = facts
            .iter()
            .filter(|a| a.in_segment(segment) && a.customer_on(end))
            .map(|a| {
                let last_touch = log.last_on_or_before(a.id, end);
                CoverageRow {
                    account_id: a.id,
                    name: a.name.clone(),
                    segment: a.segment,
                    touched_recently: last_touch.is_some_and(|d| d >= recent),
                    last_touch,
                }
            })
            .collect();
        rows.sort_by_cached_key(|r| (r.last_touch, r.name.to_lowercase(), r.account_id));
        let mut page = paged(&rows, page, per_page);
        // Touchpoints before the log's window: looked up for the page's rows only.
        let missing: Vec<i64> = page
            .items
            .iter()
            .filter(|r| r.last_touch.is_none())
            .map(|r| r.account_id)
            .collect();
        if !missing.is_empty() {
            let marks = vec!["?"; missing.len()].join(", ");
            let mut params = vec![Value::Date(end)];
            params.extend(missing.iter().map(|id| Value::Int(*id)));
            let earlier: HashMap<i64, Option<NaiveDate>> = self.with_conn(|c| {
                Ok(c.query(
                    &format!(
                        "SELECT a.id, (SELECT max(t.occurred_on) FROM touchpoints t WHERE t.account_id = a.id AND t.occurred_on <= ? \
                         AND (a.customer_since IS NULL OR t.occurred_on >= a.customer_since)) FROM accounts a WHERE a.id IN ({marks})"
                    ),
                    &params,
                )?
                .iter()
                .map(|r| (r.int(0), r.opt_date(1)))
                .collect())
            })?;
            for r in page.items.iter_mut().filter(|r| r.last_touch.is_none()) {
                r.last_touch = earlier.get(&r.account_id).copied().flatten();
            }
        }
        Ok(page)
    }

    /// The commitments behind the kept-on-time figure: not kept on time first.
    pub fn scorecard_commitment_rows(
        &self,
        period: Quarter,
        segment: Option<Segment>,
        today: NaiveDate,
        page: u32,
        per_page: u32,
    ) -> Result<Page<CommitmentRow>> {
        let (page, per_page, limit) = limits(page, per_page);
        let mut params = vec![
            Value::Date(period.start()),
            Value::Date(period.end_by(today)),
        ];
        let seg = segment_of_account(segment, &mut params, "c.account_id");
        let on_time = "CASE WHEN c.status = 'kept' AND (c.closed_on IS NULL OR c.closed_on <= c.due_on) THEN 1 ELSE 0 END";
        self.with_conn(|c| {
            let filter = format!("c.due_on BETWEEN ? AND ?{seg}");
            let total = c.query_int(&format!("SELECT count(*) FROM commitments c WHERE {filter}"), &params)? as u64;
            let items = c
                .query(
                    &format!(
                        "SELECT c.id, c.account_id, a.name, c.description, c.owner, c.due_on, c.status, c.closed_on, {on_time} \
                         FROM (SELECT c.id FROM commitments c WHERE {filter} ORDER BY {on_time}, c.due_on, c.id{limit}) page \
                         JOIN commitments c ON c.id = page.id JOIN accounts a ON a.id = c.account_id \
                         ORDER BY {on_time}, c.due_on, c.id"
                    ),
                    &params,
                )?
                .iter()
                .map(|r| CommitmentRow {
                    id: r.int(0),
                    account_id: r.int(1),
                    account_name: r.text(2),
                    description: r.text(3),
                    owner: r.opt_text(4),
                    due_on: r.date(5),
                    status: CommitmentStatus::parse(&r.text(6)).unwrap_or(CommitmentStatus::Open),
                    closed_on: r.opt_date(7),
                    kept_on_time: r.int(8) == 1,
                })
                .collect();
            Ok(Page { items, total, page, per_page })
        })
    }

    /// The responses behind the NPS figure, lowest scores first.
    pub fn scorecard_nps_rows(
        &self,
        period: Quarter,
        segment: Option<Segment>,
        today: NaiveDate,
        page: u32,
        per_page: u32,
    ) -> Result<Page<NpsRow>> {
        let (page, per_page, limit) = limits(page, per_page);
        let mut params = vec![
            Value::Date(period.start()),
            Value::Date(period.end_by(today)),
        ];
        let seg = segment_of_account(segment, &mut params, "n.account_id");
        self.with_conn(|c| {
            let filter = format!("n.responded_on BETWEEN ? AND ?{seg}");
            let total = c.query_int(&format!("SELECT count(*) FROM nps_responses n WHERE {filter}"), &params)? as u64;
            let items = c
                .query(
                    &format!(
                        "SELECT n.id, n.account_id, a.name, p.name, n.score, n.responded_on, n.comment \
                         FROM (SELECT n.id FROM nps_responses n WHERE {filter} ORDER BY n.score, n.responded_on DESC, n.id{limit}) page \
                         JOIN nps_responses n ON n.id = page.id JOIN accounts a ON a.id = n.account_id LEFT JOIN contacts p ON p.id = n.contact_id \
                         ORDER BY n.score, n.responded_on DESC, n.id"
                    ),
                    &params,
                )?
                .iter()
                .map(|r| NpsRow {
                    id: r.int(0),
                    account_id: r.int(1),
                    account_name: r.text(2),
                    contact_name: r.opt_text(3),
                    score: r.int(4),
                    responded_on: r.date(5),
                    comment: r.opt_text(6),
                })
                .collect();
            Ok(Page { items, total, page, per_page })
        })
    }

    /// What the dashboards draw: NPS and touchpoint coverage per month, revenue at risk per
    /// segment, reference requests per month (cached).
    pub fn dashboard_data(&self, today: NaiveDate) -> Result<Arc<DashboardData>> {
        self.fresh_cache(today)?;
        if let Some(d) = self.shared.insights.with(|s| s.dashboard.clone()) {
            return Ok(d);
        }
        let _one_at_a_time = self
            .shared
            .insights
            .computing
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        self.fresh_cache(today)?;
        if let Some(d) = self.shared.insights.with(|s| s.dashboard.clone()) {
            return Ok(d);
        }
        let start = month_start(today, DASHBOARD_MONTHS - 1);
        let facts = self.account_facts(today)?;
        let log = self.touch_log(today, start)?;
        let daily = self.daily_counts(today, start, None)?;
        let requests: Vec<Row> = self.with_conn(|c| {
            let created = c.dialect().month("created_at");
            Ok(c.query(
                &format!(
                    "SELECT {created}, status, count(*) FROM reference_requests WHERE created_at >= ? GROUP BY {created}, status"
                ),
                &[Value::Time(
                    start.and_hms_opt(0, 0, 0).expect("midnight").and_utc(),
                )],
            )?)
        })?;
        let months: Vec<(String, NaiveDate, NaiveDate)> = (0..DASHBOARD_MONTHS)
            .rev()
            .map(|back| {
                let s = month_start(today, back);
                (s.format("%Y-%m").to_string(), s, month_end(s).min(today))
            })
            .collect();
        let nps_months = months
            .iter()
            .map(|(key, s, e)| NpsGroup {
                key: key.clone(),
                summary: daily.nps_between(*s, *e),
            })
            .collect();
        let coverage_months = months
            .iter()
            .map(|(key, s, e)| {
                let during: Vec<&AccountFacts> =
                    facts.iter().filter(|a| a.customer_during(*s, *e)).collect();
                let customers = during.len() as u64;
                let touched = during.iter().filter(|a| log.touched(a.id, *s, *e)).count() as u64;
                MonthCoverage {
                    month: key.clone(),
                    customers,
                    touched,
                    share: (customers > 0).then(|| touched as f64 / customers as f64),
                }
            })
            .collect();
        let mut revenue_by_segment: Vec<SegmentRevenue> = Segment::ALL
            .iter()
            .map(|s| Some(*s))
            .chain([None])
            .map(|segment| {
                let c = scorecard::current(facts.iter().filter(|a| a.segment == segment));
                SegmentRevenue {
                    segment,
                    customers: c.customers,
                    revenue: c.revenue,
                    at_risk: c.at_risk,
                    at_risk_revenue: c.at_risk_revenue,
                }
            })
            .collect();
        revenue_by_segment.retain(|s| s.segment.is_some() || s.customers > 0);
        let reference_months = months
            .iter()
            .map(|(key, _, _)| {
                let mut m = MonthRequests {
                    month: key.clone(),
                    open: 0,
                    accepted: 0,
                    completed: 0,
                    closed: 0,
                };
                for r in requests.iter().filter(|r| &r.text(0) == key) {
                    let n = r.int(2) as u64;
                    match RequestStatus::parse(&r.text(1)).unwrap_or(RequestStatus::Requested) {
                        RequestStatus::Requested
                        | RequestStatus::Proposed
                        | RequestStatus::Asked => m.open += n,
                        RequestStatus::Accepted => m.accepted += n,
                        RequestStatus::Completed => m.completed += n,
                        RequestStatus::Declined | RequestStatus::Cancelled => m.closed += n,
                    }
                }
                m
            })
            .collect();
        let today_customers: Vec<&AccountFacts> = facts
            .iter()
            .filter(|a| a.lifecycle == Lifecycle::Customer && a.customer_on(today))
            .collect();
        let data = Arc::new(DashboardData {
            today,
            nps: daily.nps_between(start, today),
            nps_months,
            coverage_months,
            touched_recently: today_customers
                .iter()
                .filter(|a| log.touched(a.id, recent_from(today), today))
                .count() as u64,
            customers_today: today_customers.len() as u64,
            revenue_by_segment,
            now: scorecard::current(facts.iter()),
            reference_months,
            counts: self.counts()?,
            top_at_risk: self
                .list_accounts(&peerstage_core::AccountQuery {
                    at_risk: Some(true),
                    lifecycle: Some(Lifecycle::Customer),
                    sort: peerstage_core::AccountSort::Revenue,
                    descending: true,
                    per_page: 8,
                    ..Default::default()
                })?
                .items,
        });
        self.shared
            .insights
            .with(|s| s.dashboard = Some(data.clone()));
        Ok(data)
    }

    /// The advocate program's report and fatigue limit, for managers' dashboards (cached).
    pub fn dashboard_program(&self, today: NaiveDate) -> Result<Arc<(ProgramReport, u32)>> {
        self.fresh_cache(today)?;
        if let Some(p) = self.shared.insights.with(|s| s.program.clone()) {
            return Ok(p);
        }
        let p = Arc::new((
            self.program_report(today)?,
            self.program_settings()?.matching.fatigue_limit,
        ));
        self.shared.insights.with(|s| s.program = Some(p.clone()));
        Ok(p)
    }

    /// The database's revision: it changes with every committed change.
    pub fn data_revision(&self) -> Result<u64> {
        self.with_conn(|c| {
            Ok(c.query_int("SELECT value FROM meta WHERE key = 'revision'", &[])? as u64)
        })
    }

    /// Computes what the dashboards and the default scorecard show, unless it is cached for
    /// the current revision already; `peerstage serve` calls it in the background so the
    /// first visitor after a change does not wait for it.
    pub fn warm_insights(&self, today: NaiveDate) -> Result<()> {
        self.dashboard_data(today)?;
        self.scorecard(Quarter::last_complete(today), None, today)?;
        Ok(())
    }
}

/// The accounts SQL counts as customers on `day`, by id: the rule of
/// `AccountFacts::customer_on` written in SQL, for the store tests to compare (the drill-down
/// lookups above use it for touchpoints before a customer's start).
#[doc(hidden)]
pub fn customers_on_sql(store: &Store, day: NaiveDate) -> Result<Vec<i64>> {
    store.with_conn(|c| {
        Ok(c.query(
            "SELECT a.id FROM accounts a WHERE a.lifecycle <> 'prospect' AND (a.customer_since IS NULL OR a.customer_since <= ?) \
             AND (a.lifecycle = 'customer' OR a.renewal_date > ?) ORDER BY a.id",
            &[Value::Date(day), Value::Date(day)],
        )?
        .iter()
        .map(|r| r.int(0))
        .collect())
    })
}
