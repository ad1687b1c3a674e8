// Parses KQL with the official Kusto.Language parser (@kusto/language-service-next, a Bridge.NET
// build of the C# parser) and copies its syntax tree into plain objects the compiler walks.
// The bridge is 16 MB of script meant for a browser global scope: it is loaded once, lazily,
// into this process's global scope with vm.runInThisContext.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runInThisContext } from 'node:vm';

/** A syntax node or token of the Kusto parser, copied. */
export interface SNode {
  /** The parser's SyntaxKind name, e.g. 'PipeExpression', 'LongLiteralExpression', 'IdentifierToken'. */
  kind: string;
  isToken: boolean;
  /** Token text as written (e.g. '"a\\"b"'); '' for nodes. */
  text: string;
  /** Token value (e.g. the decoded string 'a"b'); '' for nodes. */
  value: string;
  /** Position in the query text. */
  start: number;
  isMissing: boolean;
  children: SNode[];
  /** Children by the parser's property name (e.g. 'Left', 'Operator', 'Expression'). */
  named: Record<string, SNode>;
}

export interface ParseDiagnostic {
  code: string;
  message: string;
  start: number;
  length: number;
}

interface BridgeElement {
  Kind: number;
  IsToken: boolean;
  IsMissing: boolean;
  TextStart: number;
  Text?: string;
  ValueText?: string;
  ChildCount: number;
  GetChild(index: number): BridgeElement | null;
  GetName(index: number): string | null;
}

interface BridgeDiagnostic {
  Code: string;
  Message: string;
  Start: number;
  Length: number;
  Severity: string;
}

interface BridgeList<T> {
  Count: number;
  getItem(index: number): T;
}

interface BridgeKustoCode {
  Syntax: BridgeElement;
  GetDiagnostics(): BridgeList<BridgeDiagnostic>;
}

interface KustoGlobal {
  Language: {
    KustoCode: { Parse(text: string): BridgeKustoCode };
    Syntax: { SyntaxKind: Record<string, number | unknown> };
  };
}

let loaded: { kusto: KustoGlobal; kindNames: Map<number, string> } | undefined;

function loadParser(): { kusto: KustoGlobal; kindNames: Map<number, string> } {
  if (loaded) return loaded;
  // The repository runs TypeScript as CommonJS (tsx); fall back to the working directory elsewhere.
  const require = createRequire(typeof __dirname === 'string' ? join(__dirname, 'syntaxTree.ts') : join(process.cwd(), 'package.json'));
  const dir = dirname(require.resolve('@kusto/language-service-next/package.json'));
  // The minified builds load in ~0.2 s; they define the globals Bridge and Kusto.
  runInThisContext(readFileSync(join(dir, 'bridge.min.js'), 'utf8'), { filename: 'bridge.min.js' });
  runInThisContext(readFileSync(join(dir, 'Kusto.Language.Bridge.min.js'), 'utf8'), { filename: 'Kusto.Language.Bridge.min.js' });
  const kusto = (globalThis as unknown as { Kusto: KustoGlobal }).Kusto;
  const kindNames = new Map<number, string>();
  for (const [name, value] of Object.entries(kusto.Language.Syntax.SyntaxKind)) {
    if (typeof value === 'number') kindNames.set(value, name);
  }
  loaded = { kusto, kindNames };
  return loaded;
}

function copy(element: BridgeElement, kindNames: Map<number, string>): SNode {
  const node: SNode = {
    kind: kindNames.get(element.Kind) ?? String(element.Kind),
    isToken: element.IsToken,
    text: element.IsToken ? (element.Text ?? '') : '',
    value: element.IsToken ? (element.ValueText ?? '') : '',
    start: element.TextStart,
    isMissing: element.IsMissing,
    children: [],
    named: {},
  };
  if (!element.IsToken) {
    for (let i = 0; i < element.ChildCount; i++) {
      const child = element.GetChild(i);
      if (!child) continue;
      const copied = copy(child, kindNames);
      node.children.push(copied);
      const name = element.GetName(i);
      if (name) node.named[name] = copied;
    }
  }
  return node;
}

export function parseKql(text: string): { root: SNode; diagnostics: ParseDiagnostic[] } {
  const { kusto, kindNames } = loadParser();
  const code = kusto.Language.KustoCode.Parse(text);
  const list = code.GetDiagnostics();
  const diagnostics: ParseDiagnostic[] = [];
  for (let i = 0; i < list.Count; i++) {
    const d = list.getItem(i);
    if (String(d.Severity).toLowerCase() === 'error') diagnostics.push({ code: d.Code, message: d.Message, start: d.Start, length: d.Length });
  }
  return { root: copy(code.Syntax, kindNames), diagnostics };
}

/** The elements of a SyntaxList (separators dropped). */
export function listItems(list: SNode | undefined): SNode[] {
  if (!list) return [];
  return list.children.map((c) => (c.kind === 'SeparatedElement' ? c.children[0] : c)).filter((c): c is SNode => !!c && !c.isToken);
}

/** All tokens of a node, in order. */
export function tokens(node: SNode): SNode[] {
  if (node.isToken) return [node];
  return node.children.flatMap(tokens);
}

/** The query text a node covers, reassembled from its tokens (single-spaced). */
export function nodeText(node: SNode): string {
  return tokens(node).map((t) => t.text).join(' ');
}
