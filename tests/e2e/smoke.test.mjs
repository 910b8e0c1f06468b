// The web app in a real browser against `dars serve` with a model published by `dars demo`:
// load the demo firm, see every trader scored, open a trader, read the waterfall, move a what-if
// slider, check the model page, reload a deep link, and get line-numbered errors for a bad file.
// Throughout, no request may carry the user's data to the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { prepareDemo, startServer, launchBrowser, shotDir } from './harness.mjs';

let server;
let browser;
let page;
let demo;
const requests = [];

before(async () => {
  demo = prepareDemo();
  server = await startServer(demo);
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('request', (r) => requests.push({ method: r.method(), url: r.url(), body: r.postData() ?? '' }));
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('dashboard renders, loads the published model and states the privacy promise', async () => {
  await page.goto(server.url + '/');
  await page.getByRole('heading', { name: 'Risk dashboard' }).waitFor();
  await page.getByText(/Scoring with model \d{8}-\d{6}-/).waitFor();
  const footer = page.locator('footer');
  await footer.getByText(/server v\d+\.\d+\.\d+/).waitFor();
  assert.match(await footer.innerText(), /never uploaded/);
  await page.screenshot({ path: path.join(shotDir, 'dashboard-empty.png'), fullPage: true });
});

test('"Load demo data" parses and scores every trader in the browser', async () => {
  await page.getByRole('button', { name: 'Load demo data' }).click();
  const rows = page.locator('table.risks tbody tr');
  await rows.first().waitFor({ timeout: 60_000 });
  const n = await rows.count();
  assert.ok(n >= 6, `expected every active trader, got ${n} rows`);
  const probs = await page.locator('table.risks td.prob').allInnerTexts();
  assert.ok(probs.filter((p) => /^\d+%$/.test(p)).length >= 5, `probabilities: ${probs}`);
  await page.getByText(/\d+ of \d+ traders restricted/).waitFor();
  const ingest = await page.locator('section.ingest').innerText();
  assert.match(ingest, /Detected PropReports fills export/);
  assert.match(ingest, /rows read, \d+ kept, 0 rejected/);
  await page.screenshot({ path: path.join(shotDir, 'dashboard-demo.png'), fullPage: true });
});

test('a trader page explains the prediction and what-if sliders re-score it', async () => {
  const first = page.locator('table.risks tbody tr').first();
  const account = await first.getAttribute('data-account');
  await first.getByRole('link').click();
  await page.getByRole('heading', { name: `Trader ${account}` }).waitFor();
  const prob = await page.getByTestId('probability').innerText();
  assert.match(prob, /^\d+%$/);
  await page.getByRole('heading', { name: 'Why: SHAP waterfall' }).waitFor();
  assert.ok((await page.locator('.wf-labels li').count()) >= 5);
  const before = await page.getByTestId('what-if').innerText();
  const slider = page.getByLabel('trades multiplier');
  await slider.fill('3');
  await page.getByLabel('size multiplier').fill('2.5');
  await page.waitForFunction((b) => document.querySelector('[data-testid=what-if]')?.innerText !== b, before);
  const after = await page.getByTestId('what-if').innerText();
  assert.notEqual(after, before);
  await page.screenshot({ path: path.join(shotDir, 'trader.png'), fullPage: true });
});

test('the model page shows validation against the baselines', async () => {
  await page.getByRole('link', { name: 'Model' }).click();
  await page.getByText('Published model version').waitFor();
  await page.getByText('Walk-forward folds').waitFor();
  assert.match(await page.locator('main').innerText(), /Rules baseline/);
  await page.screenshot({ path: path.join(shotDir, 'model.png'), fullPage: true });
});

test('a deep link to a trader page survives a reload', async () => {
  await page.goto(server.url + '/trader/NET001');
  await page.getByRole('heading', { name: 'Trader NET001' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Trader NET001' }).waitFor();
});

test('a malformed file gets line-numbered errors, an unknown one a clear message', async () => {
  await page.goto(server.url + '/');
  const bad = path.join(demo.dir, 'bad-fills.csv');
  writeFileSync(bad, 'Date/Time,Account,B/S,Qty,Symbol,Price\n'
    + '01/02/2025 09:31:00,NET001,B,100,AAPL,10.00\n'
    + '01/02/2025 09:32:00,NET001,X,100,AAPL,10.10\n'
    + '13/45/2025 09:33:00,NET001,S,100,AAPL,10.20\n');
  const weird = path.join(demo.dir, 'weird.csv');
  writeFileSync(weird, 'foo,bar\n1,2\n');
  await page.locator('input[type=file]').setInputFiles([bad, weird]);
  await page.getByText(/bad-fills\.csv line 3/).waitFor();
  await page.getByText(/bad-fills\.csv line 4/).waitFor();
  await page.getByText(/weird\.csv:.*foo/).waitFor();
  await page.screenshot({ path: path.join(shotDir, 'ingest-errors.png'), fullPage: true });
});

test('no request carried the user\'s data to the server', () => {
  const writes = requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
  assert.deepEqual(writes, [], 'the page must only fetch');
  assert.ok(requests.every((r) => !r.body.includes('NET001')));
  assert.ok(requests.every((r) => !/[?&].*NET00/.test(new URL(r.url).search)));
});
