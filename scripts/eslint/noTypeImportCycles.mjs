// A lint rule for the import cycles that import-x/no-cycle does not see: it skips type-only
// imports (`import type`), yet two modules whose types import each other are still one knot
// (src/kusto/responseReader.ts <-> streamingQueryReader.ts was one). It follows every relative
// import and re-export; a cycle made of value imports alone is left to import-x/no-cycle.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Per file (and its mtime): its relative imports, resolved, each with whether it is type-only. */
const cache = new Map();

function resolveImport(fromFile, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  return undefined;
}

function importsOf(file) {
  const mtime = statSync(file).mtimeMs;
  const known = cache.get(file);
  if (known && known.mtime === mtime) return known.edges;
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const edges = [];
  for (const statement of source.statements) {
    let specifier;
    let typeOnly = false;
    if (ts.isImportDeclaration(statement)) {
      specifier = statement.moduleSpecifier;
      const clause = statement.importClause;
      typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
      specifier = statement.moduleSpecifier;
      typeOnly = statement.isTypeOnly;
    }
    if (!specifier || !ts.isStringLiteral(specifier)) continue;
    const target = resolveImport(file, specifier.text);
    if (target) edges.push({ target, typeOnly, specifier: specifier.text });
  }
  cache.set(file, { mtime, edges });
  return edges;
}

/** A path of imports from `start` back to `file` (the modules in between), or undefined. */
function pathBack(file, start, valueOnly) {
  const seen = new Set([start]);
  const queue = [[start]];
  while (queue.length > 0) {
    const path = queue.shift();
    for (const edge of importsOf(path[path.length - 1])) {
      if (valueOnly && edge.typeOnly) continue;
      if (edge.target === file) return path;
      if (seen.has(edge.target)) continue;
      seen.add(edge.target);
      queue.push([...path, edge.target]);
    }
  }
  return undefined;
}

export const noTypeImportCycles = {
  meta: { type: 'problem', schema: [], messages: { cycle: 'Import cycle (through type-only imports): {{path}}. Move the shared types into a module of their own.' } },
  create(context) {
    const file = context.filename;
    return {
      'ImportDeclaration, ExportNamedDeclaration, ExportAllDeclaration'(node) {
        if (!node.source || typeof node.source.value !== 'string') return;
        const target = resolveImport(file, node.source.value);
        if (!target) return;
        const back = pathBack(file, target, false);
        if (!back) return;
        // Every edge a value import: import-x/no-cycle reports it already.
        const thisEdgeIsValue = importsOf(file).some((e) => e.target === target && !e.typeOnly);
        if (thisEdgeIsValue && pathBack(file, target, true)) return;
        const root = context.cwd ?? process.cwd();
        context.report({ node, messageId: 'cycle', data: { path: [file, ...back, file].map((f) => relative(root, f)).join(' -> ') } });
      },
    };
  },
};
