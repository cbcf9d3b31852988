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
    }
    for (i, c) in result.candidates.iter().enumerate() {
        println!(
            "{:>2}. {:<28} {:<30} score {:>5.1}{}",
            i + 1,
            c.contact_name,
            c.account_name,
            c.score,
            if c.ask_first { "  (ask first)" } else { "" }
        );
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
            let result = store.match_criteria(&req.criteria, today(), limit)?;
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

pub fn advocate(url: &str, cmd: AdvocateCommand) -> Result<()> {
    let store = open(url)?;
    match cmd {
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
