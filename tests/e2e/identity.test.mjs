// The policy travels with the model (issue 12, item 2): the same files dropped into the page and
// given to `dars ingest` + `dars predict` must give every trader the same tier, cut and new
// limit, and probabilities within 1e-9, under a configuration that is not the default: a
// restriction budget of 40% (15% high), other tier cuts, another base limit and per-account
// limits. The public policy.json leaves the per-account limits out, so the page matches the
// morning run only with a manager's API token (`GET /api/policy`); the first test shows that
// without one it does not, so this test can fail. The model is trained with a market series from
// the lake, which the page reads from the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dars, startServer, launchBrowser, shotDir } from './harness.mjs';

/** Accounts with a daily loss limit of their own, in dollars (the base is $4,000). */
const LIMITS = { NET002: 9000, NET004: 1500, NET005: 6000 };
const CONFIG = `risk:
  restrict_share: 0.40
  high_share: 0.15
  base_loss_limit: 4000
  loss_limits:
${Object.entries(LIMITS).map(([a, l]) => `    ${a}: ${l}`).join('\n')}
  tiers:
    moderate_band: 0.08
    moderate_cut: 0.30
    high_cut: 0.55
`;

let dir;
let files;
let run;
let manager;
let server;
let browser;
const requests = [];

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'dars-e2e-identity-'));
  // No maximum drawdown: the accounts with their own limit below must still be trading.
  dars(dir, 'simulate', '--traders', '6', '--days', '230', '--seed', '11', '--out', 'sim', '--no-oracle',
    '--max-drawdown', '1000000000');
  writeFileSync(path.join(dir, 'config.yaml'), CONFIG);
  files = ['sim/fills.csv', 'sim/totals.csv'].map((f) => path.join(dir, f));
  dars(dir, 'ingest', ...files);
  // A market series in the lake (issue #16 item 7): the model trains with it, `dars predict`
  // reads it from the lake and the page from `/market.json`; a page that scored without it would
  // leave every trader to the rules and fail the identity below.
  const days = [...new Set(dars(dir, 'export', 'daily').trim().split('\n').slice(1).map((l) => l.split(',')[0]))].sort();
  writeFileSync(path.join(dir, 'vix.csv'),
    'observation_date,VIXCLS\n' + days.map((d, i) => `${d},${(14 + (i * 7) % 11 + (i % 3) * 0.37).toFixed(2)}`).join('\n') + '\n');
  dars(dir, 'ingest', 'vix.csv');
  const trained = dars(dir, 'train', '--config', 'config.yaml', '--embargo', '20', '--min-train-days', '60', '--promote');
  // A six-trader firm rarely beats the rules with an interval above zero (`train::gate`): this
  // test needs a published model, so it takes the desk's audited override.
  if (!trained.includes('promoted: models/current')) {
    const version = trained.match(/^model (\S+) written to/m)?.[1];
    assert.ok(version, trained);
    dars(dir, 'model', 'promote', version);
  }
  assert.equal(JSON.parse(readFileSync(path.join(dir, 'models/current/model.json'), 'utf8')).market, 'VIXCLS');
  run = JSON.parse(dars(dir, 'predict', '--config', 'config.yaml'));
  assert.ok(run.traders.some((t) => typeof t.probability === 'number'), JSON.stringify(run.warnings));
  manager = dars(dir, 'token', 'create', '--role', 'manager', '--name', 'e2e-desk').trim();
  server = await startServer({
    demoDir: path.join(dir, 'sim'), modelsDir: path.join(dir, 'models'), cwd: dir, config: 'config.yaml',
  });
  browser = await launchBrowser();
  // allHeaders(): headers() leaves security-related ones out.
  browser.on('request', (r) => {
    const seen = (h) => ({ method: r.method(), url: r.url(), body: r.postData() ?? '', auth: h.authorization ?? '' });
    requests.push(r.allHeaders().then(seen, () => seen(r.headers())));
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh tab (its own, empty sessionStorage) on the dashboard, the model and policy loaded. */
async function openDashboard() {
  const page = await browser.newPage();
  await page.goto(server.url + '/');
  await page.getByText(/Scoring with model \d{8}-\d{6}-/).waitFor();
  await page.getByTestId('policy-note').getByText(/the published policy/).waitFor();
  return page;
}

async function enterToken(page, token) {
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Use token' }).click();
}

/**
 * Drops the files the morning run ingested on the drop zone, as a browser does (one `drop` event
 * carrying both); resolves when every trader is scored.
 */
async function dropFiles(page) {
  const named = files.map((f) => [path.basename(f), readFileSync(f, 'utf8')]);
  const dataTransfer = await page.evaluateHandle((named) => {
    const dt = new DataTransfer();
    for (const [name, text] of named) dt.items.add(new File([text], name, { type: 'text/csv' }));
    return dt;
  }, named);
  await page.locator('section.drop-zone').dispatchEvent('drop', { dataTransfer });
  await page.locator('section.ingest').getByText(/^totals\.csv: \d+ rows read/).waitFor({ timeout: 120_000 });
  await page.locator('.drop-zone p.progress').waitFor({ state: 'detached', timeout: 120_000 });
  await page.locator('table.risks tbody tr').first().waitFor();
}

/** Every risk-table row's data attributes (account, status, tier, cut, new limit, ...). */
async function rows(page) {
  return page.locator('table.risks tbody tr').evaluateAll((trs) => trs.map((tr) => ({ ...tr.dataset })));
}

/** Where the page and `dars predict` disagree, one line per difference. */
function differences(pageRows) {
  const onPage = new Map(pageRows.map((r) => [r.account, r]));
  const out = [];
  for (const t of run.traders) {
    const r = onPage.get(t.account_id);
    const d = t.decision;
    if (!r) {
      out.push(`${t.account_id}: not on the page`);
      continue;
    }
    const same = (what, a, b) => {
      if (a !== b) out.push(`${t.account_id} ${what}: page ${a}, predict ${b}`);
    };
    same('status', r.status, t.status);
    same('decided by', r.decidedBy, t.system);
    if (t.status === 'scored') same('tier', r.tier, d.tier);
    same('cut', Number(r.cut), d.cut);
    same('base limit', Number(r.baseLimit), d.base_limit);
    same('new limit', Number(r.newLimit), d.new_limit);
    const p = r.probability === undefined ? null : Number(r.probability);
    if ((p === null) !== (t.probability === null)
      || (p !== null && !(Math.abs(p - t.probability) <= 1e-9))) {
      out.push(`${t.account_id} probability: page ${p}, predict ${t.probability}`);
    }
  }
  const predicted = new Set(run.traders.map((t) => t.account_id));
  for (const r of pageRows) {
    // The morning run leaves departed traders out; the page lists them as departed.
    if (!predicted.has(r.account) && r.status !== 'departed') {
      out.push(`${r.account}: on the page (${r.status}), not in the morning run`);
    }
  }
  return out;
}

test('the setting bites: the morning run used the per-account limits and the model scored', () => {
  const limited = run.traders.filter((t) => t.account_id in LIMITS);
  assert.ok(limited.length >= 2, `at least two traders with their own limit: ${run.traders.map((t) => t.account_id)}`);
  for (const t of limited) assert.equal(t.decision.base_limit, LIMITS[t.account_id], t.account_id);
  assert.ok(run.traders.filter((t) => t.system === 'model').length >= 3, 'the model scored most traders');
  assert.ok(run.traders.some((t) => t.decision.cut > 0), 'someone is restricted');
});

test('without a token the page decides with the public policy and disagrees on the limits', async () => {
  const page = await openDashboard();
  await dropFiles(page);
  const diffs = differences(await rows(page));
  for (const account of Object.keys(LIMITS)) {
    if (run.traders.some((t) => t.account_id === account)) {
      assert.ok(diffs.some((d) => d.startsWith(`${account} base limit`)), `${account}: ${diffs.join('; ')}`);
    }
  }
  await page.close();
});

test('with a manager\'s token every trader\'s tier, cut and new limit are the morning run\'s', async () => {
  const page = await openDashboard();
  await enterToken(page, manager);
  const note = page.getByTestId('policy-note');
  await note.getByText(/policy of model \d{8}-\d{6}-\S+ with per-account limits/).waitFor();
  assert.match(await note.innerText(), /3 accounts with their own limits, the others at the base limit of \$4,000/);
  await dropFiles(page);
  const pageRows = await rows(page);
  assert.deepEqual(differences(pageRows), []);
  assert.ok(pageRows.length >= run.traders.length);
  await page.screenshot({ path: path.join(shotDir, 'identity-with-token.png'), fullPage: true });

  // The token stays with this tab only: in sessionStorage, not localStorage, not in the URL;
  // a reload keeps deciding with it.
  assert.equal(await page.evaluate(() => sessionStorage.getItem('dars.api_token')), manager);
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  assert.ok(!page.url().includes(manager));
  await page.reload();
  await page.getByTestId('policy-note').getByText(/with per-account limits/).waitFor();
  await dropFiles(page);
  assert.deepEqual(differences(await rows(page)), []);
  await page.close();
});

test('a refused token is named in the note and the page falls back to the public policy', async () => {
  const page = await openDashboard();
  await enterToken(page, 'dars_not_a_token');
  const note = page.getByTestId('policy-note');
  await note.getByText(/API token not used: the server refused the token \(401\): unknown, expired or revoked token/).waitFor();
  assert.match(await note.innerText(), /Deciding with the published policy/);
  assert.match(await note.getAttribute('class'), /\berror\b/);
  await page.getByRole('button', { name: 'Forget token' }).click();
  await note.getByText(/^the published policy/).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('dars.api_token')), null);
  await page.close();
});

