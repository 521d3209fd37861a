//! The in-memory queue's bookkeeping: each queue's jobs, its indexes
//! (delayed, ready, active, dead, dedup ids) and the moves between them.
//! No waiting and no workers here: [`super`] runs those.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::jobs::{Backoff, DeadJob, JobId};

/// One queue's jobs and indexes.
#[derive(Debug, Default)]
pub(super) struct Queue {
    pub(super) jobs: HashMap<u64, Entry>,
    /// Waiting jobs not yet due: (due, id).
    pub(super) delayed: BTreeSet<(Instant, u64)>,
    /// Waiting jobs that are due: (priority, due, id), the order they run in.
    pub(super) ready: BTreeSet<(u32, Instant, u64)>,
    /// Jobs a worker holds.
    pub(super) active: HashSet<u64>,
    /// Dead jobs, oldest death first: death number → id.
    pub(super) dead: BTreeMap<u64, u64>,
    /// The last death number given out.
    pub(super) last_death: u64,
    /// Dedup id → the job that holds it, kept after the job completed.
    pub(super) dedup: HashMap<String, u64>,
    /// Wakes this queue's idle workers when a job may be due sooner.
    pub(super) wake: Arc<Notify>,
}

/// A job as the queue keeps it.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) payload: String,
    pub(super) priority: u32,
    pub(super) max_attempts: u32,
    pub(super) backoff: Backoff,
    /// Runs started so far.
    pub(super) attempts: u32,
    /// Claims so far; fences a worker's writes to the claim it holds.
    pub(super) claims: u64,
    pub(super) last_error: Option<String>,
    pub(super) status: Status,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Status {
    /// In `delayed` or `ready`.
    Waiting,
    /// Held by a worker until its lease runs out (unless renewed).
    Active(Instant),
    /// In `dead` under this death number.
    Dead(u64),
}

impl Queue {
    /// Moves the delayed jobs that are due by `now` to `ready`.
    pub(super) fn promote(&mut self, now: Instant) {
        while let Some(&(due, id)) = self.delayed.first() {
            if due > now {
                break;
            }
            self.delayed.pop_first();
            if let Some(entry) = self.jobs.get(&id) {
                self.ready.insert((entry.priority, due, id));
            }
        }
    }

    /// Puts a job back among the waiting, due at `due`.
    pub(super) fn schedule(&mut self, id: u64, due: Instant, now: Instant) {
        let Some(entry) = self.jobs.get_mut(&id) else {
            return;
        };
        entry.status = Status::Waiting;
        if due <= now {
            self.ready.insert((entry.priority, due, id));
        } else {
            self.delayed.insert((due, id));
        }
    }

    /// The earliest time something may become due: a delayed job or the
    /// lease of a running one.
    pub(super) fn next_event(&self) -> Option<Instant> {
        let leases = self.active.iter().filter_map(|id| match self.jobs.get(id) {
            Some(Entry {
                status: Status::Active(until),
                ..
            }) => Some(*until),
            _ => None,
        });
        self.delayed
            .first()
            .map(|(due, _)| *due)
            .into_iter()
            .chain(leases)
            .min()
    }

    /// Moves a job to the dead letters.
    pub(super) fn kill(&mut self, id: u64, error: String) {
        self.active.remove(&id);
        if let Some(entry) = self.jobs.get_mut(&id) {
            self.last_death += 1;
            entry.status = Status::Dead(self.last_death);
            entry.last_error = Some(error);
            self.dead.insert(self.last_death, id);
        }
    }

    /// An active job whose lease ran out by `now` (its worker died).
    pub(super) fn lapsed(&self, now: Instant) -> Option<u64> {
        self.active
            .iter()
            .filter_map(|id| match self.jobs.get(id)?.status {
                Status::Active(until) if until <= now => Some((until, *id)),
                _ => None,
            })
            .min()
            .map(|(_, id)| id)
    }
}

impl Entry {
    pub(super) fn dead_job(&self, id: u64) -> DeadJob {
        DeadJob {
            id: JobId::new(id.to_string()),
            payload: self.payload.clone(),
            attempts: self.attempts,
            error: self.last_error.clone(),
        }
    }
}
