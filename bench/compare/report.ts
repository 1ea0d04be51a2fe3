/**
 * The comparison's data model and its markdown report (bench/compare/compare.ts writes both).
 * Every figure in the report is a median over the runs of one client, workload and profile;
 * ratios divide medians measured in the same comparison.
 */

import type { RunResult } from "./clients/_workload.ts";

export interface WorkloadSpec {
  /** Bytes per record. */
  size: number;
  partitions: number;
  compression: "none" | "lz4";
}

export type Profile = "matched" | "defaults";

/** What the report needs to know of a client. */
export interface ClientInfo {
  name: string;
  /** Runtime family for the ratios: "Node", "Deno", "Bun", "Java", "C". */
  runtime: string;
  /** kafka-edge itself. */
  edge?: boolean;
  kcat?: boolean;
}

/** One run of one client. */
export interface RunRecord {
  client: string;
  kind: "throughput" | "latency";
  profile: Profile;
  workload: WorkloadSpec;
  /** 1-based index among the runs of this client, workload and profile. */
  run: number;
  lingerMs?: number;
  result?: RunResult;
  unsupported?: string;
  error?: string;
}

export interface Report {
  date: string;
  mode: string;
  runs: number;
  seconds: number;
  machine: Record<string, string>;
  versions: Record<string, string>;
  /** Peak RSS of each runtime running an empty script. */
  bareRssMiB: Record<string, number>;
  settings: Record<string, string>;
  runsDone: RunRecord[];
}

export const workloadId = (w: WorkloadSpec) =>
  `${w.size}-${w.compression}${w.partitions === 6 ? "" : `-${w.partitions}p`}`;

export const workloadName = (w: WorkloadSpec) =>
  `${w.size === 1024 ? "1 KiB" : `${w.size} B`}, ${w.compression}, ${w.partitions} part.`;

