// Fuzz of what the wizard webview may post to the host (a webview is untrusted input): seeded
// malformed and hostile messages (wrong types, missing and extra fields, huge strings, __proto__ /
// constructor / prototype keys, hostile `type` values, non-objects) go through the host's path:
// parseWizardMessage, then for a submit validateWizardForm and, when the form passes,
// jobSpecFromWizardForm and validateJobSpec. Nothing may crash (only a plain Error with a short
// reason), nothing may change (the input message, Object.prototype), and what passes is exactly the
// protocol's shape: eight string fields, direction and format from their lists, no other key.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateJobSpec } from '../../src/engine/validateJobSpec';
import { jobSpecFromWizardForm } from '../../src/ui/jobSpecFromWizard';
import { parseWizardMessage, validateWizardForm, type WizardForm } from '../../src/webviewProtocol/wizardProtocol';
import { Draw } from '../reliability/seededData';

const FORM_KEYS = ['direction', 'clusterUrl', 'database', 'query', 'outputPath', 'format', 'sourcePath', 'table'] as const;
const MAX_FIELD = 100_000;

function validForm(draw: Draw): WizardForm {
  return {
    direction: draw.pick(['kustoToFiles', 'filesToKusto'] as const), clusterUrl: 'https://c.westeurope.kusto.windows.net', database: 'Db',
    query: 'StormEvents | take 10', outputPath: '/tmp/out', format: draw.pick(['parquet', 'csv', 'json'] as const), sourcePath: '/tmp/in', table: 'T',
  };
}

/** Values a hostile or broken webview could post (what structured clone carries: no functions). */
function hostileValue(draw: Draw): unknown {
  const kinds: Array<() => unknown> = [
    () => draw.int(-5, 5), () => Number.NaN, () => -0, () => Infinity, () => null, () => undefined, () => true, () => false,
    () => [], () => ['submit'], () => ({}), () => ({ toString: 'x', valueOf: 1 }), () => JSON.parse('{"__proto__":{"polluted":1}}'),
    () => 'x'.repeat(MAX_FIELD + draw.int(1, 50)), () => 'y'.repeat(MAX_FIELD), () => '\u0000\uFFFF\uD800', () => '"] | .drop table T <| ',
    () => '../../etc/passwd', () => 'kustoToFiles ', () => 'PARQUET', () => '__proto__', () => 'constructor', () => 'toString', () => BigInt(7),
    () => new Date(0), () => new Map([['a', 1]]), () => new Uint8Array(3), () => ({ length: 3, 0: 'a' }),
  ];
  return draw.pick(kinds)();
}

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', 'polluted', 'extra'];

/** One message: a valid submit mutated one to four ways, or something that is not a message at all. */
function hostileMessage(draw: Draw): unknown {
  const roll = draw.int(0, 9);
  if (roll === 0) return hostileValue(draw);
  if (roll === 1) return { type: hostileValue(draw), form: validForm(draw) };
  const message: Record<string, unknown> = JSON.parse(JSON.stringify({ type: draw.pick(['submit', 'submit', 'submit', 'ready', 'cancel', 'prefillApplied']), form: validForm(draw) })) as Record<string, unknown>;
  const form = message.form as Record<string, unknown>;
  for (let n = draw.int(1, 4); n > 0; n--) {
    const target = draw.chance(0.8) ? form : message;
    switch (draw.int(0, 4)) {
      case 0: target[draw.pick(FORM_KEYS)] = hostileValue(draw); break;
      case 1: delete target[draw.pick(FORM_KEYS)]; break;
      // An own "__proto__" key as JSON.parse and structured clone make it, not a prototype change.
      case 2: Object.assign(target, JSON.parse(`{${JSON.stringify(draw.pick(HOSTILE_KEYS))}: {"polluted": true, "direction": "filesToKusto"}}`)); break;
      case 3: Object.defineProperty(target, draw.pick(HOSTILE_KEYS), { value: hostileValue(draw), enumerable: true, configurable: true, writable: true }); break;
      default: message.form = draw.chance(0.5) ? hostileValue(draw) : Object.assign(Object.create(null) as object, validForm(draw));
    }
  }
  return structuredClone(message);
}

