//! Authentic customer stories (B5): the challenge, the context and the result, the good, the
//! bad and the ugly, and where we are not a fit. Buyers who want to be educated can tell a
//! balanced story from spin, so a story without a downside or without its "not a fit"
//! context is flagged.

use crate::account::{optional_enum, Page};
use crate::fields::Fields;
use crate::parse::{self, MAX_NOTES};
use crate::FieldErrors;
use chrono::{DateTime, Utc};
use serde::Serialize;

crate::text_enum!(
    /// Where the customer is in approving the story for publication.
    Approval {
        Draft => "draft", "Draft";
        SentForApproval => "sent_for_approval", "Sent for approval";
        Approved => "approved", "Approved";
        Declined => "declined", "Declined";
    }
);

crate::text_enum!(
    /// The stage of the buyer's decision journey a story serves; buyers want to hear from
    /// peers from awareness on, not only when a deal is closing.
    JourneyStage {
        Awareness => "awareness", "Awareness";
        Consideration => "consideration", "Consideration";
        Decision => "decision", "Decision";
        Onboarding => "onboarding", "Onboarding";
        Expansion => "expansion", "Expansion";
    }
);

crate::text_enum!(
    /// Why a story reads as spin rather than an authentic account.
    SpinFlag {
        NoDownside => "no_downside", "No downside";
        NoNotAFit => "no_not_a_fit", "No \"where we are not a fit\"";
    }
);

impl SpinFlag {
    pub fn explanation(self) -> &'static str {
        match self {
            SpinFlag::NoDownside => {
                "The bad and the ugly are both empty: a story where everything was perfect is not believed."
            }
            SpinFlag::NoNotAFit => {
                "It does not say where we are not a fit: buyers need the context to judge whether the story applies to them."
            }
        }
    }
}

/// Why authenticity beats spin, after Bill Lee (Customer Reference Forum), shown where a
/// story is flagged.
pub const AUTHENTICITY: &str = "Buyers increasingly avoid pitches and spin; they want to be educated by their peers. \
Encourage advocates to tell balanced stories rather than \"everything about your product and service is perfect\": \
show the critical role we played in their success, but also the context — what made us the right fit, and where we \
would not be a good fit. Aim for authenticity, not spin. Your buyers know the difference.";

/// The most media links one story carries.
pub const MAX_MEDIA_LINKS: usize = 20;

/// The validated values of a story, as created or updated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryData {
    pub title: String,
    /// The customer whose story it is.
    pub account_id: i64,
    /// The advocates who tell it: contacts of that account.
    pub contact_ids: Vec<i64>,
    pub stage: JourneyStage,
    pub approval: Approval,
    pub challenge: Option<String>,
    pub context: Option<String>,
    pub result: Option<String>,
    pub good: Option<String>,
    pub bad: Option<String>,
    pub ugly: Option<String>,
    pub not_a_fit: Option<String>,
    /// Web addresses of videos, recordings, articles (the media library comes later).
    pub media_links: Vec<String>,
}

/// The fields a story form or JSON body carries.
pub const STORY_FIELDS: &[&str] = &[
    "title",
    "account_id",
    "contact_ids",
    "stage",
    "approval",
    "challenge",
    "context",
    "result",
    "good",
    "bad",
    "ugly",
    "not_a_fit",
    "media_links",
];

/// The story's text sections, in reading order: (field, label, prompt).
pub const SECTIONS: &[(&str, &str, &str)] = &[
    (
        "challenge",
        "The challenge",
        "What problem did the customer face?",
    ),
    (
        "context",
        "The context",
        "Their situation: size, constraints, what they had tried, what made us a fit.",
    ),
    (
        "result",
        "The result",
        "What changed, with numbers where there are any.",
    ),
    ("good", "The good", "What worked well."),
    (
        "bad",
        "The bad",
        "What did not work as hoped, or cost more than expected.",
    ),
    (
        "ugly",
        "The ugly",
        "What went wrong, and how it was handled.",
    ),
    (
        "not_a_fit",
        "Where we are not a fit",
        "In which situations they would not recommend us.",
    ),
];

