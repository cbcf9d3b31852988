//! E1: the customer-centricity scorecard. Pure calculations over facts the store loads:
//! quarters, who was a customer when, retention by cohort, margin and customer lifetime value.
//!
//! Definitions (also in docs/SCORECARD.md):
//! - A **customer account** is one whose lifecycle is `customer` or `former`. It became a
//!   customer on `customer_since` (unknown: always was) and, when `former`, left on its
//!   `renewal_date` — the demo data and CRM exports record the end of the last contract there.
//!   A former customer without a renewal date cannot be placed in time and is left out.
//! - The **cohort** of an account is the year of its `customer_since`.
//! - **Retention** over the 12 months to a period's end: of the accounts that were customers
//!   on the day one year before the end, the share still customers at the end (logo), and the
//!   share of their annual revenue those retained accounts bring (revenue). Revenue and margin
//!   are the accounts' current figures: peerstage keeps no history of them.
//! - **Customer lifetime value** = average annual margin per customer account at the period's
//!   end × expected lifetime, where expected lifetime = 1 ÷ annual logo churn (1 − logo
//!   retention over the last 12 months), capped at 10 years (also when nobody left).

use crate::account::{Lifecycle, Segment};
use crate::nps::NpsSummary;
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// Expected lifetime never exceeds this many years.
pub const MAX_LIFETIME_YEARS: f64 = 10.0;
/// "Touched recently" means within this many days up to the period's end.
pub const RECENT_DAYS: u64 = 90;
/// How many earlier periods the trend shows.
pub const TREND_PERIODS: u32 = 4;

/// A calendar quarter, written `2026Q3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quarter {
    year: i32,
    q: u8,
}

impl Quarter {
    pub fn new(year: i32, q: u8) -> Option<Quarter> {
        ((1..=4).contains(&q) && (1900..=2200).contains(&year)).then_some(Quarter { year, q })
    }
    pub fn year(self) -> i32 {
        self.year
    }
    pub fn number(self) -> u8 {
        self.q
    }
    pub fn containing(d: NaiveDate) -> Quarter {
        Quarter {
            year: d.year(),
            q: (d.month0() / 3 + 1) as u8,
        }
    }
    /// The last quarter that has ended by `today`.
    pub fn last_complete(today: NaiveDate) -> Quarter {
        Quarter::containing(today).prev()
    }
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.q as u32 - 1) * 3 + 1, 1).expect("valid quarter")
    }
    pub fn end(self) -> NaiveDate {
        self.next().start().pred_opt().expect("valid date")
    }
    pub fn prev(self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }
    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        }
    }
    /// `n` quarters earlier.
    pub fn back(self, n: u32) -> Quarter {
        (0..n).fold(self, |q, _| q.prev())
    }
    /// The last day that counts: the quarter's end, or `today` for the quarter under way.
    pub fn end_by(self, today: NaiveDate) -> NaiveDate {
        self.end().min(today)
    }
    /// "Q3 2026".
    pub fn label(self) -> String {
        format!("Q{} {}", self.q, self.year)
    }

    /// Accepts `2026Q3`, `2026-Q3`, `2026 q3`, `Q3 2026` and `Q3-2026`.
    pub fn parse(input: &str) -> Result<Quarter, String> {
        let s: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_' | '/'))
            .flat_map(|c| c.to_uppercase())
            .collect();
        let bad = || format!("'{}' is not a quarter (write it like 2026Q3)", input.trim());
        let (year, q) = if let Some(rest) = s.strip_prefix('Q') {
            let (q, year) = rest.split_at(rest.len().min(1));
            (year, q)
        } else {
            s.split_once('Q').ok_or_else(bad)?
        };
        if year.len() != 4 || q.len() != 1 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let q: u8 = q.parse().map_err(|_| bad())?;
        Quarter::new(year, q).ok_or_else(bad)
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

impl Serialize for Quarter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One account as the scorecard sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountFacts {
    pub id: i64,
    pub name: String,
    pub segment: Option<Segment>,
    pub lifecycle: Lifecycle,
    pub customer_since: Option<NaiveDate>,
    /// The day a former customer left (its `renewal_date`); `None` for current customers.
    pub left_on: Option<NaiveDate>,
    pub revenue: i64,
    pub margin: i64,
    pub at_risk: bool,
}

impl AccountFacts {
    /// Builds the facts from an account's stored values; `renewal_date` is kept only for
    /// former customers, where it is the day they left.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: i64,
        name: String,
        segment: Option<Segment>,
        lifecycle: Lifecycle,
        customer_since: Option<NaiveDate>,
        renewal_date: Option<NaiveDate>,
        revenue: i64,
        margin: i64,
        at_risk: bool,
    ) -> AccountFacts {
        AccountFacts {
            id,
            name,
            segment,
            lifecycle,
            customer_since,
            left_on: (lifecycle == Lifecycle::Former)
                .then_some(renewal_date)
                .flatten(),
            revenue,
            margin,
            at_risk,
        }
    }

    /// A customer on day `d`: started on or before it, and had not yet left.
    pub fn customer_on(&self, d: NaiveDate) -> bool {
        self.customer_during(d, d)
    }

    /// A customer on at least one day from `start` to `end`.
    pub fn customer_during(&self, start: NaiveDate, end: NaiveDate) -> bool {
        let started = self.customer_since.is_none_or(|s| s <= end);
        started
            && match self.lifecycle {
                Lifecycle::Prospect => false,
                Lifecycle::Customer => true,
                Lifecycle::Former => self.left_on.is_some_and(|l| l > start),
            }
    }

    /// Became a customer by `end` (and can be placed in time).
    pub fn started_by(&self, end: NaiveDate) -> bool {
        self.customer_since.is_none_or(|s| s <= end)
            && match self.lifecycle {
                Lifecycle::Prospect => false,
                Lifecycle::Customer => true,
                Lifecycle::Former => self.left_on.is_some(),
            }
    }

    /// Year the account became a customer.
    pub fn cohort(&self) -> Option<i32> {
        self.customer_since.map(|d| d.year())
    }

    pub fn in_segment(&self, segment: Option<Segment>) -> bool {
        segment.is_none() || self.segment == segment
    }
}

