//! `reference` and `advocate` commands (B1–B4).

use crate::open;
use anyhow::{anyhow, Result};
use clap::{Args, Subcommand};
use peerstage_core::reference::{MatchResult, NewRequest, RequestStatus};
use peerstage_core::Fields;
use peerstage_store::RequestFilter;

/// Criteria given on the command line are required unless named in --prefer.
#[derive(Args, Debug, Default)]
pub struct CriteriaArgs {
    #[arg(long)]
    industry: Option<String>,
    /// north_america, emea, apac, latam
    #[arg(long)]
    region: Option<String>,
    #[arg(long)]
    country: Option<String>,
    /// small, mid, large
    #[arg(long)]
    size: Option<String>,
    /// Product the prospect is buying (repeatable)
    #[arg(long = "product")]
    products: Vec<String>,
    /// Topic or use case (repeatable)
    #[arg(long = "topic")]
    topics: Vec<String>,
    /// The prospect contact's role: decision_maker, user, influencer, champion
    #[arg(long)]
    persona_role: Option<String>,
    /// executive, director, manager, individual
    #[arg(long)]
    seniority: Option<String>,
    #[arg(long)]
    language: Option<String>,
    /// The competitor the advocate's company replaced with us
    #[arg(long)]
    competitor_replaced: Option<String>,
    /// Criteria that are only preferred (ranked, not required), e.g. --prefer region
    #[arg(long = "prefer", value_name = "CRITERION")]
    prefer: Vec<String>,
}

impl CriteriaArgs {
    fn push(&self, f: &mut Fields) {
        let mut add = |name: &str, v: Option<String>| {
            if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
                f.push(name, v);
                let required = !self.prefer.iter().any(|p| {
                    p == name
                        || (name == "products" && p == "product")
                        || (name == "topics" && p == "topic")
                });
                f.push(
                    format!("{name}_required"),
                    if required { "yes" } else { "no" },
                );
            }
        };
        add("industry", self.industry.clone());
        add("region", self.region.clone());
        add("country", self.country.clone());
        add("size", self.size.clone());
        add(
            "products",
            (!self.products.is_empty()).then(|| self.products.join(";")),
        );
        add(
            "topics",
            (!self.topics.is_empty()).then(|| self.topics.join(";")),
        );
        add("persona_role", self.persona_role.clone());
        add("seniority", self.seniority.clone());
        add("language", self.language.clone());
        add("competitor_replaced", self.competitor_replaced.clone());
    }
}

