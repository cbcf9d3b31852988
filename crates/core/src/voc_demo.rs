//! Demo voice-of-customer feedback (F6 for C3–C5): varied customer statements about fourteen
//! recurring topics of the demo vendor's products, each topic with its own kind, tags, trend
//! over time and many ways of saying the same thing, so themes, search and customer language
//! have something real to find. Also the demo glossary: the vendor's product names and the
//! marketing terms it uses (which customers mostly do not).
//! Picks come from the caller's `Rng`: the same seed gives the same feedback.

use crate::evidence::{EvidenceKind, EvidenceSource};
use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Rising,
    Falling,
    Flat,
}

pub struct Topic {
    pub name: &'static str,
    pub kind: EvidenceKind,
    pub tags: &'static [&'static str],
    pub trend: Trend,
    pub weight: u32,
    /// Research level most statements of this topic sit at.
    pub level: u8,
    /// `{product}`, `{team}` and `{n}` are filled in.
    pub lines: &'static [&'static str],
}

pub const TOPICS: &[Topic] = &[
    Topic {
        name: "offline sync",
        kind: EvidenceKind::Problem,
        tags: &["mobile"],
        trend: Trend::Rising,
        weight: 12,
        level: 3,
        lines: &[
            "Offline mode on {product} loses changes when our field technicians reconnect.",
            "The sync fails whenever the tablet goes offline in the basement of the plant.",
            "Our {team} crew works without signal all day and the offline mode drops their notes.",
            "We lost two days of inspections because the app did not sync after offline work.",
            "Sync conflicts after offline mode are eating an hour a day for the {team} team.",
            "Field staff keep asking why offline changes vanish when the sync finally runs.",
            "Offline mode is not reliable enough for crews that are out of coverage for hours.",
            "When the phone comes back online the sync fails silently and nobody notices.",
            "I can't trust the mobile app offline; half the forms never sync back.",
        ],
    },
    Topic {
        name: "slow reports",
        kind: EvidenceKind::Problem,
        tags: &["reporting", "performance"],
        trend: Trend::Flat,
        weight: 12,
        level: 3,
        lines: &[
            "The monthly reports take forever to load, often more than {n} minutes.",
            "Dashboards in {product} are slow every Monday morning when everyone opens them.",
            "Our {team} managers gave up on the reports because loading is so slow.",
            "Report loading times are the number one complaint from our regional leads.",
            "Filtering a report by region takes ages and sometimes times out.",
            "The dashboard is slow to refresh, so people export everything to spreadsheets.",
            "Slow reports mean the board pack is late every quarter.",
            "It is not fast enough: a simple report over last year's data takes {n} minutes.",
        ],
    },
    Topic {
        name: "onboarding",
        kind: EvidenceKind::Problem,
        tags: &["onboarding"],
        trend: Trend::Falling,
        weight: 9,
        level: 3,
        lines: &[
            "Setup took {n} weeks longer than promised and our {team} lead nearly gave up.",
            "Onboarding new users is confusing; the first-week training did not stick.",
            "The implementation plan was vague and we had to chase your onboarding team.",
            "Getting started with {product} was harder than it should be for a small team.",
            "New hires struggle with onboarding because the setup wizard skips key steps.",
            "Onboarding felt rushed; nobody showed us how to configure the approval rules.",
            "The setup was not easy at all, we needed three calls to get the basics running.",
        ],
    },
    Topic {
        name: "salesforce integration",
        kind: EvidenceKind::Problem,
        tags: &["integrations"],
        trend: Trend::Rising,
        weight: 10,
        level: 3,
        lines: &[
            "The Salesforce integration breaks every time they change a field on their side.",
            "Our CRM sync with Salesforce duplicates contacts and the {team} team cleans them by hand.",
            "The connector to Salesforce stops syncing opportunities without any error message.",
            "We need the Salesforce integration to map custom fields, not just the standard ones.",
            "Integration with SAP and Salesforce is the reason we bought {product}, and it keeps breaking.",
            "Every Salesforce release breaks the connector for a day or two.",
            "The API limits on the Salesforce connector stop our nightly sync halfway.",
        ],
    },
    Topic {
        name: "pricing",
        kind: EvidenceKind::ExistentialThreat,
        tags: &["pricing", "renewal"],
        trend: Trend::Rising,
        weight: 8,
        level: 3,
        lines: &[
            "The renewal quote went up {n} percent and finance is asking us to look at alternatives.",
            "Per-seat pricing punishes us for rolling {product} out to occasional users.",
            "We are considering switching because a competitor offered half the price per seat.",
            "Our CFO questions the price at renewal; we cannot show enough value yet.",
            "Licensing for occasional users is too expensive, so half the {team} team shares logins.",
            "If the renewal price does not come down we will move to a cheaper tool next year.",
        ],
    },
    Topic {
        name: "support response",
        kind: EvidenceKind::Problem,
        tags: &["support"],
        trend: Trend::Falling,
        weight: 8,
        level: 3,
        lines: &[
            "Support tickets sit for {n} days before anyone answers.",
            "The response time from support is too slow when production is down.",
            "We opened a priority ticket and waited two days for a first reply.",
            "Support keeps asking for the same logs again instead of fixing the issue.",
            "Your support team is friendly but slow to respond on urgent tickets.",
            "Escalating a support ticket takes far too long for a critical outage.",
        ],
    },
    Topic {
        name: "approval workflow",
        kind: EvidenceKind::Wish,
        tags: &["workflow"],
        trend: Trend::Rising,
        weight: 9,
        level: 2,
        lines: &[
            "We would love multi-step approvals so purchase requests go to finance after the manager.",
            "Please add parallel approval steps; today everything waits for one approver.",
            "It would help if the approval chain could skip a step when the amount is small.",
            "Our {team} team wants approval reminders when a request sits for more than {n} days.",
            "We need conditional approval rules by region and amount.",
            "Delegating approvals during holidays is impossible, we wish there was an out-of-office rule.",
            "Could the approval workflow send a request back with comments instead of rejecting it?",
        ],
    },
    Topic {
        name: "audit trail",
        kind: EvidenceKind::Wish,
        tags: &["compliance"],
        trend: Trend::Flat,
        weight: 7,
        level: 3,
        lines: &[
            "Our auditors need a full audit trail of who changed each record and when.",
            "Compliance reporting is manual; we export the audit log to spreadsheets for every audit.",
            "We need to prove to the regulator who approved what, and the audit trail is incomplete.",
            "The audit log does not show field-level changes, which our compliance team requires.",
            "An exportable audit trail would save our {team} team days before each audit.",
        ],
    },
    Topic {
        name: "excel export",
        kind: EvidenceKind::Wish,
        tags: &["reporting"],
        trend: Trend::Flat,
        weight: 8,
        level: 2,
        lines: &[
            "Export to Excel loses the formatting and the date columns come out as text.",
            "We need a scheduled export to Excel every Friday for the {team} review.",
            "The CSV export cuts off long notes, so finance cannot reconcile.",
            "Please let us export filtered views to Excel, not only the full table.",
            "Exporting to Excel is the first thing everyone does, so make it one click.",
        ],
    },
    Topic {
        name: "time saved",
        kind: EvidenceKind::Praise,
        tags: &["value"],
        trend: Trend::Rising,
        weight: 10,
        level: 3,
        lines: &[
            "{product} saves our {team} team about {n} hours a week on status updates.",
            "We closed the quarter two days faster since moving approvals into {product}.",
            "The team loves how easy it is to see where every request stands.",
            "Easy to use, and our managers finally stopped chasing updates by email.",
            "Since rollout we have cut manual data entry in half; the team is happy.",
            "Honestly the best tool we bought this year, adoption was quick and painless.",
            "Our field crews say the checklists are simple and save them paperwork every day.",
        ],
    },
    Topic {
        name: "replaced spreadsheets",
        kind: EvidenceKind::WhyBought,
        tags: &["value"],
        trend: Trend::Flat,
        weight: 7,
        level: 3,
        lines: &[
            "We bought {product} to replace a mess of spreadsheets and email threads.",
            "We chose you because we needed one place for requests instead of twenty spreadsheets.",
            "The reason we signed was to get rid of the shared spreadsheet that kept breaking.",
            "Our old process lived in spreadsheets and nobody trusted the numbers.",
            "We picked {product} after a peer at another {team} team showed us their setup.",
        ],
    },
    Topic {
        name: "permissions",
        kind: EvidenceKind::Problem,
        tags: &["security"],
        trend: Trend::Flat,
        weight: 6,
        level: 3,
        lines: &[
            "User permissions are too coarse; contractors can see every project.",
            "We need role-based access so regional managers only see their own region.",
            "Setting up permissions for {n} new users is tedious and error-prone.",
            "Our security team flagged that guest users can export data they should not see.",
            "Access control by department is missing, so we created separate workspaces as a workaround.",
        ],
    },
    Topic {
        name: "notifications",
        kind: EvidenceKind::Problem,
        tags: &["workflow"],
        trend: Trend::Falling,
        weight: 6,
        level: 2,
        lines: &[
            "Too many email notifications; people now ignore all of them.",
            "The notification emails bury the important ones, so approvals get missed.",
            "Please let users choose a daily digest instead of an email for every change.",
            "Our {team} staff turned off notifications because of the noise.",
            "Notifications on mobile arrive hours late, which defeats the purpose.",
        ],
    },
    Topic {
        name: "recommend",
        kind: EvidenceKind::Recommendation,
        tags: &["advocacy"],
        trend: Trend::Flat,
        weight: 5,
        level: 3,
        lines: &[
            "I already recommended {product} to two peers in our industry group.",
            "Happy to be a reference for other {team} teams considering you.",
            "I would recommend it to any team that still runs approvals by email.",
            "We told our sister company to look at {product} for their field work.",
        ],
    },
];

