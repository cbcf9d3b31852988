//! An iCalendar (RFC 5545) writer for events and their sessions (D7): CRLF line ends, lines
//! folded at 75 octets without splitting a character, TEXT values escaped, UID and DTSTAMP
//! on every VEVENT, and local times with a TZID whose VTIMEZONE is generated from the IANA
//! database for the years the calendar covers.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// When a calendar entry happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcsTime {
    /// An all-day entry (`VALUE=DATE`).
    Date(NaiveDate),
    /// A wall-clock time in the calendar's time zone.
    Local(NaiveDateTime),
}

#[derive(Debug, Clone, PartialEq)]
pub struct IcsEvent {
    /// Globally unique and stable: the same session always has the same UID.
    pub uid: String,
    pub summary: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub categories: Vec<String>,
    pub start: IcsTime,
    /// Exclusive: the day after the last day for all-day entries.
    pub end: IcsTime,
    pub last_modified: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// `X-WR-CALNAME`, shown by most calendar programs.
    pub name: String,
    pub tz: Tz,
    pub events: Vec<IcsEvent>,
}

const PRODID: &str = "-//peerstage//peerstage events//EN";

/// Escapes a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 3.3.11).
/// Other control characters are dropped.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line at 75 octets (RFC 5545 3.1): continuation lines begin with a
/// space, and a UTF-8 character is never split. Lines end with CRLF.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
    out
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

fn local_text(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// The offset in force at a UTC instant: seconds east of UTC, whether it is daylight time,
/// and its abbreviation.
fn offset_at(tz: Tz, utc: NaiveDateTime) -> (i32, bool, String) {
    let o = tz.offset_from_utc_datetime(&utc);
    let total = (o.base_utc_offset() + o.dst_offset()).num_seconds() as i32;
    let abbr = o.abbreviation().unwrap_or("").to_string();
    (total, !o.dst_offset().is_zero(), abbr)
}

/// One change of offset: the UTC instant and the offsets around it.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub at_utc: NaiveDateTime,
    pub from: i32,
    pub to: i32,
    pub dst: bool,
    pub abbreviation: String,
}