#[derive(Subcommand)]
pub enum ReferenceCommand {
    /// Rank advocates for a request (by id) or for criteria given here, without creating a request
    Match {
        /// An existing request's id; leave out to match the criteria below
        request_id: Option<i64>,
        /// Activity: reference_call, site_visit, case_study, video_testimonial, review, speaking_slot, panel, media_interview
        #[arg(long)]
        activity: Option<String>,
        #[command(flatten)]
        criteria: CriteriaArgs,
        /// How many candidates to show
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Print JSON: {"candidates": [...], "excluded": [...]}
        #[arg(long)]
        json: bool,
    },
    /// Create a reference request for a deal
    Request {
        /// The prospect's name
        #[arg(long)]
        prospect: Option<String>,
        /// Or the prospect's account id
        #[arg(long)]
        prospect_account: Option<i64>,
        #[arg(long)]
        activity: String,
        #[arg(long)]
        deal_value: Option<String>,
        /// YYYY-MM-DD
        #[arg(long)]
        needed_by: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        #[command(flatten)]
        criteria: CriteriaArgs,
        #[arg(long)]
        json: bool,
    },
    /// List reference requests
    List {
        /// requested, proposed, asked, accepted, declined, completed, cancelled
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The program manager's queue: due soon, no candidate, waiting, unconfirmed, busy,
    /// near fatigue, stale nominations, expiring consents, data quality
    Ops {
        #[arg(long)]
        json: bool,
    },
    /// A one-time feedback link for the advocate of a completed request (shown once)
    FeedbackLink {
        request_id: i64,
        /// The server's address, to print a whole link (e.g. https://peerstage.example.com)
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Confirm a completed activity happened, without feedback
    Confirm { request_id: i64 },
}

#[derive(Subcommand)]
pub enum AdvocateCommand {
    /// List advocates by score
    List {
        /// Only the Rock Star tier
        #[arg(long)]
        rock_stars: bool,
        #[arg(long, default_value_t = 25)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// One advocate's traits, motivations and suggested offers
    Show {
        contact_id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Nominate a contact as a potential advocate
    Nominate {
        contact_id: i64,
        /// Why they would make a good advocate
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// Nominations (NPS promoters and contacts praising us are proposed first)
    Nominations {
        /// nominated, contacted, recruited, active, declined
        #[arg(long)]
        status: Option<String>,
        /// Only those untouched for too long
        #[arg(long)]
        stale: bool,
        #[arg(long)]
        json: bool,
    },
    /// Move a nomination: nominated → contacted → recruited → active, or declined
    Nomination {
        nomination_id: i64,
        status: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// A contact's consent per activity type; with --activity and --consent, record one
    Consent {
        contact_id: i64,
        /// reference_call, site_visit, speaking, media, case_study, video, review, logo, quote
        #[arg(long)]
        activity: Option<String>,
        /// yes, ask_first, no
        #[arg(long)]
        consent: Option<String>,
        /// YYYY-MM-DD (default today)
        #[arg(long)]
        given: Option<String>,
        /// YYYY-MM-DD
        #[arg(long)]
        expires: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Consents expiring within --days (default 30), and those that just expired
    Expiring {
        #[arg(long, default_value_t = 30)]
        days: i64,
        #[arg(long)]
        json: bool,
    },
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn print_match(result: &MatchResult, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(result)?);
        return Ok(());
    }
    if result.candidates.is_empty() {
        println!("No advocate fits every required criterion and the program's rules.");
        for b in &result.blocked_by {
            println!("  blocked by {b}");
        }
        for l in &result.loosened {
            let names: Vec<String> = l
                .best
                .iter()
                .map(|c| format!("{} ({})", c.contact_name, c.account_name))
                .collect();
            println!("  {}: {}", l.summary(), names.join(", "));
        }
    }
    for (i, c) in result.candidates.iter().enumerate() {
        println!(
            "{:>2}. {:<28} {:<30} score {:>5.1}{}",
            i + 1,
            c.contact_name,
            c.account_name,
            c.score,
            if c.consent_expired {
                "  (consent expired: ask first)"
            } else if c.ask_first {
                "  (ask first)"
            } else {
                ""
            }
        );
        if !c.busy_on.is_empty() {
            let list: Vec<String> = c.busy_on.iter().map(|r| format!("#{r}")).collect();
            println!("    busy on request {}", list.join(", "));
        }
        println!("    contact {} · {}", c.contact_id, c.reasons.join("; "));
    }
    if !result.excluded.is_empty() {
        println!("\nLeft out:");
        for e in &result.excluded {
            println!(
                "    {:<28} {:<30} {}",
                e.contact_name,
                e.account_name,
                e.reasons.join("; ")
            );
        }
    }
    Ok(())
}

fn invalid(e: peerstage_core::FieldErrors) -> anyhow::Error {
    anyhow!("{e}")
}

pub fn reference(url: &str, cmd: ReferenceCommand) -> Result<()> {
    let store = open(url)?;
    match cmd {
        ReferenceCommand::Match {
            request_id: Some(id),
            limit,
            json,
            ..
        } => {
            let result = store.match_request(id, today(), limit)?;
            print_match(&result, json)
        }
        ReferenceCommand::Match {
            request_id: None,
            activity,
            criteria,
            limit,
            json,
        } => {
            let mut f = Fields::from_pairs([
                ("prospect_name", "command line"),
                ("activity", activity.as_deref().unwrap_or("reference_call")),
            ]);
            criteria.push(&mut f);
            let req = NewRequest::from_fields(&f).map_err(invalid)?;
            let result =
                store.match_criteria_for(&req.criteria, Some(req.activity), today(), limit)?;
            print_match(&result, json)
        }
        ReferenceCommand::Request {
            prospect,
            prospect_account,
            activity,
            deal_value,
            needed_by,
            notes,
            criteria,
            json,
        } => {
            let mut f = Fields::new();
            f.push("prospect_name", prospect.unwrap_or_default());
            f.push(
                "prospect_account_id",
                prospect_account.map(|i| i.to_string()).unwrap_or_default(),
            );
            f.push("activity", activity);
            f.push("deal_value", deal_value.unwrap_or_default());
            f.push("needed_by", needed_by.unwrap_or_default());
            f.push("notes", notes.unwrap_or_default());
            criteria.push(&mut f);
            let req = NewRequest::from_fields(&f).map_err(invalid)?;
            let created = store.create_request(&req)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&created)?);
            } else {
                println!(
                    "request {} created: {} for {} ({})",
                    created.id,
                    created.activity.label(),
                    created.prospect_name,
                    created.criteria.describe()
                );
                println!(
                    "rank advocates with: peerstage reference match {}",
                    created.id
                );
            }
            Ok(())
        }
        ReferenceCommand::Ops { json } => ops(url, json),
        ReferenceCommand::FeedbackLink {
            request_id,
            base_url,
            json,
        } => {
            let link = store.create_feedback_link(request_id)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&link)?);
            } else {
                println!(
                    "{}{}",
                    base_url.unwrap_or_default().trim_end_matches('/'),
                    link.path
                );
                println!(
                    "works once, needs no sign-in, expires {}; shown only now",
                    link.expires_at.format("%Y-%m-%d")
                );
            }
            Ok(())
        }
        ReferenceCommand::Confirm { request_id } => {
            store.confirm_request(request_id)?;
            println!("request {request_id} confirmed");
            Ok(())
        }
        ReferenceCommand::List { status, json } => {
            let status = status
                .map(|s| RequestStatus::parse(&s).map_err(|e| anyhow!("--status: {e}")))
                .transpose()?;
            let list = store.list_requests(&RequestFilter {
                status,
                ..Default::default()
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            println!(
                "{:<5} {:<10} {:<24} {:<22} {:<12} advocate",
                "id", "status", "prospect", "activity", "needed by"
            );
            for r in list {
                println!(
                    "{:<5} {:<10} {:<24} {:<22} {:<12} {}",
                    r.id,
                    r.status.as_str(),
                    r.prospect_name,
                    r.activity.as_str(),
                    r.needed_by.map(|d| d.to_string()).unwrap_or_default(),
                    r.advocate_name.unwrap_or_default()
                );
            }
            Ok(())
        }
    }
}

fn print_requests(title: &str, rows: &[peerstage_store::OpsRequest], total: u64, days: &str) {
    if total > rows.len() as u64 {
        println!("{title} ({total}; the first {} below)", rows.len());
    } else {
        println!("{title} ({total})");
    }
    for r in rows {
        println!(
            "  #{:<5} {:<24} {:<20} {:<10} {:<12} {days} {:>4}  {}",
            r.id,
            r.prospect_name,
            r.activity,
            r.status.as_str(),
            r.needed_by.map(|d| d.to_string()).unwrap_or_default(),
            r.days,
            r.advocate_name.as_deref().unwrap_or("")
        );
    }
}

fn print_people(title: &str, rows: &[peerstage_store::OpsAdvocate]) {
    println!("{title} ({})", rows.len());
    for a in rows {
        println!(
            "  {:<28} {:<30} contact {:<6} {}",
            a.name, a.account_name, a.contact_id, a.detail
        );
    }
}

pub fn ops(url: &str, json: bool) -> Result<()> {
    let store = open(url)?;
    let q = store.ops_queue(today())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&q)?);
        return Ok(());
    }
    print_requests(
        "Due in the next 72 hours",
        &q.due_soon,
        q.due_soon_total,
        "days left",
    );
    print_requests(
        "No candidate",
        &q.no_candidate,
        q.no_candidate_total,
        "days open",
    );
    print_requests(
        &format!(
            "Waiting on an advocate for more than {} days",
            q.ask_wait_days
        ),
        &q.waiting,
        q.waiting_total,
        "days waiting",
    );
    print_requests(
        "Completed but unconfirmed",
        &q.unconfirmed,
        q.unconfirmed_total,
        "days since",
    );
    print_people("Busy on another request", &q.busy);
    print_people("Near the fatigue limit", &q.near_fatigue);
    println!(
        "Nominations untouched too long ({})",
        q.stale_nominations.len()
    );
    for n in &q.stale_nominations {
        println!(
            "  #{:<5} {:<28} {:<10} {} days",
            n.id,
            n.contact_name,
            n.status.as_str(),
            n.days_untouched
        );
    }
    if q.expiring_consents_total > q.expiring_consents.len() as u64 {
        println!(
            "Consents expiring ({}; the {} soonest below, all with `peerstage advocate expiring`)",
            q.expiring_consents_total,
            q.expiring_consents.len()
        );
    } else {
        println!("Consents expiring ({})", q.expiring_consents_total);
    }
    for c in &q.expiring_consents {
        println!(
            "  {:<28} {:<16} {} ({} days)",
            c.contact_name,
            c.activity.as_str(),
            c.expires_on,
            c.days_left
        );
    }
    print_people(
        "Advocates with no activity type consented",
        &q.data.advocates_without_consent,
    );
    println!(
        "Accounts with no industry or size ({})",
        q.data.accounts_missing_total
    );
    for a in &q.data.accounts_missing_facts {
        println!(
            "  {:<30} account {:<6} no {}",
            a.name,
            a.account_id,
            a.missing.join(", no ")
        );
    }
    println!(
        "Contacts not touched in a year ({})",
        q.data.untouched_total
    );
    Ok(())
}

