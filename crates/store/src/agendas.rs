//! E2: saved quarterly-review agendas and the analyzer's remembered corrections. A saved
//! review keeps its agenda; its analysis is made again with the current vocabulary whenever
//! it is shown, so a correction applies to earlier reviews too and comparisons stay fair.

use crate::db::{Conn, Row, Value};
use crate::{now, Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use peerstage_core::agenda::{
    analyze, parse_agenda, AgendaFormat, AgendaInput, Analysis, Correction, LearnedTerm,
    ReviewClass, Vocabulary,
};
use peerstage_core::FieldErrors;
use serde::Serialize;

/// A saved agenda.
#[derive(Debug, Clone, Serialize)]
pub struct QuarterlyReview {
    pub id: i64,
    pub title: String,
    pub held_on: Option<NaiveDate>,
    pub format: AgendaFormat,
    pub agenda: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl QuarterlyReview {
    /// The analysis with `vocab`; `None` if the agenda no longer reads (it always did when
    /// saved, so only a changed parser could do that).
    pub fn analyze(&self, vocab: &Vocabulary) -> Option<Analysis> {
        parse_agenda(&self.agenda, Some(self.format))
            .ok()
            .map(|(f, items)| analyze(f, items, vocab))
    }
}

/// A remembered correction.
#[derive(Debug, Clone, Serialize)]
pub struct AgendaCorrection {
    pub id: i64,
    pub phrase: String,
    pub class: ReviewClass,
    pub example: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

const REVIEW_COLUMNS: &str = "id, title, held_on, format, agenda, created_by, created_at";
const VOCAB_COLUMNS: &str = "id, phrase, class, example, created_by, created_at";

fn review_from_row(r: &Row) -> QuarterlyReview {
    QuarterlyReview {
        id: r.int(0),
        title: r.text(1),
        held_on: r.opt_date(2),
        format: AgendaFormat::parse(&r.text(3)).unwrap_or(AgendaFormat::Csv),
        agenda: r.text(4),
        created_by: r.text(5),
        created_at: r.time(6),
    }
}

fn vocab_from_row(r: &Row) -> AgendaCorrection {
    AgendaCorrection {
        id: r.int(0),
        phrase: r.text(1),
        class: ReviewClass::parse(&r.text(2)).unwrap_or(ReviewClass::CustomerValue),
        example: r.opt_text(3),
        created_by: r.text(4),
        created_at: r.time(5),
    }
}

fn get_quarterly(c: &mut dyn Conn, id: i64) -> Result<QuarterlyReview> {
    c.query_one(
        &format!("SELECT {REVIEW_COLUMNS} FROM quarterly_reviews WHERE id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| review_from_row(&r))
    .ok_or(StoreError::NotFound {
        what: "quarterly review",
        id,
    })
}

impl Store {
    /// The remembered corrections, newest first.
    pub fn agenda_corrections(&self) -> Result<Vec<AgendaCorrection>> {
        self.with_conn(|c| {
            Ok(c.query(
                &format!("SELECT {VOCAB_COLUMNS} FROM agenda_vocabulary ORDER BY created_at DESC, id DESC"),
                &[],
            )?
            .iter()
            .map(vocab_from_row)
            .collect())
        })
    }

    /// The built-in vocabulary with every remembered correction.
    pub fn agenda_vocabulary(&self) -> Result<Vocabulary> {
        let learned: Vec<LearnedTerm> = self
            .agenda_corrections()?
            .into_iter()
            .map(|v| LearnedTerm {
                phrase: v.phrase,
                class: v.class,
            })
            .collect();
        Ok(Vocabulary::with_learned(&learned))
    }

    /// Remembers a correction; correcting a phrase again changes its class.
    pub fn save_agenda_correction(&self, c: &Correction) -> Result<AgendaCorrection> {
        self.transaction(|conn| {
            let before = conn
                .query_one(
                    &format!("SELECT {VOCAB_COLUMNS} FROM agenda_vocabulary WHERE phrase = ?"),
                    &[Value::from(&c.phrase)],
                )?
                .map(|r| vocab_from_row(&r));
            let t = now();
            let id = conn.query_int(
                "INSERT INTO agenda_vocabulary (phrase, class, example, created_by, created_at) VALUES (?, ?, ?, ?, ?) \
                 ON CONFLICT (phrase) DO UPDATE SET class = excluded.class, example = excluded.example, created_by = excluded.created_by, created_at = excluded.created_at \
                 RETURNING id",
                &[
                    Value::from(&c.phrase),
                    Value::from(c.class.as_str()),
                    Value::from(&c.example),
                    Value::from(&self.actor().label),
                    Value::Time(t),
                ],
            )?;
            let after = conn
                .query_one(
                    &format!("SELECT {VOCAB_COLUMNS} FROM agenda_vocabulary WHERE id = ?"),
                    &[Value::Int(id)],
                )?
                .map(|r| vocab_from_row(&r))
                .ok_or(StoreError::NotFound { what: "correction", id })?;
            self.audit_change(
                conn,
                if before.is_some() { "update" } else { "create" },
                "agenda_vocabulary",
                id,
                &format!("'{}' is {}", after.phrase, after.class.label().to_lowercase()),
                before.as_ref(),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Saves an agenda (checked by `AgendaInput::from_fields`; checked again here).
    pub fn save_quarterly_review(&self, r: &AgendaInput) -> Result<QuarterlyReview> {
        if let Err(errors) = parse_agenda(&r.agenda, Some(r.format)) {
            return Err(FieldErrors::single(
                "agenda",
                peerstage_core::agenda::errors_text(&errors),
            )
            .into());
        }
        self.transaction(|c| {
            let id = c.query_int(
                "INSERT INTO quarterly_reviews (title, held_on, format, agenda, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::from(&r.title),
                    Value::from(r.held_on),
                    Value::from(r.format.as_str()),
                    Value::from(&r.agenda),
                    Value::from(&self.actor().label),
                    Value::Time(now()),
                ],
            )?;
            let after = get_quarterly(c, id)?;
            self.audit_change(c, "create", "quarterly_review", id, &after.title, None, Some(&after))?;
            Ok(after)
        })
    }

    pub fn get_quarterly_review(&self, id: i64) -> Result<QuarterlyReview> {
        self.with_conn(|c| get_quarterly(c, id))
    }

    /// Saved reviews, the most recent meeting first (undated ones by when they were saved).
    pub fn list_quarterly_reviews(&self, limit: u32) -> Result<Vec<QuarterlyReview>> {
        self.with_conn(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {REVIEW_COLUMNS} FROM quarterly_reviews ORDER BY (held_on IS NULL), held_on DESC, created_at DESC, id DESC LIMIT {}",
                    limit.clamp(1, 1000)
                ),
                &[],
            )?
            .iter()
            .map(review_from_row)
            .collect())
        })
    }
}
