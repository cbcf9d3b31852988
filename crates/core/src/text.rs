//! Text mining shared by search, themes and customer language (C3–C5): a tokenizer, a light
//! stemmer, stop words and key phrases.
//!
//! - **Tokens** are runs of letters and digits, lower-cased, apostrophes dropped ("don't" →
//!   "dont"). Punctuation that ends a clause (`. , ; : ! ? ( ) " –`) starts a new clause:
//!   phrases never cross it.
//! - **Stems** ([`stem`]) fold the common English inflections so "reports", "reporting" and
//!   "reported" count as one word: plural `-s`/`-es`/`-ies`, `-ing`, `-ed`, `-er`/`-ers` on
//!   longer words, with doubled final consonants undone ("running" → "run"). It is
//!   deliberately light: it never changes a word of four letters or fewer.
//! - **Key phrases** ([`phrases`]) are the runs of words inside a clause with stop words
//!   ([`STOPWORDS`]) removed at both ends: every word of three letters or more that is not a
//!   stop word, and every two- and three-word run of such words. A phrase is identified by its
//!   stems ("slow reports" = "slow report"); its display form is whatever customers wrote.

use std::collections::HashMap;

/// Common English words that carry no topic, plus the fillers of spoken feedback.
pub const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "actually",
    "after",
    "again",
    "against",
    "all",
    "almost",
    "also",
    "always",
    "am",
    "an",
    "and",
    "any",
    "anyone",
    "anything",
    "are",
    "around",
    "as",
    "at",
    "back",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "cant",
    "come",
    "could",
    "couldnt",
    "did",
    "didnt",
    "do",
    "does",
    "doesnt",
    "doing",
    "done",
    "dont",
    "down",
    "during",
    "each",
    "either",
    "else",
    "enough",
    "even",
    "ever",
    "every",
    "everyone",
    "everything",
    "few",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "getting",
    "go",
    "goes",
    "going",
    "got",
    "had",
    "has",
    "hasnt",
    "have",
    "havent",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "him",
    "his",
    "how",
    "i",
    "id",
    "if",
    "ill",
    "im",
    "in",
    "into",
    "is",
    "isnt",
    "it",
    "its",
    "itself",
    "ive",
    "just",
    "kind",
    "know",
    "last",
    "let",
    "like",
    "lot",
    "lots",
    "make",
    "makes",
    "many",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "need",
    "needs",
    "never",
    "new",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "often",
    "ok",
    "okay",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "others",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "per",
    "pretty",
    "quite",
    "rather",
    "really",
    "right",
    "said",
    "same",
    "say",
    "says",
    "see",
    "she",
    "should",
    "since",
    "so",
    "some",
    "someone",
    "something",
    "sometimes",
    "still",
    "such",
    "sure",
    "take",
    "takes",
    "than",
    "that",
    "thats",
    "the",
    "their",
    "them",
    "then",
    "there",
    "theres",
    "these",
    "they",
    "theyre",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "though",
    "through",
    "thus",
    "time",
    "times",
    "to",
    "today",
    "too",
    "two",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "use",
    "used",
    "using",
    "very",
    "via",
    "want",
    "wanted",
    "wants",
    "was",
    "wasnt",
    "way",
    "we",
    "well",
    "were",
    "weve",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whole",
    "why",
    "will",
    "with",
    "within",
    "without",
    "wont",
    "would",
    "wouldnt",
    "yes",
    "yet",
    "you",
    "youd",
    "your",
    "youre",
    "yours",
    "yourself",
    "able",
    "already",
    "another",
    "anyway",
    "bit",
    "day",
    "days",
    "ones",
    "put",
    "seem",
    "seems",
    "tell",
    "told",
    "try",
    "tried",
    "trying",
    "us",
    "week",
    "weeks",
    "went",
    "year",
    "years",
    "month",
    "months",
    "team",
    "teams",
    "people",
    "guys",
    "folks",
    "stuff",
    "etc",
    "usually",
    "again",
];

/// True for a stop word (given lower-cased, apostrophes dropped).
pub fn is_stopword(word: &str) -> bool {
    use std::sync::OnceLock;
    static SET: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOPWORDS.iter().copied().collect())
        .contains(word)
}

/// One word of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Lower case, apostrophes dropped.
    pub word: String,
    pub stem: String,
    /// Byte range of the word in the original text.
    pub start: usize,
    pub end: usize,
    /// The clause this word belongs to (phrases stay inside one).
    pub clause: u32,
}

fn clause_break(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | '(' | ')' | '"' | '“' | '”' | '–' | '—' | '\n' | '/'
    )
}

/// Splits `text` into words (see the module documentation).
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut clause = 0u32;
    let mut word = String::new();
    let mut start = None::<usize>;
    let mut end = 0usize;
    let mut flush = |word: &mut String, start: &mut Option<usize>, end: usize, clause: u32| {
        if let Some(s) = start.take() {
            if !word.is_empty() {
                out.push(Token {
                    stem: stem(word),
                    word: std::mem::take(word),
                    start: s,
                    end,
                    clause,
                });
            }
            word.clear();
        }
    };
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(i);
            }
            word.extend(c.to_lowercase());
            end = i + c.len_utf8();
        } else if (c == '\'' || c == '’') && start.is_some() {
            end = i + c.len_utf8();
        } else {
            flush(&mut word, &mut start, end, clause);
            if clause_break(c) {
                clause += 1;
            }
        }
    }
    flush(&mut word, &mut start, end, clause);
    out
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

