import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Redactor, redactSecrets } from '../../../src/engine/redact';

const sig = 'm0X3HjK8aBq1%2Bz9w%2FQp4LcV7e5r0tYuIoPaSdFgHjKl%3D';
const accountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

describe('redactSecrets', () => {
  test('masks a SAS signature in a blob URL, keeping the rest readable', () => {
    const text = `GET https://acct.blob.core.windows.net/c/dir?sv=2023-01-03&ss=b&sig=${sig}&se=2030-01-01 failed`;
    assert.equal(redactSecrets(text), 'GET https://acct.blob.core.windows.net/c/dir?sv=2023-01-03&ss=b&sig=***&se=2030-01-01 failed');
  });

  test('masks a SAS signature when the whole URL is URL-encoded', () => {
    const text = `url=${encodeURIComponent(`https://a.blob.core.windows.net/c?sv=1&sig=${sig}`)}`;
    const out = redactSecrets(text);
    assert.ok(!out.includes('m0X3HjK8aBq1'), out);
    assert.match(out, /sig%3D\*\*\*/);
  });

  test('masks account keys, bearer tokens and JWTs', () => {
    assert.equal(redactSecrets(`DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${accountKey};BlobEndpoint=x`), 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=***;BlobEndpoint=x');
    assert.equal(redactSecrets('Authorization: Bearer abc.def-ghi_jkl=='), 'Authorization: Bearer ***');
    assert.equal(redactSecrets('token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghij end'), 'token *** end');
  });

  test('masks the key and the SAS in an export command storage literal', () => {
    const command = `.export async to parquet (h@"https://acct.blob.core.windows.net/c;${accountKey}", h@"https://acct.blob.core.windows.net/c2?sv=1&sig=${sig}") <| T`;
    assert.equal(redactSecrets(command), '.export async to parquet (h@"https://acct.blob.core.windows.net/c;***", h@"https://acct.blob.core.windows.net/c2?***") <| T');
  });
});

describe('Redactor', () => {
  test('masks a registered secret plain, URL-encoded and base64-encoded', () => {
    const secret = 'sv=2023-01-03&sig=Zm9v+YmFy/c2VjcmV0=';
    const redactor = new Redactor();
    redactor.addSecret(secret);
    const planted = `plain ${secret} | url ${encodeURIComponent(secret)} | b64 ${Buffer.from(secret).toString('base64')} | done`;
    assert.equal(redactor.redact(planted), 'plain *** | url *** | b64 *** | done');
  });

  test('leaves text without secrets unchanged', () => {
    const redactor = new Redactor();
    redactor.addSecret('s3cr3t-value');
    assert.equal(redactor.redact('copied 1,000 rows to /tmp/out (sig is fine as a word)'), 'copied 1,000 rows to /tmp/out (sig is fine as a word)');
  });
});
