// decimalToDouble (Eisel-Lemire) against Number(): for any double's printed digits it must give
// that very double, or NaN (not sure: the caller asks Number); never a different double.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../seededRandom';
import { decimalToDouble } from '../../../src/formats/parquet/decimalToDouble';

/** w (up to 19 significant digits) and q of a decimal text, as the span parser splits it; undefined beyond 19 digits. */
function split(text: string): { high: number; low: number; q: number; negative: boolean } | undefined {
  const negative = text.startsWith('-');
  const [mantissa, exponent = '0'] = (negative ? text.slice(1) : text).split(/[eE]/);
  const [whole, fraction = ''] = mantissa.split('.');
  const digits = (whole + fraction).replace(/^0+/, '');
  if (digits.length > 19) return undefined;
  const w = BigInt(digits || '0');
  return { high: Number(w >> 32n), low: Number(w & 0xffffffffn), q: Number(exponent) - fraction.length, negative };
}

function judge(text: string): 'same' | 'unsure' {
  const parts = split(text);
  if (!parts) return 'unsure';
  const got = decimalToDouble(parts.high, parts.low, parts.q, parts.negative);
  if (Number.isNaN(got)) return 'unsure';
  assert.ok(Object.is(got, Number(text)), `${text}: ${got} instead of ${Number(text)}`);
  return 'same';
}

test('any double, printed shortest, in exponent form or to 19 digits, comes back exactly (or unsure)', () => {
  const random = seededRandom(99);
  const value = new Float64Array(1);
  const bits = new Uint32Array(value.buffer);
  let same = 0;
  let total = 0;
  for (let n = 0; n < 100_000; n++) {
    bits[0] = Math.floor(random() * 2 ** 32);
    bits[1] = Math.floor(random() * 2 ** 32);
    if (!Number.isFinite(value[0])) continue;
    for (const text of [String(value[0]), value[0].toExponential(), value[0].toPrecision(19)]) {
      total++;
      if (judge(text) === 'same') same++;
    }
  }
  // Unsure is for subnormals, overflow and the rare close call: almost everything is converted here.
  assert.ok(same > total * 0.98, `${same} of ${total} converted`);
});

test('boundaries: halfway cases round to even, the extremes, and what it leaves to Number', () => {
  for (const text of ['9007199254740993', '9007199254740995', '1e23', '1.7976931348623157e308', '2.2250738585072014e-308', '0.1', '0.3', '8.98846567431158e307', '123456789012345678']) {
    assert.equal(judge(text), 'same', text);
  }
  assert.ok(Object.is(decimalToDouble(0, 0, 5, true), -0));
  assert.ok(Number.isNaN(decimalToDouble(0, 5, -330, false)), 'subnormal: left to Number');
  assert.ok(Number.isNaN(decimalToDouble(0, 2, 308, false)), 'overflow: left to Number');
});
