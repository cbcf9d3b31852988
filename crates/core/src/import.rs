//! CSV import (A7): header mapping, presets for CRM exports, and row validation that
//! reports every bad value with its line and column. Storage resolves nothing here: it
//! hands in `Lookups` (external id → id) and writes the `Record`s in one transaction.

use crate::account::AccountData;
use crate::commitment::CommitmentData;
use crate::contact::ContactData;
use crate::evidence::EvidenceData;
use crate::fields::Fields;
use crate::journey::{name_key, ReviewData, SourceResponseData, ThirdPartyLookup};
use crate::nps::NpsData;
use crate::parse::normalize_key;
use crate::touchpoint::TouchpointData;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io::Read;

crate::text_enum!(
    ImportKind {
        Accounts => "accounts", "Accounts";
        Contacts => "contacts", "Contacts";
        Touchpoints => "touchpoints", "Touchpoints";
        Commitments => "commitments", "Commitments";
        Nps => "nps", "NPS responses";
        Reviews => "reviews", "Reviews on third-party sites";
        Sources => "sources", "Buyer-journey sources";
        Evidence => "evidence", "Voice-of-customer evidence";
    }
);

/// One column of a kind's canonical CSV layout (what `export` writes and `import` reads).
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub required: bool,
    pub help: &'static str,
    /// A number: in a semicolon-separated file it may be written the European way
    /// (`1.234,50`), see [`european_number`].
    pub number: bool,
}

const fn f(name: &'static str, required: bool, help: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        required,
        help,
        number: false,
    }
}

/// A numeric field.
const fn n(name: &'static str, required: bool, help: &'static str) -> FieldSpec {
    FieldSpec {
        number: true,
        ..f(name, required, help)
    }
}

/// A number written with a decimal comma and dots between thousands — the way spreadsheets
/// in most of Europe write it, in the semicolon-separated files they save — in the form the
/// validators read: `1.234,50` → `1234.50`, `0,5` → `0.5`, `1.000` → `1000`,
/// `12.345.678` → `12345678`. Anything else is returned as it is (`1.5`, `1,250,000`), so
/// the validators accept or reject it as usual.
pub fn european_number(cell: &str) -> std::borrow::Cow<'_, str> {
    let t = cell.trim();
    let commas = t.matches(',').count();
    let dots = t.matches('.').count();
    let digits_in_groups = |s: &str| {
        // The part after the sign or currency: 1–3 digits, then groups of exactly three.
        let body = s.trim_start_matches(['-', '+', '$', '€', '£', ' ']);
        let mut groups = body.split('.');
        let first = groups.next().unwrap_or("");
        (1..=3).contains(&first.len())
            && first.bytes().all(|b| b.is_ascii_digit())
            && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
    };
    if commas == 1 {
        let (whole, fraction) = t.split_once(',').unwrap_or((t, ""));
        if (dots == 0 || digits_in_groups(whole)) && fraction.bytes().all(|b| b.is_ascii_digit()) {
            return format!("{}.{fraction}", whole.replace('.', "")).into();
        }
    } else if commas == 0 && dots > 0 && digits_in_groups(t) {
        return t.replace('.', "").into();
    }
    cell.into()
}

const ACCOUNTS: &[FieldSpec] = &[
    f(
        "external_id",
        false,
        "CRM id; rows are matched on it (default: the name)",
    ),
    f("name", true, "account name"),
    f("industry", false, "free text"),
    f("region", false, "north_america, emea, apac, latam"),
    f("country", false, ""),
    f("city", false, ""),
    n("employees", false, "whole number"),
    f("segment", false, "enterprise, mid_market, smb"),
    f("lifecycle", false, "prospect, customer (default), former"),
    f("products", false, "separated by ;"),
    n("annual_revenue", false, "whole currency units"),
    n("cost_to_serve", false, "whole currency units"),
    n("discount", false, "whole currency units"),
    f("customer_since", false, "YYYY-MM-DD"),
    f("renewal_date", false, "YYYY-MM-DD"),
    f("owner", false, "account owner"),
    f("at_risk", false, "yes/no"),
    f("at_risk_reason", false, "required when at_risk is yes"),
    f("private_notes", false, "seen only by managers and admins"),
    f(
        "competitor_replaced",
        false,
        "the competitor this customer replaced",
    ),
];
const CONTACTS: &[FieldSpec] = &[
    f(
        "external_id",
        false,
        "CRM id (default: account + email or name)",
    ),
    f("account_external_id", true, "external id of the account"),
    f("name", true, ""),
    f("title", false, ""),
    f("role", false, "decision_maker, user, influencer, champion"),
    f("email", false, ""),
    f("phone", false, ""),
    f("city", false, ""),
    f("topics", false, "separated by ;"),
    f("reference_consent", false, "no (default), ask_first, yes"),
    f("do_not_contact", false, "yes/no"),
    f("public_link", false, "blog or social link"),
    n("audience_size", false, "whole number"),
    f(
        "languages",
        false,
        "languages they can give a reference in, separated by ;",
    ),
];
const TOUCHPOINTS: &[FieldSpec] = &[
    f("external_id", false, "default: a hash of the row"),
    f("account_external_id", true, ""),
    f("kind", true, "meeting, call, email, support_case, event_conversation, survey, video, site_visit, community_answer"),
    f("occurred_on", true, "YYYY-MM-DD"),
    f("staff", false, "who on our side"),
    f("contact_external_ids", false, "contacts of the same account, separated by ;"),
    f("notes", false, ""),
];
const COMMITMENTS: &[FieldSpec] = &[
    f("external_id", false, "default: a hash of the row"),
    f("account_external_id", true, ""),
    f("description", true, "what we promised"),
    f("owner", false, ""),
    f("due_on", false, "YYYY-MM-DD"),
    f("status", false, "open (default), kept, missed"),
    f("closed_on", false, "YYYY-MM-DD"),
];
const NPS: &[FieldSpec] = &[
    f("external_id", false, "default: a hash of the row"),
    f("account_external_id", true, ""),
    f("contact_external_id", false, ""),
    n("score", true, "0 to 10"),
    f("comment", false, ""),
    f("responded_on", true, "YYYY-MM-DD"),
];

