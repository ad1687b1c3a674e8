import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { firstLineNotUtf8 } from '../../../src/engine/sink/sourceSchema';

describe('a text sample that is not UTF-8 is found by its line', () => {
  test('Latin-1 bytes on line 3 are reported as line 3', () => {
    assert.equal(firstLineNotUtf8(Buffer.concat([Buffer.from('id,name\n1,a\n2,'), Buffer.from([0xe9]), Buffer.from('t\xc3\xa9\n', 'latin1')])), 3);
  });
  test('valid UTF-8 with a BOM and multi-byte characters passes', () => {
    assert.equal(firstLineNotUtf8(Buffer.from('\ufeffid,name\n1,Täble 漢\n', 'utf8')), undefined);
  });
  test('a sample cut inside its last character passes (the sample, not the file, ends there)', () => {
    const whole = Buffer.from('id,name\n1,漢', 'utf8');
    for (let cut = 1; cut <= 2; cut++) assert.equal(firstLineNotUtf8(whole.subarray(0, whole.length - cut)), undefined, `cut ${cut}`);
  });
  test('a stray continuation byte in the middle is not excused as a cut character', () => {
    assert.equal(firstLineNotUtf8(Buffer.concat([Buffer.from('a\n'), Buffer.from([0x80]), Buffer.from('b\nc\n')])), 2);
  });
});