/// What the database counts for one period and segment (store::scorecard): these need the
/// touchpoints, commitments and NPS tables, which are too big to load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PeriodCounts {
    /// Touchpoints in the period with accounts that were customers on the day.
    pub touchpoints: u64,
    /// Customer accounts at the period's end touched (while customers) in its last 90 days.
    pub touched_recently: u64,
    /// Commitments due in the period (up to today for the quarter under way).
    pub commitments_due: u64,
    /// Of those, kept on or before their due date.
    pub commitments_kept_on_time: u64,
    /// NPS responses given in the period.
    pub nps: NpsSummary,
}

/// Every account's touchpoints over a window of days, kept only when the account was a
/// customer on the day, sorted. Built from one read of the touchpoints of the window; every
/// touchpoint figure of the scorecard and dashboards is counted from it.
#[derive(Debug, Clone, Default)]
pub struct TouchLog {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    by_account: std::collections::HashMap<i64, Vec<NaiveDate>>,
}

impl TouchLog {
    /// `touches` are (account id, day) pairs from `from` to `to`; touchpoints of accounts
    /// that were not customers that day (prospects, former customers after they left) are
    /// dropped.
    pub fn new(
        from: NaiveDate,
        to: NaiveDate,
        touches: impl IntoIterator<Item = (i64, NaiveDate)>,
        accounts: &[AccountFacts],
    ) -> TouchLog {
        let index: std::collections::HashMap<i64, &AccountFacts> =
            accounts.iter().map(|a| (a.id, a)).collect();
        let mut by_account: std::collections::HashMap<i64, Vec<NaiveDate>> =
            std::collections::HashMap::new();
        for (id, day) in touches {
            if day < from || day > to {
                continue;
            }
            if index.get(&id).is_some_and(|a| a.customer_on(day)) {
                by_account.entry(id).or_default().push(day);
            }
        }
        for days in by_account.values_mut() {
            days.sort_unstable();
        }
        TouchLog {
            from: Some(from),
            to: Some(to),
            by_account,
        }
    }

    /// Whether the log holds every touchpoint from `from` to `to`.
    pub fn covers(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.from.is_some_and(|f| f <= from) && self.to.is_some_and(|t| t >= to)
    }