const REVIEWS: &[FieldSpec] = &[
    f("external_id", false, "default: a hash of the row"),
    f(
        "contact_external_id",
        true,
        "the advocate who posted the review",
    ),
    f(
        "third_party",
        true,
        "name of a review site or analyst firm already in peerstage (unknown names are rejected)",
    ),
    f("reviewed_on", true, "YYYY-MM-DD"),
    n("rating", true, "1 to 5"),
    f("title", false, ""),
    f("link", false, "http:// or https:// address of the review"),
];
const SOURCES: &[FieldSpec] = &[
    f("external_id", false, "default: a hash of the row"),
    f("account_external_id", true, "the new customer who answered"),
    f(
        "source",
        true,
        "a third party's name, or peer_recommendation, event, search, sales_outreach, social_media, other; one row per source named",
    ),
    f("responded_on", true, "YYYY-MM-DD"),
];

const EVIDENCE: &[FieldSpec] = &[
    f("external_id", false, "default: a hash of the row"),
    f("text", true, "what the customer said or wrote"),
    f("date", true, "YYYY-MM-DD"),
    f("account_external_id", false, "the customer's account"),
    f(
        "contact_external_id",
        false,
        "who said it (a contact of the account, which it supplies when left empty)",
    ),
    f(
        "kind",
        false,
        "problem, wish, praise, why_bought, existential_threat, recommendation, language; default: suggested by the rules in docs/VOC.md",
    ),
    f(
        "level",
        false,
        "research level 1 to 5; default: suggested by the rules in docs/VOC.md",
    ),
    f(
        "source",
        false,
        "import (default), pasted, transcript, event, touchpoint, nps, review",
    ),
    f("tags", false, "separated by ; or ,"),
];

impl ImportKind {
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            ImportKind::Accounts => ACCOUNTS,
            ImportKind::Contacts => CONTACTS,
            ImportKind::Touchpoints => TOUCHPOINTS,
            ImportKind::Commitments => COMMITMENTS,
            ImportKind::Nps => NPS,
            ImportKind::Reviews => REVIEWS,
            ImportKind::Sources => SOURCES,
            ImportKind::Evidence => EVIDENCE,
        }
    }

    /// Whether rows refer to an account by `account_external_id`.
    fn has_account(self) -> bool {
        self.fields()
            .iter()
            .any(|f| f.name == "account_external_id")
    }
    pub fn header(self) -> Vec<&'static str> {
        self.fields().iter().map(|f| f.name).collect()
    }
}

crate::text_enum!(
    /// Column layouts of common CRM exports.
    Preset {
        Salesforce => "salesforce", "Salesforce report export";
    }
);

impl Preset {
    /// (field, CSV columns that may hold it, in order of preference).
    pub fn columns(self, kind: ImportKind) -> &'static [(&'static str, &'static [&'static str])] {
        match (self, kind) {
            (Preset::Salesforce, ImportKind::Accounts) => &[
                ("external_id", &["Account ID", "Id", "AccountId"]),
                ("name", &["Account Name", "Name"]),
                ("industry", &["Industry"]),
                ("country", &["BillingCountry", "Billing Country"]),
                ("city", &["BillingCity", "Billing City"]),
                ("annual_revenue", &["AnnualRevenue", "Annual Revenue"]),
                ("employees", &["NumberOfEmployees", "Employees"]),
                ("owner", &["Account Owner", "Owner.Name", "OwnerName"]),
                ("lifecycle", &["Type", "Account Type"]),
            ],
            (Preset::Salesforce, ImportKind::Contacts) => &[
                ("external_id", &["Contact ID", "Id"]),
                ("account_external_id", &["Account ID", "AccountId"]),
                ("name", &["Full Name", "Name"]),
                ("title", &["Title"]),
                ("email", &["Email"]),
                ("phone", &["Phone"]),
                ("city", &["MailingCity", "Mailing City"]),
            ],
            (Preset::Salesforce, ImportKind::Touchpoints) => &[
                ("external_id", &["Activity ID", "Id"]),
                ("account_external_id", &["Account ID", "AccountId"]),
                ("kind", &["Type", "Task Subtype"]),
                ("occurred_on", &["Date", "ActivityDate"]),
                ("staff", &["Assigned", "Owner.Name"]),
                ("contact_external_ids", &["Contact ID", "WhoId"]),
                ("notes", &["Comments", "Description"]),
            ],
            (Preset::Salesforce, ImportKind::Commitments)
            | (Preset::Salesforce, ImportKind::Nps)
            | (Preset::Salesforce, ImportKind::Reviews)
            | (Preset::Salesforce, ImportKind::Evidence)
            | (Preset::Salesforce, ImportKind::Sources) => &[],
        }
    }

    /// Translates a CRM's own values into ours (Salesforce's account `Type` into a lifecycle).
    fn translate(self, field: &str, value: &str) -> Option<&'static str> {
        let v = value.trim().to_ascii_lowercase();
        match (self, field) {
            (Preset::Salesforce, "lifecycle") => {
                if v.starts_with("customer") {
                    Some("customer")
                } else if v.starts_with("prospect") {
                    Some("prospect")
                } else if v.starts_with("former") || v.contains("churn") {
                    Some("former")
                } else {
                    None
                }
            }
            (Preset::Salesforce, "kind") => match v.as_str() {
                "call" => Some("call"),
                "email" => Some("email"),
                "meeting" | "event" => Some("meeting"),
                _ => None,
            },
            _ => None,
        }
    }
}

