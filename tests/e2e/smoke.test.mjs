// The web app in a real browser against `dars serve` with a model published by `dars demo`:
// load the demo firm, see every trader scored, open a trader, read the waterfall, move a what-if
// slider, check the model page, reload a deep link, and get line-numbered errors for a bad file
// and for an Interactive Brokers Flex XML report.
// The trader page's history views (win-rate drift, behavioural flags, time of day, past
// predictions from the demo's backtest, the SHAP beeswarm and dependence scatter, the what-if
// hour toggles, which take a session's trades out of the day, and the what-if's explanation) and
// the model page's reliability diagram, threshold against its base rate and lineage are checked
// with data.
// Throughout, no request may carry the user's data to the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { prepareDemo, ensureBacktest, startServer, launchBrowser, shotDir, root } from './harness.mjs';

let server;
let browser;
let page;
let demo;
const requests = [];

before(async () => {
  demo = prepareDemo();
  ensureBacktest(demo);
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
  await page.getByText(/\d+ of \d+ traders restricted/).waitFor();
  // Every trader is listed: a row each, departed ones folded under the table.
  const n = await rows.count();
  const departedLine = page.getByTestId('departed');
  const folded = (await departedLine.count())
    ? Number((await departedLine.locator('summary').innerText()).match(/^(\d+)/)[1])
    : 0;
  assert.ok(n + folded >= 6, `expected every trader, got ${n} rows and ${folded} departed`);
  assert.ok(n >= 5, `expected the active traders as rows, got ${n}`);
  const probs = await page.locator('table.risks td.prob').allInnerTexts();
  assert.ok(probs.filter((p) => /^\d+%$/.test(p)).length >= 5, `probabilities: ${probs}`);
  await page.getByText(/\d+ of \d+ traders restricted/).waitFor();
  // Departed traders are folded under the table, not listed in it (as the morning run does).
  assert.equal(await page.locator('table.risks tbody tr[data-status="departed"]').count(), 0);
  const departed = page.getByTestId('departed');
  if (await departed.count()) {
    assert.match(await departed.innerText(), /^\d+ departed traders? not scored/);
  }
  const ingest = await page.locator('section.ingest').innerText();
  assert.match(ingest, /Detected PropReports fills export/);
  assert.match(ingest, /rows read, \d+ kept, 0 rejected/);
  await page.getByText(/Backtest \(past predictions\): \d+ rows for \d+ traders/).waitFor();
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
  // The answer explains itself: what the change did to the day and, feature by feature, how much
  // each moved the probability.
  assert.match(await page.getByTestId('what-if-day').innerText(), /fills \d+ → \d+/);
  const explained = page.getByTestId('what-if-explained');
  assert.match(await explained.innerText(), /Why: \d+% → \d+% \([+-]?\d+\.\d pts\)/);
  assert.ok((await explained.locator('tbody tr').count()) >= 2, 'feature rows and a total');
  assert.match(await explained.locator('tr.total').innerText(), /P\(next day closes negative\)/);
  await page.screenshot({ path: path.join(shotDir, 'trader.png'), fullPage: true });
});

/** The number of `selector` elements inside the element with data-testid `id`. */
async function count(id, selector) {
  return page.getByTestId(id).locator(selector).count();
}

