//! Deterministic demo company (F6).
//!
//! The customer base of "Beacon", an invented vendor of customer-operations software, generated
//! from a seed: accounts, their contacts, touchpoints, commitments and NPS responses, as rows in
//! the canonical CSV layout of each [`ImportKind`] so they go through the same validation as a
//! real import.
//!
//! Every account's properties come from `(seed, account index)` alone, and each kind has its own
//! random stream per account, so kinds can be generated in any order and in chunks of any size.
//! Only integer and exactly rounded float arithmetic is used (no `ln`, `exp` or `powf`), so the
//! same seed and scale give byte-identical rows on every machine. Dates are offsets from
//! `DemoOptions::today`, so the data always looks current.

use crate::account::{Lifecycle, Region, Segment};
use crate::commitment::CommitmentStatus;
use crate::contact::{ContactRole, ReferenceConsent};
use crate::import::ImportKind;
use crate::nps::NpsBucket;
use crate::rng::Rng;
use crate::touchpoint::TouchpointKind;
use chrono::{Datelike, Days, Months, NaiveDate};
use std::collections::{HashSet, VecDeque};
use std::fmt::Write as _;

/// What to generate: the same options always give the same rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoOptions {
    pub seed: u64,
    /// 1.0 is 2,000 accounts; clamped to [0.001, 100].
    pub scale: f64,
    /// Dates are relative to this day.
    pub today: NaiveDate,
}

/// A resumable generator of demo rows, one cursor per [`ImportKind`].
pub struct Demo {
    seed: u64,
    today: NaiveDate,
    /// Unique account names, by account index.
    names: Vec<String>,
    /// Global number of each account's first contact; `len = accounts + 1`.
    contact_start: Vec<u32>,
    cursors: [Cursor; 5],
    /// Note templates by `kind * 3 + tone`.
    note_index: Vec<Vec<u16>>,
}

#[derive(Default)]
struct Cursor {
    next_account: usize,
    serial: u64,
    pending: VecDeque<Vec<String>>,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("seed", &self.seed)
            .field("today", &self.today)
            .field("accounts", &self.names.len())
            .finish_non_exhaustive()
    }
}

const ACCOUNT_SALT: u64 = 0x6163_636f_756e_7473;
const CONTACT_SALT: u64 = 0x636f_6e74_6163_7473;
const TOUCH_SALT: u64 = 0x746f_7563_6870_7473;
const COMMIT_SALT: u64 = 0x636f_6d6d_6974_6d74;
const NPS_SALT: u64 = 0x6e70_735f_7265_7370;

