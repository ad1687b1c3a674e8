// The content hash of a blob as the storage service reports it: one spelling for a blob source's
// listing and for a local file's upload, so a file's identity reads the same whichever told it.

/** "md5:<base64>" of the service's Content-MD5, or undefined when it reported none. */
export function md5ContentHash(contentMd5: Uint8Array | undefined): string | undefined {
  return contentMd5 && contentMd5.length > 0 ? `md5:${Buffer.from(contentMd5).toString('base64')}` : undefined;
}

/** A listed blob's hash: its Content-MD5, or its ETag when it has none. */
export function listedBlobHash(contentMd5: Uint8Array | undefined, etag: string | undefined): string {
  return md5ContentHash(contentMd5) ?? `etag:${etag}`;
}
