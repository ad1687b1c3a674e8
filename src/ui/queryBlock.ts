// Which query "Copy Query Results To…" copies from a .kql / .csl editor. Kusto editors (Kusto
// Explorer, the web UI, the Kusto extension) treat a file as blocks of lines separated by blank
// lines and run the block under the cursor; a selection, when there is one, is the query as typed.
// Pure text logic, no vscode import, so it is unit-tested without an editor.

/** A line holding only a `//` comment does not make a block on its own: KQL has nothing to run in it. */
const commentOnly = /^\s*\/\//;

/**
 * The query to copy: the selected text if it is not blank, else the blank-line-separated block that
 * holds `cursorLine` (0-based). Undefined when the cursor is on a blank line or the block holds only
 * comments. Line ends are normalised to "\n" (a CRLF file gives the same query as an LF one).
 */
export function queryToCopy(text: string, cursorLine: number, selectedText = ''): string | undefined {
  const selected = selectedText.replace(/\r\n?/g, '\n').trim();
  if (selected) return selected;
  const lines = text.split(/\r\n?|\n/);
  if (cursorLine < 0 || cursorLine >= lines.length) return undefined;
  const blank = (line: string) => line.trim() === '';
  if (blank(lines[cursorLine])) return undefined;
  let first = cursorLine;
  while (first > 0 && !blank(lines[first - 1])) first--;
  let last = cursorLine;
  while (last < lines.length - 1 && !blank(lines[last + 1])) last++;
  const block = lines.slice(first, last + 1);
  if (block.every((line) => commentOnly.test(line))) return undefined;
  return block.join('\n').trim();
}

/**
 * A Kusto table name suggested from a file or folder name: the extension dropped, characters a table
 * name cannot hold replaced by "_", not starting with a digit, at most 1,024 characters.
 */
export function suggestedTableName(fileOrFolderName: string): string {
  const base = fileOrFolderName.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.(parquet|csv|tsv|json|jsonl|ndjson|txt|gz|zst|snappy)(\.[a-z0-9]+)?$/i, '').replace(/^\.+/, '');
  let name = stem.replace(/[^\p{L}\p{N}_]+/gu, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  if (!name) return 'Ingested';
  if (/^\p{N}/u.test(name)) name = `T_${name}`;
  return name.slice(0, 1024);
}
