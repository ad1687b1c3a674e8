import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JobSpec, KustoTableDestination } from '../../../src/engine/jobSpec';
import { type ClusterAccess, missingPrivileges } from '../../../src/kusto/privileges';

const WHO = 'aaduser=eve@contoso.com';
const ingest = (d: Partial<KustoTableDestination> = {}): JobSpec => ({
  version: 1, id: 'j', createdAt: '2026-01-01T00:00:00Z',
  source: { kind: 'files', location: { kind: 'local', path: '/x' } },
  destination: { kind: 'kustoTable', connection: { clusterUrl: 'https://c', database: 'Db' }, table: 'T', mode: 'queued', tableCreation: 'createIfNotExists', ...d },
});
const access = (roles: ClusterAccess['databases'][number]['roles'], tables: Record<string, Array<'admin' | 'ingestor'>> = {}, everyDatabase?: ClusterAccess['everyDatabase']): ClusterAccess => ({ identity: WHO, databases: [{ database: 'db', roles, tables }], everyDatabase });

describe('missing privileges by job shape', () => {
  test('queued into an existing table needs viewer and ingestor; database names compare case-insensitively', () => {
    assert.deepEqual(missingPrivileges(ingest(), access(['viewer', 'ingestor']), true), []);
    const missing = missingPrivileges(ingest(), access(['viewer']), true);
    assert.deepEqual(missing.map((m) => [m.role, m.grant]), [['database ingestor', `.add database ['Db'] ingestors ('${WHO}')`]]);
  });

  test('a table ingestor may ingest into that table without database ingestor', () => {
    assert.deepEqual(missingPrivileges(ingest(), access(['viewer'], { T: ['ingestor'] }), true), []);
  });

  test('a table the job creates needs database user; the job\'s creator then administers it for a transaction', () => {
    assert.deepEqual(missingPrivileges(ingest(), access(['viewer', 'ingestor']), false).map((m) => m.role), ['database user']);
    assert.deepEqual(missingPrivileges(ingest({ mode: 'transactional' }), access(['user', 'ingestor']), false), []);
  });

  test('transactional into an existing table needs table admin, which a database admin or table admin holds', () => {
    assert.deepEqual(missingPrivileges(ingest({ mode: 'transactional' }), access(['user', 'ingestor']), true).map((m) => m.grant), [`.add table ['T'] admins ('${WHO}')`]);
    assert.deepEqual(missingPrivileges(ingest({ mode: 'transactional' }), access(['user', 'ingestor'], { T: ['admin'] }), true), []);
    assert.deepEqual(missingPrivileges(ingest({ mode: 'transactional' }), access(['admin']), true), []);
  });

  test('a cluster-wide AllDatabasesViewer reads every database', () => {
    const query: JobSpec = { ...ingest(), source: { kind: 'kustoQuery', connection: { clusterUrl: 'https://c', database: 'Other' }, query: 'T' }, destination: { kind: 'files', location: { kind: 'local', path: '/o' }, format: 'csv' } };
    assert.deepEqual(missingPrivileges(query, { identity: WHO, databases: [] }, undefined).map((m) => m.role), ['database viewer']);
    assert.deepEqual(missingPrivileges(query, { identity: WHO, databases: [], everyDatabase: ['viewer'] }, undefined), []);
  });

  test('a missing table with failIfNotExists is its own error, not a role', () => {
    assert.throws(() => missingPrivileges(ingest({ tableCreation: 'failIfNotExists' }), access(['admin']), false), /Table "T" does not exist in database "Db"/);
  });
});
