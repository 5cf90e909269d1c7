/**
 * Renders the Vega-Lite specs of specs.ts to SVG in Node: Vega-Lite compiles a spec to Vega,
 * and a headless Vega view (renderer 'none') writes the SVG itself, so no canvas and no browser
 * is needed. Text widths are estimated then, which is close enough for labels and legends.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { View, parse } from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { type BenchResults, buildCharts } from './specs.ts';

/** Plain white background and a font list every SVG viewer has. */
const CONFIG = { background: 'white', font: 'Helvetica, Arial, sans-serif', title: { subtitleColor: '#555', anchor: 'start' } } as const;

/** One spec as an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vega = compile(spec, { config: CONFIG }).spec;
  const view = new View(parse(vega), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Reads a results file and writes one SVG per chart it has data for into `outDir`; returns the files written. */
export async function renderCharts(resultsFile: string, outDir: string): Promise<string[]> {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults;
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const chart of buildCharts(results)) {
    const file = join(outDir, `${chart.name}.svg`);
    writeFileSync(file, `${await renderSvg(chart.spec)}\n`);
    written.push(file);
  }
  return written;
}
