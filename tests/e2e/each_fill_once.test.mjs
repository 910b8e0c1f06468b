// Each file and each fill once in the browser (issue 12, item 7): pressing "Load demo data" twice,
// dropping the same fills export twice, or dropping an export that overlaps what is loaded must
// leave every figure on the dashboard as it was, and the ingest panel must say what was skipped.
// Before the fix every such repeat counted each fill again (P&L doubled, tiers moved).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { prepareDemo, ensureBacktest, startServer, launchBrowser, shotDir } from './harness.mjs';

let server;
let browser;
let page;
let demo;

before(async () => {
  demo = prepareDemo();
  ensureBacktest(demo);
  server = await startServer(demo);
  browser = await launchBrowser();
  page = await browser.newPage();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/** Waits until no file is being read, parsed or scored. */
async function settled() {
  await page.locator('.drop-zone p.progress').waitFor({ state: 'detached', timeout: 120_000 });
}

/** Everything the dashboard shows about the traders: the table (probabilities, tiers, cuts,
 * reasons and the P&L sparklines), the restricted count and the daily-table line. */
async function figures() {
  await settled();
  return {
    table: await page.locator('table.risks').innerHTML(),
    restricted: await page.locator('.table-head .summary-line').innerText(),
    daily: await page.locator('section.ingest p.muted', { hasText: 'Daily table:' }).innerText(),
  };
}

/** The ingest panel's lines about what was skipped as already loaded. */
async function skippedSaysSo(pattern) {
  await page.getByTestId('skipped').getByText(pattern).waitFor({ timeout: 120_000 });
}

/** Drops a file on the drop zone the way a browser does: a `drop` event carrying a DataTransfer. */
async function drop(name, text) {
  const dataTransfer = await page.evaluateHandle(([name, text]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], name, { type: 'text/csv' }));
    return dt;
  }, [name, text]);
  await page.locator('section.drop-zone').dispatchEvent('drop', { dataTransfer });
}

async function loadDemo() {
  await page.getByRole('button', { name: 'Load demo data' }).click();
}

test('pressing "Load demo data" twice counts every fill once', async () => {
  await page.goto(server.url + '/');
  await page.getByText(/Scoring with model \d{8}-\d{6}-/).waitFor();
  await loadDemo();
  await page.locator('table.risks tbody tr').first().waitFor({ timeout: 60_000 });
  await page.getByText(/Backtest \(past predictions\)/).waitFor();
  const once = await figures();
  assert.match(once.restricted, /\d+ of \d+ traders restricted/);

  await loadDemo();
  await skippedSaysSo('skipped 2 files already loaded');
  assert.deepEqual(await figures(), once);
  assert.match(await page.locator('section.ingest').innerText(),
    /Skipped: the same file as demo-fills\.csv, already loaded\./);
  await page.screenshot({ path: path.join(shotDir, 'demo-twice.png'), fullPage: true });
});

test('dropping the same export twice, then the demo again, counts every fill once', async () => {
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.locator('table.risks').waitFor({ state: 'detached' });
  const text = readFileSync(path.join(demo.demoDir, 'recent-fills.csv'), 'utf8');

  await drop('fills.csv', text);
  await page.locator('table.risks tbody tr').first().waitFor({ timeout: 60_000 });
  const once = await figures();

  await drop('fills.csv', text);
  await skippedSaysSo('skipped 1 file already loaded');
  assert.deepEqual(await figures(), once);

  // The demo's fills are the same bytes under another name; its backtest is new.
  await loadDemo();
  await page.getByText(/Backtest \(past predictions\)/).waitFor();
  await skippedSaysSo('skipped 2 files already loaded');
  assert.deepEqual(await figures(), once);
  await loadDemo();
  await skippedSaysSo('skipped 4 files already loaded');
  assert.deepEqual(await figures(), once);
});

test('an export overlapping what is loaded adds no fill twice (Fill Id)', async () => {
  const text = readFileSync(path.join(demo.demoDir, 'recent-fills.csv'), 'utf8');
  const [header, ...all] = text.trimEnd().split('\n');
  assert.match(header, /Fill Id/, 'the demo export carries Fill Ids');
  // Legacy accounts' rows are excluded, not loaded: leave them out so every row is a duplicate.
  const rows = all.filter((r) => !/_OLD,/i.test(r));
  assert.ok(rows.length > 300, `only ${rows.length} demo rows`);
  const before = await figures();
  // Different bytes (so not skipped as a file), every fill already loaded.
  await drop('last-rows.csv', [header, ...rows.slice(-300)].join('\n') + '\n');
  await skippedSaysSo('skipped 300 fills whose Fill Id was already loaded');
  assert.deepEqual(await figures(), before);
  assert.match(await page.locator('section.ingest').innerText(),
    /last-rows\.csv: 300 rows read, 0 kept, 0 rejected, 300 already loaded\./);
  await page.screenshot({ path: path.join(shotDir, 'overlap-skipped.png'), fullPage: true });
});
