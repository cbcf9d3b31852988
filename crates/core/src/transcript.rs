//! Transcripts of customer recordings (C2): plain text, SubRip (SRT) and WebVTT are parsed
//! into cues with their timestamps, then tiny cues are merged into items of a readable size
//! that each become one evidence row linking back to its moment in the recording.
//!
//! Malformed files are refused with the line that is wrong and why, never half-read.

use serde::Serialize;
use std::fmt;

crate::text_enum!(
    TranscriptFormat {
        Text => "text", "Plain text";
        Srt => "srt", "SubRip (SRT)";
        Vtt => "vtt", "WebVTT";
    }
);

/// A line of the file that cannot be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranscriptError {
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for TranscriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for TranscriptError {}

fn err(line: usize, message: impl Into<String>) -> TranscriptError {
    TranscriptError {
        line,
        message: message.into(),
    }
}

/// One cue (subtitle) or paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cue {
    /// Where the cue's text starts in the file.
    pub line: usize,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub speaker: Option<String>,
    pub text: String,
}

/// Longest transcript read (characters).
pub const MAX_TRANSCRIPT_CHARS: usize = 5_000_000;

/// The format from the file name, else from the content (a WEBVTT header, or an SRT cue).
pub fn detect_format(file_name: &str, text: &str) -> TranscriptFormat {
    let lower = file_name.to_lowercase();
    if lower.ends_with(".vtt") {
        return TranscriptFormat::Vtt;
    }
    if lower.ends_with(".srt") {
        return TranscriptFormat::Srt;
    }
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with("WEBVTT") {
        return TranscriptFormat::Vtt;
    }
    let mut lines = body.lines();
    if let (Some(first), Some(second)) = (lines.next(), lines.next()) {
        if first.trim().parse::<u64>().is_ok() && second.contains("-->") {
            return TranscriptFormat::Srt;
        }
    }
    TranscriptFormat::Text
}