impl StoryData {
    /// `contact_ids` must belong to the account; storage checks that.
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = e.check("title", parse::required_text(f.get("title"), 200));
        let account_id = e.check(
            "account_id",
            parse::optional_int(f.get("account_id"), 1, i64::MAX)
                .and_then(|v| v.ok_or_else(|| "is required: choose the customer".to_string())),
        );
        let stage = e.check(
            "stage",
            optional_enum(f.get("stage"), JourneyStage::parse)
                .and_then(|s| s.ok_or_else(|| "is required".to_string())),
        );
        let approval = e.check(
            "approval",
            optional_enum(f.get("approval"), Approval::parse).map(|a| a.unwrap_or(Approval::Draft)),
        );
        let mut text = |name: &str| {
            e.check(name, parse::optional_text(f.get(name), MAX_NOTES))
                .flatten()
        };
        let (challenge, context, result) = (text("challenge"), text("context"), text("result"));
        let (good, bad, ugly, not_a_fit) =
            (text("good"), text("bad"), text("ugly"), text("not_a_fit"));
        let mut contact_ids = Vec::new();
        for raw in f.all("contact_ids") {
            for part in raw
                .split([',', ';'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                match part.parse::<i64>() {
                    Ok(id) if id > 0 => {
                        if !contact_ids.contains(&id) {
                            contact_ids.push(id)
                        }
                    }
                    _ => e.add("contact_ids", format!("'{part}' is not a contact id")),
                }
            }
        }
        let mut media_links: Vec<String> = Vec::new();
        for raw in f.all("media_links") {
            for part in raw
                .split(|c: char| c == ';' || c.is_whitespace())
                .filter(|p| !p.is_empty())
            {
                match parse::optional_url(part) {
                    Ok(Some(u)) if !media_links.contains(&u) => media_links.push(u),
                    Ok(_) => {}
                    Err(reason) => e.add("media_links", reason),
                }
            }
        }
        if media_links.len() > MAX_MEDIA_LINKS {
            e.add(
                "media_links",
                format!("has {} links, at most {MAX_MEDIA_LINKS}", media_links.len()),
            );
        }
        e.into_result(|| StoryData {
            title: title.unwrap(),
            account_id: account_id.unwrap(),
            contact_ids,
            stage: stage.unwrap(),
            approval: approval.unwrap(),
            challenge,
            context,
            result,
            good,
            bad,
            ugly,
            not_a_fit,
            media_links,
        })
    }

    /// The story as form fields, to prefill an edit form or merge an API update.
    pub fn to_fields(&self) -> Fields {
        let mut f = Fields::new();
        f.push("title", self.title.clone());
        f.push("account_id", self.account_id.to_string());
        for id in &self.contact_ids {
            f.push("contact_ids", id.to_string());
        }
        f.push("stage", self.stage.as_str());
        f.push("approval", self.approval.as_str());
        for (name, _, _) in SECTIONS {
            f.push(*name, self.section(name).unwrap_or_default());
        }
        f.push("media_links", self.media_links.join("\n"));
        f
    }

    /// The text of one of `SECTIONS` by field name.
    pub fn section(&self, name: &str) -> Option<&str> {
        match name {
            "challenge" => self.challenge.as_deref(),
            "context" => self.context.as_deref(),
            "result" => self.result.as_deref(),
            "good" => self.good.as_deref(),
            "bad" => self.bad.as_deref(),
            "ugly" => self.ugly.as_deref(),
            "not_a_fit" => self.not_a_fit.as_deref(),
            _ => None,
        }
    }
}

/// A contact who tells the story.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryContact {
    pub id: i64,
    pub name: String,
    pub title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Story {
    pub id: i64,
    #[serde(flatten)]
    pub data: StoryData,
    pub account_name: String,
    pub contacts: Vec<StoryContact>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn is_blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|t| t.trim().is_empty())
}

/// Why a story reads as spin: no downside (the bad and the ugly both empty), and no word on
/// where we are not a fit. An authentic story has neither flag.
pub fn spin_flags(story: &Story) -> Vec<SpinFlag> {
    let d = &story.data;
    let mut flags = Vec::new();
    if is_blank(&d.bad) && is_blank(&d.ugly) {
        flags.push(SpinFlag::NoDownside);
    }
    if is_blank(&d.not_a_fit) {
        flags.push(SpinFlag::NoNotAFit);
    }
    flags
}

crate::text_enum!(
    StorySort {
        Title => "title", "Title";
        Account => "account", "Customer";
        Stage => "stage", "Buyer-journey stage";
        Approval => "approval", "Approval";
        Spin => "spin", "Spin flags";
        Updated => "updated", "Last updated";
    }
);

/// What the story list is filtered, sorted and paged by.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryQuery {
    pub search: Option<String>,
    pub stage: Option<JourneyStage>,
    pub approval: Option<Approval>,
    pub account_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub spin_only: bool,
    pub sort: StorySort,
    pub descending: bool,
    pub page: u32,
    pub per_page: u32,
}

impl Default for StoryQuery {
    /// The most recently updated first.
    fn default() -> Self {
        StoryQuery {
            search: None,
            stage: None,
            approval: None,
            account_id: None,
            contact_id: None,
            spin_only: false,
            sort: StorySort::Updated,
            descending: true,
            page: 1,
            per_page: 25,
        }
    }
}