impl Preset {
    /// Why a CRM value `translate` has no answer for is refused, for the row's error.
    fn untranslated(self, kind: ImportKind, field: &str) -> Option<&'static str> {
        match (self, kind, field) {
            (Preset::Salesforce, ImportKind::Accounts, "lifecycle") => Some(
                "Salesforce types other than Prospect, Customer… and Former… (partners, Other) are not customer accounts; leave them out with --skip-invalid, or map another column with --map lifecycle=COLUMN",
            ),
            (Preset::Salesforce, ImportKind::Touchpoints, "kind") => Some(
                "Salesforce activity types other than Call, Email, Meeting and Event have no touchpoint kind; leave them out with --skip-invalid, or map another column with --map kind=COLUMN",
            ),
            _ => None,
        }
    }
}

/// Which CSV column feeds which field.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    pub kind: ImportKind,
    pub preset: Option<Preset>,
    /// (field, column index, column header)
    pub columns: Vec<(&'static str, usize, String)>,
    /// Contacts from Salesforce often come as FirstName + LastName.
    name_parts: Option<(usize, usize)>,
    pub ignored_columns: Vec<String>,
    pub width: usize,
}

/// A problem with the file as a whole: nothing is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty: it needs a header line and at least one row")]
    Empty,
    #[error("line 1: the header is not valid UTF-8")]
    HeaderEncoding,
    #[error("{0}")]
    Header(String),
    #[error("line {line}: {reason}")]
    Unreadable { line: u64, reason: String },
}

/// One rejected value: where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

impl ImportPlan {
    pub fn new(
        kind: ImportKind,
        header: &[String],
        preset: Option<Preset>,
        overrides: &[(String, String)],
    ) -> Result<Self, FileError> {
        let find = |col: &str| header.iter().position(|h| h.trim() == col.trim());
        let find_loose = |col: &str| {
            header
                .iter()
                .position(|h| normalize_key(h) == normalize_key(col))
        };
        let mut columns = Vec::new();
        let mut problems = Vec::new();
        for (field, _) in overrides {
            if !kind.fields().iter().any(|f| f.name == field) {
                let known: Vec<&str> = kind.header();
                problems.push(format!(
                    "--map {field}=…: {kind} have no field '{field}' (fields: {})",
                    known.join(", ")
                ));
            }
        }
        for spec in kind.fields() {
            let chosen = if let Some((_, col)) = overrides.iter().find(|(f, _)| f == spec.name) {
                match find(col).or_else(|| find_loose(col)) {
                    Some(i) => Some(i),
                    None => {
                        problems.push(format!(
                            "--map {}={col}: the header has no column '{col}'",
                            spec.name
                        ));
                        continue;
                    }
                }
            } else {
                let from_preset = preset.and_then(|p| {
                    p.columns(kind)
                        .iter()
                        .find(|(f, _)| *f == spec.name)
                        .and_then(|(_, cols)| cols.iter().find_map(|c| find(c)))
                });
                from_preset.or_else(|| find_loose(spec.name))
            };
            if let Some(i) = chosen {
                columns.push((spec.name, i, header[i].clone()));
            }
        }
        let mut name_parts = None;
        if kind == ImportKind::Contacts && !columns.iter().any(|(f, _, _)| *f == "name") {
            if let (Some(first), Some(last)) = (find_loose("FirstName"), find_loose("LastName")) {
                name_parts = Some((first, last));
            }
        }
        // Two columns of the same name: which one holds the field cannot be told.
        for (field, i, name) in &columns {
            let twin = header
                .iter()
                .enumerate()
                .find(|(j, h)| j != i && normalize_key(h) == normalize_key(name));
            if let Some((j, _)) = twin {
                let (a, b) = ((*i).min(j) + 1, (*i).max(j) + 1);
                problems.push(format!(
                    "columns {a} and {b} are both '{}' ({field}): remove or rename one",
                    name.trim()
                ));
            }
        }
        for spec in kind.fields().iter().filter(|s| s.required) {
            let mapped = columns.iter().any(|(f, _, _)| *f == spec.name)
                || (spec.name == "name" && name_parts.is_some());
            if !mapped && !overrides.iter().any(|(f, _)| f == spec.name) {
                problems.push(format!(
                    "no column for required field '{}' (name a column '{}' or use --map {}=COLUMN)",
                    spec.name, spec.name, spec.name
                ));
            }
        }
        if !problems.is_empty() {
            return Err(FileError::Header(format!(
                "line 1: {}",
                problems.join("; ")
            )));
        }
        let used: HashSet<usize> = columns
            .iter()
            .map(|c| c.1)
            .chain(name_parts.iter().flat_map(|(a, b)| [*a, *b]))
            .collect();
        let ignored_columns = header
            .iter()
            .enumerate()
            .filter(|(i, h)| !used.contains(i) && !h.trim().is_empty())
            .map(|(_, h)| h.clone())
            .collect();
        Ok(ImportPlan {
            kind,
            preset,
            columns,
            name_parts,
            ignored_columns,
            width: header.len(),
        })
    }

    /// The plan for a file in the canonical layout (what `export` writes).
    pub fn canonical(kind: ImportKind) -> Self {
        let header: Vec<String> = kind.header().iter().map(|s| s.to_string()).collect();
        Self::new(kind, &header, None, &[]).expect("canonical header maps itself")
    }

    fn column_of(&self, field: &str) -> String {
        self.columns
            .iter()
            .find(|(f, _, _)| *f == field)
            .map(|c| c.2.clone())
            .unwrap_or_else(|| field.to_string())
    }
}

