//! Sentiment of a piece of customer text (C4), by a small documented lexicon.
//!
//! Each word found in [`POSITIVE`] or [`NEGATIVE`] counts +1 or −1 (×1.5 after an intensifier
//! such as "very"). A negator ("not", "never", "no", "n't", "hardly", "without") flips the sign of
//! the sentiment words in the next three words, so "not easy" counts −1 and "not bad" +1. Words
//! after "but" or "however" count double: "great team but the export is broken" leans negative.
//! The sum is squashed to −1…1 by `s / sqrt(s² + 4)`; 0 means neutral or no sentiment words.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Words that carry positive sentiment (lower case, matched whole or as a prefix where they end
/// in `*`).
pub const POSITIVE: &[&str] = &[
    "love*",
    "great",
    "excellent",
    "amazing",
    "awesome",
    "easy",
    "easier",
    "easiest",
    "helpful",
    "happy",
    "glad",
    "fast",
    "faster",
    "quick*",
    "reliable",
    "intuitive",
    "simple",
    "smooth*",
    "fantastic",
    "wonderful",
    "good",
    "better",
    "best",
    "nice",
    "pleased",
    "delight*",
    "enjoy*",
    "impressive",
    "impressed",
    "recommend*",
    "valuable",
    "useful",
    "responsive",
    "saved",
    "saves",
    "thank*",
    "appreciate*",
    "solid",
    "clear",
    "clean",
    "perfect*",
    "works",
    "worked",
    "win",
    "wins",
    "success*",
    "trust*",
    "powerful",
    "flexible",
    "friendly",
    "seamless*",
    "favorite",
    "favourite",
    "brilliant",
    "superb",
    "stable",
    "painless",
    "convenient",
    "prais*",
    "ahead",
];

/// Words that carry negative sentiment.
pub const NEGATIVE: &[&str] = &[
    "hate*",
    "bad",
    "worse",
    "worst",
    "terrible",
    "awful",
    "slow*",
    "broken",
    "bug*",
    "crash*",
    "fail*",
    "frustrat*",
    "annoy*",
    "confus*",
    "difficult",
    "hard",
    "painful",
    "pain",
    "problem*",
    "issue*",
    "error*",
    "wrong",
    "missing",
    "lack*",
    "cumbersome",
    "clunky",
    "complicated",
    "expensive",
    "costly",
    "disappoint*",
    "unhappy",
    "angry",
    "upset",
    "poor*",
    "useless",
    "unreliable",
    "unstable",
    "outage*",
    "downtime",
    "lost",
    "losing",
    "lose",
    "waste*",
    "struggl*",
    "stuck",
    "churn*",
    "cancel*",
    "complain*",
    "worr*",
    "concern*",
    "risk*",
    "ugly",
    "tedious",
    "manual",
    "blocked",
    "blocker*",
    "delay*",
    "late",
    "impossible",
    "nightmare",
    "mess*",
    "overwhelm*",
    "dread*",
    "unusable",
    "leav*",
];

const NEGATORS: &[&str] = &[
    "not", "no", "never", "none", "nothing", "hardly", "barely", "without", "cannot", "nor",
    "neither", "isnt", "wasnt", "dont", "doesnt", "didnt", "cant", "wont", "arent", "werent",
    "havent", "hasnt", "shouldnt", "wouldnt", "couldnt", "aint",
];

const INTENSIFIERS: &[&str] = &[
    "very",
    "really",
    "extremely",
    "so",
    "super",
    "incredibly",
    "totally",
    "absolutely",
    "truly",
    "highly",
];

const CONTRASTS: &[&str] = &["but", "however", "although", "though", "yet"];

/// How many words after a negator it reaches.
const NEGATION_REACH: usize = 3;

