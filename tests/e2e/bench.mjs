// End-to-end browser benchmark (not a test; figures go to BENCHMARKS.md):
//   node tests/e2e/bench.mjs DEMO_DIR MODELS_DIR [runs]
// Serves the built web app with a prepared demo (e.g. from `./dars demo --no-serve`), then in
// headless Chromium times "Load demo data" → rendered dashboard (fetch, parse, FIFO, daily
// table, features, scoring with SHAP, render) over several runs, and reports the wasm bundle
// size raw and gzipped.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { startServer, launchBrowser, webDir } from './harness.mjs';

const [demoDir, modelsDir, runsArg] = process.argv.slice(2);
if (!demoDir || !modelsDir) {
  console.error('usage: node tests/e2e/bench.mjs DEMO_DIR MODELS_DIR [runs]');
  process.exit(2);
}
const runs = Number(runsArg ?? 5);
const wasm = readdirSync(webDir).find((f) => f.endsWith('.wasm'));
const wasmBytes = readFileSync(path.join(webDir, wasm));
const fillsBytes = statSync(path.join(demoDir, 'recent-fills.csv')).size;
const server = await startServer({ demoDir, modelsDir });
const browser = await launchBrowser();
const times = [];
let rows = 0;
try {
  for (let i = 0; i < runs; i++) {
    const page = await browser.newPage();
    await page.goto(server.url + '/');
    await page.getByText(/Scoring with model/).waitFor();
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Load demo data' }).click();
    await page.locator('table.risks tbody tr').first().waitFor({ timeout: 120_000 });
    times.push(Date.now() - t0);
    const text = await page.locator('section.ingest').innerText();
    rows = Number((text.match(/(\d+) rows read/) ?? [0, 0])[1]);
    await page.close();
  }
} finally {
  await browser.close();
  server.stop();
}
times.sort((a, b) => a - b);
console.log(`demo fills: ${rows} rows, ${(fillsBytes / 1e6).toFixed(1)} MB`);
console.log(`load demo data -> rendered dashboard: median ${times[Math.floor(times.length / 2)]} ms, min ${times[0]} ms, max ${times[times.length - 1]} ms over ${runs} runs`);
console.log(`wasm bundle ${wasm}: ${(wasmBytes.length / 1e6).toFixed(2)} MB raw, ${(gzipSync(wasmBytes, { level: 9 }).length / 1e6).toFixed(2)} MB gzipped`);
