// Node's own BullMQ, the baseline of tests/benches/jobs.rs: enqueues JOBS
// no-op jobs with CONCURRENCY adds in flight, then processes them with one
// Worker of that concurrency, on the same Redis and in the same shape as
// our queue's half of the benchmark (job name = queue name, data
// {"n": i}, 3 attempts, exponential backoff from 1 s, completed jobs
// kept). Prints one JSON line: {"bullmq" (its version), "jobs",
// "enqueue_ms", "process_ms", "cpu_ms" (this process's CPU time over both)}.
//
// Started by the Rust bench; by hand (`npm ci` first):
//   JOBS=1000 CONCURRENCY=50 PREFIX=campanile-bench-x QUEUE=noop node bench.js
// The keys it leaves under PREFIX are the caller's to delete.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { Queue, Worker } = require('bullmq');
const IORedis = require('ioredis');

const VERSION = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'node_modules', 'bullmq', 'package.json'), 'utf8'),
).version;

const env = (name, fallback) => process.env[name] ?? fallback;
const JOBS = Number(env('JOBS', '100000'));
const CONCURRENCY = Number(env('CONCURRENCY', '50'));
const PREFIX = env('PREFIX', `campanile-bench-node-${process.pid}`);
const QUEUE = env('QUEUE', 'noop');
const REDIS_URL = env('REDIS_URL', 'redis://127.0.0.1:6379');
// How often the end of processing is looked for (the Rust half uses the same).
const POLL_MS = Number(env('POLL_MS', '10'));
// The longest the processing may take before the run gives up.
const TIMEOUT_MS = Number(env('TIMEOUT_MS', '600000'));

const connection = () => new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const opts = { attempts: 3, backoff: { type: 'exponential', delay: 1000 } };
  // Our own connections (BullMQ leaves a given connection open: quit below).
  const queueConnection = connection();
  const workerConnection = connection();
  const queue = new Queue(QUEUE, { connection: queueConnection, prefix: PREFIX });
  await queue.waitUntilReady();

  // Enqueue: CONCURRENCY producers, one add in flight each.
  let next = 0;
  const cpuStart = process.cpuUsage();
  const enqueueStart = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let n = next++; n < JOBS; n = next++) {
        await queue.add(QUEUE, { n }, opts);
      }
    }),
  );
  const enqueueMs = Number(process.hrtime.bigint() - enqueueStart) / 1e6;

  // Process: one worker; done when every job is in the completed set.
  const probe = connection();
  const completedKey = `${PREFIX}:${QUEUE}:completed`;
  const processStart = process.hrtime.bigint();
  const worker = new Worker(QUEUE, async () => {}, {
    connection: workerConnection,
    prefix: PREFIX,
    concurrency: CONCURRENCY,
  });
  let failed = 0;
  worker.on('failed', () => {
    failed += 1;
  });
  worker.on('error', (e) => console.error('bullmq-node: worker error:', e.message));
  for (;;) {
    const done = await probe.zcard(completedKey);
    if (done >= JOBS) break;
    if (Number(process.hrtime.bigint() - processStart) / 1e6 > TIMEOUT_MS) {
      throw new Error(`only ${done} of ${JOBS} jobs completed in ${TIMEOUT_MS} ms`);
    }
    await sleep(POLL_MS);
  }
  const processMs = Number(process.hrtime.bigint() - processStart) / 1e6;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;

  await worker.close();
  await queue.close();
  await Promise.all([probe, queueConnection, workerConnection].map((c) => c.quit()));
  if (failed > 0) throw new Error(`${failed} jobs failed`);
  console.log(
    JSON.stringify({
      bullmq: VERSION,
      jobs: JOBS,
      enqueue_ms: enqueueMs,
      process_ms: processMs,
      cpu_ms: cpuMs,
    }),
  );
}

main().catch((e) => {
  console.error('bullmq-node:', e);
  process.exit(1);
});