/// A hasher for the import's maps of external ids: a multiply-rotate over 8-byte words,
/// several times cheaper than the standard library's SipHash on short keys. The keys come
/// from the database and the file being imported, so a hostile file could at worst slow its
/// own import down.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word) ^ (rest.len() as u64) << 56)
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u8(&mut self, b: u8) {
        self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        // The words are mixed by one multiply each, whose low bits depend only on the low
        // bits of what went in: ids that share a prefix (`tp-0000001`, …) would share the
        // low bits the hash table picks buckets by. A final avalanche (MurmurHash3's
        // 64-bit finaliser) spreads every bit of the state over the whole hash.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// A map keyed by external ids, hashed with [`IdHasher`].
pub type IdMap<V> = HashMap<String, V, std::hash::BuildHasherDefault<IdHasher>>;

/// External ids already stored, so rows can refer to accounts and contacts.
#[derive(Debug, Default, Clone)]
pub struct Lookups {
    pub accounts: IdMap<i64>,
    /// contact external id → (contact id, account id)
    pub contacts: IdMap<(i64, i64)>,
    /// Contacts named in their account's touchpoints, NPS responses, evidence, stories or
    /// recordings (contacts imports): these may not move to another account, or those
    /// records would name a contact of another account (their export would no longer import,
    /// a story could no longer be saved).
    pub contacts_with_history: std::collections::HashSet<i64>,
    /// Review sites and analyst firms by `journey::name_key` of their name.
    pub third_parties: ThirdPartyLookup,
}

/// A validated row, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Account(AccountData),
    Contact(ContactData),
    Touchpoint(TouchpointData),
    Commitment(CommitmentData),
    Nps(NpsData),
    Review(ReviewData),
    SourceResponse(SourceResponseData),
    Evidence(EvidenceData),
}

impl Record {
    pub fn external_id(&self) -> &str {
        let id = match self {
            Record::Account(d) => &d.external_id,
            Record::Contact(d) => &d.external_id,
            Record::Touchpoint(d) => &d.external_id,
            Record::Commitment(d) => &d.external_id,
            Record::Nps(d) => &d.external_id,
            Record::Review(d) => &d.external_id,
            Record::SourceResponse(d) => &d.external_id,
            Record::Evidence(d) => &d.external_id,
        };
        id.as_deref().unwrap_or("")
    }
}

/// The external ids met so far in a file, with the line each was first on. Their text is kept
/// end to end in one string and the table holds only hashes, so a row costs no allocation and
/// growing the table never hashes a string again.
#[derive(Default)]
struct SeenIds {
    text: String,
    /// By hash: the first entry with that hash (others follow its `next` chain).
    first: HashMap<u64, u32, std::hash::BuildHasherDefault<IdHasher>>,
    entries: Vec<SeenId>,
}

struct SeenId {
    start: usize,
    len: u32,
    line: u64,
    /// The next entry whose id has the same hash, or `u32::MAX`.
    next: u32,
}

impl SeenIds {
    /// The line `id` was first met on; or, met for the first time, remembers it with `line`.
    fn first_or_insert(&mut self, id: &str, line: u64) -> Option<u64> {
        use std::hash::Hasher;
        let mut h = IdHasher::default();
        h.write(id.as_bytes());
        self.first_or_insert_hashed(id, h.finish(), line)
    }

    fn first_or_insert_hashed(&mut self, id: &str, hash: u64, line: u64) -> Option<u64> {
        let new = self.entries.len() as u32;
        match self.first.entry(hash) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(new);
            }
            std::collections::hash_map::Entry::Occupied(slot) => {
                let mut i = *slot.get() as usize;
                loop {
                    let e = &self.entries[i];
                    if &self.text[e.start..e.start + e.len as usize] == id {
                        return Some(e.line);
                    }
                    if e.next == u32::MAX {
                        break;
                    }
                    i = e.next as usize;
                }
                self.entries[i].next = new;
            }
        }
        self.entries.push(SeenId {
            start: self.text.len(),
            len: id.len() as u32,
            line,
            next: u32::MAX,
        });
        self.text.push_str(id);
        None
    }
}

/// Validates rows one at a time against a plan and the stored lookups.
pub struct Validator<'a> {
    plan: &'a ImportPlan,
    lookups: &'a Lookups,
    seen: SeenIds,
    /// Ids made from a row's content that came up again, with how many copies so far.
    copies: std::collections::HashMap<String, u32>,
    /// The last row's fields, reused: each cell is copied into the string that held the
    /// same column before, so a row costs no allocation for its cells.
    fields: Fields,
    /// Numbers are read the European way (`1.234,50`): set for semicolon-separated files.
    pub decimal_comma: bool,
    /// Per column of the plan: whether its field is a number.
    numeric: Vec<bool>,
}

impl<'a> Validator<'a> {
    pub fn new(plan: &'a ImportPlan, lookups: &'a Lookups) -> Self {
        Validator {
            plan,
            lookups,
            seen: SeenIds::default(),
            copies: std::collections::HashMap::new(),
            fields: Fields::default(),
            decimal_comma: false,
            numeric: plan
                .columns
                .iter()
                .map(|(field, _, _)| {
                    plan.kind
                        .fields()
                        .iter()
                        .any(|spec| spec.name == *field && spec.number)
                })
                .collect(),
        }
    }

