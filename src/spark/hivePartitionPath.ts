// Hive-style partition folders ("col=value") named exactly as Spark names them, so that Spark's
// partition discovery reads the values back: the characters Spark's ExternalCatalogUtils escapes
// (ASCII controls 0x01-0x1F, 0x7F and " # % ' * / : = ? \ { [ ] ^) become %XX with upper-case hex;
// a null or empty value becomes __HIVE_DEFAULT_PARTITION__. Spark escapes the same set on every
// platform except Windows, where it adds space < > |; we escape those too only on Windows.
import type { KustoType, KustoValue } from '../engine/rows';
import { kustoValueText } from '../formats/kustoValueText';

export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

const ESCAPED = new Set<number>([
  ...Array.from({ length: 0x1f }, (_, i) => i + 1),
  0x22, 0x23, 0x25, 0x27, 0x2a, 0x2f, 0x3a, 0x3d, 0x3f, 0x5c, 0x7f, 0x7b, 0x5b, 0x5d, 0x5e,
  ...(process.platform === 'win32' ? [0x20, 0x3c, 0x3e, 0x7c] : []),
]);

export function escapePathName(text: string): string {
  let out = '';
  let plainFrom = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && ESCAPED.has(c)) {
      out += text.slice(plainFrom, i) + '%' + c.toString(16).toUpperCase().padStart(2, '0');
      plainFrom = i + 1;
    }
  }
  return plainFrom === 0 ? text : out + text.slice(plainFrom);
}

/**
 * A double as Java's Double.toString writes it, which is what Spark puts in a partition folder:
 * always a fraction ("-1.0", not "-1", which Spark would read back as an integer), and the
 * computerized scientific form outside [10^-3, 10^7) ("1.0E7", "1.0E-4").
 */
export function javaDoubleText(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(x);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(x);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** The longest file or folder name, in bytes, of the file systems a job writes to (ext4, NTFS, APFS, Blob path segments). */
export const MAX_NAME_BYTES = 255;

/**
 * The folder name of one partition column's value: `escape(col)=escape(value)`. A name past
 * MAX_NAME_BYTES is refused here, naming the column, rather than as the file system's ENAMETOOLONG.
 */
export function partitionFolderName(column: string, type: KustoType, value: KustoValue): string {
  const text = value === null || value === undefined ? '' : type === 'real' && typeof value === 'number' ? javaDoubleText(value) : kustoValueText(type, value);
  const name = `${escapePathName(column)}=${text === '' ? HIVE_DEFAULT_PARTITION : escapePathName(text)}`;
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_NAME_BYTES) {
    const error = new Error(`partition column "${column}": a value of ${Buffer.byteLength(text)} bytes makes the folder name "${name.slice(0, 22)}…" ${bytes} bytes long, over the file system's limit of ${MAX_NAME_BYTES} bytes. Partition by a column with shorter values (or one derived in the query, e.g. hash() or substring()), or leave this column out of the partitioning`);
    (error as Error & { code: string }).code = 'PartitionNameTooLong';
    throw error;
  }
  return name;
}
