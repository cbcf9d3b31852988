//! Running the reference program day to day (extends B1, B3, B4): consent per activity type,
//! nominations of would-be advocates, feedback after an activity, and the limits the
//! operations view flags.

use crate::advocacy::Opportunity;
use crate::contact::ReferenceConsent;
use crate::{parse, FieldErrors, Fields};
use chrono::NaiveDate;
use serde::Serialize;

crate::text_enum!(
    /// What a contact may be asked to do, each consented to separately. Live activities
    /// (calls, visits, speaking, media) and published content (case study, video, review,
    /// logo, quote) are distinguished: a customer may allow one and not the other.
    ConsentActivity {
        ReferenceCall => "reference_call", "Reference call";
        SiteVisit => "site_visit", "Site visit";
        Speaking => "speaking", "Speaking (events, panels)";
        Media => "media", "Media interview";
        CaseStudy => "case_study", "Case study";
        Video => "video", "Video testimonial";
        Review => "review", "Review on a third-party site";
        Logo => "logo", "Logo use";
        Quote => "quote", "Published quote";
    }
);

impl ConsentActivity {
    pub const COUNT: usize = 9;

    /// Position in `ALL`, used to index a candidate's consents.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Calls, visits, speaking and interviews happen live; the rest is published content.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            ConsentActivity::ReferenceCall
                | ConsentActivity::SiteVisit
                | ConsentActivity::Speaking
                | ConsentActivity::Media
        )
    }

    pub fn kind_label(self) -> &'static str {
        if self.is_live() {
            "live"
        } else {
            "published"
        }
    }

    /// The consent a requested reference activity needs.
    pub fn of(o: Opportunity) -> Option<ConsentActivity> {
        use Opportunity::*;
        Some(match o {
            ReferenceCall => ConsentActivity::ReferenceCall,
            SiteVisit => ConsentActivity::SiteVisit,
            SpeakingSlot | Panel => ConsentActivity::Speaking,
            MediaInterview => ConsentActivity::Media,
            CaseStudy => ConsentActivity::CaseStudy,
            VideoTestimonial => ConsentActivity::Video,
            Review => ConsentActivity::Review,
            _ => return None,
        })
    }
}

/// What a stored consent means today: expired consent counts as "ask first".
/// Returns the consent and whether it expired.
pub fn effective_consent(
    consent: ReferenceConsent,
    expires_on: Option<NaiveDate>,
    today: NaiveDate,
) -> (ReferenceConsent, bool) {
    match expires_on {
        Some(d) if d < today && consent != ReferenceConsent::No => {
            (ReferenceConsent::AskFirst, true)
        }
        _ => (consent, false),
    }
}

pub const CONSENT_FIELDS: &[&str] = &["activity", "consent", "given_on", "expires_on", "note"];

/// One consent as recorded: for which activity, the answer, when it was given and until when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsentData {
    pub activity: ConsentActivity,
    pub consent: ReferenceConsent,
    pub given_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub note: Option<String>,
}

impl ConsentData {
    /// `given_on` defaults to `today` and may not lie after it; `expires_on` must follow it.
    pub fn from_fields(f: &Fields, today: NaiveDate) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let activity = e.check(
            "activity",
            if f.get("activity").trim().is_empty() {
                Err("is required".to_string())
            } else {
                ConsentActivity::parse(f.get("activity"))
            },
        );
        let consent = e.check(
            "consent",
            if f.get("consent").trim().is_empty() {
                Err("is required (yes, ask_first or no)".to_string())
            } else {
                ReferenceConsent::parse(f.get("consent"))
            },
        );
        let given_on = e
            .check("given_on", parse::optional_date(f.get("given_on")))
            .map(|d| d.unwrap_or(today));
        if given_on.is_some_and(|d| d > today) {
            e.add("given_on", "is in the future");
        }
        let expires_on = e
            .check("expires_on", parse::optional_date(f.get("expires_on")))
            .flatten();
        if let (Some(g), Some(x)) = (given_on, expires_on) {
            if x <= g {
                e.add("expires_on", "must be after the date consent was given");
            }
        }
        let note = e
            .check("note", parse::optional_text(f.get("note"), 500))
            .flatten();
        e.into_result(|| ConsentData {
            activity: activity.expect("checked"),
            consent: consent.expect("checked"),
            given_on: given_on.expect("checked"),
            expires_on,
            note,
        })
    }
}

