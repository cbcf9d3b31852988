//! Interview-question linter (C6). Reads an interview guide and flags the questions that make
//! customers tell us what we want to hear instead of what happened:
//!
//! - **closed** — answerable with yes or no ("Do you use…", "Is it…"). Polite prompts
//!   ("Can you tell me about…", "Could you walk me through…") are open and are not flagged.
//! - **leading** — suggests its own answer: negative questions ("Don't you think…",
//!   "Wouldn't you like it if we added…"), tag questions ("…, right?"), agreement bait
//!   ("would you agree"), presuppositions ("How easy was…", "How much do you love…") and
//!   praise of our own product ("our amazing…").
//! - **feature_shopping** — asks customers to design the product ("What features should we
//!   add?", "Would you use…", "If we built…", "How much would you pay…"). Customers are
//!   experts on their problems, not on our roadmap.
//! - **double_barrelled** — two questions in one ("…and how…", two question marks,
//!   "and/or", or one judgement over two things: "How satisfied are you with pricing and
//!   support?").
//!
//! Every flag says why and proposes one outcome-oriented rewrite that asks about a real past
//! episode ("Tell me about the last time you had to…"). The rules are plain word lists and
//! patterns over the lower-cased question; they are deliberately simple so a user can predict
//! them, and every rewrite they propose passes the linter itself.

use serde::Serialize;

crate::text_enum!(
    /// A rule of the question linter; `as_str` is the name the CLI, API and page show.
    QuestionRule {
        Closed => "closed", "Closed yes/no question";
        Leading => "leading", "Leading question";
        FeatureShopping => "feature_shopping", "Feature shopping";
        DoubleBarrelled => "double_barrelled", "Double-barrelled question";
    }
);

impl QuestionRule {
    /// One sentence on why the rule matters, for the page's legend.
    pub fn advice(self) -> &'static str {
        match self {
            QuestionRule::Closed => {
                "A yes or no ends the story before it starts; ask what happened instead."
            }
            QuestionRule::Leading => {
                "The question hints at the answer we hope for, so polite customers give it to us."
            }
            QuestionRule::FeatureShopping => {
                "Customers are experts on their problems, not on our roadmap; ask about the problem."
            }
            QuestionRule::DoubleBarrelled => {
                "Two questions in one get one answer, and we cannot tell which part it answers."
            }
        }
    }
}

/// One problem found in a question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionFlag {
    pub rule: QuestionRule,
    /// Why this question breaks the rule, naming the words that gave it away.
    pub why: String,
    /// An outcome-oriented question to ask instead (the same for every flag of a question).
    pub rewrite: Option<String>,
}

/// One question of a guide with its flags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LintedQuestion {
    /// 1-based line in the guide.
    pub line: usize,
    pub text: String,
    pub flags: Vec<QuestionFlag>,
}

impl LintedQuestion {
    pub fn rules(&self) -> Vec<QuestionRule> {
        self.flags.iter().map(|f| f.rule).collect()
    }
    pub fn rewrite(&self) -> Option<&str> {
        self.flags.iter().find_map(|f| f.rewrite.as_deref())
    }
}

/// The linted guide: every question found, and how many other lines were passed over
/// (headings, intro text, blank lines).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuideReport {
    pub questions: Vec<LintedQuestion>,
    pub skipped_lines: usize,
}

impl GuideReport {
    pub fn flagged(&self) -> usize {
        self.questions
            .iter()
            .filter(|q| !q.flags.is_empty())
            .count()
    }
    /// How many questions each rule flagged, in rule order.
    pub fn counts(&self) -> Vec<(QuestionRule, usize)> {
        QuestionRule::ALL
            .iter()
            .map(|r| {
                let n = self
                    .questions
                    .iter()
                    .filter(|q| q.flags.iter().any(|f| f.rule == *r))
                    .count();
                (*r, n)
            })
            .collect()
    }
}

/// Longest guide the linter reads (characters); longer input is refused with this limit named.
pub const MAX_GUIDE_CHARS: usize = 200_000;
/// Longest question (characters); longer lines are cut for linting and display.
pub const MAX_QUESTION_CHARS: usize = 1_000;

/// Reads a guide — one question a line, or Markdown (headings, lists, numbering, quotes and
/// emphasis are understood) — and lints every question in it. A line counts as a question
/// when it ends with "?" or starts like one (a question word, an auxiliary verb, or a prompt
/// such as "Tell me…", "Describe…"); other lines (headings, notes to the interviewer) are
/// skipped. Errors when the text is too long or holds no question at all.
pub fn lint_guide(text: &str) -> Result<GuideReport, String> {
    if text.chars().count() > MAX_GUIDE_CHARS {
        return Err(format!(
            "the guide is longer than {MAX_GUIDE_CHARS} characters; split it into smaller files"
        ));
    }
    let mut questions = Vec::new();
    let mut skipped = 0;
    let mut in_fence = false;
    let mut in_comment = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with("```") || line.starts_with("~~~") {
            in_fence = !in_fence;
            skipped += 1;
            continue;
        }
        if in_comment {
            if line.contains("-->") {
                in_comment = false;
            }
            skipped += 1;
            continue;
        }
        if line.starts_with("<!--") {
            in_comment = !line.contains("-->");
            skipped += 1;
            continue;
        }
        if in_fence || line.is_empty() || line.starts_with('#') || is_rule_line(line) {
            skipped += 1;
            continue;
        }
        let q = strip_markdown(line);
        if q.is_empty() || !looks_like_question(&q) {
            skipped += 1;
            continue;
        }
        let q: String = q.chars().take(MAX_QUESTION_CHARS).collect();
        let flags = lint(&q);
        questions.push(LintedQuestion {
            line: i + 1,
            text: q,
            flags,
        });
    }
    if questions.is_empty() {
        return Err(
            "no questions found: write one question a line (or a Markdown list of questions)"
                .to_string(),
        );
    }
    Ok(GuideReport {
        questions,
        skipped_lines: skipped,
    })
}

