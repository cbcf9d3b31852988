//! `third-party`, `sources` and `story` commands (B5, B6). Reviews and survey answers come in
//! with `peerstage import reviews|sources FILE`; the review sites and analyst firms they name
//! are added here first.

use crate::open;
use anyhow::{anyhow, Result};
use clap::Subcommand;
use peerstage_core::journey::ThirdPartyData;
use peerstage_core::story::{spin_flags, StoryQuery};
use peerstage_core::{parse, Fields};

#[derive(Subcommand)]
pub enum ThirdPartyCommand {
    /// Add a review site or analyst firm (imports of reviews and sources name it)
    Add {
        #[arg(long)]
        name: String,
        /// review_site or analyst_firm
        #[arg(long)]
        kind: String,
        /// Its web address
        #[arg(long)]
        url: Option<String>,
    },
    /// List review sites and analyst firms with their reviews
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum StoryCommand {
    /// List stories, newest first, with spin flags
    List {
        /// Only stories flagged as spin (no downside, or no "where we are not a fit")
        #[arg(long)]
        spin: bool,
        /// awareness, consideration, decision, onboarding, expansion
        #[arg(long)]
        stage: Option<String>,
        /// draft, sent_for_approval, approved, declined
        #[arg(long)]
        approval: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub fn third_party(url: &str, cmd: ThirdPartyCommand) -> Result<()> {
    let store = open(url)?;
    match cmd {
        ThirdPartyCommand::Add { name, kind, url } => {
            let f = Fields::from_pairs([
                ("name", name),
                ("kind", kind),
                ("url", url.unwrap_or_default()),
            ]);
            let d = ThirdPartyData::from_fields(&f).map_err(|e| anyhow!("{e}"))?;
            let t = store.create_third_party(&d)?;
            eprintln!(
                "added {} ({}) as third party {}",
                t.data.name,
                t.data.kind.label().to_lowercase(),
                t.id
            );
            Ok(())
        }
        ThirdPartyCommand::List { json } => {
            let list = store.list_third_parties()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            println!(
                "{:<5} {:<28} {:<13} {:>7} {:>7}  web site",
                "id", "name", "kind", "reviews", "rating"
            );
            for t in list {
                println!(
                    "{:<5} {:<28} {:<13} {:>7} {:>7}  {}",
                    t.id,
                    t.data.name,
                    t.data.kind.as_str(),
                    t.review_count,
                    t.average_rating
                        .map(|r| format!("{r:.1}"))
                        .unwrap_or_else(|| "—".into()),
                    t.data.url.unwrap_or_default()
                );
            }
            Ok(())
        }
    }
}

/// The buyer-journey report: each source's share of new customers and attributed revenue.
pub fn sources(url: &str, since: Option<String>, until: Option<String>, json: bool) -> Result<()> {
    let date = |flag: &str, v: Option<String>| {
        v.map(|v| parse::required_date(&v).map_err(|e| anyhow!("--{flag}: {e}")))
            .transpose()
    };
    let (since, until) = (date("since", since)?, date("until", until)?);
    let store = open(url)?;
    let r = store.source_report(since, until)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    println!(
        "{} new customers answered, naming {} sources; {} named a review site or analyst firm",
        r.respondents, r.responses, r.via_third_parties
    );
    println!(
        "{:<28} {:<13} {:>9} {:>7} {:>16}",
        "source", "kind", "customers", "share", "revenue"
    );
    for s in &r.sources {
        println!(
            "{:<28} {:<13} {:>9} {:>6.1}% {:>16}",
            s.name,
            s.kind,
            s.customers,
            s.share * 100.0,
            peerstage_core::money::format_amount(s.revenue.round() as i64)
        );
    }
    println!(
        "{:<28} {:<13} {:>9} {:>7} {:>16}",
        "all who answered",
        "",
        r.respondents,
        "",
        peerstage_core::money::format_amount(r.total_revenue)
    );
    Ok(())
}

pub fn story(url: &str, cmd: StoryCommand) -> Result<()> {
    let StoryCommand::List {
        spin,
        stage,
        approval,
        json,
    } = cmd;
    let mut f = Fields::from_pairs([("per_page", "500")]);
    if spin {
        f.push("spin", "yes");
    }
    f.push("stage", stage.unwrap_or_default());
    f.push("approval", approval.unwrap_or_default());
    let query = StoryQuery::from_fields(&f).map_err(|e| anyhow!("{e}"))?;
    let store = open(url)?;
    let page = store.list_stories(&query)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&page.items)?);
        return Ok(());
    }
    for s in &page.items {
        let flags: Vec<&str> = spin_flags(s).iter().map(|f| f.label()).collect();
        println!(
            "{:<5} {:<40} {:<24} {:<14} {:<18} {}",
            s.id,
            s.data.title,
            s.account_name,
            s.data.stage.as_str(),
            s.data.approval.as_str(),
            if flags.is_empty() {
                "authentic".to_string()
            } else {
                format!("SPIN: {}", flags.join(", "))
            }
        );
    }
    eprintln!("{} stories", page.total);
    Ok(())
}
