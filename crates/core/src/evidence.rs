//! Voice-of-customer evidence (C1): every piece of customer text, with where it came from,
//! what kind of statement it is and how deep the research behind it went.
//!
//! Kind and research level are suggested by the documented rules below when nobody chose them,
//! and always editable; an item keeps `suggested = true` until a person sets them.

use crate::account::{date_text, optional_enum};
use crate::fields::Fields;
use crate::parse::{self, MAX_NOTES};
use crate::FieldErrors;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::OnceLock;

crate::text_enum!(
    EvidenceKind {
        Problem => "problem", "Problem";
        Wish => "wish", "Wish";
        Praise => "praise", "Praise";
        WhyBought => "why_bought", "Why they bought";
        ExistentialThreat => "existential_threat", "Existential threat";
        Recommendation => "recommendation", "Recommendation";
        Language => "language", "Language";
    }
);

crate::text_enum!(
    EvidenceSource {
        Touchpoint => "touchpoint", "Touchpoint note";
        Nps => "nps", "NPS comment";
        Transcript => "transcript", "Transcript";
        Event => "event", "Event note";
        Review => "review", "Review";
        Pasted => "pasted", "Pasted text";
        Import => "import", "CSV import";
    }
);

/// The research levels of PRODUCT.md C1, from shallow to deep.
pub const LEVELS: [(u8, &str); 5] = [
    (1, "Confirming our idea"),
    (2, "Asking for features"),
    (3, "The customer's problem or outcome"),
    (4, "Observed"),
    (5, "Lived as the customer"),
];

pub fn level_label(level: u8) -> &'static str {
    LEVELS
        .iter()
        .find(|(l, _)| *l == level)
        .map(|(_, label)| *label)
        .unwrap_or("Unknown")
}

/// Longest text of one item; longer transcripts are split into several items.
pub const MAX_EVIDENCE: usize = MAX_NOTES;
/// At most this many tags per item, each at most [`MAX_TAG`] characters.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG: usize = 50;

/// Kind rules, tried in order; the first rule with a phrase found in the text decides.
/// Phrases are matched on lower-cased text with apostrophes removed, as whole words (a
/// trailing `*` also matches longer words).
pub const KIND_RULES: &[(EvidenceKind, &[&str])] = &[
    (
        EvidenceKind::ExistentialThreat,
        &[
            "cancel*",
            "not renew",
            "wont renew",
            "switch to",
            "switching to",
            "replace you",
            "replacing you",
            "moving to a competitor",
            "looking at alternatives",
            "evaluating alternatives",
            "out of business",
            "lose the account",
            "churn*",
            "shut down",
            "leave you",
            "leaving you",
            "deal breaker*",
            "dealbreaker",
            "competitive threat",
            "termination",
            "questioned the value",
            "pitched them",
            "free pilot",
            "lower price",
            "run an rfp",
            "budget freeze",
            "executive sponsor",
            "not acceptable",
        ],
    ),
    (
        EvidenceKind::WhyBought,
        &[
            "why we bought",
            "we bought",
            "we chose",
            "chose you",
            "picked you",
            "selected you",
            "decided to buy",
            "reason we signed",
            "why we signed",
            "we signed because",
            "deciding factor",
            "what sold us",
            "sold us on",
            "why they bought",
            "they bought",
            "they chose",
            "chose us",
        ],
    ),
    (
        EvidenceKind::Recommendation,
        &[
            "conference*",
            "blog*",
            "podcast*",
            "newsletter*",
            "meetup*",
            "communit*",
            "forum*",
            "user group",
            "webinar*",
            "we read",
            "we follow",
            "subreddit*",
            "slack group",
        ],
    ),
    (
        EvidenceKind::Wish,
        &[
            "wish*",
            "would love",
            "would like",
            "we want",
            "i want",
            "please add",
            "it would be great",
            "would be nice",
            "if only",
            "feature request",
            "could you add",
            "can you add",
            "need a way",
            "needs a way",
            "should have",
            "should support",
            "asked for",
            "wanted",
            "wants",
            "would want",
            "request*",
            "missing",
        ],
    ),
    (
        EvidenceKind::Problem,
        &[
            "problem*",
            "issue*",
            "struggl*",
            "hard to",
            "difficult",
            "cant",
            "cannot",
            "unable",
            "slow*",
            "broken",
            "bug*",
            "fails",
            "failed",
            "failing",
            "crash*",
            "pain",
            "painful",
            "frustrat*",
            "confus*",
            "error*",
            "takes forever",
            "take forever",
            "taking forever",
            "wast*",
            "stuck",
            "manual work",
            "spreadsheet*",
            "escalat*",
            "outage*",
            "incident*",
            "stalled",
            "backlog",
            "drops",
            "dropped",
            "wrong",
            "only partly",
            "needs more",
        ],
    ),
];

