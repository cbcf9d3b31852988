//! E2: the quarterly-review analyzer. "What really drives your company is found in observing
//! behavior … one of the best places to do that is in your quarterly reviews": an agenda's
//! items are classed as product, sales, operations or customer value by the words they use,
//! and the shares of time say what drives the company.
//!
//! - **Input**: CSV with the columns `item`, `minutes` and optionally `notes` (comma or
//!   semicolon separated), a Markdown table with the same columns, or a Markdown list whose
//!   items carry their duration (`- Pipeline review (45 min)`, `- 09:00–09:30 Welcome`,
//!   `1. Roadmap — 1h`); indented lines under a list item are its notes.
//! - **Classes**: each item's title and notes are matched against `VOCABULARY` (below) and
//!   remembered corrections. Words are compared in lower case and singular (`deals` = `deal`),
//!   a longer phrase is matched before the words inside it (`whole product` is customer
//!   value, not product). A word in the title counts twice its weight, in the notes once.
//!   The class with the highest score wins; on a tie, the class whose word comes first.
//!   An item with no known word is *not classified* (breaks, introductions).
//! - **Corrections** are remembered as extra vocabulary: a phrase and its class. An item that
//!   contains a remembered phrase takes that phrase's class, before any built-in word; when
//!   several remembered phrases match, the longest wins.
//! - **Verdict**: the class with the largest share of the agenda's minutes: product-,
//!   sales-, production- (operations) or value-driven (customer value). On a tie, the class
//!   whose first item comes earlier in the agenda wins — what a meeting puts first, it puts
//!   first. **Cursory**: a class under 10% of the minutes; an item under 10 minutes.

use serde::Serialize;

crate::text_enum!(
    /// What an agenda item is about.
    ReviewClass {
        Product => "product", "Product";
        Sales => "sales", "Sales";
        Operations => "operations", "Operations";
        CustomerValue => "customer_value", "Customer value";
    }
);

impl ReviewClass {
    /// The verdict when this class gets the most time.
    pub fn driven(self) -> &'static str {
        match self {
            ReviewClass::Product => "product-driven",
            ReviewClass::Sales => "sales-driven",
            ReviewClass::Operations => "production-driven",
            ReviewClass::CustomerValue => "value-driven",
        }
    }
    fn index(self) -> usize {
        ReviewClass::ALL
            .iter()
            .position(|c| *c == self)
            .expect("in ALL")
    }
}

crate::text_enum!(
    AgendaFormat {
        Csv => "csv", "CSV";
        Markdown => "markdown", "Markdown";
    }
);

/// A class under this share of the agenda's minutes got cursory time.
pub const CURSORY_SHARE: f64 = 0.10;
/// An item shorter than this got cursory time.
pub const CURSORY_MINUTES: u32 = 10;
/// Longest agenda accepted, in items.
pub const MAX_ITEMS: usize = 500;
/// Longest agenda text accepted, in bytes.
pub const MAX_AGENDA_BYTES: usize = 200_000;

/// The built-in vocabulary: (phrase, class, weight). Phrases are matched after the same
/// normalisation as agenda text (lower case, singular, `R&D` → `rd`). Weight 3: a phrase that
/// settles it; 2: a word typical of the class; 1: a word that only leans towards it.
pub const VOCABULARY: &[(&str, ReviewClass, u32)] = {
    use ReviewClass::*;
    &[
        // Product: "new product definition and project schedules".
        ("roadmap", Product, 2),
        ("release", Product, 2),
        ("feature", Product, 2),
        ("launch", Product, 2),
        ("spec", Product, 2),
        ("specification", Product, 2),
        ("engineering", Product, 2),
        ("prototype", Product, 2),
        ("beta", Product, 2),
        ("requirement", Product, 2),
        ("architecture", Product, 2),
        ("design", Product, 2),
        ("r&d", Product, 2),
        ("sprint", Product, 2),
        ("milestone", Product, 2),
        ("development", Product, 2),
        ("platform", Product, 2),
        ("version", Product, 2),
        ("bug", Product, 2),
        ("mvp", Product, 2),
        ("patent", Product, 2),
        ("product", Product, 1),
        ("schedule", Product, 1),
        ("project", Product, 1),
        ("technology", Product, 1),
        ("innovation", Product, 1),
        ("research", Product, 1),
        ("demo", Product, 1),
        ("competitor", Product, 1),
        ("competition", Product, 1),
        ("competitive", Product, 1),
        ("product definition", Product, 3),
        ("new product", Product, 3),
        ("product roadmap", Product, 3),
        ("product launch", Product, 3),
        ("product strategy", Product, 3),
        ("product plan", Product, 3),
        ("project schedule", Product, 3),
        ("release plan", Product, 3),
        ("technical debt", Product, 3),
        ("feature request", Product, 3),
        // Sales: "reviewing the sales funnel and planning actions to close specific orders".
        ("pipeline", Sales, 2),
        ("funnel", Sales, 2),
        ("bookings", Sales, 2),
        ("quota", Sales, 2),
        ("deals", Sales, 2),
        ("forecast", Sales, 2),
        ("sales", Sales, 2),
        ("prospect", Sales, 2),
        ("lead", Sales, 2),
        ("opportunity", Sales, 2),
        ("territory", Sales, 2),
        ("commission", Sales, 2),
        ("quote", Sales, 2),
        ("bid", Sales, 2),
        ("rfp", Sales, 2),
        ("upsell", Sales, 2),
        ("orders", Sales, 2),
        ("marketing", Sales, 2),
        ("campaign", Sales, 2),
        ("pricing", Sales, 2),
        ("close", Sales, 1),
        ("closing", Sales, 1),
        ("revenue", Sales, 1),
        ("target", Sales, 1),
        ("channel", Sales, 1),
        ("price", Sales, 1),
        ("arr", Sales, 1),
        ("win rate", Sales, 3),
        ("new logo", Sales, 3),
        ("new business", Sales, 3),
        ("go to market", Sales, 3),
        ("account plan", Sales, 3),
        ("cross sell", Sales, 3),
        // Operations: "productivity, inventory and supply chain issues".
        ("inventory", Operations, 2),
        ("productivity", Operations, 2),
        ("headcount", Operations, 2),
        ("costs", Operations, 2),
        ("budget", Operations, 2),
        ("hiring", Operations, 2),
        ("recruiting", Operations, 2),
        ("staffing", Operations, 2),
        ("utilization", Operations, 2),
        ("capacity", Operations, 2),
        ("manufacturing", Operations, 2),
        ("production", Operations, 2),
        ("procurement", Operations, 2),
        ("logistics", Operations, 2),
        ("facilities", Operations, 2),
        ("expenses", Operations, 2),
        ("opex", Operations, 2),
        ("capex", Operations, 2),
        ("efficiency", Operations, 2),
        ("vendor", Operations, 2),
        ("supplier", Operations, 2),
        ("payroll", Operations, 2),
        ("finance", Operations, 2),
        ("audit", Operations, 2),
        ("compliance", Operations, 2),
        ("infrastructure", Operations, 2),
        ("shipping", Operations, 2),
        ("warehouse", Operations, 2),
        ("throughput", Operations, 2),
        ("yield", Operations, 2),
        ("overhead", Operations, 2),
        ("operations", Operations, 2),
        ("operational", Operations, 2),
        ("operating", Operations, 2),
        ("reorganization", Operations, 2),
        ("workforce", Operations, 2),
        ("hr", Operations, 2),
        ("p&l", Operations, 2),
        ("process", Operations, 1),
        ("cash", Operations, 1),
        ("financial", Operations, 1),
        ("security", Operations, 1),
        ("quality", Operations, 1),
        ("margin", Operations, 1),
        ("office", Operations, 1),
        ("travel", Operations, 1),
        ("ops", Operations, 1),
        ("training", Operations, 1),
        ("supply chain", Operations, 3),
        ("cash flow", Operations, 3),
        ("gross margin", Operations, 3),
        ("cost reduction", Operations, 3),
        // Customer value: "customer satisfaction measures, customer retention and loyalty,
        // delivering a whole product, alternatives customers may consider, and improving the
        // total customer experience".
        ("satisfaction", CustomerValue, 2),
        ("nps", CustomerValue, 2),
        ("retention", CustomerValue, 2),
        ("churn", CustomerValue, 2),
        ("loyalty", CustomerValue, 2),
        ("renewals", CustomerValue, 2),
        ("alternatives", CustomerValue, 2),
        ("adoption", CustomerValue, 2),
        ("onboarding", CustomerValue, 2),
        ("advocacy", CustomerValue, 2),
        ("advocate", CustomerValue, 2),
        ("references", CustomerValue, 2),
        ("complaint", CustomerValue, 2),
        ("escalation", CustomerValue, 2),
        ("feedback", CustomerValue, 2),
        ("csat", CustomerValue, 2),
        ("clv", CustomerValue, 2),
        ("ltv", CustomerValue, 2),
        ("testimonial", CustomerValue, 2),
        ("touchpoint", CustomerValue, 2),
        ("cocreation", CustomerValue, 2),
        ("customer", CustomerValue, 1),
        ("survey", CustomerValue, 1),
        ("support", CustomerValue, 1),
        ("usage", CustomerValue, 1),
        ("outcome", CustomerValue, 1),
        ("experience", CustomerValue, 1),
        ("community", CustomerValue, 1),
        ("customer satisfaction", CustomerValue, 3),
        ("customer experience", CustomerValue, 3),
        ("whole product", CustomerValue, 3),
        ("customer retention", CustomerValue, 3),
        ("customer success", CustomerValue, 3),
        ("customer feedback", CustomerValue, 3),
        ("customer loyalty", CustomerValue, 3),
        ("customer health", CustomerValue, 3),
        ("voice of the customer", CustomerValue, 3),
        ("net promoter", CustomerValue, 3),
        ("lifetime value", CustomerValue, 3),
        ("health score", CustomerValue, 3),
        ("case study", CustomerValue, 3),
        ("user group", CustomerValue, 3),
        ("advisory board", CustomerValue, 3),
        ("customer journey", CustomerValue, 3),
        ("touch point", CustomerValue, 3),
        ("customer visit", CustomerValue, 3),
        ("customer interview", CustomerValue, 3),
        ("customer problem", CustomerValue, 3),
        ("customer need", CustomerValue, 3),
        ("customer insight", CustomerValue, 3),
        ("customer value", CustomerValue, 3),
        ("installed base", CustomerValue, 3),
        ("co creation", CustomerValue, 3),
        ("support case", CustomerValue, 3),
        ("at risk", CustomerValue, 3),
        ("commitments kept", CustomerValue, 3),
    ]
};