fn has_vowel(s: &str) -> bool {
    s.bytes().any(is_vowel)
}

/// Undoes a doubled final consonant ("runn" → "run"), except the doubles English keeps.
fn undouble(s: &mut String) {
    let b = s.as_bytes();
    let n = b.len();
    if n >= 3
        && b[n - 1] == b[n - 2]
        && !is_vowel(b[n - 1])
        && !matches!(b[n - 1], b'l' | b's' | b'z')
    {
        s.pop();
    }
}

/// The light stem of a lower-case word (see the module documentation).
pub fn stem(word: &str) -> String {
    if word.len() <= 4 || !word.is_ascii() || word.bytes().any(|b| b.is_ascii_digit()) {
        return word.to_string();
    }
    let mut s = word.to_string();
    if let Some(b) = s.strip_suffix("ies") {
        s = format!("{b}y");
    } else if s.ends_with("sses")
        || s.ends_with("shes")
        || s.ends_with("ches")
        || s.ends_with("xes")
    {
        s.truncate(s.len() - 2);
    } else if s.ends_with('s') && !s.ends_with("ss") && !s.ends_with("us") && !s.ends_with("is") {
        s.pop();
    }
    if s.len() > 5 {
        if let Some(b) = s.strip_suffix("ing") {
            if has_vowel(b) && b.len() >= 3 {
                s = b.to_string();
                undouble(&mut s);
                return s;
            }
        }
        if let Some(b) = s.strip_suffix("ed") {
            if has_vowel(b) && b.len() >= 3 {
                s = b.to_string();
                undouble(&mut s);
                return s;
            }
        }
    }
    s
}

/// Stems of a word as compared everywhere: the stem with a final `e` dropped, so that
/// "update" and "updated" agree.
pub fn key(word: &str) -> String {
    let s = stem(word);
    match s.strip_suffix('e') {
        Some(b) if b.len() >= 3 => b.to_string(),
        _ => s,
    }
}

/// A key phrase found in a text: its identity (keys joined by spaces) and its surface form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub key: String,
    pub text: String,
    pub words: usize,
}

fn content(word: &str) -> bool {
    word.len() >= 3 && !is_stopword(word) && !word.bytes().all(|b| b.is_ascii_digit())
}

/// The key phrases of `text`, each once, in order of first appearance (see the module
/// documentation). `max_words` is 1, 2 or 3.
pub fn phrases(text: &str, max_words: usize) -> Vec<Phrase> {
    let toks = tokens(text);
    let mut out: Vec<Phrase> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut run: Vec<&Token> = Vec::new();
    let mut emit = |run: &[&Token], out: &mut Vec<Phrase>| {
        for i in 0..run.len() {
            for n in 1..=max_words.min(run.len() - i) {
                let part = &run[i..i + n];
                let k: Vec<String> = part.iter().map(|t| key(&t.word)).collect();
                let k = k.join(" ");
                if seen.insert(k.clone()) {
                    out.push(Phrase {
                        key: k,
                        text: part
                            .iter()
                            .map(|t| t.word.as_str())
                            .collect::<Vec<_>>()
                            .join(" "),
                        words: n,
                    });
                }
            }
        }
    };
    let mut last_clause = u32::MAX;
    for t in &toks {
        if t.clause != last_clause || !content(&t.word) {
            emit(&run, &mut out);
            run.clear();
            last_clause = t.clause;
        }
        if content(&t.word) {
            run.push(t);
        }
    }
    emit(&run, &mut out);
    out
}

/// Features for grouping texts: the key of every content word, and of every pair of
/// content words that follow each other inside a clause with at most two stop words between
/// them ("loses the changes" gives "los chang"), each once: `(key, words, what the text says)`, the last
/// lower-cased from the first word of the pair to the end of the second.
pub fn feature_keys(text: &str) -> Vec<(String, usize, String)> {
    let toks = tokens(text);
    let mut out: Vec<(String, usize, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut prev: Option<(u32, String, usize, usize)> = None;
    for (i, t) in toks.iter().enumerate() {
        if !content(&t.word) {
            continue;
        }
        let k = key(&t.word);
        if seen.insert(k.clone()) {
            out.push((k.clone(), 1, t.word.clone()));
        }
        if let Some((clause, p, start, at)) = &prev {
            if *clause == t.clause && i - at <= 3 {
                let pair = format!("{p} {k}");
                if seen.insert(pair.clone()) {
                    let span = text[*start..t.end].to_lowercase().replace(['\'', '’'], "'");
                    out.push((pair, 2, span));
                }
            }
        }
        prev = Some((t.clause, k, t.start, i));
    }
    out
}

/// Counts phrases over many texts: in how many texts each phrase occurs, and its most common
/// surface form.
#[derive(Debug, Default, Clone)]
pub struct PhraseCounts {
    counts: HashMap<String, (u64, HashMap<String, u64>, usize)>,
    pub texts: u64,
}

impl PhraseCounts {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, text: &str, max_words: usize) {
        self.texts += 1;
        for p in phrases(text, max_words) {
            let e = self
                .counts
                .entry(p.key)
                .or_insert_with(|| (0, HashMap::new(), p.words));
            e.0 += 1;
            *e.1.entry(p.text).or_insert(0) += 1;
        }
    }
    /// In how many texts the phrase with this key occurs.
    pub fn count(&self, key: &str) -> u64 {
        self.counts.get(key).map(|e| e.0).unwrap_or(0)
    }
    /// `(key, display text, texts, words)`, most frequent first; ties by key.
    pub fn top(&self, min_texts: u64) -> Vec<(String, String, u64, usize)> {
        let mut v: Vec<_> = self
            .counts
            .iter()
            .filter(|(_, e)| e.0 >= min_texts)
            .map(|(k, e)| {
                let text =
                    e.1.iter()
                        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                        .map(|(t, _)| t.clone())
                        .unwrap_or_default();
                (k.clone(), text, e.0, e.2)
            })
            .collect();
        v.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        v
    }
}