/// `Rng::pick` for string tables, returning the `&'static str` itself.
trait PickStr {
    fn one(&mut self, items: &[&'static str]) -> &'static str;
}

impl PickStr for Rng {
    fn one(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// The random stream of one account for one purpose.
fn rng_for(seed: u64, index: usize, salt: u64) -> Rng {
    let key = seed
        ^ salt
        ^ (index as u64)
            .wrapping_add(1)
            .wrapping_mul(0xD1B5_4A32_D192_ED03);
    // One extra mixing step so neighbouring accounts do not get overlapping streams.
    Rng::new(Rng::new(key).next_u64())
}

impl Demo {
    /// Panics never; scale is clamped to [0.001, 100].
    pub fn new(options: DemoOptions) -> Demo {
        let scale = if options.scale.is_nan() {
            1.0
        } else {
            options.scale.clamp(0.001, 100.0)
        };
        let count = ((2000.0 * scale).round() as usize).max(5);
        let mut names = Vec::with_capacity(count);
        let mut contact_start = Vec::with_capacity(count + 1);
        let mut seen: HashSet<String> = HashSet::with_capacity(count);
        let mut contacts: u32 = 0;
        for i in 0..count {
            let p = profile(options.seed, options.today, i);
            names.push(unique_name(&p, &mut seen));
            contact_start.push(contacts);
            contacts += p.n_contacts;
        }
        contact_start.push(contacts);
        let mut note_index = vec![Vec::new(); KINDS.len() * 3];
        for (t, (mask, tone, _)) in NOTE_TEMPLATES.iter().enumerate() {
            for (k, list) in note_index.chunks_mut(3).enumerate() {
                if mask & (1 << k) != 0 {
                    list[*tone as usize].push(t as u16);
                }
            }
        }
        Demo {
            seed: options.seed,
            today: options.today,
            names,
            contact_start,
            cursors: Default::default(),
            note_index,
        }
    }

    /// The kinds this generator writes rows for, in import order. Reviews and buyer-journey
    /// sources need third parties, so the store seeds them after the customers.
    pub const KINDS: &'static [ImportKind] = &[
        ImportKind::Accounts,
        ImportKind::Contacts,
        ImportKind::Touchpoints,
        ImportKind::Commitments,
        ImportKind::Nps,
    ];

    /// round(2000 × scale), at least 5.
    pub fn account_count(&self) -> usize {
        self.names.len()
    }

    /// The next rows of one kind, at most `max_rows` (0 counts as 1), each row's cells in the
    /// order of `kind.header()`. Empty when the kind is exhausted. Kinds are independent.
    pub fn next_chunk(&mut self, kind: ImportKind, max_rows: usize) -> Vec<Vec<String>> {
        if !Self::KINDS.contains(&kind) {
            return Vec::new();
        }
        let max_rows = max_rows.max(1);
        let slot = kind_slot(kind);
        let mut out = Vec::with_capacity(max_rows.min(1024));
        while out.len() < max_rows {
            if let Some(row) = self.cursors[slot].pending.pop_front() {
                out.push(row);
                continue;
            }
            let i = self.cursors[slot].next_account;
            if i >= self.names.len() {
                break;
            }
            let mut serial = self.cursors[slot].serial;
            let rows = match kind {
                ImportKind::Accounts => vec![self.account_row(i)],
                ImportKind::Contacts => self.contact_rows(i),
                ImportKind::Touchpoints => self.touchpoint_rows(i, &mut serial),
                ImportKind::Commitments => self.commitment_rows(i, &mut serial),
                ImportKind::Nps => self.nps_rows(i, &mut serial),
                ImportKind::Reviews | ImportKind::Sources | ImportKind::Evidence => Vec::new(),
            };
            let cursor = &mut self.cursors[slot];
            cursor.serial = serial;
            cursor.next_account = i + 1;
            cursor.pending.extend(rows);
        }
        out
    }

    /// The products of the demo vendor, as they appear in the accounts' `products` column.
    pub fn product_names() -> &'static [&'static str] {
        PRODUCTS
    }

    fn profile(&self, i: usize) -> Profile {
        profile(self.seed, self.today, i)
    }

    fn date(&self, offset: i64) -> String {
        format_date(add_days(self.today, offset))
    }

    fn account_row(&self, i: usize) -> Vec<String> {
        let p = self.profile(i);
        let customer_like = p.lifecycle != Lifecycle::Prospect;
        let products = if customer_like {
            let mut s = String::new();
            for (n, idx) in p.products().iter().enumerate() {
                if n > 0 {
                    s.push_str("; ");
                }
                s.push_str(PRODUCTS[*idx as usize]);
            }
            s
        } else {
            String::new()
        };
        vec![
            account_ext(i),
            self.names[i].clone(),
            INDUSTRIES[p.industry].name.to_string(),
            REGIONS[p.region].as_str().to_string(),
            p.country.name.to_string(),
            p.city.to_string(),
            p.employees.to_string(),
            p.segment.as_str().to_string(),
            p.lifecycle.as_str().to_string(),
            products,
            p.revenue.to_string(),
            p.cost.to_string(),
            p.discount.to_string(),
            p.since.map(|d| self.date(d)).unwrap_or_default(),
            p.renewal.map(|d| self.date(d)).unwrap_or_default(),
            STAFF[p.owner].0.to_string(),
            if p.at_risk { "yes" } else { "no" }.to_string(),
            p.risk_reason,
            private_note(i, customer_like),
            // Competitor replaced: set later by the advocate program's demo seed.
            String::new(),
        ]
    }

    fn contact_ext(&self, i: usize, j: usize) -> String {
        format!("con-{:07}", self.contact_start[i] as usize + j + 1)
    }

    fn contact_rows(&self, i: usize) -> Vec<Vec<String>> {
        let p = self.profile(i);
        let contacts = contacts_of(self.seed, i, &p);
        let domain = domain_of(&self.names[i]);
        let acc = account_ext(i);
        let mut rows = Vec::with_capacity(contacts.len());
        for (j, c) in contacts.iter().enumerate() {
            let mut email = String::with_capacity(40);
            slug_into(&mut email, c.first, true);
            email.push('.');
            slug_into(&mut email, c.last, true);
            email.push('@');
            email.push_str(&domain);
            let mut topics = String::new();
            for (n, t) in c.topics[..c.n_topics].iter().enumerate() {
                if n > 0 {
                    topics.push_str("; ");
                }
                topics.push_str(TOPICS[*t]);
            }
            rows.push(vec![
                self.contact_ext(i, j),
                acc.clone(),
                format!("{} {}", c.first, c.last),
                c.title.to_string(),
                ROLES[c.role].as_str().to_string(),
                email,
                c.phone.clone(),
                c.city.to_string(),
                topics,
                c.consent.as_str().to_string(),
                if c.dnc { "yes" } else { "no" }.to_string(),
                c.link.clone().unwrap_or_default(),
                c.audience.map(|a| a.to_string()).unwrap_or_default(),
                languages_of(p.country.name, c.city),
            ]);
        }
        rows
    }

    fn touchpoint_rows(&self, i: usize, serial: &mut u64) -> Vec<Vec<String>> {
        let p = self.profile(i);
        let contacts = contacts_of(self.seed, i, &p);
        let mut r = rng_for(self.seed, i, TOUCH_SALT);
        let (start, end) = p.touch_window();
        let acc = account_ext(i);
        let products = p.products();
        let industry = &INDUSTRIES[p.industry];
        let owner_first = first_word(STAFF[p.owner].0);
        let prospect = p.lifecycle == Lifecycle::Prospect;
        let mut items: Vec<(i64, Vec<String>)> = Vec::with_capacity(p.n_touch as usize);
        for _ in 0..p.n_touch {
            // A mild bias toward recent activity: the later of two draws, a third of the time.
            let mut u = r.unit();
            if r.chance(0.33) {
                u = u.max(r.unit());
            }
            let day = (start + ((end - start + 1) as f64 * u) as i64).min(end);
            let kind_idx = r.weighted(if prospect {
                &PROSPECT_KIND_WEIGHTS
            } else {
                &KIND_WEIGHTS
            });
            let staff = match r.weighted(&[55, 30, 15]) {
                0 => p.owner,
                1 => staff_in_region(&mut r, p.region),
                _ => r.below(STAFF.len() as u64) as usize,
            };
            let mut linked = [usize::MAX; 2];
            let n_linked = match r.weighted(&[15, 70, 15]) {
                0 => 0,
                1 => 1,
                _ => contacts.len().min(2),
            };
            for k in 0..n_linked {
                loop {
                    let c = r.below(contacts.len() as u64) as usize;
                    if k == 0 || c != linked[0] {
                        linked[k] = c;
                        break;
                    }
                }
            }
            let mut ids = String::new();
            for (k, c) in linked[..n_linked].iter().enumerate() {
                if k > 0 {
                    ids.push(';');
                }
                ids.push_str(&self.contact_ext(i, *c));
            }
            let mut notes = String::new();
            if !r.chance(0.07) {
                let template = if prospect {
                    r.one(PROSPECT_NOTES)
                } else {
                    let tone = self.tone(&mut r, &p, kind_idx, day);
                    let list = &self.note_index[kind_idx * 3 + tone];
                    NOTE_TEMPLATES[*r.pick(list) as usize].2
                };
                let person = if n_linked > 0 {
                    linked[0]
                } else {
                    r.below(contacts.len() as u64) as usize
                };
                let ctx = Ctx {
                    person: contacts[person].first,
                    product: PRODUCTS[*r.pick(products) as usize],
                    other_product: other_product(&mut r, products),
                    topic: r.one(TOPICS),
                    team: r.one(industry.teams),
                    industry,
                    city: p.city,
                    owner: owner_first,
                    base: add_days(self.today, day),
                };
                notes.reserve(160);
                fill(&mut notes, template, &mut r, &ctx);
            }
            items.push((
                day,
                vec![
                    String::new(),
                    acc.clone(),
                    KINDS[kind_idx].as_str().to_string(),
                    self.date(day),
                    STAFF[staff].0.to_string(),
                    ids,
                    notes,
                ],
            ));
        }
        items.sort_by_key(|(day, _)| *day);
        items
            .into_iter()
            .map(|(_, mut row)| {
                *serial += 1;
                row[0] = format!("tp-{:07}", *serial);
                row
            })
            .collect()
    }

    /// Positive, neutral or negative, by the account's health and what was happening then.
    fn tone(&self, r: &mut Rng, p: &Profile, kind_idx: usize, day: i64) -> usize {
        let troubled = (p.at_risk && day > -150)
            || (p.lifecycle == Lifecycle::Former
                && p.renewal.is_some_and(|churn| day > churn - 180));
        let mut weights = if troubled {
            [8, 32, 60]
        } else {
            let h = p.health;
            [(8.0 + 37.0 * h) as u32, 50, (4.0 + 36.0 * (1.0 - h)) as u32]
        };
        if KINDS[kind_idx] == TouchpointKind::SupportCase {
            weights[2] *= 2;
        }
        r.weighted(&weights)
    }

    fn commitment_rows(&self, i: usize, serial: &mut u64) -> Vec<Vec<String>> {
        let p = self.profile(i);
        if p.n_commit == 0 {
            return Vec::new();
        }
        let contacts = contacts_of(self.seed, i, &p);
        let mut r = rng_for(self.seed, i, COMMIT_SALT);
        let (start, end) = p.commit_window();
        let acc = account_ext(i);
        let products = p.products();
        let industry = &INDUSTRIES[p.industry];
        let former = p.lifecycle == Lifecycle::Former;
        let mut items: Vec<(i64, Vec<String>)> = Vec::with_capacity(p.n_commit as usize);
        for _ in 0..p.n_commit {
            let due = r.range(start, end);
            let (status, closed) = if due >= 0 {
                (CommitmentStatus::Open, None)
            } else {
                let weights = if former {
                    [60, 40, 0]
                } else if p.at_risk {
                    [50, 30, 20]
                } else {
                    [70, 15, 15]
                };
                match r.weighted(&weights) {
                    0 => {
                        let closed = if r.chance(0.72) {
                            due - r.range(0, 14)
                        } else {
                            (due + r.range(1, 30)).min(0)
                        };
                        (CommitmentStatus::Kept, Some(closed))
                    }
                    1 => {
                        let closed = r.chance(0.6).then(|| (due + r.range(3, 45)).min(0));
                        (CommitmentStatus::Missed, closed)
                    }
                    _ => (CommitmentStatus::Open, None),
                }
            };
            let owner = if r.chance(0.6) {
                p.owner
            } else {
                staff_in_region(&mut r, p.region)
            };
            let ctx = Ctx {
                person: contacts[r.below(contacts.len() as u64) as usize].first,
                product: PRODUCTS[*r.pick(products) as usize],
                other_product: other_product(&mut r, products),
                topic: r.one(TOPICS),
                team: r.one(industry.teams),
                industry,
                city: p.city,
                owner: first_word(STAFF[p.owner].0),
                base: add_days(self.today, due),
            };
            let mut description = String::with_capacity(80);
            fill(&mut description, r.one(COMMITMENTS), &mut r, &ctx);
            items.push((
                due,
                vec![
                    String::new(),
                    acc.clone(),
                    description,
                    STAFF[owner].0.to_string(),
                    self.date(due),
                    status.as_str().to_string(),
                    closed.map(|d| self.date(d)).unwrap_or_default(),
                ],
            ));
        }
        items.sort_by_key(|(due, _)| *due);
        items
            .into_iter()
            .map(|(_, mut row)| {
                *serial += 1;
                row[0] = format!("cmt-{:06}", *serial);
                row
            })
            .collect()
    }

    fn nps_rows(&self, i: usize, serial: &mut u64) -> Vec<Vec<String>> {
        let p = self.profile(i);
        if p.n_nps == 0 {
            return Vec::new();
        }
        let contacts = contacts_of(self.seed, i, &p);
        let mut r = rng_for(self.seed, i, NPS_SALT);
        let (start, end) = p.nps_window();
        let acc = account_ext(i);
        let products = p.products();
        let industry = &INDUSTRIES[p.industry];
        let mut items: Vec<(i64, Vec<String>)> = Vec::with_capacity(p.n_nps as usize);
        for _ in 0..p.n_nps {
            let day = r.range(start, end);
            let score = nps_score(&mut r, &p, day);
            let contact = r
                .chance(0.8)
                .then(|| r.below(contacts.len() as u64) as usize);
            let bucket = NpsBucket::of(score);
            let (pool, p_comment) = comment_pool(bucket);
            let mut comment = String::new();
            if r.chance(p_comment) {
                let ctx = Ctx {
                    person: contacts[contact.unwrap_or(0)].first,
                    product: PRODUCTS[*r.pick(products) as usize],
                    other_product: other_product(&mut r, products),
                    topic: r.one(TOPICS),
                    team: r.one(industry.teams),
                    industry,
                    city: p.city,
                    owner: first_word(STAFF[p.owner].0),
                    base: add_days(self.today, day),
                };
                comment.reserve(120);
                fill(&mut comment, r.one(pool), &mut r, &ctx);
            }
            items.push((
                day,
                vec![
                    String::new(),
                    acc.clone(),
                    contact.map(|c| self.contact_ext(i, c)).unwrap_or_default(),
                    score.to_string(),
                    comment,
                    self.date(day),
                ],
            ));
        }
        items.sort_by_key(|(day, _)| *day);
        items
            .into_iter()
            .map(|(_, mut row)| {
                *serial += 1;
                row[0] = format!("nps-{:07}", *serial);
                row
            })
            .collect()
    }
}

fn kind_slot(kind: ImportKind) -> usize {
    match kind {
        ImportKind::Accounts => 0,
        ImportKind::Contacts => 1,
        ImportKind::Touchpoints => 2,
        ImportKind::Commitments => 3,
        ImportKind::Nps => 4,
        ImportKind::Reviews | ImportKind::Sources | ImportKind::Evidence => {
            unreachable!("{kind} is not generated")
        }
    }
}

fn account_ext(i: usize) -> String {
    format!("acc-{:06}", i + 1)
}

fn first_word(s: &str) -> &str {
    s.split(' ').next().unwrap_or(s)
}

fn add_days(d: NaiveDate, days: i64) -> NaiveDate {
    let moved = if days >= 0 {
        d.checked_add_days(Days::new(days as u64))
    } else {
        d.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    moved.unwrap_or(d)
}

fn add_months(d: NaiveDate, months: i64) -> NaiveDate {
    let moved = if months >= 0 {
        d.checked_add_months(Months::new(months as u32))
    } else {
        d.checked_sub_months(Months::new(months.unsigned_abs() as u32))
    };
    moved.unwrap_or(d)
}

fn format_date(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

// ---------------------------------------------------------------------------------------------
// Accounts

struct Profile {
    base_name: String,
    industry: usize,
    region: usize,
    country: &'static Country,
    city: &'static str,
    employees: i64,
    segment: Segment,
    lifecycle: Lifecycle,
    /// Product indices, ascending; prospects have the ones they are evaluating.
    products: [u8; 4],
    n_products: usize,
    revenue: i64,
    cost: i64,
    discount: i64,
    /// Days from today.
    since: Option<i64>,
    /// Days from today; for former customers the day they left.
    renewal: Option<i64>,
    owner: usize,
    at_risk: bool,
    risk_reason: String,
    /// 0 (unhappy) to 1 (delighted): drives NPS and the tone of notes.
    health: f64,
    n_contacts: u32,
    n_touch: u32,
    n_nps: u32,
    n_commit: u32,
}

impl Profile {
    fn products(&self) -> &[u8] {
        &self.products[..self.n_products]
    }
    fn touch_window(&self) -> (i64, i64) {
        let (start, end) = match (self.lifecycle, self.since, self.renewal) {
            (Lifecycle::Prospect, _, _) => (-200, 0),
            (Lifecycle::Former, Some(since), Some(churn)) => {
                ((since - 120).max(-1095), (churn + 14).min(0))
            }
            (_, Some(since), _) => ((since - 120).max(-1095), 0),
            _ => (-1095, 0),
        };
        (start.min(end), end)
    }
    fn nps_window(&self) -> (i64, i64) {
        let start = self.since.map_or(-730, |s| (s + 30).max(-730));
        let end = if self.lifecycle == Lifecycle::Former {
            self.renewal.unwrap_or(0)
        } else {
            0
        };
        (start.min(end), end)
    }
    fn commit_window(&self) -> (i64, i64) {
        let start = self.since.map_or(-548, |s| (s + 14).max(-548));
        let end = if self.lifecycle == Lifecycle::Former {
            self.renewal.unwrap_or(0)
        } else {
            92
        };
        (start.min(end), end)
    }
}

fn pick_range(r: &mut Rng, buckets: &[(i64, i64, u32)]) -> i64 {
    let weights: Vec<u32> = buckets.iter().map(|b| b.2).collect();
    let (lo, hi, _) = buckets[r.weighted(&weights)];
    r.range(lo, hi)
}

fn round_to(x: f64, unit: i64) -> i64 {
    (x / unit as f64).round() as i64 * unit
}

fn staff_in_region(r: &mut Rng, region: usize) -> usize {
    let n = STAFF.iter().filter(|s| s.1 == region).count() as u64;
    let k = r.below(n) as usize;
    STAFF
        .iter()
        .enumerate()
        .filter(|(_, s)| s.1 == region)
        .nth(k)
        .map_or(0, |(i, _)| i)
}

fn profile(seed: u64, today: NaiveDate, i: usize) -> Profile {
    let mut r = rng_for(seed, i, ACCOUNT_SALT);
    let industry = r.weighted(&INDUSTRIES.iter().map(|x| x.weight).collect::<Vec<_>>());
    let region = r.weighted(&[40, 32, 18, 10]);
    let countries = COUNTRIES[region];
    let country = &countries[r.weighted(&countries.iter().map(|c| c.weight).collect::<Vec<_>>())];
    let city = r.one(country.cities);

    let segment =
        [Segment::Enterprise, Segment::MidMarket, Segment::Smb][r.weighted(&[20, 40, 40])];
    let employees = match segment {
        Segment::Smb => pick_range(
            &mut r,
            &[(8, 25, 30), (26, 60, 30), (61, 120, 25), (121, 199, 15)],
        ),
        Segment::MidMarket => {
            let e = pick_range(
                &mut r,
                &[
                    (200, 400, 40),
                    (401, 800, 30),
                    (801, 1400, 20),
                    (1401, 1990, 10),
                ],
            );
            (e / 10 * 10).clamp(200, 1990)
        }
        Segment::Enterprise => {
            let e = pick_range(
                &mut r,
                &[
                    (2000, 5000, 45),
                    (5001, 12000, 30),
                    (12001, 40000, 18),
                    (40001, 150000, 7),
                ],
            );
            (e / 100 * 100).max(2000)
        }
    };
    let lifecycle =
        [Lifecycle::Customer, Lifecycle::Prospect, Lifecycle::Former][r.weighted(&[80, 12, 8])];
    let at_risk = lifecycle == Lifecycle::Customer && r.chance(0.085);
    let base_name = base_name(&mut r, industry, region);

    // Products: the workflow core most often, then add-ons.
    let wanted = match segment {
        Segment::Smb => r.weighted(&[55, 35, 10, 0]),
        Segment::MidMarket => r.weighted(&[30, 40, 22, 8]),
        Segment::Enterprise => r.weighted(&[10, 30, 35, 25]),
    } + 1;
    let mut weights = PRODUCT_WEIGHTS;
    let mut products = [0u8; 4];
    for slot in products.iter_mut().take(wanted) {
        let k = r.weighted(&weights);
        weights[k] = 0;
        *slot = k as u8;
    }
    products[..wanted].sort_unstable();

    let (mut revenue, mut cost, mut discount) = (0, 0, 0);
    if lifecycle != Lifecycle::Prospect {
        let e = employees as f64;
        let size = e.sqrt() * e.sqrt().sqrt(); // employees^0.75
        let factor = 0.7 + 0.25 * wanted as f64;
        let noise = 0.6 + 0.9 * r.unit();
        revenue = round_to(900.0 * size * factor * noise, 500).max(3000);
        let unprofitable = r.chance(if at_risk { 0.3 } else { 0.085 });
        let (cost_ratio, discount_ratio) = if unprofitable {
            let d = 0.05 + 0.25 * r.unit();
            (1.02 - d + 0.25 * r.unit(), d)
        } else {
            let c = 0.18 + 0.42 * r.unit();
            let d = if r.chance(0.45) {
                0.0
            } else {
                0.02 + 0.16 * r.unit()
            };
            (c, d)
        };
        cost = round_to(revenue as f64 * cost_ratio, 100);
        discount = round_to(revenue as f64 * discount_ratio, 100);
        if unprofitable && cost + discount <= revenue {
            cost = revenue - discount + 100;
        }
    }

    let (since, renewal) = match lifecycle {
        Lifecycle::Prospect => (None, None),
        Lifecycle::Customer => {
            let u = r.unit();
            let ago = 90 + (3200.0 * u * u.sqrt()) as i64;
            let since = add_days(today, -ago);
            let mut renewal = add_months(since, 12);
            let mut k = 1;
            while (renewal - today).num_days() < -15 && k < 40 {
                k += 1;
                renewal = add_months(since, 12 * k);
            }
            (Some(-ago), Some((renewal - today).num_days()))
        }
        Lifecycle::Former => {
            let churn = -r.range(30, 520);
            let years = r.range(1, 6);
            let since = add_months(add_days(today, churn), -12 * years);
            (Some((since - today).num_days()), Some(churn))
        }
    };

    let owner = if r.chance(0.85) {
        staff_in_region(&mut r, region)
    } else {
        r.below(STAFF.len() as u64) as usize
    };
    let health = match lifecycle {
        _ if at_risk => 0.05 + 0.25 * r.unit(),
        Lifecycle::Customer => 0.45 + 0.55 * r.unit().sqrt(),
        Lifecycle::Former => 0.1 + 0.35 * r.unit(),
        Lifecycle::Prospect => 0.5 + 0.4 * r.unit(),
    };
    let risk_reason = if at_risk {
        let ctx = Ctx {
            person: "",
            product: PRODUCTS[products[r.below(wanted as u64) as usize] as usize],
            other_product: other_product(&mut r, &products[..wanted]),
            topic: r.one(TOPICS),
            team: r.one(INDUSTRIES[industry].teams),
            industry: &INDUSTRIES[industry],
            city,
            owner: "",
            base: today,
        };
        let mut s = String::new();
        fill(&mut s, r.one(RISK_REASONS), &mut r, &ctx);
        s
    } else {
        String::new()
    };

    let seg = match segment {
        Segment::Enterprise => 0,
        Segment::MidMarket => 1,
        Segment::Smb => 2,
    };
    let (lo, hi) = if lifecycle == Lifecycle::Prospect {
        (1, 3)
    } else {
        [(6, 10), (4, 8), (2, 5)][seg]
    };
    let n_contacts = r.range(lo, hi) as u32;

    let mut profile = Profile {
        base_name,
        industry,
        region,
        country,
        city,
        employees,
        segment,
        lifecycle,
        products,
        n_products: wanted,
        revenue,
        cost,
        discount,
        since,
        renewal,
        owner,
        at_risk,
        risk_reason,
        health,
        n_contacts,
        n_touch: 0,
        n_nps: 0,
        n_commit: 0,
    };
    let span = |(a, b): (i64, i64)| (b - a + 1) as f64;
    profile.n_touch = if lifecycle == Lifecycle::Prospect {
        r.range(2, 8) as u32
    } else {
        let base = [133.0, 73.0, 37.0][seg];
        let window = (span(profile.touch_window()) / 1095.0).clamp(0.25, 1.0);
        let busy = if at_risk { 1.25 } else { 1.0 };
        (base * (0.5 + r.unit()) * window * busy).round().max(3.0) as u32
    };
    if lifecycle != Lifecycle::Prospect {
        let base = [23.0, 16.0, 9.0][seg];
        let window = (span(profile.nps_window()) / 730.0).clamp(0.1, 1.0);
        profile.n_nps = (base * (0.6 + 0.8 * r.unit()) * window).round().max(1.0) as u32;
        let (lo, hi) = [(4, 8), (2, 6), (1, 5)][seg];
        let window = (span(profile.commit_window()) / 640.0).clamp(0.2, 1.0);
        profile.n_commit = (r.range(lo, hi) as f64 * window).round().max(1.0) as u32;
    }
    profile
}

fn base_name(r: &mut Rng, industry: usize, region: usize) -> String {
    let noun = r.one(INDUSTRIES[industry].nouns);
    match r.weighted(&[45, 18, 22, 15]) {
        0 => format!("{}{} {}", r.one(NAME_PREFIXES), r.one(NAME_SUFFIXES), noun),
        1 => {
            let a = r.one(NAME_PAIRS);
            let mut b = r.one(NAME_PAIRS);
            while b == a {
                b = r.one(NAME_PAIRS);
            }
            format!("{a} & {b} {noun}")
        }
        2 => format!("{} {}", r.one(NAME_WORDS), noun),
        _ => format!("{} {}", r.one(GEO_WORDS[region]), noun),
    }
}

/// The base name, or a variant of it no earlier account has (compared case-insensitively).
fn unique_name(p: &Profile, seen: &mut HashSet<String>) -> String {
    let base = &p.base_name;
    let mut candidates = [
        base.clone(),
        format!("{base} Group"),
        format!("{base} Holdings"),
        format!("{base} {}", p.city),
    ]
    .into_iter()
    .chain((2..).map(|n| format!("{base} {} {n}", p.city)));
    loop {
        let name = candidates.next().unwrap_or_else(|| base.clone());
        if seen.insert(name.to_lowercase()) {
            return name;
        }
    }
}

/// Lowercase ASCII letters and digits of `s` (accents folded), plus `-` when `keep_hyphen`.
fn slug_into(out: &mut String, s: &str, keep_hyphen: bool) {
    for c in s.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'a'..='z' | '0'..='9' => c,
            '-' if keep_hyphen => c,
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            'ł' => 'l',
            'ś' => 's',
            'ż' | 'ź' => 'z',
            _ => continue,
        };
        out.push(folded);
    }
}

fn domain_of(name: &str) -> String {
    let mut d = String::with_capacity(name.len() + 8);
    slug_into(&mut d, name, false);
    if d.is_empty() {
        d.push_str("customer");
    }
    d.push_str(".example");
    d
}

// ---------------------------------------------------------------------------------------------
// Contacts

struct ContactGen {
    first: &'static str,
    last: &'static str,
    role: usize,
    title: &'static str,
    phone: String,
    city: &'static str,
    topics: [usize; 3],
    n_topics: usize,
    consent: ReferenceConsent,
    dnc: bool,
    link: Option<String>,
    audience: Option<i64>,
}

/// An account's contacts: the same for a seed whichever kind asks.
fn contacts_of(seed: u64, i: usize, p: &Profile) -> Vec<ContactGen> {
    let mut r = rng_for(seed, i, CONTACT_SALT);
    let mut out: Vec<ContactGen> = Vec::with_capacity(p.n_contacts as usize);
    for j in 0..p.n_contacts as usize {
        // Names mostly from the account's region, unique within the account.
        let (mut first, mut last) = ("", "");
        for _ in 0..20 {
            let names = if r.chance(0.8) {
                p.region
            } else {
                r.below(4) as usize
            };
            first = r.one(FIRST_NAMES[names]);
            last = r.one(LAST_NAMES[names]);
            if !out.iter().any(|c| c.first == first && c.last == last) {
                break;
            }
        }
        let role = if j == 0 {
            r.weighted(&[45, 55, 0, 0])
        } else {
            r.weighted(&[12, 10, 28, 50])
        };
        let titles: &[&str] = if role == 0 && p.segment == Segment::Smb {
            SMB_LEADER_TITLES
        } else {
            TITLES[role]
        };
        let mut title = r.one(titles);
        for _ in 0..4 {
            if !out.iter().any(|c| c.title == title) {
                break;
            }
            title = r.one(titles);
        }
        let phone = phone(&mut r, p.country);
        let city = if r.chance(0.85) {
            p.city
        } else {
            r.one(p.country.cities)
        };
        let n_topics = r.range(2, 3) as usize;
        let mut topics = [usize::MAX; 3];
        for k in 0..n_topics {
            let mut t = r.below(TOPICS.len() as u64) as usize;
            while topics[..k].contains(&t) {
                t = r.below(TOPICS.len() as u64) as usize;
            }
            topics[k] = t;
        }
        topics[..n_topics].sort_unstable();
        let dnc = r.chance(0.03);
        let consent_weights = match p.lifecycle {
            _ if dnc => [1, 0, 0],
            Lifecycle::Customer if role == 1 => [35, 30, 35],
            Lifecycle::Customer => [50, 25, 25],
            Lifecycle::Former => [85, 15, 0],
            Lifecycle::Prospect => [90, 10, 0],
        };
        let consent = [
            ReferenceConsent::No,
            ReferenceConsent::AskFirst,
            ReferenceConsent::Yes,
        ][r.weighted(&consent_weights)];
        let (mut link, mut audience) = (None, None);
        if r.chance(0.14) {
            let mut slug = String::new();
            slug_into(&mut slug, first, true);
            slug.push('-');
            slug_into(&mut slug, last, true);
            link = Some(match r.weighted(&[45, 35, 20]) {
                0 => format!(
                    "https://www.linkedin.com/in/{slug}-{:05x}",
                    r.below(0x10_0000)
                ),
                1 => format!("https://{}.blog.example/", slug.replace('-', "")),
                _ => format!("https://podcast.example/guests/{slug}"),
            });
            if r.chance(0.7) {
                audience = Some(pick_range(
                    &mut r,
                    &[(150, 1500, 50), (1501, 10_000, 35), (10_001, 85_000, 15)],
                ));
            }
        }
        out.push(ContactGen {
            first,
            last,
            role,
            title,
            phone,
            city,
            topics,
            n_topics,
            consent,
            dnc,
            link,
            audience,
        });
    }
    out
}

fn phone(r: &mut Rng, country: &Country) -> String {
    if country.phone == "1" {
        // 555-0100 to 555-0199 are reserved for fiction.
        format!("+1 {} 555 01{:02}", r.range(201, 989), r.below(100))
    } else {
        format!(
            "+{} {} {:04} {:04}",
            country.phone,
            r.range(10, 99),
            r.below(10_000),
            r.below(10_000)
        )
    }
}

// ---------------------------------------------------------------------------------------------
// NPS

fn other_product(r: &mut Rng, owned: &[u8]) -> &'static str {
    let missing = PRODUCTS.len() - owned.len();
    if missing == 0 {
        return PRODUCTS[r.below(PRODUCTS.len() as u64) as usize];
    }
    let k = r.below(missing as u64) as usize;
    let idx = (0..PRODUCTS.len())
        .filter(|p| !owned.contains(&(*p as u8)))
        .nth(k)
        .unwrap_or(0);
    PRODUCTS[idx]
}

fn nps_score(r: &mut Rng, p: &Profile, day: i64) -> i64 {
    let mut h = p.health;
    if p.at_risk && day > -180 {
        h *= 0.6;
    }
    if p.lifecycle == Lifecycle::Former && p.renewal.is_some_and(|churn| day > churn - 240) {
        h *= 0.7;
    }
    // Beacon has been getting a little better over the last two years.
    h = (h + 0.06 * (1.0 + day as f64 / 730.0)).clamp(0.0, 1.0);
    let promoter = (0.08 + 0.72 * h).min(0.9);
    let low = 1.0 - h;
    let detractor = 0.03 + 0.55 * low * low.sqrt();
    let u = r.unit();
    if u < promoter {
        if r.chance(0.45) {
            10
        } else {
            9
        }
    } else if u < promoter + detractor {
        let weights: [u32; 7] = if h < 0.25 {
            [6, 4, 6, 7, 8, 9, 10]
        } else {
            [2, 1, 2, 4, 6, 11, 16]
        };
        r.weighted(&weights) as i64
    } else if r.chance(0.4) {
        7
    } else {
        8
    }
}

fn comment_pool(bucket: NpsBucket) -> (&'static [&'static str], f64) {
    match bucket {
        NpsBucket::Promoter => (PROMOTER_COMMENTS, 0.55),
        NpsBucket::Passive => (PASSIVE_COMMENTS, 0.5),
        NpsBucket::Detractor => (DETRACTOR_COMMENTS, 0.75),
    }
}

