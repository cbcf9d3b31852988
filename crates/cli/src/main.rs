//! `peerstage`: the one binary. Each command opens the store and calls into it.

mod access;
mod bench;
mod events;
mod insights;
mod journey;
mod media;
mod progress;
mod questions;
mod references;
mod voc;
mod voc_bench;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use peerstage_core::demo::{Demo, DemoOptions};
use peerstage_core::import::ImportKind;
use peerstage_store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "peerstage",
    version,
    about = "Customer advocacy and voice-of-customer platform"
)]
struct Cli {
    /// Database: sqlite://FILE (default sqlite://peerstage.db) or postgres://USER@HOST/DB
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "sqlite://peerstage.db",
        hide_env_values = true
    )]
    database_url: String,
    /// Folder for uploaded recordings (C2); default: `<database>-media` beside an SQLite
    /// file. Needed with PostgreSQL to store files rather than links.
    #[arg(long, global = true, env = "PEERSTAGE_MEDIA_DIR")]
    media_dir: Option<PathBuf>,
    /// Seconds a change waits for another one holding the database (a large import) before
    /// it fails as busy, writing nothing (0: at once); the server answers such a request with 503
    #[arg(long, global = true, env = "PEERSTAGE_LOCK_WAIT", default_value = "15", value_name = "SECONDS", value_parser = parse_lock_wait)]
    lock_wait: std::time::Duration,
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run; the size of the biggest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Fill the database with a realistic demo company (deterministic for a seed)
    Demo {
        /// Random seed; the same seed gives the same company
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Size: 1 ≈ 2,000 accounts, 10,000 contacts, 100,000 touchpoints, 20,000 NPS responses
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Delete existing customers first
        #[arg(long)]
        reset: bool,
    },
    /// Run the web UI and JSON API
    Serve {
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        /// Mark the session cookie Secure (when users reach peerstage over HTTPS)
        #[arg(long)]
        secure_cookies: bool,
        /// Largest recording accepted for upload, in megabytes (default 2048)
        #[arg(long)]
        max_media_mb: Option<u64>,
    },
    /// Import a CSV file; all or nothing unless --skip-invalid
    Import {
        /// accounts, contacts, touchpoints, commitments, nps, reviews, sources or evidence
        kind: String,
        /// The CSV file (UTF-8, comma or semicolon separated)
        file: PathBuf,
        /// Import the valid rows and write the rejected ones to --rejects
        #[arg(long)]
        skip_invalid: bool,
        /// Where rejected rows go with --skip-invalid (default: FILE.rejects.csv)
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// Column layout of a CRM export: salesforce
        #[arg(long)]
        preset: Option<String>,
        /// FIELD=COLUMN: read a field from a differently named column (repeatable)
        #[arg(long = "map", value_name = "FIELD=COLUMN")]
        map: Vec<String>,
    },
    /// Export a kind as CSV, in the layout import reads
    Export {
        /// accounts, contacts, touchpoints, commitments, nps, reviews, sources or evidence
        kind: String,
        /// Output file (default: standard output)
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Make a consistent copy of the SQLite database while it is in use
    Backup {
        /// Target file; must not exist
        file: PathBuf,
    },
    /// Manage users: add, list, disable, enable
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens: create, list, revoke
    #[command(subcommand)]
    Token(TokenCommand),
    /// List the audit log (newest first)
    Audit {
        /// Only changes by this user (email, or "cli")
        #[arg(long)]
        actor: Option<String>,
        /// Only this kind of record (account, contact, touchpoint, user, …)
        #[arg(long)]
        entity: Option<String>,
        /// Only this record id
        #[arg(long)]
        id: Option<i64>,
        /// Only this action: create, update, delete, import, erase
        #[arg(long)]
        action: Option<String>,
        /// From this date (YYYY-MM-DD)
        #[arg(long)]
        since: Option<String>,
        /// Up to and including this date (YYYY-MM-DD)
        #[arg(long)]
        until: Option<String>,
        /// How many entries
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Export or erase everything stored about a person (F3)
    #[command(subcommand)]
    Privacy(PrivacyCommand),
    /// Reference requests and matching advocates to them (B3)
    #[command(subcommand)]
    Reference(references::ReferenceCommand),
    /// Advocates: scores, Rock Stars, what they value (B1, B2)
    #[command(subcommand)]
    Advocate(references::AdvocateCommand),
    /// Authentic customer stories and their spin flags (B5)
    #[command(subcommand)]
    Story(journey::StoryCommand),
    /// Review sites and analyst firms that educate buyers (B6)
    #[command(subcommand, name = "third-party")]
    ThirdParty(journey::ThirdPartyCommand),
    /// Where new customers learned about us: each source's share and revenue (B6)
    Sources {
        /// Answers from this day (YYYY-MM-DD)
        #[arg(long)]
        since: Option<String>,
        /// Answers up to this day (YYYY-MM-DD)
        #[arg(long)]
        until: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Analyze a quarterly-review agenda: each item's class, shares of time, verdict (E2)
    AnalyzeReview {
        /// CSV with columns item, minutes[, notes], or Markdown: a table with those columns,
        /// or a list like "- Pipeline review (45 min)"
        file: PathBuf,
        /// csv or markdown (default: from the file name, else detected)
        #[arg(long)]
        format: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
        /// Also save it, to compare later reviews with
        #[arg(long)]
        save: bool,
        /// Title of the saved review
        #[arg(long, requires = "save")]
        title: Option<String>,
        /// When the review was held (YYYY-MM-DD)
        #[arg(long, requires = "save")]
        held_on: Option<String>,
    },
    /// Customer events: agendas and stage checks, iCalendar, briefing packs, guests (D1–D8)
    #[command(subcommand)]
    Event(events::EventCommand),
    /// The customer-centricity scorecard for a quarter, with the four before it (E1)
    Scorecard {
        /// Quarter, e.g. 2026Q3 (default: the last complete quarter)
        #[arg(long)]
        period: Option<String>,
        /// enterprise, mid_market or smb (default: all)
        #[arg(long)]
        segment: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Customer recordings: add (file or link) with a transcript, replace a transcript, list (C2)
    #[command(subcommand)]
    Media(media::MediaCommand),
    /// Open actions from strategy sessions by owner, with the evidence behind each (C7)
    Actions {
        /// Only this owner's actions
        #[arg(long)]
        owner: Option<String>,
        /// Done ones too
        #[arg(long)]
        all: bool,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Check an interview guide for closed, leading, feature-shopping and double-barrelled
    /// questions, with a rewrite for each (C6). Exit code 0: none flagged; 1: some flagged;
    /// 2: the guide could not be read or holds no question
    LintQuestions {
        /// One question a line, or Markdown; "-" reads standard input
        file: PathBuf,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Full-text search over the voice-of-customer evidence, best matches first, with filters (C3)
    Search(voc::SearchArgs),
    /// Themes found in the evidence: label, items, trend, sentiment, accounts, revenue (C4)
    Themes {
        /// Group the evidence into themes again first (named themes keep their names)
        #[arg(long)]
        refresh: bool,
        /// With --refresh: this many themes (default: chosen by silhouette)
        #[arg(long)]
        k: Option<usize>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// The phrases customers use against our glossary (C5)
    Language {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Benchmarks behind docs/PERFORMANCE.md
    #[command(subcommand, hide = true)]
    Bench(bench::BenchCommand),
}

#[derive(Subcommand)]
pub(crate) enum UserCommand {
    /// Add a user; the password is asked for on the terminal, or read from stdin
    Add {
        #[arg(long)]
        email: String,
        /// admin, manager, sales, product or viewer
        #[arg(long)]
        role: String,
        /// Read the password from standard input (first line)
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users
    List {
        #[arg(long)]
        json: bool,
    },
    /// Disable a user: ends their sessions and revokes their tokens
    Disable { email: String },
    /// Enable a disabled user again
    Enable { email: String },
}

#[derive(Subcommand)]
pub(crate) enum TokenCommand {
    /// Create an API token for a user; the token is printed once, on the last line
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "api")]
        name: String,
    },
    /// List tokens (never their secrets)
    List,
    /// Revoke a token by id
    Revoke { id: i64 },
}

#[derive(Subcommand)]
pub(crate) enum PrivacyCommand {
    /// Write everything stored about a contact as JSON
    Export {
        #[arg(long)]
        contact: i64,
        /// Output file (default: standard output)
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Remove a contact's personal data, keeping anonymised touchpoints and NPS responses
    Erase {
        #[arg(long)]
        contact: i64,
    },
}

fn main() {
    // Exit quietly when the reader of our output goes away (`peerstage export … | head`).
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    tracing_subscriber::fmt()
        .with_max_level(if std::env::var("PEERSTAGE_DEBUG").is_ok() {
            tracing::Level::DEBUG
        } else {
            tracing::Level::INFO
        })
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let cli = Cli::parse();
    let _ = LOCK_WAIT.set(cli.lock_wait);
    if let Err(e) = run(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn parse_lock_wait(s: &str) -> std::result::Result<std::time::Duration, String> {
    match s.trim().parse::<f64>() {
        Ok(secs) if (0.0..=3600.0).contains(&secs) => Ok(std::time::Duration::from_secs_f64(secs)),
        _ => Err(format!("'{s}' is not a number of seconds from 0 to 3600")),
    }
}

/// `--lock-wait`, set once by `main` before any command opens the database.
static LOCK_WAIT: std::sync::OnceLock<std::time::Duration> = std::sync::OnceLock::new();

pub(crate) fn open(url: &str) -> Result<Store> {
    let new_file = peerstage_store::sqlite_path(url)
        .filter(|p| !p.is_empty() && !std::path::Path::new(p).exists());
    let mut options = peerstage_store::OpenOptions::default();
    if let Some(wait) = LOCK_WAIT.get() {
        options.lock_wait = *wait;
    }
    let store = match Store::open_with(url, options) {
        Ok(store) => store,
        // Not a wrong URL: say only what happened.
        Err(e @ peerstage_store::StoreError::Busy) => return Err(e.into()),
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context("cannot open the database (check --database-url / DATABASE_URL)"))
        }
    };
    if let Some(path) = new_file {
        // A mistyped path would otherwise go unnoticed: say that the database is new.
        eprintln!("note: created a new database at {path}");
    }
    Ok(store)
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo { seed, scale, reset } => demo(&cli.database_url, seed, scale, reset),
        Command::Serve {
            bind,
            secure_cookies,
            max_media_mb,
        } => {
            let store = open(&cli.database_url)?;
            store.set_media_config(peerstage_store::MediaConfig {
                dir: cli.media_dir.clone(),
                max_bytes: max_media_mb.unwrap_or(0).saturating_mul(1024 * 1024),
            });
            serve(store, &bind, secure_cookies)
        }
        Command::Import {
            kind,
            file,
            skip_invalid,
            rejects,
            preset,
            map,
        } => import(
            &cli.database_url,
            &kind,
            &file,
            skip_invalid,
            rejects,
            preset,
            map,
        ),
        Command::Export { kind, out } => export(&cli.database_url, &kind, out),
        Command::User(cmd) => access::user(&cli.database_url, cmd),
        Command::Token(cmd) => access::token(&cli.database_url, cmd),
        Command::Audit {
            actor,
            entity,
            id,
            action,
            since,
            until,
            limit,
            json,
        } => access::audit(
            &cli.database_url,
            access::AuditArgs {
                actor,
                entity,
                id,
                action,
                since,
                until,
                limit,
                json,
            },
        ),
        Command::Privacy(cmd) => access::privacy(&cli.database_url, cmd),
        Command::Reference(cmd) => references::reference(&cli.database_url, cmd),
        Command::Advocate(cmd) => references::advocate(&cli.database_url, cmd),
        Command::Story(cmd) => journey::story(&cli.database_url, cmd),
        Command::ThirdParty(cmd) => journey::third_party(&cli.database_url, cmd),
        Command::Sources { since, until, json } => {
            journey::sources(&cli.database_url, since, until, json)
        }
        Command::AnalyzeReview {
            file,
            format,
            json,
            save,
            title,
            held_on,
        } => insights::analyze_review(
            &cli.database_url,
            insights::AnalyzeArgs {
                file,
                format,
                json,
                save,
                title,
                held_on,
            },
        ),
        Command::Event(cmd) => events::event(&cli.database_url, cmd),
        Command::Scorecard {
            period,
            segment,
            json,
        } => insights::scorecard(&cli.database_url, period, segment, json),
        Command::Media(cmd) => media::media(&cli.database_url, cli.media_dir.clone(), cmd),
        Command::Actions { owner, all, json } => {
            media::actions(&cli.database_url, owner, all, json)
        }
        Command::LintQuestions { file, json } => {
            let code = questions::lint_questions(&file, json)?;
            if code != 0 {
                std::process::exit(code);
            }
            Ok(())
        }
        Command::Search(args) => voc::search(&cli.database_url, args),
        Command::Themes { refresh, k, json } => voc::themes(&cli.database_url, refresh, k, json),
        Command::Language { json } => voc::language(&cli.database_url, json),
        Command::Bench(cmd) => bench::run(&cli.database_url, cmd),
        Command::Backup { file } => {
            // Opening a missing file would create an empty database and back that up.
            if let Some(path) = peerstage_store::sqlite_path(&cli.database_url) {
                if !path.is_empty() && !Path::new(path).exists() {
                    bail!(
                        "there is no database at {path} to back up (check --database-url / DATABASE_URL)"
                    );
                }
            }
            let store = open(&cli.database_url)?;
            store.backup(&file)?;
            eprintln!("backed up {} to {}", store.describe(), file.display());
            Ok(())
        }
    }
}

fn parse_kind(kind: &str) -> Result<ImportKind> {
    ImportKind::parse(kind).map_err(|e| anyhow::anyhow!("kind: {e}"))
}

/// The database when neither --database-url nor DATABASE_URL says otherwise.
pub const DEFAULT_DATABASE: &str = "sqlite://peerstage.db";

/// The documented demo administrator (README.md).
pub const DEMO_ADMIN: &str = "admin@demo.peerstage.example";
pub const DEMO_PASSWORD: &str = "peerstage-demo";

fn demo(url: &str, seed: u64, scale: f64, reset: bool) -> Result<()> {
    if !(scale.is_finite() && scale > 0.0 && scale <= 100.0) {
        bail!("--scale must be a number above 0 and at most 100");
    }
    let store = open(url)?;
    if reset {
        store.clear_customers()?;
    }
    let today = chrono::Utc::now().date_naive();
    let mut demo = Demo::new(DemoOptions { seed, scale, today });
    let started = std::time::Instant::now();
    let mut bar = progress::Bar::new("demo", 0);
    let results = store.load_demo(&mut demo, |kind, done| {
        bar.set_label_count(kind.as_str(), done)
    })?;
    bar.finish();
    let advocacy = store.seed_advocacy(seed, today)?;
    if advocacy > 0 {
        eprintln!(
            "advocate program: {advocacy} activities, with reference requests at every stage"
        );
    } else {
        eprintln!("advocate program: kept the one already in the database");
    }
    let journey = store.seed_stories(seed, today)?;
    if journey.stories + journey.reviews + journey.source_responses > 0 {
        eprintln!(
            "stories and buyer journey: {} stories ({} flagged as spin), {} reviews on {} new third parties, {} survey answers",
            journey.stories, journey.spin, journey.reviews, journey.third_parties, journey.source_responses
        );
    } else {
        eprintln!("stories and buyer journey: kept what is already in the database");
    }
    let evidence = sync_evidence(&store)?;
    eprintln!(
        "voice of the customer: {} notes, NPS comments and reviews became evidence",
        evidence.added
    );
    let voc = store.seed_voc(seed, today, ((5000.0 * scale) as usize).clamp(1500, 50_000))?;
    if voc.evidence > 0 {
        eprintln!(
            "customer feedback: {} statements, {} glossary terms, {} themes",
            voc.evidence, voc.glossary, voc.themes
        );
    } else {
        eprintln!("customer feedback: kept what is already in the database");
    }
    let events = store.seed_events(seed, today)?;
    if events.events > 0 {
        eprintln!(
            "events: {} past and upcoming, {} sessions, {} guests, {} notes captured",
            events.events, events.sessions, events.guests, events.notes
        );
    } else {
        eprintln!("events: kept the ones already in the database");
    }
    let strategy = store.seed_strategy(today)?;
    if strategy.media + strategy.sessions > 0 {
        eprintln!(
            "media and strategy: {} recordings ({} transcript items), {} strategy session, {} actions",
            strategy.media, strategy.transcript_items, strategy.sessions, strategy.actions
        );
    } else {
        eprintln!("media and strategy: kept the recordings and sessions already in the database");
    }
    if store.find_user(DEMO_ADMIN)?.is_none() {
        store.add_user(DEMO_ADMIN, peerstage_core::Role::Admin, DEMO_PASSWORD)?;
        eprintln!("demo administrator: {DEMO_ADMIN} / {DEMO_PASSWORD} (change it, or disable it, before real use)");
    }
    for (kind, c) in &results {
        eprintln!(
            "{:<12} {:>9} new {:>9} updated {:>9} unchanged",
            kind.as_str(),
            c.inserted,
            c.updated,
            c.unchanged
        );
    }
    eprintln!(
        "demo company (seed {seed}, scale {scale}) loaded into {} in {:.1}s",
        store.describe(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn serve(store: Store, bind: &str, secure_cookies: bool) -> Result<()> {
    let mut state = peerstage_web::AppState::new(store.clone());
    state.secure_cookies = secure_cookies;
    if store.count_users()? == 0 {
        state.setup_token = Some(peerstage_store::random_token(""));
    }
    let addr: std::net::SocketAddr = bind
        .parse()
        .with_context(|| format!("--bind {bind}: expected HOST:PORT, e.g. 127.0.0.1:8080"))?;
    // Computes the dashboards' and scorecard's figures again once changes have settled (the
    // revision unchanged for a second), so visitors rarely wait for them.
    let warm = store.clone();
    std::thread::spawn(move || {
        let mut seen = None;
        loop {
            let now = warm.data_revision().ok();
            if now.is_some() && now == seen {
                if let Err(e) = warm.warm_insights(chrono::Utc::now().date_naive()) {
                    tracing::warn!(error = %e, "computing the dashboard figures failed");
                }
            }
            seen = now;
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let setup = state.setup_token.clone();
        let app = peerstage_web::app(state);
        // Notes, comments and reviews written since the last run (an import stopped before its
        // evidence step, other tools) become evidence beside the running server, which answers
        // meanwhile: at --scale 10 after a crash that is tens of seconds. Search and themes
        // show them once it ends; a failure is logged and tried again at the next start.
        let catch_up = store.clone();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            match catch_up.sync_evidence_with(|_, _| {}) {
                Ok(s) if s.added + s.updated + s.removed > 0 => eprintln!(
                    "evidence caught up: {} new, {} updated, {} removed from notes, comments and reviews in {:.1}s",
                    s.added,
                    s.updated,
                    s.removed,
                    started.elapsed().as_secs_f64()
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "turning notes into evidence at start failed; it is tried again at the next start or import"),
            }
        });
        println!("peerstage is running on http://{addr}/ ({})", store.describe());
        if let Some(token) = setup {
            println!("No users yet. Create the first administrator (this link works once): http://{addr}/setup?token={token}");
            println!("or run: peerstage user add --email YOU@EXAMPLE.COM --role admin");
        }
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("server failed")
    })
}

fn import(
    url: &str,
    kind: &str,
    file: &std::path::Path,
    skip_invalid: bool,
    rejects: Option<PathBuf>,
    preset: Option<String>,
    map: Vec<String>,
) -> Result<()> {
    let kind = parse_kind(kind)?;
    let preset = match preset {
        Some(p) => {
            Some(peerstage_core::Preset::parse(&p).map_err(|e| anyhow::anyhow!("--preset: {e}"))?)
        }
        None => None,
    };
    let mut overrides = Vec::new();
    for m in &map {
        overrides.push(
            peerstage_core::import::parse_mapping(m).map_err(|e| anyhow::anyhow!("--map: {e}"))?,
        );
    }
    let options = peerstage_core::import::ImportOptions {
        kind,
        preset,
        overrides,
    };
    let input =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    // Opened before the database is, so a rejects file that cannot be written stops the
    // import with nothing imported; removed again when no row is rejected.
    let rejects = if skip_invalid {
        let given = rejects.is_some();
        let path = rejects.unwrap_or_else(|| {
            let mut p = file.as_os_str().to_owned();
            p.push(".rejects.csv");
            PathBuf::from(p)
        });
        // Renaming the rejects onto the file being imported would replace it.
        if std::fs::canonicalize(&path).ok() == std::fs::canonicalize(file).ok() {
            bail!(
                "--rejects {} is the file being imported: choose another path; nothing was imported",
                path.display()
            );
        }
        let created = PartialFile::create(&path).map_err(|e| {
            let hint = if given {
                ""
            } else {
                " (or give --rejects PATH)"
            };
            anyhow::anyhow!("{e}{hint}; nothing was imported")
        })?;
        Some(created)
    } else {
        None
    };
    let store = open(url)?;
    let mut bar = progress::Bar::new(&format!("reading {}", file.display()), size);
    let started = std::time::Instant::now();
    let outcome = store.import_csv(
        std::io::BufReader::with_capacity(1 << 20, input),
        &options,
        skip_invalid,
        |b| bar.set(b),
    )?;
    bar.finish();
    if let Some(e) = &outcome.file_error {
        bail!("{}: {e}; nothing was imported", file.display());
    }
    if !outcome.ignored_columns.is_empty() {
        eprintln!(
            "note: columns not used: {}",
            outcome.ignored_columns.join(", ")
        );
    }
    if !outcome.errors.is_empty() {
        eprintln!(
            "{} of {} {} invalid:",
            outcome.rejected,
            count(outcome.rows, "row", "rows"),
            if outcome.rows == 1 { "is" } else { "are" }
        );
        for e in &outcome.errors {
            if e.column.is_empty() {
                eprintln!("  line {}: {}", e.line, e.reason);
            } else {
                eprintln!("  line {}, column {}: {}", e.line, e.column, e.reason);
            }
        }
    }
    if !outcome.committed {
        bail!("nothing was imported; fix the rows above, or use --skip-invalid to import the valid rows");
    }
    if let Some(mut out) = rejects.filter(|_| outcome.rejected > 0) {
        outcome
            .write_rejects(out.writer())
            .map_err(|e| cannot_write(out.path(), &e))?;
        let path = out.finish()?;
        eprintln!(
            "{} written with their reasons to {}",
            count(outcome.rejected, "rejected row", "rejected rows"),
            path.display()
        );
    }
    if outcome.rows == 0 {
        eprintln!("note: the file has a header but no rows: nothing to import");
    }
    // --skip-invalid asked to leave bad rows out, not to succeed with none in: a script
    // must see that nothing of the file arrived.
    if outcome.rows > 0 && outcome.rejected == outcome.rows {
        bail!("every row was rejected, so nothing was imported (their reasons are above)");
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "imported {}: {}, {} new, {} updated, {} unchanged, {} rejected in {:.2}s ({:.0} rows/s)",
        kind.as_str(),
        count(outcome.rows, "row", "rows"),
        outcome.counts.inserted,
        outcome.counts.updated,
        outcome.counts.unchanged,
        outcome.rejected,
        secs,
        outcome.rows as f64 / secs.max(1e-9)
    );
    if peerstage_store::evidence::feeds_evidence(kind) {
        sync_evidence(&store).map_err(after_import)?;
    }
    Ok(())
}

/// An evidence sync's failure after the import committed: the rows are saved, which the
/// store's own wording for a busy request ("changed nothing") would deny.
fn after_import(e: anyhow::Error) -> anyhow::Error {
    let why = match e.downcast_ref::<peerstage_store::StoreError>() {
        Some(peerstage_store::StoreError::Busy) => {
            "the database was busy with another change".to_string()
        }
        _ => format!("{e:#}"),
    };
    anyhow::anyhow!(
        "the rows were imported, but turning their text into evidence failed ({why}); \
         it runs again with the next import and when `peerstage serve` starts"
    )
}

/// Turns notes, NPS comments and reviews without evidence yet into evidence (C1), with a
/// progress bar, and says what changed and how long it took.
fn sync_evidence(store: &Store) -> Result<peerstage_store::evidence::EvidenceSync> {
    let started = std::time::Instant::now();
    let mut bar = progress::Bar::rows("evidence from notes", 0);
    let sync = store.sync_evidence_with(|done, total| {
        bar.set_total(total);
        bar.set(done);
    })?;
    bar.finish();
    if sync.added + sync.updated + sync.removed > 0 {
        eprintln!(
            "evidence: {} new, {} updated, {} removed from notes, comments and reviews in {:.2}s",
            sync.added,
            sync.updated,
            sync.removed,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(sync)
}

fn export(url: &str, kind: &str, out: Option<PathBuf>) -> Result<()> {
    let kind = parse_kind(kind)?;
    // Written beside the target and renamed, so a failed export never leaves half a file;
    // created first, so a path that cannot be written fails before the database is opened.
    let target = out.as_deref().map(PartialFile::create).transpose()?;
    let store = open(url)?;
    let n = match target {
        Some(mut file) => {
            let n = peerstage_store::export_csv(&store, kind, file.writer())?;
            file.finish()?;
            n
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            let n = peerstage_store::export_csv(&store, kind, &mut w)?;
            w.flush()?;
            n
        }
    };
    let one = match kind {
        ImportKind::Nps | ImportKind::Evidence => kind.as_str(),
        _ => kind.as_str().strip_suffix('s').unwrap_or(kind.as_str()),
    };
    eprintln!("exported {}", count(n, one, kind.as_str()));
    Ok(())
}

/// `1 row`, `3 rows`: a count with its noun in the matching number.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A file written as `NAME.partial` beside its target and renamed onto it by `finish`, so a
/// failed run never leaves half a file (nor replaces a whole one); dropped unfinished, the
/// partial file is removed.
struct PartialFile {
    path: PathBuf,
    tmp: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    finished: bool,
}

impl PartialFile {
    /// Fails, naming `path` and why, when it cannot be written.
    fn create(path: &Path) -> Result<PartialFile> {
        if path.is_dir() {
            bail!("cannot write {}: it is a folder", path.display());
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        let file = std::fs::File::create(&tmp).map_err(|e| cannot_write(path, &e))?;
        Ok(PartialFile {
            path: path.to_path_buf(),
            tmp,
            out: std::io::BufWriter::new(file),
            finished: false,
        })
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn writer(&mut self) -> &mut std::io::BufWriter<std::fs::File> {
        &mut self.out
    }

    /// Puts the written file in place; returns its path.
    fn finish(mut self) -> Result<PathBuf> {
        self.out
            .flush()
            .and_then(|_| std::fs::rename(&self.tmp, &self.path))
            .map_err(|e| cannot_write(&self.path, &e))?;
        self.finished = true;
        Ok(self.path.clone())
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// "cannot write PATH: why", in the user's terms where the reason is a common one.
fn cannot_write(path: &Path, e: &std::io::Error) -> anyhow::Error {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let why = match std::fs::metadata(folder) {
        Err(m) if m.kind() == std::io::ErrorKind::NotFound => {
            format!("the folder {} does not exist", folder.display())
        }
        Ok(m) if !m.is_dir() => format!("{} is not a folder", folder.display()),
        _ if e.kind() == std::io::ErrorKind::PermissionDenied => {
            format!("no permission to write in {}", folder.display())
        }
        _ => e.to_string(),
    };
    anyhow::anyhow!("cannot write {}: {why}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_evidence_step_after_an_import_says_the_rows_were_imported() {
        let busy = after_import(peerstage_store::StoreError::Busy.into()).to_string();
        assert!(busy.contains("rows were imported"), "{busy}");
        assert!(busy.contains("busy"), "{busy}");
        assert!(!busy.contains("changed nothing"), "{busy}");
        let other = after_import(peerstage_store::StoreError::Database("disk full".into()).into())
            .to_string();
        assert!(
            other.contains("disk full") && other.contains("runs again"),
            "{other}"
        );
    }
}