fn is_rule_line(line: &str) -> bool {
    line.len() >= 3
        && line
            .chars()
            .all(|c| matches!(c, '-' | '*' | '_' | '=' | ' '))
}

/// Strips list markers, numbering, quote markers, checkboxes and emphasis from a line.
fn strip_markdown(line: &str) -> String {
    let mut s = line.trim();
    loop {
        let before = s;
        s = s.trim_start_matches('>').trim_start();
        for marker in ["- [ ] ", "- [x] ", "* [ ] ", "- ", "* ", "+ ", "• ", "– "] {
            if let Some(rest) = s.strip_prefix(marker) {
                s = rest.trim_start();
            }
        }
        // "1. ", "12) ", "Q3: ", "Q3. "
        let digits_start = s.strip_prefix('Q').or_else(|| s.strip_prefix('q'));
        let body = digits_start.unwrap_or(s);
        let n = body.chars().take_while(|c| c.is_ascii_digit()).count();
        if n > 0 {
            let rest = &body[n..];
            for sep in [". ", ") ", ": ", ".\t", " - "] {
                if let Some(r) = rest.strip_prefix(sep) {
                    s = r.trim_start();
                    break;
                }
            }
        }
        if s == before {
            break;
        }
    }
    let s = s.replace("**", "").replace("__", "").replace('`', "");
    let s = s.trim_matches(|c: char| c == '*' || c == '_' || c.is_whitespace());
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

const QUESTION_WORDS: &[&str] = &[
    "what", "what's", "whats", "why", "how", "how's", "when", "where", "who", "whom", "whose",
    "which", "tell", "describe", "walk", "explain", "share", "talk", "show", "give", "take",
    "help", "imagine", "think", "picture", "name", "list", "rate",
];

fn looks_like_question(q: &str) -> bool {
    if q.ends_with('?') {
        return true;
    }
    let w = words(q);
    match w.first() {
        Some(first) => {
            QUESTION_WORDS.contains(&first.as_str())
                || AUX.contains(&first.as_str())
                || NEGATIVE_AUX.contains(&first.as_str())
        }
        None => false,
    }
}

/// Lower-case words, apostrophes normalised to ', other punctuation dropped.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['’', '‘', '`'], "'")
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '-').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The question as " word word word " (lower case, single spaces, padded) so phrases can be
/// matched on word boundaries with `contains(" phrase ")`.
fn padded(w: &[String]) -> String {
    format!(" {} ", w.join(" "))
}

fn has(p: &str, phrase: &str) -> bool {
    p.contains(&format!(" {phrase} "))
}

fn first_of<'a>(p: &str, phrases: &[&'a str]) -> Option<&'a str> {
    phrases.iter().copied().find(|ph| has(p, ph))
}

const AUX: &[&str] = &[
    "do", "does", "did", "is", "are", "was", "were", "am", "have", "has", "had", "can", "could",
    "will", "would", "should", "shall", "may", "might", "must", "any",
];

const NEGATIVE_AUX: &[&str] = &[
    "don't",
    "doesn't",
    "didn't",
    "isn't",
    "aren't",
    "wasn't",
    "weren't",
    "haven't",
    "hasn't",
    "hadn't",
    "can't",
    "couldn't",
    "won't",
    "wouldn't",
    "shouldn't",
    "dont",
    "doesnt",
    "didnt",
    "isnt",
    "arent",
    "wasnt",
    "werent",
    "havent",
    "hasnt",
    "cant",
    "couldnt",
    "wont",
    "wouldnt",
    "shouldnt",
];

/// Verbs that turn "Can you …" / "Could you …" into an open prompt.
const PROMPT_VERBS: &[&str] = &[
    "tell",
    "walk",
    "describe",
    "explain",
    "share",
    "talk",
    "show",
    "give",
    "take",
    "help",
    "elaborate",
    "expand",
    "recall",
    "remember",
    "paint",
    "recount",
    "say",
    "think",
    "list",
    "outline",
];

/// Words that may open a question before its real start ("So, do you…", "When you…, do you…").
const LEAD_INS: &[&str] = &[
    "so", "and", "also", "ok", "okay", "now", "then", "but", "well",
];
const SUBORDINATORS: &[&str] = &[
    "when",
    "if",
    "after",
    "before",
    "since",
    "while",
    "in",
    "for",
    "as",
    "thinking",
    "looking",
    "overall",
    "today",
    "currently",
    "generally",
    "honestly",
    "personally",
];

/// Words of a question from its real start: lead-ins dropped, and a leading "When you…,"
/// clause skipped when what follows the comma starts with an auxiliary verb.
fn main_clause(question: &str) -> Vec<String> {
    let mut w = words(question);
    while w.len() > 1 && LEAD_INS.contains(&w[0].as_str()) {
        w.remove(0);
    }
    if let Some(first) = w.first() {
        if SUBORDINATORS.contains(&first.as_str()) {
            if let Some((_, after)) = question.split_once(',') {
                let rest = words(after);
                if rest.first().is_some_and(|f| {
                    AUX.contains(&f.as_str()) || NEGATIVE_AUX.contains(&f.as_str())
                }) {
                    return rest;
                }
            }
        }
    }
    w
}