    /// Validates one row. `values` are the row's cells in file order.
    pub fn row(&mut self, line: u64, values: &[&str]) -> Result<Record, Vec<RowError>> {
        let plan = self.plan;
        if values.len() != plan.width {
            return Err(vec![RowError {
                line,
                column: String::new(),
                reason: format!(
                    "has {} values, the header has {} columns{}",
                    values.len(),
                    plan.width,
                    // A quote that is never closed runs on over the lines after it.
                    if values.iter().any(|v| v.contains('\n')) {
                        "; a quote (\") in it may not be closed, so the lines after it were read as part of one value"
                    } else {
                        ""
                    }
                ),
            }]);
        }
        let mut fields = std::mem::take(&mut self.fields);
        fields.0.truncate(plan.columns.len());
        for (k, (field, i, _)) in plan.columns.iter().enumerate() {
            let raw = values[*i];
            let value = plan
                .preset
                .and_then(|p| p.translate(field, raw))
                .unwrap_or(raw);
            let european;
            let value = if self.decimal_comma && self.numeric[k] {
                european = european_number(value);
                &*european
            } else {
                value
            };
            match fields.0.get_mut(k) {
                Some((name, v)) if name == field => {
                    v.clear();
                    v.push_str(value);
                }
                _ => {
                    // First row, or a `set` below moved this column last of the row before.
                    fields.0.truncate(k);
                    fields.0.push((field.to_string(), value.to_string()));
                }
            }
        }
        if let Some((first, last)) = plan.name_parts {
            let name = format!("{} {}", values[first].trim(), values[last].trim());
            fields.push("name", name.trim().to_string());
        }
        let mut errors = Vec::new();
        let err = |errors: &mut Vec<RowError>, field: &str, reason: String| {
            errors.push(RowError {
                line,
                column: plan.column_of(field),
                reason,
            });
        };

        // Touchpoints: the contacts named, resolved here and handed to the record as ids.
        let mut contact_ids: Vec<i64> = Vec::new();
        let account_id = if !plan.kind.has_account() {
            0
        } else {
            let ext = fields.get("account_external_id").trim();
            if ext.is_empty() && plan.kind == ImportKind::Evidence {
                0
            } else if ext.is_empty() {
                err(&mut errors, "account_external_id", "is required".into());
                0
            } else {
                match self.lookups.accounts.get(ext) {
                    Some(id) => *id,
                    None => {
                        err(
                            &mut errors,
                            "account_external_id",
                            format!("no account has external id '{ext}'"),
                        );
                        0
                    }
                }
            }
        };
        match plan.kind {
            ImportKind::Contacts if account_id != 0 => {
                let ext = fields.get("external_id").trim();
                if let Some((id, acc)) = self.lookups.contacts.get(ext) {
                    if *acc != account_id && self.lookups.contacts_with_history.contains(id) {
                        err(
                            &mut errors,
                            "account_external_id",
                            format!("contact '{ext}' already belongs to another account, whose touchpoints, NPS responses, evidence, stories or recordings name them; they cannot move (add them at the new account as a new contact, with a new external id)"),
                        );
                    }
                }
            }
            ImportKind::Touchpoints => {
                for ext in fields
                    .get("contact_external_ids")
                    .split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                {
                    match self.lookups.contacts.get(ext) {
                        Some((id, acc)) if *acc == account_id || account_id == 0 => {
                            if !contact_ids.contains(id) {
                                contact_ids.push(*id);
                            }
                        }
                        Some(_) => err(
                            &mut errors,
                            "contact_external_ids",
                            format!("contact '{ext}' belongs to another account"),
                        ),
                        None => err(
                            &mut errors,
                            "contact_external_ids",
                            format!("no contact has external id '{ext}'"),
                        ),
                    }
                }
            }
            ImportKind::Nps => {
                let ext = fields.get("contact_external_id").trim().to_string();
                if !ext.is_empty() {
                    match self.lookups.contacts.get(&ext) {
                        Some((id, acc)) if *acc == account_id || account_id == 0 => {
                            fields.set("contact_id", id.to_string())
                        }
                        Some(_) => err(
                            &mut errors,
                            "contact_external_id",
                            format!("contact '{ext}' belongs to another account"),
                        ),
                        None => err(
                            &mut errors,
                            "contact_external_id",
                            format!("no contact has external id '{ext}'"),
                        ),
                    }
                }
            }
            ImportKind::Evidence => {
                if account_id != 0 {
                    fields.set("account_id", account_id.to_string());
                }
                let ext = fields.get("contact_external_id").trim().to_string();
                if !ext.is_empty() {
                    match self.lookups.contacts.get(&ext) {
                        Some((id, acc)) if *acc == account_id || account_id == 0 => {
                            fields.set("contact_id", id.to_string());
                            fields.set("account_id", acc.to_string());
                        }
                        Some(_) => err(
                            &mut errors,
                            "contact_external_id",
                            format!("contact '{ext}' belongs to another account"),
                        ),
                        None => err(
                            &mut errors,
                            "contact_external_id",
                            format!("no contact has external id '{ext}'"),
                        ),
                    }
                }
                if fields.get("source").trim().is_empty() {
                    fields.set("source", "import");
                }
            }
            ImportKind::Reviews => {
                let ext = fields.get("contact_external_id").trim().to_string();
                if ext.is_empty() {
                    err(&mut errors, "contact_external_id", "is required".into());
                } else {
                    match self.lookups.contacts.get(&ext) {
                        Some((id, _)) => fields.set("contact_id", id.to_string()),
                        None => err(
                            &mut errors,
                            "contact_external_id",
                            format!("no contact has external id '{ext}'"),
                        ),
                    }
                }
                // Unknown names are rejected rather than created: a typo must not become a
                // new review site, and a name alone cannot say which kind of third party it is.
                let name = fields.get("third_party").trim().to_string();
                if name.is_empty() {
                    err(&mut errors, "third_party", "is required".into());
                } else {
                    match self.lookups.third_parties.get(&name_key(&name)) {
                        Some(id) => fields.set("third_party_id", id.to_string()),
                        None => err(
                            &mut errors,
                            "third_party",
                            format!("no review site or analyst firm is named '{name}' (add it first: Stories → Review sites and analysts, or peerstage third-party add)"),
                        ),
                    }
                }
            }
            _ => {}
        }
        let result = match plan.kind {
            ImportKind::Accounts => AccountData::from_fields(&fields).map(Record::Account),
            ImportKind::Contacts => {
                ContactData::from_fields(account_id, &fields).map(Record::Contact)
            }
            ImportKind::Touchpoints => {
                TouchpointData::from_fields(account_id, &fields).map(|mut d| {
                    d.contact_ids = contact_ids;
                    Record::Touchpoint(d)
                })
            }
            ImportKind::Commitments => {
                CommitmentData::from_fields(account_id, &fields).map(Record::Commitment)
            }
            ImportKind::Nps => NpsData::from_fields(account_id, &fields).map(Record::Nps),
            ImportKind::Reviews => ReviewData::from_fields(&fields).map(Record::Review),
            ImportKind::Sources => {
                SourceResponseData::from_fields(account_id, &fields, &self.lookups.third_parties)
                    .map(Record::SourceResponse)
            }
            ImportKind::Evidence => EvidenceData::from_fields(&fields).map(Record::Evidence),
        };
        let mut record = match result {
            Ok(r) => Some(r),
            Err(fe) => {
                // References that did not resolve were reported above, by their column.
                let unresolved: Vec<String> = errors.iter().map(|x| x.column.clone()).collect();
                for e in fe.0 {
                    let (field, reference) = match e.field.as_str() {
                        "contact_ids" => ("contact_external_ids", true),
                        "contact_id" => ("contact_external_id", true),
                        "third_party_id" => ("third_party", true),
                        other => (other, false),
                    };
                    if reference && unresolved.contains(&plan.column_of(field)) {
                        continue;
                    }
                    let why = plan
                        .preset
                        .filter(|_| !fields.get(field).trim().is_empty())
                        .and_then(|p| p.untranslated(plan.kind, field));
                    match why {
                        Some(why) => err(&mut errors, field, format!("{}: {why}", e.reason)),
                        None => err(&mut errors, field, e.reason),
                    }
                }
                None
            }
        };
        if let Some(r) = record.as_mut() {
            let mut checked = false;
            if r.external_id().is_empty() {
                let mut ext = auto_external_id(plan.kind, &fields);
                if repeats_are_records(plan.kind) {
                    // The same row again is another record (two anonymous survey answers
                    // alike, two calls logged the same day): the n-th copy gets ":n", so
                    // importing the file again finds the same ids.
                    match self.seen.first_or_insert(&ext, line) {
                        None => checked = true,
                        Some(_) => {
                            let n = self.copies.entry(ext.clone()).or_insert(1);
                            *n += 1;
                            ext = format!("{ext}:{n}");
                        }
                    }
                }
                set_external_id(r, ext);
            }
            let ext = r.external_id();
            let first = if checked {
                None
            } else {
                self.seen.first_or_insert(ext, line)
            };
            if let Some(first) = first {
                err(
                    &mut errors,
                    "external_id",
                    format!("duplicate external id '{ext}' (first on line {first})"),
                );
            }
        }
        self.fields = fields;
        if errors.is_empty() {
            Ok(record.expect("no errors means a record"))
        } else {
            Err(errors)
        }
    }
}

