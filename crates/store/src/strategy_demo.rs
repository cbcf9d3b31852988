//! Demo recordings and a strategy session (F6 for C2 and C7): three customer recordings
//! (links) with transcripts split into evidence, one strategy session reviewing them with the
//! evidence behind it, and an action plan with owners, due dates and progress over months.

use crate::{Result, Store};
use chrono::{Days, NaiveDate};
use peerstage_core::media::MediaData;
use peerstage_core::strategy::{ActionData, ActionStatus, ItemData, ItemTarget, SessionData};
use peerstage_core::transcript::{items, TranscriptFormat};
use peerstage_core::Fields;
use serde::Serialize;

/// What `seed_strategy` created.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StrategyDemoCounts {
    pub media: u64,
    pub transcript_items: u64,
    pub sessions: u64,
    pub actions: u64,
}

/// (title, kind, consent, link, duration, format, transcript)
const RECORDINGS: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
    (
        "CFO on why they renewed",
        "video",
        "external",
        "https://media.peerstage.example/demo/cfo-renewal.mp4",
        "4:10",
        "vtt",
        "WEBVTT\n\n00:00:02.000 --> 00:00:09.500\n<v Customer>Before we switched, month-end close took our team nine working days.\n\n00:00:09.600 --> 00:00:16.000\n<v Customer>Now it takes three, because reconciliation runs every night and the exceptions wait for us in the morning.\n\n00:00:40.000 --> 00:00:47.000\n<v Rep>What almost made you leave last year?\n\n00:00:47.500 --> 00:01:02.000\n<v Customer>The exports. Our auditors want the raw ledger and the export timed out on anything over a year. We nearly went back to spreadsheets.\n\n00:01:30.000 --> 00:01:41.000\n<v Customer>What kept us was the support engineer who sat with our controller for two afternoons until it worked.\n",
    ),
    (
        "Operations lead on onboarding",
        "video",
        "internal",
        "https://media.peerstage.example/demo/ops-onboarding.mp4",
        "6:45",
        "srt",
        "1\n00:00:03,000 --> 00:00:08,000\nCustomer: Onboarding took us three months, and most of that was mapping our old fields.\n\n2\n00:00:08,100 --> 00:00:14,000\nNobody told us which fields mattered, so we mapped all four hundred of them.\n\n3\n00:01:10,000 --> 00:01:18,000\nCustomer: The weekly digest is the one thing my whole team actually reads.\n\n4\n00:02:05,000 --> 00:02:15,000\nCustomer: If a competitor offered a two-week onboarding, I would have to take that call.\n",
    ),
    (
        "Support call: permissions",
        "audio",
        "none",
        "https://media.peerstage.example/demo/support-permissions.mp3",
        "2:30",
        "text",
        "[00:00:05] Customer: We cannot give our contractors read-only access, so they all get admin rights and that worries our security team.\n\n[00:00:40] Customer: We asked for this twice in the last year and heard nothing back.\n",
    ),
];

/// (title, owner, due in days from the session, status, done days after the session,
/// words of the transcript evidence behind it, words of a theme behind it)
type DemoAction = (
    &'static str,
    &'static str,
    u64,
    ActionStatus,
    Option<u64>,
    &'static [&'static str],
    &'static [&'static str],
);

const ACTIONS: &[DemoAction] = &[
    (
        "Make ledger exports stream so they never time out",
        "Cy Okafor",
        45,
        ActionStatus::InProgress,
        None,
        &["export timed out", "nine working days"],
        &["export"],
    ),
    (
        "Publish the twenty fields that matter for onboarding",
        "Dana Ruiz",
        30,
        ActionStatus::Done,
        Some(24),
        &["four hundred", "three months"],
        &["onboard"],
    ),
    (
        "Offer a two-week onboarding package",
        "Bo Lindqvist",
        90,
        ActionStatus::Open,
        None,
        &["two-week onboarding"],
        &["onboard"],
    ),
    (
        "Tell every customer who asked about read-only roles when they ship",
        "Ana Costa",
        14,
        ActionStatus::Open,
        None,
        &["read-only access", "asked for this twice"],
        &["permission", "access", "role"],
    ),
    (
        "Name a support engineer for each new finance customer",
        "Dana Ruiz",
        20,
        ActionStatus::Done,
        Some(12),
        &["support engineer who sat"],
        &["support"],
    ),
];