/// The keys of the content words of a phrase ("Offline-first sync" → ["offlin", "first", "sync"]).
pub fn content_keys(text: &str) -> Vec<String> {
    tokens(text)
        .into_iter()
        .filter(|t| content(&t.word))
        .map(|t| key(&t.word))
        .collect()
}

/// Byte ranges of the words of `text` whose key equals one of `query`'s word keys, for
/// highlighting. Overlapping ranges never occur (words do not overlap).
pub fn matching_ranges(text: &str, query: &str) -> Vec<(usize, usize)> {
    let wanted: std::collections::HashSet<String> =
        tokens(query).into_iter().map(|t| key(&t.word)).collect();
    tokens(text)
        .into_iter()
        .filter(|t| wanted.contains(&key(&t.word)))
        .map(|t| (t.start, t.end))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_fold_inflections() {
        for (a, b) in [
            ("reports", "report"),
            ("reporting", "report"),
            ("reported", "report"),
            ("running", "run"),
            ("queries", "query"),
            ("crashes", "crash"),
            ("status", "status"),
            ("business", "business"),
            ("slow", "slow"),
            ("bus", "bus"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} vs {b}");
        }
        assert_eq!(key("update"), key("updated"));
        assert_eq!(key("updates"), key("updating"));
        assert_ne!(stem("sync"), stem("syncs2"));
    }

    #[test]
    fn tokens_keep_offsets_and_clauses() {
        let t = tokens("Don't sync, please. Réseau lent");
        assert_eq!(t[0].word, "dont");
        assert_eq!(
            &"Don't sync, please. Réseau lent"[t[0].start..t[0].end],
            "Don't"
        );
        assert_eq!(t[1].clause, 0);
        assert_eq!(t[2].clause, 1);
        assert_eq!(t[3].word, "réseau");
        assert_eq!(t[3].clause, 2);
    }

    #[test]
    fn phrases_skip_stop_words_and_stay_in_clauses() {
        let p = phrases("The offline mode keeps failing, reports are slow.", 3);
        let keys: Vec<&str> = p.iter().map(|p| p.text.as_str()).collect();
        assert!(keys.contains(&"offline mode keeps"));
        assert!(keys.contains(&"offline mode"));
        assert!(keys.contains(&"reports"));
        assert!(
            !keys.iter().any(|k| k.contains("failing reports")),
            "{keys:?}"
        );
        assert!(!keys.contains(&"the"));
        let mut c = PhraseCounts::new();
        c.add("Slow reports again", 2);
        c.add("slow report today", 2);
        c.add("fast sync", 2);
        assert_eq!(c.count(&format!("{} {}", key("slow"), key("report"))), 2);
        assert_eq!(c.top(2)[0].2, 2);
    }

    #[test]
    fn features_pair_words_across_a_few_stop_words() {
        let f = feature_keys(
            "Offline mode loses the changes, and the sync fails when it is offline again",
        );
        let keys: Vec<&str> = f.iter().map(|x| x.0.as_str()).collect();
        assert!(keys.contains(&"offlin mod"));
        assert!(keys.contains(&"los chang"), "{keys:?}");
        assert!(
            !keys.iter().any(|k| k.starts_with("chang ")),
            "clauses end at commas"
        );
        assert!(
            !keys.contains(&"fail offlin"),
            "more than two stop words apart"
        );
        let said = f.iter().find(|x| x.0 == "los chang").unwrap();
        assert_eq!((said.1, said.2.as_str()), (2, "loses the changes"));
        assert_eq!(keys.iter().filter(|k| **k == "offlin").count(), 1);
    }

    #[test]
    fn highlight_ranges_follow_stems() {
        let text = "Reporting is slow; the report crashed.";
        let r = matching_ranges(text, "reports");
        let words: Vec<&str> = r.iter().map(|(s, e)| &text[*s..*e]).collect();
        assert_eq!(words, vec!["Reporting", "report"]);
    }
}
