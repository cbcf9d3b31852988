//! `media` and `actions` commands (C2, C7): add recordings (a file copied into the media
//! folder, or a link) with their transcript, replace a transcript, list the library; list
//! open actions by owner with the evidence that drove them.

use crate::open;
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use peerstage_core::media::{media_type, MediaConsent, MediaData};
use peerstage_core::transcript::{detect_format, format_ms, items, TranscriptFormat};
use peerstage_core::Fields;
use peerstage_store::{MediaConfig, MediaQuery, Store, StoredFile};
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum MediaCommand {
    /// List recordings with their consent and transcript items
    List {
        /// none, internal or external
        #[arg(long)]
        consent: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add a recording: a video or audio file (copied into the media folder) or a link
    Add {
        #[arg(long)]
        title: String,
        /// The recording to copy into the media folder
        #[arg(long, conflicts_with = "link")]
        file: Option<PathBuf>,
        /// Where the recording lives instead
        #[arg(long)]
        link: Option<String>,
        /// video or audio (default: from the file's type)
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        account: Option<i64>,
        /// Who speaks; their account is filled in
        #[arg(long)]
        contact: Option<i64>,
        /// YYYY-MM-DD
        #[arg(long)]
        recorded_on: Option<String>,
        /// 12:30, 1:02:03 or seconds
        #[arg(long)]
        duration: Option<String>,
        /// none (default), internal or external
        #[arg(long)]
        consent: Option<String>,
        /// A transcript to split into evidence: plain text, .srt or .vtt
        #[arg(long)]
        transcript: Option<PathBuf>,
    },
    /// Replace a recording's transcript with a file (plain text, SRT or WebVTT)
    Transcript {
        id: i64,
        file: PathBuf,
        /// text, srt or vtt (default: from the file name and content)
        #[arg(long)]
        format: Option<String>,
    },
}

fn read_transcript(
    file: &Path,
    format: Option<&str>,
) -> Result<(
    TranscriptFormat,
    Vec<peerstage_core::transcript::TranscriptItem>,
)> {
    let shown = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {shown}"))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        anyhow!("{shown}: the file is not UTF-8 text; save it as UTF-8 (plain text, SRT or WebVTT)")
    })?;
    let format = match format {
        Some(f) => TranscriptFormat::parse(f).map_err(|e| anyhow!("--format: {e}"))?,
        None => detect_format(&shown, &text),
    };
    let it = items(&text, format).map_err(|e| anyhow!("{shown} ({}): {e}", format.label()))?;
    Ok((format, it))
}

fn configured(url: &str, media_dir: Option<PathBuf>) -> Result<Store> {
    let store = open(url)?;
    store.set_media_config(MediaConfig {
        dir: media_dir,
        max_bytes: 0,
    });
    Ok(store)
}

