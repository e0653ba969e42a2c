// The video portal as a lecturer uses it, in a real browser against a seeded `quad demo`
// server. The tests run in order and share one server; the lecturer's first upload is used
// by the tests after the first.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { adminKs, launchBrowser, makeVideo, publishViaApi, screenshot, startServer } from '../lib/server.mjs';

// Uploads wait for the server to store and probe the file.
const uploadTimeoutMs = 60_000;

let server;
let info;
let browser;
let lecturerPage; // logged in as users[0] by the first test
let workDir;
let video;
let entryId; // the first upload
const entryName = 'Cell division, lecture 1';

before(async () => {
  server = await startServer();
  info = server.info;
  browser = await launchBrowser();
  lecturerPage = await (await browser.newContext()).newPage();
  workDir = await mkdtemp(path.join(os.tmpdir(), 'quad-e2e-media-'));
  video = path.join(workDir, 'lecture.mp4');
  await makeVideo(video);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function button(page, name) {
  return page.getByRole('button', { name, exact: true });
}

// Clicks a form's button and waits for the page the form leads to.
async function submit(page, buttonName) {
  const loaded = page.waitForEvent('load');
  await button(page, buttonName).click();
  await loaded;
}

// Sends the login form of the page that is open; the caller checks where it lands.
async function submitLogin(page, user, password) {
  await page.fill('input[name="user"]', user);
  await page.fill('input[name="password"]', password);
  await submit(page, 'Log in');
}

// Uploads the test video under `name` and returns the new entry's id, read from the URL of
// the entry page the browser lands on.
async function upload(page, name) {
  const mediaPrefix = `${info.portal.url}/media/`;
  await page.goto(`${info.portal.url}/upload`);
  await page.setInputFiles('input[type="file"][name="file"]', video);
  await page.fill('input[name="name"]', name);
  await button(page, 'Upload').click();
  await page.waitForURL((url) => url.href.startsWith(mediaPrefix), { timeout: uploadTimeoutMs });
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
}

// The link to an entry's page inside the entry's element on a listing; fails if there is none.
async function entryLink(page, portalUrl, id) {
  const expected = `${portalUrl}/media/${id}`;
  const item = page.locator(`[data-entry-id="${id}"]`);
  await item.first().waitFor();
  for (const link of await item.locator('a[href]').all()) {
    if (new URL(await link.getAttribute('href'), page.url()).href === expected) return link;
  }
  assert.fail(`no link to ${expected} in the element of entry ${id}`);
}

// The first test's upload, which the later tests look for.
function firstUpload() {
  assert.ok(entryId, 'the first test uploaded an entry');
  return entryId;
}

test('a lecturer logs in, uploads a video and finds it in My Media', async () => {
  const page = lecturerPage;
  const [lecturer] = info.users;

  await page.goto(`${info.portal.url}/login`);
  await screenshot(page, 'login');
  await submitLogin(page, lecturer.id, lecturer.password);
  assert.equal(page.url(), `${info.portal.url}/my-media`);

  await page.goto(`${info.portal.url}/upload`);
  assert.equal(await page.locator('progress#upload-progress').count(), 1, 'upload page has a progress bar');
  await screenshot(page, 'upload');

  entryId = await upload(page, entryName);
  assert.ok(entryId, 'the entry page URL names the entry');
  assert.equal((await page.locator('h1').innerText()).trim(), entryName);
  await screenshot(page, 'entry');

  await page.goto(`${info.portal.url}/my-media`);
  assert.equal((await page.locator('h1').innerText()).trim(), 'My Media');
  const link = await entryLink(page, info.portal.url, entryId);
  assert.equal((await link.innerText()).trim(), entryName);
  await screenshot(page, 'my-media');
});

test('publishing to a gallery lists it under Published in, and the LMS course gallery when display publish is on', async () => {
  const page = lecturerPage;
  const id = firstUpload();
  const entryPage = `${info.portal.url}/media/${id}`;
  const publishedIn = (categoryId) => page.locator(`#published-in [data-category-id="${categoryId}"]`);

  await page.goto(entryPage);
  await page.check(`input[type="checkbox"][name="category"][value="${info.galleryId}"]`);
  await submit(page, 'Publish');
  await page.goto(entryPage);
  await page.locator('#published-in').getByRole('heading', { name: 'Published in' }).waitFor();
  await publishedIn(info.galleryId).waitFor();

  // A publication made in the LMS, outside this portal, is hidden until display publish is on.
  await publishViaApi(info, await adminKs(info), id, info.lms.courseGalleryId);
  await page.reload();
  await publishedIn(info.galleryId).waitFor();
  assert.equal(await publishedIn(info.lms.courseGalleryId).count(), 0, 'course gallery hidden by default');

  const settingsPage = `${info.portal.url}/admin/apps/portal`;
  const showExternal = 'input[type="checkbox"][name="categories.showExternalPublish"]';
  await page.goto(settingsPage);
  await screenshot(page, 'admin-settings');
  await page.check(showExternal);
  await submit(page, 'Save');
  await page.goto(settingsPage);
  assert.equal(await page.isChecked(showExternal), true, 'the setting was saved');

  await page.goto(entryPage);
  const courseLine = publishedIn(info.lms.courseGalleryId);
  await courseLine.waitFor();
  assert.ok((await courseLine.innerText()).includes(info.lms.courseTitle), 'the line names the course');
  await screenshot(page, 'entry-published');
});

test('a published entry is listed in its gallery', async () => {
  const page = lecturerPage;

  await page.goto(`${info.portal.url}/galleries`);
  const gallery = page.locator(`[data-category-id="${info.galleryId}"]`);
  await gallery.first().waitFor();
  const href = await gallery.locator(`a[href*="/category/${info.galleryId}"]`).first().getAttribute('href');
  assert.equal(new URL(href, page.url()).href, `${info.portal.url}/category/${info.galleryId}`);
  await screenshot(page, 'galleries');

  await page.goto(`${info.portal.url}/category/${info.galleryId}`);
  await entryLink(page, info.portal.url, firstUpload());
  await screenshot(page, 'gallery');
});

test('a second portal logging in by a trusted header shows the same My Media', async () => {
  const { portal2 } = info;
  const id = firstUpload();
  const context = await browser.newContext({ extraHTTPHeaders: { [portal2.headerName]: info.users[0].id } });
  try {
    const page = await context.newPage();
    await page.goto(`${portal2.url}/login`);
    assert.equal(page.url(), `${portal2.url}/my-media`);
    await entryLink(page, portal2.url, id);
    await screenshot(page, 'header-login-my-media');
  } finally {
    await context.close();
  }
});

test('a wrong password is refused without saying whether the user exists', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const loginPage = `${info.portal.url}/login`;
    await page.goto(loginPage);
    const plainForm = await page.locator('body').innerText();

    await submitLogin(page, info.users[0].id, `${info.users[0].password}-wrong`);
    assert.ok(!page.url().startsWith(`${info.portal.url}/my-media`), 'wrong password not let in');
    const wrongPassword = await page.locator('body').innerText();
    assert.notEqual(wrongPassword, plainForm, 'the page says the login failed');
    await screenshot(page, 'login-refused');

    await page.goto(loginPage);
    await submitLogin(page, 'nobody-by-this-name', 'whatever');
    assert.ok(!page.url().startsWith(`${info.portal.url}/my-media`), 'unknown user not let in');
    assert.equal(await page.locator('body').innerText(), wrongPassword, 'same answer for an unknown user');
  } finally {
    await context.close();
  }
});