// ---------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------

/// One word, lower case and singular: `Deals` → `deal`, `deliveries` → `delivery`,
/// `R&D` → `rd`. Words of three letters or fewer are kept as they are (`nps`, `ops`).
fn stem(word: &str) -> String {
    let w = word.to_lowercase();
    if w.chars().count() <= 3 || w.chars().any(|c| c.is_ascii_digit()) {
        return w;
    }
    if let Some(base) = w.strip_suffix("ies") {
        return format!("{base}y");
    }
    if w.ends_with("ss") || w.ends_with("us") || w.ends_with("is") {
        return w;
    }
    match w.strip_suffix('s') {
        Some(base) => base.to_string(),
        None => w,
    }
}

/// A word of the text, normalised.
#[derive(Debug, Clone)]
struct Token {
    word: String,
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_alphanumeric() {
            cur.push(*c);
        } else if *c == '&'
            && !cur.is_empty()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())
        {
            // R&D, P&L: one word.
        } else if *c == '\'' && !cur.is_empty() {
            // customer's → customer (the 's is dropped below).
            cur.push('\'');
        } else if !cur.is_empty() {
            push_word(&mut out, &cur);
            cur.clear();
        }
    }
    if !cur.is_empty() {
        push_word(&mut out, &cur);
    }
    out
}

fn push_word(out: &mut Vec<Token>, raw: &str) {
    let raw = raw.split('\'').next().unwrap_or(raw);
    if !raw.is_empty() {
        out.push(Token { word: stem(raw) });
    }
}

/// A phrase as the matcher sees it: its words, normalised and joined by single spaces.
pub fn normalize_phrase(text: &str) -> String {
    tokens(text)
        .into_iter()
        .map(|t| t.word)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks a phrase to remember: 1 to 20 words.
pub fn check_phrase(text: &str) -> Result<String, String> {
    let p = normalize_phrase(text);
    let n = p.split(' ').filter(|w| !w.is_empty()).count();
    if n == 0 {
        return Err("needs at least one word".into());
    }
    if n > 20 || p.len() > 200 {
        return Err("is too long (at most 20 words)".into());
    }
    Ok(p)
}

// ---------------------------------------------------------------------------------------
// Vocabulary and classifying one item
// ---------------------------------------------------------------------------------------

/// A phrase remembered from a correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LearnedTerm {
    pub phrase: String,
    pub class: ReviewClass,
}

#[derive(Debug, Clone)]
struct Term {
    words: Vec<String>,
    /// As written in the vocabulary or correction, for showing.
    shown: String,
    class: ReviewClass,
    weight: u32,
    learned: bool,
}

/// The built-in vocabulary plus remembered corrections.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    terms: Vec<Term>,
    longest: usize,
}

impl Vocabulary {
    pub fn builtin() -> Vocabulary {
        Vocabulary::with_learned(&[])
    }

    pub fn with_learned(learned: &[LearnedTerm]) -> Vocabulary {
        let mut terms: Vec<Term> = VOCABULARY
            .iter()
            .map(|(p, c, w)| Term {
                words: tokens(p).into_iter().map(|t| t.word).collect(),
                shown: p.to_string(),
                class: *c,
                weight: *w,
                learned: false,
            })
            .collect();
        for l in learned {
            let words: Vec<String> = tokens(&l.phrase).into_iter().map(|t| t.word).collect();
            if !words.is_empty() {
                terms.push(Term {
                    shown: words.join(" "),
                    words,
                    class: l.class,
                    weight: 0,
                    learned: true,
                });
            }
        }
        let longest = terms.iter().map(|t| t.words.len()).max().unwrap_or(1);
        Vocabulary { terms, longest }
    }

    /// How many remembered phrases it holds.
    pub fn learned(&self) -> usize {
        self.terms.iter().filter(|t| t.learned).count()
    }

    /// Built-in terms whose words start at `at`, longest first.
    fn builtin_at<'a>(&'a self, words: &[String], at: usize) -> Option<&'a Term> {
        (1..=self.longest.min(words.len() - at))
            .rev()
            .find_map(|n| {
                let slice = &words[at..at + n];
                self.terms
                    .iter()
                    .find(|t| !t.learned && t.words.len() == n && t.words == slice)
            })
    }
}

/// Why an item got its class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// `None`: no known word.
    pub class: Option<ReviewClass>,
    /// The words that decided it, in the order they appear.
    pub words: Vec<String>,
    /// Decided by a remembered correction.
    pub learned: bool,
    /// Score per class, in `ReviewClass::ALL` order.
    pub scores: [u32; 4],
}

