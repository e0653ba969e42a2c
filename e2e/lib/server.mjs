// Helpers of the browser tests: a seeded Quad server (`quad demo`), headless Chromium,
// screenshots, sample media and the few Kaltura API calls the tests make directly.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const screenshotDir = path.join(repoRoot, 'e2e', 'output', 'screenshots');
const startTimeoutMs = 60_000;
const stopTimeoutMs = 10_000;

// QUAD_BIN is a path relative to the repository root, an absolute path, or a command on PATH.
function serverBinary() {
  const bin = process.env.QUAD_BIN || 'target/debug/quad';
  return bin.includes('/') ? path.resolve(repoRoot, bin) : bin;
}

// Asks the system for a free port. Another process could take it before the server binds it,
// which is unlikely enough on a test machine.
async function freePort() {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  await once(probe, 'close');
  return port;
}

/**
 * Starts `quad demo` on a free port with a fresh data directory and waits for the settings it
 * prints on its first stdout line (URLs, partner, users, seeded categories).
 * Returns { info, stop }; stop() ends the server and removes its data.
 */
export async function startServer() {
  const bin = serverBinary();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'quad-e2e-'));
  const port = await freePort();
  const child = spawn(bin, ['demo', '--listen', `127.0.0.1:${port}`, '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  // The end of the server's output, for the error message when something goes wrong.
  let log = '';
  const keep = (text) => {
    log = (log + text).slice(-20_000);
  };
  child.stderr.setEncoding('utf8').on('data', keep);
  // Reading every line keeps the pipe drained, so the server never blocks on writing.
  const stdout = readline.createInterface({ input: child.stdout });

  async function stop() {
    // A binary that could not be started has no pid and sends no 'exit'.
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  }

  try {
    const info = await new Promise((resolve, reject) => {
      const fail = (why) => {
        clearTimeout(timer);
        reject(new Error(`${bin} demo ${why}\n${log}`));
      };
      const timer = setTimeout(() => fail(`printed nothing in ${startTimeoutMs / 1000} s`), startTimeoutMs);
      child.once('error', (err) => fail(`could not be started: ${err.message}`));
      // 'close' comes after the last of stderr, so the message has all of it.
      child.once('close', (code, signal) => fail(`exited (${signal ?? code}) before printing its settings`));
      stdout.once('line', (line) => {
        clearTimeout(timer);
        stdout.on('line', (next) => keep(`${next}\n`));
        try {
          resolve(JSON.parse(line));
        } catch {
          fail(`printed a first line that is not JSON: ${line}`);
        }
      });
    });
    return { info, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Headless Debian Chromium (no browser download); CHROMIUM overrides its path. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // Chromium's sandbox cannot start as root, which is how the tests run in CI.
    args: ['--no-sandbox'],
  });
}

/** Saves a full-page PNG as e2e/output/screenshots/NAME.png. */
export async function screenshot(page, name) {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Writes a 2-second 320x240 test-pattern MP4 to `file`. */
export async function makeVideo(file) {
  await promisify(execFile)('ffmpeg', [
    '-y', '-f', 'lavfi', '-i', 'testsrc=duration=2:size=320x240:rate=10', '-pix_fmt', 'yuv420p', file,
  ]);
}

// One Kaltura API call with form fields and a JSON answer. API errors come with HTTP 200 as
// a KalturaAPIException object, so they are looked for in the body.
async function callApi(info, service, action, fields) {
  const response = await fetch(`${info.url}/api_v3/service/${service}/action/${action}`, {
    method: 'POST',
    body: new URLSearchParams({ format: '1', ...fields }),
  });
  if (!response.ok) {
    throw new Error(`${service}.${action}: HTTP ${response.status}`);
  }
  const result = await response.json();
  if (result?.objectType === 'KalturaAPIException') {
    throw new Error(`${service}.${action}: ${result.code}: ${result.message}`);
  }
  return result;
}

/** An admin KS of the demo partner. */
export function adminKs(info) {
  return callApi(info, 'session', 'start', {
    secret: info.adminSecret,
    partnerId: String(info.partnerId),
    type: '2',
    // Entitlement applies to admin sessions too; an integration script opts out of it.
    privileges: 'disableentitlement',
  });
}

/** Publishes an entry to a category (categoryEntry.add) and returns the categoryEntry. */
export function publishViaApi(info, ks, entryId, categoryId) {
  return callApi(info, 'categoryEntry', 'add', {
    ks,
    'categoryEntry[objectType]': 'KalturaCategoryEntry',
    'categoryEntry[entryId]': entryId,
    'categoryEntry[categoryId]': String(categoryId),
  });
}
