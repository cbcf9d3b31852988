//! Customer language (C5): the phrases customers use most for their problems and goals, set
//! against the company's own vocabulary (the glossary).
//!
//! - **Customer phrases** are the key phrases of two or three words ([`crate::text::phrases`])
//!   of the texts given, counted once per text. A phrase is shown only when it occurs in at
//!   least two texts, and a shorter phrase is left out when a longer one containing it occurs
//!   in at least 80 % as many texts ("offline" gives way to "offline mode").
//! - **Ours** is every word of every glossary term, compared by light stem
//!   ([`crate::text::key`]).
//! - **Theirs, never ours**: customer phrases none of whose words appear in the glossary.
//! - **Ours, never theirs**: glossary terms that occur in no customer text. A term occurs in a
//!   text when the text contains its words in order, compared by stem ("Offline-first" matches
//!   "offline first", not "first offline").

use crate::text::{self, PhraseCounts};
use serde::Serialize;
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerPhrase {
    pub phrase: String,
    /// In how many texts it occurs.
    pub texts: u64,
    /// Whether any of its words is in the glossary.
    pub ours: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermUse {
    pub term: String,
    pub category: String,
    /// In how many customer texts the term occurs.
    pub texts: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LanguageReport {
    /// How many texts were read.
    pub texts: u64,
    pub customer_phrases: Vec<CustomerPhrase>,
    pub theirs_not_ours: Vec<CustomerPhrase>,
    pub ours_not_theirs: Vec<TermUse>,
    pub glossary_use: Vec<TermUse>,
}

fn keys_of(text: &str) -> Vec<String> {
    text::tokens(text)
        .into_iter()
        .map(|t| text::key(&t.word))
        .collect()
}

fn contains_run(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Compares `texts` (what customers said) with `glossary` (term, category); at most `top`
/// phrases in each customer list.
pub fn compare(texts: &[&str], glossary: &[(String, String)], top: usize) -> LanguageReport {
    let mut counts = PhraseCounts::new();
    for t in texts {
        counts.add(t, 3);
    }
    // Phrases of two or three words: single words say little on their own ("slow" what?).
    let all: Vec<(String, String, u64, usize)> =
        counts.top(2).into_iter().filter(|p| p.3 >= 2).collect();
    // Leave out phrases a longer phrase covers.
    let longer: Vec<&(String, String, u64, usize)> = all.iter().filter(|p| p.3 > 1).collect();
    let kept: Vec<&(String, String, u64, usize)> = all
        .iter()
        .filter(|p| {
            !longer.iter().any(|l| {
                l.3 > p.3
                    && l.2 as f64 >= 0.8 * p.2 as f64
                    && contains_run(
                        &l.0.split(' ').map(str::to_string).collect::<Vec<_>>(),
                        &p.0.split(' ').map(str::to_string).collect::<Vec<_>>(),
                    )
            })
        })
        .collect();
    let ours: HashSet<String> = glossary
        .iter()
        .flat_map(|(term, _)| text::content_keys(term))
        .collect();
    let phrase = |p: &(String, String, u64, usize)| CustomerPhrase {
        phrase: p.1.clone(),
        texts: p.2,
        ours: p.0.split(' ').any(|k| ours.contains(k)),
    };
    let customer_phrases: Vec<CustomerPhrase> = kept.iter().take(top).map(|p| phrase(p)).collect();
    let theirs_not_ours: Vec<CustomerPhrase> = kept
        .iter()
        .map(|p| phrase(p))
        .filter(|p| !p.ours)
        .take(top)
        .collect();
    let text_keys: Vec<Vec<String>> = texts.iter().map(|t| keys_of(t)).collect();
    let mut glossary_use: Vec<TermUse> = glossary
        .iter()
        .map(|(term, category)| {
            let needle = keys_of(term);
            TermUse {
                term: term.clone(),
                category: category.clone(),
                texts: text_keys
                    .iter()
                    .filter(|h| contains_run(h, &needle))
                    .count() as u64,
            }
        })
        .collect();
    glossary_use.sort_by(|a, b| {
        b.texts
            .cmp(&a.texts)
            .then(a.term.to_lowercase().cmp(&b.term.to_lowercase()))
    });
    let ours_not_theirs = glossary_use
        .iter()
        .filter(|t| t.texts == 0)
        .cloned()
        .collect();
    LanguageReport {
        texts: texts.len() as u64,
        customer_phrases,
        theirs_not_ours,
        ours_not_theirs,
        glossary_use,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_customer_words_with_ours() {
        let texts = [
            "The offline mode loses changes",
            "offline mode is broken again",
            "Offline mode drops notes",
            "Slow reports every Monday",
            "slow reports in Beacon Analytics",
            "We love the dashboard",
        ];
        let glossary = vec![
            ("Beacon Analytics".to_string(), "product".to_string()),
            ("offline-first".to_string(), "marketing".to_string()),
            ("dashboard".to_string(), "feature".to_string()),
            ("actionable insights".to_string(), "marketing".to_string()),
        ];
        let r = compare(&texts, &glossary, 10);
        assert_eq!(r.texts, 6);
        let top = &r.customer_phrases[0];
        assert_eq!((top.phrase.as_str(), top.texts), ("offline mode", 3));
        assert!(top.ours, "offline is one of our words (offline-first)");
        assert!(
            !r.customer_phrases.iter().any(|p| p.phrase == "offline"),
            "covered by offline mode"
        );
        assert!(r.theirs_not_ours.iter().any(|p| p.phrase == "slow reports"));
        assert!(r.theirs_not_ours.iter().all(|p| !p.ours));
        let used = |t: &str| r.glossary_use.iter().find(|u| u.term == t).unwrap().texts;
        assert_eq!(used("Beacon Analytics"), 1);
        assert_eq!(used("dashboard"), 1);
        assert_eq!(used("offline-first"), 0);
        let never: Vec<&str> = r.ours_not_theirs.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(never, vec!["actionable insights", "offline-first"]);
    }
}