/// Lints one question. Returns its flags in rule order; empty when the question is fine.
pub fn lint(question: &str) -> Vec<QuestionFlag> {
    let q = question.trim();
    let all = words(q);
    if all.is_empty() {
        return Vec::new();
    }
    let p = padded(&all);
    let main = main_clause(q);
    let mut found: Vec<(QuestionRule, String)> = Vec::new();

    if let Some(why) = closed(&main, &p, q) {
        found.push((QuestionRule::Closed, why));
    }
    if let Some(why) = leading(&main, &p, q) {
        found.push((QuestionRule::Leading, why));
    }
    if let Some(why) = feature_shopping(&p) {
        found.push((QuestionRule::FeatureShopping, why));
    }
    if let Some(why) = double_barrelled(&all, &p, q) {
        found.push((QuestionRule::DoubleBarrelled, why));
    }
    if found.is_empty() {
        return Vec::new();
    }
    let rules: Vec<QuestionRule> = found.iter().map(|(r, _)| *r).collect();
    let rewrite = rewrite(q, &rules);
    found
        .into_iter()
        .map(|(rule, why)| QuestionFlag {
            rule,
            why,
            rewrite: Some(rewrite.clone()),
        })
        .collect()
}

const TAGS: &[&str] = &[
    "right",
    "correct",
    "agreed",
    "yes",
    "no",
    "isn't it",
    "don't you",
    "wouldn't you",
    "didn't you",
    "won't you",
    "aren't you",
    "doesn't it",
    "wasn't it",
    "isn't that so",
    "wouldn't it",
    "don't they",
    "am i right",
    "true",
];

/// The tag of a tag question ("…, right?"), if any.
fn tag_question(q: &str) -> Option<&'static str> {
    let body = q.trim_end_matches(|c: char| c == '?' || c.is_whitespace());
    let (_, tail) = body.rsplit_once(',')?;
    let tail = words(tail).join(" ");
    TAGS.iter().copied().find(|t| *t == tail)
}

fn closed(main: &[String], p: &str, q: &str) -> Option<String> {
    if let Some(tag) = tag_question(q) {
        return Some(format!(
            "ends with the tag \"{tag}?\", so the only answers are yes or no"
        ));
    }
    let first = main.first()?.as_str();
    let negative = NEGATIVE_AUX.contains(&first);
    if !(AUX.contains(&first) || negative) {
        return None;
    }
    // "Can you tell me about…", "Would you mind walking me through…" are open prompts.
    if matches!(first, "can" | "could" | "would" | "will")
        && main.get(1).is_some_and(|w| w == "you")
    {
        let verb = main.get(2).map(String::as_str).unwrap_or("");
        if PROMPT_VERBS.contains(&verb) {
            return None;
        }
        if verb == "mind" {
            return None;
        }
    }
    let _ = p;
    Some(format!(
        "starts with \"{}\", so it can be answered with a plain yes or no",
        main.iter().take(2).cloned().collect::<Vec<_>>().join(" ")
    ))
}

const LEADING_PHRASES: &[&str] = &[
    "don't you think",
    "dont you think",
    "wouldn't you agree",
    "would you agree",
    "do you agree",
    "you'd agree",
    "you would agree",
    "wouldn't it be",
    "isn't it true",
    "isn't it",
    "surely",
    "obviously",
    "of course",
    "clearly",
    "how much do you love",
    "how much would you love",
    "how much do you like",
    "how much did you like",
    "how much did you love",
    "how much do you enjoy",
    "how great",
    "how amazing",
    "how awesome",
    "how wonderful",
    "how much better",
    "how much easier",
    "how much faster",
    "how much happier",
    "how easy",
    "how simple",
    "how intuitive",
    "how frustrating",
    "how annoying",
    "how painful",
    "how bad",
    "how terrible",
    "how much time does our",
    "how much time did our",
    "you'd love",
    "you would love",
    "you'd like it if",
    "most customers",
    "most people",
    "everyone",
    "everybody",
    "other customers love",
    "customers love",
    "a good idea",
    "a great idea",
    "a cool idea",
    "a smart idea",
];

const PRAISE: &[&str] = &[
    "amazing",
    "great",
    "awesome",
    "fantastic",
    "improved",
    "powerful",
    "intuitive",
    "beautiful",
    "innovative",
    "award-winning",
    "best",
    "excellent",
    "wonderful",
    "seamless",
    "industry-leading",
    "world-class",
    "revolutionary",
    "brilliant",
    "superior",
    "easy-to-use",
    "lightning-fast",
    "cutting-edge",
    "incredible",
    "perfect",
];

fn leading(main: &[String], p: &str, q: &str) -> Option<String> {
    if let Some(first) = main.first() {
        if NEGATIVE_AUX.contains(&first.as_str()) {
            return Some(format!(
                "opens with the negative \"{}\", which presumes the answer is yes",
                main.iter().take(2).cloned().collect::<Vec<_>>().join(" ")
            ));
        }
    }
    if let Some(tag) = tag_question(q) {
        return Some(format!(
            "the tag \"{tag}?\" asks the customer to confirm what we already said"
        ));
    }
    if let Some(ph) = first_of(p, LEADING_PHRASES) {
        return Some(format!("\"{ph}\" suggests the answer we hope to hear"));
    }
    for owner in ["our", "the new", "our new"] {
        for adj in PRAISE {
            let ph = format!("{owner} {adj}");
            if has(p, &ph) {
                return Some(format!(
                    "\"{ph}\" praises our own product inside the question"
                ));
            }
        }
    }
    None
}

