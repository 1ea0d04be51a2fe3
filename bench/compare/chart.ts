/**
 * The comparison's chart: each client's defaults, median records/s and CPU per record, one group
 * of bars per workload, as an SVG drawn here and rasterised to PNG by @resvg/resvg-js (resvg: a
 * self-contained renderer from npm with prebuilt binaries, no browser or system library needed;
 * text in DejaVu Sans, which resvg finds among the system fonts).
 */

import { Resvg } from "@resvg/resvg-js";
import { type ClientInfo, median, type Report, runsOf, workloadName } from "./report.ts";

const COLOURS = [
  "#1b9e77",
  "#66a61e",
  "#2c7fb8",
  "#d95f02",
  "#7570b3",
  "#e7298a",
  "#a6761d",
  "#666666",
];
const BAR = 9;
const LABEL_WIDTH = 230;
const PANEL_WIDTH = 420;
const GAP = 40;

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function renderChart(
  report: Report,
  clientInfo: ClientInfo[],
): Uint8Array {
  // Each client's defaults (the medians): what a new user of each gets.
  const measured = report.runsDone.filter((r) =>
    r.kind === "throughput" && r.profile === "defaults"
  );
  const clients = clientInfo.map((c) => c.name).filter((c) => measured.some((r) => r.client === c));
  const specs = new Map(
    measured.map((r) => [workloadName(r.workload), r.workload]),
  );
  const workloads = [...specs.keys()];
  const groupHeight = clients.length * BAR + 10;
  const top = 70 + Math.ceil(clients.length / 3) * 18;
  const height = top + workloads.length * groupHeight + 20;
  const width = LABEL_WIDTH + 2 * PANEL_WIDTH + GAP + 30;
  const runs = (client: string, workload: string) =>
    runsOf(report, client, specs.get(workload)!, "defaults");
  const panels = [
    {
      title: "records/s, each client's defaults (higher is better)",
      value: (c: string, w: string) => median(runs(c, w), (m) => m.recordsPerSecond),
    },
    {
      title: "µs CPU per record in the window (lower is better)",
      value: (c: string, w: string) => median(runs(c, w), (m) => m.cpuMicrosPerRecord),
    },
  ];

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${
      escape(
        `Kafka producers side by side, ${report.date.slice(0, 16)} UTC (${report.mode})`,
      )
    }</text>`,
    `<text x="10" y="38">${
      escape(
        `${report.machine.CPU}, ${report.machine.RAM}; one local broker; each client its own process; medians of ${report.runs} run(s)`,
      )
    }</text>`,
  ];
  clients.forEach((client, i) => {
    const x = 10 + (i % 3) * 300;
    const y = 56 + Math.floor(i / 3) * 18;
    parts.push(
      `<rect x="${x}" y="${y - 9}" width="12" height="10" fill="${COLOURS[i % COLOURS.length]}"/>`,
    );
    parts.push(`<text x="${x + 16}" y="${y}">${escape(client)}</text>`);
  });
  workloads.forEach((w, row) => {
    const y = top + row * groupHeight;
    parts.push(`<text x="10" y="${y + groupHeight / 2}">${escape(w)}</text>`);
  });
  panels.forEach((panel, p) => {
    const x0 = LABEL_WIDTH + p * (PANEL_WIDTH + GAP);
    const values = workloads.flatMap((w) => clients.map((c) => panel.value(c, w) ?? 0));
    const max = Math.max(...values, 1e-9);
    parts.push(
      `<text x="${x0}" y="${top - 8}" font-weight="bold">${escape(panel.title)}</text>`,
    );
    parts.push(
      `<line x1="${x0}" y1="${top - 2}" x2="${x0}" y2="${height - 20}" stroke="#999"/>`,
    );
    workloads.forEach((w, row) => {
      clients.forEach((c, i) => {
        const y = top + row * groupHeight + i * BAR;
        const v = panel.value(c, w);
        if (v === undefined) {
          parts.push(
            `<text x="${x0 + 4}" y="${y + BAR - 1}" font-size="8" fill="#999">n/a</text>`,
          );
          return;
        }
        const length = Math.max(1, (v / max) * (PANEL_WIDTH - 70));
        parts.push(
          `<rect x="${x0}" y="${y}" width="${length.toFixed(1)}" height="${BAR - 1}" fill="${
            COLOURS[i % COLOURS.length]
          }"/>`,
        );
        const label = v >= 100 ? Math.round(v).toLocaleString("en") : v.toFixed(2);
        parts.push(
          `<text x="${(x0 + length + 3).toFixed(1)}" y="${
            y + BAR - 1
          }" font-size="8">${label}</text>`,
        );
      });
    });
  });
  parts.push("</svg>");
  const resvg = new Resvg(parts.join("\n"), {
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  return resvg.render().asPng();
}
