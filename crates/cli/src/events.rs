//! `event` commands (D1–D8): list events, an event's agenda with its stage checks, the
//! iCalendar file of an event or a session, a key guest's briefing pack, the guest list.

use crate::open;
use anyhow::{Context, Result};
use clap::Subcommand;
use peerstage_core::event::share_text;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum EventCommand {
    /// List events, the latest first
    List {
        /// Print a JSON array of events (each with its `id`)
        #[arg(long)]
        json: bool,
    },
    /// Show an event's agenda, the rules it breaks and its stage checks
    Agenda {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Write an event's iCalendar (.ics) file: the event and every session, or one session
    Ics {
        id: i64,
        /// The file to write
        #[arg(long)]
        out: PathBuf,
        /// Only this session
        #[arg(long)]
        session: Option<i64>,
    },
    /// Write a guest's briefing pack as a self-contained HTML file that prints cleanly
    Briefing {
        id: i64,
        /// The guest's contact id
        #[arg(long = "guest", value_name = "CONTACT_ID")]
        guest: i64,
        /// The file to write
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the guest list as CSV
    Guests {
        id: i64,
        /// The file to write (default: standard output)
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn write(out: &Path, body: &str) -> Result<()> {
    std::fs::write(out, body).with_context(|| format!("cannot write {}", out.display()))
}

pub fn event(url: &str, cmd: EventCommand) -> Result<()> {
    let store = open(url)?;
    let today = chrono::Utc::now().date_naive();
    match cmd {
        EventCommand::List { json } => {
            let list = store.list_events()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            println!(
                "{:<5} {:<32} {:<18} {:<23} {:>8} {:>6}",
                "id", "name", "kind", "dates", "sessions", "guests"
            );
            for e in list {
                let dates = if e.data.starts_on == e.data.ends_on {
                    e.data.starts_on.to_string()
                } else {
                    format!("{}..{}", e.data.starts_on, e.data.ends_on)
                };
                println!(
                    "{:<5} {:<32} {:<18} {:<23} {:>8} {:>6}",
                    e.id,
                    e.data.name,
                    e.data.kind.as_str(),
                    dates,
                    e.sessions,
                    e.guests
                );
            }
            Ok(())
        }
        EventCommand::Agenda { id, json } => {
            let a = store.agenda(id, today, 3)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&a)?);
                return Ok(());
            }
            println!(
                "{} ({}, {} to {}, times in {})",
                a.event.data.name,
                a.event.data.kind.label(),
                a.event.data.starts_on,
                a.event.data.ends_on,
                a.event.data.time_zone
            );
            for s in &a.sessions {
                let speakers: Vec<String> = s
                    .speakers
                    .iter()
                    .map(|k| match &k.account_name {
                        Some(o) => format!("{} ({o}, {})", k.display_name, k.data.kind.as_str()),
                        None => format!("{} ({})", k.display_name, k.data.kind.as_str()),
                    })
                    .collect();
                println!(
                    "  {} {}–{}  {:<20} {:<10} {}{}",
                    s.data.starts_at.format("%Y-%m-%d"),
                    s.data.starts_at.format("%H:%M"),
                    s.data.ends_at.format("%H:%M"),
                    s.room_name,
                    s.data.format.as_str(),
                    s.data.title,
                    if speakers.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", speakers.join(", "))
                    }
                );
            }
            for p in &a.problems {
                println!("error: {}", p.message);
            }
            println!(
                "stage checks (customers' target: at least {}):",
                share_text(a.event.data.customer_target)
            );
            for c in &a.checks {
                println!("  [{}] {}: {}", c.status.as_str(), c.title, c.explanation);
                for s in &c.suggestions {
                    println!("      suggest {} ({}): {}", s.name, s.account_name, s.why);
                }
            }
            Ok(())
        }
        EventCommand::Ics { id, out, session } => {
            let body = store.event_ics(id, session, peerstage_web::ICS_HOST)?;
            write(&out, &body)?;
            eprintln!(
                "wrote {} ({} calendar entr{})",
                out.display(),
                body.matches("BEGIN:VEVENT").count(),
                if body.matches("BEGIN:VEVENT").count() == 1 {
                    "y"
                } else {
                    "ies"
                }
            );
            Ok(())
        }
        EventCommand::Briefing { id, guest, out } => {
            let b = store.briefing(id, guest)?;
            write(&out, &peerstage_web::briefing_document(&b, None))?;
            eprintln!(
                "wrote the briefing pack for {} ({}) to {}",
                b.guest.contact_name,
                b.guest.account_name,
                out.display()
            );
            Ok(())
        }
        EventCommand::Guests { id, out } => {
            let csv = store.guests_csv(id)?;
            match out {
                Some(p) => {
                    write(&p, &csv)?;
                    eprintln!(
                        "wrote {} guests to {}",
                        csv.lines().count().saturating_sub(1),
                        p.display()
                    );
                }
                None => print!("{csv}"),
            }
            Ok(())
        }
    }
}