/// Classes an item by its title and notes (see the module documentation for the rules).
pub fn classify(title: &str, notes: &str, vocab: &Vocabulary) -> Classification {
    let t: Vec<String> = tokens(title).into_iter().map(|t| t.word).collect();
    let n: Vec<String> = tokens(notes).into_iter().map(|t| t.word).collect();
    // Remembered phrases first: the longest one found anywhere wins.
    let contains = |hay: &[String], needle: &[String]| -> Option<usize> {
        (needle.len() <= hay.len())
            .then(|| hay.windows(needle.len()).position(|w| w == needle))
            .flatten()
    };
    let learned = vocab
        .terms
        .iter()
        .filter(|term| term.learned)
        .filter_map(|term| {
            let pos = contains(&t, &term.words)
                .or_else(|| contains(&n, &term.words).map(|p| p + t.len()))?;
            Some((term, pos))
        })
        .max_by(|(a, pa), (b, pb)| a.words.len().cmp(&b.words.len()).then(pb.cmp(pa)));
    if let Some((term, _)) = learned {
        let mut scores = [0; 4];
        scores[term.class.index()] = 1;
        return Classification {
            class: Some(term.class),
            words: vec![term.shown.clone()],
            learned: true,
            scores,
        };
    }
    // Built-in words: longest phrase first at each position; title counts double.
    let mut scores = [0u32; 4];
    let mut first = [usize::MAX; 4];
    let mut found: Vec<(usize, &Term)> = Vec::new();
    for (words, factor, offset) in [(&t, 2, 0), (&n, 1, t.len())] {
        let mut i = 0;
        while i < words.len() {
            match vocab.builtin_at(words, i) {
                Some(term) => {
                    let k = term.class.index();
                    scores[k] += term.weight * factor;
                    first[k] = first[k].min(offset + i);
                    found.push((offset + i, term));
                    i += term.words.len();
                }
                None => i += 1,
            }
        }
    }
    let best = *scores.iter().max().expect("four classes");
    if best == 0 {
        return Classification {
            class: None,
            words: Vec::new(),
            learned: false,
            scores,
        };
    }
    let winner = (0..4)
        .filter(|k| scores[*k] == best)
        .min_by_key(|k| first[*k])
        .expect("a best class");
    let class = ReviewClass::ALL[winner];
    let mut words: Vec<String> = Vec::new();
    for (_, term) in found.iter().filter(|(_, t)| t.class == class) {
        if !words.contains(&term.shown) {
            words.push(term.shown.clone());
        }
    }
    Classification {
        class: Some(class),
        words,
        learned: false,
        scores,
    }
}

// ---------------------------------------------------------------------------------------
// Reading an agenda
// ---------------------------------------------------------------------------------------

/// One agenda item as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaItem {
    /// The line it was read from (1-based).
    pub line: usize,
    pub item: String,
    pub minutes: u32,
    pub notes: Option<String>,
}

/// What is wrong with an agenda, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaError {
    /// 1-based; 0 for the agenda as a whole.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for AgendaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

fn err(line: usize, message: impl Into<String>) -> AgendaError {
    AgendaError {
        line,
        message: message.into(),
    }
}

/// CSV unless the first non-blank line is a Markdown table row, list item or heading.
pub fn detect_format(text: &str) -> AgendaFormat {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    match first {
        Some(l) if l.starts_with('|') || l.starts_with('#') || list_marker(l).is_some() => {
            AgendaFormat::Markdown
        }
        Some(l) if !l.contains(',') && !l.contains(';') && !l.contains('\t') => {
            AgendaFormat::Markdown
        }
        _ => AgendaFormat::Csv,
    }
}

/// Reads an agenda in the given format (or the detected one). Every problem is reported,
/// each with its line.
pub fn parse_agenda(
    text: &str,
    format: Option<AgendaFormat>,
) -> Result<(AgendaFormat, Vec<AgendaItem>), Vec<AgendaError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() > MAX_AGENDA_BYTES {
        return Err(vec![err(
            0,
            format!(
                "the agenda is too long (at most {} kB)",
                MAX_AGENDA_BYTES / 1000
            ),
        )]);
    }
    if text.trim().is_empty() {
        return Err(vec![err(
            0,
            "the agenda is empty: paste or upload a list of items with their minutes",
        )]);
    }
    let format = format.unwrap_or_else(|| detect_format(text));
    let items = match format {
        AgendaFormat::Csv => parse_csv(text)?,
        AgendaFormat::Markdown => {
            let first = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'));
            if first.is_some_and(|l| l.starts_with('|')) {
                parse_table(text)?
            } else {
                parse_list(text)?
            }
        }
    };
    if items.is_empty() {
        return Err(vec![err(0, "no agenda items found")]);
    }
    if items.len() > MAX_ITEMS {
        return Err(vec![err(
            0,
            format!("too many items ({}; at most {MAX_ITEMS})", items.len()),
        )]);
    }
    Ok((format, items))
}

const ITEM_COLUMNS: &[&str] = &["item", "topic", "agenda item", "title", "subject"];
const MINUTES_COLUMNS: &[&str] = &["minutes", "mins", "min", "duration", "time"];
const NOTES_COLUMNS: &[&str] = &["notes", "note", "description", "comments", "details"];

/// Which cells hold the item, minutes and notes, from a header row.
fn columns(header: &[String], line: usize) -> Result<(usize, usize, Option<usize>), AgendaError> {
    let norm: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_matches('*').trim().to_lowercase())
        .collect();
    let find = |names: &[&str]| norm.iter().position(|h| names.contains(&h.as_str()));
    match (find(ITEM_COLUMNS), find(MINUTES_COLUMNS)) {
        (Some(i), Some(m)) => Ok((i, m, find(NOTES_COLUMNS))),
        (i, m) => {
            let mut missing = Vec::new();
            if i.is_none() {
                missing.push("item");
            }
            if m.is_none() {
                missing.push("minutes");
            }
            let found: Vec<&str> = header
                .iter()
                .map(|h| h.trim())
                .filter(|h| !h.is_empty())
                .collect();
            Err(err(
                line,
                format!(
                    "the header needs the column{} {} (columns: item, minutes and optionally notes); found: {}",
                    if missing.len() > 1 { "s" } else { "" },
                    missing.join(" and "),
                    if found.is_empty() { "nothing".to_string() } else { found.join(", ") }
                ),
            ))
        }
    }
}

fn item_from_cells(
    cells: &[String],
    cols: (usize, usize, Option<usize>),
    line: usize,
    errors: &mut Vec<AgendaError>,
) -> Option<AgendaItem> {
    let cell = |i: usize| cells.get(i).map(|s| s.trim()).unwrap_or("");
    if cells.iter().all(|c| c.trim().is_empty()) {
        return None;
    }
    let item = cell(cols.0).to_string();
    let minutes = parse_minutes(cell(cols.1));
    let mut ok = true;
    if item.is_empty() {
        errors.push(err(line, "the item is empty"));
        ok = false;
    } else if item.chars().count() > 500 {
        errors.push(err(line, "the item is too long (at most 500 characters)"));
        ok = false;
    }
    if let Err(e) = &minutes {
        errors.push(err(line, format!("minutes: {e}")));
        ok = false;
    }
    let notes = cols
        .2
        .map(cell)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    ok.then(|| AgendaItem {
        line,
        item,
        minutes: minutes.unwrap_or(0),
        notes,
    })
}