function snapshot(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Map ? [...v] : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort().join(',');

describe('hostile wizard messages through the host', () => {
  test('3,000 seeded malformed and hostile messages: refused with a short reason or accepted in exact shape; nothing crashes, nothing changes', () => {
    const counts = { refused: 0, accepted: 0, submitsValid: 0, specs: 0, engineRefused: 0 };
    for (let seed = 1; seed <= 3000; seed++) {
      const draw = new Draw(seed);
      const raw = hostileMessage(draw);
      const before = snapshot(raw);
      let parsed: ReturnType<typeof parseWizardMessage> | undefined;
      try {
        parsed = parseWizardMessage(raw);
      } catch (err) {
        // The host catches what parseWizardMessage throws and logs its message: anything but an Error would escape that.
        assert.ok(err instanceof Error, `seed ${seed}: threw a non-Error ${String(err)}`);
        assert.ok(err.message.length > 5, `seed ${seed}: a refusal without a reason`);
        counts.refused++;
      }
      assert.equal(snapshot(raw), before, `seed ${seed}: parsing changed the message`);
      assert.equal(Object.getOwnPropertyNames(Object.prototype).sort().join(','), prototypeBefore, `seed ${seed}: Object.prototype changed`);
      assert.equal(({} as { polluted?: unknown }).polluted, undefined, `seed ${seed}: prototype pollution`);
      if (!parsed) continue;
      counts.accepted++;
      assert.ok(['ready', 'cancel', 'prefillApplied', 'submit'].includes(parsed.type), `seed ${seed}: unknown type ${String(parsed.type)} accepted`);
      if (parsed.type !== 'submit') {
        assert.deepEqual(Object.keys(parsed), ['type'], `seed ${seed}: extra keys carried into the host`);
        continue;
      }
      const { form } = parsed;
      assert.equal(Object.getPrototypeOf(form), Object.prototype, `seed ${seed}: the form is not a plain object`);
      assert.deepEqual(Object.keys(form).sort(), [...FORM_KEYS].sort(), `seed ${seed}: the form carries other keys`);
      for (const key of FORM_KEYS) {
        assert.equal(typeof form[key], 'string', `seed ${seed}: ${key} is not a string`);
        assert.ok(form[key].length <= MAX_FIELD, `seed ${seed}: ${key} is longer than ${MAX_FIELD}`);
      }
      assert.ok(['kustoToFiles', 'filesToKusto'].includes(form.direction));
      assert.ok(['parquet', 'csv', 'json'].includes(form.format));
      // The host's next steps: validation never throws; a form that passes becomes a JobSpec the engine accepts, holding what was typed.
      const errors = validateWizardForm(form);
      if (Object.keys(errors).length > 0) continue;
      counts.submitsValid++;
      let spec;
      try {
        spec = validateJobSpec(jobSpecFromWizardForm(form, new Date('2026-01-01T00:00:00Z')));
      } catch (err) {
        // The engine may still refuse what the form let through (e.g. a 100,000-character database
        // name): a clear, bounded refusal, never the whole value echoed into a notification.
        assert.equal((err as Error).name, 'JobSpecError', `seed ${seed}: ${(err as Error).message.slice(0, 200)}`);
        assert.ok((err as Error).message.length < 1000, `seed ${seed}: the engine's refusal is ${(err as Error).message.length} characters long`);
        counts.engineRefused++;
        continue;
      }
      counts.specs++;
      if (form.direction === 'kustoToFiles') {
        assert.equal(spec.source.kind === 'kustoQuery' && spec.source.query, form.query.trim());
        assert.equal(spec.destination.kind, 'files', `seed ${seed}: a Kusto → files form became another job`);
      } else {
        assert.equal(spec.destination.kind === 'kustoTable' && spec.destination.table, form.table.trim());
      }
    }
    // The corpus must exercise both outcomes, or the test proves nothing.
    assert.ok(counts.refused > 1000, `refused ${counts.refused}`);
    assert.ok(counts.accepted > 300, `accepted ${counts.accepted}`);
    assert.ok(counts.specs > 100, `became job specs ${counts.specs}`);
  });

  test('a form with an own "__proto__" key naming another direction is read by its own fields only', () => {
    const raw = structuredClone(JSON.parse('{"type":"submit","form":{"__proto__":{"direction":"filesToKusto","table":"Victim"},"direction":"kustoToFiles","clusterUrl":"https://c.kusto.windows.net","database":"Db","query":"T","outputPath":"/tmp/o","format":"csv","sourcePath":"","table":""}}') as unknown);
    const parsed = parseWizardMessage(raw);
    assert.equal(parsed.type, 'submit');
    assert.equal(parsed.type === 'submit' && parsed.form.direction, 'kustoToFiles');
    assert.equal(parsed.type === 'submit' && parsed.form.table, '');
    assert.equal(({} as { table?: unknown }).table, undefined);
  });

  // A hostile `type` (200,000 characters, a BigInt, which structured clone carries) is echoed bounded.
  test('refusal reasons are plain Errors of at most 300 characters, whatever `type` holds', () => {
    for (const type of ['x'.repeat(200_000), BigInt(7), 'y'.repeat(400)]) {
      assert.throws(() => parseWizardMessage({ type }), (err: Error) => err.constructor === Error && err.message.length <= 300);
    }
  });
});