impl Store {
    /// Seeds the demo recordings, session and actions unless recordings or sessions exist.
    /// Needs the demo customers (and uses the themes of `seed_voc` when there are some).
    pub fn seed_strategy(&self, today: NaiveDate) -> Result<StrategyDemoCounts> {
        let mut counts = StrategyDemoCounts::default();
        let existing = self.with_conn(|c| {
            Ok(c.query_int(
                "SELECT (SELECT count(*) FROM media) + (SELECT count(*) FROM strategy_sessions)",
                &[],
            )?)
        })?;
        if existing > 0 {
            return Ok(counts);
        }
        // A contact at each of the first customer accounts speaks in the recordings.
        let speakers: Vec<(i64, i64)> = self.with_conn(|c| {
            Ok(c.query(
                "SELECT a.id, min(c.id) FROM accounts a JOIN contacts c ON c.account_id = a.id WHERE a.lifecycle = 'customer' AND c.erased_at IS NULL GROUP BY a.id ORDER BY a.id LIMIT 3",
                &[],
            )?
            .iter()
            .map(|r| (r.int(0), r.int(1)))
            .collect())
        })?;
        if speakers.is_empty() {
            return Ok(counts);
        }
        let session_day = today - Days::new(75);
        let mut media_ids = Vec::new();
        for (i, (title, kind, consent, link, duration, format, transcript)) in
            RECORDINGS.iter().enumerate()
        {
            let (account, contact) = speakers[i % speakers.len()];
            let f = Fields::from_pairs([
                ("title", title.to_string()),
                ("kind", kind.to_string()),
                ("consent", consent.to_string()),
                ("link", link.to_string()),
                ("duration", duration.to_string()),
                ("account_id", account.to_string()),
                ("contact_id", contact.to_string()),
                (
                    "recorded_on",
                    (session_day - Days::new(10 + i as u64 * 5)).to_string(),
                ),
            ]);
            let d = MediaData::from_fields(&f, None)?;
            let m = self.create_media(&d, None)?;
            let format = TranscriptFormat::parse(format)
                .map_err(|e| crate::StoreError::Database(format!("demo transcript: {e}")))?;
            let parsed = items(transcript, format).map_err(|e| {
                crate::StoreError::Database(format!("demo transcript {title}: {e}"))
            })?;
            counts.transcript_items += self.attach_transcript(m.id, format, &parsed, today)? as u64;
            counts.media += 1;
            media_ids.push((m.id, m.data.consent.internal_ok()));
        }
        let session = self.create_strategy_session(&SessionData {
            title: "Customer video day".into(),
            held_on: session_day,
            attendees: Some("Sales: Ana Costa, Bo Lindqvist; Engineering: Cy Okafor; Support: Dana Ruiz".into()),
            notes: Some("Every rep brought one customer decision maker on video talking about what they value. We watched them together, discussed each one, and left with an action plan.".into()),
        })?;
        counts.sessions = 1;
        let notes = [
            "Engineering had never heard the close described from the customer's side. The export timeout is ours to fix.",
            "Onboarding is long because we ask for every field. Support knows which twenty matter.",
        ];
        // Recordings with consent are shown; the one without is not.
        for (n, (id, ok)) in media_ids.iter().enumerate() {
            if *ok {
                self.add_session_item(
                    session.id,
                    &ItemData {
                        target: ItemTarget::Media(*id),
                        discussion: notes.get(n).map(|s| s.to_string()),
                    },
                )?;
            }
        }
        // The transcript evidence behind the actions, found by its words.
        let evidence: Vec<(i64, String)> = self.with_conn(|c| {
            Ok(c.query(
                "SELECT id, body FROM evidence WHERE source = 'transcript' ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| (r.int(0), r.text(1)))
            .collect())
        })?;
        let find = |words: &str| {
            evidence
                .iter()
                .find(|(_, b)| b.contains(words))
                .map(|(id, _)| *id)
        };
        if let Some(id) = find("export timed out") {
            self.add_session_item(
                session.id,
                &ItemData {
                    target: ItemTarget::Evidence(id),
                    discussion: Some(
                        "Support hears this every week; sales had never heard it.".into(),
                    ),
                },
            )?;
        }
        // Themes (C4) whose label names the action's subject, when themes have been run.
        let themes = self.top_themes(60).unwrap_or_default();
        for (title, owner, due, status, done_after, words, theme_words) in ACTIONS {
            let d = ActionData {
                title: title.to_string(),
                owner: owner.to_string(),
                due_on: Some(session_day + Days::new(*due)),
                status: ActionStatus::Open,
                session_id: Some(session.id),
                notes: None,
                evidence_ids: words.iter().filter_map(|w| find(w)).collect(),
                theme_ids: themes
                    .iter()
                    .find(|t| {
                        let l = t.label.to_lowercase();
                        theme_words.iter().any(|w| l.contains(w))
                    })
                    .map(|t| t.id)
                    .into_iter()
                    .collect(),
            };
            let a = self.create_action(&d, session_day)?;
            if *status != ActionStatus::Open {
                let mut d = d.clone();
                d.status = *status;
                let day = session_day + Days::new(done_after.unwrap_or(7));
                self.update_action(a.action.id, &d, day.min(today))?;
            }
            counts.actions += 1;
        }
        Ok(counts)
    }
}