fn set_external_id(r: &mut Record, ext: String) {
    let slot = match r {
        Record::Account(d) => &mut d.external_id,
        Record::Contact(d) => &mut d.external_id,
        Record::Touchpoint(d) => &mut d.external_id,
        Record::Commitment(d) => &mut d.external_id,
        Record::Nps(d) => &mut d.external_id,
        Record::Review(d) => &mut d.external_id,
        Record::SourceResponse(d) => &mut d.external_id,
        Record::Evidence(d) => &mut d.external_id,
    };
    *slot = Some(ext);
}

/// Whether identical rows without an external id are separate records: two anonymous survey
/// answers alike, two calls logged alike. Elsewhere (reviews, evidence, commitments) a repeated
/// row is far more likely the same record twice (files joined together), so it stays refused.
fn repeats_are_records(kind: ImportKind) -> bool {
    matches!(kind, ImportKind::Nps | ImportKind::Touchpoints)
}

/// Rows without an external id get a stable one, so importing the same file twice
/// updates instead of duplicating: accounts by name, contacts by account and email or
/// name, everything else by the content of the row.
fn auto_external_id(kind: ImportKind, f: &Fields) -> String {
    match kind {
        ImportKind::Accounts => format!("name:{}", f.get("name").trim().to_lowercase()),
        ImportKind::Contacts => {
            let who = if f.get("email").trim().is_empty() {
                f.get("name")
            } else {
                f.get("email")
            };
            format!(
                "contact:{}:{}",
                f.get("account_external_id").trim(),
                who.trim().to_lowercase()
            )
        }
        _ => {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for (k, v) in &f.0 {
                for b in k.bytes().chain([0u8]).chain(v.trim().bytes()).chain([1u8]) {
                    h ^= b as u64;
                    h = h.wrapping_mul(0x0100_0000_01b3);
                }
            }
            format!("row:{h:016x}")
        }
    }
}

/// The outcome of reading a whole file.
#[derive(Debug, Default)]
pub struct ParsedFile {
    pub records: Vec<(u64, Record)>,
    pub errors: Vec<RowError>,
    pub rows: u64,
    pub ignored_columns: Vec<String>,
    pub header: Vec<String>,
    /// The cells of every rejected row, by line, for a rejects file.
    pub rejected_rows: Vec<(u64, Vec<String>)>,
}

pub struct ImportOptions {
    pub kind: ImportKind,
    pub preset: Option<Preset>,
    pub overrides: Vec<(String, String)>,
}

