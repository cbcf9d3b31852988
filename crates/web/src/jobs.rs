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

/// Finished jobs kept for their result pages: per user, so one user's many imports never
/// push out another's result before it is read, and in all.
const KEPT: usize = 20;
const KEPT_ALL: usize = 200;

/// Background imports one user may have running at once by default (each holds its file in
/// memory, a thread and a database connection); another waits until one ends.
pub const RUNNING_PER_USER: usize = 3;

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

/// A file to import in the background, and how.
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub options: ImportOptions,
    pub skip_invalid: bool,
}

impl ImportJobs {
    /// Starts importing the upload on a blocking thread with `store` (acting as the user who
    /// uploaded), then syncing evidence; returns the job at once, or why it may not start.
    pub fn start(
        &self,
        store: Store,
        user_id: i64,
        upload: Upload,
        running_limit: usize,
    ) -> Result<Arc<ImportJob>, String> {
        let Upload {
            file_name,
            bytes,
            options,
            skip_invalid,
        } = upload;
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
        self.admit(job.clone(), running_limit)?;
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
                            outcome.evidence_error = Some(crate::error::shown(&e));
                        }
                    }
                    Phase::Done(Box::new(outcome))
                }
                Err(e) => {
                    tracing::error!(error = %e, job = %j.id, "background import failed");
                    Phase::Failed(crate::error::shown(&e))
                }
            };
            j.set(phase);
        });
        Ok(job)
    }

    /// Keeps an import that ran in the request as a finished job, so its rejected rows can be
    /// downloaded like a background import's.
    pub fn record(
        &self,
        user_id: i64,
        file_name: String,
        bytes: u64,
        outcome: ImportOutcome,
    ) -> Arc<ImportJob> {
        let job = Arc::new(ImportJob {
            id: peerstage_store::random_token("")[..16].to_string(),
            user_id,
            kind: peerstage_core::import::ImportKind::parse(&outcome.kind)
                .unwrap_or(ImportKind::Accounts),
            file_name,
            bytes,
            started: Instant::now(),
            finished: Mutex::new(Some(Duration::ZERO)),
            read: AtomicU64::new(bytes),
            phase: Mutex::new(Phase::Done(Box::new(outcome))),
        });
        // A finished job never counts against the running limit.
        let _ = self.admit(job.clone(), usize::MAX);
        job
    }

    /// Adds a job unless its user already has `running_limit` running, then forgets the
    /// oldest finished jobs beyond those kept (running ones always stay).
    fn admit(&self, job: Arc<ImportJob>, running_limit: usize) -> Result<(), String> {
        let mut jobs = self.jobs.lock().expect("jobs lock");
        let mine_running = jobs
            .iter()
            .filter(|j| j.user_id == job.user_id && j.finished().is_none())
            .count();
        if mine_running >= running_limit {
            return Err(match mine_running {
                0 => "Large imports run in the background, and none may run now; import a smaller file.".to_string(),
                n => format!("You already have {n} imports running; start this one when one of them has finished."),
            });
        }
        let user = job.user_id;
        jobs.push_back(job);
        let forget = |jobs: &mut VecDeque<Arc<ImportJob>>, of_user: Option<i64>, keep: usize| {
            let counted = |j: &Arc<ImportJob>| {
                j.finished().is_some() && of_user.is_none_or(|u| j.user_id == u)
            };
            while jobs.iter().filter(|j| counted(j)).count() > keep {
                let oldest = jobs.iter().position(counted).expect("a finished job");
                jobs.remove(oldest);
            }
        };
        forget(&mut jobs, Some(user), KEPT);
        forget(&mut jobs, None, KEPT_ALL);
        Ok(())
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

    /// The signed-in user's job `id`; `Err` (the same for anybody else's job as for none, so
    /// ids cannot be probed) says why it may be missing.
    pub fn mine(&self, id: &str) -> Result<Arc<ImportJob>, &'static str> {
        let me = crate::auth::current().map(|u| u.user.id);
        self.jobs
            .lock()
            .expect("jobs lock")
            .iter()
            .find(|j| j.id == id && Some(j.user_id) == me)
            .cloned()
            .ok_or("There is no such import: it belongs to someone else, or the server restarted since (an import cut short by a restart saved nothing).")
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
        Self::for_user_test(1, kind, file_name, bytes, phase)
    }

    #[cfg(test)]
    fn for_user_test(
        user_id: i64,
        kind: ImportKind,
        file_name: &str,
        bytes: u64,
        phase: Phase,
    ) -> ImportJob {
        let job = ImportJob {
            id: format!("test-{user_id}-{file_name}"),
            user_id,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn job(user: i64, name: &str, done: bool) -> Arc<ImportJob> {
        let phase = if done {
            Phase::Failed("ended".into())
        } else {
            Phase::Rows { read: 0 }
        };
        Arc::new(ImportJob::for_user_test(
            user,
            ImportKind::Accounts,
            name,
            10,
            phase,
        ))
    }

    #[test]
    fn a_user_has_at_most_a_few_imports_running_and_others_are_not_held_back() {
        let jobs = ImportJobs::default();
        for n in 0..RUNNING_PER_USER {
            jobs.admit(job(1, &format!("run{n}"), false), RUNNING_PER_USER)
                .unwrap();
        }
        let err = jobs
            .admit(job(1, "one more", false), RUNNING_PER_USER)
            .unwrap_err();
        assert!(err.contains("already have 3 imports running"), "{err}");
        jobs.admit(job(2, "someone else's", false), RUNNING_PER_USER)
            .unwrap();
        // Finished ones do not count.
        jobs.admit(job(2, "done", true), RUNNING_PER_USER).unwrap();
        assert_eq!(jobs.for_user(1).len(), RUNNING_PER_USER);
        assert_eq!(jobs.for_user(2).len(), 2);
    }

    #[test]
    fn finished_jobs_are_kept_per_user_so_one_user_cannot_push_out_anothers_result() {
        let jobs = ImportJobs::default();
        jobs.admit(job(1, "mine", true), RUNNING_PER_USER).unwrap();
        for n in 0..KEPT + 5 {
            jobs.admit(job(2, &format!("theirs{n}"), true), RUNNING_PER_USER)
                .unwrap();
        }
        assert_eq!(jobs.for_user(1).len(), 1, "user 1's result stays");
        let theirs = jobs.for_user(2);
        assert_eq!(theirs.len(), KEPT);
        assert_eq!(
            theirs[0].file_name,
            format!("theirs{}", KEPT + 4),
            "newest first"
        );
        assert_eq!(theirs[KEPT - 1].file_name, "theirs5", "the oldest went");
        // A running job is never forgotten.
        jobs.admit(job(3, "running", false), RUNNING_PER_USER)
            .unwrap();
        for n in 0..KEPT_ALL {
            jobs.admit(job(100 + n as i64, "done", true), RUNNING_PER_USER)
                .unwrap();
        }
        assert_eq!(jobs.for_user(3).len(), 1);
        assert_eq!(jobs.jobs.lock().unwrap().len(), KEPT_ALL + 1);
    }
}