test('the trader page shows win-rate drift, flags, time of day and past predictions', async () => {
  const drift = page.getByTestId('win-rate-drift');
  await drift.waitFor();
  assert.match(await drift.innerText(), /5-day win rate \d+% vs 20-day \d+%/);
  assert.ok((await count('win-rate-drift', 'svg polyline')) >= 2, 'two win-rate lines');

  const flags = page.getByTestId('behaviour-flags');
  assert.equal(await flags.locator('.strip-row svg').count(), 3);
  assert.ok((await count('behaviour-flags', 'svg rect')) > 30, 'a cell per checked day');
  const flagTable = await flags.locator('tbody tr').allInnerTexts();
  assert.equal(flagTable.length, 3);
  assert.ok(flagTable.every((r) => /\d+ of \d+ days/.test(r)), flagTable.join(' | '));

  const hours = page.getByTestId('time-of-day');
  assert.match(await hours.innerText(), /(Best: (Open|Midday|Close|Extended hours) \(\+\$|No hour made money)/);
  assert.equal(await hours.locator('svg rect').count(), 4);
  assert.equal(await hours.locator('tbody tr').count(), 4);

  const past = page.getByTestId('past-predictions');
  await past.locator('svg circle').first().waitFor();
  assert.ok((await past.locator('svg circle').count()) >= 40, 'a dot per model-scored day');
  const hitRate = await page.getByTestId('hit-rate').innerText();
  assert.match(hitRate, /\d+ predictions with a known outcome; \d+ of those days closed negative \(\d+%\)/);
  // The hit rate stands beside the base rate over the same days and the lift.
  assert.match(hitRate,
    /Cut on \d+ of \d+ days; \d+% of cut days closed negative vs \d+% of all days \(lift \d+\.\d\dx\)|never cut/);
  // The y labels sit level with the values they name (0 is above the outcome strip, not at the
  // bottom edge): PREDICTIONS_AXIS is 6 px of margin around -0.08..1 in a 200 px picture.
  const svgBox = await past.locator('.prob-chart svg').boundingBox();
  for (const [text, p] of [['100%', 1], ['50%', 0.5], ['0%', 0]]) {
    const box = await past.locator('.y-axis span', { hasText: new RegExp(`^${text}$`) }).boundingBox();
    const want = svgBox.y + svgBox.height * (6 + (1 - p) / 1.08 * 188) / 200;
    const got = box.y + box.height / 2;
    assert.ok(Math.abs(got - want) <= 2, `${text} label at ${got}, the chart draws ${p} at ${want}`);
  }
  await past.screenshot({ path: path.join(shotDir, 'past-predictions.png') });
  await page.screenshot({ path: path.join(shotDir, 'trader-history.png'), fullPage: true });
});

test('SHAP coaching: beeswarm, a dependence scatter per feature, hour toggles re-score', async () => {
  const swarm = page.getByTestId('beeswarm');
  await swarm.waitFor();
  assert.ok((await swarm.locator('.swarm-row svg').count()) >= 5, 'a lane per top feature');
  assert.ok((await swarm.locator('svg circle').count()) >= 50, 'a dot per explained day');

  const chart = page.getByTestId('dependence-chart');
  const before = await chart.innerHTML();
  assert.ok((await chart.locator('svg circle').count()) > 0);
  const select = page.getByLabel('dependence feature');
  const options = await select.locator('option').allInnerTexts();
  assert.ok(options.length >= 5, `features to choose: ${options}`);
  await select.selectOption({ index: 2 });
  await page.waitForFunction((b) => document.querySelector('[data-testid=dependence-chart]')?.innerHTML !== b, before);
  assert.ok((await chart.innerText()).includes(options[2]), 'the caption names the chosen feature');

  // Sliders back to x1, then leave sessions out one at a time: each takes its trades out of the
  // day (the day line shows fewer fills) and the table says which features moved.
  await page.getByLabel('trades multiplier').fill('1');
  await page.getByLabel('size multiplier').fill('1');
  const prob = async () => (await page.getByTestId('what-if').innerText()).match(/^(\d+%)/)?.[1];
  const start = await prob();
  assert.ok(start, 'the what-if shows a probability');
  const fills = async () => {
    const m = (await page.getByTestId('what-if-day').innerText()).match(/fills (\d+) → (\d+)/);
    return m ? [Number(m[1]), Number(m[2])] : null;
  };
  const dayLine = '[data-testid=what-if-day]';
  const traded = [];
  for (const bucket of ['Open', 'Midday', 'Close', 'Extended hours']) {
    const label = page.locator('label.hour', { hasText: bucket });
    if (/no trades/.test(await label.innerText())) continue;
    traded.push(bucket);
    await page.getByLabel(`trade ${bucket}`).uncheck();
    await page.waitForFunction((sel) => /fills \d+ → \d+/.test(document.querySelector(sel)?.innerText ?? ''), dayLine);
    const f = await fills();
    assert.ok(f && f[1] < f[0], `leaving out ${bucket} removes its fills: ${f}`);
    assert.match(await page.getByTestId('what-if-explained').innerText(), /Why: \d+% → \d+%/);
    await page.getByLabel(`trade ${bucket}`).check();
    await page.waitForFunction((sel) => !document.querySelector(sel), dayLine);
  }
  assert.ok(traded.length >= 2, `the demo trader traded in at least two sessions: ${traded}`);
  // The picture: the first traded session left out.
  await page.getByLabel(`trade ${traded[0]}`).uncheck();
  await page.getByTestId('what-if-day').waitFor();
  assert.ok(await prob(), `still a probability with ${traded[0]} left out`);
  const panel = page.getByTestId('what-if-panel');
  await page.setViewportSize({ width: 1366, height: 768 });
  await panel.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shotDir, 'what-if-1366x768.png') });
  await page.setViewportSize({ width: 1366, height: 900 });
  // Every session left out: no trades that day, which the model does not score.
  for (const bucket of ['Midday', 'Close', 'Extended hours']) {
    await page.getByLabel(`trade ${bucket}`).uncheck();
  }
  await page.getByText(/has no trades left; the model scores trading days only/).waitFor();
  for (const bucket of ['Open', 'Midday', 'Close', 'Extended hours']) {
    await page.getByLabel(`trade ${bucket}`).check();
  }
  assert.equal(await prob(), start, 'every session back gives the plain score');
  await page.screenshot({ path: path.join(shotDir, 'trader-coaching.png'), fullPage: true });
  await page.setViewportSize({ width: 820, height: 1180 });
  await page.screenshot({ path: path.join(shotDir, 'trader-tablet.png'), fullPage: true });
  await page.setViewportSize({ width: 1366, height: 900 });
});