// ---------------------------------------------------------------------------------------------
// Templates

struct Ctx<'a> {
    person: &'a str,
    product: &'static str,
    /// A product the account does not have yet (any product when it has them all).
    other_product: &'static str,
    topic: &'static str,
    team: &'static str,
    industry: &'static Industry,
    city: &'static str,
    owner: &'a str,
    /// Month names are relative to this day.
    base: NaiveDate,
}

/// Appends `template` with its `{slot}`s filled; false when a slot is unknown.
fn fill(out: &mut String, template: &str, r: &mut Rng, c: &Ctx) -> bool {
    let mut known = true;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').unwrap_or(after.len());
        known &= slot(out, &after[..close], r, c);
        rest = after.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    known
}

fn slot(out: &mut String, name: &str, r: &mut Rng, c: &Ctx) -> bool {
    let text: &str = match name {
        "person" => c.person,
        "product" => c.product,
        "other_product" => c.other_product,
        "topic" => c.topic,
        "team" => c.team,
        "city" => c.city,
        "owner" => c.owner,
        "industry" => c.industry.lower,
        "pain" => r.one(PAINS),
        "wish" => r.one(WISHES),
        "reason" => r.one(BUY_REASONS),
        "outcome" => r.one(OUTCOMES),
        "howto" => r.one(HOWTOS),
        "event" => r.one(EVENTS),
        "community" => r.one(COMMUNITIES),
        "competitor" => r.one(COMPETITORS),
        "metric" => r.one(METRICS),
        "language" => r.one(LANGUAGES),
        "few" => r.one(&["two", "three", "four", "five", "six"]),
        "month" => MONTHS[add_months(c.base, r.range(1, 3)).month0() as usize],
        "past_month" => MONTHS[add_months(c.base, -r.range(1, 3)).month0() as usize],
        "percent" | "hours" | "people" => {
            let n = match name {
                "percent" => r.range(12, 45),
                "hours" => r.range(2, 30),
                _ => r.range(6, 40),
            };
            let _ = write!(out, "{n}");
            return true;
        }
        _ => return false,
    };
    out.push_str(text);
    true
}