    fn days(&self, id: i64) -> &[NaiveDate] {
        self.by_account.get(&id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Touchpoints of an account from `a` to `b`, both included.
    pub fn count(&self, id: i64, a: NaiveDate, b: NaiveDate) -> u64 {
        let d = self.days(id);
        let lo = d.partition_point(|x| *x < a);
        let hi = d.partition_point(|x| *x <= b);
        hi.saturating_sub(lo) as u64
    }

    /// The account's last touchpoint on or before `day`, within the log's window.
    pub fn last_on_or_before(&self, id: i64, day: NaiveDate) -> Option<NaiveDate> {
        let d = self.days(id);
        let i = d.partition_point(|x| *x <= day);
        (i > 0).then(|| d[i - 1])
    }

    /// Touched from `a` to `b`, both included.
    pub fn touched(&self, id: i64, a: NaiveDate, b: NaiveDate) -> bool {
        self.count(id, a, b) > 0
    }

    /// How many touchpoints the log holds.
    pub fn len(&self) -> usize {
        self.by_account.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// NPS answers and commitments counted per day (store::scorecard), for one segment.
#[derive(Debug, Clone, Default)]
pub struct DailyCounts {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Promoters, passives and detractors answering on the day.
    pub nps: BTreeMap<NaiveDate, [u64; 3]>,
    /// Commitments due on the day, and of those kept on or before it.
    pub commitments: BTreeMap<NaiveDate, [u64; 2]>,
}

impl DailyCounts {
    pub fn covers(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.from.is_some_and(|f| f <= from) && self.to.is_some_and(|t| t >= to)
    }

    pub fn nps_between(&self, a: NaiveDate, b: NaiveDate) -> NpsSummary {
        let mut sum = [0u64; 3];
        for v in self.nps.range(a..=b).map(|(_, v)| v) {
            for k in 0..3 {
                sum[k] += v[k];
            }
        }
        NpsSummary::from_counts(sum[0], sum[1], sum[2])
    }

    pub fn commitments_between(&self, a: NaiveDate, b: NaiveDate) -> [u64; 2] {
        self.commitments
            .range(a..=b)
            .fold([0, 0], |acc, (_, v)| [acc[0] + v[0], acc[1] + v[1]])
    }
}

/// What the database counts for a period, from the touch log and the daily counts.
pub fn period_counts(
    period: Quarter,
    today: NaiveDate,
    segment: Option<Segment>,
    accounts: &[AccountFacts],
    log: &TouchLog,
    daily: &DailyCounts,
) -> PeriodCounts {
    let (start, end) = (period.start(), period.end_by(today));
    let recent = end - chrono::Days::new(RECENT_DAYS - 1);
    let mut touchpoints = 0;
    let mut touched_recently = 0;
    for a in accounts.iter().filter(|a| a.in_segment(segment)) {
        touchpoints += log.count(a.id, start, end);
        if a.customer_on(end) && log.touched(a.id, recent, end) {
            touched_recently += 1;
        }
    }
    let [due, kept] = daily.commitments_between(start, end);
    PeriodCounts {
        touchpoints,
        touched_recently,
        commitments_due: due,
        commitments_kept_on_time: kept,
        nps: daily.nps_between(start, end),
    }
}

/// Logo and revenue retention over the 12 months to a day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Retention {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Customers on `from`.
    pub base: u64,
    /// Of those, still customers on `to`.
    pub retained: u64,
    pub lost: u64,
    pub base_revenue: i64,
    pub retained_revenue: i64,
    pub lost_revenue: i64,
    pub logo: Option<f64>,
    pub revenue: Option<f64>,
}

impl Retention {
    /// 1 − logo retention.
    pub fn annual_churn(&self) -> Option<f64> {
        self.logo.map(|l| 1.0 - l)
    }
}

/// One year before `d` (29 February becomes 28 February).
pub fn year_before(d: NaiveDate) -> NaiveDate {
    d.checked_sub_months(Months::new(12)).unwrap_or(d)
}

fn ratio(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

/// Which accounts were customers a year before `end`, and which of them still are.
pub fn retention<'a>(
    accounts: impl IntoIterator<Item = &'a AccountFacts>,
    end: NaiveDate,
) -> Retention {
    let from = year_before(end);
    let mut r = Retention {
        from: Some(from),
        to: Some(end),
        ..Default::default()
    };
    for a in accounts.into_iter().filter(|a| a.customer_on(from)) {
        r.base += 1;
        r.base_revenue += a.revenue;
        if a.customer_on(end) {
            r.retained += 1;
            r.retained_revenue += a.revenue;
        } else {
            r.lost += 1;
            r.lost_revenue += a.revenue;
        }
    }
    r.logo = ratio(r.retained as f64, r.base as f64);
    r.revenue = ratio(r.retained_revenue as f64, r.base_revenue as f64);
    r
}

/// Expected customer lifetime in years from the annual logo churn: 1 ÷ churn, at most 10.
pub fn expected_lifetime(annual_churn: f64) -> f64 {
    if annual_churn <= 0.0 {
        MAX_LIFETIME_YEARS
    } else {
        (1.0 / annual_churn).min(MAX_LIFETIME_YEARS)
    }
}

/// Customer lifetime value = average annual margin × expected lifetime.
pub fn lifetime_value(average_margin: f64, annual_churn: f64) -> f64 {
    average_margin * expected_lifetime(annual_churn)
}

/// Retention of one cohort (the year accounts became customers) at a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortRow {
    /// `None`: accounts without a customer-since date.
    pub cohort: Option<i32>,
    pub accounts: u64,
    pub still_customers: u64,
    pub lost: u64,
    pub revenue: i64,
    pub retained_revenue: i64,
    pub logo: Option<f64>,
    pub revenue_retention: Option<f64>,
}

/// Every cohort that had started by `end`, oldest first (unknown start last).
pub fn cohorts<'a>(
    accounts: impl IntoIterator<Item = &'a AccountFacts>,
    end: NaiveDate,
) -> Vec<CohortRow> {
    let mut by: BTreeMap<(bool, i32), CohortRow> = BTreeMap::new();
    for a in accounts.into_iter().filter(|a| a.started_by(end)) {
        let c = a.cohort();
        let row = by
            .entry((c.is_none(), c.unwrap_or(0)))
            .or_insert_with(|| CohortRow {
                cohort: c,
                accounts: 0,
                still_customers: 0,
                lost: 0,
                revenue: 0,
                retained_revenue: 0,
                logo: None,
                revenue_retention: None,
            });
        row.accounts += 1;
        row.revenue += a.revenue;
        if a.customer_on(end) {
            row.still_customers += 1;
            row.retained_revenue += a.revenue;
        } else {
            row.lost += 1;
        }
    }
    by.into_values()
        .map(|mut r| {
            r.logo = ratio(r.still_customers as f64, r.accounts as f64);
            r.revenue_retention = ratio(r.retained_revenue as f64, r.revenue as f64);
            r
        })
        .collect()
}

/// The figures of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodFigures {
    pub period: Quarter,
    /// The last day counted: the quarter's end, or today for the quarter under way.
    pub end: NaiveDate,
    /// Accounts that were customers on at least one day of the period.
    pub customers: u64,
    pub touchpoints: u64,
    pub touchpoints_per_account: Option<f64>,
    /// Customer accounts on the last day.
    pub customers_at_end: u64,
    pub touched_recently: u64,
    /// Share (0–1) of `customers_at_end` touched in the 90 days up to `end`.
    pub coverage: Option<f64>,
    pub commitments_due: u64,
    pub commitments_kept_on_time: u64,
    pub kept_on_time: Option<f64>,
    pub nps: NpsSummary,
    pub retention: Retention,
    /// Annual revenue and margin of the customers at the end (today's figures).
    pub revenue: i64,
    pub margin: i64,
    pub average_margin: Option<f64>,
    pub margin_ratio: Option<f64>,
    pub expected_lifetime_years: Option<f64>,
    pub lifetime_value: Option<f64>,
}

