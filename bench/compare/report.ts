/**
 * The comparison's data model and its markdown report (bench/compare/compare.ts writes both).
 */

export interface WorkloadSpec {
  size: number;
  acks: "1" | "all";
  partitions: number;
  compression: "none" | "lz4";
}

/** One client on one workload: figures, or why there are none. */
export interface Measurement {
  client: string;
  workload: WorkloadSpec;
  records?: number;
  recordsPerSecond?: number;
  mbPerSecond?: number;
  /** user+sys of the whole process, start-up included. */
  cpuSeconds?: number;
  peakRssMiB?: number;
  latencyRate?: number;
  p50Ms?: number;
  p99Ms?: number;
  unsupported?: string;
  error?: string;
}

export interface Report {
  date: string;
  mode: string;
  machine: Record<string, string>;
  versions: Record<string, string>;
  settings: Record<string, string>;
  /** Each client's run with one record: what starting and stopping costs. */
  startup: Record<string, { cpuSeconds: number; peakRssMiB: number }>;
  results: Measurement[];
}

export const workloadName = (w: WorkloadSpec) =>
  `${w.size === 1024 ? "1 KiB" : `${w.size} B`}, acks ${w.acks}${
    w.acks === "all" ? " idem." : ""
  }, ${w.partitions} part., ${w.compression}`;

/** CPU seconds per million records, less the client's start-up. */
export function netCpuPerMillion(
  report: Report,
  m: Measurement,
): number | undefined {
  if (m.cpuSeconds === undefined || !m.records) return undefined;
  const startup = report.startup[m.client]?.cpuSeconds ?? 0;
  return (Math.max(0, m.cpuSeconds - startup) / m.records) * 1e6;
}

const grossCpuPerMillion = (m: Measurement) =>
  m.cpuSeconds === undefined || !m.records ? undefined : (m.cpuSeconds / m.records) * 1e6;

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined ? "–" : n.toLocaleString("en", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });

const isEdge = (m: Measurement) => m.client.startsWith("kafka-edge");

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join(
    "\n",
  );
}

/** Per workload: kafka-edge's best against each peer (the issue's aims). */
function aimsTable(report: Report): string {
  const rows: string[][] = [];
  const keys = [
    ...new Set(report.results.map((m) => workloadName(m.workload))),
  ];
  for (const key of keys) {
    const ms = report.results.filter((m) => workloadName(m.workload) === key);
    const measured = (m: Measurement) => m.recordsPerSecond !== undefined;
    const edge = ms.filter((m) => isEdge(m) && measured(m));
    const peer = (prefix: string) => ms.find((m) => m.client.startsWith(prefix) && measured(m));
    if (edge.length === 0) {
      const why = ms.find(isEdge);
      rows.push([
        key,
        `n/a (${why?.unsupported ?? why?.error ?? "not run"})`,
        "",
        "",
        "",
        "",
        "",
      ]);
      continue;
    }
    const fastest = edge.reduce((
      a,
      b,
    ) => (a.recordsPerSecond! >= b.recordsPerSecond! ? a : b));
    const leanest = edge.reduce((
      a,
      b,
    ) => ((netCpuPerMillion(report, a) ?? Infinity) <=
        (netCpuPerMillion(report, b) ?? Infinity)
      ? a
      : b)
    );
    const ratio = (p: Measurement | undefined) =>
      p ? `${(fastest.recordsPerSecond! / p.recordsPerSecond!).toFixed(2)}×` : "–";
    const java = peer("Java");
    rows.push([
      key,
      `${fmt(fastest.recordsPerSecond)} ${fastest.client.replace("kafka-edge ", "")}`,
      ratio(peer("kafkajs")),
      ratio(peer("@platformatic")),
      ratio(java),
      `${fmt(netCpuPerMillion(report, leanest), 2)} ${leanest.client.replace("kafka-edge ", "")}`,
      fmt(java && netCpuPerMillion(report, java), 2),
    ]);
  }
  return table(
    [
      "workload",
      "kafka-edge fastest rec/s",
      "÷ kafkajs",
      "÷ platformatic",
      "÷ Java",
      "kafka-edge least CPU s/M rec (net)",
      "Java CPU s/M rec (net)",
    ],
    rows,
  );
}

function resultsTable(report: Report): string {
  const rows = report.results.map((m) => {
    if (m.recordsPerSecond === undefined) {
      return [
        workloadName(m.workload),
        m.client,
        `n/a (${m.unsupported ?? m.error})`,
        "",
        "",
        "",
        "",
      ];
    }
    return [
      workloadName(m.workload),
      m.client,
      fmt(m.recordsPerSecond),
      fmt(m.mbPerSecond, 1),
      `${fmt(netCpuPerMillion(report, m), 2)} (${fmt(grossCpuPerMillion(m), 2)})`,
      fmt(m.peakRssMiB),
      `${fmt(m.p50Ms, 1)} / ${fmt(m.p99Ms, 1)}`,
    ];
  });
  return table(
    [
      "workload",
      "client",
      "records/s",
      "MB/s",
      "CPU s per M records, net (gross)",
      "peak RSS MiB",
      "p50 / p99 ms at fixed rate",
    ],
    rows,
  );
}

export function markdownReport(report: Report, chartFile: string): string {
  const pairs = (o: Record<string, string>) => table(["", ""], Object.entries(o));
  const startup = table(
    ["client", "start-up CPU s", "start-up peak RSS MiB"],
    Object.entries(report.startup).map((
      [c, s],
    ) => [c, fmt(s.cpuSeconds, 2), fmt(s.peakRssMiB)]),
  );
  return [
    `# Side-by-side producer comparison, ${report.date} (${report.mode})`,
    "",
    "One broker (Kafka, single KRaft node on the same machine), a fresh topic per client and workload,",
    "each client a process of its own. `bash bench/compare/run.sh` made this file.",
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
    "## Aims: kafka-edge's best against each peer",
    "",
    aimsTable(report),
    "",
    "## All results",
    "",
    resultsTable(report),
    "",
    "Start-up (one record), subtracted for the net CPU figures:",
    "",
    startup,
    "",
    `![records/s and CPU per record](${chartFile})`,
    "",
  ].join("\n");
}