const FEATURE_PHRASES: &[&str] = &[
    "what features",
    "which features",
    "what feature",
    "which feature",
    "what new features",
    "what functionality",
    "what capabilities",
    "a feature",
    "new feature",
    "new features",
    "should we add",
    "should we build",
    "should we offer",
    "should we develop",
    "should we create",
    "should we include",
    "should we make",
    "should we support",
    "should we change",
    "should we build next",
    "we should add",
    "we should build",
    "would you use",
    "would you pay",
    "would you buy",
    "would you switch",
    "would you upgrade",
    "would you be interested in",
    "would you want",
    "would you like a",
    "would you like an",
    "would you like us",
    "would you like it if",
    "would you like to see",
    "would you like to have",
    "how likely would you be to use",
    "how likely are you to use",
    "how likely would you be to buy",
    "how likely are you to buy",
    "how much would you pay",
    "if we added",
    "if we add",
    "if we built",
    "if we build",
    "if we offered",
    "if we offer",
    "if we had",
    "if we made",
    "if we make",
    "if we created",
    "if we launched",
    "if we released",
    "if we introduced",
    "if we shipped",
    "if we included",
    "if we supported",
    "if the product had",
    "if the app had",
    "if it had",
    "what would you like us",
    "what would you like to see",
    "what would you want us",
    "what would you want to see",
    "what do you want us",
    "what do you want to see",
    "what would you add",
    "what should we add",
    "what should we build",
    "what should the product",
    "what should the app",
    "what should the tool",
    "what would make our product",
    "what would make the product",
    "what would make our app",
    "what would make our tool",
    "wish list",
    "wishlist",
    "magic wand",
    "if you could add",
    "if you could change",
    "if you could build",
    "if you could design",
    "do you want a",
    "do you want an",
    "do you want us",
    "would it help if we",
    "would it be useful if",
    "would it be helpful if",
    "would it be valuable if",
    "how useful would",
    "how valuable would",
    "how helpful would",
    "on our roadmap",
    "the roadmap",
];

fn feature_shopping(p: &str) -> Option<String> {
    first_of(p, FEATURE_PHRASES).map(|ph| {
        format!("\"{ph}\" asks the customer to design the product instead of describing a problem")
    })
}

/// Judgements that, applied to "X and Y", ask two questions at once.
const EVALUATIVE: &[&str] = &[
    "satisfied",
    "satisfaction",
    "happy",
    "rate",
    "rating",
    "like",
    "liked",
    "think",
    "feel",
    "opinion",
    "useful",
    "easy",
    "important",
    "valuable",
    "helpful",
    "fast",
    "reliable",
    "affordable",
    "quality",
    "good",
    "bad",
    "clear",
    "simple",
    "quick",
    "accurate",
    "fair",
    "responsive",
    "intuitive",
    "expensive",
    "cheap",
    "hard",
    "difficult",
    "slow",
];

/// Follow-ups after "and" that start a second question.
const SECOND_QUESTION: &[&str] = &[
    "and how",
    "and what",
    "and why",
    "and when",
    "and where",
    "and who",
    "and which",
    "and whether",
    "and do you",
    "and did you",
    "and would you",
    "and will you",
    "and are you",
    "and is it",
    "and is there",
    "and can you",
    "and could you",
    "and have you",
    "and does it",
    "and should we",
    "and would it",
    "and was it",
    "and were you",
    "and did it",
];

/// Pairs joined by "and" that are one idea, not two.
const FIXED_PAIRS: &[&str] = &[
    "pros and cons",
    "back and forth",
    "up and running",
    "research and development",
    "terms and conditions",
    "trial and error",
    "more and more",
    "over and over",
    "again and again",
    "ups and downs",
    "between",
];

fn double_barrelled(all: &[String], p: &str, q: &str) -> Option<String> {
    let marks = q.trim_end().trim_end_matches('?').matches('?').count();
    if marks >= 1 {
        return Some("holds more than one question mark: ask each question on its own".into());
    }
    if p.contains(" and/or ") || q.contains("and/or") {
        return Some("\"and/or\" asks about two things at once".into());
    }
    if let Some(ph) = first_of(p, SECOND_QUESTION) {
        return Some(format!(
            "\"{ph}…\" starts a second question inside the first"
        ));
    }
    if !p.contains(" and ") || FIXED_PAIRS.iter().any(|f| has(p, f)) {
        return None;
    }
    // One judgement over two things: "How satisfied are you with pricing and support?",
    // "Was the setup quick and easy?"
    let and_at = all.iter().position(|w| w == "and")?;
    let judged = all[..and_at]
        .iter()
        .find(|w| EVALUATIVE.contains(&w.as_str()));
    if let Some(word) = judged {
        let left = &all[and_at - 1];
        let right = all.get(and_at + 1).map(String::as_str).unwrap_or("");
        return Some(format!(
            "\"{word}\" judges two things at once (\"{left} and {right}\"): the answer cannot say which"
        ));
    }
    let left = all[and_at.saturating_sub(1)].as_str();
    let right = all.get(and_at + 1).map(String::as_str).unwrap_or("");
    if EVALUATIVE.contains(&left) && EVALUATIVE.contains(&right) {
        return Some(format!(
            "\"{left} and {right}\" asks for two judgements at once"
        ));
    }
    None
}