/// Parses a transcript in the given format.
pub fn parse(text: &str, format: TranscriptFormat) -> Result<Vec<Cue>, TranscriptError> {
    if text.chars().count() > MAX_TRANSCRIPT_CHARS {
        return Err(err(
            1,
            format!("the transcript is longer than {MAX_TRANSCRIPT_CHARS} characters"),
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let cues = match format {
        TranscriptFormat::Text => parse_text(text)?,
        TranscriptFormat::Srt => parse_srt(text)?,
        TranscriptFormat::Vtt => parse_vtt(text)?,
    };
    if cues.is_empty() {
        return Err(err(1, "the transcript holds no text"));
    }
    Ok(cues)
}

/// "01:02:03,456" (SRT) or "01:02:03.456" / "02:03.456" (WebVTT) as milliseconds.
fn timestamp(s: &str, srt: bool) -> Option<i64> {
    let s = s.trim();
    let (clock, frac) = if srt {
        s.split_once(',')?
    } else {
        s.split_once('.')?
    };
    if frac.len() != 3 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let nums: Option<Vec<i64>> = parts
        .iter()
        .map(|p| {
            if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
                None
            } else {
                p.parse().ok()
            }
        })
        .collect();
    let nums = nums?;
    let (h, m, sec) = match nums.as_slice() {
        [h, m, s] => (*h, *m, *s),
        // WebVTT allows minutes:seconds; SRT always has hours.
        [m, s] if !srt => (0, *m, *s),
        _ => return None,
    };
    if m > 59 || sec > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000 + frac.parse::<i64>().ok()?)
}

/// "start --> end [settings]" as milliseconds.
fn timing(line: &str, srt: bool, n: usize) -> Result<(i64, i64), TranscriptError> {
    let example = if srt {
        "'00:01:02,500 --> 00:01:05,000'"
    } else {
        "'00:01:02.500 --> 00:01:05.000'"
    };
    let (a, rest) = line.split_once("-->").ok_or_else(|| {
        err(
            n,
            format!(
                "expected a timing line like {example}, found '{}'",
                line.trim()
            ),
        )
    })?;
    let b = rest.split_whitespace().next().unwrap_or("");
    let start = timestamp(a, srt).ok_or_else(|| {
        err(
            n,
            format!("'{}' is not a timestamp like {example}", a.trim()),
        )
    })?;
    let end = timestamp(b, srt)
        .ok_or_else(|| err(n, format!("'{b}' is not a timestamp like {example}")))?;
    if end < start {
        return Err(err(
            n,
            format!(
                "the cue ends ({}) before it starts ({})",
                b.trim(),
                a.trim()
            ),
        ));
    }
    Ok((start, end))
}

/// "Speaker: words" → (Some(Speaker), words), for short names only.
fn split_speaker(text: &str) -> (Option<String>, String) {
    if let Some((name, rest)) = text.split_once(':') {
        let name = name.trim();
        let words = name.split_whitespace().count();
        if !name.is_empty()
            && words <= 3
            && name.chars().count() <= 40
            && !name.chars().any(|c| c.is_ascii_digit())
            && name.chars().next().is_some_and(|c| c.is_uppercase())
            && !rest.trim().is_empty()
        {
            return (Some(name.to_string()), rest.trim().to_string());
        }
    }
    (None, text.to_string())
}

/// A leading "[00:01:23]", "(1:23)" or "00:01:23 " in a plain-text paragraph.
fn leading_time(text: &str) -> Option<(i64, &str)> {
    let t = text.trim_start();
    let (inner, rest) = if let Some(r) = t.strip_prefix('[') {
        r.split_once(']')?
    } else if let Some(r) = t.strip_prefix('(') {
        r.split_once(')')?
    } else {
        let end = t.find(char::is_whitespace).unwrap_or(t.len());
        (&t[..end], &t[end..])
    };
    let inner = inner.trim();
    if !inner.contains(':') {
        return None;
    }
    let (clock, frac) = match inner.split_once('.') {
        Some((c, f)) if f.len() == 3 => (c, f.parse::<i64>().ok()?),
        Some(_) => return None,
        None => (inner, 0),
    };
    let nums: Vec<i64> = clock
        .split(':')
        .map(|p| {
            if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
                None
            } else {
                p.parse().ok()
            }
        })
        .collect::<Option<Vec<i64>>>()?;
    let secs = match nums.as_slice() {
        [h, m, s] if *m < 60 && *s < 60 => (h * 60 + m) * 60 + s,
        [m, s] if *s < 60 => m * 60 + s,
        _ => return None,
    };
    Some((
        secs * 1000 + frac,
        rest.trim_start_matches([' ', '-', '–']).trim(),
    ))
}

/// Plain text: paragraphs separated by blank lines; a paragraph may start with a time
/// ("[00:01:23]") and a speaker ("Dana: …"). Times, when given, must not go backwards.
fn parse_text(text: &str) -> Result<Vec<Cue>, TranscriptError> {
    let mut cues: Vec<Cue> = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut start_line = 0;
    let flush = |para: &mut Vec<&str>,
                 line: usize,
                 cues: &mut Vec<Cue>|
     -> Result<(), TranscriptError> {
        if para.is_empty() {
            return Ok(());
        }
        let joined = para.join(" ");
        para.clear();
        let (start, rest) = match leading_time(&joined) {
            Some((ms, rest)) => (Some(ms), rest.to_string()),
            None => (None, joined.clone()),
        };
        let (speaker, body) = split_speaker(&rest);
        let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
        if body.is_empty() {
            return Ok(());
        }
        if let (Some(s), Some(prev)) = (start, cues.iter().rev().find_map(|c| c.start_ms)) {
            if s < prev {
                return Err(err(
                    line,
                    format!(
                        "the time {} comes before the paragraph above it ({}); times must not go backwards",
                        format_ms(s),
                        format_ms(prev)
                    ),
                ));
            }
        }
        cues.push(Cue {
            line,
            start_ms: start,
            end_ms: None,
            speaker,
            text: body,
        });
        Ok(())
    };
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            flush(&mut para, start_line, &mut cues)?;
            continue;
        }
        if para.is_empty() {
            start_line = i + 1;
        } else if leading_time(line).is_some() {
            // A new timestamped line starts a new paragraph even without a blank line.
            flush(&mut para, start_line, &mut cues)?;
            start_line = i + 1;
        }
        para.push(line);
    }
    flush(&mut para, start_line, &mut cues)?;
    // A timed paragraph ends where the next timed one starts.
    for i in 0..cues.len() {
        if cues[i].start_ms.is_some() {
            cues[i].end_ms = cues[i + 1..].iter().find_map(|c| c.start_ms);
        }
    }
    Ok(cues)
}