impl PeriodFigures {
    /// The period's figures from its accounts (already limited to the segment) and counts.
    pub fn compute(
        period: Quarter,
        today: NaiveDate,
        accounts: &[&AccountFacts],
        counts: &PeriodCounts,
    ) -> PeriodFigures {
        let end = period.end_by(today);
        let customers = accounts
            .iter()
            .filter(|a| a.customer_during(period.start(), end))
            .count() as u64;
        let at_end: Vec<&&AccountFacts> = accounts.iter().filter(|a| a.customer_on(end)).collect();
        let revenue: i64 = at_end.iter().map(|a| a.revenue).sum();
        let margin: i64 = at_end.iter().map(|a| a.margin).sum();
        let average_margin = ratio(margin as f64, at_end.len() as f64);
        let retention = retention(accounts.iter().copied(), end);
        let lifetime = retention.annual_churn().map(expected_lifetime);
        PeriodFigures {
            period,
            end,
            customers,
            touchpoints: counts.touchpoints,
            touchpoints_per_account: ratio(counts.touchpoints as f64, customers as f64),
            customers_at_end: at_end.len() as u64,
            touched_recently: counts.touched_recently,
            coverage: ratio(counts.touched_recently as f64, at_end.len() as f64),
            commitments_due: counts.commitments_due,
            commitments_kept_on_time: counts.commitments_kept_on_time,
            kept_on_time: ratio(
                counts.commitments_kept_on_time as f64,
                counts.commitments_due as f64,
            ),
            nps: counts.nps,
            retention,
            revenue,
            margin,
            average_margin,
            margin_ratio: ratio(margin as f64, revenue as f64),
            expected_lifetime_years: lifetime,
            lifetime_value: match (average_margin, lifetime) {
                (Some(m), Some(l)) => Some(m * l),
                _ => None,
            },
        }
    }
}

/// Accounts at risk and unprofitable accounts among today's customers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Current {
    pub customers: u64,
    pub revenue: i64,
    pub at_risk: u64,
    pub at_risk_revenue: i64,
    pub unprofitable: u64,
    pub unprofitable_revenue: i64,
    /// The sum of the unprofitable accounts' (negative) margins.
    pub unprofitable_margin: i64,
}

pub fn current<'a>(accounts: impl IntoIterator<Item = &'a AccountFacts>) -> Current {
    let mut c = Current::default();
    for a in accounts
        .into_iter()
        .filter(|a| a.lifecycle == Lifecycle::Customer)
    {
        c.customers += 1;
        c.revenue += a.revenue;
        if a.at_risk {
            c.at_risk += 1;
            c.at_risk_revenue += a.revenue;
        }
        if a.margin < 0 {
            c.unprofitable += 1;
            c.unprofitable_revenue += a.revenue;
            c.unprofitable_margin += a.margin;
        }
    }
    c
}

/// The scorecard for a period and segment, with the trend over the earlier periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    pub period: Quarter,
    pub segment: Option<Segment>,
    pub as_of: NaiveDate,
    /// The earlier periods and the chosen one, oldest first.
    pub periods: Vec<PeriodFigures>,
    /// Cohorts at the chosen period's end.
    pub cohorts: Vec<CohortRow>,
    /// Today's accounts at risk and unprofitable accounts.
    pub now: Current,
}

impl Scorecard {
    /// The periods a scorecard for `period` needs counts for, oldest first.
    pub fn periods_for(period: Quarter) -> Vec<Quarter> {
        (0..=TREND_PERIODS).rev().map(|n| period.back(n)).collect()
    }

    /// `counts` holds one entry per period of `periods_for(period)`, in that order.
    pub fn build(
        period: Quarter,
        segment: Option<Segment>,
        today: NaiveDate,
        accounts: &[AccountFacts],
        counts: &[PeriodCounts],
    ) -> Scorecard {
        let mine: Vec<&AccountFacts> = accounts.iter().filter(|a| a.in_segment(segment)).collect();
        let periods = Scorecard::periods_for(period)
            .into_iter()
            .zip(
                counts
                    .iter()
                    .chain(std::iter::repeat(&PeriodCounts::default())),
            )
            .map(|(p, c)| PeriodFigures::compute(p, today, &mine, c))
            .collect();
        Scorecard {
            period,
            segment,
            as_of: today,
            periods,
            cohorts: cohorts(mine.iter().copied(), period.end_by(today)),
            now: current(mine.iter().copied()),
        }
    }

    /// The chosen period's figures.
    pub fn chosen(&self) -> &PeriodFigures {
        self.periods.last().expect("a scorecard has its period")
    }

    /// The period before the chosen one.
    pub fn previous(&self) -> Option<&PeriodFigures> {
        self.periods.iter().rev().nth(1)
    }
}

crate::text_enum!(
    /// The figures of the scorecard's trend table, in the order shown.
    Figure {
        TouchpointsPerAccount => "touchpoints", "Touchpoints per account";
        Coverage => "coverage", "Accounts touched in the last 90 days";
        KeptOnTime => "commitments", "Commitments kept on time";
        Nps => "nps", "NPS";
        LogoRetention => "logo_retention", "Logo retention, 12 months";
        RevenueRetention => "revenue_retention", "Revenue retention, 12 months";
        AverageMargin => "average_margin", "Average margin per account";
        LifetimeValue => "lifetime_value", "Customer lifetime value";
    }
);

