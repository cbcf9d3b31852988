//! `peerstage lint-questions FILE`: the interview-question linter (C6) at the command line.

use anyhow::{anyhow, Context, Result};
use peerstage_core::questions::{lint_guide, GuideReport};
use serde_json::{json, Value};
use std::io::Read;
use std::path::Path;

/// Exit codes: 0 when no question is flagged, 1 when at least one is, 2 when the guide
/// cannot be read or holds no question.
pub const EXIT_FLAGGED: i32 = 1;
pub const EXIT_UNREADABLE: i32 = 2;

fn read_guide(file: &Path) -> Result<(String, String)> {
    let shown = file.display().to_string();
    let bytes = if shown == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .context("cannot read standard input")?;
        b
    } else {
        std::fs::read(file).with_context(|| format!("cannot read {shown}"))?
    };
    let text = String::from_utf8(bytes).map_err(|_| {
        anyhow!("{shown}: the file is not UTF-8 text; save it as UTF-8 text or Markdown")
    })?;
    Ok((shown, text))
}

pub fn report_json(file: &str, r: &GuideReport) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    v["file"] = json!(file);
    v["total"] = json!(r.questions.len());
    v["flagged"] = json!(r.flagged());
    v["counts"] = Value::Object(
        r.counts()
            .into_iter()
            .map(|(rule, n)| (rule.as_str().to_string(), json!(n)))
            .collect(),
    );
    v
}

/// Lints the guide and prints the result; returns the exit code.
pub fn lint_questions(file: &Path, as_json: bool) -> Result<i32> {
    let (shown, text) = match read_guide(file) {
        Ok(ok) => ok,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(EXIT_UNREADABLE);
        }
    };
    let report = match lint_guide(&text) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {shown}: {e}");
            return Ok(EXIT_UNREADABLE);
        }
    };
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report_json(&shown, &report))?
        );
    } else {
        for q in &report.questions {
            if q.flags.is_empty() {
                continue;
            }
            let rules: Vec<&str> = q.flags.iter().map(|f| f.rule.as_str()).collect();
            println!("{shown}:{}: {}  [{}]", q.line, q.text, rules.join(", "));
            for f in &q.flags {
                println!("    {}: {}", f.rule.as_str(), f.why);
            }
            if let Some(r) = q.rewrite() {
                println!("    rewrite: {r}");
            }
        }
        let counts: Vec<String> = report
            .counts()
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(r, n)| format!("{} {n}", r.as_str()))
            .collect();
        println!(
            "{shown}: {} questions, {} flagged{}",
            report.questions.len(),
            report.flagged(),
            if counts.is_empty() {
                String::new()
            } else {
                format!(" ({})", counts.join(", "))
            }
        );
    }
    Ok(if report.flagged() > 0 {
        EXIT_FLAGGED
    } else {
        0
    })
}