fn parse_csv(text: &str) -> Result<Vec<AgendaItem>, Vec<AgendaError>> {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first.contains('\t') {
        b'\t'
    } else if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut cols = None;
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e
                    .position()
                    .map(|p| line_at(text, p.byte() as usize))
                    .unwrap_or(0);
                errors.push(err(line, format!("not valid CSV: {e}")));
                break;
            }
        };
        // Counted from the byte offset: the reader's own line count skips blank lines.
        let line = record
            .position()
            .map(|p| line_at(text, p.byte() as usize))
            .unwrap_or(0);
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        match cols {
            None => match columns(&cells, line) {
                Ok(c) => cols = Some(c),
                Err(e) => return Err(vec![e]),
            },
            Some(c) => {
                if let Some(item) = item_from_cells(&cells, c, line, &mut errors) {
                    items.push(item);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

/// The 1-based line of the first character at or after a byte offset that is not a line
/// break (the CSV reader's record positions include the blank lines before a record).
fn line_at(text: &str, byte: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = byte.min(bytes.len());
    while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
        at += 1;
    }
    bytes[..at.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn table_cells(line: &str) -> Vec<String> {
    let l = line.trim();
    let l = l.strip_prefix('|').unwrap_or(l);
    let l = l.strip_suffix('|').unwrap_or(l);
    l.split('|').map(|c| c.trim().to_string()).collect()
}

fn is_separator_row(cells: &[String]) -> bool {
    cells.iter().all(|c| {
        let c = c.trim();
        !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' '))
    })
}

fn parse_table(text: &str) -> Result<Vec<AgendaItem>, Vec<AgendaError>> {
    let mut cols = None;
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if !l.starts_with('|') {
            // Text around the table (a title, a note) is not part of it.
            continue;
        }
        let cells = table_cells(l);
        match cols {
            None => match columns(&cells, line) {
                Ok(c) => cols = Some(c),
                Err(e) => return Err(vec![e]),
            },
            Some(c) => {
                if is_separator_row(&cells) {
                    continue;
                }
                if let Some(item) = item_from_cells(&cells, c, line, &mut errors) {
                    items.push(item);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

/// The text after a list marker (`-`, `*`, `+`, `1.`, `1)`), if the line is a list item.
fn list_marker(line: &str) -> Option<&str> {
    let l = line.trim_start();
    for m in ["- ", "* ", "+ ", "• "] {
        if let Some(rest) = l.strip_prefix(m) {
            // "- [ ] task" checkboxes read as items too.
            let rest = rest
                .strip_prefix("[ ] ")
                .or_else(|| rest.strip_prefix("[x] "))
                .unwrap_or(rest);
            return Some(rest);
        }
    }
    let digits = l.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && digits <= 3 {
        let rest = &l[digits..];
        if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some(r);
        }
    }
    None
}

fn indent(line: &str) -> usize {
    line.chars()
        .take_while(|c| c.is_whitespace())
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

fn parse_list(text: &str) -> Result<Vec<AgendaItem>, Vec<AgendaError>> {
    let lines: Vec<&str> = text.lines().collect();
    let has_items = lines.iter().any(|l| list_marker(l).is_some());
    let mut top: Option<usize> = None;
    let mut items: Vec<AgendaItem> = Vec::new();
    let mut errors = Vec::new();
    // Whether the last top-level line was an item (so indented lines are its notes).
    let mut open = false;
    for (i, raw) in lines.iter().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with('#') {
            open = false;
            continue;
        }
        let ind = indent(raw);
        let marker = list_marker(raw);
        let is_item = if has_items {
            marker.is_some() && top.is_none_or(|t| ind <= t)
        } else {
            // No list markers: every line is an item.
            true
        };
        if !is_item {
            if open && (ind > top.unwrap_or(0) || marker.is_some()) {
                let note = marker.unwrap_or(trimmed).trim();
                if let Some(last) = items.last_mut() {
                    let notes = last.notes.get_or_insert_with(String::new);
                    if !notes.is_empty() {
                        notes.push_str("; ");
                    }
                    notes.push_str(note);
                }
            }
            continue;
        }
        if has_items && top.is_none() {
            top = Some(ind);
        }
        let text = marker.unwrap_or(trimmed).trim();
        open = false;
        match split_duration(text) {
            Some((minutes, item)) if !item.is_empty() => match minutes {
                Ok(m) => {
                    open = true;
                    items.push(AgendaItem {
                        line,
                        item,
                        minutes: m,
                        notes: None,
                    });
                }
                Err(e) => errors.push(err(line, format!("minutes: {e}"))),
            },
            Some(_) => errors.push(err(line, "the item has a duration but no title")),
            None => errors.push(err(
                line,
                format!(
                    "no duration in '{}' (write it like '- {} (30 min)')",
                    clip(text, 60),
                    clip(text, 40)
                ),
            )),
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

// ---------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------

const MINUTE_UNITS: &[&str] = &["m", "min", "mins", "minute", "minutes", "'"];
const HOUR_UNITS: &[&str] = &["h", "hr", "hrs", "hour", "hours"];

/// A minutes cell: `30`, `30 min`, `1.5h`, `1h30`, `1 h 30 min`, `1:30`.
pub fn parse_minutes(input: &str) -> Result<u32, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("missing (give the minutes as a number, e.g. 30)".into());
    }
    let bad = || format!("'{s}' is not a number of minutes");
    let value = if let Some((h, m)) = s.split_once(':') {
        let (h, m) = (h.trim(), m.trim());
        if h.is_empty()
            || m.len() != 2
            || !h.chars().all(|c| c.is_ascii_digit())
            || !m.chars().all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        h.parse::<f64>().map_err(|_| bad())? * 60.0 + m.parse::<f64>().map_err(|_| bad())?
    } else {
        let lower = s.to_lowercase();
        let parts = number_unit_parts(&lower).ok_or_else(bad)?;
        let mut total = 0.0;
        let mut seen_hours = false;
        for (i, (n, unit)) in parts.iter().enumerate() {
            if HOUR_UNITS.contains(&unit.as_str()) {
                if i > 0 {
                    return Err(bad());
                }
                seen_hours = true;
                total += n * 60.0;
            } else if MINUTE_UNITS.contains(&unit.as_str())
                || (unit.is_empty() && (i == 0 || seen_hours))
            {
                total += n;
            } else {
                return Err(bad());
            }
        }
        total
    };
    if !value.is_finite() || value <= 0.0 {
        return Err(format!("'{s}' must be more than 0"));
    }
    let m = value.round();
    if m > 24.0 * 60.0 {
        return Err(format!("'{s}' is more than a day"));
    }
    Ok((m as u32).max(1))
}

/// `1h 30min` → [(1, "h"), (30, "min")]; `None` if anything else is in the text.
fn number_unit_parts(s: &str) -> Option<Vec<(f64, String)>> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == ',') {
            i += 1;
        }
        if start == i {
            return None;
        }
        let num: String = chars[start..i]
            .iter()
            .map(|c| if *c == ',' { '.' } else { *c })
            .collect();
        let n: f64 = num.parse().ok()?;
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let ustart = i;
        while i < chars.len() && (chars[i].is_alphabetic() || chars[i] == '\'') {
            i += 1;
        }
        let unit: String = chars[ustart..i].iter().collect();
        let unit = unit.trim_end_matches('.').to_string();
        out.push((n, unit));
        if out.len() > 2 {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Finds the duration in a list item's text and returns it with the text around it:
/// `Pipeline review (45 min)`, `45 min – Pipeline review`, `09:00–09:30 Welcome`,
/// `Roadmap — 1h 15m`, `Roadmap: 30`.
fn split_duration(text: &str) -> Option<(Result<u32, String>, String)> {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let is_digit = |i: usize| i < n && chars[i].is_ascii_digit();
    // A clock range: 09:00-09:30, 9.00 – 9.45.
    let clock = |i: usize| -> Option<(u32, usize)> {
        let mut j = i;
        while is_digit(j) && j - i < 2 {
            j += 1;
        }
        if j == i
            || j >= n
            || !(chars[j] == ':' || chars[j] == '.')
            || !is_digit(j + 1)
            || !is_digit(j + 2)
        {
            return None;
        }
        let h: u32 = chars[i..j].iter().collect::<String>().parse().ok()?;
        let m: u32 = chars[j + 1..j + 3]
            .iter()
            .collect::<String>()
            .parse()
            .ok()?;
        (h < 24 && m < 60).then_some((h * 60 + m, j + 3))
    };
    for i in 0..n {
        if (i == 0 || !chars[i - 1].is_alphanumeric()) && is_digit(i) {
            if let Some((from, mut j)) = clock(i) {
                while j < n && (chars[j].is_whitespace() || matches!(chars[j], '-' | '–' | '—'))
                {
                    j += 1;
                }
                if let Some((to, end)) = clock(j) {
                    let minutes = if to > from {
                        Ok(to - from)
                    } else {
                        Err(format!(
                            "the time range ends before it starts ({})",
                            chars[i..end].iter().collect::<String>()
                        ))
                    };
                    return Some((minutes, remove_span(&chars, i, end)));
                }
            }
        }
    }
    // A number with a unit; the last one wins ("Roadmap for 2 teams (30 min)").
    let mut found: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < n {
        if is_digit(i) && (i == 0 || !chars[i - 1].is_alphanumeric()) {
            let start = i;
            let mut j = i;
            // Up to two number+unit groups: 1h 30min.
            let mut end = None;
            for _ in 0..2 {
                let mut k = j;
                while k < n
                    && (chars[k].is_ascii_digit()
                        || ((chars[k] == '.' || chars[k] == ',') && is_digit(k + 1)))
                {
                    k += 1;
                }
                if k == j {
                    break;
                }
                let mut u = k;
                while u < n && chars[u] == ' ' {
                    u += 1;
                }
                let us = u;
                while u < n && chars[u].is_alphabetic() {
                    u += 1;
                }
                let unit: String = chars[us..u].iter().collect::<String>().to_lowercase();
                if (MINUTE_UNITS.contains(&unit.as_str()) || HOUR_UNITS.contains(&unit.as_str()))
                    && (u >= n || !chars[u].is_alphabetic())
                {
                    end = Some(u);
                    j = u;
                    while j < n && chars[j] == ' ' {
                        j += 1;
                    }
                    if !is_digit(j) {
                        break;
                    }
                } else if end.is_some() && unit.is_empty() {
                    // "1h30": minutes after hours without a unit.
                    end = Some(k);
                    break;
                } else {
                    break;
                }
            }
            if let Some(e) = end {
                found = Some((start, e));
                i = e;
                continue;
            }
            while i < n && chars[i].is_ascii_digit() {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    if let Some((s, e)) = found {
        let span: String = chars[s..e].iter().collect();
        return Some((parse_minutes(&span), remove_span(&chars, s, e)));
    }
    // A bare number at the end after a separator: "Roadmap — 30", "Roadmap (30)", "Roadmap: 30".
    let mut end = n;
    while end > 0 && (chars[end - 1].is_whitespace() || matches!(chars[end - 1], ')' | ']')) {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && chars[start - 1].is_ascii_digit() {
        start -= 1;
    }
    if start < end {
        let mut p = start;
        while p > 0 && chars[p - 1].is_whitespace() {
            p -= 1;
        }
        if p > 0
            && matches!(
                chars[p - 1],
                '(' | '[' | '—' | '–' | '-' | ':' | ',' | '|' | '='
            )
        {
            let span: String = chars[start..end].iter().collect();
            return Some((parse_minutes(&span), remove_span(&chars, start, end)));
        }
    }
    None
}

/// The text without `chars[s..e]`, its brackets and the separators left dangling.
fn remove_span(chars: &[char], s: usize, e: usize) -> String {
    let mut before: String = chars[..s].iter().collect();
    let mut after: String = chars[e..].iter().collect();
    let b = before.trim_end();
    let a = after.trim_start();
    if (b.ends_with('(') && a.starts_with(')')) || (b.ends_with('[') && a.starts_with(']')) {
        before = b[..b.len() - 1].to_string();
        after = a[1..].to_string();
    }
    let seps: &[char] = &['-', '–', '—', ':', ',', '|', '=', '(', '[', ')', ']', '·'];
    let before = before.trim().trim_end_matches(seps).trim();
    let after = after.trim().trim_start_matches(seps).trim();
    match (before.is_empty(), after.is_empty()) {
        (true, _) => after.to_string(),
        (_, true) => before.to_string(),
        _ => format!("{before} {after}"),
    }
}

// ---------------------------------------------------------------------------------------
// The analysis
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassifiedItem {
    #[serde(flatten)]
    pub item: AgendaItem,
    #[serde(flatten)]
    pub classification: Classification,
}

/// Time given to one class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassShare {
    pub class: ReviewClass,
    pub minutes: u32,
    pub items: u32,
    /// Of all the agenda's minutes, 0–1.
    pub share: f64,
    pub cursory: bool,
}

/// Minutes per class of an agenda: enough to compare reviews.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Minutes {
    /// In `ReviewClass::ALL` order.
    pub by_class: [u32; 4],
    pub unclassified: u32,
}

impl Minutes {
    pub fn total(&self) -> u32 {
        self.by_class.iter().sum::<u32>() + self.unclassified
    }
    pub fn of(&self, c: ReviewClass) -> u32 {
        self.by_class[c.index()]
    }
    /// Share of all minutes, 0–1.
    pub fn share(&self, c: ReviewClass) -> f64 {
        let t = self.total();
        if t == 0 {
            0.0
        } else {
            self.of(c) as f64 / t as f64
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub format: AgendaFormat,
    pub items: Vec<ClassifiedItem>,
    pub minutes: Minutes,
    pub total_minutes: u32,
    /// All four classes, in `ReviewClass::ALL` order.
    pub shares: Vec<ClassShare>,
    pub verdict: Option<ReviewClass>,
    /// Classes that had as many minutes as the verdict's (the tie the agenda order broke).
    pub tied_with: Vec<ReviewClass>,
    /// Classes under 10% of the minutes, least first.
    pub cursory: Vec<ReviewClass>,
    /// Items under 10 minutes, by index into `items`.
    pub short_items: Vec<usize>,
}

impl Analysis {
    /// One sentence: "Sales-driven: sales got 45% of the time."
    pub fn summary(&self) -> String {
        match self.verdict {
            None => "Undetermined: no item could be classed.".into(),
            Some(v) => {
                let share = self.shares[v.index()].share * 100.0;
                let mut s = format!(
                    "{}{}: {} got {share:.0}% of the time",
                    v.driven()[..1].to_uppercase(),
                    &v.driven()[1..],
                    v.label().to_lowercase()
                );
                if !self.tied_with.is_empty() {
                    let names: Vec<String> = self
                        .tied_with
                        .iter()
                        .map(|c| c.label().to_lowercase())
                        .collect();
                    s.push_str(&format!(
                        ", as much as {} (it came first on the agenda)",
                        names.join(" and ")
                    ));
                }
                s.push('.');
                s
            }
        }
    }
}

/// The verdict from minutes per class and the position of each class's first item.
pub fn verdict(
    minutes: &Minutes,
    first_item: &[Option<usize>; 4],
) -> (Option<ReviewClass>, Vec<ReviewClass>) {
    let best = *minutes.by_class.iter().max().expect("four classes");
    if best == 0 {
        return (None, Vec::new());
    }
    let mut top: Vec<usize> = (0..4).filter(|k| minutes.by_class[*k] == best).collect();
    top.sort_by_key(|k| first_item[*k].unwrap_or(usize::MAX));
    let winner = ReviewClass::ALL[top[0]];
    let tied = top[1..].iter().map(|k| ReviewClass::ALL[*k]).collect();
    (Some(winner), tied)
}

/// Classes each item and sums up the time.
pub fn analyze(format: AgendaFormat, items: Vec<AgendaItem>, vocab: &Vocabulary) -> Analysis {
    let items: Vec<ClassifiedItem> = items
        .into_iter()
        .map(|item| {
            let classification = classify(&item.item, item.notes.as_deref().unwrap_or(""), vocab);
            ClassifiedItem {
                item,
                classification,
            }
        })
        .collect();
    summarize(format, items)
}

/// Sums up items that are already classed (e.g. a saved analysis after a correction).
pub fn summarize(format: AgendaFormat, items: Vec<ClassifiedItem>) -> Analysis {
    let mut minutes = Minutes::default();
    let mut counts = [0u32; 4];
    let mut first = [None; 4];
    for (i, it) in items.iter().enumerate() {
        match it.classification.class {
            Some(c) => {
                let k = c.index();
                minutes.by_class[k] += it.item.minutes;
                counts[k] += 1;
                first[k].get_or_insert(i);
            }
            None => minutes.unclassified += it.item.minutes,
        }
    }
    let total = minutes.total();
    let shares: Vec<ClassShare> = ReviewClass::ALL
        .iter()
        .map(|c| {
            let share = minutes.share(*c);
            ClassShare {
                class: *c,
                minutes: minutes.of(*c),
                items: counts[c.index()],
                share,
                cursory: share < CURSORY_SHARE,
            }
        })
        .collect();
    let (verdict, tied_with) = verdict(&minutes, &first);
    let mut cursory: Vec<ClassShare> = shares.iter().filter(|s| s.cursory).copied().collect();
    cursory.sort_by_key(|s| s.minutes);
    let short_items = items
        .iter()
        .enumerate()
        .filter(|(_, it)| it.item.minutes < CURSORY_MINUTES)
        .map(|(i, _)| i)
        .collect();
    Analysis {
        format,
        items,
        minutes,
        total_minutes: total,
        shares,
        verdict,
        tied_with,
        cursory: cursory.iter().map(|s| s.class).collect(),
        short_items,
    }
}

/// Parses and analyzes in one step.
pub fn analyze_text(
    text: &str,
    format: Option<AgendaFormat>,
    vocab: &Vocabulary,
) -> Result<Analysis, Vec<AgendaError>> {
    let (format, items) = parse_agenda(text, format)?;
    Ok(analyze(format, items, vocab))
}

/// The change in share per class from an earlier review to this one, in percentage points.
pub fn share_changes(earlier: &Minutes, now: &Minutes) -> [f64; 4] {
    let mut out = [0.0; 4];
    for c in ReviewClass::ALL {
        out[c.index()] = (now.share(*c) - earlier.share(*c)) * 100.0;
    }
    out
}

// ---------------------------------------------------------------------------------------
// Saving an agenda and a correction
// ---------------------------------------------------------------------------------------

/// An agenda to save with its title and date, as a form or JSON body gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgendaInput {
    pub title: String,
    pub held_on: Option<chrono::NaiveDate>,
    pub format: AgendaFormat,
    pub agenda: String,
}

pub const AGENDA_FIELDS: &[&str] = &["title", "held_on", "format", "agenda"];

/// Agenda problems as one message for the `agenda` field: "line 3: …; line 5: …".
pub fn errors_text(errors: &[AgendaError]) -> String {
    let shown: Vec<String> = errors.iter().take(20).map(|e| e.to_string()).collect();
    let mut s = shown.join("; ");
    if errors.len() > 20 {
        s.push_str(&format!("; and {} more", errors.len() - 20));
    }
    s
}

/// `format`: empty (detect), `csv` or `markdown`.
pub fn parse_format(input: &str) -> Result<Option<AgendaFormat>, String> {
    let t = input.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("auto") {
        Ok(None)
    } else {
        AgendaFormat::parse(t).map(Some)
    }
}

impl AgendaInput {
    /// Checks the fields, and that the agenda reads (its problems go to the `agenda` field).
    pub fn from_fields(
        f: &crate::Fields,
    ) -> Result<(AgendaInput, Vec<AgendaItem>), crate::FieldErrors> {
        let mut e = crate::FieldErrors::new();
        let title = e.check(
            "title",
            crate::parse::optional_text(f.get("title"), crate::parse::MAX_TEXT),
        );
        let held_on = e.check("held_on", crate::parse::optional_date(f.get("held_on")));
        let format = e.check("format", parse_format(f.get("format")));
        let parsed = match format {
            Some(fmt) => match parse_agenda(f.get("agenda"), fmt) {
                Ok(p) => Some(p),
                Err(errors) => {
                    e.add("agenda", errors_text(&errors));
                    None
                }
            },
            None => None,
        };
        e.into_result(|| {
            let (format, items) = parsed.expect("parsed when there are no errors");
            let held_on = held_on.flatten();
            let title = title.flatten().unwrap_or_else(|| match held_on {
                Some(d) => format!(
                    "Quarterly review {}",
                    crate::scorecard::Quarter::containing(d).label()
                ),
                None => "Quarterly review".to_string(),
            });
            (
                AgendaInput {
                    title,
                    held_on,
                    format,
                    agenda: f.get("agenda").to_string(),
                },
                items,
            )
        })
    }
}

/// A correction: this item (or this phrase of it) is of this class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Correction {
    /// The phrase to remember, normalised.
    pub phrase: String,
    pub class: ReviewClass,
    /// The item it was made on.
    pub example: Option<String>,
}

pub const CORRECTION_FIELDS: &[&str] = &["item", "phrase", "class"];

impl Correction {
    /// `item` is the agenda item; `phrase`, when given, is the part of it to remember
    /// (otherwise the whole item is).
    pub fn from_fields(f: &crate::Fields) -> Result<Correction, crate::FieldErrors> {
        let mut e = crate::FieldErrors::new();
        let item = f.get("item").trim();
        let class = e.check(
            "class",
            if f.get("class").trim().is_empty() {
                Err("is required".to_string())
            } else {
                ReviewClass::parse(f.get("class"))
            },
        );
        let source = if f.get("phrase").trim().is_empty() {
            item
        } else {
            f.get("phrase")
        };
        let field = if f.get("phrase").trim().is_empty() {
            "item"
        } else {
            "phrase"
        };
        let phrase = if source.trim().is_empty() {
            e.add(
                "item",
                "is required (the agenda item, or a phrase of it, to remember)",
            );
            None
        } else {
            e.check(field, check_phrase(source))
        };
        if item.chars().count() > 500 {
            e.add("item", "is too long (at most 500 characters)");
        }
        e.into_result(|| Correction {
            phrase: phrase.expect("checked"),
            class: class.expect("checked"),
            example: (!item.is_empty()).then(|| item.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReviewClass::*;

    fn class_of(title: &str) -> Option<ReviewClass> {
        classify(title, "", &Vocabulary::builtin()).class
    }

    /// Agenda items as they appear in real quarterly reviews, with the class a reader would
    /// give them.
    const TABLE: &[(&str, Option<ReviewClass>)] = &[
        ("Product roadmap update", Some(Product)),
        ("Release schedule for v5.2", Some(Product)),
        ("New product definition: mobile app", Some(Product)),
        (
            "Engineering milestones and project schedules",
            Some(Product),
        ),
        ("Feature requests backlog", Some(Product)),
        ("Beta program status", Some(Product)),
        ("Platform architecture review", Some(Product)),
        ("R&D spend and prototypes", Some(Product)),
        ("Launch plan for Analytics add-on", Some(Product)),
        ("Sales pipeline review", Some(Sales)),
        ("Q4 bookings forecast", Some(Sales)),
        ("Top 20 deals and close plans", Some(Sales)),
        ("Funnel conversion by region", Some(Sales)),
        ("Quota attainment by territory", Some(Sales)),
        ("Pricing and discount approvals", Some(Sales)),
        ("Marketing campaign results", Some(Sales)),
        ("New logo acquisition", Some(Sales)),
        ("Partner channel win rate", Some(Sales)),
        ("Inventory levels and supply chain issues", Some(Operations)),
        ("Headcount plan and hiring", Some(Operations)),
        ("Budget vs actuals: operating expenses", Some(Operations)),
        ("Manufacturing productivity", Some(Operations)),
        ("Support costs and staffing", Some(Operations)),
        ("Cash flow and capex", Some(Operations)),
        ("Vendor consolidation and procurement", Some(Operations)),
        ("Engineering headcount and hiring plan", Some(Operations)),
        ("Facilities and IT infrastructure", Some(Operations)),
        ("Customer satisfaction survey results", Some(CustomerValue)),
        ("NPS trend and detractor follow-up", Some(CustomerValue)),
        ("Customer retention and churn analysis", Some(CustomerValue)),
        ("Renewals at risk", Some(CustomerValue)),
        (
            "Whole product: services and partner gaps",
            Some(CustomerValue),
        ),
        ("Alternatives our customers consider", Some(CustomerValue)),
        (
            "Total customer experience improvements",
            Some(CustomerValue),
        ),
        ("Top customer escalations", Some(CustomerValue)),
        ("Loyalty program and references", Some(CustomerValue)),
        (
            "Onboarding and adoption of new customers",
            Some(CustomerValue),
        ),
        (
            "Voice of the customer: interview findings",
            Some(CustomerValue),
        ),
        ("Welcome and introductions", None),
        ("Lunch", None),
        ("Wrap-up and action items", None),
    ];

    #[test]
    fn the_classifier_gets_the_table_of_agenda_items_right() {
        assert!(TABLE.len() >= 30);
        let mut wrong = Vec::new();
        for (title, expected) in TABLE {
            let got = class_of(title);
            if got != *expected {
                wrong.push(format!("{title:?}: expected {expected:?}, got {got:?}"));
            }
        }
        assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));
    }

    #[test]
    fn the_words_that_decided_are_shown() {
        let c = classify(
            "Inventory levels and supply chain issues",
            "",
            &Vocabulary::builtin(),
        );
        assert_eq!(c.words, ["inventory", "supply chain"]);
        // A phrase is matched before the words in it.
        let c = classify("Whole product roadmap gaps", "", &Vocabulary::builtin());
        assert_eq!(c.class, Some(CustomerValue), "{c:?}");
        assert_eq!(c.words, ["whole product"]);
        // Notes count, at half the weight of the title.
        let c = classify("Review", "pipeline, bookings", &Vocabulary::builtin());
        assert_eq!(c.class, Some(Sales));
        assert_eq!(c.scores, [0, 4, 0, 0]);
        // A tie goes to the class whose word comes first.
        let c = classify("Roadmap and pipeline", "", &Vocabulary::builtin());
        assert_eq!(c.class, Some(Product));
        assert_eq!(c.scores[0], c.scores[1]);
    }

    #[test]
    fn words_are_compared_singular_and_lower_case() {
        assert_eq!(stem("Deals"), "deal");
        assert_eq!(stem("deliveries"), "delivery");
        assert_eq!(stem("process"), "process");
        assert_eq!(stem("NPS"), "nps");
        assert_eq!(stem("analysis"), "analysis");
        assert_eq!(
            normalize_phrase("R&D — Customers' NEEDS"),
            "rd customer need"
        );
        assert!(check_phrase(" - ").is_err());
        assert!(check_phrase(&"word ".repeat(21)).is_err());
    }

    #[test]
    fn the_vocabulary_has_no_phrase_in_two_classes() {
        let mut seen = std::collections::HashMap::new();
        for (p, c, w) in VOCABULARY {
            assert!((1..=3).contains(w), "{p}");
            if let Some(other) = seen.insert(normalize_phrase(p), *c) {
                panic!("{p} is in {other:?} and {c:?}");
            }
        }
    }

    #[test]
    fn corrections_outrank_built_in_words_and_the_longest_wins() {
        let learned = vec![
            LearnedTerm {
                phrase: normalize_phrase("Partner summit"),
                class: CustomerValue,
            },
            LearnedTerm {
                phrase: normalize_phrase("partner summit budget"),
                class: Operations,
            },
        ];
        let v = Vocabulary::with_learned(&learned);
        assert_eq!(v.learned(), 2);
        let c = classify("Partner summits: pipeline", "", &v);
        assert_eq!(c.class, Some(CustomerValue));
        assert!(c.learned);
        assert_eq!(c.words, ["partner summit"]);
        assert_eq!(
            classify("Partner summit budget", "", &v).class,
            Some(Operations)
        );
        assert_eq!(
            classify("Lunch", "partner summit", &v).class,
            Some(CustomerValue)
        );
        assert_eq!(classify("Sales pipeline", "", &v).class, Some(Sales));
    }

    #[test]
    fn minutes_cells() {
        for (s, m) in [
            ("30", 30),
            (" 45 ", 45),
            ("30 min", 30),
            ("30min", 30),
            ("30 minutes", 30),
            ("1h", 60),
            ("1.5h", 90),
            ("1,5 h", 90),
            ("1h30", 90),
            ("1h 30m", 90),
            ("1 hour 15 minutes", 75),
            ("1:30", 90),
            ("7.5", 8),
        ] {
            assert_eq!(parse_minutes(s), Ok(m), "{s}");
        }
        for s in [
            "",
            "half an hour",
            "0",
            "-5",
            "30 days",
            "25h",
            "1:5",
            "30 min 1h",
            "abc",
        ] {
            assert!(parse_minutes(s).is_err(), "{s}");
        }
        assert!(parse_minutes("half an hour")
            .unwrap_err()
            .contains("not a number of minutes"));
    }

    #[test]
    fn durations_in_list_items() {
        let cases = [
            ("Pipeline review (45 min)", 45, "Pipeline review"),
            ("Pipeline review — 45 min", 45, "Pipeline review"),
            ("45 min: Pipeline review", 45, "Pipeline review"),
            ("09:00–09:30 Welcome", 30, "Welcome"),
            ("9:00 - 10:15 Roadmap", 75, "Roadmap"),
            ("Roadmap — 1h 15m", 75, "Roadmap"),
            ("Roadmap for 2 teams (30 min)", 30, "Roadmap for 2 teams"),
            ("Roadmap: 30", 30, "Roadmap"),
            ("Roadmap (30)", 30, "Roadmap"),
            ("Top 20 deals [1h]", 60, "Top 20 deals"),
        ];
        for (text, minutes, item) in cases {
            let (m, rest) = split_duration(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(m, Ok(minutes), "{text}");
            assert_eq!(rest, item, "{text}");
        }
        assert!(split_duration("Top 20 deals").is_none());
        assert!(split_duration("Welcome").is_none());
        assert!(split_duration("10:30-10:00 Oops").unwrap().0.is_err());
    }

    const CSV: &str = "item,minutes,notes\n\
        Welcome,10,\n\
        Sales pipeline review,60,top deals and forecast\n\
        \"Inventory, supply chain\",30,\n\
        Customer satisfaction and churn,20,NPS trend\n\
        Product roadmap,30,\n";

    #[test]
    fn a_csv_agenda_is_analyzed() {
        let a = analyze_text(CSV, None, &Vocabulary::builtin()).unwrap();
        assert_eq!(a.format, AgendaFormat::Csv);
        assert_eq!(a.items.len(), 5);
        assert_eq!(a.items[2].item.item, "Inventory, supply chain");
        assert_eq!(a.items[2].item.line, 4);
        assert_eq!(
            a.items[1].item.notes.as_deref(),
            Some("top deals and forecast")
        );
        assert_eq!(a.total_minutes, 150);
        assert_eq!(a.minutes.by_class, [30, 60, 30, 20]);
        assert_eq!(a.minutes.unclassified, 10);
        assert_eq!(a.verdict, Some(Sales));
        assert!(a.tied_with.is_empty());
        assert_eq!(a.summary(), "Sales-driven: sales got 40% of the time.");
        assert!((a.shares[3].share - 20.0 / 150.0).abs() < 1e-12);
        // Nothing under 10%, and the welcome is not under 10 minutes.
        assert!(a.cursory.is_empty());
        assert!(a.short_items.is_empty());
    }

    #[test]
    fn ties_go_to_what_came_first_and_cursory_time_is_named() {
        let text = "- Welcome (5 min)\n- Customer retention and churn (40 min)\n  - top accounts at risk\n- Pipeline review (40 min)\n- Budget (5 min)\n";
        let a = analyze_text(text, None, &Vocabulary::builtin()).unwrap();
        assert_eq!(a.format, AgendaFormat::Markdown);
        assert_eq!(a.items.len(), 4);
        assert_eq!(
            a.items[1].item.notes.as_deref(),
            Some("top accounts at risk")
        );
        assert_eq!(a.verdict, Some(CustomerValue));
        assert_eq!(a.tied_with, [Sales]);
        assert!(a
            .summary()
            .starts_with("Value-driven: customer value got 44% of the time, as much as sales"));
        // Product got nothing, operations 5 of 90 minutes.
        assert_eq!(a.cursory, [Product, Operations]);
        assert_eq!(a.short_items, [0, 3]);
    }

    #[test]
    fn a_markdown_table_and_plain_lines_are_read() {
        let table = "# Q3 review\n\n| Item | Minutes | Notes |\n|---|---:|---|\n| Roadmap | 30 | launches |\n| Pipeline | 1h | |\n";
        let (f, items) = parse_agenda(table, None).unwrap();
        assert_eq!(f, AgendaFormat::Markdown);
        assert_eq!(items.len(), 2);
        assert_eq!((items[0].line, items[0].minutes), (5, 30));
        assert_eq!(items[0].notes.as_deref(), Some("launches"));
        assert_eq!(items[1].minutes, 60);
        let plain = "Roadmap 30 min\nPipeline 45 min\n";
        let (_, items) = parse_agenda(plain, None).unwrap();
        assert_eq!(
            items.iter().map(|i| i.minutes).collect::<Vec<_>>(),
            [30, 45]
        );
    }

    #[test]
    fn malformed_agendas_get_errors_with_their_lines() {
        let e = parse_agenda("", None).unwrap_err();
        assert!(e[0].message.contains("empty"), "{e:?}");
        let e = parse_agenda("  \n\n", None).unwrap_err();
        assert!(e[0].to_string().contains("empty"));

        let e = parse_agenda("topic,duration_in_days\nA,1\n", None).unwrap_err();
        assert_eq!(e[0].line, 1);
        assert!(e[0].message.contains("minutes"), "{}", e[0]);
        assert!(
            e[0].message.contains("found: topic, duration_in_days"),
            "{}",
            e[0]
        );
        let e = parse_agenda("name,length\nA,1\n", Some(AgendaFormat::Csv)).unwrap_err();
        assert!(
            e[0].message.contains("columns item and minutes"),
            "{}",
            e[0]
        );

        let e = parse_agenda(
            "item,minutes\nRoadmap,30\nPipeline,half an hour\n,10\nBudget,\n",
            None,
        )
        .unwrap_err();
        let shown: Vec<String> = e.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            shown,
            [
                "line 3: minutes: 'half an hour' is not a number of minutes",
                "line 4: the item is empty",
                "line 5: minutes: missing (give the minutes as a number, e.g. 30)",
            ]
        );

        // Blank lines count.
        let e = parse_agenda("item,minutes\nA,1\n\n\nB,x\n", None).unwrap_err();
        assert_eq!(e[0].line, 5, "{e:?}");

        let e = parse_agenda("- Roadmap (30 min)\n- Pipeline review\n", None).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 2);
        assert!(e[0].message.contains("no duration"), "{}", e[0]);

        let e =
            parse_agenda("| Item | Minutes |\n|---|---|\n| Roadmap | soon |\n", None).unwrap_err();
        assert_eq!(
            e[0].to_string(),
            "line 3: minutes: 'soon' is not a number of minutes"
        );

        let e = parse_agenda("item,minutes\n", None).unwrap_err();
        assert!(e[0].message.contains("no agenda items"));
    }

    #[test]
    fn comparisons_are_in_points() {
        let a = Minutes {
            by_class: [50, 50, 0, 0],
            unclassified: 0,
        };
        let b = Minutes {
            by_class: [25, 25, 0, 50],
            unclassified: 0,
        };
        assert_eq!(share_changes(&a, &b), [-25.0, -25.0, 0.0, 50.0]);
        assert_eq!(Minutes::default().share(Product), 0.0);
    }

    #[test]
    fn saving_checks_the_agenda_and_names_the_review() {
        let f = crate::Fields::from_pairs([
            ("agenda", "item,minutes\nRoadmap,x\n"),
            ("held_on", "2026-08-01"),
        ]);
        let e = AgendaInput::from_fields(&f).unwrap_err();
        assert_eq!(
            e.get("agenda"),
            Some("line 2: minutes: 'x' is not a number of minutes")
        );
        let f = crate::Fields::from_pairs([
            ("agenda", "- Roadmap (30 min)"),
            ("held_on", "2026-08-01"),
        ]);
        let (r, items) = AgendaInput::from_fields(&f).unwrap();
        assert_eq!(r.title, "Quarterly review Q3 2026");
        assert_eq!(r.format, AgendaFormat::Markdown);
        assert_eq!(items.len(), 1);
        let f =
            crate::Fields::from_pairs([("agenda", "x"), ("format", "pdf"), ("held_on", "soon")]);
        let e = AgendaInput::from_fields(&f).unwrap_err();
        assert!(e.get("format").is_some() && e.get("held_on").is_some());
    }

    #[test]
    fn a_correction_remembers_the_item_or_the_phrase_given() {
        let c = Correction::from_fields(&crate::Fields::from_pairs([
            ("item", "Partner Summits"),
            ("class", "customer value"),
        ]))
        .unwrap();
        assert_eq!(c.phrase, "partner summit");
        assert_eq!(c.class, CustomerValue);
        assert_eq!(c.example.as_deref(), Some("Partner Summits"));
        let c = Correction::from_fields(&crate::Fields::from_pairs([
            ("item", "Partner summit budget"),
            ("phrase", "summit"),
            ("class", "operations"),
        ]))
        .unwrap();
        assert_eq!(c.phrase, "summit");
        let e = Correction::from_fields(&crate::Fields::from_pairs([
            ("item", ""),
            ("class", "nonsense"),
        ]))
        .unwrap_err();
        assert!(e.get("item").is_some() && e.get("class").is_some());
    }
}