test('the model page shows validation against the baselines', async () => {
  await page.getByRole('link', { name: 'Model' }).click();
  await page.getByText('Published model version').waitFor();
  await page.getByText('Walk-forward folds').waitFor();
  assert.match(await page.locator('main').innerText(), /Rules baseline/);
  // The threshold's out-of-fold hit rate stands beside the base rate of the same days.
  assert.match(await page.getByTestId('threshold').innerText(),
    /\d+% of the out-of-fold days at or above it closed negative vs \d+% of all out-of-fold days \(lift \d+\.\d\dx\)/);
  await page.screenshot({ path: path.join(shotDir, 'model.png'), fullPage: true });
});

test('the model page draws the reliability diagram and states version and lineage', async () => {
  assert.ok((await count('reliability', 'svg circle')) >= 2, 'a dot per non-empty bin');
  await page.getByTestId('reliability').screenshot({ path: path.join(shotDir, 'reliability.png') });
  const lineage = await page.getByTestId('lineage').innerText();
  for (const field of ['Code version', 'Training window', 'Data hash', 'Embargo', 'Trees']) {
    assert.match(lineage, new RegExp(field));
  }
  // The model against the rules, in ranking and replayed dollars, replaces the old EV lift.
  const against = await page.getByTestId('against-rules').innerText();
  assert.match(against, /Replayed targeting lift/);
  assert.match(against, /ROC AUC\s+0\.\d{3}\s+0\.\d{3}/);
  assert.doesNotMatch(await page.locator('main').innerText(), /EV lift/);
  // The demo's backtest: the decisions replayed on the fills against the same cuts on random
  // days, the rules alone and the oracle, with the targeting lift and its interval.
  const replay = page.getByTestId('backtest-replay');
  await replay.getByTestId('targeting-lift').waitFor({ timeout: 30_000 });
  const replayText = await replay.innerText();
  for (const row of ['issued', 'same cuts on random days', 'rules alone', 'oracle at the issued budget']) {
    assert.match(replayText, new RegExp(row));
  }
  assert.match(replayText, /Targeting lift of the issued cuts: -?\$[\d,]+ over random days .*95% interval/);
  assert.match(await page.getByTestId('new-traders').innerText(), /^New traders: /);
  // The promotion history names operators: without a manager's token the page says so, and
  // the registry's file is not served (the identity test shows it with a token).
  await page.getByText(/the promotion history names who moved the model, so it is for managers/).waitFor();
  assert.equal((await fetch(server.url + '/models/history.jsonl')).status, 404);
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

test('an Interactive Brokers Flex XML report is read in the tab, with its own line numbers', async () => {
  await page.goto(server.url + '/');
  const xml = path.join(root, 'tests/fixtures/ingest/ibkr_flex_trades.xml');
  await page.locator('input[type=file]').setInputFiles([xml]);
  // Rejections name the XML's lines (the CSV rows they became are lines 5, 8 and 11).
  await page.getByText(/ibkr_flex_trades\.xml line 9/).waitFor();
  await page.getByText(/ibkr_flex_trades\.xml line 15/).waitFor();
  await page.getByText('U1234567').first().waitFor();
  await page.getByText('U7654321').first().waitFor();
  await page.screenshot({ path: path.join(shotDir, 'ibkr-xml.png'), fullPage: true });
});

test('no request carried the user\'s data to the server', () => {
  const writes = requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
  assert.deepEqual(writes, [], 'the page must only fetch');
  assert.ok(requests.every((r) => !r.body.includes('NET001')));
  assert.ok(requests.every((r) => !/[?&].*NET00/.test(new URL(r.url).search)));
});