test('markup in a name is shown as text', async () => {
  const page = lecturerPage;
  const name = '<b>bold</b><script>window.__x=1</script>';
  const shownAsText = async () => {
    assert.ok((await page.locator('body').innerText()).includes(name), 'the name is shown literally');
    assert.equal(await page.evaluate(() => window.__x), undefined, 'the script in the name did not run');
    assert.equal(await page.locator('b', { hasText: 'bold' }).count(), 0, 'no <b> element from the name');
  };

  const id = await upload(page, name);
  await shownAsText();
  await screenshot(page, 'markup-entry');

  await page.goto(`${info.portal.url}/my-media`);
  await entryLink(page, info.portal.url, id);
  await shownAsText();
});

test('the demo test LMS launches a student into the course gallery and the instructor into My Media', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(info.lms.testLms);
    await screenshot(page, 'test-lms');

    await submit(page, 'Open the Media Gallery as Sam Student (learner)');
    assert.equal((await page.locator('h1').innerText()).trim(), `Media Gallery of ${info.lms.courseTitle}`);
    assert.equal(await page.locator(`main[data-category-id="${info.lms.courseGalleryId}"]`).count(), 1);
    assert.ok((await page.locator('[data-entry-id]').count()) >= 1, 'the course gallery lists its entries');
    await screenshot(page, 'lms-course-gallery');

    await page.goto(info.lms.testLms);
    await submit(page, 'Open My Media as Lena Lecturer (instructor)');
    assert.equal((await page.locator('h1').innerText()).trim(), 'My Media');
    await page.locator(`[data-entry-id="${firstUpload()}"]`).waitFor();
    await screenshot(page, 'lms-my-media');
  } finally {
    await context.close();
  }
});

test('an instructor picks media to embed in the test LMS, and a student opens the embed', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(info.lms.testLms);

    await submit(page, 'Embed media from Quad as Lena Lecturer (instructor)');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Choose media to embed');
    await page.fill('input[name="q"]', entryName);
    await submit(page, 'Search');
    // The entry is the lecturer's, and the earlier test published it in the course too.
    const choice = page.locator('section', { hasText: 'My Media' }).locator(`li[data-entry-id="${firstUpload()}"]`);
    await choice.waitFor();
    await screenshot(page, 'lms-picker');
    const back = page.waitForURL(`${info.lms.testLms}/return`);
    await choice.getByRole('button', { name: `Embed ${entryName}` }).click();
    await back;
    await page.locator(`strong[data-entry-id="${firstUpload()}"]`).waitFor();
    await screenshot(page, 'lms-embedded');

    await submit(page, 'Open the embed as Sam Student (learner)');
    await page.locator(`main[data-entry-id="${firstUpload()}"] video`).waitFor();
    await screenshot(page, 'lms-embed-player');
  } finally {
    await context.close();
  }
});
