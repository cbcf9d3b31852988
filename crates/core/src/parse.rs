//! Parsers shared by web forms, JSON and CSV import: each turns user text into a typed
//! value or a reason a person can act on.

use chrono::NaiveDate;

pub const MAX_TEXT: usize = 200;
pub const MAX_NOTES: usize = 20_000;

/// Defines a closed set of values stored and exchanged as snake_case text.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
            /// Accepts the stored text or the label, case-insensitively, with spaces, dashes or underscores.
            pub fn parse(input: &str) -> Result<Self, String> {
                // Fast path: the stored spelling, as exports and most imports carry it.
                $(
                    if input == $text {
                        return Ok($name::$variant);
                    }
                )+
                let norm = $crate::parse::normalize_key(input);
                $(
                    if norm == $crate::parse::normalize_key($text) || norm == $crate::parse::normalize_key($label) {
                        return Ok($name::$variant);
                    }
                )+
                let allowed: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                Err(format!("unknown value '{}' (expected one of: {})", input.trim(), allowed.join(", ")))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub fn normalize_key(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '/' | '&'))
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// Required text: trimmed, not empty, at most `max` characters.
pub fn required_text(input: &str, max: usize) -> Result<String, String> {
    let t = input.trim();
    if t.is_empty() {
        return Err("is required".into());
    }
    bounded(t, max)
}

/// Optional text: empty becomes `None`.
pub fn optional_text(input: &str, max: usize) -> Result<Option<String>, String> {
    let t = input.trim();
    if t.is_empty() {
        Ok(None)
    } else {
        bounded(t, max).map(Some)
    }
}

fn bounded(t: &str, max: usize) -> Result<String, String> {
    if t.len() > max && t.chars().count() > max {
        return Err(format!(
            "is too long ({} characters, at most {max})",
            t.chars().count()
        ));
    }
    if has_control(t) {
        return Err("contains control characters".into());
    }
    Ok(t.to_string())
}

/// Whether `t` holds a control character (Unicode category Cc) other than tab and line
/// breaks, read from the UTF-8 bytes (imports check every cell of millions of rows): C0 and
/// DEL are single bytes, C1 (U+0080–U+009F) is `0xC2` followed by `0x80`–`0x9F`.
fn has_control(t: &str) -> bool {
    let b = t.as_bytes();
    // Most text has none of the bytes that may start one: checked 32 at a time without
    // branches (the compiler turns the inner fold into vector instructions).
    let suspect = |c: &[u8]| {
        c.iter().fold(false, |acc, &x| {
            acc | (x < 0x20) | (x == 0x7f) | (x == 0xc2)
        })
    };
    if !b.chunks(32).any(suspect) {
        return false;
    }
    b.iter().enumerate().any(|(i, &x)| match x {
        b'\t' | b'\n' | b'\r' => false,
        0..=0x1f | 0x7f => true,
        0xc2 => matches!(b.get(i + 1), Some(0x80..=0x9f)),
        _ => false,
    })
}

/// A whole number; thousands separators (`,` or `_`) are accepted.
pub fn optional_int(input: &str, min: i64, max: i64) -> Result<Option<i64>, String> {
    let t: String = input
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '_')
        .collect();
    if t.is_empty() {
        return Ok(None);
    }
    let n: i64 = match t.parse::<i64>() {
        Ok(n) => n,
        Err(_) => match t.parse::<f64>() {
            Ok(f) if f.fract() == 0.0 && f.is_finite() => f as i64,
            _ => return Err(format!("'{}' is not a whole number", input.trim())),
        },
    };
    if n < min || n > max {
        // The number as written: one too large for 64 bits would read as 9223372036854775807.
        return Err(format!("{} is out of range ({min} to {max})", input.trim()));
    }
    Ok(Some(n))
}

/// An amount of money in whole currency units: `1250000`, `1,250,000.40`, `$12.5k` is not accepted.
/// Cents are rounded to the nearest unit.
pub fn optional_money(input: &str) -> Result<Option<i64>, String> {
    let raw = input.trim();
    let t: String = raw
        .trim_start_matches(['$', '€', '£'])
        .chars()
        .filter(|c| *c != ',' && *c != '_' && *c != ' ')
        .collect();
    if t.is_empty() {
        return Ok(None);
    }
    let valid = t
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && t.chars().filter(|c| *c == '.').count() <= 1
        && !t[1..].contains('-');
    let value = if valid { t.parse::<f64>().ok() } else { None };
    match value {
        Some(v) if v.is_finite() && v.abs() < 1e15 => {
            if v < 0.0 {
                Err(format!("{raw} is negative"))
            } else {
                Ok(Some(v.round() as i64))
            }
        }
        _ => Err(format!("'{raw}' is not an amount of money")),
    }
}

/// A calendar date as `YYYY-MM-DD` (also `YYYY/MM/DD`, or a timestamp starting with a date).
pub fn optional_date(input: &str) -> Result<Option<NaiveDate>, String> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Some(d) = iso_date(t) {
        return Ok(Some(d));
    }
    let head: String = t.chars().take(10).collect();
    let head = head.replace('/', "-");
    let rest = &t[t.char_indices().nth(10).map(|(i, _)| i).unwrap_or(t.len())..];
    let rest_ok = rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ');
    match NaiveDate::parse_from_str(&head, "%Y-%m-%d") {
        Ok(d) if rest_ok && head.len() == 10 => Ok(Some(d)),
        _ => Err(format!("'{t}' is not a date (expected YYYY-MM-DD)")),
    }
}

