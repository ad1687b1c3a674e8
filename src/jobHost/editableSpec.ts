// "Edit Job as JSON": a copy of a job's spec to edit and run again with Run Copy Job from JSON
// File. The copy gets an id of its own, so running it is a new job beside the old one and never
// overwrites the old job's journal (which stays untouched: a resume still reads it).
import { randomUUID } from 'node:crypto';
import type { JobSpec } from '../engine/jobSpec';

export function editableSpecCopy(spec: JobSpec, now: Date = new Date(), suffix: string = randomUUID().slice(0, 8)): { fileName: string; spec: JobSpec; text: string } {
  const id = `job-${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${suffix}`;
  const copy: JobSpec = { ...structuredClone(spec), id, createdAt: now.toISOString() };
  // *.kdm.json: VS Code checks it against the extension's schema as it is edited.
  const base = spec.id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
  return { fileName: `${base}.edit-${suffix}.kdm.json`, spec: copy, text: `${JSON.stringify(copy, null, 2)}\n` };
}