/// The lexicon as lookups: exact words in a set, `*` entries as stems.
struct Lexicon {
    positive: HashSet<&'static str>,
    positive_stems: Vec<&'static str>,
    negative: HashSet<&'static str>,
    negative_stems: Vec<&'static str>,
    negators: HashSet<&'static str>,
    intensifiers: HashSet<&'static str>,
    contrasts: HashSet<&'static str>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let split = |list: &[&'static str]| {
            let exact = list.iter().copied().filter(|w| !w.ends_with('*')).collect();
            let stems = list.iter().filter_map(|w| w.strip_suffix('*')).collect();
            (exact, stems)
        };
        let (positive, positive_stems) = split(POSITIVE);
        let (negative, negative_stems) = split(NEGATIVE);
        Lexicon {
            positive,
            positive_stems,
            negative,
            negative_stems,
            negators: NEGATORS.iter().copied().collect(),
            intensifiers: INTENSIFIERS.iter().copied().collect(),
            contrasts: CONTRASTS.iter().copied().collect(),
        }
    })
}

/// +1, −1 or 0 for one lower-case word; positive entries are looked at first.
fn polarity(lx: &Lexicon, word: &str) -> f64 {
    if lx.positive.contains(word) || lx.positive_stems.iter().any(|s| word.starts_with(s)) {
        1.0
    } else if lx.negative.contains(word) || lx.negative_stems.iter().any(|s| word.starts_with(s)) {
        -1.0
    } else {
        0.0
    }
}

/// The text lower-cased with apostrophes dropped ("don't" → "dont", "isn't" → "isnt"), in
/// one allocation; its words are the runs of letters and digits.
fn lowered(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch == '\'' || ch == '’' {
            continue;
        }
        if ch.is_ascii() {
            out.push(ch.to_ascii_lowercase());
        } else {
            out.extend(ch.to_lowercase());
        }
    }
    out
}

/// The sentiment of `text` in −1…1 (see the module documentation for the method).
pub fn score(text: &str) -> f64 {
    let lx = lexicon();
    let low = lowered(text);
    let mut sum: f64 = 0.0;
    let mut negated_for = 0usize;
    let mut boost = 1.0;
    let mut weight = 1.0;
    for word in low
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if lx.contrasts.contains(word) {
            weight = 2.0;
            negated_for = 0;
            boost = 1.0;
            continue;
        }
        if lx.negators.contains(word) {
            negated_for = NEGATION_REACH;
            continue;
        }
        if lx.intensifiers.contains(word) {
            boost = 1.5;
            continue;
        }
        let polarity = polarity(lx, word);
        if polarity != 0.0 {
            let sign = if negated_for > 0 { -0.75 } else { 1.0 };
            sum += polarity * sign * boost * weight;
            boost = 1.0;
        }
        negated_for = negated_for.saturating_sub(1);
    }
    sum / (sum * sum + 4.0).sqrt()
}

/// A label for a score: "positive" above 0.2, "negative" below −0.2, else "neutral".
pub fn label(score: f64) -> &'static str {
    if score > 0.2 {
        "positive"
    } else if score < -0.2 {
        "negative"
    } else {
        "neutral"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polarity_and_negation() {
        assert!(score("The new dashboard is easy to use") > 0.2);
        assert!(score("The export is not easy at all") < -0.2, "not easy");
        assert!(score("Setup wasn't easy") < -0.2, "wasn't easy");
        assert!(score("It's not bad") > 0.0, "not bad");
        assert!(score("Onboarding was slow and confusing") < -0.5);
        assert!(score("Great team, but the export keeps crashing") < 0.0);
        assert_eq!(score("We have 40 users in Oslo"), 0.0);
        assert!(score("very good") > score("good"));
        assert!(score("never had a problem with it") > 0.0);
        assert_eq!(label(score("love it")), "positive");
        assert_eq!(label(score("meh")), "neutral");
    }

    #[test]
    fn bounded() {
        let long = "great ".repeat(500);
        let s = score(&long);
        assert!(s > 0.99 && s <= 1.0);
        let s = score(&"broken ".repeat(500));
        assert!((-1.0..-0.99).contains(&s));
    }
}