// ---------------------------------------------------------------------------------------------
// Data

const PRODUCTS: &[&str] = &[
    "Beacon Workflow",
    "Beacon Analytics",
    "Beacon Connect",
    "Beacon Mobile",
    "Beacon Insights API",
    "Beacon Assist",
];
const PRODUCT_WEIGHTS: [u32; 6] = [34, 22, 18, 12, 6, 8];

struct Industry {
    name: &'static str,
    lower: &'static str,
    weight: u32,
    nouns: &'static [&'static str],
    teams: &'static [&'static str],
}

const INDUSTRIES: &[Industry] = &[
    Industry {
        name: "Healthcare",
        lower: "healthcare",
        weight: 10,
        nouns: &[
            "Health",
            "Health Systems",
            "Medical Group",
            "Clinics",
            "Care Partners",
            "Diagnostics",
        ],
        teams: &[
            "patient services",
            "clinical operations",
            "billing",
            "IT service desk",
        ],
    },
    Industry {
        name: "Financial Services",
        lower: "financial services",
        weight: 10,
        nouns: &[
            "Capital",
            "Financial",
            "Bank",
            "Credit Union",
            "Wealth Partners",
            "Payments",
        ],
        teams: &[
            "client services",
            "back office",
            "compliance",
            "contact center",
        ],
    },
    Industry {
        name: "Manufacturing",
        lower: "manufacturing",
        weight: 11,
        nouns: &[
            "Manufacturing",
            "Industries",
            "Components",
            "Fabrication",
            "Precision Works",
            "Machinery",
        ],
        teams: &[
            "field service",
            "aftersales",
            "plant maintenance",
            "quality",
        ],
    },
    Industry {
        name: "Retail",
        lower: "retail",
        weight: 9,
        nouns: &[
            "Retail",
            "Outfitters",
            "Markets",
            "Home Goods",
            "Stores",
            "Apparel",
        ],
        teams: &["store operations", "customer care", "e-commerce", "returns"],
    },
    Industry {
        name: "Logistics",
        lower: "logistics",
        weight: 9,
        nouns: &[
            "Logistics",
            "Freight",
            "Shipping",
            "Transport",
            "Supply Chain",
            "Distribution",
        ],
        teams: &[
            "dispatch",
            "customer service",
            "fleet maintenance",
            "claims",
        ],
    },
    Industry {
        name: "Software",
        lower: "software",
        weight: 10,
        nouns: &[
            "Software",
            "Labs",
            "Systems",
            "Digital",
            "Cloud",
            "Technologies",
        ],
        teams: &["support", "customer success", "IT", "professional services"],
    },
    Industry {
        name: "Education",
        lower: "education",
        weight: 6,
        nouns: &[
            "Learning",
            "University",
            "Academy",
            "Schools",
            "Education Group",
            "College",
        ],
        teams: &[
            "student services",
            "IT help desk",
            "admissions",
            "facilities",
        ],
    },
    Industry {
        name: "Public Sector",
        lower: "public sector",
        weight: 5,
        nouns: &[
            "County Services",
            "Municipal Authority",
            "Transit Authority",
            "Water Board",
            "Public Works",
            "Housing Agency",
        ],
        teams: &["citizen services", "permits", "facilities", "IT"],
    },
    Industry {
        name: "Energy",
        lower: "energy",
        weight: 7,
        nouns: &[
            "Energy",
            "Power",
            "Renewables",
            "Utilities",
            "Solar",
            "Grid",
        ],
        teams: &[
            "field operations",
            "customer care",
            "outage response",
            "billing",
        ],
    },
    Industry {
        name: "Telecommunications",
        lower: "telecommunications",
        weight: 7,
        nouns: &[
            "Telecom",
            "Networks",
            "Communications",
            "Broadband",
            "Mobile",
            "Fiber",
        ],
        teams: &[
            "network operations",
            "customer care",
            "field technicians",
            "billing",
        ],
    },
    Industry {
        name: "Insurance",
        lower: "insurance",
        weight: 9,
        nouns: &[
            "Insurance",
            "Mutual",
            "Assurance",
            "Underwriters",
            "Insurance Group",
            "Indemnity",
        ],
        teams: &[
            "claims",
            "policy services",
            "broker support",
            "underwriting",
        ],
    },
    Industry {
        name: "Media",
        lower: "media",
        weight: 7,
        nouns: &[
            "Media",
            "Studios",
            "Publishing",
            "Broadcasting",
            "Press",
            "Entertainment",
        ],
        teams: &["subscriber care", "ad operations", "production", "IT"],
    },
];

const NAME_PREFIXES: &[&str] = &[
    "North", "Blue", "Silver", "Iron", "Red", "Green", "Clear", "Bright", "High", "Oak", "Pine",
    "Summit", "Harbor", "River", "Lake", "Star", "Sun", "Cedar", "Maple", "Granite", "Falcon",
    "Eagle", "Copper", "Golden", "West", "East", "Stone", "Ash", "Birch", "Fox",
];
const NAME_SUFFIXES: &[&str] = &[
    "wind", "peak", "field", "bridge", "gate", "point", "view", "line", "ridge", "brook", "wood",
    "haven", "mark", "ford", "well", "water", "light", "vale", "moor", "hill",
];
const NAME_PAIRS: &[&str] = &[
    "Cedar", "Vale", "Hart", "Lowe", "Ash", "Finch", "Reed", "Marsh", "Wells", "Hale", "Gray",
    "Brooks", "Lane", "Price", "Moore", "Banks", "Knight", "Shaw", "Carver", "Blake",
];
const NAME_WORDS: &[&str] = &[
    "Meridian",
    "Apex",
    "Vertex",
    "Horizon",
    "Keystone",
    "Pinnacle",
    "Sterling",
    "Cobalt",
    "Nimbus",
    "Orion",
    "Polaris",
    "Vanguard",
    "Zenith",
    "Lumen",
    "Quantum",
    "Sentinel",
    "Tandem",
    "Evergreen",
    "Trident",
    "Helix",
    "Catalyst",
    "Paragon",
    "Crescent",
    "Ember",
    "Juniper",
];
const GEO_WORDS: [&[&str]; 4] = [
    &[
        "Pacific",
        "Atlantic",
        "Great Lakes",
        "Gulf Coast",
        "Prairie",
        "Cascade",
        "Appalachian",
        "Midwest",
        "Sierra",
        "Hudson",
    ],
    &[
        "Nordic",
        "Baltic",
        "Alpine",
        "Rhine",
        "Iberian",
        "Thames",
        "Danube",
        "Celtic",
        "Hanseatic",
        "Mediterranean",
    ],
    &[
        "Tasman",
        "Pacific Rim",
        "Coral Sea",
        "Southern Cross",
        "Indus",
        "Mekong",
        "Harbour City",
        "Monsoon",
        "Lotus",
        "Kiwi",
    ],
    &[
        "Andes",
        "Amazonia",
        "Pampa",
        "Caribe",
        "Patagonia",
        "Río Plata",
        "Sierra Madre",
        "Atlántico",
        "Costa Verde",
        "Altiplano",
    ],
];

const REGIONS: [Region; 4] = [
    Region::NorthAmerica,
    Region::Emea,
    Region::Apac,
    Region::Latam,
];

struct Country {
    name: &'static str,
    phone: &'static str,
    weight: u32,
    cities: &'static [&'static str],
}

const fn country(
    name: &'static str,
    phone: &'static str,
    weight: u32,
    cities: &'static [&'static str],
) -> Country {
    Country {
        name,
        phone,
        weight,
        cities,
    }
}

