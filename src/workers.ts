import type { Module } from './contract';
import type { Deps } from './deps';

/** Starts the modules' queued jobs in this process (tests start only these). */
export function startQueuedJobs(deps: Pick<Deps, 'queue'>, modules: Module[]): void {
  for (const m of modules) {
    for (const job of m.jobs?.queued ?? []) deps.queue.process(job.name, job.handler, job.options);
  }
}

/**
 * The background work every module declares: its queued jobs (SMS delivery…) and its periodic ones
 * (the SMS sweeper, the reminders, the payments' reconciliation), all on the one job queue: BullMQ job
 * schedulers, or the in-process runner in embedded mode. In the app process by default (main.ts); in
 * `npm run worker` processes (worker.ts) when the app processes run with RUN_WORKERS=false.
 */
export async function startWorkers(deps: Pick<Deps, 'queue'>, modules: Module[]) {
  startQueuedJobs(deps, modules);
  for (const m of modules) {
    for (const job of m.jobs?.periodic ?? []) await deps.queue.every(job.name, job.everyMs, job.run);
  }
  return {
    /** Releases what the modules hold; the queue's workers and schedules stop with the queue (closeDeps). */
    async close() {
      for (const m of modules) await m.close?.();
    },
  };
}
