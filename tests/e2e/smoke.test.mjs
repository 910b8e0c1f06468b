// The walking skeleton in a real browser: the page served by `dars serve` renders real content,
// loads the demo firm, and deep links survive a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { simulateFirm, startServer, launchBrowser, shotDir } from './harness.mjs';

let server;
let browser;
let page;

before(async () => {
  server = await startServer({ demoDir: simulateFirm() });
  browser = await launchBrowser();
  page = await browser.newPage();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('dashboard renders, talks to the server and states the privacy promise', async () => {
  await page.goto(server.url + '/');
  await page.getByRole('heading', { name: 'Risk dashboard' }).waitFor();
  const footer = page.locator('footer');
  await footer.getByText(/server v\d+\.\d+\.\d+/).waitFor();
  assert.match(await footer.innerText(), /never uploaded/);
  await page.screenshot({ path: path.join(shotDir, 'dashboard-empty.png'), fullPage: true });
});

test('"Load demo data" fetches the simulated firm into the page', async () => {
  await page.getByRole('button', { name: 'Load demo data' }).click();
  const row = page.locator('table.files tbody tr').first();
  await row.waitFor();
  const text = await row.innerText();
  assert.match(text, /demo totals\.csv/);
  const rows = Number(await row.locator('td').nth(2).innerText());
  assert.ok(rows > 100, `expected a firm's worth of daily rows, got ${rows}`);
  assert.match(text, /Date,Account,Orders,Fills/);
  await page.screenshot({ path: path.join(shotDir, 'dashboard-demo.png'), fullPage: true });
});

test('a deep link to a trader page survives a reload', async () => {
  await page.goto(server.url + '/trader/NET001');
  await page.getByRole('heading', { name: 'Trader NET001' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Trader NET001' }).waitFor();
  await page.screenshot({ path: path.join(shotDir, 'trader.png'), fullPage: true });
});