const COUNTRIES: [&[Country]; 4] = [
    &[
        country(
            "United States",
            "1",
            80,
            &[
                "New York",
                "Chicago",
                "Austin",
                "Seattle",
                "Boston",
                "Atlanta",
                "Denver",
                "San Diego",
                "Minneapolis",
                "Charlotte",
                "Columbus",
                "Phoenix",
            ],
        ),
        country(
            "Canada",
            "1",
            20,
            &["Toronto", "Vancouver", "Montreal", "Calgary", "Ottawa"],
        ),
    ],
    &[
        country(
            "Germany",
            "49",
            16,
            &["Berlin", "Munich", "Hamburg", "Frankfurt", "Cologne"],
        ),
        country(
            "United Kingdom",
            "44",
            18,
            &["London", "Manchester", "Edinburgh", "Bristol", "Leeds"],
        ),
        country("France", "33", 12, &["Paris", "Lyon", "Toulouse", "Nantes"]),
        country(
            "Netherlands",
            "31",
            8,
            &["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"],
        ),
        country(
            "Spain",
            "34",
            7,
            &["Madrid", "Barcelona", "Valencia", "Bilbao"],
        ),
        country("Italy", "39", 6, &["Milan", "Turin", "Bologna", "Rome"]),
        country("Sweden", "46", 5, &["Stockholm", "Gothenburg", "Malmö"]),
        country("Poland", "48", 5, &["Warsaw", "Kraków", "Wrocław"]),
        country("Ireland", "353", 5, &["Dublin", "Cork", "Galway"]),
        country("Denmark", "45", 4, &["Copenhagen", "Aarhus"]),
        country("Switzerland", "41", 5, &["Zurich", "Geneva", "Basel"]),
        country("United Arab Emirates", "971", 5, &["Dubai", "Abu Dhabi"]),
        country(
            "South Africa",
            "27",
            4,
            &["Johannesburg", "Cape Town", "Durban"],
        ),
    ],
    &[
        country(
            "Australia",
            "61",
            28,
            &["Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide"],
        ),
        country("Japan", "81", 18, &["Tokyo", "Osaka", "Nagoya", "Fukuoka"]),
        country("Singapore", "65", 14, &["Singapore"]),
        country(
            "India",
            "91",
            18,
            &["Bengaluru", "Mumbai", "Pune", "Hyderabad", "Chennai"],
        ),
        country(
            "New Zealand",
            "64",
            8,
            &["Auckland", "Wellington", "Christchurch"],
        ),
        country("South Korea", "82", 8, &["Seoul", "Busan", "Incheon"]),
        country("Philippines", "63", 6, &["Manila", "Cebu"]),
    ],
    &[
        country(
            "Brazil",
            "55",
            38,
            &[
                "São Paulo",
                "Rio de Janeiro",
                "Curitiba",
                "Belo Horizonte",
                "Porto Alegre",
            ],
        ),
        country(
            "Mexico",
            "52",
            26,
            &["Mexico City", "Monterrey", "Guadalajara", "Querétaro"],
        ),
        country(
            "Argentina",
            "54",
            12,
            &["Buenos Aires", "Córdoba", "Rosario"],
        ),
        country("Chile", "56", 9, &["Santiago", "Valparaíso"]),
        country("Colombia", "57", 10, &["Bogotá", "Medellín", "Cali"]),
        country("Peru", "51", 5, &["Lima", "Arequipa"]),
    ],
];

const FIRST_NAMES: [&[&str]; 4] = [
    &[
        "James", "Maria", "Michael", "Jennifer", "David", "Sarah", "Robert", "Emily", "Daniel",
        "Jessica", "Marcus", "Ashley", "Kevin", "Rachel", "Brian", "Priya", "Tyler", "Megan",
        "Andre", "Lauren", "Jordan", "Olivia", "Ethan", "Hannah", "Carlos", "Grace", "Nathan",
        "Chloe", "Wei", "Aisha",
    ],
    &[
        "Lukas",
        "Anna",
        "Sophie",
        "Thomas",
        "Emma",
        "Jan",
        "Laura",
        "Pierre",
        "Camille",
        "Matteo",
        "Giulia",
        "Oliver",
        "Charlotte",
        "Lars",
        "Ingrid",
        "Pablo",
        "Lucía",
        "Katarzyna",
        "Piotr",
        "Seán",
        "Aoife",
        "Omar",
        "Fatima",
        "Johan",
        "Eva",
        "Niamh",
        "Hugo",
        "Léa",
        "Stefan",
        "Amélie",
    ],
    &[
        "Hiroshi", "Yuki", "Aarav", "Ananya", "Wei", "Mei", "Jun", "Seo-yeon", "Min-jun", "Rahul",
        "Deepika", "Liam", "Isla", "Jack", "Ruby", "Kenji", "Sakura", "Arjun", "Kavya", "Siti",
        "Budi", "Thanh", "Linh", "Noah", "Zara", "Ming", "Hana", "Vikram", "Ji-woo", "Mia",
    ],
    &[
        "João",
        "Ana",
        "Pedro",
        "Mariana",
        "Lucas",
        "Gabriela",
        "Diego",
        "Valentina",
        "Santiago",
        "Camila",
        "Mateo",
        "Isabela",
        "Rafael",
        "Fernanda",
        "Andrés",
        "Sofía",
        "Felipe",
        "Juliana",
        "Carlos",
        "Daniela",
        "Tomás",
        "Beatriz",
        "Miguel",
        "Paula",
        "Gustavo",
        "Lorena",
        "Rodrigo",
        "Carolina",
        "Alejandro",
        "Renata",
    ],
];
const LAST_NAMES: [&[&str]; 4] = [
    &[
        "Johnson",
        "Williams",
        "Brown",
        "Garcia",
        "Miller",
        "Davis",
        "Rodriguez",
        "Martinez",
        "Anderson",
        "Thompson",
        "Nguyen",
        "Patel",
        "Walker",
        "Robinson",
        "Clark",
        "Lewis",
        "Young",
        "Hall",
        "Allen",
        "Wright",
        "Scott",
        "Green",
        "Baker",
        "Adams",
        "Campbell",
        "Mitchell",
        "Carter",
        "Kim",
        "Chen",
        "O'Brien",
    ],
    &[
        "Müller",
        "Schmidt",
        "Fischer",
        "Weber",
        "Dubois",
        "Martin",
        "Lefèvre",
        "Rossi",
        "Bianchi",
        "Smith",
        "Jones",
        "Taylor",
        "Evans",
        "de Vries",
        "Jansen",
        "Bakker",
        "García",
        "López",
        "Fernández",
        "Kowalski",
        "Nowak",
        "Andersson",
        "Johansson",
        "Nielsen",
        "Murphy",
        "Kelly",
        "Haddad",
        "Al-Mansouri",
        "Meier",
        "Rousseau",
    ],
    &[
        "Tanaka", "Suzuki", "Sato", "Watanabe", "Sharma", "Gupta", "Iyer", "Reddy", "Wang", "Li",
        "Zhang", "Liu", "Kim", "Park", "Lee", "Choi", "Nguyen", "Tran", "Santos", "Reyes",
        "Wilson", "Taylor", "Singh", "Rao", "Lim", "Tan", "Ong", "Yamamoto", "Kumar", "Mehta",
    ],
    &[
        "Silva",
        "Santos",
        "Oliveira",
        "Souza",
        "Pereira",
        "Costa",
        "Rodrigues",
        "Almeida",
        "González",
        "Hernández",
        "López",
        "Martínez",
        "Pérez",
        "Sánchez",
        "Ramírez",
        "Torres",
        "Flores",
        "Rivera",
        "Gómez",
        "Díaz",
        "Morales",
        "Castro",
        "Vargas",
        "Rojas",
        "Mendoza",
        "Ferreira",
        "Carvalho",
        "Ribeiro",
        "Herrera",
        "Medina",
    ],
];

/// Our own people: (name, region index).
const STAFF: &[(&str, usize)] = &[
    ("Hannah Okafor", 0),
    ("Ben Carter", 0),
    ("Rachel Goldberg", 0),
    ("Samuel Osei", 0),
    ("Sophie Laurent", 1),
    ("Marco Bellini", 1),
    ("Tom Lindqvist", 1),
    ("Elena Petrova", 1),
    ("Aisha Rahman", 1),
    ("Priya Raman", 2),
    ("Kenji Watanabe", 2),
    ("Chloe Tan", 2),
    ("Diego Alvarez", 3),
    ("Camila Duarte", 3),
    ("Rafael Mendes", 3),
];

const ROLES: [ContactRole; 4] = [
    ContactRole::DecisionMaker,
    ContactRole::Champion,
    ContactRole::Influencer,
    ContactRole::User,
];
/// Titles by role, in the order of `ROLES`.
const TITLES: [&[&str]; 4] = [
    &[
        "CIO",
        "CTO",
        "Chief Operating Officer",
        "Chief Customer Officer",
        "VP Operations",
        "VP Customer Experience",
        "VP of IT",
        "SVP Service Delivery",
    ],
    &[
        "Director of Customer Operations",
        "Head of Customer Service",
        "Director of IT",
        "Head of Service Operations",
        "Customer Experience Manager",
        "Director of Support",
    ],
    &[
        "Enterprise Architect",
        "Head of Data",
        "Procurement Lead",
        "Business Analysis Lead",
        "Information Security Officer",
        "Finance Business Partner",
        "Operations Manager",
    ],
    &[
        "Data Analyst",
        "Support Team Lead",
        "Service Desk Analyst",
        "Field Service Coordinator",
        "Customer Success Specialist",
        "Reporting Analyst",
        "Workflow Administrator",
        "Contact Center Supervisor",
    ],
];
const SMB_LEADER_TITLES: &[&str] = &[
    "Managing Director",
    "Founder & CEO",
    "General Manager",
    "Head of Operations",
];

const TOPICS: &[&str] = &[
    "workflow automation",
    "data migration",
    "change management",
    "self-service analytics",
    "compliance reporting",
    "field service",
    "customer onboarding",
    "API integrations",
    "knowledge management",
    "SLA management",
    "mobile workforce",
    "executive dashboards",
    "AI-assisted triage",
    "multilingual support",
    "process mining",
    "security reviews",
];

const KINDS: [TouchpointKind; 9] = [
    TouchpointKind::Meeting,
    TouchpointKind::Call,
    TouchpointKind::Email,
    TouchpointKind::SupportCase,
    TouchpointKind::EventConversation,
    TouchpointKind::Survey,
    TouchpointKind::Video,
    TouchpointKind::SiteVisit,
    TouchpointKind::CommunityAnswer,
];
const KIND_WEIGHTS: [u32; 9] = [14, 24, 30, 12, 4, 4, 5, 3, 4];
const PROSPECT_KIND_WEIGHTS: [u32; 9] = [25, 30, 30, 0, 8, 0, 7, 0, 0];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const MEETING: u16 = 1 << 0;
const CALL: u16 = 1 << 1;
const EMAIL: u16 = 1 << 2;
const SUPPORT: u16 = 1 << 3;
const EVENT: u16 = 1 << 4;
const SURVEY: u16 = 1 << 5;
const VIDEO: u16 = 1 << 6;
const SITE: u16 = 1 << 7;
const COMMUNITY: u16 = 1 << 8;
const TALK: u16 = MEETING | CALL | VIDEO | SITE;

const POS: u8 = 0;
const NEU: u8 = 1;
const NEG: u8 = 2;