/// Research-level rules, tried in order; the first phrase found decides, else the kind's level.
pub const LEVEL_RULES: &[(u8, &[&str])] = &[
    (
        5,
        &[
            "we used it ourselves",
            "i spent a day",
            "spent a week",
            "worked a shift",
            "worked alongside",
            "did their job",
            "as one of them",
            "in their shoes",
        ],
    ),
    (
        4,
        &[
            "we observed",
            "i observed",
            "we watched",
            "i watched",
            "we saw them",
            "i saw them",
            "on site",
            "site visit",
            "shadowed",
            "looked over",
        ],
    ),
    (
        1,
        &[
            "sounds good",
            "good idea",
            "great idea",
            "i like the idea",
            "we agree",
            "yes that would",
            "that would be useful",
            "that makes sense",
        ],
    ),
    (
        2,
        &[
            "feature*",
            "add a",
            "add an",
            "support for",
            "integration with",
            "integrate with",
            "a button",
            "an option",
            "a setting",
        ],
    ),
];

/// What the rules suggest for a text, and the phrase that decided each part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub kind: EvidenceKind,
    pub kind_because: Option<&'static str>,
    pub level: u8,
    pub level_because: Option<&'static str>,
}

/// Lower case, apostrophes dropped, other punctuation made spaces, padded with spaces, so
/// phrases match at word starts: " we cant log in ".
fn normalized(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    let mut last_space = true;
    for ch in text.chars() {
        if ch == '\'' || ch == '’' {
            continue;
        }
        if ch.is_alphanumeric() {
            out.extend(ch.to_lowercase());
            last_space = false;
        } else if !last_space {
            out.push(' ');
            last_space = true;
        }
    }
    if !last_space {
        out.push(' ');
    }
    out
}

/// (rule, phrase position, phrase, the phrase's words).
type IndexedPhrase = (usize, usize, &'static str, Vec<&'static str>);

