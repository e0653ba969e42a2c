// Opens a page that embeds the official Kaltura player in headless Chromium and reports, as
// one JSON line, whether the media played past its first second or which error the player
// raised, with what its error overlay says. The compatibility suite runs it:
//
//   node e2e/player/play.mjs PAGE_URL SCREENSHOT_PATH
import { chromium } from 'playwright-core';

const [pageUrl, screenshotPath] = process.argv.slice(2);
const timeoutMs = 30_000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
});
const result = { played: false, currentTime: 0, error: null, overlay: '', requests: [] };
try {
  const page = await browser.newPage({ viewport: { width: 800, height: 500 } });
  page.on('request', (request) => result.requests.push(`${request.method()} ${request.url()}`));
  await page.goto(pageUrl);
  const outcome = await page.waitForFunction(
    () => window.playerError || (window.player && window.player.currentTime > 1 && window.player.currentTime),
    null,
    { timeout: timeoutMs, polling: 200 },
  ).then((handle) => handle.jsonValue(), (err) => ({ timeout: err.message }));
  if (typeof outcome === 'number') {
    result.played = true;
    result.currentTime = outcome;
  } else if (outcome && outcome.timeout) {
    result.error = { timeout: outcome.timeout };
  } else {
    result.error = outcome;
    // The overlay is drawn after the error event.
    await page.waitForTimeout(1000);
  }
  result.overlay = await page.evaluate(() => document.body.innerText);
  await page.screenshot({ path: screenshotPath });
} finally {
  await browser.close();
}
process.stdout.write(`${JSON.stringify(result)}\n`);