/// How a figure's value reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A share from 0 to 1, shown as a percentage.
    Share,
    /// A count per account, one decimal.
    PerAccount,
    /// −100 to 100.
    Nps,
    /// Whole currency units.
    Money,
}

impl Figure {
    /// Cost to serve, discount and margin are for roles with ReadFinancials only.
    pub fn financial(self) -> bool {
        matches!(self, Figure::AverageMargin | Figure::LifetimeValue)
    }
    pub fn unit(self) -> Unit {
        match self {
            Figure::TouchpointsPerAccount => Unit::PerAccount,
            Figure::Coverage
            | Figure::KeptOnTime
            | Figure::LogoRetention
            | Figure::RevenueRetention => Unit::Share,
            Figure::Nps => Unit::Nps,
            Figure::AverageMargin | Figure::LifetimeValue => Unit::Money,
        }
    }
    /// What the figure is, in one line.
    pub fn definition(self) -> &'static str {
        match self {
            Figure::TouchpointsPerAccount => "Touchpoints in the quarter with accounts that were customers that day, per account that was a customer during the quarter.",
            Figure::Coverage => "Share of customer accounts at the quarter's end with a touchpoint in its last 90 days.",
            Figure::KeptOnTime => "Share of commitments due in the quarter that were kept on or before their due date.",
            Figure::Nps => "% promoters (9–10) − % detractors (0–6) of the responses given in the quarter.",
            Figure::LogoRetention => "Of the accounts that were customers a year before the quarter's end, the share still customers at its end.",
            Figure::RevenueRetention => "The share of those accounts' annual revenue that the retained accounts bring.",
            Figure::AverageMargin => "Mean annual margin (revenue − cost to serve − discount) of the customer accounts at the quarter's end.",
            Figure::LifetimeValue => "Average margin × expected lifetime; expected lifetime = 1 ÷ annual logo churn, at most 10 years.",
        }
    }
    /// The figure's value in a period; `None` when there is nothing to measure.
    pub fn value(self, p: &PeriodFigures) -> Option<f64> {
        match self {
            Figure::TouchpointsPerAccount => p.touchpoints_per_account,
            Figure::Coverage => p.coverage,
            Figure::KeptOnTime => p.kept_on_time,
            Figure::Nps => p.nps.nps,
            Figure::LogoRetention => p.retention.logo,
            Figure::RevenueRetention => p.retention.revenue,
            Figure::AverageMargin => p.average_margin,
            Figure::LifetimeValue => p.lifetime_value,
        }
    }
    /// The counts behind the value, e.g. "412 of 1,530 accounts".
    pub fn basis(self, p: &PeriodFigures) -> String {
        use crate::money::format_amount as n;
        match self {
            Figure::TouchpointsPerAccount => format!(
                "{} touchpoints, {} accounts",
                n(p.touchpoints as i64),
                n(p.customers as i64)
            ),
            Figure::Coverage => format!(
                "{} of {} accounts",
                n(p.touched_recently as i64),
                n(p.customers_at_end as i64)
            ),
            Figure::KeptOnTime => format!(
                "{} of {} due",
                n(p.commitments_kept_on_time as i64),
                n(p.commitments_due as i64)
            ),
            Figure::Nps => format!(
                "{} promoters, {} detractors of {}",
                n(p.nps.promoters as i64),
                n(p.nps.detractors as i64),
                n(p.nps.responses as i64)
            ),
            Figure::LogoRetention => format!(
                "{} of {} accounts",
                n(p.retention.retained as i64),
                n(p.retention.base as i64)
            ),
            Figure::RevenueRetention => format!(
                "{} of {}",
                n(p.retention.retained_revenue),
                n(p.retention.base_revenue)
            ),
            Figure::AverageMargin => format!(
                "{} margin, {} accounts",
                n(p.margin),
                n(p.customers_at_end as i64)
            ),
            Figure::LifetimeValue => match p.expected_lifetime_years {
                Some(y) => format!("expected lifetime {y:.1} years"),
                None => "no customers a year earlier".into(),
            },
        }
    }
    /// Whether a higher value is better (all of them are).
    pub fn higher_is_better(self) -> bool {
        true
    }
}

/// The value as text: `42%`, `3.1`, `+12`, `1,234`; `—` when missing.
pub fn format_value(unit: Unit, v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) => match unit {
            Unit::Share => format!("{:.0}%", v * 100.0),
            Unit::PerAccount => format!("{v:.1}"),
            Unit::Nps => format!("{v:+.0}"),
            Unit::Money => crate::money::format_amount(v.round() as i64),
        },
    }
}

/// The change from `before` to `after` as text: `+3 pts`, `−0.4`, `+1,200`.
pub fn format_change(unit: Unit, before: Option<f64>, after: Option<f64>) -> Option<String> {
    let (b, a) = (before?, after?);
    let d = a - b;
    // Rounded first, so a change that rounds to nothing reads +0, never -0.
    let round = |x: f64, places: i32| {
        let f = 10f64.powi(places);
        (x * f).round() / f + 0.0
    };
    Some(match unit {
        Unit::Share => format!("{:+.0} pts", round(d * 100.0, 0)),
        Unit::PerAccount => format!("{:+.1}", round(d, 1)),
        Unit::Nps => format!("{:+.0}", round(d, 0)),
        Unit::Money => {
            let r = d.round() as i64;
            format!(
                "{}{}",
                if r >= 0 { "+" } else { "" },
                crate::money::format_amount(r)
            )
        }
    })
}

