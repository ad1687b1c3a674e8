// A job file is a JobSpec without the fields a run fills in: one file can run again and again
// (the CLI's `copy job.kdm.json`, "Run Copy Job from JSON File", the wizard's Open Job File).
import { randomUUID } from 'node:crypto';

/** A fresh job id: sortable by time, unique by its random tail. */
export function newJobId(now = new Date()): string {
  return `job-${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomUUID().slice(0, 8)}`;
}

/** A job file as read from disk: id and createdAt are filled in when they are missing. */
export function completeJobFile(raw: unknown, now = new Date()): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const record = raw as Record<string, unknown>;
  return { ...record, id: record.id ?? newJobId(now), createdAt: record.createdAt ?? now.toISOString() };
}