impl StoryQuery {
    /// From URL parameters: q, stage, approval, account_id, contact_id, spin (yes/no), sort,
    /// dir, page, per_page. Unknown or malformed values are reported.
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let d = StoryQuery::default();
        let search = parse::optional_text(f.get("q"), 200).ok().flatten();
        let stage = e.check("stage", optional_enum(f.get("stage"), JourneyStage::parse));
        let approval = e.check(
            "approval",
            optional_enum(f.get("approval"), Approval::parse),
        );
        let account_id = e.check(
            "account_id",
            parse::optional_int(f.get("account_id"), 1, i64::MAX),
        );
        let contact_id = e.check(
            "contact_id",
            parse::optional_int(f.get("contact_id"), 1, i64::MAX),
        );
        let spin_only = e.check("spin", parse::bool_or(f.get("spin"), false));
        let sort = e.check("sort", optional_enum(f.get("sort"), StorySort::parse));
        let descending = match (f.get("dir"), sort.flatten()) {
            ("", None) => d.descending,
            ("", Some(_)) | ("asc", _) => false,
            ("desc", _) => true,
            (other, _) => {
                e.add("dir", format!("'{other}' is not asc or desc"));
                false
            }
        };
        let page = e.check("page", parse::optional_int(f.get("page"), 1, 1_000_000));
        let per_page = e.check("per_page", parse::optional_int(f.get("per_page"), 1, 500));
        e.into_result(|| StoryQuery {
            search,
            stage: stage.unwrap(),
            approval: approval.unwrap(),
            account_id: account_id.unwrap(),
            contact_id: contact_id.unwrap(),
            spin_only: spin_only.unwrap(),
            sort: sort.unwrap().unwrap_or(d.sort),
            descending,
            page: page.unwrap().unwrap_or(1) as u32,
            per_page: per_page.unwrap().unwrap_or(d.per_page as i64) as u32,
        })
    }

    fn matches(&self, s: &Story) -> bool {
        let text = |t: &str| t.to_lowercase();
        self.stage.is_none_or(|x| s.data.stage == x)
            && self.approval.is_none_or(|x| s.data.approval == x)
            && self.account_id.is_none_or(|x| s.data.account_id == x)
            && self
                .contact_id
                .is_none_or(|x| s.data.contact_ids.contains(&x))
            && (!self.spin_only || !spin_flags(s).is_empty())
            && self.search.as_deref().is_none_or(|q| {
                let q = text(q);
                text(&s.data.title).contains(&q) || text(&s.account_name).contains(&q)
            })
    }

    /// Filters, sorts and pages stories. Stories are few (one per told customer story), so
    /// this runs over all of them, and the spin rule is applied in one place.
    pub fn select(&self, stories: Vec<Story>) -> Page<Story> {
        let mut items: Vec<Story> = stories.into_iter().filter(|s| self.matches(s)).collect();
        items.sort_by(|a, b| {
            let key = match self.sort {
                StorySort::Title => a
                    .data
                    .title
                    .to_lowercase()
                    .cmp(&b.data.title.to_lowercase()),
                StorySort::Account => a
                    .account_name
                    .to_lowercase()
                    .cmp(&b.account_name.to_lowercase()),
                StorySort::Stage => a.data.stage.cmp(&b.data.stage),
                StorySort::Approval => a.data.approval.cmp(&b.data.approval),
                StorySort::Spin => spin_flags(a).len().cmp(&spin_flags(b).len()),
                StorySort::Updated => a.updated_at.cmp(&b.updated_at),
            };
            let key = if self.descending { key.reverse() } else { key };
            key.then_with(|| b.id.cmp(&a.id))
        });
        let per_page = self.per_page.clamp(1, 500);
        let total = items.len() as u64;
        let pages = total.div_ceil(per_page as u64).max(1) as u32;
        let page = self.page.clamp(1, pages);
        let items = items
            .into_iter()
            .skip(((page - 1) * per_page) as usize)
            .take(per_page as usize)
            .collect();
        Page {
            items,
            total,
            page,
            per_page,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(id: i64, bad: Option<&str>, ugly: Option<&str>, not_a_fit: Option<&str>) -> Story {
        Story {
            id,
            data: StoryData {
                title: format!("Story {id}"),
                account_id: 1,
                contact_ids: vec![],
                stage: JourneyStage::Decision,
                approval: Approval::Draft,
                challenge: Some("Slow onboarding".into()),
                context: None,
                result: Some("Onboarding in half the time".into()),
                good: Some("Fast".into()),
                bad: bad.map(Into::into),
                ugly: ugly.map(Into::into),
                not_a_fit: not_a_fit.map(Into::into),
                media_links: vec![],
            },
            account_name: "Acme".into(),
            contacts: vec![],
            created_at: DateTime::default(),
            updated_at: DateTime::default(),
        }
    }

    #[test]
    fn a_story_with_a_downside_and_its_limits_is_authentic() {
        let s = story(
            1,
            Some("Reports were slow"),
            None,
            Some("Teams under ten people"),
        );
        assert!(spin_flags(&s).is_empty());
        let s = story(
            2,
            None,
            Some("The migration lost a week"),
            Some("On-premise only shops"),
        );
        assert!(spin_flags(&s).is_empty());
    }

    #[test]
    fn a_story_without_the_bad_or_the_ugly_is_spin() {
        let s = story(1, None, None, Some("Teams under ten people"));
        assert_eq!(spin_flags(&s), vec![SpinFlag::NoDownside]);
        // Blank text is no downside either.
        let s = story(2, Some("  "), Some(""), Some("Teams under ten people"));
        assert_eq!(spin_flags(&s), vec![SpinFlag::NoDownside]);
    }

    #[test]
    fn a_story_that_never_says_where_we_are_not_a_fit_is_spin() {
        let s = story(1, Some("Reports were slow"), None, None);
        assert_eq!(spin_flags(&s), vec![SpinFlag::NoNotAFit]);
        let s = story(2, None, None, Some(" "));
        assert_eq!(
            spin_flags(&s),
            vec![SpinFlag::NoDownside, SpinFlag::NoNotAFit]
        );
        assert!(SpinFlag::NoDownside
            .explanation()
            .contains("bad and the ugly"));
    }

    #[test]
    fn story_fields_parse_and_report_every_bad_field() {
        let f = Fields::from_pairs([
            ("title", " Faster onboarding "),
            ("account_id", "7"),
            ("contact_ids", "3"),
            ("contact_ids", "4;3"),
            ("stage", "Consideration"),
            ("bad", "Reports were slow"),
            (
                "media_links",
                "https://example.com/video\nhttps://example.com/post;https://example.com/video",
            ),
        ]);
        let s = StoryData::from_fields(&f).unwrap();
        assert_eq!(s.title, "Faster onboarding");
        assert_eq!(s.contact_ids, vec![3, 4]);
        assert_eq!(s.stage, JourneyStage::Consideration);
        assert_eq!(s.approval, Approval::Draft);
        assert_eq!(s.media_links.len(), 2);
        assert_eq!(StoryData::from_fields(&s.to_fields()).unwrap(), s);

        let err = StoryData::from_fields(&Fields::from_pairs([
            ("title", ""),
            ("stage", "closing"),
            ("approval", "maybe"),
            ("contact_ids", "x"),
            ("media_links", "javascript:alert(1)"),
        ]))
        .unwrap_err();
        for field in [
            "title",
            "account_id",
            "stage",
            "approval",
            "contact_ids",
            "media_links",
        ] {
            assert!(err.get(field).is_some(), "{field}: {err}");
        }
    }

    #[test]
    fn the_list_filters_by_stage_approval_and_spin_and_sorts() {
        let mut a = story(1, Some("bad"), None, Some("not for tiny teams"));
        a.data.title = "Beta".into();
        a.data.stage = JourneyStage::Awareness;
        let mut b = story(2, None, None, None);
        b.data.title = "alpha".into();
        b.data.approval = Approval::Approved;
        let mut c = story(3, None, None, Some("x"));
        c.data.title = "Gamma".into();
        c.data.stage = JourneyStage::Expansion;
        let all = vec![a, b, c];
        let q = |pairs: &[(&str, &str)]| {
            StoryQuery::from_fields(&Fields::from_pairs(pairs.iter().copied())).unwrap()
        };
        let ids = |p: Page<Story>| p.items.iter().map(|s| s.id).collect::<Vec<_>>();
        assert_eq!(ids(q(&[("spin", "yes")]).select(all.clone())), vec![3, 2]);
        assert_eq!(
            ids(q(&[("approval", "approved")]).select(all.clone())),
            vec![2]
        );
        assert_eq!(
            ids(q(&[("stage", "awareness")]).select(all.clone())),
            vec![1]
        );
        assert_eq!(
            ids(q(&[("sort", "title")]).select(all.clone())),
            vec![2, 1, 3]
        );
        assert_eq!(
            ids(q(&[("sort", "stage"), ("dir", "desc")]).select(all.clone())),
            vec![3, 2, 1]
        );
        assert_eq!(
            ids(q(&[("sort", "spin")]).select(all.clone())),
            vec![1, 3, 2]
        );
        let paged = q(&[("sort", "title"), ("per_page", "2"), ("page", "2")]).select(all);
        assert_eq!((paged.total, paged.pages()), (3, 2));
        assert_eq!(ids(paged), vec![3]);
        assert!(StoryQuery::from_fields(&Fields::from_pairs([("sort", "length")])).is_err());
    }
}