/// (kinds it fits, tone, text).
const NOTE_TEMPLATES: &[(u16, u8, &str)] = &[
    // Positive
    (TALK | EMAIL, POS, "{person} says {product} cut their {metric} by {percent}% since go-live."),
    (TALK | EMAIL, POS, "Great feedback from {person}: the {team} team now runs its whole day in {product}."),
    (TALK | EMAIL | EVENT, POS, "{person} offered to speak at {event} about their {topic} journey."),
    (TALK | EMAIL, POS, "{person} is happy to be a reference for other {industry} organizations."),
    (TALK | EMAIL, POS, "Praise for our support engineers after the {topic} project went live ahead of schedule."),
    (TALK | EMAIL | EVENT, POS, "{person} recommended {product} to a peer in their {industry} network."),
    (TALK | EMAIL | EVENT, POS, "Recommended the {community} to {person}; they joined the same week."),
    (MEETING | VIDEO | SITE, POS, "Why they bought: {reason}. {person} says that still holds."),
    (CALL, POS, "Renewal call: {person} confirmed budget and asked about more {product} seats for {team}."),
    (EMAIL, POS, "{person} emailed to thank the team for quick help with {topic}."),
    (SUPPORT, POS, "Case closed within {hours} hours; {person} thanked the engineer by name."),
    (SUPPORT, POS, "Quick resolution of a question about {topic}. {person} rated the case 5/5."),
    (EVENT, POS, "Met {person} at {event}; they presented how they scaled {product} across {few} regions."),
    (SURVEY, POS, "Survey: support rated 5/5. \"Fast, friendly and knowledgeable.\""),
    (SURVEY, POS, "Onboarding survey from {person}: would recommend our implementation team without hesitation."),
    (VIDEO, POS, "Recorded a customer story video with {person} about {topic}."),
    (SITE, POS, "Site visit in {city}: the {team} team showed us their live {product} wallboard and is proud of the results."),
    (COMMUNITY, POS, "{person} answered a community question about {topic} with a detailed walkthrough."),
    (COMMUNITY, POS, "{person} shared their {product} dashboard template in the community; {people} upvotes so far."),
    // Neutral
    (MEETING | VIDEO, NEU, "Quarterly business review with {person}. Walked through adoption of {product}; next step is a workshop on {topic}."),
    (TALK | EMAIL, NEU, "{person} asked for a roadmap preview of {product} before their planning cycle in {month}."),
    (TALK | EMAIL, NEU, "Checked in on the rollout of {product} to the {team} team. Go-live planned for {month}."),
    (EMAIL, NEU, "Sent the usage report for last quarter; {person} will share it with their leadership."),
    (CALL | MEETING, NEU, "Discussed the renewal timeline with {person}. Procurement wants a draft quote by {month}."),
    (TALK | EMAIL, NEU, "{person} wants to extend {product} to {few} more sites next year."),
    (CALL | VIDEO, NEU, "Intro call with {person}, who took over the {team} team. Covered how they use {product} for {topic}."),
    (MEETING | CALL | VIDEO, NEU, "Reviewed open support cases with {person}; agreed to meet monthly until the backlog is cleared."),
    (EMAIL, NEU, "Follow-up on {topic}: shared two customer stories and our best-practice guide."),
    (MEETING | CALL, NEU, "Workshop on {topic} with {person}. Outcome: {outcome}"),
    (MEETING, NEU, "Executive sponsor meeting with {person}. {outcome}"),
    (TALK, NEU, "Why they bought: {reason}."),
    (EMAIL | CALL, NEU, "Sent the {product} release notes; {person} replied with questions about {topic}."),
    (EMAIL | CALL, NEU, "{person} asked for pricing of {other_product} for the {team} team."),
    (SUPPORT, NEU, "Question about {topic} in {product}; pointed {person} to the admin guide."),
    (SUPPORT, NEU, "How-to request: {person} wanted to {howto}. Shared the steps and a short video."),
    (EVENT, NEU, "Met {person} at {event}. They are exploring {topic} and asked for a demo of {product}."),
    (EVENT, NEU, "Short chat with {person} at {event} about {topic}."),
    (SURVEY, NEU, "Annual customer survey completed by {person}; top request: {wish}."),
    (SURVEY, NEU, "Survey: onboarding rated 4/5; {person} asked for more admin training."),
    (VIDEO, NEU, "Video demo of {product} for the {team} team; {people} attendees."),
    (SITE, NEU, "On-site workshop in {city} on {topic} with {people} people from the {team} team."),
    (COMMUNITY, NEU, "{person} asked in the community how to {howto}; answered by our staff."),
    (COMMUNITY, NEU, "{person} posted a question about {product} limits in the community; two customers replied."),
    (TALK | EMAIL, NEU, "{person} would love {wish}."),
    (TALK | EMAIL | SURVEY, NEU, "Feature request from the {team} team: {wish}."),
    // Negative
    (TALK | EMAIL, NEG, "{pain} {person} escalated it to their VP."),
    (CALL | EMAIL, NEG, "Problem raised by {person}: {pain}"),
    (TALK, NEG, "{person} is frustrated. {pain}"),
    (TALK | EMAIL | EVENT, NEG, "Competitive threat: {person} mentioned that {competitor} pitched them last week with a lower price."),
    (MEETING | CALL | VIDEO, NEG, "{person} questioned the value of {product} at renewal; usage dropped {percent}% this quarter."),
    (CALL | EMAIL, NEG, "Budget freeze announced; {person} asked us to hold off on the expansion proposal."),
    (MEETING | CALL | EMAIL, NEG, "{person} is leaving at the end of {month}; we need a new executive sponsor."),
    (MEETING | CALL, NEG, "{person} told us {competitor} offered a free pilot. They will decide in {month}."),
    (SUPPORT, NEG, "Case opened: {pain} Workaround shared, fix scheduled for the next release."),
    (SUPPORT, NEG, "Escalated case. {pain} Engineering engaged; daily updates to {person}."),
    (SUPPORT, NEG, "Bug report from {person}: {pain} Reproduced on our side."),
    (SUPPORT, NEG, "Severity 2 incident: {pain} Resolved after {hours} hours."),
    (EVENT, NEG, "At {event}, {person} told us: {pain}"),
    (EVENT, NEG, "{person} stopped by our booth at {event} to complain about the last upgrade."),
    (SURVEY, NEG, "Survey comment from {person}: \"{pain}\""),
    (SURVEY, NEG, "Survey: support rated 2/5. {pain}"),
    (VIDEO, NEG, "Video call with {person} to walk through the outage report; they want service credits."),
    (SITE, NEG, "Site visit in {city}. Shadowed the {team} team; {person} showed us the problem first-hand. {pain}"),
    (TALK | EMAIL, NEG, "{person} says adoption has stalled: only {percent}% of licensed users logged in last month."),
    (MEETING | CALL | VIDEO, NEG, "Tense renewal discussion with {person}. They want a bigger discount or they will run an RFP."),
    (TALK | EMAIL, NEG, "{person} raised the open commitments again; they feel we over-promised during the sale."),
    (CALL | EMAIL, NEG, "{person} asked for a copy of the termination terms in their contract."),
    (MEETING | VIDEO | SITE, NEG, "Escalation meeting with {person} and their CIO about {topic}. {pain}"),
    (COMMUNITY, NEG, "{person} posted in the community that {product} has been slow all week; several customers agreed."),
    (COMMUNITY, NEG, "Community thread from {person} about {topic} went unanswered for three weeks; they flagged it publicly."),
    (EMAIL, NEG, "Email from {person}: {pain} Can we get someone on a call this week?"),
];

/// Notes on prospects: sales conversations, whatever the channel.
const PROSPECT_NOTES: &[&str] = &[
    "Discovery conversation with {person}: the {team} team runs on spreadsheets and a legacy ticketing tool.",
    "Demo of {product} for {person} and the {team} team; strong interest in {topic}.",
    "{person} asked for a reference customer in {industry} before the next step.",
    "Sent a proposal for {product}; {person} expects a decision in {month}.",
    "{person} is comparing us with {competitor}; the shortlist is due in {month}.",
    "{person} shared their requirements for {topic}; security review booked for {month}.",
    "Pricing discussion with {person}: budget for {product} is approved from {month}.",
    "{person} went quiet after the demo; sent a short follow-up with a customer story.",
    "Trial workspace set up for the {team} team; {people} users invited.",
    "{person} wants to see how {product} handles {topic} with their own data.",
];

const PAINS: &[&str] = &[
    "Reports take twenty minutes to load on Monday mornings.",
    "The CRM sync drops records whenever a field is renamed.",
    "Agents copy case numbers between three screens to close a ticket.",
    "SSO logins fail for contractors with external accounts.",
    "Exports to Excel time out above 50,000 rows.",
    "The mobile app loses drafts when the signal drops.",
    "Audit logs miss changes made through the API.",
    "Dashboards show different totals than the finance system.",
    "Nobody owns the workflow rules anymore, so small changes take weeks.",
    "Invoices for add-on seats were wrong two months in a row.",
    "The EU instance was slow for most of a working day.",
    "Search does not find tickets by customer reference number.",
    "New agents need three weeks to learn the permission model.",
    "Webhook retries created duplicate work orders.",
    "The customer portal is only partly translated.",
    "Scheduled reports arrived empty after the daylight-saving change.",
    "Attachments over 25 MB fail without an error message.",
    "Technicians cannot close jobs offline at basement sites.",
    "The API rate limit blocks their nightly data load.",
    "Routing rules send VIP cases to the general queue.",
    "Every upgrade breaks one of their custom forms.",
    "SLA timers keep running over public holidays.",
];

const WISHES: &[&str] = &[
    "bulk editing for work orders",
    "scheduled PDF exports of dashboards",
    "a sandbox to test workflow changes",
    "field-level permissions for contractors",
    "native Microsoft Teams notifications",
    "an audit trail for report changes",
    "offline mode for every mobile form",
    "SLA timers that pause outside business hours",
    "a customer portal in more languages",
    "higher API limits for nightly syncs",
    "a single view of all cases per customer",
    "AI-suggested replies in their own tone of voice",
    "data residency in their own region",
    "saved filters they can share with the team",
    "a simpler admin console",
    "two-way sync with their ERP",
];

const BUY_REASONS: &[&str] = &[
    "they had to replace a legacy ticketing tool and three spreadsheets",
    "our mobile app works offline and the incumbent's did not",
    "their board wanted one view of customer issues across regions",
    "we could go live in eight weeks instead of six months",
    "the workflow builder lets their operations team change processes without IT",
    "our analytics answered questions their BI team had parked for a year",
    "a peer in their industry recommended us",
    "our pricing scales with their seasonal staff",
    "they needed audit-ready compliance reporting",
    "their previous vendor was acquired and stopped investing",
];

const OUTCOMES: &[&str] = &[
    "They agreed to a four-week pilot.",
    "Next step is a technical deep-dive with their architects.",
    "They will decide after the budget review.",
    "We agreed on a success plan with three milestones.",
    "They want a proposal for the premium support tier.",
    "Action items sent the same day; follow-up booked.",
    "They will nominate two power users for the advisory board.",
    "No decision yet; they need sign-off from finance.",
];

const HOWTOS: &[&str] = &[
    "route cases by language",
    "build a dashboard per region",
    "bulk-import assets from a spreadsheet",
    "add an approval step to purchase requests",
    "mask personal data in exports",
    "set up escalation rules for VIP customers",
    "connect a second CRM instance",
    "reuse a form across workflows",
];

const EVENTS: &[&str] = &[
    "Beacon Summit",
    "the Beacon World Tour",
    "the Service Leaders Forum",
    "a regional user group meetup",
    "the Customer Ops Innovators meetup",
    "our analytics webinar",
];

const COMMUNITIES: &[&str] = &[
    "Beacon Community forum",
    "Workflow Builders user group",
    "Analytics Champions program",
    "customer advisory board",
    "Beacon Academy admin track",
];

const COMPETITORS: &[&str] = &["Corvana", "Tidewell", "Quellio", "Orbisdesk", "Vantix CX"];

const METRICS: &[&str] = &[
    "average handling time",
    "case backlog",
    "time to resolution",
    "manual data entry",
    "first-response time",
    "report preparation time",
    "repeat site visits",
];

const LANGUAGES: &[&str] = &[
    "Spanish",
    "Portuguese",
    "German",
    "French",
    "Japanese",
    "Polish",
];

const RISK_REASONS: &[&str] = &[
    "Champion left in {past_month}; new VP is evaluating {competitor}",
    "Three escalated support cases this quarter",
    "Usage of {product} down {percent}% since {past_month}",
    "Budget cut announced; renewal under review by procurement",
    "Missed two committed delivery dates for the {topic} project",
    "Executive sponsor unreachable since {past_month}",
    "{competitor} offered a {percent}% lower price for the renewal",
    "Merger with a larger group that standardizes on {competitor}",
    "Unhappy with the timeline for data residency in their region",
    "Detractor scores from the {team} team in the last two surveys",
    "Invoice dispute over add-on seats still unresolved",
    "Go-live of {product} delayed twice; project team losing confidence",
    "Their only trained admin left; nobody maintains the workflows",
    "Outage in {past_month} hit their month-end close",
    "New CIO is consolidating vendors",
];

const COMMITMENTS: &[&str] = &[
    "Deliver SSO integration before renewal",
    "Send quarterly usage review",
    "Fix export timeouts in the EU region",
    "Run a {topic} workshop for the {team} team",
    "Share the {product} roadmap with {person}",
    "Set up a sandbox for testing workflow changes",
    "Introduce {person} to a reference customer in {industry}",
    "Assign a named support engineer until go-live",
    "Credit the invoice error from {past_month}",
    "Deliver {wish} as a beta",
    "Review SLA performance monthly until {month}",
    "Translate the customer portal into {language}",
    "Migrate historical tickets from the legacy system",
    "Answer the security questionnaire for their annual audit",
    "Arrange an executive sponsor call with our VP Customer Success",
    "Send a proposal for {other_product}",
    "Train {few} new administrators on {product}",
    "Root-cause analysis of the {past_month} outage within five days",
    "Enable {product} for the {city} office",
    "Invite {person} to the customer advisory board",
    "Fix the duplicate work orders created by webhook retries",
    "Health check of their workflow configuration",
];