crate::text_enum!(
    NominationStatus {
        Nominated => "nominated", "Nominated";
        Contacted => "contacted", "Contacted";
        Recruited => "recruited", "Recruited";
        Active => "active", "Active";
        Declined => "declined", "Declined";
    }
);

crate::text_enum!(
    /// The nominations list's sortable columns; without one it lists open nominations
    /// first, the longest untouched first.
    NominationSort {
        Contact => "contact", "Contact";
        Account => "account", "Account";
        Status => "status", "Status";
        Untouched => "untouched", "Untouched";
    }
);

crate::text_enum!(
    /// The expiring-consents list's sortable columns; without one it lists the soonest
    /// expiry first.
    ExpiringSort {
        Contact => "contact", "Contact";
        Account => "account", "Account";
        Activity => "activity", "Activity";
        Consent => "consent", "Consent";
        Expires => "expires", "Expires";
    }
);

crate::text_enum!(
    /// The operations queue's lists of requests, each of which may be opened on its own to
    /// sort and page.
    OpsList {
        Due => "due", "Due in the next 72 hours";
        NoCandidate => "gaps", "Requests with no candidate";
        Waiting => "waiting", "Waiting on an advocate's answer";
        Unconfirmed => "unconfirmed", "Completed but unconfirmed";
    }
);

crate::text_enum!(
    /// The sortable columns of an operations list of requests; without one each list keeps
    /// its own order (due: soonest first; no candidate: oldest first; waiting and
    /// unconfirmed: longest first).
    OpsSort {
        Request => "request", "Request";
        Activity => "activity", "Activity";
        Status => "status", "Status";
        Advocate => "advocate", "Advocate";
        Needed => "needed", "Needed by";
        Days => "days", "Days";
        AskedBy => "asked_by", "Asked by";
    }
);

impl NominationStatus {
    /// nominated → contacted → recruited → active; any open nomination may be declined.
    pub fn can_move_to(self, next: NominationStatus) -> bool {
        use NominationStatus::*;
        matches!(
            (self, next),
            (Nominated, Contacted)
                | (Contacted, Recruited)
                | (Recruited, Active)
                | (Nominated | Contacted | Recruited, Declined)
        )
    }

    /// Still needs someone to act on it.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            NominationStatus::Nominated | NominationStatus::Contacted | NominationStatus::Recruited
        )
    }
}

crate::text_enum!(
    NominationSource {
        Manual => "manual", "Nominated by a colleague";
        NpsPromoter => "nps_promoter", "NPS promoter (9–10)";
        Praise => "praise", "Praised us (evidence)";
    }
);

/// Days an open nomination may sit untouched before it is flagged (configurable).
pub const NOMINATION_STALE_DAYS: u32 = 14;
/// Days a request may wait on an advocate's answer before the ops view flags it.
pub const ASK_WAIT_DAYS: u32 = 5;
/// Hours ahead the ops view counts a request as due.
pub const DUE_HOURS: i64 = 72;
/// Days ahead the consents page looks for expiring consent.
pub const EXPIRING_DAYS: i64 = 30;

/// An open nomination untouched for more than `days` days is flagged.
pub fn is_stale(
    status: NominationStatus,
    last_touched: NaiveDate,
    today: NaiveDate,
    days: u32,
) -> bool {
    status.is_open() && (today - last_touched).num_days() > days as i64
}

pub const NOMINATION_FIELDS: &[&str] = &["contact_id", "reason"];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewNomination {
    pub contact_id: i64,
    pub reason: String,
}

impl NewNomination {
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let contact_id = e.check(
            "contact_id",
            parse::optional_int(f.get("contact_id"), 1, i64::MAX)
                .and_then(|v| v.ok_or_else(|| "choose the contact to nominate".to_string())),
        );
        let reason = e.check(
            "reason",
            parse::required_text(f.get("reason"), 1000)
                .map_err(|m| format!("{m}: say why they would make a good advocate")),
        );
        e.into_result(|| NewNomination {
            contact_id: contact_id.expect("checked"),
            reason: reason.expect("checked"),
        })
    }
}

crate::text_enum!(
    FeedbackSide {
        Rep => "rep", "Sales rep";
        Advocate => "advocate", "Advocate";
    }
);

pub const FEEDBACK_FIELDS: &[&str] = &["helped", "prospect_asked", "comments", "would_repeat"];

/// Feedback after a completed reference activity. The rep says whether it helped and what
/// the prospect asked; the advocate whether it was worth their time and would do it again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackData {
    pub helped: bool,
    pub prospect_asked: Option<String>,
    pub comments: Option<String>,
    pub would_repeat: Option<bool>,
}