/// Words that end the topic phrase taken from a question.
const TOPIC_STOP: &[&str] = &[
    "useful",
    "easy",
    "helpful",
    "valuable",
    "good",
    "important",
    "fast",
    "reliable",
    "enough",
    "too",
    "very",
    "really",
    "better",
    "worse",
    "hard",
    "difficult",
    "simple",
    "clear",
    "right",
    "correct",
    "so",
    "and",
    "or",
    "would",
    "is",
    "are",
    "was",
    "were",
    "be",
    "that",
    "which",
    "who",
    "what",
    "if",
    "when",
    "because",
    "today",
    "now",
    "yet",
    "already",
    "at",
    "all",
    "intuitive",
    "slow",
    "expensive",
    "cheap",
    "confusing",
    "frustrating",
    "annoying",
    "painful",
    "isn't",
    "to",
    "it",
    "quick",
    "smooth",
    "smoothly",
    "fair",
    "faster",
    "has",
    "have",
    "had",
    "does",
    "do",
    "did",
    "will",
    "can",
    "could",
    "should",
    "for",
    "go",
    "work",
    "call",
    "track",
    "help",
    "helps",
    "save",
    "saves",
    "matter",
    "make",
    "take",
    "need",
    "feel",
    "look",
    "seem",
    "run",
    "used",
    "next",
    "more",
    "most",
    "how",
    "why",
    "where",
    "likely",
];

const OBJECTS: &[&str] = &["you", "your", "us", "me", "them", "it", "the", "a", "an"];

const DETERMINERS: &[&str] = &["the", "our", "your", "a", "an", "this", "these", "those"];

/// Words a topic about a wished-for product must not contain: a wish list is not a problem.
const SHOPPING_WORDS: &[&str] = &[
    "wish", "wishlist", "roadmap", "feature", "features", "magic", "thing", "one",
];

/// The question's words twice: as written (to quote names like "Slack") and lower-cased.
struct Words {
    orig: Vec<String>,
    low: Vec<String>,
}