/// One rule set as lookups by a phrase's first word, built once: scanning a text's words once
/// finds every phrase, where searching the text for each phrase in turn cost more than the
/// rest of an import.
struct PhraseIndex {
    /// First word → the phrases starting with it.
    by_first: HashMap<&'static str, Vec<IndexedPhrase>>,
    /// One-word stems ("slow*"): (rule, phrase position, stem).
    stems: Vec<(usize, usize, &'static str)>,
}

impl PhraseIndex {
    fn new<T>(rules: &'static [(T, &'static [&'static str])]) -> PhraseIndex {
        let mut by_first: HashMap<_, Vec<_>> = HashMap::new();
        let mut stems = Vec::new();
        for (r, (_, phrases)) in rules.iter().enumerate() {
            for (i, p) in phrases.iter().enumerate() {
                let words: Vec<&'static str> = p.split(' ').filter(|w| !w.is_empty()).collect();
                match words.as_slice() {
                    [one] if one.ends_with('*') => stems.push((r, i, one.trim_end_matches('*'))),
                    [first, ..] => by_first.entry(*first).or_default().push((r, i, *p, words)),
                    [] => {}
                }
            }
        }
        PhraseIndex { by_first, stems }
    }

    /// The first rule (and its first phrase) found among `words`; a phrase matches whole
    /// words, and one ending in `*` also longer words ("slow*" finds "slowly").
    fn first(&self, words: &[&str]) -> Option<(usize, &'static str)> {
        let mut best: Option<(usize, usize, &'static str)> = None;
        let mut consider = |r: usize, i: usize, p: &'static str| {
            if best.is_none_or(|(br, bi, _)| (r, i) < (br, bi)) {
                best = Some((r, i, p));
            }
        };
        for (at, w) in words.iter().enumerate() {
            if let Some(entries) = self.by_first.get(w) {
                for (r, i, p, pw) in entries {
                    let fits = pw.iter().enumerate().skip(1).all(|(k, want)| {
                        words
                            .get(at + k)
                            .is_some_and(|got| match want.strip_suffix('*') {
                                Some(stem) => got.starts_with(stem),
                                None => got == want,
                            })
                    });
                    if fits {
                        consider(*r, *i, p.trim_end_matches('*'));
                    }
                }
            }
            for (r, i, stem) in &self.stems {
                if w.starts_with(stem) {
                    consider(*r, *i, stem);
                }
            }
        }
        best.map(|(r, _, p)| (r, p))
    }
}

fn kind_index() -> &'static PhraseIndex {
    static INDEX: OnceLock<PhraseIndex> = OnceLock::new();
    INDEX.get_or_init(|| PhraseIndex::new(KIND_RULES))
}

fn level_index() -> &'static PhraseIndex {
    static INDEX: OnceLock<PhraseIndex> = OnceLock::new();
    INDEX.get_or_init(|| PhraseIndex::new(LEVEL_RULES))
}

/// Suggests a kind and research level for `text` from `source`.
///
/// Kind: the first of [`KIND_RULES`] whose phrase occurs; otherwise praise when the sentiment is
/// positive (so "not easy" is not praise), else language (a quote kept for its words).
/// Level: the first of [`LEVEL_RULES`]; otherwise 4 for transcripts of recordings (observed),
/// 2 for wishes, 3 for everything else (the customer's problem or outcome).
pub fn suggest(text: &str, source: EvidenceSource) -> Suggestion {
    let norm = normalized(text);
    let words: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
    let kind = kind_index()
        .first(&words)
        .map(|(r, p)| (KIND_RULES[r].0, p));
    let (kind, kind_because) = match kind {
        Some((k, p)) => (k, Some(p)),
        None if crate::sentiment::score(text) > 0.2 => (EvidenceKind::Praise, None),
        None => (EvidenceKind::Language, None),
    };
    let level = level_index()
        .first(&words)
        .map(|(r, p)| (LEVEL_RULES[r].0, p));
    let (level, level_because) = match level {
        Some((l, p)) => (l, Some(p)),
        None if source == EvidenceSource::Transcript => (4, None),
        None if kind == EvidenceKind::Wish => (2, None),
        None => (3, None),
    };
    Suggestion {
        kind,
        kind_because,
        level,
        level_because,
    }
}

/// One piece of customer text (C1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceData {
    pub external_id: Option<String>,
    #[serde(rename = "text")]
    pub body: String,
    pub source: EvidenceSource,
    pub account_id: Option<i64>,
    pub contact_id: Option<i64>,
    #[serde(rename = "date")]
    pub occurred_on: NaiveDate,
    pub kind: EvidenceKind,
    pub level: u8,
    /// Kind and level came from the rules and no person has set them yet.
    pub suggested: bool,
    pub tags: Vec<String>,
    pub media_id: Option<i64>,
    pub media_start_ms: Option<i64>,
    pub media_end_ms: Option<i64>,
}

/// The fields forms, JSON and CSV use for evidence (`text` and `date` are the item's body and
/// day).
pub const EVIDENCE_FIELDS: &[&str] = &[
    "external_id",
    "text",
    "date",
    "source",
    "account_id",
    "contact_id",
    "kind",
    "level",
    "tags",
];

