//! Imports of large uploads run in the background: the upload answers at once with a page
//! that follows the import's progress, and the import goes on if the browser goes away.
//! Jobs live in memory (the last few finished ones stay, to be read); an import itself is
//! one transaction, so a server stopped mid-import leaves nothing half-written.

use peerstage_core::import::{ImportKind, ImportOptions};
use peerstage_store::{ImportOutcome, Store};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Finished jobs kept for their result pages.
const KEPT: usize = 20;

/// Where a job is.
#[derive(Debug, Clone)]
pub enum Phase {
    /// Reading, checking and writing rows: bytes of the file read so far.
    Rows { read: u64 },
    /// Turning imported notes, comments and reviews into evidence (C1): source rows done of all.
    Evidence { done: u64, of: u64 },
    /// The import's result (with `evidence_error` when it committed but its evidence sync
    /// failed).
    Done(Box<ImportOutcome>),
    /// The import stopped on a database problem; nothing was imported.
    Failed(String),
}

pub struct ImportJob {
    /// Hard to guess, so one user's job page cannot be found by counting.
    pub id: String,
    pub user_id: i64,
    pub kind: ImportKind,
    pub file_name: String,
    pub bytes: u64,
    started: Instant,
    finished: Mutex<Option<Duration>>,
    read: AtomicU64,
    phase: Mutex<Phase>,
}

impl ImportJob {
    pub fn phase(&self) -> Phase {
        match &*self.phase.lock().expect("job lock") {
            Phase::Rows { .. } => Phase::Rows {
                read: self.read.load(Ordering::Relaxed),
            },
            other => other.clone(),
        }
    }

    /// Time taken so far, or in all once finished.
    pub fn elapsed(&self) -> Duration {
        self.finished
            .lock()
            .expect("job lock")
            .unwrap_or_else(|| self.started.elapsed())
    }

    fn set(&self, phase: Phase) {
        if matches!(phase, Phase::Done(_) | Phase::Failed(_)) {
            *self.finished.lock().expect("job lock") = Some(self.started.elapsed());
        }
        *self.phase.lock().expect("job lock") = phase;
    }
}

#[derive(Default)]
pub struct ImportJobs {
    jobs: Mutex<VecDeque<Arc<ImportJob>>>,
}

impl ImportJobs {
    /// Starts importing `bytes` on a blocking thread with `store` (acting as the user who
    /// uploaded), then syncing evidence; returns the job at once.
    pub fn start(
        &self,
        store: Store,
        user_id: i64,
        file_name: String,
        bytes: Vec<u8>,
        options: ImportOptions,
        skip_invalid: bool,
    ) -> Arc<ImportJob> {
        let job = Arc::new(ImportJob {
            id: peerstage_store::random_token("")[..16].to_string(),
            user_id,
            kind: options.kind,
            file_name,
            bytes: bytes.len() as u64,
            started: Instant::now(),
            finished: Mutex::new(None),
            read: AtomicU64::new(0),
            phase: Mutex::new(Phase::Rows { read: 0 }),
        });
        {
            let mut jobs = self.jobs.lock().expect("jobs lock");
            jobs.push_back(job.clone());
            // Forget the oldest finished jobs beyond the few kept; running ones stay.
            while jobs.iter().filter(|j| j.finished().is_some()).count() > KEPT {
                let oldest = jobs
                    .iter()
                    .position(|j| j.finished().is_some())
                    .expect("a finished job");
                jobs.remove(oldest);
            }
        }
        let running = job.clone();
        tokio::task::spawn_blocking(move || {
            let j = &running;
            let outcome = store.import_csv(&bytes[..], &options, skip_invalid, |read| {
                j.read.store(read, Ordering::Relaxed)
            });
            let phase = match outcome {
                Ok(mut outcome) => {
                    if outcome.committed && peerstage_store::evidence::feeds_evidence(options.kind)
                    {
                        j.set(Phase::Evidence { done: 0, of: 0 });
                        if let Err(e) =
                            store.sync_evidence_with(|done, of| j.set(Phase::Evidence { done, of }))
                        {
                            tracing::error!(error = %e, job = %j.id, "evidence sync after an import failed");
                            outcome.evidence_error = Some(e.to_string());
                        }
                    }
                    Phase::Done(Box::new(outcome))
                }
                Err(e) => {
                    tracing::error!(error = %e, job = %j.id, "background import failed");
                    Phase::Failed(e.to_string())
                }
            };
            j.set(phase);
        });
        job
    }

    /// The jobs `user_id` started that the server still holds, newest first.
    pub fn for_user(&self, user_id: i64) -> Vec<Arc<ImportJob>> {
        let jobs = self.jobs.lock().expect("jobs lock");
        jobs.iter()
            .rev()
            .filter(|j| j.user_id == user_id)
            .cloned()
            .collect()
    }

    pub fn get(&self, id: &str) -> Option<Arc<ImportJob>> {
        self.jobs
            .lock()
            .expect("jobs lock")
            .iter()
            .find(|j| j.id == id)
            .cloned()
    }
}

impl ImportJob {
    /// Where the API reports this job.
    pub fn api_url(&self) -> String {
        format!("/api/v1/import-jobs/{}", self.id)
    }

    /// The job for the API: what it imports, where it is, and once done the same result an
    /// import in the request returns (`outcome`), or what stopped it (`error`).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "id": self.id,
            "url": self.api_url(),
            "kind": self.kind.as_str(),
            "file_name": self.file_name,
            "bytes": self.bytes,
            "elapsed_seconds": (self.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        });
        let extra = match self.phase() {
            Phase::Rows { read } => serde_json::json!({"state": "reading", "bytes_read": read}),
            Phase::Evidence { done, of } => serde_json::json!({
                "state": "evidence", "bytes_read": self.bytes, "evidence_done": done, "evidence_of": of,
            }),
            Phase::Done(outcome) => serde_json::json!({
                "state": "done", "bytes_read": self.bytes, "committed": outcome.committed, "outcome": outcome,
            }),
            Phase::Failed(error) => {
                serde_json::json!({"state": "failed", "committed": false, "error": error})
            }
        };
        if let (Some(v), serde_json::Value::Object(extra)) = (v.as_object_mut(), extra) {
            v.extend(extra);
        }
        v
    }
}

impl ImportJob {
    fn finished(&self) -> Option<Duration> {
        *self.finished.lock().expect("job lock")
    }

    /// A job in a given phase, for tests of how jobs are shown.
    #[cfg(test)]
    pub fn for_test(kind: ImportKind, file_name: &str, bytes: u64, phase: Phase) -> ImportJob {
        let job = ImportJob {
            id: "test".into(),
            user_id: 1,
            kind,
            file_name: file_name.into(),
            bytes,
            started: Instant::now(),
            finished: Mutex::new(None),
            read: AtomicU64::new(0),
            phase: Mutex::new(Phase::Rows { read: 0 }),
        };
        if let Phase::Rows { read } = phase {
            job.read.store(read, Ordering::Relaxed);
        } else {
            job.set(phase);
        }
        job
    }
}
