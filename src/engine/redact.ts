// Keeps secrets out of logs, journals and error messages. Two layers: patterns that recognise
// secrets by their shape (SAS signatures, account keys, bearer tokens, the key in an export's
// h@"url;key" literal), and exact values the job knows it holds (a resolved SAS, a token), which
// are also caught URL-encoded and base64-encoded, the forms in which they leak.

const MASK = '***';

const PATTERNS: Array<[RegExp, string]> = [
  // SAS signature in a URL or query string, plain or with its "=" / "&" URL-encoded.
  [/([?&;]sig=)[^&\s"'<>]+/gi, `$1${MASK}`],
  [/(sig%3D)[^%&\s"'<>]+(?:%[0-9A-F]{2}[^%&\s"'<>]*)*/gi, `$1${MASK}`],
  // Connection strings: AccountKey=..., SharedAccessKey=..., SharedAccessSignature=...
  [/\b(AccountKey|SharedAccessKey|SharedAccessSignature|Password|ClientSecret|AppKey|Application Key)\s*=\s*[^;"'\s]+/gi, `$1=${MASK}`],
  // Bearer tokens in headers or text.
  [/\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/g, `$1${MASK}`],
  // JWTs anywhere (eyJ... header.payload.signature).
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g, MASK],
  // Kusto export/ingest storage literals: h@"https://...;<account key>" or "...;impersonate" (kept).
  [/(h?@?["']https?:\/\/[^"';\s]+);(?!impersonate["'])[^"'\s]+(["'])/gi, `$1;${MASK}$2`],
  // The KQL obfuscated literal h"..." / h'...' holding a SAS query.
  [/(h@?["'][^"']*\?)[^"']*(["'])/gi, `$1${MASK}$2`],
];

/** Redacts secrets recognisable by their shape. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers a secret value; its URL-encoded and base64 forms are masked as well. */
  addSecret(value: string | undefined): void {
    if (!value || value.length < 6) return;
    const forms = [value, encodeURIComponent(value), Buffer.from(value, 'utf8').toString('base64'), Buffer.from(value, 'utf8').toString('base64url')];
    // A SAS token is also met without its leading "?".
    if (value.startsWith('?')) forms.push(value.slice(1), encodeURIComponent(value.slice(1)));
    for (const form of forms) if (form.length >= 6) this.secrets.add(form);
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so that a secret containing another is masked whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK);
    return redactSecrets(out);
  }
}