/// `YYYY-MM-DD` exactly, without the general parser's overhead.
fn iso_date(t: &str) -> Option<NaiveDate> {
    let b = t.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32)
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

pub fn required_date(input: &str) -> Result<NaiveDate, String> {
    optional_date(input)?.ok_or_else(|| "is required".to_string())
}

/// yes/no, true/false, y/n, 1/0; empty is `default`.
pub fn bool_or(input: &str, default: bool) -> Result<bool, String> {
    match input.trim().to_ascii_lowercase().as_str() {
        "" => Ok(default),
        "1" | "true" | "yes" | "y" | "on" | "t" => Ok(true),
        "0" | "false" | "no" | "n" | "off" | "f" => Ok(false),
        other => Err(format!("'{other}' is not yes/no")),
    }
}

/// A list separated by `;` (or `,` when no `;` is present); items trimmed, empties dropped.
pub fn list(input: &str, max_item: usize) -> Result<Vec<String>, String> {
    let sep = if input.contains(';') { ';' } else { ',' };
    let mut out: Vec<String> = Vec::new();
    for item in input.split(sep) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let item = bounded(item, max_item)?;
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&item)) {
            out.push(item);
        }
    }
    Ok(out)
}

pub fn optional_email(input: &str) -> Result<Option<String>, String> {
    let Some(e) = optional_text(input, MAX_TEXT)? else {
        return Ok(None);
    };
    let mut parts = e.split('@');
    let (local, domain) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if parts.next().is_some()
        || local.is_empty()
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || e.contains(char::is_whitespace)
    {
        return Err(format!("'{e}' is not an email address"));
    }
    Ok(Some(e))
}

pub fn optional_url(input: &str) -> Result<Option<String>, String> {
    let Some(u) = optional_text(input, 500)? else {
        return Ok(None);
    };
    if !(u.starts_with("https://") || u.starts_with("http://")) || u.contains(char::is_whitespace) {
        return Err(format!("'{u}' is not a web address (http:// or https://)"));
    }
    Ok(Some(u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_accepts_common_spellings_and_rejects_words() {
        assert_eq!(optional_money("1,250,000").unwrap(), Some(1_250_000));
        assert_eq!(optional_money("$99.6").unwrap(), Some(100));
        assert_eq!(optional_money(" ").unwrap(), None);
        assert!(optional_money("12k").is_err());
        assert!(optional_money("-5").unwrap_err().contains("negative"));
        assert!(optional_money("1.2.3").is_err());
    }

    #[test]
    fn dates_are_iso_and_errors_say_the_format() {
        assert_eq!(
            optional_date("2024-02-29").unwrap(),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(
            optional_date("2024/03/01T10:00:00Z").unwrap(),
            NaiveDate::from_ymd_opt(2024, 3, 1)
        );
        assert!(optional_date("2023-02-29")
            .unwrap_err()
            .contains("YYYY-MM-DD"));
        assert!(optional_date("03/01/2024").is_err());
        assert!(optional_date("2024-03-01x").is_err());
    }

    #[test]
    fn control_characters_are_found_from_bytes_as_unicode_defines_them() {
        let by_chars = |t: &str| {
            t.chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        };
        let mut samples: Vec<String> = vec![
            "plain".into(),
            "tab\there\nand\r\nlines".into(),
            "ünïcödé, 日本, emoji 🎉, nbsp\u{a0}".into(),
            "Ā and ¡ and ¿".into(),
        ];
        for c in (0u32..0x250).filter_map(char::from_u32) {
            samples.push(format!("a{c}b"));
        }
        for t in &samples {
            assert_eq!(has_control(t), by_chars(t), "{t:?}");
        }
    }

    #[test]
    fn ints_and_bools() {
        assert_eq!(optional_int("1,200", 0, 10_000).unwrap(), Some(1200));
        assert!(optional_int("12.5", 0, 100).is_err());
        assert!(optional_int("500", 0, 100)
            .unwrap_err()
            .contains("out of range"));
        assert_eq!(
            optional_int("99999999999999999999", 0, 100).unwrap_err(),
            "99999999999999999999 is out of range (0 to 100)"
        );
        assert!(optional_int("1e30", 0, 100)
            .unwrap_err()
            .starts_with("1e30 is out of range"));
        assert!(bool_or("Yes", false).unwrap());
        assert!(!bool_or("", false).unwrap());
        assert!(bool_or("maybe", false).is_err());
    }

    #[test]
    fn text_rules() {
        assert_eq!(required_text("  x ", 5).unwrap(), "x");
        assert!(required_text("   ", 5).unwrap_err().contains("required"));
        assert!(required_text("abcdef", 5).unwrap_err().contains("too long"));
        assert!(required_text("a\u{0}b", 5).is_err());
        assert_eq!(list("a; b;;A", 10).unwrap(), vec!["a", "b"]);
        assert!(optional_email("x@y").is_err());
        assert_eq!(optional_email("a@b.co").unwrap().as_deref(), Some("a@b.co"));
        assert!(optional_url("javascript:alert(1)").is_err());
    }
}