/// Reads a CSV file (comma- or semicolon-separated, optional UTF-8 BOM) and validates
/// every row, keeping the valid records. `progress` is called with bytes read so far.
pub fn read_csv(
    input: impl Read,
    options: &ImportOptions,
    lookups: &Lookups,
    progress: impl FnMut(u64),
) -> Result<ParsedFile, FileError> {
    let mut records = Vec::new();
    let mut parsed = read_csv_with(input, options, lookups, progress, |chunk, _| {
        records.extend(chunk);
        true
    })?;
    parsed.records = records;
    Ok(parsed)
}

/// Records are handed over in chunks of this many.
pub const CHUNK_ROWS: usize = 8192;

/// Like `read_csv`, but hands valid records to `sink` in chunks as they are read, so they
/// can be written while the rest of the file is parsed. Once `sink` returns false it gets
/// no more records; rows are still validated so every error is reported. The sink also
/// learns how many rows were rejected so far.
pub fn read_csv_with(
    input: impl Read,
    options: &ImportOptions,
    lookups: &Lookups,
    mut progress: impl FnMut(u64),
    mut sink: impl FnMut(Vec<(u64, Record)>, usize) -> bool,
) -> Result<ParsedFile, FileError> {
    let mut buffered = std::io::BufReader::with_capacity(1 << 16, input);
    let delimiter = sniff_delimiter(&mut buffered);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(buffered);
    let mut record = csv::ByteRecord::new();
    let header = match reader.read_byte_record(&mut record) {
        Ok(true) => {
            let mut cols = Vec::with_capacity(record.len());
            for (i, raw) in record.iter().enumerate() {
                let raw = if i == 0 {
                    raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw)
                } else {
                    raw
                };
                cols.push(
                    std::str::from_utf8(raw)
                        .map_err(|_| FileError::HeaderEncoding)?
                        .trim()
                        .to_string(),
                );
            }
            cols
        }
        Ok(false) => return Err(FileError::Empty),
        Err(e) => {
            return Err(FileError::Unreadable {
                line: 1,
                reason: e.to_string(),
            })
        }
    };
    if header.iter().all(|h| h.is_empty()) {
        return Err(FileError::Empty);
    }
    let plan = ImportPlan::new(options.kind, &header, options.preset, &options.overrides)?;
    let mut validator = Validator::new(&plan, lookups);
    validator.decimal_comma = delimiter == b';';
    let mut out = ParsedFile {
        ignored_columns: plan.ignored_columns.clone(),
        header: header.clone(),
        ..Default::default()
    };
    let mut chunk = Vec::with_capacity(CHUNK_ROWS);
    let mut sinking = true;
    let mut spare_cells: Vec<&'static str> = Vec::with_capacity(header.len());
    loop {
        let line = reader.position().line() + 1;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(line);
                return Err(FileError::Unreadable {
                    line,
                    reason: e.to_string(),
                });
            }
        }
        let line = record.position().map(|p| p.line()).unwrap_or(line);
        if record.len() == 1 && record.get(0).is_some_and(|c| c.is_empty()) {
            continue; // blank line
        }
        out.rows += 1;
        if out.rows % 4096 == 0 {
            progress(reader.position().byte());
        }
        // The row's cells, in the vector the row before used (emptied, so no borrow remains).
        let mut cells: Vec<&str> = std::mem::take(&mut spare_cells)
            .into_iter()
            .map(|_| "")
            .collect();
        let mut bad_utf8 = None;
        for (i, raw) in record.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(s) => cells.push(s),
                Err(_) => {
                    bad_utf8.get_or_insert(i);
                    cells.push("");
                }
            }
        }
        if let Some(i) = bad_utf8 {
            out.errors.push(RowError {
                line,
                column: header
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("column {}", i + 1)),
                reason: "is not valid UTF-8 text (save the file as UTF-8)".into(),
            });
            out.rejected_rows.push((
                line,
                record
                    .iter()
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect(),
            ));
        } else {
            match validator.row(line, &cells) {
                Ok(r) if sinking => {
                    chunk.push((line, r));
                    if chunk.len() >= CHUNK_ROWS {
                        sinking = sink(
                            std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_ROWS)),
                            out.rejected_rows.len(),
                        );
                    }
                }
                Ok(_) => {}
                Err(errs) => {
                    out.errors.extend(errs);
                    out.rejected_rows
                        .push((line, cells.iter().map(|c| c.to_string()).collect()));
                }
            }
        }
        cells.clear();
        spare_cells = cells.into_iter().map(|_| "").collect();
    }
    if sinking && !chunk.is_empty() {
        sink(chunk, out.rejected_rows.len());
    }
    progress(reader.position().byte());
    // A header and no rows is what exporting an empty list writes: nothing to do, not an
    // error, so exporting everything and importing it elsewhere works for empty kinds too.
    Ok(out)
}

fn sniff_delimiter(reader: &mut impl std::io::BufRead) -> u8 {
    let head = reader.fill_buf().unwrap_or(&[]);
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let commas = first_line.iter().filter(|b| **b == b',').count();
    let semis = first_line.iter().filter(|b| **b == b';').count();
    if semis > commas {
        b';'
    } else {
        b','
    }
}

/// Parses `FIELD=COLUMN`.
pub fn parse_mapping(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((f, c)) if !f.trim().is_empty() && !c.trim().is_empty() => {
            Ok((f.trim().to_string(), c.trim().to_string()))
        }
        _ => Err(format!("'{s}' is not FIELD=COLUMN")),
    }
}

#[cfg(test)]
mod doc_tests {
    use super::*;

    #[test]
    fn id_maps_find_what_they_hold() {
        let mut m: IdMap<usize> = IdMap::default();
        for i in 0..10_000 {
            m.insert(format!("tp-{i:07}"), i);
        }
        m.insert(String::new(), 7);
        assert!((0..10_000).all(|i| m[&format!("tp-{i:07}")] == i));
        assert_eq!(m.get(""), Some(&7));
        assert_eq!(m.get("tp-0010000"), None);
    }