export function medianOf(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The runs of one client on one workload, profile and kind (and linger, for latency). */
export function runsOf(
  report: Report,
  client: string,
  w: WorkloadSpec,
  profile: Profile,
  kind: RunRecord["kind"] = "throughput",
  lingerMs?: number,
): RunRecord[] {
  return report.runsDone.filter((r) =>
    r.client === client && r.kind === kind && r.profile === profile &&
    workloadId(r.workload) === workloadId(w) &&
    (kind === "throughput" || r.lingerMs === lingerMs)
  );
}

/** Median of a figure over the successful runs. */
export function median(
  runs: RunRecord[],
  figure: (r: RunResult) => number | undefined,
): number | undefined {
  return medianOf(
    runs.flatMap((r) => {
      const v = r.result && figure(r.result);
      return v === undefined || Number.isNaN(v) ? [] : [v];
    }),
  );
}

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined ? "–" : n.toLocaleString("en", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join(
    "\n",
  );
}

const workloadsIn = (report: Report) => {
  const seen = new Map<string, WorkloadSpec>();
  for (const r of report.runsDone) seen.set(workloadId(r.workload), r.workload);
  return [...seen.values()];
};
const clientsIn = (report: Report, clients: ClientInfo[]) =>
  clients.filter((c) => report.runsDone.some((r) => r.client === c.name));

function throughputTable(
  report: Report,
  clients: ClientInfo[],
  profile: Profile,
): string {
  const rows: string[][] = [];
  for (const w of workloadsIn(report)) {
    for (const c of clientsIn(report, clients)) {
      const runs = runsOf(report, c.name, w, profile);
      if (runs.length === 0) continue;
      const ok = runs.filter((r) => r.result);
      const rates = ok.map((r) => r.result!.recordsPerSecond);
      const spread = rates.length > 1
        ? ` (${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))})`
        : "";
      const failure = runs.find((r) => !r.result);
      rows.push([
        workloadName(w),
        c.name,
        ok.length ? `${fmt(median(runs, (m) => m.recordsPerSecond))}${spread}` : "–",
        fmt(median(runs, (m) => m.mbPerSecond), 1),
        fmt(median(runs, (m) => m.cpuMicrosPerRecord), 2),
        fmt(median(runs, (m) => m.peakRssMiB)),
        fmt(median(runs, (m) => m.batchBytes && m.batchBytes / 1024), 1),
        `${ok.length}/${runs.length}${
          failure ? ` (${(failure.error ?? failure.unsupported ?? "").slice(0, 120)})` : ""
        }`,
      ]);
    }
  }
  return table([
    "workload",
    "client",
    "records/s median (min–max)",
    "MB/s",
    "µs CPU / record",
    "peak RSS MiB",
    "KiB / batch, uncompressed",
    "runs ok",
  ], rows);
}

/**
 * kafka-edge on each runtime divided by each other client, medians of records/s and of CPU per
 * record. Node is kafka-edge under the peers' own Node; Deno and Bun are different runtimes
 * from the peers', and the table says so.
 */
function ratioTable(
  report: Report,
  clients: ClientInfo[],
  profile: Profile,
): string {
  const present = clientsIn(report, clients);
  const edges = present.filter((c) => c.edge);
  const others = present.filter((c) => !c.edge);
  const rows: string[][] = [];
  for (const w of workloadsIn(report)) {
    for (const e of edges) {
      const rate = median(
        runsOf(report, e.name, w, profile),
        (m) => m.recordsPerSecond,
      );
      const cpu = median(
        runsOf(report, e.name, w, profile),
        (m) => m.cpuMicrosPerRecord,
      );
      if (rate === undefined) continue;
      const cells = others.map((o) => {
        const runs = runsOf(report, o.name, w, profile);
        const otherRate = median(runs, (m) => m.recordsPerSecond);
        const otherCpu = median(runs, (m) => m.cpuMicrosPerRecord);
        if (otherRate === undefined) return "–";
        const label = o.runtime === e.runtime ? "" : " ‡";
        return `${(rate / otherRate).toFixed(2)}× / ${
          cpu && otherCpu ? (cpu / otherCpu).toFixed(2) : "–"
        }${label}`;
      });
      rows.push([workloadName(w), e.name, ...cells]);
    }
  }
  return table([
    "workload",
    "kafka-edge on",
    ...others.map((o) => `÷ ${o.name}`),
  ], rows);
}

function memoryTable(report: Report, clients: ClientInfo[]): string {
  const rows: string[][] = [];
  for (const profile of ["defaults", "matched"] as const) {
    const bufferMiB = profile === "defaults" ? 32 : 8;
    for (const w of workloadsIn(report)) {
      for (const c of clientsIn(report, clients).filter((c) => c.edge)) {
        const peak = median(
          runsOf(report, c.name, w, profile),
          (m) => m.peakRssMiB,
        );
        if (peak === undefined) continue;
        const runtime = c.runtime === "Node 20" ? "Node 20" : c.runtime;
        const bare = report.bareRssMiB[runtime];
        const limit = bare + bufferMiB + 64;
        rows.push([
          profile,
          workloadName(w),
          c.name,
          fmt(peak),
          `${fmt(bare)} + ${bufferMiB} + 64 = ${fmt(limit)}`,
          peak <= limit ? "within" : `over by ${fmt(peak - limit)}`,
        ]);
      }
    }
  }
  return table([
    "profile",
    "workload",
    "client",
    "peak RSS MiB (median)",
    "bare RSS + bufferMemory + 64 MiB",
    "",
  ], rows);
}

function latencyTable(report: Report, clients: ClientInfo[]): string {
  const rows: string[][] = [];
  for (const w of workloadsIn(report)) {
    for (const c of clientsIn(report, clients)) {
      for (const lingerMs of [0, 5, undefined]) {
        const runs = runsOf(report, c.name, w, "matched", "latency", lingerMs);
        if (runs.length === 0) continue;
        rows.push([
          workloadName(w),
          c.name,
          lingerMs === undefined ? "none (no linger)" : String(lingerMs),
          `${fmt(runs.find((r) => r.result)?.result?.rate)} / ${
            fmt(median(runs, (m) => m.recordsPerSecond))
          }`,
          fmt(median(runs, (m) => m.p50Ms), 1),
          fmt(median(runs, (m) => m.p99Ms), 1),
          fmt(median(runs, (m) => m.cpuMicrosPerRecord), 2),
          `${runs.filter((r) => r.result).length}/${runs.length}`,
        ]);
      }
    }
  }
  return table([
    "workload",
    "client",
    "lingerMs",
    "records/s asked / achieved",
    "p50 ms",
    "p99 ms",
    "µs CPU / record",
    "runs ok",
  ], rows);
}

/** The issue's aims, checked against this report's medians. */
function aimsTable(report: Report, clients: ClientInfo[]): string {
  const rows: string[][] = [];
  const edges = clientsIn(report, clients).filter((c) => c.edge);
  const cpuLimit = (c: ClientInfo, size: number) =>
    size === 1024 ? 3 : c.runtime === "Bun" ? 0.5 : 1.0;
  for (const w of workloadsIn(report).filter((w) => w.partitions === 6)) {
    for (const c of edges) {
      const runs = runsOf(report, c.name, w, "defaults");
      const cpu = median(runs, (m) => m.cpuMicrosPerRecord);
      const rate = median(runs, (m) => m.recordsPerSecond);
      if (cpu === undefined || rate === undefined) continue;
      const platformatic = (profile: Profile) =>
        median(
          runsOf(report, "@platformatic/kafka (Node 22)", w, profile),
          (m) => m.recordsPerSecond,
        );
      const vs = (
        p: number | undefined,
      ) => (p ? `${(rate / p).toFixed(2)}×` : "–");
      rows.push([
        workloadName(w),
        c.name,
        `${fmt(cpu, 2)} (≤ ${cpuLimit(c, w.size)})`,
        vs(platformatic("defaults")),
        vs(platformatic("matched")),
      ]);
    }
  }
  return table([
    "workload",
    "kafka-edge with its defaults",
    "µs CPU / record (aim)",
    "records/s ÷ platformatic defaults",
    "÷ platformatic matched",
  ], rows);
}

export function markdownReport(
  report: Report,
  clients: ClientInfo[],
  chartFile: string,
): string {
  const pairs = (o: Record<string, string>) => table(["", ""], Object.entries(o));
  const errors = report.runsDone.filter((r) => !r.result).map((r) =>
    `- ${workloadName(r.workload)}, ${r.profile}, ${r.kind}, ${r.client} run ${r.run}: ${
      r.error ?? r.unsupported
    }`
  );
  return [
    `# Side-by-side producer comparison, ${report.date} (${report.mode})`,
    "",
    "One broker (a single KRaft node on the same machine), a fresh topic per run, each client a",
    `process of its own; medians of ${report.runs} run(s) of ${report.seconds} s per client, ` +
    "workload and profile, runs of a workload interleaved across clients. `bash " +
    "bench/compare/run.sh` made this file" +
    (report.mode === "quick" ? " (--quick: one run each, figures indicative only)." : "."),
    "",
    "## Machine",
    "",
    pairs(report.machine),
    "",
    "## Versions",
    "",
    pairs(report.versions),
    "",
    "## Settings",
    "",
    pairs(report.settings),
    "",
    "Bare RSS (an empty script): " +
    Object.entries(report.bareRssMiB).map(([r, m]) => `${r} ${fmt(m)} MiB`)
      .join(", ") +
    ".",
    "",
    "## Aims (issue 16): kafka-edge with its defaults",
    "",
    aimsTable(report, clients),
    "",
    "## Throughput, matched settings",
    "",
    throughputTable(report, clients, "matched"),
    "",
    "## Throughput, each client's defaults",
    "",
    throughputTable(report, clients, "defaults"),
    "",
    "## Ratios: kafka-edge ÷ each other client (records/s × / CPU per record), matched settings",
    "",
    "‡: a different runtime from the other client's (kafka-edge on Deno or Bun against clients " +
    "on Node 22, Java or C). Above 1× records/s is faster; below 1 CPU per record is leaner.",
    "",
    ratioTable(report, clients, "matched"),
    "",
    "## Ratios, each client's defaults",
    "",
    ratioTable(report, clients, "defaults"),
    "",
    "## Memory: kafka-edge's peak RSS against bare RSS + bufferMemory + 64 MiB",
    "",
    memoryTable(report, clients),
    "",
    "## Acknowledgement latency at half each client's own matched peak",
    "",
    latencyTable(report, clients),
    "",
    ...(errors.length ? ["## Runs without figures", "", ...errors, ""] : []),
    `![records/s and CPU per record](${chartFile})`,
    "",
  ].join("\n");
}
