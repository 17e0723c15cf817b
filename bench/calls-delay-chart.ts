/*
 * The calls-against-delay chart of the benchmarks (bench/results/*.svg): where each cadence of the
 * notifier sits, beside the official SDK's loop and the goals.
 */

export interface ChartRow {
  workload: string;
  who: string;
  modes: string;
  callsPerTask: number;
  p50Ms: number;
  p95Ms: number;
  wrong: number;
  lost: number;
  duplicates: number;
  passesPerMinute?: number;
}

export interface ChartPanel {
  name: string;
  goalP95Ms?: number;
  goalCallsPerTask?: number;
}

/**
 * A small SVG: calls per task (log scale) against p95 delay, one panel per workload, the notifier's
 * cadences as a line per reading (the frontier), the SDK's loop as a square, goals as dashed lines.
 */
export function callsDelayChart(rows: ChartRow[], panelsOf: ChartPanel[]): string {
  const W = 360;
  const H = 260;
  const pad = { l: 50, r: 20, t: 30, b: 40 };
  const panels = panelsOf.map(({ name, goalP95Ms, goalCallsPerTask }, i) => {
    const rs = rows.filter((r) => r.workload === name);
    const maxDelay = Math.max(10, ...rs.map((r) => r.p95Ms / 1000)) * 1.1;
    const x = (calls: number) => pad.l + ((Math.log10(calls) + 1) / 3) * (W - pad.l - pad.r); // 0.1 .. 100
    const y = (sec: number) => H - pad.b - (sec / maxDelay) * (H - pad.t - pad.b);
    const series = (modes: string, color: string) => {
      const pts = rs.filter((r) => r.modes === modes).sort((a, b) => a.callsPerTask - b.callsPerTask);
      const line = pts
        .map((r) => `${x(r.callsPerTask).toFixed(1)},${y(r.p95Ms / 1000).toFixed(1)}`)
        .join(" ");
      const dots = pts
        .map(
          (r) =>
            `<circle cx="${x(r.callsPerTask).toFixed(1)}" cy="${y(r.p95Ms / 1000).toFixed(1)}" r="3.5" fill="${color}"><title>${r.who} (${modes}): ${r.callsPerTask.toFixed(2)} calls/task, p95 ${(r.p95Ms / 1000).toFixed(1)} s</title></circle>`,
        )
        .join("");
      return `<polyline points="${line}" fill="none" stroke="${color}" stroke-width="1.5"/>${dots}`;
    };
    const ticksX = [0.1, 1, 10, 100]
      .map((v) => `<text x="${x(v)}" y="${H - pad.b + 16}" font-size="10" text-anchor="middle">${v}</text>`)
      .join("");
    const ticksY = [0, 0.25, 0.5, 0.75, 1]
      .map((f) => {
        const v = f * maxDelay;
        return `<text x="${pad.l - 6}" y="${y(v) + 3}" font-size="10" text-anchor="end">${v.toFixed(0)}</text><line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`;
      })
      .join("");
    const goalLine =
      (goalP95Ms === undefined
        ? ""
        : `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(goalP95Ms / 1000)}" y2="${y(goalP95Ms / 1000)}" stroke="#999" stroke-dasharray="4 3"/><text x="${W - pad.r}" y="${y(goalP95Ms / 1000) - 4}" font-size="9" text-anchor="end" fill="#666">goal p95</text>`) +
      (goalCallsPerTask === undefined
        ? ""
        : `<line x1="${x(goalCallsPerTask)}" x2="${x(goalCallsPerTask)}" y1="${pad.t}" y2="${H - pad.b}" stroke="#999" stroke-dasharray="4 3"/><text x="${x(goalCallsPerTask) + 3}" y="${pad.t + 10}" font-size="9" fill="#666">goal calls</text>`);
    const sdk = rs.find((r) => r.passesPerMinute === undefined);
    const sdkDot = sdk
      ? `<rect x="${x(sdk.callsPerTask) - 4}" y="${y(sdk.p95Ms / 1000) - 4}" width="8" height="8" fill="#d62728"><title>SDK waitForDone: ${sdk.callsPerTask.toFixed(1)} calls/task, p95 ${(sdk.p95Ms / 1000).toFixed(1)} s</title></rect>`
      : "";
    return `<g transform="translate(${i * W},0)"><text x="${W / 2}" y="18" font-size="13" text-anchor="middle">${name}</text>${ticksY}${ticksX}${goalLine}<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#333"/><line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="#333"/>${series("lenient", "#1f77b4")}${series("strict", "#ff7f0e")}${sdkDot}<text x="${(W + pad.l) / 2}" y="${H - 8}" font-size="11" text-anchor="middle">TwelveLabs calls per task (log)</text><text x="14" y="${H / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">p95 delay (s)</text></g>`;
  });
  const legend = `<g transform="translate(${W * panelsOf.length - 300},${H + 4})" font-size="11"><circle cx="6" cy="6" r="4" fill="#1f77b4"/><text x="14" y="10">notifier, lenient readings</text><circle cx="6" cy="22" r="4" fill="#ff7f0e"/><text x="14" y="26">notifier, strict readings</text><rect x="175" y="2" width="8" height="8" fill="#d62728"/><text x="187" y="10">SDK waitForDone</text></g>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W * panelsOf.length}" height="${H + 36}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${panels.join("")}${legend}</svg>\n`;
}