test('only the token went to the server: no file, no account, no write', async () => {
  const seen = await Promise.all(requests);
  const writes = seen.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
  assert.deepEqual(writes, []);
  // The footer asks /api/health for the server's version; everything else is the token's.
  const api = seen.filter((r) => new URL(r.url).pathname.startsWith('/api/')
    && new URL(r.url).pathname !== '/api/health');
  assert.ok(api.length >= 3, 'the token requests were seen');
  assert.ok(api.every((r) => new URL(r.url).pathname === '/api/policy' && !new URL(r.url).search),
    api.map((r) => r.url).join(' '));
  assert.ok(seen.every((r) => (new URL(r.url).pathname === '/api/policy') === (r.auth !== '')),
    'the Authorization header goes to /api/policy only');
  assert.ok(seen.every((r) => !r.url.includes('NET0') && !r.url.includes(manager)));
});

test('with a manager token the model page shows the promotion history from the API', async () => {
  const page = await openDashboard();
  await enterToken(page, manager);
  await page.getByTestId('policy-note').getByText(/with per-account limits/).waitFor();
  await page.goto(server.url + '/model');
  const promotions = page.getByTestId('promotions');
  await promotions.waitFor();
  assert.match(await promotions.innerText(), /promote\s+\d{8}-\d{6}-/);
  await page.close();
});
