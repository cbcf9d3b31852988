//! Money is held as whole currency units (i64); this formats it for people.

/// `1234567` → `"1,234,567"`, `-500` → `"-500"`.
pub fn format_amount(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A short form for charts and cards: `1.2M`, `45k`.
pub fn format_compact(v: i64) -> String {
    let a = v.unsigned_abs() as f64;
    let sign = if v < 0 { "-" } else { "" };
    if a >= 1e9 {
        format!("{sign}{:.1}B", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}{:.1}M", a / 1e6)
    } else if a >= 1e4 {
        format!("{sign}{:.0}k", a / 1e3)
    } else {
        format!("{sign}{a}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_by_thousands() {
        assert_eq!(format_amount(0), "0");
        assert_eq!(format_amount(999), "999");
        assert_eq!(format_amount(1000), "1,000");
        assert_eq!(format_amount(-1234567), "-1,234,567");
        assert_eq!(format_compact(1_250_000), "1.2M");
        assert_eq!(format_compact(45_000), "45k");
    }
}