pub fn advocate(url: &str, cmd: AdvocateCommand) -> Result<()> {
    let store = open(url)?;
    match cmd {
        AdvocateCommand::Nominate {
            contact_id,
            reason,
            json,
        } => {
            let n = peerstage_core::refops::NewNomination::from_fields(&Fields::from_pairs([
                ("contact_id", contact_id.to_string()),
                ("reason", reason),
            ]))
            .map_err(invalid)?;
            let got = store.nominate(&n, today())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&got)?);
            } else {
                println!(
                    "nomination {} created: {} ({})",
                    got.id, got.contact_name, got.account_name
                );
            }
            Ok(())
        }
        AdvocateCommand::Nominations {
            status,
            stale,
            json,
        } => {
            let status = status
                .map(|s| {
                    peerstage_core::refops::NominationStatus::parse(&s)
                        .map_err(|e| anyhow!("--status: {e}"))
                })
                .transpose()?;
            let all = store.list_nominations(status, today())?;
            if all.len() >= peerstage_store::LIST_CAP {
                eprintln!(
                    "note: the list stops at {} nominations (open ones first); narrow it with --status",
                    peerstage_store::LIST_CAP
                );
            }
            let list: Vec<_> = all.into_iter().filter(|n| !stale || n.stale).collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            for n in &list {
                println!(
                    "#{:<5} {:<10} {:<28} {:<28} {:>3} days{}  {}",
                    n.id,
                    n.status.as_str(),
                    n.contact_name,
                    n.account_name,
                    n.days_untouched,
                    if n.stale { " (stale)" } else { "" },
                    n.reason
                );
            }
            Ok(())
        }
        AdvocateCommand::Nomination {
            nomination_id,
            status,
            note,
        } => {
            let to = peerstage_core::refops::NominationStatus::parse(&status)
                .map_err(|e| anyhow!("status: {e}"))?;
            let n = store.advance_nomination(nomination_id, to, note, today())?;
            println!(
                "nomination {} of {} is now {}",
                n.id,
                n.contact_name,
                n.status.as_str()
            );
            Ok(())
        }
        AdvocateCommand::Consent {
            contact_id,
            activity,
            consent,
            given,
            expires,
            note,
            json,
        } => {
            if activity.is_some() || consent.is_some() {
                let f = Fields::from_pairs([
                    ("activity", activity.unwrap_or_default()),
                    ("consent", consent.unwrap_or_default()),
                    ("given_on", given.unwrap_or_default()),
                    ("expires_on", expires.unwrap_or_default()),
                    ("note", note.unwrap_or_default()),
                ]);
                let d = peerstage_core::refops::ConsentData::from_fields(&f, today())
                    .map_err(invalid)?;
                store.set_activity_consent(contact_id, &d)?;
            }
            let rows = store.contact_consents(contact_id, today())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(());
            }
            for r in &rows {
                println!(
                    "{:<16} {:<9} {:<9}{} {}{}",
                    r.activity.as_str(),
                    r.kind,
                    r.effective.as_str(),
                    if r.expired { " (expired)" } else { "" },
                    if r.recorded {
                        format!(
                            "given {}",
                            r.given_on.map(|d| d.to_string()).unwrap_or_default()
                        )
                    } else {
                        "general consent".to_string()
                    },
                    r.expires_on
                        .map(|d| format!(", expires {d}"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        AdvocateCommand::Expiring { days, json } => {
            if !(1..=365).contains(&days) {
                return Err(anyhow!("--days: {days} is out of range (1 to 365)"));
            }
            let rows = store.expiring_consents(today(), days)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(());
            }
            if rows.is_empty() {
                println!("No consent expires in the next {days} days.");
            }
            for c in &rows {
                println!(
                    "{} {:>4} days  {:<28} {:<28} {}",
                    c.expires_on,
                    c.days_left,
                    c.contact_name,
                    c.account_name,
                    c.activity.as_str()
                );
            }
            Ok(())
        }
        AdvocateCommand::List {
            rock_stars,
            limit,
            json,
        } => {
            let snap = store.advocate_snapshot(today())?;
            let mut rows: Vec<_> = snap
                .rows
                .iter()
                .filter(|r| !rock_stars || r.score.rock_star)
                .collect();
            rows.sort_by(|a, b| {
                b.score
                    .score
                    .cmp(&a.score.score)
                    .then(a.candidate.contact_id.cmp(&b.candidate.contact_id))
            });
            rows.truncate(limit);
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(());
            }
            for r in rows {
                println!(
                    "{:>3} {}  {:<28} {:<30} contact {}",
                    r.score.score,
                    if r.score.rock_star { "★" } else { " " },
                    r.candidate.contact_name,
                    r.candidate.account_name,
                    r.candidate.contact_id
                );
            }
            Ok(())
        }
        AdvocateCommand::Show { contact_id, json } => {
            let p = store.advocate_profile(contact_id, today())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&p)?);
                return Ok(());
            }
            println!(
                "{} ({}) — score {}{}",
                p.row.candidate.contact_name,
                p.row.candidate.account_name,
                p.row.score.score,
                if p.row.score.rock_star {
                    ", Rock Star"
                } else {
                    ""
                }
            );
            for t in &p.row.score.traits {
                println!(
                    "  {:<28} {:>5.1} points  {}",
                    t.trait_.label(),
                    t.points,
                    t.because
                );
            }
            let valued: Vec<String> = p
                .row
                .motivations
                .iter()
                .map(|(m, s)| format!("{} ({s:?})", m.label()))
                .collect();
            println!(
                "  values: {}",
                if valued.is_empty() {
                    "not recorded yet".into()
                } else {
                    valued.join(", ")
                }
            );
            for s in p.suggestions.iter().take(5) {
                println!("  offer {}: {}", s.opportunity.label(), s.why);
            }
            Ok(())
        }
    }
}
