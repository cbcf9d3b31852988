//! Loads the deterministic demo company (F6) through the same validation as a CSV import.

use crate::{ImportCounts, Result, Store, StoreError};
use peerstage_core::demo::Demo;
use peerstage_core::import::{ImportKind, ImportPlan, Validator};

const CHUNK: usize = 50_000;

impl Store {
    /// Imports every kind of demo row, in chunks of one transaction each. `progress` gets
    /// (kind, rows done so far).
    pub fn load_demo(
        &self,
        demo: &mut Demo,
        mut progress: impl FnMut(ImportKind, u64),
    ) -> Result<Vec<(ImportKind, ImportCounts)>> {
        let mut out = Vec::new();
        for kind in ImportKind::ALL.iter().copied() {
            let plan = ImportPlan::canonical(kind);
            let lookups = self.lookups(kind)?;
            let mut validator = Validator::new(&plan, &lookups);
            let mut total = ImportCounts::default();
            let mut done = 0u64;
            loop {
                let rows = demo.next_chunk(kind, CHUNK);
                if rows.is_empty() {
                    break;
                }
                let mut records = Vec::with_capacity(rows.len());
                for row in &rows {
                    done += 1;
                    let cells: Vec<&str> = row.iter().map(String::as_str).collect();
                    let record = validator.row(done + 1, &cells).map_err(|errors| {
                        StoreError::Database(format!(
                            "demo generated an invalid {kind} row: {errors:?}"
                        ))
                    })?;
                    records.push(record);
                }
                let counts = self.import_records(kind, &records)?;
                total.inserted += counts.inserted;
                total.updated += counts.updated;
                total.unchanged += counts.unchanged;
                progress(kind, done);
            }
            out.push((kind, total));
        }
        Ok(out)
    }

    /// Deletes every account and what hangs off it (for `demo --reset`).
    pub fn clear_customers(&self) -> Result<()> {
        self.transaction(|c| {
            c.batch("DELETE FROM touchpoint_contacts; DELETE FROM nps_responses; DELETE FROM commitments; DELETE FROM touchpoints; DELETE FROM contacts; DELETE FROM accounts;")?;
            Ok(())
        })
    }
}
