/**
 * The period summary as the CLI shows it: an aligned table, or a one-page HTML report (the same
 * table and a histogram of time to resolve as inline SVG) that needs no server or network.
 */
import type { PeriodSummary } from '../../functions/core/history/summary';

/** `45s`, `2m 05s`, `1h 02m`, `3d 04h`: two units at most. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const pad = (value: number) => String(value).padStart(2, '0');
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${pad(seconds % 60)}s`;
  if (seconds < 86_400)
    return `${Math.floor(seconds / 3600)}h ${pad(Math.floor(seconds / 60) % 60)}m`;
  return `${Math.floor(seconds / 86_400)}d ${pad(Math.floor(seconds / 3600) % 24)}h`;
}

const HEADER = ['STATUS', 'COUNT', 'P50', 'P95', 'MAX'];

function rowsOf(summary: PeriodSummary): string[][] {
  return summary.statuses.map((row) => [
    row.status,
    String(row.count),
    formatDuration(row.p50Ms),
    formatDuration(row.p95Ms),
    formatDuration(row.maxMs),
  ]);
}

export function formatSummaryTable(summary: PeriodSummary): string {
  const rows = rowsOf(summary);
  const widths = HEADER.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const head = `Payments that ended from ${summary.from} to ${summary.to}: ${summary.orders} orders`;
  if (rows.length === 0) return `${head}\nNothing resolved or expired in the period.\n`;
  return `${head}\n\n${[line(HEADER), ...rows.map(line)].join('\n')}\n`;
}

/** Histogram buckets of time to resolve: upper bounds in ms, the last open-ended. */
export const HISTOGRAM_BUCKETS: readonly { label: string; below: number }[] = [
  { label: '< 1m', below: 60_000 },
  { label: '1–5m', below: 300_000 },
  { label: '5–15m', below: 900_000 },
  { label: '15–60m', below: 3_600_000 },
  { label: '1–4h', below: 14_400_000 },
  { label: '4–24h', below: 86_400_000 },
  { label: '≥ 24h', below: Number.POSITIVE_INFINITY },
];

export function histogram(durationsMs: readonly number[]): number[] {
  const counts = HISTOGRAM_BUCKETS.map(() => 0);
  for (const ms of durationsMs) {
    const index = HISTOGRAM_BUCKETS.findIndex((bucket) => ms < bucket.below);
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/** Statuses are free-form strings a OneEntry project configures: never trusted as markup. */
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);

export function formatSummaryHtml(summary: PeriodSummary): string {
  const counts = histogram(summary.durationsMs);
  const most = Math.max(1, ...counts);
  const barWidth = 80;
  const height = 200;
  const bars = counts
    .map((count, i) => {
      const barHeight = Math.round((count / most) * height);
      const x = 40 + i * (barWidth + 10);
      const label = escapeHtml(HISTOGRAM_BUCKETS[i]?.label ?? '');
      return (
        `<rect x="${x}" y="${20 + height - barHeight}" width="${barWidth}" height="${barHeight}" fill="#4a7bd0"><title>${label}: ${count}</title></rect>` +
        `<text x="${x + barWidth / 2}" y="${height + 38}" text-anchor="middle">${label}</text>` +
        `<text x="${x + barWidth / 2}" y="${14 + height - barHeight}" text-anchor="middle">${count}</text>`
      );
    })
    .join('\n');
  const rows = rowsOf(summary)
    .map(
      (cells) =>
        `<tr>${cells.map((cell, i) => `<td${i > 0 ? ' class="n"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const width = 40 + counts.length * (barWidth + 10);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Payment sessions ${escapeHtml(summary.from)} – ${escapeHtml(summary.to)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0 2rem; }
th, td { border-bottom: 1px solid #ccc; padding: .3rem .8rem; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
svg text { font-size: 12px; fill: #222; }
</style>
</head>
<body>
<h1>Payment sessions that ended</h1>
<p>From ${escapeHtml(summary.from)} to ${escapeHtml(summary.to)}: ${summary.orders} orders, ${summary.durationsMs.length} sessions.</p>
<table>
<thead><tr><th>Final status</th><th class="n">Count</th><th class="n">p50</th><th class="n">p95</th><th class="n">Max</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Time to resolve</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 50}" role="img" aria-label="Histogram of time to resolve">
${bars}
</svg>
</body>
</html>
`;
}
