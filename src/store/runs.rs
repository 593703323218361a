//! Runs and health: each source's run history (bounded), its streak of failures and the
//! overview the status page and `sources` read.

use super::*;

/// Every source's newest run.
pub(super) fn last_runs(conn: &Connection) -> Result<Vec<RunRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE id IN (SELECT max(id) FROM runs GROUP BY source_id)"
    ))?;
    let runs = stmt.query_map([], run_from_row)?;
    Ok(runs.collect::<Result<_, _>>()?)
}

/// Runs kept per source (see `record_run`).
pub(super) const RUNS_KEPT: i64 = 100;

/// The columns `run_from_row` reads, in its order.
pub(super) const RUN_COLUMNS: &str = "source_id, started, finished, ok, status, error, found, new, updated, unchanged, \
                           merged, failed, skipped, notes, next_run";

pub(super) fn run_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    let count = |i: usize| r.get::<_, i64>(i).map(|n| n as usize);
    Ok(RunRecord {
        source_id: r.get(0)?,
        started: from_ts(r.get(1)?),
        finished: from_ts(r.get(2)?),
        ok: r.get(3)?,
        status: r.get(4)?,
        error: r.get(5)?,
        found: count(6)?,
        new: count(7)?,
        updated: count(8)?,
        unchanged: count(9)?,
        merged: count(10)?,
        failed: count(11)?,
        skipped: count(12)?,
        notes: r
            .get::<_, Option<String>>(13)?
            .map(|n| n.lines().map(str::to_string).collect())
            .unwrap_or_default(),
        next_run: r.get::<_, Option<i64>>(14)?.map(from_ts),
    })
}

impl Store {
    pub fn record_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        let result = self.insert_run(run);
        self.note_write(&result);
        result
    }

    pub(super) fn insert_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        let conn = self.writer();
        conn.execute(
            "INSERT INTO runs (source_id, started, finished, ok, status, error, found, new, updated, unchanged, merged, failed,
                               skipped, notes, next_run)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                run.source_id,
                run.started.timestamp(),
                run.finished.timestamp(),
                run.ok,
                run.status,
                run.error,
                run.found as i64,
                run.new as i64,
                run.updated as i64,
                run.unchanged as i64,
                run.merged as i64,
                run.failed as i64,
                run.skipped as i64,
                (!run.notes.is_empty()).then(|| run.notes.join("\n")),
                run.next_run.map(|t| t.timestamp())
            ],
        )?;
        // Health history is for people: the last 100 runs of a source (two days at the
        // default half-hour schedule), and never more than a month. Unbounded, 5,000
        // sources on that schedule would add 240,000 rows a day.
        conn.execute(
            "DELETE FROM runs WHERE source_id = ?1 AND (started < ?2 OR id <= (
                 SELECT id FROM runs WHERE source_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?3))",
            params![
                run.source_id,
                run.started.timestamp() - 31 * 24 * 3600,
                RUNS_KEPT
            ],
        )?;
        Ok(())
    }

    /// A source's last run and its current streak of failures: what scheduling needs,
    /// without counting the source's items.
    pub fn run_streak(&self, source_id: &str) -> Result<(Option<RunRecord>, u32), StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE source_id = ?1 ORDER BY id DESC LIMIT 50"
        ))?;
        let runs: Vec<RunRecord> = stmt
            .query_map(params![source_id], run_from_row)?
            .collect::<Result<_, _>>()?;
        let failures = runs.iter().take_while(|r| !r.ok).count() as u32;
        Ok((runs.into_iter().next(), failures))
    }

    /// Every source's status-page row at once: its last run, its items, and its new
    /// items per day over the last `days` days (oldest first) in a zone `tz_offset_secs`
    /// from UTC. Three queries in all, where a query per source would hold the read
    /// connection (and the feeds waiting on it) for seconds with thousands of sources.
    pub fn overview(
        &self,
        days: u32,
        now: DateTime<Utc>,
        tz_offset_secs: i32,
    ) -> Result<std::collections::HashMap<String, SourceOverview>, StoreError> {
        let conn = self.reader();
        let mut out = std::collections::HashMap::<String, SourceOverview>::new();
        let blank = || SourceOverview {
            last: None,
            items: 0,
            flapping: 0,
            per_day: vec![0; days as usize],
        };
        for run in last_runs(&conn)? {
            let id = run.source_id.clone();
            out.entry(id).or_insert_with(blank).last = Some(run);
        }
        let mut stmt = conn
            .prepare("SELECT source_id, count(DISTINCT item_id) FROM copies GROUP BY source_id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (id, n) = row?;
            out.entry(id).or_insert_with(blank).items = n as usize;
        }
        let mut stmt = conn.prepare(
            "SELECT c.source_id, count(DISTINCT c.item_id) FROM copies c JOIN items i ON i.id = c.item_id
             WHERE i.flapping = 1 GROUP BY c.source_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (id, n) = row?;
            out.entry(id).or_insert_with(blank).flapping = n as usize;
        }
        let off = i64::from(tz_offset_secs);
        let today = (now.timestamp() + off).div_euclid(86400);
        let first = today - i64::from(days) + 1;
        let mut stmt = conn.prepare(
            "SELECT source_id, (first_seen + ?1) / 86400 AS day, count(DISTINCT item_id) FROM copies
             WHERE first_seen >= ?2 GROUP BY source_id, day",
        )?;
        let rows = stmt.query_map(params![off, first * 86400 - off], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (id, day, n) = row?;
            if let Ok(i) = usize::try_from(day - first)
                && i < days as usize
            {
                out.entry(id).or_insert_with(blank).per_day[i] = n as u32;
            }
        }
        Ok(out)
    }

    /// Every source's newest run (sources that never ran have none).
    pub fn last_runs(&self) -> Result<Vec<RunRecord>, StoreError> {
        last_runs(&self.reader())
    }

    /// The newest run of any source.
    pub fn latest_run(&self) -> Result<Option<RunRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT 1"
        ))?;
        Ok(stmt.query_map([], run_from_row)?.next().transpose()?)
    }

    /// Health of a source: its last run, its current streak of failures, its items.
    pub fn health(&self, source_id: &str) -> Result<SourceHealth, StoreError> {
        let (last, consecutive_failures) = self.run_streak(source_id)?;
        let items: i64 = self.reader().query_row(
            "SELECT count(DISTINCT item_id) FROM copies WHERE source_id = ?1",
            params![source_id],
            |r| r.get(0),
        )?;
        let flapping: i64 = self.reader().query_row(
            "SELECT count(DISTINCT c.item_id) FROM copies c JOIN items i ON i.id = c.item_id
             WHERE c.source_id = ?1 AND i.flapping = 1",
            params![source_id],
            |r| r.get(0),
        )?;
        Ok(SourceHealth {
            source_id: source_id.to_string(),
            last,
            consecutive_failures,
            items: items as usize,
            flapping: flapping as usize,
        })
    }
}
