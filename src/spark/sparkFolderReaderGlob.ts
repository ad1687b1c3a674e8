// Minimal glob matching for source patterns: "**" (any folders), "*" and "?" (within one name),
// "{a,b}" alternatives and "[abc]" classes. Paths use "/" separators.

function escapeRegExp(text: string): string {
  return text.replace(/[.+^$()|\\]/g, '\\$&');
}

export function globToRegExp(pattern: string): RegExp {
  let out = '';
  let i = 0;
  let braceDepth = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const slashAfter = pattern[i + 2] === '/';
        out += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 3 : 2;
        continue;
      }
      out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '{') {
      braceDepth++;
      out += '(?:';
    } else if (c === '}' && braceDepth > 0) {
      braceDepth--;
      out += ')';
    } else if (c === ',' && braceDepth > 0) out += '|';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
        out += `[${body.startsWith('!') ? '^' + body.slice(1) : body}]`;
        i = end;
      }
    } else out += c === '}' || c === ',' ? c : escapeRegExp(c);
    i++;
  }
  return new RegExp(`^${out}$`);
}

export function hasGlobChars(text: string): boolean {
  return /[*?[{]/.test(text);
}

/** Splits "/data/out/*\/x.csv" into the folder to walk ("/data/out") and the pattern below it. */
export function splitGlobPath(path: string): { base: string; pattern: string | undefined } {
  const segments = path.split('/');
  const first = segments.findIndex((s) => hasGlobChars(s));
  if (first < 0) return { base: path, pattern: undefined };
  return { base: segments.slice(0, first).join('/') || '/', pattern: segments.slice(first).join('/') };
}
