use crate::fields::Fields;
use crate::parse;
use crate::FieldErrors;
use chrono::NaiveDate;
use serde::Serialize;

/// One answer to "how likely are you to recommend us?" (A5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NpsData {
    pub external_id: Option<String>,
    pub account_id: i64,
    pub contact_id: Option<i64>,
    pub score: i64,
    pub comment: Option<String>,
    pub responded_on: NaiveDate,
}

pub const NPS_FIELDS: &[&str] = &[
    "external_id",
    "contact_id",
    "score",
    "comment",
    "responded_on",
];

impl NpsData {
    pub fn from_fields(account_id: i64, f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let external_id = e.check(
            "external_id",
            parse::optional_text(f.get("external_id"), 100),
        );
        let contact_id = e.check(
            "contact_id",
            parse::optional_int(f.get("contact_id"), 1, i64::MAX),
        );
        let score = e.check(
            "score",
            parse::optional_int(f.get("score"), 0, 10)
                .and_then(|s| s.ok_or_else(|| "is required".to_string())),
        );
        let comment = e.check(
            "comment",
            parse::optional_text(f.get("comment"), parse::MAX_NOTES),
        );
        let responded_on = e.check("responded_on", parse::required_date(f.get("responded_on")));
        e.into_result(|| NpsData {
            external_id: external_id.unwrap(),
            account_id,
            contact_id: contact_id.unwrap(),
            score: score.unwrap(),
            comment: comment.unwrap(),
            responded_on: responded_on.unwrap(),
        })
    }

    pub fn bucket(&self) -> NpsBucket {
        NpsBucket::of(self.score)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NpsBucket {
    Promoter,
    Passive,
    Detractor,
}

impl NpsBucket {
    /// Promoters 9–10, passives 7–8, detractors 0–6.
    pub fn of(score: i64) -> Self {
        match score {
            9.. => NpsBucket::Promoter,
            7 | 8 => NpsBucket::Passive,
            _ => NpsBucket::Detractor,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            NpsBucket::Promoter => "Promoter",
            NpsBucket::Passive => "Passive",
            NpsBucket::Detractor => "Detractor",
        }
    }
}

/// NPS of a set of responses: % promoters − % detractors, from −100 to 100.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct NpsSummary {
    pub responses: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    /// `None` when there are no responses.
    pub nps: Option<f64>,
}

impl NpsSummary {
    pub fn from_counts(promoters: u64, passives: u64, detractors: u64) -> Self {
        let responses = promoters + passives + detractors;
        let nps = (responses > 0)
            .then(|| (promoters as f64 - detractors as f64) * 100.0 / responses as f64);
        NpsSummary {
            responses,
            promoters,
            passives,
            detractors,
            nps,
        }
    }

    pub fn from_scores(scores: impl IntoIterator<Item = i64>) -> Self {
        let (mut p, mut n, mut d) = (0, 0, 0);
        for s in scores {
            match NpsBucket::of(s) {
                NpsBucket::Promoter => p += 1,
                NpsBucket::Passive => n += 1,
                NpsBucket::Detractor => d += 1,
            }
        }
        Self::from_counts(p, n, d)
    }

    pub fn share(&self, count: u64) -> f64 {
        if self.responses == 0 {
            0.0
        } else {
            count as f64 * 100.0 / self.responses as f64
        }
    }
}

/// NPS for one group (a segment, a month).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NpsGroup {
    pub key: String,
    #[serde(flatten)]
    pub summary: NpsSummary,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_standard_cutoffs() {
        assert_eq!(NpsBucket::of(10), NpsBucket::Promoter);
        assert_eq!(NpsBucket::of(9), NpsBucket::Promoter);
        assert_eq!(NpsBucket::of(8), NpsBucket::Passive);
        assert_eq!(NpsBucket::of(7), NpsBucket::Passive);
        assert_eq!(NpsBucket::of(6), NpsBucket::Detractor);
        assert_eq!(NpsBucket::of(0), NpsBucket::Detractor);
    }

    #[test]
    fn nps_is_promoters_minus_detractors_percent() {
        // 5 promoters, 3 passives, 2 detractors: 50% − 20% = 30.
        let s = NpsSummary::from_scores([10, 9, 9, 10, 9, 8, 7, 7, 6, 0]);
        assert_eq!((s.promoters, s.passives, s.detractors), (5, 3, 2));
        assert_eq!(s.nps, Some(30.0));
        assert_eq!(NpsSummary::from_scores([0, 1]).nps, Some(-100.0));
        assert_eq!(NpsSummary::from_scores([]).nps, None);
    }

    #[test]
    fn score_outside_0_to_10_is_rejected() {
        let f = Fields::from_pairs([("score", "11"), ("responded_on", "2025-01-01")]);
        assert!(NpsData::from_fields(1, &f)
            .unwrap_err()
            .get("score")
            .unwrap()
            .contains("out of range"));
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NpsResponse {
    pub id: i64,
    #[serde(flatten)]
    pub data: NpsData,
    pub contact_name: Option<String>,
    pub bucket: NpsBucket,
}
