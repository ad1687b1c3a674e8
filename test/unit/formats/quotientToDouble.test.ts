// quotientToDouble against Number(): for decimal texts of 16 to 22 significant digits it must give
// Number's very double, or NaN (not sure: the caller takes the exact path); never a different one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../seededRandom';
import { quotientToDouble } from '../../../src/formats/parquet/quotientToDouble';

const EXACT_BELOW_TENTH = Math.floor(2 ** 53 / 10);

/**
 * The text split as the span parser splits it: leading digits into w while it stays below 2^53, up
 * to 7 more into tail, and the power of ten the whole is divided by; undefined outside that shape.
 */
function split(text: string): { w: number; scale: number; tail: number; divisor: number } | undefined {
  const [mantissa, exponent = '0'] = text.replace(/^-/, '').split(/[eE]/);
  const [whole, fraction = ''] = mantissa.split('.');
  const digits = (whole + fraction).replace(/^0+/, '');
  const fractionDigits = fraction.length - Number(exponent);
  let w = 0;
  let extra = 0;
  let tail = 0;
  for (const c of digits) {
    if (extra === 0 && w < EXACT_BELOW_TENTH) w = w * 10 + Number(c);
    else if (extra < 7) {
      tail = tail * 10 + Number(c);
      extra++;
    } else return undefined;
  }
  if (extra === 0 || fractionDigits <= 0 || fractionDigits > 22) return undefined;
  return { w, scale: 10 ** extra, tail, divisor: 10 ** fractionDigits };
}

/** 'same', 'unsure' (NaN), or 'out' (not a shape it takes); fails the test on a different double. */
function judge(text: string): 'same' | 'unsure' | 'out' {
  const parts = split(text);
  if (!parts) return 'out';
  const got = quotientToDouble(parts.w, parts.scale, parts.tail, parts.divisor);
  if (Number.isNaN(got)) return 'unsure';
  const expected = Math.abs(Number(text));
  assert.ok(Object.is(got, expected), `${text}: ${got} instead of ${expected}`);
  return 'same';
}

function tally(texts: Iterable<string>): { same: number; unsure: number } {
  let same = 0;
  let unsure = 0;
  for (const text of texts) {
    const verdict = judge(text);
    if (verdict === 'same') same++;
    else if (verdict === 'unsure') unsure++;
  }
  return { same, unsure };
}

/** The exact decimal expansion of a double (every double is a finite decimal). */
function exactDecimal(x: number): string {
  const bits = new BigUint64Array(new Float64Array([x]).buffer)[0];
  const exponent = Number((bits >> 52n) & 0x7ffn) - 1075;
  const mantissa = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
  if (exponent >= 0) return String(mantissa << BigInt(exponent));
  const scaled = String(mantissa * 5n ** BigInt(-exponent)).padStart(-exponent + 1, '0');
  return `${scaled.slice(0, exponent)}.${scaled.slice(exponent)}`;
}

function* doublesBetween(random: () => number, count: number, low: number, high: number): Generator<number> {
  for (let n = 0; n < count; n++) yield low * (high / low) ** random();
}

test('shortest texts of doubles from 1e-6 to 1e6 (as Kusto prints reals) come back exactly, nearly all sure', () => {
  const random = seededRandom(7);
  const texts = function* () {
    for (const x of doublesBetween(random, 300_000, 1e-6, 1e6)) yield String(x);
    for (let id = 1; id <= 200_000; id++) yield String(id / 7);
  };
  const { same, unsure } = tally(texts());
  // Most shortest texts have 16 or 17 digits; those of 15 or fewer are the caller's simpler case.
  assert.ok(same > 200_000, `${same} converted`);
  assert.ok(unsure < same / 10_000, `${unsure} unsure of ${same + unsure}`);
});

test('17 to 22 significant digits, anywhere in the range of the exact powers of ten, come back exactly', () => {
  const random = seededRandom(8);
  const texts = function* () {
    for (const x of doublesBetween(random, 200_000, 1e-15, 1e7)) {
      yield x.toPrecision(17);
      yield x.toPrecision(18 + Math.floor(random() * 4));
    }
  };
  const { same } = tally(texts());
  assert.ok(same > 200_000, `${same} converted`);
});

test('texts just below and just above the halfway point between two doubles round the right way', () => {
  const random = seededRandom(9);
  const texts = function* () {
    for (const x of doublesBetween(random, 20_000, 1e-3, 1e5)) {
      // The exact midpoint has dozens of digits: cut to 17-22 it is a hair below, the cut with its
      // last digit raised a hair above; the two sides round to different doubles.
      const midpoint = midpointText(x, nextUp(x));
      const significantStart = midpoint.search(/[1-9]/);
      const dot = midpoint.indexOf('.');
      for (let digits = 17; digits <= 22; digits++) {
        const end = significantStart + digits + (significantStart < dot ? 1 : 0);
        if (end <= dot) continue;
        const cut = midpoint.slice(0, end);
        yield cut;
        yield raiseLastDigit(cut);
      }
    }
  };
  const { same, unsure } = tally(texts());
  assert.ok(same > 150_000, `${same} converted, ${unsure} unsure`);
});

test('exact halfway texts are left to the exact path, or rounded to even', () => {
  const random = seededRandom(10);
  // Doubles from 2^44 to 2^53 are spaced 2^-8 to 1 apart: their midpoints are short enough to be
  // read by the fast path (at most 22 digits).
  const texts = function* () {
    for (const x of doublesBetween(random, 50_000, 2 ** 44, 2 ** 53)) {
      const midpoint = midpointText(x, nextUp(x));
      if (midpoint.replace('.', '').replace(/^0+/, '').length <= 22) yield midpoint;
    }
  };
  const { same, unsure } = tally(texts());
  assert.ok(same + unsure > 40_000, `${same + unsure} halfway texts read (${unsure} unsure)`);
});

function nextUp(x: number): number {
  const words = new BigUint64Array(new Float64Array([x]).buffer);
  words[0] += 1n;
  return new Float64Array(words.buffer)[0];
}

/** The exact decimal of (a + b) / 2, from the exact decimals of a and b. */
function midpointText(a: number, b: number): string {
  const [aWhole, aFraction = ''] = exactDecimal(a).split('.');
  const [bWhole, bFraction = ''] = exactDecimal(b).split('.');
  // One more fraction digit than either has: half of an odd last digit is a 5 there.
  const length = Math.max(aFraction.length, bFraction.length) + 1;
  const sum = BigInt(aWhole + aFraction.padEnd(length, '0')) + BigInt(bWhole + bFraction.padEnd(length, '0'));
  const half = String(sum / 2n).padStart(length + 1, '0');
  return `${half.slice(0, -length)}.${half.slice(-length)}`.replace(/0+$/, '');
}

/** The text with its last digit one higher (a 9 becomes 9 followed by 5: still higher). */
function raiseLastDigit(text: string): string {
  const last = Number(text.at(-1));
  return last === 9 ? `${text}5` : text.slice(0, -1) + String(last + 1);
}
