/**
 * Checks the package's imports against the layers of scripts/layers.json: every relative import,
 * type-only imports, re-exports and dynamic imports included, must stay within its layer or go to
 * a layer it may import. Prints one line per wrong arrow (file, line, the import, the rule) and
 * exits 1 if there is any. Run by scripts/check.sh.
 *
 * Usage: deno run --allow-read --allow-env scripts/check_layers.ts
 */

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import process from "node:process";
import ts from "typescript";

interface Layer {
  name: string;
  paths: string[];
  mayImport: string[];
}

const root = join(dirname(new URL(import.meta.url).pathname), "..");
const rulesFile = "scripts/layers.json";
const { layers } = JSON.parse(readFileSync(join(root, rulesFile), "utf8")) as { layers: Layer[] };
const byName = new Map(layers.map((layer) => [layer.name, layer]));

/** The layer a file (relative to the root, with /) belongs to, if any. */
function layerOf(file: string): Layer | undefined {
  return layers.find((layer) =>
    layer.paths.some((path) =>
      path.endsWith("/*.ts")
        ? dirname(file) === path.slice(0, -5) && file.endsWith(".ts")
        : path.endsWith("/")
        ? file.startsWith(path)
        : file === path
    )
  );
}

/** Every .ts file of the layers' paths that exists. */
function packageFiles(): string[] {
  const files = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir))) {
      const path = `${dir}/${name}`;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (path.endsWith(".ts")) files.add(path);
    }
  };
  for (const layer of layers) {
    for (const path of layer.paths) {
      if (path.endsWith("/*.ts")) walk(path.slice(0, -5));
      else if (!existsSync(join(root, path))) continue; // an entry point not written yet
      else if (path.endsWith("/")) walk(path.slice(0, -1));
      else files.add(path);
    }
  }
  return [...files].sort();
}

/** Module specifiers of a file: imports, re-exports, `import()`, `typeof import()`. */
function specifiers(source: ts.SourceFile): ts.StringLiteralLike[] {
  const found: ts.StringLiteralLike[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier &&
      ts.isStringLiteralLike(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier);
    } else if (
      ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0]);
    } else if (
      ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteralLike(node.argument.literal)
    ) {
      found.push(node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const problems: string[] = [];
for (const file of packageFiles()) {
  const from = layerOf(file);
  if (!from) {
    problems.push(`${file}: belongs to no layer of ${rulesFile}`);
    continue;
  }
  const text = readFileSync(join(root, file), "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  for (const literal of specifiers(source)) {
    if (!literal.text.startsWith(".")) continue; // a package (zod, node:net...), not a layer
    const target = normalize(join(dirname(file), literal.text));
    const to = layerOf(target);
    const allowed = to && (to === from || from.mayImport.includes(to.name));
    if (allowed) continue;
    const line = source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1;
    const statement = text.slice(literal.parent.getStart(source), literal.parent.getEnd())
      .replace(/\s+/g, " ");
    const rule = !to
      ? `${target} belongs to no layer of ${rulesFile}`
      : `${from.name} may not import ${to.name} (${from.name} may import: ${
        [from.name, ...from.mayImport].join(", ")
      })`;
    problems.push(`${file}:${line}: ${statement}\n    ${rule}`);
  }
}
for (const layer of layers) {
  for (const name of layer.mayImport) {
    if (!byName.has(name)) problems.push(`${rulesFile}: ${layer.name} names no layer ${name}`);
  }
}

if (problems.length > 0) {
  console.error(`wrong imports (layers: ${rulesFile}):\n${problems.join("\n")}`);
  process.exit(1);
}
console.error(`layers: every import follows ${rulesFile}`);
