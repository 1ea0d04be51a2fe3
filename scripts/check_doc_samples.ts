/**
 * Type-checks every TypeScript sample of the docs against the package, as `deno check --doc` does
 * for the examples in doc comments: each ```ts block of README.md, docs/*.md and bench/README.md,
 * and the sources of examples/, becomes a module of its own in .tmp/doc-samples/ (named after its
 * file and line) whose `@kafka-edge/producer` imports point at this checkout's mod.ts, and
 * `deno check` checks them all. Samples that need a broker are only type-checked, not run (the
 * README's quick start also runs, in tests/package/). The docs' relative links must name files
 * that exist. Exits non-zero if anything is wrong.
 *
 *   deno run --allow-read --allow-write --allow-run scripts/check_doc_samples.ts [FILE.md...]
 */

import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const outDir = join(root, ".tmp", "doc-samples");
const PACKAGE = "@kafka-edge/producer";

/** The files whose samples are checked, relative to the root: the docs and the examples. */
async function defaultSources(): Promise<string[]> {
  const docs = (await readdir(join(root, "docs"))).filter((name) => name.endsWith(".md"));
  const examples = await readdir(join(root, "examples"), { recursive: true });
  return [
    "README.md",
    "bench/README.md",
    ...docs.map((name) => `docs/${name}`),
    ...examples
      .filter((path) => path.endsWith(".ts") && !path.split("/").includes("node_modules"))
      .map((path) => `examples/${path}`),
  ].sort();
}

/** A sample: its code, and where it starts (1-based line of its first code line). */
interface Sample {
  code: string;
  line: number;
}

/** The ```ts (or ```typescript) blocks of a Markdown text. */
function markdownSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i]);
    if (!fence) continue;
    const indent = fence[1].length;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== "```") end++;
    if (end === lines.length) throw new Error(`line ${i + 1}: a \`\`\`ts block is not closed`);
    samples.push({
      code: lines.slice(start, end).map((line) => line.slice(indent)).join("\n") + "\n",
      line: start + 1,
    });
    i = end;
  }
  return samples;
}

/** The relative links of a Markdown text (`[text](path)` or `[text](path#anchor)`) to nothing. */
async function brokenLinks(source: string, text: string): Promise<string[]> {
  const broken: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const path = target.split("#")[0];
    if (path === "" || /^[a-z]+:/.test(path)) continue;
    try {
      await stat(join(root, dirname(source), path));
    } catch {
      broken.push(`${source}: the link to ${target} leads nowhere`);
    }
  }
  return broken;
}

/** `code` with its imports of the package pointed at the checkout's entry points. */
function pointAtCheckout(code: string, fromDir: string): string {
  const modules: Record<string, string> = {
    [PACKAGE]: "mod.ts",
    [`${PACKAGE}/cli`]: "cli.ts",
  };
  return code.replace(
    /(from\s+|import\s*\(\s*|import\s+)(["'])(@kafka-edge\/producer(?:\/cli)?)\2/g,
    (_, keyword: string, quote: string, specifier: string) =>
      `${keyword}${quote}${relative(fromDir, join(root, modules[specifier]))}${quote}`,
  );
}

async function main(): Promise<number> {
  const sources = process.argv.length > 2 ? process.argv.slice(2) : await defaultSources();
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  const broken: string[] = [];
  for (const source of sources) {
    const text = await readFile(join(root, source), "utf8");
    if (source.endsWith(".md")) broken.push(...await brokenLinks(source, text));
    const samples = source.endsWith(".md") ? markdownSamples(text) : [{ code: text, line: 1 }];
    for (const { code, line } of samples) {
      const file = join(outDir, `${source.replaceAll(/[/.]/g, "_")}_line_${line}.ts`);
      await writeFile(file, pointAtCheckout(code, outDir));
      files.push(file);
    }
  }
  console.error(`check_doc_samples: ${files.length} samples from ${sources.length} files`);
  for (const problem of broken) console.error(`check_doc_samples: ${problem}`);
  if (files.length === 0) return broken.length > 0 ? 1 : 0;
  const check = new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", "--config", join(root, "deno.json"), ...files],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  });
  const { code } = await check.output();
  if (code === 0 && broken.length > 0) return 1;
  if (code !== 0) {
    console.error(
      "check_doc_samples: a sample does not type-check; .tmp/doc-samples/<file>_line_<N>.ts is " +
        "the block starting at line N of <file>",
    );
  }
  return code;
}

if (import.meta.main) process.exit(await main());
