// Kusto entity names (databases, tables, columns) as the service's rules have them: 1 to 1024
// characters, each a letter, a digit, "_", " ", "." or "-"; names that begin or end with "__"
// are reserved. Every name we put in a command is checked here first and always written
// bracket-quoted (['name']), so a name that is also a keyword (where, table) or a literal
// (1day, true) can never be read as one.

export type EntityKind = 'database' | 'table' | 'column';

const ALLOWED = /^[\p{L}\p{N}_ .-]+$/u;
const MAX_LENGTH = 1024;

/** Why the service would refuse `name` as an entity name, or undefined when it is a valid one. */
export function entityNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_LENGTH) return `is ${name.length} characters long (at most ${MAX_LENGTH})`;
  if (!ALLOWED.test(name)) {
    const bad = [...new Set([...name].filter((c) => !ALLOWED.test(c)))].map(describeCharacter);
    return `holds ${bad.join(', ')} (Kusto names may hold only letters, digits, "_", " ", "." and "-")`;
  }
  if (name.startsWith('__') || name.endsWith('__')) return 'begins or ends with "__" (Kusto keeps such names for itself)';
  if (name.trim() === '') return 'is only spaces';
  return undefined;
}

function describeCharacter(c: string): string {
  if (c === '\n') return 'a newline';
  if (c === '\r') return 'a carriage return';
  if (c === '\t') return 'a tab';
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return JSON.stringify(c);
}

export class EntityNameError extends Error {
  readonly code = 'InvalidEntityName';
  constructor(message: string) {
    super(message);
    this.name = 'EntityNameError';
  }
}

/** Throws an EntityNameError naming the entity and what is wrong with it. */
export function assertEntityName(kind: EntityKind, name: string, where?: string): void {
  const problem = entityNameProblem(name);
  if (problem) throw new EntityNameError(`${kind} name ${JSON.stringify(name)}${where ? ` (${where})` : ''} ${problem}`);
}

/** The name as a bracket-quoted KQL identifier: ['name']. Refuses a name the service would not take. */
export function quoteEntityName(name: string, kind: EntityKind = 'table'): string {
  assertEntityName(kind, name);
  // Valid names hold neither a quote nor a backslash; escaping them anyway keeps the literal sound.
  return `['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}
