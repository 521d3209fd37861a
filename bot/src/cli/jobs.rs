//! `campanile jobs dead|retry`: dead letters, on both queues when BullMQ
//! runs the jobs.

use framework::jobs::{JobId, JobQueue};

use crate::config::Settings;

/// `jobs`' subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// List a queue's dead jobs with their last error.
    Dead {
        /// The queue: process-order, send-invoice or send-reminder.
        queue: String,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Run a dead job again (its attempts start over).
    Retry {
        /// The job's queue.
        queue: String,
        /// The job's id (from `jobs dead`).
        id: String,
    },
}

/// Runs a `jobs` subcommand.
///
/// # Errors
///
/// An unknown dead job, or a queue that cannot be read.
pub async fn run(settings: Settings, command: Command) -> anyhow::Result<()> {
    let queue = match &command {
        Command::Dead { queue, .. } | Command::Retry { queue, .. } => queue,
    };
    let known = crate::jobs::queues();
    if !known.contains(&queue.as_str()) {
        anyhow::bail!(
            "there is no queue {queue:?}; the queues are {}",
            known.join(", ")
        );
    }
    super::with_services(settings, async |services| {
        match (&services.job_runner, command) {
            // With Redis, BullMQ runs the jobs and keeps their dead letters;
            // the database queue keeps those of relays that never reached it.
            (Some(redis), command @ Command::Dead { .. }) => {
                println!("BullMQ (the jobs):");
                let ran = on(redis, command.clone()).await;
                println!("database (relays that never reached Redis):");
                ran.and(on(&services.jobs, command).await)
            }
            (Some(redis), Command::Retry { queue, id }) => {
                // A BullMQ job id, else a database job's (a relay).
                let on_redis = redis
                    .retry_dead(&queue, &JobId::new(id.clone()))
                    .await
                    .unwrap_or(false);
                if on_redis {
                    println!("job {id} of {queue} is queued again");
                    Ok(())
                } else {
                    on(&services.jobs, Command::Retry { queue, id }).await
                }
            }
            (None, command) => on(&services.jobs, command).await,
        }
    })
    .await
}

async fn on(jobs: &impl JobQueue, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Dead { queue, limit } => {
            let dead = jobs.dead(&queue, limit).await?;
            if dead.is_empty() {
                println!("no dead jobs in {queue}");
            }
            for job in dead {
                println!(
                    "#{:<6} attempts {:<3} {}  error: {}",
                    job.id,
                    job.attempts,
                    job.payload,
                    job.error.as_deref().unwrap_or("-")
                );
            }
            Ok(())
        }
        Command::Retry { queue, id } => {
            if jobs.retry_dead(&queue, &JobId::new(id.clone())).await? {
                println!("job {id} of {queue} is queued again");
                Ok(())
            } else {
                Err(anyhow::anyhow!("{queue} has no dead job {id}"))
            }
        }
    }
}