impl FeedbackData {
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let helped = e.check(
            "helped",
            if f.get("helped").trim().is_empty() {
                Err("is required: answer yes or no".to_string())
            } else {
                parse::bool_or(f.get("helped"), false)
            },
        );
        let prospect_asked = e
            .check(
                "prospect_asked",
                parse::optional_text(f.get("prospect_asked"), 2000),
            )
            .flatten();
        let comments = e
            .check("comments", parse::optional_text(f.get("comments"), 2000))
            .flatten();
        let would_repeat = e.check(
            "would_repeat",
            match f.get("would_repeat").trim() {
                "" => Ok(None),
                v => parse::bool_or(v, false).map(Some),
            },
        );
        e.into_result(|| FeedbackData {
            helped: helped.expect("checked"),
            prospect_asked,
            comments,
            would_repeat: would_repeat.expect("checked"),
        })
    }
}

/// Days a one-time feedback link stays valid.
pub const FEEDBACK_LINK_DAYS: i64 = 14;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn expired_consent_is_ask_first() {
        let today = d("2026-06-01");
        assert_eq!(
            effective_consent(ReferenceConsent::Yes, Some(d("2026-05-31")), today),
            (ReferenceConsent::AskFirst, true)
        );
        assert_eq!(
            effective_consent(ReferenceConsent::Yes, Some(d("2026-06-01")), today),
            (ReferenceConsent::Yes, false)
        );
        assert_eq!(
            effective_consent(ReferenceConsent::No, Some(d("2026-01-01")), today),
            (ReferenceConsent::No, false)
        );
    }

    #[test]
    fn live_and_published_are_distinguished() {
        assert!(ConsentActivity::ReferenceCall.is_live());
        assert!(!ConsentActivity::Logo.is_live());
        assert_eq!(
            ConsentActivity::of(Opportunity::Panel),
            Some(ConsentActivity::Speaking)
        );
        assert_eq!(ConsentActivity::of(Opportunity::Beta), None);
        for (i, a) in ConsentActivity::ALL.iter().enumerate() {
            assert_eq!(a.index(), i);
        }
        assert_eq!(ConsentActivity::ALL.len(), ConsentActivity::COUNT);
    }

    #[test]
    fn consent_fields_are_checked() {
        let today = d("2026-06-01");
        let ok = ConsentData::from_fields(
            &Fields::from_pairs([
                ("activity", "case study"),
                ("consent", "yes"),
                ("expires_on", "2027-01-01"),
            ]),
            today,
        )
        .unwrap();
        assert_eq!(ok.activity, ConsentActivity::CaseStudy);
        assert_eq!(ok.given_on, today);
        let bad = ConsentData::from_fields(
            &Fields::from_pairs([
                ("activity", "podcast"),
                ("consent", ""),
                ("given_on", "2026-05-01"),
                ("expires_on", "2026-04-01"),
            ]),
            today,
        )
        .unwrap_err();
        assert!(bad.get("activity").unwrap().contains("reference_call"));
        assert!(bad.get("consent").is_some());
        assert!(bad.get("expires_on").unwrap().contains("after"));
    }

    #[test]
    fn nominations_move_forward_and_age() {
        use NominationStatus::*;
        assert!(Nominated.can_move_to(Contacted) && Contacted.can_move_to(Recruited));
        assert!(Recruited.can_move_to(Active) && Nominated.can_move_to(Declined));
        assert!(!Nominated.can_move_to(Active) && !Declined.can_move_to(Contacted));
        assert!(!Active.can_move_to(Declined));
        let today = d("2026-06-30");
        assert!(is_stale(Nominated, d("2026-06-15"), today, 14));
        assert!(!is_stale(Nominated, d("2026-06-16"), today, 14));
        assert!(!is_stale(Active, d("2026-01-01"), today, 14));
        let e = NewNomination::from_fields(&Fields::from_pairs([("contact_id", "x")])).unwrap_err();
        assert!(e.get("contact_id").is_some() && e.get("reason").is_some());
    }

    #[test]
    fn feedback_needs_an_answer() {
        let e = FeedbackData::from_fields(&Fields::new()).unwrap_err();
        assert!(e.get("helped").is_some());
        let f = FeedbackData::from_fields(&Fields::from_pairs([
            ("helped", "yes"),
            ("prospect_asked", "How long did the rollout take?"),
            ("would_repeat", "no"),
        ]))
        .unwrap();
        assert!(f.helped && f.would_repeat == Some(false));
    }
}