impl Words {
    fn new(text: &str) -> Self {
        let orig: Vec<String> = text
            .replace(['’', '‘', '`'], "'")
            .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
            .map(|w| w.trim_matches(|c| c == '\'' || c == '-').to_string())
            .filter(|w| !w.is_empty())
            .collect();
        let low = orig.iter().map(|w| w.to_lowercase()).collect();
        Words { orig, low }
    }
    /// The original words from..to, with a sentence-initial capital dropped from a determiner.
    fn phrase(&self, idx: &[usize]) -> String {
        idx.iter()
            .map(|&i| {
                if DETERMINERS.contains(&self.low[i].as_str()) {
                    self.low[i].clone()
                } else {
                    self.orig[i].clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The first noun phrase naming what the question is about ("our new dashboard" → "our
/// dashboard", "the setup"), or `None` when it names nothing concrete. `for_feature` keeps to
/// things we would build (no "your team").
fn topic(w: &Words, for_feature: bool) -> Option<String> {
    let low = &w.low;
    let anchors = [
        "added", "add", "built", "build", "offered", "offer", "had", "with", "about", "of", "use",
        "using", "like", "love", "enjoy", "find", "think", "is", "are", "was", "were", "any",
    ];
    let mut starts: Vec<usize> = low
        .iter()
        .enumerate()
        .filter(|(_, x)| anchors.contains(&x.as_str()))
        .map(|(i, _)| i + 1)
        .collect();
    // "Is reporting important…": the subject right after a leading "is".
    if low
        .first()
        .is_some_and(|f| ["is", "are", "was", "were"].contains(&f.as_str()))
    {
        starts.insert(0, 1);
    }
    starts.extend(0..low.len());
    let bare_ok = |s: usize| {
        s > 0
            && ([
                "added", "add", "built", "build", "offered", "offer", "any", "use", "using",
            ]
            .contains(&low[s - 1].as_str())
                || (s == 1 && ["is", "are", "was", "were"].contains(&low[0].as_str())))
    };
    for s in starts {
        if s >= low.len() {
            continue;
        }
        let first = low[s].as_str();
        let det = DETERMINERS.contains(&first);
        if !det && !bare_ok(s) {
            continue;
        }
        if ["there", "it", "this", "that", "you", "we", "they", "i"].contains(&first)
            || (for_feature && ["your", "my"].contains(&first))
        {
            continue;
        }
        let mut idx: Vec<usize> = Vec::new();
        for (k, x) in low[s..].iter().enumerate() {
            let i = s + k;
            if (PRAISE.contains(&x.as_str()) || x == "new") && k > 0 {
                continue;
            }
            if TOPIC_STOP.contains(&x.as_str()) || NEGATIVE_AUX.contains(&x.as_str()) {
                break;
            }
            // A verb taking an object ends the noun phrase: "the dashboard | saves you time".
            let next = low.get(i + 1).map(String::as_str).unwrap_or("");
            if k > 0 && OBJECTS.contains(&next) {
                break;
            }
            idx.push(i);
            if idx.len() >= 6 {
                break;
            }
        }
        let words: Vec<&str> = idx.iter().map(|&i| low[i].as_str()).collect();
        let shopping = words.iter().any(|x| SHOPPING_WORDS.contains(x));
        let enough = if det { idx.len() >= 2 } else { !idx.is_empty() };
        if enough && !shopping {
            return Some(w.phrase(&idx));
        }
    }
    None
}

/// Verbs that, after "you", state an opinion or a purchase rather than a task.
const OPINION_VERBS: &[&str] = &[
    "like",
    "love",
    "enjoy",
    "find",
    "think",
    "feel",
    "prefer",
    "want",
    "need",
    "agree",
    "mind",
    "care",
    "know",
    "wish",
    "hate",
    "be",
    "have",
    "pay",
    "buy",
    "say",
    "rate",
    "recommend",
    "consider",
    "expect",
    "believe",
    "get",
    "use",
    "tell",
    "build",
    "add",
    "make",
    "create",
    "offer",
    "develop",
    "include",
    "see",
    "change",
    "ship",
    "launch",
    "with",
    "about",
    "for",
    "in",
    "on",
    "at",
    "of",
    "from",
    "like",
];

const ADVERBS: &[&str] = &[
    "ever",
    "really",
    "usually",
    "often",
    "already",
    "still",
    "also",
    "always",
    "never",
    "actually",
    "typically",
    "normally",
    "sometimes",
];

/// Where a task phrase ends.
const TASK_STOP: &[&str] = &[
    "and",
    "or",
    "if",
    "because",
    "but",
    "when",
    "right",
    "correct",
    "today",
    "now",
    "yourself",
    "somewhere",
    "next",
    "more",
    "anymore",
    "every",
    "each",
    "ever",
    "again",
    "first",
    "yet",
    "smoothly",
    "well",
    "easily",
    "quickly",
];

/// How the task was phrased: a base verb ("track renewals") or a past participle after
/// "have you ever" ("lost a customer").
enum Task {
    Base(String),
    Done(String),
}

/// The task in "…to track renewals", "do you track renewals…", "you export reports…".
fn task(w: &Words) -> Option<Task> {
    let low = &w.low;
    let take = |from: usize, participle: bool| -> Option<String> {
        let mut from = from;
        while low.get(from).is_some_and(|x| ADVERBS.contains(&x.as_str())) {
            from += 1;
        }
        let verb = low.get(from)?;
        if !participle
            && (OPINION_VERBS.contains(&verb.as_str())
                || verb.ends_with("ing")
                || verb.ends_with("ed"))
        {
            return None;
        }
        if DETERMINERS.contains(&verb.as_str())
            || AUX.contains(&verb.as_str())
            || [
                "you", "it", "we", "they", "there", "been", "to", "that", "this",
            ]
            .contains(&verb.as_str())
            // "Are you happy with…": an adjective, not a task.
            || EVALUATIVE.contains(&verb.as_str())
            || ["sure", "able", "aware", "interested", "ready", "willing", "still", "currently"]
                .contains(&verb.as_str())
        {
            return None;
        }
        let mut idx = vec![from];
        for (i, x) in low.iter().enumerate().skip(from + 1) {
            if TASK_STOP.contains(&x.as_str()) || NEGATIVE_AUX.contains(&x.as_str()) {
                break;
            }
            idx.push(i);
            if idx.len() >= 8 {
                break;
            }
        }
        Some(w.phrase(&idx))
    };
    for (i, x) in low.iter().enumerate() {
        if x == "to" && i > 0 {
            if let Some(t) = take(i + 1, false) {
                return Some(Task::Base(t));
            }
        }
    }
    for (i, x) in low.iter().enumerate() {
        if x != "you" {
            continue;
        }
        let before = if i > 0 { low[i - 1].as_str() } else { "" };
        if ["have", "has", "had", "haven't"].contains(&before) {
            if let Some(t) = take(i + 1, true) {
                return Some(Task::Done(t));
            }
        } else if i == 0 || AUX.contains(&before) || NEGATIVE_AUX.contains(&before) {
            if let Some(t) = take(i + 1, false) {
                return Some(Task::Base(t));
            }
        }
    }
    None
}

/// The outcome-oriented rewrite: a question about the last real episode, built from the task
/// or topic the original names. Always passes `lint` itself.
pub fn rewrite(question: &str, rules: &[QuestionRule]) -> String {
    // For a double-barrelled question, rewrite its first half only.
    let mut q = question.trim().to_string();
    if rules.contains(&QuestionRule::DoubleBarrelled) {
        let lower = q.to_lowercase();
        let cut = SECOND_QUESTION
            .iter()
            .filter_map(|ph| lower.find(&format!(" {ph} ")))
            .chain(lower.find(" and/or "))
            .chain(lower.find(" and "))
            .chain(lower.find('?').filter(|i| *i + 1 < lower.trim_end().len()))
            .min();
        if let Some(i) = cut {
            q.truncate(i);
        }
    }
    let w = Words::new(&q);
    let feature = rules.contains(&QuestionRule::FeatureShopping);
    match task(&w) {
        Some(Task::Base(t)) if feature => {
            return format!("Tell me about the last time you tried to {t}. What did you do?")
        }
        Some(Task::Base(t)) => {
            return format!("Tell me about the last time you had to {t}. What happened?")
        }
        Some(Task::Done(t)) => {
            return format!("Tell me about the last time you {t}. What happened?")
        }
        None => {}
    }
    // "Do you use spreadsheets for forecasting?" → the last time you used them.
    if let Some(i) = w.low.iter().position(|x| x == "use") {
        if !feature && i > 0 && w.low[i - 1] == "you" && i + 1 < w.low.len() {
            let idx: Vec<usize> = (i + 1..w.low.len())
                .take_while(|&k| !TASK_STOP.contains(&w.low[k].as_str()))
                .take(8)
                .collect();
            if !idx.is_empty() {
                return format!(
                    "Tell me about the last time you used {}. What happened?",
                    w.phrase(&idx)
                );
            }
        }
    }
    if let Some(t) = topic(&w, feature) {
        return if feature {
            format!(
                "Tell me about the last time you ran into the problem {t} would solve. What did you do?"
            )
        } else {
            format!("Tell me about your most recent experience with {t}. What happened?")
        };
    }
    if feature {
        "Tell me about the last time you got stuck trying to get something done. What did you do?"
            .to_string()
    } else {
        "Tell me about the last time this came up. What happened?".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use QuestionRule::*;

    /// Each question with exactly the rules it must be flagged for.
    const TABLE: &[(&str, &[QuestionRule])] = &[
        // Open, outcome-oriented questions: no flags.
        (
            "Tell me about the last time you tried to reconcile invoices.",
            &[],
        ),
        ("Walk me through how you onboard a new customer.", &[]),
        ("What happened the last time a renewal slipped?", &[]),
        (
            "How do you decide which accounts to call first each week?",
            &[],
        ),
        ("Why did you start looking for a new tool last spring?", &[]),
        (
            "What was going on in your business when you bought us?",
            &[],
        ),
        (
            "Can you tell me about the last time a report was late?",
            &[],
        ),
        ("Could you walk me through your month-end close?", &[]),
        ("Describe the last customer escalation you handled.", &[]),
        ("Who else was involved in the decision to buy?", &[]),
        ("What did you try before you found us?", &[]),
        ("Where do you keep notes on your customers today?", &[]),
        ("What keeps you up at night about next year?", &[]),
        ("How did you hear about us?", &[]),
        (
            "When was the last time you exported data to a spreadsheet?",
            &[],
        ),
        (
            "What is the biggest threat to your business in the next three years?",
            &[],
        ),
        ("Which events or communities do you go to for advice?", &[]),
        ("What does a good week look like for your team?", &[]),
        ("How do you measure whether onboarding went well?", &[]),
        ("What made you choose us over the other vendors?", &[]),
        ("Would you mind walking me through a typical Monday?", &[]),
        ("What happens after a deal closes?", &[]),
        ("How do sales and support hand over a new account?", &[]),
        ("What are the pros and cons of your current process?", &[]),
        (
            "Share an example of a problem you solved with your team last quarter.",
            &[],
        ),
        // Closed yes/no questions.
        ("Do you use spreadsheets for forecasting?", &[Closed]),
        ("Did the onboarding go smoothly?", &[Closed]),
        ("Is reporting important to you?", &[Closed]),
        ("Are you the person who approves purchases?", &[Closed]),
        (
            "Have you ever lost a customer because of slow support?",
            &[Closed],
        ),
        ("Can you export your data today?", &[Closed]),
        ("Was the renewal process clear?", &[Closed]),
        ("Does your team track churn?", &[Closed]),
        ("Will you renew next year?", &[Closed]),
        ("So, do you manage the budget yourself?", &[Closed]),
        (
            "When a customer complains, do you log it somewhere?",
            &[Closed],
        ),
        ("Any problems with the import?", &[Closed]),
        ("Is there anything else you want to tell us?", &[Closed]),
        ("Should the account manager call more often?", &[Closed]),
        // Leading questions.
        (
            "Don't you think the dashboard saves you time?",
            &[Closed, Leading],
        ),
        (
            "Wouldn't you agree that support has improved?",
            &[Closed, Leading],
        ),
        (
            "Isn't it frustrating to copy data by hand?",
            &[Closed, Leading],
        ),
        ("You export reports every week, right?", &[Closed, Leading]),
        ("How much do you love our new reporting module?", &[Leading]),
        ("How easy was it to set up the integration?", &[Leading]),
        (
            "What do you like most about our amazing dashboard?",
            &[Leading],
        ),
        (
            "Most customers find onboarding quick; how was it for you?",
            &[Leading],
        ),
        ("Surely the weekly digest helps your team?", &[Leading]),
        ("How frustrating is it when invoices are late?", &[Leading]),
        (
            "Would you agree that our pricing is fair?",
            &[Closed, Leading],
        ),
        ("The new workflow is faster, isn't it?", &[Closed, Leading]),
        ("Do you think it's a good idea?", &[Closed, Leading]),
        ("Is price or quality more important to you?", &[Closed]),
        (
            "If we built an integration with Salesforce, how likely are you to use it?",
            &[FeatureShopping],
        ),
        (
            "Would you buy a product that did this?",
            &[Closed, FeatureShopping],
        ),
        (
            "Are you happy with your current solution and would you recommend it?",
            &[Closed, DoubleBarrelled],
        ),
        (
            "Walk me through your process for approving invoices, step by step.",
            &[],
        ),
        ("What don't you love about the solutions you've tried?", &[]),
        ("What would have to be true for you to switch tools?", &[]),
        // Feature shopping.
        ("What features should we add next?", &[FeatureShopping]),
        (
            "Would you use a mobile app to approve expenses?",
            &[Closed, FeatureShopping],
        ),
        (
            "How much would you pay for a forecasting module?",
            &[FeatureShopping],
        ),
        (
            "If we built a Slack integration, would you use it?",
            &[Closed, FeatureShopping],
        ),
        (
            "What would you like us to build for your team?",
            &[FeatureShopping],
        ),
        (
            "Which features matter most on our roadmap?",
            &[FeatureShopping],
        ),
        (
            "What's on your wish list for the product?",
            &[FeatureShopping],
        ),
        (
            "If you could change one thing about the product, what would it be?",
            &[FeatureShopping],
        ),
        (
            "How useful would an AI assistant be to your team?",
            &[FeatureShopping],
        ),
        ("Do you want a dark mode?", &[Closed, FeatureShopping]),
        (
            "Wouldn't you like it if we added automatic reminders?",
            &[Closed, Leading, FeatureShopping],
        ),
        // Double-barrelled.
        (
            "How satisfied are you with our pricing and support?",
            &[DoubleBarrelled],
        ),
        ("Was the setup quick and easy?", &[Closed, DoubleBarrelled]),
        (
            "What tools do you use and how often do you use them?",
            &[DoubleBarrelled],
        ),
        ("Why did you buy? Who decided?", &[DoubleBarrelled]),
        (
            "How do you feel about the reports and the alerts?",
            &[DoubleBarrelled],
        ),
        (
            "Do you read the newsletter and/or the blog?",
            &[Closed, DoubleBarrelled],
        ),
        (
            "What do you think of the onboarding and the training?",
            &[DoubleBarrelled],
        ),
        (
            "Tell me about your last renewal and why did it take so long?",
            &[DoubleBarrelled],
        ),
        (
            "Is the app fast and reliable, don't you think?",
            &[Closed, Leading, DoubleBarrelled],
        ),
        (
            "Would you use a chat feature and would you pay for it?",
            &[Closed, FeatureShopping, DoubleBarrelled],
        ),
    ];

    #[test]
    fn the_question_table() {
        assert!(TABLE.len() >= 60, "table has {} questions", TABLE.len());
        let mut failures = Vec::new();
        for (q, expected) in TABLE {
            let got: Vec<QuestionRule> = lint(q).iter().map(|f| f.rule).collect();
            if got != *expected {
                failures.push(format!("{q:?}: expected {expected:?}, got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn every_rewrite_is_itself_a_clean_question() {
        for (q, _) in TABLE {
            for flag in lint(q) {
                let r = flag.rewrite.expect("each flag proposes a rewrite");
                assert!(r.starts_with("Tell me about"), "{q:?} → {r:?}");
                let words: Vec<&str> = r.split_whitespace().collect();
                assert!(
                    words.windows(2).all(|w| w[0] != w[1]),
                    "{q:?} → {r:?} repeats a word"
                );
                assert!(
                    lint(&r).is_empty(),
                    "{q:?} → {r:?} is flagged {:?}",
                    lint(&r)
                );
                assert!(!flag.why.is_empty());
            }
        }
    }

    #[test]
    fn rewrites_keep_the_customers_task_or_topic() {
        let r = lint("Would you use a mobile app to approve expenses?");
        assert_eq!(
            r[0].rewrite.as_deref(),
            Some("Tell me about the last time you tried to approve expenses. What did you do?")
        );
        let r = lint("How much do you love our new reporting module?");
        assert_eq!(
            r[0].rewrite.as_deref(),
            Some("Tell me about your most recent experience with our reporting module. What happened?")
        );
        let r = lint("Do you use spreadsheets for forecasting?");
        assert!(r[0]
            .rewrite
            .as_deref()
            .unwrap()
            .starts_with("Tell me about"));
    }

    #[test]
    fn flags_name_the_words_that_gave_them_away() {
        let f = lint("Don't you think the dashboard saves you time?");
        let leading = f.iter().find(|f| f.rule == Leading).unwrap();
        assert!(leading.why.contains("don't you"), "{}", leading.why);
        let f = lint("What features should we add next?");
        assert!(f[0].why.contains("what features"), "{}", f[0].why);
    }

    #[test]
    fn a_markdown_guide_is_read_question_by_question() {
        let guide = "# Discovery interview\n\nIntroduce yourself and thank them.\n\n## Background\n\
            1. Tell me about your role.\n2. **Do you use spreadsheets?**\n- [ ] What features should we add?\n\
            > Why did you buy?\n\n```\nDo not lint this?\n```\n---\n<!-- note\nIs this skipped? -->\n";
        let r = lint_guide(guide).unwrap();
        let texts: Vec<&str> = r.questions.iter().map(|q| q.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Tell me about your role.",
                "Do you use spreadsheets?",
                "What features should we add?",
                "Why did you buy?"
            ]
        );
        assert_eq!(
            r.questions.iter().map(|q| q.line).collect::<Vec<_>>(),
            [6, 7, 8, 9]
        );
        assert_eq!(r.questions[1].rules(), [Closed]);
        assert_eq!(r.questions[2].rules(), [FeatureShopping]);
        assert_eq!(r.flagged(), 2);
        assert_eq!(r.counts()[0], (Closed, 1));
        assert!(r.skipped_lines >= 8);
    }

    #[test]
    fn a_plain_guide_has_one_question_a_line_and_empty_guides_are_refused() {
        let r = lint_guide("Do you like it?\r\nHow did you hear about us?\n").unwrap();
        assert_eq!(r.questions.len(), 2);
        assert_eq!(r.questions[0].rules(), [Closed]);
        assert!(r.questions[1].flags.is_empty());
        let e = lint_guide("# Only a heading\n\nSome notes.\n").unwrap_err();
        assert!(e.contains("no questions found"), "{e}");
        let e = lint_guide(&"x".repeat(MAX_GUIDE_CHARS + 1)).unwrap_err();
        assert!(e.contains("200000"), "{e}");
    }

    #[test]
    #[ignore]
    fn print_rewrites() {
        for (q, _) in TABLE {
            if let Some(f) = lint(q).first() {
                println!("{q}\n    → {}", f.rewrite.as_deref().unwrap_or(""));
            }
        }
    }

    #[test]
    fn rules_parse_by_name() {
        assert_eq!(QuestionRule::parse("double-barrelled"), Ok(DoubleBarrelled));
        assert_eq!(QuestionRule::FeatureShopping.as_str(), "feature_shopping");
        assert!(!QuestionRule::Closed.advice().is_empty());
    }
}