const PROMOTER_COMMENTS: &[&str] = &[
    "{product} has become the backbone of our {team} work. Support is quick and friendly.",
    "Our {team} team saves hours every week since we switched to {product}.",
    "Great product and a partner that listens. {owner} always follows up.",
    "The {topic} features are exactly what we needed. Rollout was painless.",
    "We cut our {metric} by {percent}% in the first year. Highly recommend.",
    "Best vendor relationship we have. The roadmap sessions are genuinely useful.",
    "Easy to configure without calling IT, and the community answers everything.",
    "Reliable, fast, and the latest {product} release is excellent.",
    "Onboarding was smooth and our agents actually enjoy using it.",
    "Recommended you to two peers already: {product} just works.",
    "Support solved our question about {topic} in under an hour. Impressive.",
    "Love the dashboards; leadership finally trusts our numbers.",
];
const PASSIVE_COMMENTS: &[&str] = &[
    "Solid product, but we would love {wish}.",
    "Works well for the {team} team; add-on pricing is hard to justify.",
    "Good overall. Reporting could be faster.",
    "Does what we need. Would score higher with {wish}.",
    "Support is helpful but slow to respond at weekends.",
    "{product} is fine, though the admin screens feel dated.",
    "Happy so far, still waiting for {wish}.",
    "Decent value; the {topic} module needs more flexibility.",
    "Mostly positive. The last upgrade needed more notice.",
    "Good tool with a steep learning curve for new {team} staff.",
];
const DETRACTOR_COMMENTS: &[&str] = &[
    "{pain} This has been going on for months.",
    "Too expensive for what we use. We are looking at {competitor}.",
    "Support takes days to answer and cases get closed without a fix.",
    "{pain} We need a real fix, not another workaround.",
    "We were promised {wish} last year and still nothing.",
    "The rollout of {product} was painful and we are still not live in {city}.",
    "Since the last release {product} is slower and our {team} team complains daily.",
    "We feel like a small fish. Nobody has called us since the contract was signed.",
    "Outages during our busiest week. Not acceptable.",
    "Billing errors two months in a row. Frustrating.",
    "The CRM sync keeps breaking and we fix data by hand every Monday.",
    "Hard to use; our {team} staff went back to spreadsheets.",
];

/// Account-team notes not meant for everyone (F1): on about one account in six.
fn private_note(i: usize, customer_like: bool) -> String {
    const NOTES: &[&str] = &[
        "Renewal pricing was approved at 12% below list; do not quote it to other accounts.",
        "The CFO is sceptical of the rollout; keep executive updates short and numeric.",
        "Legal is reviewing a data-residency clause; no case study until it is signed.",
        "Champion is interviewing elsewhere; build a second relationship in operations.",
        "Agreed a one-off services credit after the March outage; not to be repeated.",
        "Procurement benchmarks us against Tidewell every year; expect a hard negotiation.",
    ];
    if customer_like && i % 6 == 1 {
        NOTES[(i / 6) % NOTES.len()].to_string()
    } else {
        String::new()
    }
}

