/**
 * Checks that every test in tests/ has its own timeout: each `test()` (or `it()`, and their
 * `.only`/`.skip`/`.todo` forms) imported from node:test must pass an options object with a
 * `timeout` (one of tests/_lib/timeouts.ts). A describe()'s timeout does not count: Deno and Bun
 * do not apply it to the tests inside. Prints one line per test without one and exits 1 if there
 * is any. Run by scripts/check.sh.
 *
 * Usage: deno run --allow-read --allow-env scripts/check_tests.ts
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import ts from "typescript";

const root = join(dirname(new URL(import.meta.url).pathname), "..");

function testFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(root, path)).isDirectory()) return testFiles(path);
    return path.endsWith(".test.ts") ? [path] : [];
  });
}

/** Local names of node:test's `test` and `it` in a file. */
function testFunctions(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (
      !ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier) ||
      !["node:test", "test"].includes(statement.moduleSpecifier.text)
    ) continue;
    const clause = statement.importClause;
    if (clause?.name) names.add(clause.name.text); // the default export is test()
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        const imported = (element.propertyName ?? element.name).text;
        if (imported === "test" || imported === "it") names.add(element.name.text);
      }
    }
  }
  return names;
}

/** The test function a call invokes (`test(...)`, `it.only(...)`), if any. */
function calledTest(call: ts.CallExpression, names: Set<string>): string | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee) && names.has(callee.text)) return callee.text;
  if (
    ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) &&
    names.has(callee.expression.text) && ["only", "skip", "todo"].includes(callee.name.text)
  ) {
    return `${callee.expression.text}.${callee.name.text}`;
  }
  return undefined;
}

function hasTimeout(call: ts.CallExpression): boolean {
  return call.arguments.some((argument) =>
    ts.isObjectLiteralExpression(argument) &&
    argument.properties.some((property) =>
      (ts.isPropertyAssignment(property) || ts.isShorthandPropertyAssignment(property)) &&
      ts.isIdentifier(property.name) && property.name.text === "timeout"
    )
  );
}

const problems: string[] = [];
let tests = 0;
for (const file of testFiles("tests")) {
  const source = ts.createSourceFile(
    file,
    readFileSync(join(root, file), "utf8"),
    ts.ScriptTarget.Latest,
    true,
  );
  const names = testFunctions(source);
  const visit = (node: ts.Node) => {
    const called = ts.isCallExpression(node) ? calledTest(node, names) : undefined;
    if (called && ts.isCallExpression(node)) {
      tests++;
      if (!hasTimeout(node)) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        const name = node.arguments[0]?.getText(source) ?? "";
        problems.push(`${file}:${line}: ${called}(${name}, ...) has no { timeout } option`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

if (problems.length > 0) {
  console.error(
    `tests without a timeout (use one of tests/_lib/timeouts.ts):\n${problems.join("\n")}`,
  );
  process.exit(1);
}
console.error(`test timeouts: all ${tests} tests have one`);