/// Which accounts stand behind an account-based figure of a period (the drill-down lists).
pub fn retention_base(
    accounts: &[AccountFacts],
    segment: Option<Segment>,
    end: NaiveDate,
) -> Vec<&AccountFacts> {
    let from = year_before(end);
    accounts
        .iter()
        .filter(|a| a.in_segment(segment) && a.customer_on(from))
        .collect()
}

pub fn customers_at(
    accounts: &[AccountFacts],
    segment: Option<Segment>,
    day: NaiveDate,
) -> Vec<&AccountFacts> {
    accounts
        .iter()
        .filter(|a| a.in_segment(segment) && a.customer_on(day))
        .collect()
}

pub fn cohort_members(
    accounts: &[AccountFacts],
    segment: Option<Segment>,
    cohort: Option<i32>,
    end: NaiveDate,
) -> Vec<&AccountFacts> {
    accounts
        .iter()
        .filter(|a| a.in_segment(segment) && a.started_by(end) && a.cohort() == cohort)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn acct(
        id: i64,
        lifecycle: Lifecycle,
        since: Option<&str>,
        left: Option<&str>,
        revenue: i64,
        margin: i64,
    ) -> AccountFacts {
        AccountFacts::new(
            id,
            format!("A{id}"),
            Some(if id % 2 == 0 {
                Segment::Enterprise
            } else {
                Segment::Smb
            }),
            lifecycle,
            since.map(d),
            left.map(d),
            revenue,
            margin,
            false,
        )
    }

    #[test]
    fn quarters_parse_print_and_step() {
        let q = Quarter::parse("2026Q3").unwrap();
        assert_eq!(q.to_string(), "2026Q3");
        assert_eq!(q.label(), "Q3 2026");
        for s in ["2026-q3", "Q3 2026", "q3-2026", " 2026 Q3 "] {
            assert_eq!(Quarter::parse(s).unwrap(), q, "{s}");
        }
        for s in ["2026Q5", "2026", "Q3", "26Q3", "abcdQ1", "", "2026Q31"] {
            assert!(Quarter::parse(s).is_err(), "{s}");
        }
        assert_eq!(q.start(), d("2026-07-01"));
        assert_eq!(q.end(), d("2026-09-30"));
        assert_eq!(Quarter::parse("2024Q1").unwrap().end(), d("2024-03-31"));
        assert_eq!(q.back(4).to_string(), "2025Q3");
        assert_eq!(
            Quarter::parse("2026Q1").unwrap().prev().to_string(),
            "2025Q4"
        );
        assert_eq!(
            Quarter::parse("2025Q4").unwrap().next().to_string(),
            "2026Q1"
        );
        assert_eq!(
            Quarter::last_complete(d("2026-11-26")).to_string(),
            "2026Q3"
        );
        assert_eq!(
            Quarter::last_complete(d("2026-01-01")).to_string(),
            "2025Q4"
        );
        assert_eq!(Quarter::containing(d("2026-12-31")).to_string(), "2026Q4");
        assert_eq!(q.end_by(d("2026-08-15")), d("2026-08-15"));
        let trend: Vec<String> = Scorecard::periods_for(q)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(trend, ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]);
    }

    #[test]
    fn who_was_a_customer_when() {
        let c = acct(1, Lifecycle::Customer, Some("2024-03-10"), None, 0, 0);
        assert!(!c.customer_on(d("2024-03-09")));
        assert!(c.customer_on(d("2024-03-10")));
        assert!(c.customer_during(d("2024-01-01"), d("2024-03-31")));
        // A former customer is one from since until (not including) the day it left.
        let f = acct(
            2,
            Lifecycle::Former,
            Some("2020-01-01"),
            Some("2025-06-30"),
            0,
            0,
        );
        assert!(f.customer_on(d("2025-06-29")));
        assert!(!f.customer_on(d("2025-06-30")));
        assert!(f.customer_during(d("2025-04-01"), d("2025-06-30")));
        assert!(!f.customer_during(d("2025-07-01"), d("2025-09-30")));
        // Customers' renewal dates are not departures.
        let renewing = AccountFacts::new(
            3,
            "R".into(),
            None,
            Lifecycle::Customer,
            None,
            Some(d("2020-01-01")),
            0,
            0,
            false,
        );
        assert_eq!(renewing.left_on, None);
        assert!(renewing.customer_on(d("2030-01-01")));
        // Formers without a date, and prospects, never count.
        let lost = acct(4, Lifecycle::Former, Some("2020-01-01"), None, 0, 0);
        assert!(!lost.customer_on(d("2021-01-01")) && !lost.started_by(d("2030-01-01")));
        assert!(!acct(5, Lifecycle::Prospect, None, None, 0, 0).customer_on(d("2021-01-01")));
    }

    /// Five accounts, all in 2026: A since 2023 stays; B since 2024 stays; C since 2023 left
    /// 2026-05-01; D since 2025-12-01 (after the base day) stays; E since 2022 left 2025-01-15
    /// (before the base day).
    fn company() -> Vec<AccountFacts> {
        vec![
            acct(
                1,
                Lifecycle::Customer,
                Some("2023-02-01"),
                None,
                100_000,
                30_000,
            ),
            acct(
                2,
                Lifecycle::Customer,
                Some("2024-06-01"),
                None,
                50_000,
                -10_000,
            ),
            acct(
                3,
                Lifecycle::Former,
                Some("2023-09-01"),
                Some("2026-05-01"),
                50_000,
                5_000,
            ),
            acct(
                4,
                Lifecycle::Customer,
                Some("2025-12-01"),
                None,
                20_000,
                8_000,
            ),
            acct(
                5,
                Lifecycle::Former,
                Some("2022-01-01"),
                Some("2025-01-15"),
                70_000,
                1_000,
            ),
            acct(6, Lifecycle::Prospect, None, None, 0, 0),
        ]
    }

    #[test]
    fn retention_over_twelve_months() {
        let accounts = company();
        let r = retention(&accounts, d("2026-09-30"));
        // Base on 2025-09-30: A, B, C (E had left, D had not started); C left.
        assert_eq!((r.base, r.retained, r.lost), (3, 2, 1));
        assert_eq!(r.base_revenue, 200_000);
        assert_eq!(r.retained_revenue, 150_000);
        assert_eq!(r.logo, Some(2.0 / 3.0));
        assert_eq!(r.revenue, Some(0.75));
        assert!((r.annual_churn().unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(retention(&[], d("2026-09-30")).logo, None);
    }

    #[test]
    fn lifetime_value_is_margin_times_capped_lifetime() {
        assert_eq!(expected_lifetime(0.25), 4.0);
        assert_eq!(expected_lifetime(0.05), 10.0);
        assert_eq!(expected_lifetime(0.0), 10.0);
        assert_eq!(lifetime_value(12_000.0, 0.5), 24_000.0);
        assert_eq!(lifetime_value(12_000.0, 0.0), 120_000.0);
    }

    #[test]
    fn cohorts_by_year_became_customer() {
        let accounts = company();
        let rows = cohorts(&accounts, d("2026-09-30"));
        let years: Vec<Option<i32>> = rows.iter().map(|r| r.cohort).collect();
        assert_eq!(years, [Some(2022), Some(2023), Some(2024), Some(2025)]);
        let c2023 = &rows[1];
        assert_eq!(
            (c2023.accounts, c2023.still_customers, c2023.lost),
            (2, 1, 1)
        );
        assert_eq!(c2023.logo, Some(0.5));
        assert_eq!(c2023.revenue_retention, Some(100_000.0 / 150_000.0));
        assert_eq!(rows[0].logo, Some(0.0));
        // At the end of 2025 the 2023 cohort was still whole, and D had started.
        let rows = cohorts(&accounts, d("2025-12-31"));
        assert_eq!(rows[1].logo, Some(1.0));
        assert_eq!(rows.last().unwrap().accounts, 1);
        // Without a start date, an account is its own cohort, listed last.
        let mut more = accounts.clone();
        more.push(acct(7, Lifecycle::Customer, None, None, 1, 1));
        assert_eq!(cohorts(&more, d("2026-09-30")).last().unwrap().cohort, None);
    }

    #[test]
    fn period_figures_from_accounts_and_counts() {
        let accounts = company();
        let all: Vec<&AccountFacts> = accounts.iter().collect();
        let counts = PeriodCounts {
            touchpoints: 9,
            touched_recently: 2,
            commitments_due: 4,
            commitments_kept_on_time: 3,
            nps: NpsSummary::from_counts(2, 1, 1),
        };
        let q = Quarter::parse("2026Q2").unwrap();
        let p = PeriodFigures::compute(q, d("2026-11-26"), &all, &counts);
        // During Q2 2026: A, B, C (left 1 May), D. At the end (30 June): A, B, D.
        assert_eq!(p.customers, 4);
        assert_eq!(p.touchpoints_per_account, Some(2.25));
        assert_eq!(p.customers_at_end, 3);
        assert_eq!(p.coverage, Some(2.0 / 3.0));
        assert_eq!(p.kept_on_time, Some(0.75));
        assert_eq!(p.nps.nps, Some(25.0));
        assert_eq!(p.revenue, 170_000);
        assert_eq!(p.margin, 28_000);
        assert_eq!(p.average_margin, Some(28_000.0 / 3.0));
        // Base on 2025-06-30: A, B, C; C left → churn 1/3, lifetime 3 years.
        assert_eq!(p.retention.logo, Some(2.0 / 3.0));
        assert!((p.expected_lifetime_years.unwrap() - 3.0).abs() < 1e-9);
        assert!((p.lifetime_value.unwrap() - 28_000.0).abs() < 1e-6);
        assert!(
            Figure::Coverage.basis(&p).contains("2 of 3"),
            "{}",
            Figure::Coverage.basis(&p)
        );
        // Nothing to measure is "no value", not zero.
        let empty = PeriodFigures::compute(q, d("2026-11-26"), &[], &PeriodCounts::default());
        assert_eq!(empty.coverage, None);
        assert_eq!(empty.kept_on_time, None);
        assert_eq!(empty.lifetime_value, None);
    }

    #[test]
    fn the_scorecard_keeps_to_its_segment_and_has_five_periods() {
        let mut accounts = company();
        accounts[0].at_risk = true;
        let q = Quarter::parse("2026Q3").unwrap();
        let counts = vec![PeriodCounts::default(); 5];
        let all = Scorecard::build(q, None, d("2026-11-26"), &accounts, &counts);
        assert_eq!(all.periods.len(), 5);
        assert_eq!(all.chosen().period, q);
        assert_eq!(all.previous().unwrap().period.to_string(), "2026Q2");
        assert_eq!(all.chosen().customers_at_end, 3);
        // Today: A (at risk), B (unprofitable), D.
        assert_eq!(all.now.customers, 3);
        assert_eq!((all.now.at_risk, all.now.at_risk_revenue), (1, 100_000));
        assert_eq!(
            (
                all.now.unprofitable,
                all.now.unprofitable_revenue,
                all.now.unprofitable_margin
            ),
            (1, 50_000, -10_000)
        );
        // Even ids are enterprise: B (2), D (4), the prospect.
        let ent = Scorecard::build(
            q,
            Some(Segment::Enterprise),
            d("2026-11-26"),
            &accounts,
            &counts,
        );
        assert_eq!(ent.chosen().customers_at_end, 2);
        assert_eq!(ent.now.at_risk, 0);
        assert_eq!(ent.chosen().retention.base, 1);
        let members = cohort_members(&accounts, Some(Segment::Smb), Some(2023), q.end());
        assert_eq!(members.iter().map(|a| a.id).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(retention_base(&accounts, None, q.end()).len(), 3);
        assert_eq!(customers_at(&accounts, None, q.end()).len(), 3);
    }

    #[test]
    fn values_and_changes_read_well() {
        assert_eq!(format_value(Unit::Share, Some(0.4249)), "42%");
        assert_eq!(format_value(Unit::PerAccount, Some(3.06)), "3.1");
        assert_eq!(format_value(Unit::Nps, Some(12.0)), "+12");
        assert_eq!(format_value(Unit::Money, Some(12345.6)), "12,346");
        assert_eq!(format_value(Unit::Money, None), "—");
        assert_eq!(
            format_change(Unit::Share, Some(0.40), Some(0.43)).unwrap(),
            "+3 pts"
        );
        assert_eq!(
            format_change(Unit::Money, Some(1000.0), Some(-200.0)).unwrap(),
            "-1,200"
        );
        assert_eq!(format_change(Unit::Nps, None, Some(1.0)), None);
        assert_eq!(
            format_change(Unit::Share, Some(0.494), Some(0.490)).unwrap(),
            "+0 pts"
        );
        assert_eq!(
            format_change(Unit::PerAccount, Some(1.04), Some(1.0)).unwrap(),
            "+0.0"
        );
        assert!(Figure::AverageMargin.financial() && !Figure::Nps.financial());
    }

    #[test]
    fn the_touch_log_keeps_customer_touchpoints_and_counts_them() {
        let accounts = company();
        let touches = [
            (1, "2026-07-10"),
            (1, "2026-09-20"),
            (1, "2026-06-15"),
            (2, "2026-05-01"),
            // After Charlie (3) left on 2026-05-01; before Delta (4) became a customer.
            (3, "2026-07-05"),
            (3, "2026-04-10"),
            (4, "2026-08-01"),
            (4, "2025-11-20"),
            // A prospect, and a day outside the window.
            (6, "2026-08-01"),
            (1, "2024-01-01"),
        ]
        .map(|(id, day)| (id, d(day)));
        let log = TouchLog::new(d("2025-07-01"), d("2026-11-26"), touches, &accounts);
        assert_eq!(log.len(), 6);
        assert!(
            log.covers(d("2025-10-01"), d("2026-11-26"))
                && !log.covers(d("2025-01-01"), d("2026-01-01"))
        );
        assert_eq!(log.count(1, d("2026-07-01"), d("2026-09-30")), 2);
        assert_eq!(log.count(3, d("2026-01-01"), d("2026-12-31")), 1);
        assert_eq!(log.count(4, d("2025-01-01"), d("2026-12-31")), 1);
        assert_eq!(
            log.last_on_or_before(1, d("2026-09-19")),
            Some(d("2026-07-10"))
        );
        assert_eq!(log.last_on_or_before(2, d("2026-04-30")), None);
        let mut daily = DailyCounts {
            from: Some(d("2025-07-01")),
            to: Some(d("2026-11-26")),
            ..Default::default()
        };
        daily.nps.insert(d("2026-08-01"), [1, 0, 0]);
        daily.nps.insert(d("2026-09-10"), [0, 1, 1]);
        daily.nps.insert(d("2026-04-01"), [0, 0, 1]);
        daily.commitments.insert(d("2026-08-15"), [2, 1]);
        daily.commitments.insert(d("2026-10-15"), [1, 0]);
        let q3 = Quarter::parse("2026Q3").unwrap();
        let c = period_counts(q3, d("2026-11-26"), None, &accounts, &log, &daily);
        assert_eq!((c.touchpoints, c.touched_recently), (3, 2));
        assert_eq!((c.commitments_due, c.commitments_kept_on_time), (2, 1));
        assert_eq!(
            (c.nps.promoters, c.nps.passives, c.nps.detractors),
            (1, 1, 1)
        );
        // Even ids are enterprise: Bravo (untouched in Q3) and Delta.
        let e = period_counts(
            q3,
            d("2026-11-26"),
            Some(Segment::Enterprise),
            &accounts,
            &log,
            &daily,
        );
        assert_eq!((e.touchpoints, e.touched_recently), (1, 1));
        // The quarter under way counts up to today.
        let q4 = period_counts(q3.next(), d("2026-10-10"), None, &accounts, &log, &daily);
        assert_eq!(q4.commitments_due, 0);
    }
}