/// Languages a contact can give a reference in: English plus the country's own.
fn languages_of(country: &str, city: &str) -> String {
    let local = match country {
        "Germany" | "Austria" | "Switzerland" => Some("German"),
        "France" | "Belgium" => Some("French"),
        "Netherlands" => Some("Dutch"),
        "Spain" | "Mexico" | "Argentina" | "Colombia" | "Chile" | "Peru" => Some("Spanish"),
        "Brazil" | "Portugal" => Some("Portuguese"),
        "Italy" => Some("Italian"),
        "Japan" => Some("Japanese"),
        "Sweden" => Some("Swedish"),
        "Poland" => Some("Polish"),
        "Canada" if city == "Montreal" => Some("French"),
        _ => None,
    };
    match local {
        Some(l) => format!("English; {l}"),
        None => "English".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{ImportPlan, Lookups, Record, Validator};
    use std::collections::HashMap;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()
    }

    fn demo(seed: u64, scale: f64) -> Demo {
        Demo::new(DemoOptions {
            seed,
            scale,
            today: today(),
        })
    }

    fn all_rows(d: &mut Demo, kind: ImportKind) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        loop {
            let chunk = d.next_chunk(kind, 500);
            if chunk.is_empty() {
                return rows;
            }
            rows.extend(chunk);
        }
    }

    fn col(kind: ImportKind, name: &str) -> usize {
        kind.header().iter().position(|h| *h == name).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    struct Data {
        accounts: Vec<Vec<String>>,
        contacts: Vec<Vec<String>>,
        touchpoints: Vec<Vec<String>>,
        commitments: Vec<Vec<String>>,
        nps: Vec<Vec<String>>,
    }

    fn generate(seed: u64, scale: f64) -> Data {
        let mut d = demo(seed, scale);
        // Deliberately not in dependency order: kinds must not depend on each other.
        let nps = all_rows(&mut d, ImportKind::Nps);
        let touchpoints = all_rows(&mut d, ImportKind::Touchpoints);
        let contacts = all_rows(&mut d, ImportKind::Contacts);
        let commitments = all_rows(&mut d, ImportKind::Commitments);
        let accounts = all_rows(&mut d, ImportKind::Accounts);
        Data {
            accounts,
            contacts,
            touchpoints,
            commitments,
            nps,
        }
    }

    #[test]
    fn every_row_passes_import_validation() {
        let data = generate(42, 0.02);
        let mut lookups = Lookups::default();
        for (i, row) in data.accounts.iter().enumerate() {
            lookups.accounts.insert(row[0].clone(), i as i64 + 1);
        }
        for (i, row) in data.contacts.iter().enumerate() {
            let account = lookups.accounts[&row[1]];
            lookups
                .contacts
                .insert(row[0].clone(), (i as i64 + 1, account));
        }
        let kinds = [
            (ImportKind::Accounts, &data.accounts),
            (ImportKind::Contacts, &data.contacts),
            (ImportKind::Touchpoints, &data.touchpoints),
            (ImportKind::Commitments, &data.commitments),
            (ImportKind::Nps, &data.nps),
        ];
        for (kind, rows) in kinds {
            assert!(!rows.is_empty(), "{kind}");
            let plan = ImportPlan::canonical(kind);
            let mut v = Validator::new(&plan, &lookups);
            let mut errors = Vec::new();
            for (n, row) in rows.iter().enumerate() {
                assert_eq!(row.len(), kind.header().len());
                let cells: Vec<&str> = row.iter().map(String::as_str).collect();
                match v.row(n as u64 + 2, &cells) {
                    Ok(record) => assert_eq!(record.external_id(), row[0]),
                    Err(e) => errors.push((row.clone(), e)),
                }
            }
            assert!(
                errors.is_empty(),
                "{kind}: {} errors, first: {:?}",
                errors.len(),
                errors.first()
            );
        }
    }

    #[test]
    fn same_options_give_the_same_rows_and_seeds_differ() {
        let a = generate(7, 0.01);
        let b = generate(7, 0.01);
        assert_eq!(a.accounts, b.accounts);
        assert_eq!(a.contacts, b.contacts);
        assert_eq!(a.touchpoints, b.touchpoints);
        assert_eq!(a.commitments, b.commitments);
        assert_eq!(a.nps, b.nps);
        let c = generate(8, 0.01);
        assert_ne!(a.accounts, c.accounts);
        assert_ne!(a.contacts, c.contacts);
        assert_ne!(a.touchpoints, c.touchpoints);
        assert_ne!(a.nps, c.nps);
        assert_ne!(a.commitments, c.commitments);
    }

    #[test]
    fn small_chunks_concatenate_to_one_big_chunk() {
        for kind in ImportKind::ALL.iter().copied() {
            let mut small = demo(3, 0.01);
            let mut joined = Vec::new();
            loop {
                let chunk = small.next_chunk(kind, 7);
                assert!(chunk.len() <= 7);
                if chunk.is_empty() {
                    break;
                }
                joined.extend(chunk);
            }
            let mut big = demo(3, 0.01);
            let whole = big.next_chunk(kind, 10_000);
            assert!(whole.len() < 10_000, "{kind}: test scale too large");
            assert!(big.next_chunk(kind, 10_000).is_empty());
            assert_eq!(joined, whole, "{kind}");
            assert!(small.next_chunk(kind, 7).is_empty(), "stays exhausted");
        }
    }

    #[test]
    fn volumes_follow_the_scale() {
        let small = generate(5, 0.1);
        let large = generate(5, 0.4);
        assert_eq!(small.accounts.len(), 200);
        assert_eq!(large.accounts.len(), 800);
        let per_account = |n: usize| n as f64 / 800.0;
        let contacts = per_account(large.contacts.len());
        let touchpoints = per_account(large.touchpoints.len());
        let nps = per_account(large.nps.len());
        let commitments = per_account(large.commitments.len());
        assert!((4.0..=6.0).contains(&contacts), "contacts {contacts}");
        assert!(
            (42.0..=58.0).contains(&touchpoints),
            "touchpoints {touchpoints}"
        );
        assert!((8.0..=12.0).contains(&nps), "nps {nps}");
        assert!(
            (2.5..=3.5).contains(&commitments),
            "commitments {commitments}"
        );
        for (s, l) in [
            (small.contacts.len(), large.contacts.len()),
            (small.touchpoints.len(), large.touchpoints.len()),
            (small.nps.len(), large.nps.len()),
            (small.commitments.len(), large.commitments.len()),
        ] {
            let ratio = l as f64 / s as f64;
            assert!((3.2..=4.8).contains(&ratio), "ratio {ratio}");
        }
    }

    #[test]
    fn account_count_is_clamped() {
        assert_eq!(demo(1, 0.0).account_count(), 5);
        assert_eq!(demo(1, -3.0).account_count(), 5);
        assert_eq!(demo(1, f64::NAN).account_count(), 2000);
        assert_eq!(demo(1, 0.0126).account_count(), 25);
        assert_eq!(demo(1, 1.0).account_count(), 2000);
    }

    #[test]
    fn accounts_are_coherent() {
        let data = generate(11, 0.25);
        let k = ImportKind::Accounts;
        let (name, region, country, employees, segment) = (
            col(k, "name"),
            col(k, "region"),
            col(k, "country"),
            col(k, "employees"),
            col(k, "segment"),
        );
        let (lifecycle, revenue, cost, discount) = (
            col(k, "lifecycle"),
            col(k, "annual_revenue"),
            col(k, "cost_to_serve"),
            col(k, "discount"),
        );
        let (since, renewal, at_risk, reason) = (
            col(k, "customer_since"),
            col(k, "renewal_date"),
            col(k, "at_risk"),
            col(k, "at_risk_reason"),
        );
        let names: HashSet<String> = data
            .accounts
            .iter()
            .map(|r| r[name].to_lowercase())
            .collect();
        assert_eq!(names.len(), data.accounts.len(), "names are unique");
        let (mut customers, mut unprofitable, mut risky, mut prospects, mut former) =
            (0, 0, 0, 0, 0);
        for row in &data.accounts {
            let r = REGIONS
                .iter()
                .position(|x| x.as_str() == row[region])
                .unwrap();
            assert!(
                COUNTRIES[r].iter().any(|c| c.name == row[country]),
                "{row:?}"
            );
            let e: i64 = row[employees].parse().unwrap();
            let expected = match e {
                2000.. => "enterprise",
                200..=1999 => "mid_market",
                _ => "smb",
            };
            assert_eq!(row[segment], expected);
            let money = |i: usize| row[i].parse::<i64>().unwrap();
            match row[lifecycle].as_str() {
                "prospect" => {
                    prospects += 1;
                    assert_eq!(money(revenue), 0);
                    assert!(row[since].is_empty());
                }
                l => {
                    if l == "customer" {
                        customers += 1;
                        assert!(date(&row[renewal]) >= today() - Days::new(15));
                    } else {
                        former += 1;
                        assert!(date(&row[renewal]) < today());
                    }
                    assert!(money(revenue) > 0);
                    assert!(date(&row[since]) < date(&row[renewal]));
                    if money(cost) + money(discount) > money(revenue) {
                        unprofitable += 1;
                    }
                }
            }
            if row[at_risk] == "yes" {
                risky += 1;
                assert!(!row[reason].is_empty());
                assert!(!row[reason].contains('{'), "{}", row[reason]);
            } else {
                assert!(row[reason].is_empty());
            }
        }
        let n = data.accounts.len() as f64;
        let share = |x: i32, of: f64| x as f64 / of;
        assert!((0.03..=0.12).contains(&share(risky, n)), "at risk {risky}");
        assert!(
            (0.05..=0.17).contains(&share(unprofitable, (customers + former) as f64)),
            "unprofitable {unprofitable}"
        );
        assert!((0.72..=0.88).contains(&share(customers, n)));
        assert!((0.06..=0.18).contains(&share(prospects, n)));
        assert!((0.03..=0.13).contains(&share(former, n)));
    }

    #[test]
    fn contacts_are_coherent() {
        let data = generate(13, 0.1);
        let k = ImportKind::Contacts;
        let account_city: HashMap<&str, &str> = data
            .accounts
            .iter()
            .map(|r| (r[0].as_str(), r[col(ImportKind::Accounts, "city")].as_str()))
            .collect();
        let (mut same_city, mut yes, mut ask, mut dnc, mut links) = (0, 0, 0, 0, 0);
        for row in &data.contacts {
            let email = &row[col(k, "email")];
            assert!(email.is_ascii() && !email.contains(' '), "{email}");
            assert!(email.ends_with(".example"));
            let title = row[col(k, "title")].as_str();
            let role = row[col(k, "role")].as_str();
            let r = ROLES.iter().position(|x| x.as_str() == role).unwrap();
            assert!(
                TITLES[r].contains(&title) || (r == 0 && SMB_LEADER_TITLES.contains(&title)),
                "{title} {role}"
            );
            let topics = row[col(k, "topics")].split("; ").count();
            assert!((2..=3).contains(&topics));
            if account_city[row[1].as_str()] == row[col(k, "city")] {
                same_city += 1;
            }
            match row[col(k, "reference_consent")].as_str() {
                "yes" => yes += 1,
                "ask_first" => ask += 1,
                _ => {}
            }
            if row[col(k, "do_not_contact")] == "yes" {
                dnc += 1;
            }
            if !row[col(k, "public_link")].is_empty() {
                links += 1;
            }
        }
        let n = data.contacts.len() as f64;
        assert!(same_city as f64 / n > 0.75);
        assert!((0.15..=0.35).contains(&(yes as f64 / n)));
        assert!((0.15..=0.35).contains(&(ask as f64 / n)));
        assert!((0.005..=0.07).contains(&(dnc as f64 / n)));
        assert!((0.07..=0.22).contains(&(links as f64 / n)));
    }

    #[test]
    fn dates_are_relative_to_today() {
        let data = generate(17, 0.25);
        let t = today();
        let months: HashSet<(i32, u32)> = data
            .nps
            .iter()
            .map(|r| {
                let d = date(&r[col(ImportKind::Nps, "responded_on")]);
                assert!(d <= t && d >= t - Days::new(731));
                (d.year(), d.month())
            })
            .collect();
        assert!(
            months.len() >= 24,
            "NPS spread over {} months",
            months.len()
        );
        for r in &data.touchpoints {
            let d = date(&r[col(ImportKind::Touchpoints, "occurred_on")]);
            assert!(d <= t && d >= t - Days::new(1096));
        }
        let k = ImportKind::Commitments;
        let mut past = 0;
        for r in &data.commitments {
            let due = date(&r[col(k, "due_on")]);
            assert!(due >= t - Days::new(549) && due <= t + Days::new(92));
            let status = r[col(k, "status")].as_str();
            if due >= t {
                assert_eq!(status, "open");
            } else {
                past += 1;
            }
            if !r[col(k, "closed_on")].is_empty() {
                assert_ne!(status, "open");
                assert!(date(&r[col(k, "closed_on")]) <= t);
            }
        }
        let kept = data
            .commitments
            .iter()
            .filter(|r| r[col(k, "status")] == "kept")
            .count() as f64;
        assert!(
            (0.55..=0.8).contains(&(kept / past as f64)),
            "kept share {}",
            kept / past as f64
        );
    }

    /// Whether `text` could have come from `template` (the literal parts, in order).
    fn matches_template(template: &str, text: &str) -> bool {
        let mut literals = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            literals.push(&rest[..open]);
            let close = rest[open..].find('}').unwrap() + open;
            rest = &rest[close + 1..];
        }
        literals.push(rest);
        if literals.len() == 1 {
            return template == text;
        }
        let (first, last) = (literals[0], literals[literals.len() - 1]);
        if !text.starts_with(first)
            || !text.ends_with(last)
            || text.len() < first.len() + last.len()
        {
            return false;
        }
        let mut hay = &text[first.len()..text.len() - last.len()];
        for lit in &literals[1..literals.len() - 1] {
            match hay.find(lit) {
                Some(at) => hay = &hay[at + lit.len()..],
                None => return false,
            }
        }
        true
    }

    #[test]
    fn nps_comments_fit_the_score() {
        let data = generate(19, 0.25);
        let k = ImportKind::Nps;
        let (mut with_comment, mut promoters, mut detractors) = (0, 0, 0);
        for r in &data.nps {
            let score: i64 = r[col(k, "score")].parse().unwrap();
            let comment = r[col(k, "comment")].as_str();
            match NpsBucket::of(score) {
                NpsBucket::Promoter => promoters += 1,
                NpsBucket::Detractor => detractors += 1,
                NpsBucket::Passive => {}
            }
            if comment.is_empty() {
                continue;
            }
            with_comment += 1;
            let in_pool = |pool: &[&str]| pool.iter().any(|t| matches_template(t, comment));
            match NpsBucket::of(score) {
                NpsBucket::Promoter => {
                    assert!(in_pool(PROMOTER_COMMENTS), "{comment}");
                    assert!(!in_pool(DETRACTOR_COMMENTS), "{comment}");
                }
                NpsBucket::Passive => assert!(in_pool(PASSIVE_COMMENTS), "{comment}"),
                NpsBucket::Detractor => {
                    assert!(in_pool(DETRACTOR_COMMENTS), "{comment}");
                    assert!(!in_pool(PROMOTER_COMMENTS), "{comment}");
                }
            }
        }
        let n = data.nps.len() as f64;
        assert!((0.5..=0.7).contains(&(with_comment as f64 / n)));
        let nps = (promoters - detractors) as f64 * 100.0 / n;
        assert!((10.0..=60.0).contains(&nps), "overall NPS {nps}");
    }

    #[test]
    fn at_risk_accounts_score_lower_and_sound_worse() {
        let data = generate(23, 0.5);
        let at_risk: HashSet<&str> = data
            .accounts
            .iter()
            .filter(|r| r[col(ImportKind::Accounts, "at_risk")] == "yes")
            .map(|r| r[0].as_str())
            .collect();
        let mean = |risky: bool| {
            let scores: Vec<f64> = data
                .nps
                .iter()
                .filter(|r| at_risk.contains(r[1].as_str()) == risky)
                .map(|r| r[col(ImportKind::Nps, "score")].parse::<f64>().unwrap())
                .collect();
            scores.iter().sum::<f64>() / scores.len() as f64
        };
        assert!(
            mean(true) + 2.0 < mean(false),
            "{} vs {}",
            mean(true),
            mean(false)
        );
        let negative: Vec<&str> = NOTE_TEMPLATES
            .iter()
            .filter(|t| t.1 == NEG)
            .map(|t| t.2)
            .collect();
        let recent = today() - Days::new(150);
        let share = |risky: bool| {
            let notes: Vec<&str> = data
                .touchpoints
                .iter()
                .filter(|r| at_risk.contains(r[1].as_str()) == risky && date(&r[3]) > recent)
                .map(|r| r[6].as_str())
                .filter(|n| !n.is_empty())
                .collect();
            let bad = notes
                .iter()
                .filter(|n| negative.iter().any(|t| matches_template(t, n)))
                .count();
            bad as f64 / notes.len() as f64
        };
        assert!(
            share(true) > 2.0 * share(false),
            "{} vs {}",
            share(true),
            share(false)
        );
    }

    #[test]
    fn touchpoints_reference_contacts_of_their_own_account() {
        let data = generate(29, 0.05);
        let owner: HashMap<&str, &str> = data
            .contacts
            .iter()
            .map(|r| (r[0].as_str(), r[1].as_str()))
            .collect();
        let mut two = 0;
        for r in &data.touchpoints {
            let ids = &r[col(ImportKind::Touchpoints, "contact_external_ids")];
            let ids: Vec<&str> = ids.split(';').filter(|s| !s.is_empty()).collect();
            if ids.len() == 2 {
                two += 1;
                assert_ne!(ids[0], ids[1]);
            }
            for id in ids {
                assert_eq!(owner[id], r[1]);
            }
            assert!(!r[6].contains('{') && !r[6].contains('}'), "{}", r[6]);
        }
        assert!(two > 0);
        let distinct: HashSet<&str> = data.touchpoints.iter().map(|r| r[6].as_str()).collect();
        assert!(
            distinct.len() as f64 > 0.7 * data.touchpoints.len() as f64,
            "notes vary"
        );
    }

    #[test]
    fn templates_use_known_slots_and_cover_every_kind_and_tone() {
        assert!(NOTE_TEMPLATES.len() >= 40);
        let d = demo(1, 0.001);
        for (k, kind) in KINDS.iter().enumerate() {
            for tone in 0..3 {
                assert!(!d.note_index[k * 3 + tone].is_empty(), "{kind} tone {tone}");
            }
        }
        let ctx = Ctx {
            person: "Ada",
            product: PRODUCTS[0],
            other_product: PRODUCTS[1],
            topic: TOPICS[0],
            team: "IT",
            industry: &INDUSTRIES[0],
            city: "Lyon",
            owner: "Tom",
            base: today(),
        };
        let mut r = Rng::new(1);
        let all = NOTE_TEMPLATES
            .iter()
            .map(|t| t.2)
            .chain(RISK_REASONS.iter().copied())
            .chain(PROSPECT_NOTES.iter().copied())
            .chain(COMMITMENTS.iter().copied())
            .chain(PROMOTER_COMMENTS.iter().copied())
            .chain(PASSIVE_COMMENTS.iter().copied())
            .chain(DETRACTOR_COMMENTS.iter().copied());
        for t in all {
            let mut s = String::new();
            assert!(fill(&mut s, t, &mut r, &ctx), "{t}");
            assert!(!s.contains('{') && !s.contains('}'), "{s}");
        }
        assert_eq!(Demo::product_names().len(), 6);
    }

    #[test]
    fn records_carry_the_generated_values() {
        // A spot check that the typed records match what the rows say.
        let data = generate(31, 0.01);
        let plan = ImportPlan::canonical(ImportKind::Accounts);
        let lookups = Lookups::default();
        let mut v = Validator::new(&plan, &lookups);
        let cells: Vec<&str> = data.accounts[0].iter().map(String::as_str).collect();
        let Record::Account(a) = v.row(2, &cells).unwrap() else {
            panic!("not an account")
        };
        assert_eq!(a.name, data.accounts[0][1]);
        assert!(a.products.iter().all(|p| PRODUCTS.contains(&p.as_str())));
    }

    /// `cargo test -p peerstage-core --release -- --ignored --nocapture demo::tests::speed`
    #[test]
    #[ignore]
    fn speed() {
        let start = std::time::Instant::now();
        let mut d = demo(1, 10.0);
        let built = start.elapsed();
        let mut n = 0;
        loop {
            let chunk = d.next_chunk(ImportKind::Touchpoints, 10_000);
            if chunk.is_empty() {
                break;
            }
            n += chunk.len();
        }
        println!(
            "new: {built:?}; {n} touchpoints in {:?}",
            start.elapsed() - built
        );
    }
}
