// Shared fixtures of the browser tests: the real `dars` binary serving the real Trunk build,
// and Debian's Chromium driven by playwright-core (never a downloaded browser).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const root = path.resolve(import.meta.dirname, '../..');
export const bin = process.env.DARS_BIN ?? path.join(root, 'target/debug/dars');
export const webDir = process.env.DARS_WEB_DIR ?? path.join(root, 'target/site');
export const shotDir = path.join(root, 'target/e2e');
mkdirSync(shotDir, { recursive: true });

/** Runs a `dars` subcommand to completion and returns its stdout. */
export function dars(cwd, ...args) {
  return execFileSync(bin, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/**
 * A small demo firm prepared by the real `dars demo` pipeline (simulate, ingest, train, publish)
 * in a fresh directory; returns the directories `dars serve` needs.
 */
export function prepareDemo({ traders = 6, days = 230 } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'dars-e2e-'));
  const out = dars(dir, 'demo', '--no-serve', '--traders', String(traders), '--days', String(days),
    '--embargo', '20', '--min-train-days', '60', '--web-days', '120',
    // The same traders throughout (no one let go): the page's checks pick traders by history.
    '--max-drawdown', '1000000000');
  // A firm this small rarely beats the rules with an interval above zero (`train::gate`), and
  // the demo then keeps the rules; these tests are about the page with a model, so they take
  // the desk's audited override.
  const declined = out.match(/model (\S+) not published: /);
  if (declined) {
    dars(dir, 'model', 'promote', declined[1], '--models', 'models', '--data', 'data');
  }
  return { dir, demoDir: path.join(dir, 'data/demo'), modelsDir: path.join(dir, 'models') };
}

/**
 * Makes sure the demo directory offers `backtest.csv` to the page's "Load demo data" button. When
 * `dars demo` wrote one, it is used as is; otherwise a deterministic stand-in in the same format
 * (`dars_shared::backtest::HEADER`) is written for the demo's accounts, so the past-predictions
 * view is exercised either way. Returns whether the stand-in was needed.
 */
export function ensureBacktest({ demoDir }, accounts = ['NET001', 'NET002', 'NET003', 'NET004', 'NET005', 'NET006']) {
  const file = path.join(demoDir, 'backtest.csv');
  if (existsSync(file)) return false;
  const lines = ['account_id,date,probability,tier,cut_pct,system,outcome_total'];
  let state = 42;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  for (const account of accounts) {
    const day = new Date(Date.UTC(2025, 0, 6));
    for (let n = 0; n < 60;) {
      day.setUTCDate(day.getUTCDate() + 1);
      if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue;
      n += 1;
      const p = 0.15 + 0.7 * next();
      const lost = next() < p;
      const rules = n <= 3;
      const tier = p >= 0.55 ? 'high' : p >= 0.45 ? 'moderate' : 'low';
      const cut = tier === 'high' ? 40 : tier === 'moderate' ? 20 : 0;
      const outcome = n === 60 ? '' : ((lost ? -1 : 1) * Math.round(100 + 900 * next())).toFixed(2);
      lines.push([account, day.toISOString().slice(0, 10), rules ? '' : p.toFixed(6), tier, cut.toFixed(2),
        rules ? 'rules' : 'model', outcome].join(','));
    }
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return true;
}

/**
 * Starts `dars serve` on a free loopback port; resolves once it printed its URL. With `config`
 * (a path relative to `cwd`, default the repository) the API and its audit database follow that
 * configuration's `paths.data`, and the scheduler stays off.
 */
export async function startServer({ demoDir, modelsDir, cwd = root, config }) {
  const args = ['serve', '--addr', '127.0.0.1:0', '--web-dir', webDir, '--demo-dir', demoDir, '--models-dir', modelsDir];
  if (config) args.push('--config', config, '--no-schedule');
  const proc = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`dars serve printed no URL in 30 s: ${out}`)), 30_000);
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/serving on (http:\/\/\S+?)\/?\s/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dars serve exited early with ${code}: ${out}`));
    });
  });
  // stop() resolves once the server has exited (awaiting it is optional).
  const stop = () => new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
  return { url, stop };
}

/** Headless Debian Chromium with a fresh profile, flags that work as root on a closed network. */
export async function launchBrowser() {
  const profile = mkdtempSync(path.join(tmpdir(), 'dars-e2e-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1366, height: 900 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
  });
}