/// Tags from "a, b; c" or several values: trimmed, lower-cased, without duplicates.
pub fn parse_tags<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for raw in values {
        for t in raw
            .split([',', ';'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            if t.chars().count() > MAX_TAG {
                return Err(format!("tag '{t}' is longer than {MAX_TAG} characters"));
            }
            let t = t.to_lowercase();
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(format!("at most {MAX_TAGS} tags"));
    }
    Ok(tags)
}

impl EvidenceData {
    /// An item with the suggested kind and level.
    pub fn new(body: impl Into<String>, source: EvidenceSource, occurred_on: NaiveDate) -> Self {
        let body = body.into();
        let s = suggest(&body, source);
        EvidenceData {
            external_id: None,
            body,
            source,
            account_id: None,
            contact_id: None,
            occurred_on,
            kind: s.kind,
            level: s.level,
            suggested: true,
            tags: Vec::new(),
            media_id: None,
            media_start_ms: None,
            media_end_ms: None,
        }
    }

    /// Reads `text` (or `body`), `date` (or `occurred_on`), `source` (default pasted),
    /// `account_id`, `contact_id`, `kind`, `level`, `tags`, `external_id`. A missing kind or
    /// level is suggested by the rules; `suggested` stays true while both equal the rules'.
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let pick = |a: &str, b: &str| {
            if f.has(a) {
                f.get(a).to_string()
            } else {
                f.get(b).to_string()
            }
        };
        let mut e = FieldErrors::new();
        let external_id = e.check(
            "external_id",
            parse::optional_text(f.get("external_id"), 100),
        );
        let body = e.check(
            "text",
            parse::required_text(&pick("text", "body"), MAX_EVIDENCE),
        );
        let occurred_on = e.check("date", parse::required_date(&pick("date", "occurred_on")));
        let source = e.check(
            "source",
            optional_enum(f.get("source"), EvidenceSource::parse)
                .map(|s| s.unwrap_or(EvidenceSource::Pasted)),
        );
        let account_id = e.check(
            "account_id",
            parse::optional_int(f.get("account_id"), 1, i64::MAX),
        );
        let contact_id = e.check(
            "contact_id",
            parse::optional_int(f.get("contact_id"), 1, i64::MAX),
        );
        let kind = e.check("kind", optional_enum(f.get("kind"), EvidenceKind::parse));
        let level = e.check("level", parse::optional_int(f.get("level"), 1, 5));
        let tags = e.check("tags", parse_tags(f.all("tags")));
        let media_id = e.check(
            "media_id",
            parse::optional_int(f.get("media_id"), 1, i64::MAX),
        );
        e.into_result(|| {
            let body = body.unwrap();
            let source = source.unwrap();
            let kind = kind.unwrap();
            let level = level.unwrap().map(|l| l as u8);
            let s = suggest(&body, source);
            EvidenceData {
                external_id: external_id.unwrap(),
                // Choosing what the rules suggest keeps the item "suggested" (so an export
                // imports back unchanged); choosing otherwise ends the suggestion.
                suggested: kind.is_none_or(|k| k == s.kind) && level.is_none_or(|l| l == s.level),
                kind: kind.unwrap_or(s.kind),
                level: level.unwrap_or(s.level),
                body,
                source,
                account_id: account_id.unwrap(),
                contact_id: contact_id.unwrap(),
                occurred_on: occurred_on.unwrap(),
                tags: tags.unwrap(),
                media_id: media_id.unwrap(),
                media_start_ms: None,
                media_end_ms: None,
            }
        })
    }

    pub fn to_fields(&self) -> Fields {
        let mut f = Fields::new();
        f.push("external_id", self.external_id.clone().unwrap_or_default());
        f.push("text", self.body.clone());
        f.push("date", date_text(Some(self.occurred_on)));
        f.push("source", self.source.as_str());
        f.push(
            "account_id",
            self.account_id.map(|i| i.to_string()).unwrap_or_default(),
        );
        f.push(
            "contact_id",
            self.contact_id.map(|i| i.to_string()).unwrap_or_default(),
        );
        f.push("kind", self.kind.as_str());
        f.push("level", self.level.to_string());
        f.push("tags", self.tags.join(", "));
        f
    }

    pub fn sentiment(&self) -> f64 {
        crate::sentiment::score(&self.body)
    }
}