/// Filler that customers add, so texts are not all template-clean.
const OPENERS: &[&str] = &[
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "Honestly, ",
    "To be fair, ",
    "As I said on the call, ",
    "Quick note: ",
    "From our side, ",
];
const CLOSERS: &[&str] = &[
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    " This came up again in our last review.",
    " Our director raised it too.",
    " Not a blocker yet, but it is getting there.",
    " Several people mentioned it this month.",
];
const TEAMS: &[&str] = &[
    "finance",
    "operations",
    "field service",
    "procurement",
    "IT",
    "customer service",
    "maintenance",
    "HR",
];

/// One generated statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub body: String,
    pub topic: usize,
    pub kind: EvidenceKind,
    pub level: u8,
    pub source: EvidenceSource,
    pub tags: Vec<String>,
    /// How many days before "today" it was said (0 ..= `span_days`).
    pub days_ago: u32,
}

/// A statement by a customer who uses `product`, said within the last `span_days`.
pub fn statement(rng: &mut Rng, product: &str, span_days: u32) -> Statement {
    let weights: Vec<u32> = TOPICS.iter().map(|t| t.weight).collect();
    let topic = rng.weighted(&weights);
    let t = &TOPICS[topic];
    let fill = |rng: &mut Rng, line: &str| {
        line.replace("{product}", product)
            .replace("{team}", rng.pick::<&str>(TEAMS))
            .replace("{n}", &rng.range(2, 12).to_string())
    };
    let first = rng.below(t.lines.len() as u64) as usize;
    let mut body = String::new();
    body.push_str(rng.pick::<&str>(OPENERS));
    let line = fill(rng, t.lines[first]);
    if body.is_empty() {
        body.push_str(&line);
    } else {
        // "Honestly, the sync fails…": lower-case the first letter after an opener.
        let mut c = line.chars();
        if let Some(f) = c.next() {
            if line.starts_with("I ") || line.starts_with("I'") {
                body.push(f);
            } else {
                body.extend(f.to_lowercase());
            }
            body.push_str(c.as_str());
        }
    }
    if rng.chance(0.35) && t.lines.len() > 1 {
        let mut second = rng.below(t.lines.len() as u64 - 1) as usize;
        if second >= first {
            second += 1;
        }
        body.push(' ');
        body.push_str(&fill(rng, t.lines[second]));
    }
    body.push_str(rng.pick::<&str>(CLOSERS));
    let u = rng.unit();
    let position = match t.trend {
        Trend::Rising => u.sqrt(),
        Trend::Falling => 1.0 - u.sqrt(),
        Trend::Flat => u,
    };
    let days_ago = ((1.0 - position) * span_days as f64).round() as u32;
    let source = match rng.below(10) {
        0..=3 => EvidenceSource::Pasted,
        4..=6 => EvidenceSource::Import,
        _ => EvidenceSource::Event,
    };
    let level = match rng.below(10) {
        0 => t.level.saturating_sub(1).max(1),
        1 => (t.level + 1).min(5),
        _ => t.level,
    };
    let tags = t
        .tags
        .iter()
        .filter(|_| rng.chance(0.7))
        .map(|s| s.to_string())
        .collect();
    Statement {
        body,
        topic,
        kind: t.kind,
        level,
        source,
        tags,
        days_ago,
    }
}