/// The blocks of a subtitle file: (first line number, lines), split on blank lines.
fn blocks(text: &str) -> Vec<(usize, Vec<&str>)> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let mut first = 0;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push((first, std::mem::take(&mut cur)));
            }
            continue;
        }
        if cur.is_empty() {
            first = i + 1;
        }
        cur.push(line);
    }
    if !cur.is_empty() {
        out.push((first, cur));
    }
    out
}

/// Removes `<i>`, `<b>`, `<c.x>`, `<00:00:01.000>` and the like; returns the speaker of a
/// `<v Name>` voice tag.
fn strip_tags(text: &str) -> (Option<String>, String) {
    let mut out = String::new();
    let mut speaker = None;
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        match rest[open..].find('>') {
            Some(close) => {
                let tag = &rest[open + 1..open + close];
                if let Some(v) = tag.strip_prefix("v ").or_else(|| tag.strip_prefix("v.")) {
                    let name = v.split_once(' ').map(|(_, n)| n).unwrap_or(v);
                    let name = if tag.starts_with("v.") { name } else { v };
                    if speaker.is_none() && !name.trim().is_empty() {
                        speaker = Some(name.trim().to_string());
                    }
                }
                rest = &rest[open + close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    let out = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ");
    (
        speaker,
        out.split_whitespace().collect::<Vec<_>>().join(" "),
    )
}

fn cue_from(line: usize, start: i64, end: i64, lines: &[&str]) -> Option<Cue> {
    let (tag_speaker, text) = strip_tags(&lines.join(" "));
    let (named, body) = split_speaker(&text);
    let speaker = tag_speaker.or(named);
    let body = body
        .trim()
        .trim_start_matches(['-', '–'])
        .trim()
        .to_string();
    if body.is_empty() {
        return None;
    }
    Some(Cue {
        line,
        start_ms: Some(start),
        end_ms: Some(end),
        speaker,
        text: body,
    })
}

/// SubRip: blocks of a cue number, a timing line `00:00:01,000 --> 00:00:04,000`, and text.
fn parse_srt(text: &str) -> Result<Vec<Cue>, TranscriptError> {
    let mut cues = Vec::new();
    for (first, lines) in blocks(text) {
        let number = lines[0].trim();
        let (timing_line, timing_at, text_from) = if number.parse::<u64>().is_ok() {
            let t = lines.get(1).ok_or_else(|| {
                err(
                    first,
                    format!("cue {number} has no timing line after its number"),
                )
            })?;
            (*t, first + 1, 2)
        } else if number.contains("-->") {
            // Tolerate a missing cue number.
            (number, first, 1)
        } else {
            return Err(err(
                first,
                format!("expected a cue number (1, 2, 3…), found '{number}'"),
            ));
        };
        let (start, end) = timing(timing_line, true, timing_at)?;
        if let Some(c) = cue_from(timing_at + 1, start, end, &lines[text_from..]) {
            cues.push(c);
        }
    }
    Ok(cues)
}

/// WebVTT: a `WEBVTT` header, then cues of an optional identifier, a timing line
/// `00:01.000 --> 00:04.000 [settings]` and text; NOTE, STYLE and REGION blocks are skipped.
fn parse_vtt(text: &str) -> Result<Vec<Cue>, TranscriptError> {
    let first_line = text.lines().next().unwrap_or("");
    if !(first_line == "WEBVTT"
        || first_line.starts_with("WEBVTT ")
        || first_line.starts_with("WEBVTT\t"))
    {
        return Err(err(
            1,
            format!(
                "a WebVTT file must start with 'WEBVTT', found '{}'",
                first_line.chars().take(40).collect::<String>()
            ),
        ));
    }
    let mut cues = Vec::new();
    for (n, (first, lines)) in blocks(text).into_iter().enumerate() {
        if n == 0 {
            // The header block (WEBVTT and any header lines).
            if let Some(pos) = lines.iter().position(|l| l.contains("-->")) {
                return Err(err(
                    first + pos,
                    "leave a blank line between the WEBVTT header and the first cue",
                ));
            }
            continue;
        }
        let head = lines[0].trim();
        if head.starts_with("NOTE") || head == "STYLE" || head == "REGION" {
            continue;
        }
        let (timing_line, at, text_from) = if head.contains("-->") {
            (head, first, 1)
        } else {
            match lines.get(1) {
                Some(t) if t.contains("-->") => (*t, first + 1, 2),
                _ => {
                    return Err(err(
                        first,
                        format!("expected a timing line like '00:01:02.500 --> 00:01:05.000' after the cue identifier '{head}'"),
                    ))
                }
            }
        };
        let (start, end) = timing(timing_line, false, at)?;
        if let Some(c) = cue_from(at + 1, start, end, &lines[text_from..]) {
            cues.push(c);
        }
    }
    Ok(cues)
}

/// One evidence-sized piece of a transcript: one or more cues merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranscriptItem {
    pub line: usize,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub speaker: Option<String>,
    pub text: String,
}

/// Items shorter than this keep taking the next cue of the same speaker.
pub const MIN_ITEM_CHARS: usize = 140;
/// Items do not grow past this many characters…
pub const MAX_ITEM_CHARS: usize = 600;
/// …or span more than this.
pub const MAX_ITEM_MS: i64 = 60_000;
/// A pause longer than this between cues starts a new item.
pub const GAP_MS: i64 = 4_000;

/// Merges tiny cues into readable items: consecutive cues of the same speaker are joined
/// while the item is under `MIN_ITEM_CHARS`, or has not yet reached the end of a sentence,
/// as long as it stays under `MAX_ITEM_CHARS` and `MAX_ITEM_MS` and there is no pause over
/// `GAP_MS`. A change of speaker always starts a new item.
pub fn merge(cues: &[Cue]) -> Vec<TranscriptItem> {
    let mut items: Vec<TranscriptItem> = Vec::new();
    for c in cues {
        if let Some(last) = items.last_mut() {
            let same_speaker = last.speaker == c.speaker || c.speaker.is_none();
            let short = last.text.chars().count() < MIN_ITEM_CHARS;
            let unfinished = !last.text.ends_with(['.', '?', '!', '"', '”']);
            let fits = last.text.chars().count() + c.text.chars().count() < MAX_ITEM_CHARS;
            let span_ok = match (last.start_ms, c.end_ms.or(c.start_ms)) {
                (Some(s), Some(e)) => e - s <= MAX_ITEM_MS,
                _ => true,
            };
            let no_gap = match (last.end_ms, c.start_ms) {
                (Some(e), Some(s)) => s - e <= GAP_MS,
                _ => true,
            };
            if same_speaker && (short || unfinished) && fits && span_ok && no_gap {
                last.text.push(' ');
                last.text.push_str(&c.text);
                if c.end_ms.is_some() {
                    last.end_ms = c.end_ms;
                }
                continue;
            }
        }
        items.push(TranscriptItem {
            line: c.line,
            start_ms: c.start_ms,
            end_ms: c.end_ms,
            speaker: c.speaker.clone(),
            text: c.text.clone(),
        });
    }
    items
}

/// Parses and merges in one go.
pub fn items(text: &str, format: TranscriptFormat) -> Result<Vec<TranscriptItem>, TranscriptError> {
    parse(text, format).map(|c| merge(&c))
}

/// "1:02:03" or "2:03" for a time in the recording.
pub fn format_ms(ms: i64) -> String {
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// The media-fragment suffix that starts playback at a moment: `#t=83.5`.
pub fn fragment(start_ms: i64, end_ms: Option<i64>) -> String {
    let secs = |ms: i64| {
        let s = format!("{:.3}", ms as f64 / 1000.0);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    match end_ms {
        Some(e) if e > start_ms => format!("#t={},{}", secs(start_ms), secs(e)),
        _ => format!("#t={}", secs(start_ms)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRT: &str = "1\n00:00:01,000 --> 00:00:03,500\nDana: We used to export everything\nto spreadsheets every Friday.\n\n2\n00:00:03,600 --> 00:00:05,000\nIt took hours.\n\n3\n00:00:09,000 --> 00:00:12,250\nSam: <i>Why</i> did you switch?\n";

    #[test]
    fn srt_cues_keep_their_times_and_speakers() {
        let cues = parse(SRT, TranscriptFormat::Srt).unwrap();
        assert_eq!(cues.len(), 3);
        assert_eq!(cues[0].start_ms, Some(1000));
        assert_eq!(cues[0].end_ms, Some(3500));
        assert_eq!(cues[0].speaker.as_deref(), Some("Dana"));
        assert_eq!(
            cues[0].text,
            "We used to export everything to spreadsheets every Friday."
        );
        assert_eq!(cues[0].line, 3);
        assert_eq!(cues[2].text, "Why did you switch?");
        assert_eq!(cues[2].start_ms, Some(9000));
        // Dana's short cues merge; the pause and the new speaker start a new item.
        let items = merge(&cues);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].start_ms, Some(1000));
        assert_eq!(items[0].end_ms, Some(5000));
        assert!(items[0].text.ends_with("It took hours."));
        assert_eq!(items[1].speaker.as_deref(), Some("Sam"));
    }

    #[test]
    fn broken_srt_files_name_the_line() {
        let e = parse(
            "1\n00:00:01,000 -> 00:00:02,000\nHello\n",
            TranscriptFormat::Srt,
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("timing line"), "{e}");
        let e = parse(
            "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:05.000 --> 00:00:06,000\nWorld\n",
            TranscriptFormat::Srt,
        )
        .unwrap_err();
        assert_eq!(e.line, 6);
        assert!(
            e.message.contains("'00:00:05.000' is not a timestamp"),
            "{e}"
        );
        let e = parse(
            "1\n00:00:01,000 --> 00:00:02,000\nHello\n\nhello again\n",
            TranscriptFormat::Srt,
        )
        .unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.message.contains("expected a cue number"), "{e}");
        let e = parse(
            "1\n00:00:09,000 --> 00:00:02,000\nBackwards\n",
            TranscriptFormat::Srt,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: the cue ends (00:00:02,000) before it starts (00:00:09,000)"
        );
        let e = parse("7\n", TranscriptFormat::Srt).unwrap_err();
        assert!(e.message.contains("no timing line"), "{e}");
        let e = parse(
            "1\n00:61:00,000 --> 00:62:00,000\nx\n",
            TranscriptFormat::Srt,
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn webvtt_with_header_notes_identifiers_settings_and_voices() {
        let vtt = "\u{feff}WEBVTT - interview\nKind: captions\n\nNOTE recorded at the summit\n\nSTYLE\n::cue { color: red }\n\nintro\n00:01.000 --> 00:04.000 align:start\n<v Dana Ruiz>Our biggest problem is the month-end close.</v>\n\n01:00:02.500 --> 01:00:05.000\n<c.loud>Renewals &amp; upsells</c> slip <00:00:03.000>every quarter.\n";
        let cues = parse(vtt, TranscriptFormat::Vtt).unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!(cues[0].start_ms, Some(1000));
        assert_eq!(cues[0].speaker.as_deref(), Some("Dana Ruiz"));
        assert_eq!(cues[0].text, "Our biggest problem is the month-end close.");
        assert_eq!(cues[0].line, 11);
        assert_eq!(cues[1].start_ms, Some(3_602_500));
        assert_eq!(cues[1].text, "Renewals & upsells slip every quarter.");
        assert_eq!(detect_format("x.txt", vtt), TranscriptFormat::Vtt);
    }

    #[test]
    fn broken_webvtt_files_name_the_line() {
        let e = parse("1\n00:01.000 --> 00:02.000\nHi\n", TranscriptFormat::Vtt).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("must start with 'WEBVTT'"), "{e}");
        let e = parse(
            "WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n\nid-2\nno timing here\n",
            TranscriptFormat::Vtt,
        )
        .unwrap_err();
        assert_eq!(e.line, 6);
        let e = parse(
            "WEBVTT\n\n00:01,000 --> 00:02.000\nHi\n",
            TranscriptFormat::Vtt,
        )
        .unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("'00:01,000' is not a timestamp"), "{e}");
        let e = parse(
            "WEBVTT\n00:01.000 --> 00:02.000\nHi\n",
            TranscriptFormat::Vtt,
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("WEBVTT\n\nNOTE only a note\n", TranscriptFormat::Vtt).unwrap_err();
        assert!(e.message.contains("no text"), "{e}");
    }

    #[test]
    fn plain_text_paragraphs_with_optional_times() {
        let text = "[00:00:05] Dana: We almost churned last spring.\nThe onboarding took three months.\n\n[00:01:10] Sam: What changed?\n\n(2:30) Dana: A named support engineer.\n";
        let cues = parse(text, TranscriptFormat::Text).unwrap();
        assert_eq!(cues.len(), 3);
        assert_eq!(cues[0].start_ms, Some(5000));
        assert_eq!(cues[0].end_ms, Some(70_000));
        assert_eq!(cues[0].speaker.as_deref(), Some("Dana"));
        assert_eq!(
            cues[0].text,
            "We almost churned last spring. The onboarding took three months."
        );
        assert_eq!(cues[2].start_ms, Some(150_000));
        assert_eq!(cues[2].end_ms, None);
        assert_eq!(cues[2].line, 6);
        let untimed = parse(
            "First thought.\n\nSecond thought.\n",
            TranscriptFormat::Text,
        )
        .unwrap();
        assert_eq!(untimed.len(), 2);
        assert_eq!(untimed[0].start_ms, None);
        let e = parse(
            "[00:02:00] later\n\n[00:01:00] earlier\n",
            TranscriptFormat::Text,
        )
        .unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("must not go backwards"), "{e}");
        assert!(parse("\n\n  \n", TranscriptFormat::Text).is_err());
    }

    #[test]
    fn merging_respects_speakers_length_and_pauses() {
        let cue = |start: i64, speaker: &str, text: &str| Cue {
            line: 1,
            start_ms: Some(start),
            end_ms: Some(start + 2000),
            speaker: Some(speaker.to_string()),
            text: text.to_string(),
        };
        let long = "x".repeat(MIN_ITEM_CHARS) + ".";
        let items = merge(&[
            cue(0, "A", "Short"),
            cue(2000, "A", "and unfinished"),
            cue(4000, "A", "sentence."),
            cue(6000, "A", &long),
            cue(8000, "A", "New item, the last one was long enough."),
            cue(30_000, "A", "After a pause."),
            cue(32_000, "B", "Another speaker."),
        ]);
        let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts[0], format!("Short and unfinished sentence. {long}"));
        assert_eq!(texts[1], "New item, the last one was long enough.");
        assert_eq!(texts[2], "After a pause.");
        assert_eq!(texts[3], "Another speaker.");
    }

    #[test]
    fn formats_and_fragments() {
        assert_eq!(format_ms(83_500), "1:23");
        assert_eq!(format_ms(3_723_000), "1:02:03");
        assert_eq!(fragment(83_500, None), "#t=83.5");
        assert_eq!(fragment(83_000, Some(90_250)), "#t=83,90.25");
        assert_eq!(detect_format("call.SRT", ""), TranscriptFormat::Srt);
        assert_eq!(
            detect_format("notes.txt", "1\n00:00:01,000 --> 00:00:02,000\nx"),
            TranscriptFormat::Srt
        );
        assert_eq!(detect_format("notes.txt", "Hello"), TranscriptFormat::Text);
    }
}
