// The error messages the compiler raises, phrased as the Kusto service phrases them.
import { KqlError } from './contract';

export function notSupported(what: string): KqlError {
  return new KqlError(`The emulator does not support ${what}`, 'NotSupported');
}

export function unresolvedColumn(operator: string, name: string): KqlError {
  const where = operator ? `'${operator}' operator: ` : '';
  return new KqlError(`Semantic error: SEM0100: ${where}Failed to resolve scalar expression named '${name}'`, 'SEM0100');
}

export function unresolvedTable(name: string): KqlError {
  return new KqlError(`Semantic error: SEM0100: Failed to resolve table or column expression named '${name}'`, 'SEM0100');
}

/** A semantic error other than an unresolved name (type mismatch, wrong argument count, ...). */
export function semanticError(message: string): KqlError {
  return new KqlError(`Semantic error: ${message}`, 'SEM0001');
}

/** Kusto's SYN0002: "Query could not be parsed at 'X' on line [1,13]". */
export function syntaxError(text: string, position: number): KqlError {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  const token = /^\s*(\S+)/.exec(text.slice(position))?.[1] ?? '';
  return new KqlError(`Syntax error: SYN0002: Query could not be parsed at '${token}' on line [${line},${column}]`, 'SYN0002');
}