/// The demo vendor's own vocabulary: (term, what kind of term, note).
pub const GLOSSARY: &[(&str, &str, &str)] = &[
    (
        "Beacon Workflow",
        "product",
        "Requests, approvals and checklists",
    ),
    ("Beacon Analytics", "product", "Dashboards and reports"),
    (
        "Beacon Connect",
        "product",
        "Integrations with CRM and ERP systems",
    ),
    ("Beacon Mobile", "product", "The field app"),
    (
        "Beacon Insights API",
        "product",
        "Data access for developers",
    ),
    ("Beacon Assist", "product", "Guided help inside the product"),
    (
        "offline-first",
        "marketing",
        "How we describe Beacon Mobile",
    ),
    ("real-time collaboration", "marketing", ""),
    ("intelligent automation", "marketing", ""),
    (
        "actionable insights",
        "marketing",
        "Beacon Analytics tagline",
    ),
    (
        "seamless integration",
        "marketing",
        "Beacon Connect tagline",
    ),
    ("single pane of glass", "marketing", ""),
    ("end-to-end visibility", "marketing", ""),
    ("frictionless onboarding", "marketing", ""),
    ("enterprise-grade security", "marketing", ""),
    ("workflow orchestration", "marketing", ""),
    ("approval workflow", "feature", ""),
    ("audit trail", "feature", ""),
    ("role-based access", "feature", ""),
    ("dashboard", "feature", ""),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_varied_and_deterministic() {
        let mut a = Rng::new(9);
        let mut b = Rng::new(9);
        let xs: Vec<Statement> = (0..500)
            .map(|_| statement(&mut a, "Beacon Mobile", 540))
            .collect();
        let ys: Vec<Statement> = (0..500)
            .map(|_| statement(&mut b, "Beacon Mobile", 540))
            .collect();
        assert_eq!(xs, ys);
        let distinct: std::collections::HashSet<&str> =
            xs.iter().map(|s| s.body.as_str()).collect();
        assert!(distinct.len() > 350, "{}", distinct.len());
        for t in 0..TOPICS.len() {
            assert!(
                xs.iter().filter(|s| s.topic == t).count() >= 10,
                "topic {t}"
            );
        }
        assert!(xs
            .iter()
            .all(|s| s.days_ago <= 540 && !s.body.contains('{')));
        // Rising topics are said more recently than falling ones on average.
        let mean = |trend: Trend| {
            let v: Vec<f64> = xs
                .iter()
                .filter(|s| TOPICS[s.topic].trend == trend)
                .map(|s| s.days_ago as f64)
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(mean(Trend::Rising) + 100.0 < mean(Trend::Falling));
    }
}