/// A stored item with the names it points at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub id: i64,
    #[serde(flatten)]
    pub data: EvidenceData,
    pub sentiment: f64,
    pub account_name: Option<String>,
    pub contact_name: Option<String>,
    pub media_title: Option<String>,
    pub touchpoint_id: Option<i64>,
    pub nps_response_id: Option<i64>,
    pub review_id: Option<i64>,
    pub created_by: String,
}

crate::text_enum!(
    EvidenceSort {
        Date => "date", "Date";
        Kind => "kind", "Kind";
        Level => "level", "Research level";
        Sentiment => "sentiment", "Sentiment";
        Account => "account", "Account";
    }
);

/// Filters for listing evidence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvidenceQuery {
    pub account_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub kind: Option<EvidenceKind>,
    pub source: Option<EvidenceSource>,
    pub level: Option<u8>,
    pub tag: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub page: u32,
    pub per_page: u32,
    /// Sorted by date, newest first, unless chosen otherwise.
    pub sort: Option<EvidenceSort>,
    pub descending: bool,
}

impl EvidenceQuery {
    /// Reads the filters from query-string fields; bad values are errors by field.
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let account_id = e.check(
            "account_id",
            parse::optional_int(f.get("account_id"), 1, i64::MAX),
        );
        let contact_id = e.check(
            "contact_id",
            parse::optional_int(f.get("contact_id"), 1, i64::MAX),
        );
        let kind = e.check("kind", optional_enum(f.get("kind"), EvidenceKind::parse));
        let source = e.check(
            "source",
            optional_enum(f.get("source"), EvidenceSource::parse),
        );
        let level = e.check("level", parse::optional_int(f.get("level"), 1, 5));
        let tag = e.check("tag", parse::optional_text(f.get("tag"), MAX_TAG));
        let from = e.check("from", parse::optional_date(f.get("from")));
        let to = e.check("to", parse::optional_date(f.get("to")));
        let page = e.check("page", parse::optional_int(f.get("page"), 1, 1_000_000));
        let per_page = e.check("per_page", parse::optional_int(f.get("per_page"), 1, 500));
        let sort = e.check("sort", optional_enum(f.get("sort"), EvidenceSort::parse));
        let descending = match f.get("dir") {
            "" => true,
            "desc" => true,
            "asc" => false,
            other => {
                e.add(
                    "dir",
                    format!("unknown value '{other}' (expected asc or desc)"),
                );
                true
            }
        };
        e.into_result(|| EvidenceQuery {
            sort: sort.unwrap(),
            descending,
            account_id: account_id.unwrap(),
            contact_id: contact_id.unwrap(),
            kind: kind.unwrap(),
            source: source.unwrap(),
            level: level.unwrap().map(|l| l as u8),
            tag: tag.unwrap().map(|t| t.to_lowercase()),
            from: from.unwrap(),
            to: to.unwrap(),
            page: page.unwrap().unwrap_or(1) as u32,
            per_page: per_page.unwrap().unwrap_or(50) as u32,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> EvidenceKind {
        suggest(text, EvidenceSource::Pasted).kind
    }

    #[test]
    fn kinds_follow_the_documented_rules() {
        let cases = [
            (
                "If the export stays broken we will cancel at renewal",
                EvidenceKind::ExistentialThreat,
            ),
            (
                "We're looking at alternatives for next year",
                EvidenceKind::ExistentialThreat,
            ),
            (
                "We chose you because onboarding took a week",
                EvidenceKind::WhyBought,
            ),
            (
                "What sold us was the Salesforce sync",
                EvidenceKind::WhyBought,
            ),
            (
                "We heard about you at the SaaStr conference",
                EvidenceKind::Recommendation,
            ),
            (
                "Our team reads the Lenny newsletter every week",
                EvidenceKind::Recommendation,
            ),
            ("I wish the report had a monthly view", EvidenceKind::Wish),
            ("It would be great to export to PDF", EvidenceKind::Wish),
            (
                "Reconciling invoices is hard to do at month end",
                EvidenceKind::Problem,
            ),
            (
                "We can't find last quarter's numbers",
                EvidenceKind::Problem,
            ),
            (
                "The new dashboard is excellent, the team loves it",
                EvidenceKind::Praise,
            ),
            ("The export is not easy", EvidenceKind::Language),
            ("We call it the Monday scramble", EvidenceKind::Language),
        ];
        for (text, want) in cases {
            assert_eq!(kind(text), want, "{text}");
        }
        let s = suggest("I wish it were faster", EvidenceSource::Pasted);
        assert_eq!(s.kind_because, Some("wish"));
    }

    #[test]
    fn levels_follow_the_documented_rules() {
        let level = |t: &str, s: EvidenceSource| suggest(t, s).level;
        assert_eq!(
            level(
                "Sounds good, that makes sense to us",
                EvidenceSource::Pasted
            ),
            1
        );
        assert_eq!(
            level(
                "Please add an integration with Slack",
                EvidenceSource::Pasted
            ),
            2
        );
        assert_eq!(level("I wish it had dark mode", EvidenceSource::Pasted), 2);
        assert_eq!(
            level(
                "Closing the books takes us nine days",
                EvidenceSource::Pasted
            ),
            3
        );
        assert_eq!(
            level(
                "We watched the clerk retype every order",
                EvidenceSource::Pasted
            ),
            4
        );
        assert_eq!(
            level(
                "So we open the spreadsheet first",
                EvidenceSource::Transcript
            ),
            4
        );
        assert_eq!(
            level(
                "I spent a day on their support desk",
                EvidenceSource::Pasted
            ),
            5
        );
    }

    #[test]
    fn fields_suggest_what_is_missing_and_report_errors() {
        let d = EvidenceData::from_fields(&Fields::from_pairs([
            ("text", "Exports are slow"),
            ("date", "2026-03-04"),
            ("tags", "Export, speed; export"),
        ]))
        .unwrap();
        assert_eq!(d.kind, EvidenceKind::Problem);
        assert!(d.suggested);
        assert_eq!(d.source, EvidenceSource::Pasted);
        assert_eq!(d.tags, vec!["export", "speed"]);
        let d = EvidenceData::from_fields(&Fields::from_pairs([
            ("text", "Exports are slow"),
            ("date", "2026-03-04"),
            ("kind", "Wish"),
            ("level", "5"),
        ]))
        .unwrap();
        assert_eq!(
            (d.kind, d.level, d.suggested),
            (EvidenceKind::Wish, 5, false)
        );
        let err = EvidenceData::from_fields(&Fields::from_pairs([
            ("text", " "),
            ("date", "soon"),
            ("kind", "rant"),
            ("level", "9"),
            ("account_id", "x"),
        ]))
        .unwrap_err();
        for f in ["text", "date", "kind", "level", "account_id"] {
            assert!(err.get(f).is_some(), "{f}: {err:?}");
        }
        let back = EvidenceData::from_fields(&d.to_fields()).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn query_filters() {
        let q = EvidenceQuery::from_fields(&Fields::from_pairs([
            ("kind", "problem"),
            ("level", "3"),
            ("from", "2026-01-01"),
        ]))
        .unwrap();
        assert_eq!(q.kind, Some(EvidenceKind::Problem));
        assert_eq!(q.page, 1);
        assert!(EvidenceQuery::from_fields(&Fields::from_pairs([("level", "0")])).is_err());
    }
}