/// The offset changes of `tz` in the years `from_year..=to_year`, found by stepping a day at
/// a time and narrowing each change to the second.
pub fn transitions(tz: Tz, from_year: i32, to_year: i32) -> Vec<Transition> {
    let mut out = Vec::new();
    let Some(mut day) = NaiveDate::from_ymd_opt(from_year, 1, 1) else {
        return out;
    };
    let end = NaiveDate::from_ymd_opt(to_year + 1, 1, 1).unwrap_or(day);
    let mut prev = offset_at(tz, day.and_hms_opt(0, 0, 0).unwrap_or_default());
    while day < end {
        let next_day = day + Duration::days(1);
        let t0 = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        let t1 = next_day.and_hms_opt(0, 0, 0).unwrap_or_default();
        let next = offset_at(tz, t1);
        if next.0 != prev.0 || next.1 != prev.1 {
            // The change happens in (t0, t1]: find the first second with the new offset.
            let (mut lo, mut hi) = (0i64, 86_400i64);
            while hi - lo > 1 {
                let mid = (lo + hi) / 2;
                let o = offset_at(tz, t0 + Duration::seconds(mid));
                if o.0 == prev.0 && o.1 == prev.1 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push(Transition {
                at_utc: t0 + Duration::seconds(hi),
                from: prev.0,
                to: next.0,
                dst: next.1,
                abbreviation: next.2.clone(),
            });
        }
        prev = next;
        day = next_day;
    }
    out
}

/// A VTIMEZONE for `tz` that covers the years given: the offset in force at the start of
/// the first year, then each change.
pub fn vtimezone(tz: Tz, from_year: i32, to_year: i32) -> Vec<String> {
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{}", tz.name())];
    let start = NaiveDate::from_ymd_opt(from_year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let (off, dst, abbr) = offset_at(tz, start);
    let mut component = |dst: bool, local: NaiveDateTime, from: i32, to: i32, abbr: &str| {
        let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
        lines.push(format!("BEGIN:{kind}"));
        lines.push(format!("DTSTART:{}", local_text(local)));
        lines.push(format!("TZOFFSETFROM:{}", offset_text(from)));
        lines.push(format!("TZOFFSETTO:{}", offset_text(to)));
        if !abbr.is_empty() {
            lines.push(format!("TZNAME:{}", escape_text(abbr)));
        }
        lines.push(format!("END:{kind}"));
    };
    component(dst, start + Duration::seconds(off as i64), off, off, &abbr);
    for t in transitions(tz, from_year, to_year) {
        // DTSTART of an onset is the local time before it, in the old offset.
        let local = t.at_utc + Duration::seconds(t.from as i64);
        component(t.dst, local, t.from, t.to, &t.abbreviation);
    }
    lines.push("END:VTIMEZONE".to_string());
    lines
}

fn year_of(t: IcsTime) -> i32 {
    match t {
        IcsTime::Date(d) => d.year(),
        IcsTime::Local(t) => t.year(),
    }
}

fn time_line(name: &str, t: IcsTime, tz: Tz) -> String {
    match t {
        IcsTime::Date(d) => format!("{name};VALUE=DATE:{}", d.format("%Y%m%d")),
        IcsTime::Local(t) => format!("{name};TZID={}:{}", tz.name(), local_text(t)),
    }
}

/// The whole calendar as RFC 5545 text. `dtstamp` is when it was produced.
pub fn write(cal: &Calendar, dtstamp: DateTime<Utc>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        format!("PRODID:{PRODID}"),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("X-WR-CALNAME:{}", escape_text(&cal.name)),
        format!("X-WR-TIMEZONE:{}", cal.tz.name()),
    ];
    let local: Vec<i32> = cal
        .events
        .iter()
        .flat_map(|e| [e.start, e.end])
        .filter(|t| matches!(t, IcsTime::Local(_)))
        .map(year_of)
        .collect();
    if let (Some(a), Some(b)) = (local.iter().min(), local.iter().max()) {
        lines.extend(vtimezone(cal.tz, *a, *b));
    }
    let stamp = dtstamp.format("%Y%m%dT%H%M%SZ").to_string();
    for e in &cal.events {
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", escape_text(&e.uid)));
        lines.push(format!("DTSTAMP:{stamp}"));
        lines.push(time_line("DTSTART", e.start, cal.tz));
        lines.push(time_line("DTEND", e.end, cal.tz));
        lines.push(format!("SUMMARY:{}", escape_text(&e.summary)));
        if let Some(l) = &e.location {
            lines.push(format!("LOCATION:{}", escape_text(l)));
        }
        if let Some(d) = &e.description {
            lines.push(format!("DESCRIPTION:{}", escape_text(d)));
        }
        if !e.categories.is_empty() {
            let cats: Vec<String> = e.categories.iter().map(|c| escape_text(c)).collect();
            lines.push(format!("CATEGORIES:{}", cats.join(",")));
        }
        if let Some(m) = e.last_modified {
            lines.push(format!("LAST-MODIFIED:{}", m.format("%Y%m%dT%H%M%SZ")));
        }
        lines.push("STATUS:CONFIRMED".into());
        lines.push("TRANSP:OPAQUE".into());
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    lines.iter().map(|l| fold(l)).collect()
}

/// Reverses `escape_text` (for tests and readers of our own files).
pub fn unescape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') | Some('N') => out.push('\n'),
                Some(o) => out.push(o),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn sample() -> Calendar {
        Calendar {
            name: "Customer Summit, Oslo; 2026".into(),
            tz: "Europe/Oslo".parse().unwrap(),
            events: vec![
                IcsEvent {
                    uid: "event-1@peerstage".into(),
                    summary: "Customer Summit, Oslo; 2026".into(),
                    description: Some(
                        "Line one\nLine two, with a comma; a semicolon and a \\ backslash."
                            .repeat(4),
                    ),
                    location: Some("Operahuset, Kirsten Flagstads plass 1, Oslo".into()),
                    categories: vec!["Conference".into()],
                    start: IcsTime::Date(NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()),
                    end: IcsTime::Date(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()),
                    last_modified: None,
                },
                IcsEvent {
                    uid: "event-1-session-7@peerstage".into(),
                    summary: "Fireside: Ærlig talt — what we learned 🚀".repeat(3),
                    description: None,
                    location: Some("Main hall".into()),
                    categories: vec!["Fireside chat".into(), "Customers' issues".into()],
                    start: IcsTime::Local(dt("2026-03-29 09:00")),
                    end: IcsTime::Local(dt("2026-03-29 10:30")),
                    last_modified: None,
                },
            ],
        }
    }

    #[test]
    fn escaping_and_folding_follow_rfc_5545() {
        assert_eq!(escape_text("a,b;c\\d\r\ne\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
        assert_eq!(unescape_text(&escape_text("a,b;c\\d\ne")), "a,b;c\\d\ne");
        let long = format!("SUMMARY:{}", "é".repeat(100));
        let folded = fold(&long);
        for l in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        // Unfolding gives the line back.
        assert_eq!(folded.replace("\r\n ", "").trim_end(), long);
        assert_eq!(fold("short"), "short\r\n");
    }

    #[test]
    fn oslo_has_its_daylight_saving_changes_to_the_second() {
        let t = transitions("Europe/Oslo".parse().unwrap(), 2026, 2026);
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].at_utc, t[0].from, t[0].to, t[0].dst),
            (dt("2026-03-29 01:00"), 3600, 7200, true)
        );
        assert_eq!(
            (t[1].at_utc, t[1].from, t[1].to, t[1].dst),
            (dt("2026-10-25 01:00"), 7200, 3600, false)
        );
        assert!(transitions(chrono_tz::UTC, 2026, 2027).is_empty());
        assert_eq!(offset_text(-16200), "-0430");
        assert_eq!(offset_text(19800), "+0530");
    }

    #[test]
    fn an_independent_parser_reads_what_we_write() {
        let text = write(
            &sample(),
            Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap(),
        );
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        for l in text.split("\r\n") {
            assert!(l.len() <= 75, "line of {} octets: {l}", l.len());
            assert!(!l.contains('\n'));
        }
        let mut parser = ical::IcalParser::new(BufReader::new(text.as_bytes()));
        let cal = parser.next().expect("a calendar").expect("parses");
        assert!(parser.next().is_none());
        let prop = |props: &[ical::property::Property], name: &str| {
            props
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.value.clone())
        };
        assert_eq!(prop(&cal.properties, "VERSION").as_deref(), Some("2.0"));
        assert!(prop(&cal.properties, "PRODID").is_some());
        assert_eq!(cal.timezones.len(), 1);
        let tz = &cal.timezones[0];
        assert_eq!(prop(&tz.properties, "TZID").as_deref(), Some("Europe/Oslo"));
        let kinds: Vec<String> = tz
            .transitions
            .iter()
            .map(|t| format!("{:?}", t.transition))
            .collect();
        assert_eq!(kinds.len(), 3, "{kinds:?}");
        assert_eq!(cal.events.len(), 2);
        let e0 = &cal.events[0];
        assert_eq!(
            prop(&e0.properties, "UID").as_deref(),
            Some("event-1@peerstage")
        );
        assert_eq!(
            prop(&e0.properties, "DTSTAMP").as_deref(),
            Some("20261126T100000Z")
        );
        assert_eq!(
            unescape_text(&prop(&e0.properties, "SUMMARY").unwrap()),
            "Customer Summit, Oslo; 2026"
        );
        assert_eq!(
            unescape_text(&prop(&e0.properties, "DESCRIPTION").unwrap()),
            sample().events[0].description.clone().unwrap()
        );
        let start = e0.properties.iter().find(|p| p.name == "DTSTART").unwrap();
        assert_eq!(start.value.as_deref(), Some("20260329"));
        let e1 = &cal.events[1];
        let start = e1.properties.iter().find(|p| p.name == "DTSTART").unwrap();
        assert_eq!(start.value.as_deref(), Some("20260329T090000"));
        let params = start.params.clone().unwrap();
        assert!(params
            .iter()
            .any(|(k, v)| k == "TZID" && v == &vec!["Europe/Oslo".to_string()]));
        assert_eq!(
            unescape_text(&prop(&e1.properties, "SUMMARY").unwrap()),
            sample().events[1].summary
        );
    }
}
