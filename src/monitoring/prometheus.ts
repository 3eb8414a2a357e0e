/**
 * A minimal Prometheus text-format (0.0.4) writer: counters, histograms and gauges. Enough for the app's handful of metrics without a dependency.
 */
type Labels = Record<string, string | number>;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const formatLabels = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};
const formatValue = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');
const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

interface Metric {
  render(): string[];
}

function header(name: string, help: string, type: string): string[] {
  return [`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`];
}

export class Counter implements Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }

  render(): string[] {
    return [...header(this.name, this.help, 'counter'), ...[...this.values.values()].map((e) => `${this.name}${formatLabels(e.labels)} ${formatValue(e.value)}`)];
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {}

  observe(labels: Labels, value: number): void {
    const key = keyOf(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((le, i) => value <= le && s.counts[i]++);
    s.sum += value;
    s.count++;
  }

  render(): string[] {
    const lines = header(this.name, this.help, 'histogram');
    for (const s of this.series.values()) {
      this.buckets.forEach((le, i) => lines.push(`${this.name}_bucket${formatLabels({ ...s.labels, le })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${formatLabels({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${formatLabels(s.labels)} ${formatValue(s.sum)}`);
      lines.push(`${this.name}_count${formatLabels(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

/** A gauge the scrape fills afresh (`replace`), so a queue that disappeared leaves no stale series. */
export class Gauge implements Metric {
  private samples: { labels: Labels; value: number }[] = [];
  constructor(readonly name: string, readonly help: string) {}

  replace(samples: { labels: Labels; value: number }[]): void {
    this.samples = samples;
  }

  render(): string[] {
    return [...header(this.name, this.help, 'gauge'), ...this.samples.map((s) => `${this.name}${formatLabels(s.labels)} ${formatValue(s.value)}`)];
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function renderMetrics(metrics: Metric[]): string {
  return `${metrics.flatMap((m) => m.render()).join('\n')}\n`;
}
