//! A progress bar on the terminal (stderr), silent when stderr is not a terminal.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Bar {
    label: String,
    total: u64,
    started: Instant,
    last_draw: Option<Instant>,
    enabled: bool,
    drawn: bool,
    /// The rate is shown in rows rather than megabytes.
    rows: bool,
    /// The widest line drawn, cleared by `finish`.
    drawn_width: usize,
}

impl Bar {
    pub fn new(label: &str, total: u64) -> Self {
        Bar {
            label: label.to_string(),
            total,
            started: Instant::now(),
            last_draw: None,
            enabled: std::io::stderr().is_terminal(),
            drawn: false,
            rows: false,
            drawn_width: 0,
        }
    }

    /// A bar that counts rows.
    pub fn rows(label: &str, total: u64) -> Self {
        Bar {
            rows: true,
            ..Bar::new(label, total)
        }
    }

    /// Sets the total once it is known.
    pub fn set_total(&mut self, total: u64) {
        self.total = total;
    }

    fn due(&mut self) -> bool {
        let now = Instant::now();
        if self.enabled
            && self
                .last_draw
                .is_none_or(|t| now - t >= Duration::from_millis(100))
        {
            self.last_draw = Some(now);
            true
        } else {
            false
        }
    }

    /// Bytes (or rows) done out of the total.
    pub fn set(&mut self, done: u64) {
        if !self.due() {
            return;
        }
        let frac = if self.total == 0 {
            0.0
        } else {
            (done as f64 / self.total as f64).min(1.0)
        };
        let width = 30;
        let filled = (frac * width as f64) as usize;
        let per_sec = done as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = if self.rows {
            format!("{per_sec:.0} rows/s")
        } else {
            format!("{:.1} MB/s", per_sec / 1e6)
        };
        self.draw(format!(
            "{} [{}{}] {:>3.0}% {rate} ",
            self.label,
            "#".repeat(filled),
            " ".repeat(width - filled),
            frac * 100.0,
        ));
    }

    /// A count with no known total.
    pub fn set_label_count(&mut self, label: &str, done: u64) {
        if !self.due() {
            return;
        }
        self.draw(format!("{}: {label} {done} rows…", self.label));
    }

    /// Redraws the line in place, padded over a longer previous one.
    fn draw(&mut self, line: String) {
        let width = line.chars().count();
        let pad = self.drawn_width.saturating_sub(width);
        eprint!("\r{line}{}", " ".repeat(pad));
        let _ = std::io::stderr().flush();
        self.drawn_width = self.drawn_width.max(width);
        self.drawn = true;
    }

    pub fn finish(&mut self) {
        if self.drawn {
            eprint!("\r{}\r", " ".repeat(self.drawn_width));
            let _ = std::io::stderr().flush();
        }
    }
}