pub fn media(url: &str, media_dir: Option<PathBuf>, cmd: MediaCommand) -> Result<()> {
    let store = configured(url, media_dir)?;
    let today = chrono::Utc::now().date_naive();
    match cmd {
        MediaCommand::List { consent, json } => {
            let consent = consent
                .map(|c| MediaConsent::parse(&c).map_err(|e| anyhow!("--consent: {e}")))
                .transpose()?;
            let list = store.list_media(&MediaQuery {
                consent,
                ..Default::default()
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for m in &list {
                    println!(
                        "{:>5}  {:<40}  {:<6}  {:<10}  {:>8}  {:<8}  {} transcript items",
                        m.id,
                        m.data.title.chars().take(40).collect::<String>(),
                        m.data.kind.as_str(),
                        m.data
                            .recorded_on
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        m.data.duration_ms.map(format_ms).unwrap_or_default(),
                        m.data.consent.as_str(),
                        m.evidence_count
                    );
                }
                if list.len() >= peerstage_store::LIST_CAP {
                    eprintln!(
                        "{} recordings, where the list stops (latest first); narrow it with --consent",
                        list.len()
                    );
                } else {
                    eprintln!("{} recordings", list.len());
                }
            }
        }
        MediaCommand::Add {
            title,
            file,
            link,
            kind,
            account,
            contact,
            recorded_on,
            duration,
            consent,
            transcript,
        } => {
            let f = Fields::from_pairs([
                ("title", title),
                ("link", link.unwrap_or_default()),
                ("kind", kind.unwrap_or_default()),
                (
                    "account_id",
                    account.map(|v| v.to_string()).unwrap_or_default(),
                ),
                (
                    "contact_id",
                    contact.map(|v| v.to_string()).unwrap_or_default(),
                ),
                ("recorded_on", recorded_on.unwrap_or_default()),
                ("duration", duration.unwrap_or_default()),
                ("consent", consent.unwrap_or_default()),
            ]);
            let file_name = file.as_ref().map(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default()
            });
            let d = MediaData::from_fields(&f, file_name.as_deref()).map_err(|e| anyhow!("{e}"))?;
            // Read the transcript first: a broken one adds nothing.
            let parsed = transcript
                .as_deref()
                .map(|t| read_transcript(t, None))
                .transpose()?;
            let stored = match (&file, &file_name) {
                (Some(src), Some(name)) => {
                    let dir = store.media_dir().ok_or_else(|| {
                        anyhow!("no media folder: pass --media-dir (needed with PostgreSQL), or give --link")
                    })?;
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                    let (_, _, ct) = media_type(name)
                        .ok_or_else(|| anyhow!("{name}: not a video or audio file"))?;
                    let stamp = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_nanos())
                        .unwrap_or(0);
                    let safe: String = name
                        .chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                                c
                            } else {
                                '-'
                            }
                        })
                        .collect();
                    let target_name = format!("{stamp:x}-{}", safe.trim_start_matches('.'));
                    let target = dir.join(&target_name);
                    let size = std::fs::copy(src, &target).with_context(|| {
                        format!("cannot copy {} into {}", src.display(), dir.display())
                    })?;
                    Some(StoredFile {
                        file_name: target_name,
                        size: size as i64,
                        content_type: ct.to_string(),
                    })
                }
                _ => None,
            };
            let m = match store.create_media(&d, stored.as_ref()) {
                Ok(m) => m,
                Err(e) => {
                    if let Some(s) = &stored {
                        store.remove_media_files(std::slice::from_ref(&s.file_name));
                    }
                    bail!("{e}");
                }
            };
            let n = match parsed {
                Some((format, it)) => store.attach_transcript(m.id, format, &it, today)?,
                None => 0,
            };
            println!("{}", m.id);
            eprintln!(
                "added recording {} \"{}\" ({}), {} transcript items",
                m.id,
                m.data.title,
                m.data.consent.label(),
                n
            );
        }
        MediaCommand::Transcript { id, file, format } => {
            let (format, it) = read_transcript(&file, format.as_deref())?;
            let n = store.attach_transcript(id, format, &it, today)?;
            eprintln!("recording {id}: {n} transcript items ({})", format.label());
        }
    }
    Ok(())
}

/// Open actions by owner (or all with `all`), with the evidence behind each.
pub fn actions(url: &str, owner: Option<String>, all: bool, as_json: bool) -> Result<()> {
    let store = open(url)?;
    let list = store.list_actions(&peerstage_store::ActionFilter {
        not_done: !all,
        owner,
        ..Default::default()
    })?;
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "items": list }))?
        );
        return Ok(());
    }
    let mut owner = String::new();
    for a in &list {
        if a.action.data.owner.to_lowercase() != owner.to_lowercase() {
            owner = a.action.data.owner.clone();
            println!("{owner}");
        }
        println!(
            "  #{:<5} {:<12} {:<10} {}",
            a.action.id,
            a.action.data.status.as_str(),
            a.action
                .data
                .due_on
                .map(|d| d.to_string())
                .unwrap_or_else(|| "no date".into()),
            a.action.data.title
        );
        for t in &a.themes {
            println!("          theme: {}", t.label);
        }
        for e in &a.evidence {
            println!(
                "          evidence #{}: {}",
                e.id,
                e.data.body.chars().take(100).collect::<String>()
            );
        }
    }
    eprintln!("{} actions", list.len());
    Ok(())
}
