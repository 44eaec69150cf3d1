import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { CheckResult } from '../types';

/** The phases of a check, in the order they happen; stacked they make its response time. */
export const PHASES = [
  { key: 'dnsMs', label: 'DNS', color: '#8b5cf6' },
  { key: 'connectMs', label: 'Connect', color: '#0ea5e9' },
  { key: 'tlsMs', label: 'TLS', color: '#14b8a6' },
  { key: 'firstByteMs', label: 'First byte', color: '#f59e0b' },
  { key: 'transferMs', label: 'Transfer', color: '#ef4444' },
] as const;

const HEIGHT = 260;

/**
 * Response times of the checks in a range, each split into its timing phases and stacked: the
 * series are drawn as running sums, largest first, so each band shows one phase; the legend
 * shows the phase's own milliseconds.
 */
export default function ResponseChart({ checks }: { checks: CheckResult[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const theme = useThemeChanges();

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const css = getComputedStyle(el);
    const ink = css.color;
    const rule = css.getPropertyValue('--border').trim() || '#d1d5db';
    const xs = checks.map((c) => Date.parse(c.startedAt) / 1000);
    const own = PHASES.map((p) => checks.map((c) => c.timings[p.key] ?? 0));
    // Running sums: band i spans from the sum of the phases before it to the sum through it.
    const sums = own.map((_, i) =>
      checks.map((_c, j) => own.slice(0, i + 1).reduce((s, row) => s + row[j]!, 0)),
    );
    const order = PHASES.map((_, i) => i).reverse();
    const data: uPlot.AlignedData = [xs, ...order.map((i) => sums[i]!)];
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height: HEIGHT,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, 1) * 1.1] } },
      // Canvas has no currentColor: the theme's colours are read from the page.
      axes: [
        { stroke: ink, grid: { stroke: rule }, ticks: { stroke: rule } },
        { stroke: ink, grid: { stroke: rule }, ticks: { stroke: rule }, label: 'ms' },
      ],
      series: [
        { label: 'Time' },
        ...order.map((i) => ({
          label: PHASES[i]!.label,
          stroke: PHASES[i]!.color,
          fill: `${PHASES[i]!.color}cc`,
          width: 1,
          points: { show: false },
          value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) =>
            idx === null ? '—' : `${Math.round(own[i]![idx]!)} ms`,
        })),
      ],
      legend: { live: true },
    };
    plot.current?.destroy();
    plot.current = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: el.clientWidth, height: HEIGHT }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [checks, theme]);

  return <div ref={box} className="chart" data-testid="response-chart" />;
}

/** Counts theme changes (the toggle, or the system's scheme), so the canvas is drawn again. */
function useThemeChanges(): number {
  const [changes, setChanges] = useState(0);
  useEffect(() => {
    const bump = () => setChanges((n) => n + 1);
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', bump);
    const toggle = new MutationObserver(bump);
    toggle.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      scheme.removeEventListener('change', bump);
      toggle.disconnect();
    };
  }, []);
  return changes;
}