    #[test]
    fn salesforce_values_without_a_match_say_why_they_are_refused() {
        let csv = "Account ID,Account Name,Type\n001A,Acme,Customer - Direct\n001B,Partner Co,Technology Partner\n001C,Blank,\n";
        let options = ImportOptions {
            kind: ImportKind::Accounts,
            preset: Some(Preset::Salesforce),
            overrides: vec![],
        };
        let parsed = read_csv(csv.as_bytes(), &options, &Lookups::default(), |_| {}).unwrap();
        assert_eq!(parsed.records.len(), 2, "{:?}", parsed.errors);
        assert_eq!(parsed.errors.len(), 1);
        let e = &parsed.errors[0];
        assert_eq!((e.line, e.column.as_str()), (3, "Type"));
        assert!(
            e.reason.starts_with("unknown value 'Technology Partner'"),
            "{}",
            e.reason
        );
        assert!(
            e.reason.contains("are not customer accounts"),
            "{}",
            e.reason
        );
    }

    #[test]
    fn a_quote_never_closed_is_named_as_the_likely_cause() {
        let csv = "external_id,name,city\nA1,Acme,Oslo\nA2,\"Bolt,Bergen\nA3,Core,Rome\n";
        let options = ImportOptions {
            kind: ImportKind::Accounts,
            preset: None,
            overrides: vec![],
        };
        let parsed = read_csv(csv.as_bytes(), &options, &Lookups::default(), |_| {}).unwrap();
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        let reason = &parsed.errors[0].reason;
        assert!(
            reason.starts_with("has 2 values, the header has 3 columns; a quote"),
            "{reason}"
        );
        // A row merely short of a value says only that.
        let parsed = read_csv(
            "external_id,name,city\nA1,Acme\n".as_bytes(),
            &options,
            &Lookups::default(),
            |_| {},
        )
        .unwrap();
        assert_eq!(
            parsed.errors[0].reason,
            "has 2 values, the header has 3 columns"
        );
    }

    #[test]
    fn two_columns_for_one_field_are_refused_by_position() {
        let header = |cols: &[&str]| cols.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let Err(err) = ImportPlan::new(
            ImportKind::Accounts,
            &header(&["name", "city", "Name "]),
            None,
            &[],
        ) else {
            panic!("a header with two name columns was taken")
        };
        assert!(
            err.to_string()
                .contains("columns 1 and 3 are both 'name' (name): remove or rename one"),
            "{err}"
        );
        // A repeated column nobody reads is only reported as not used.
        let plan = ImportPlan::new(
            ImportKind::Accounts,
            &header(&["name", "notes_x", "notes_x"]),
            None,
            &[],
        )
        .unwrap();
        assert_eq!(plan.ignored_columns, vec!["notes_x", "notes_x"]);
    }

    #[test]
    fn european_numbers_become_plain_ones_and_others_stay() {
        for (cell, read) in [
            ("1.234,50", "1234.50"),
            ("0,5", "0.5"),
            ("1.000", "1000"),
            ("12.345.678", "12345678"),
            ("-1.000", "-1000"),
            ("€1.250,00", "€1250.00"),
            ("1.5", "1.5"),
            ("1.2345", "1.2345"),
            ("1,250,000", "1,250,000"),
            ("12.34,5", "12.34,5"),
            ("abc", "abc"),
            ("", ""),
        ] {
            assert_eq!(european_number(cell), read, "{cell}");
        }
    }

    /// Ids that share a prefix (`tp-0000001`, `tp-0000002`, …) must not share the low bits
    /// the hash table picks buckets by: when they did, a million-row import spent most of
    /// its time probing.
    #[test]
    fn id_hashes_spread_ids_that_share_a_prefix() {
        use std::hash::Hasher;
        let mut low = HashSet::new();
        for i in 0..100_000 {
            let mut h = IdHasher::default();
            h.write(format!("tp-{i:07}").as_bytes());
            low.insert(h.finish() & 0xffff);
        }
        // 100,000 random hashes fill ~51,000 of the 65,536 values.
        assert!(low.len() > 45_000, "{} distinct low 16 bits", low.len());
    }

    #[test]
    fn seen_ids_tell_the_first_line_of_a_repeated_id() {
        let mut seen = SeenIds::default();
        for i in 0..20_000u64 {
            assert_eq!(seen.first_or_insert(&format!("tp-{i:07}"), i + 2), None);
        }
        assert_eq!(seen.first_or_insert("tp-0000007", 90_000), Some(9));
        assert_eq!(seen.first_or_insert("", 90_001), None);
        assert_eq!(seen.first_or_insert("", 90_002), Some(90_001));
        // Different ids with the same hash are told apart by their text.
        let mut seen = SeenIds::default();
        for (i, id) in ["a", "b", "c"].into_iter().enumerate() {
            assert_eq!(seen.first_or_insert_hashed(id, 42, i as u64), None);
        }
        assert_eq!(seen.first_or_insert_hashed("b", 42, 10), Some(1));
        assert_eq!(seen.first_or_insert_hashed("c", 42, 11), Some(2));
        assert_eq!(seen.first_or_insert_hashed("d", 42, 12), None);
        assert_eq!(seen.first_or_insert_hashed("d", 42, 13), Some(12));
    }

    /// docs/IMPORT.md lists every column of every kind.
    #[test]
    fn import_doc_lists_every_column() {
        let doc = include_str!("../../../docs/IMPORT.md");
        for kind in ImportKind::ALL {
            for f in kind.fields() {
                assert!(
                    doc.contains(&format!("| `{}` |", f.name)),
                    "docs/IMPORT.md lacks {kind}.{}",
                    f.name
                );
            }
        }
    }
}
