// Browser tests of Credence's pages, in headless Chromium (the system's, through
// playwright-core) against `credence serve --demo` started here on a free
// 127.0.0.1 port with a temporary database and keys folder.
//
//   node tests/browser/run.mjs            (after `npm ci` in tests/browser)
//
// Environment: CREDENCE_BIN (default target/debug/credence), CHROMIUM_PATH
// (default /usr/bin/chromium), SCREENSHOT_DIR (default target/browser-screenshots).
// Every check runs even when an earlier one failed; the exit status is 1 when any
// failed, with each failure named at the end. The server is stopped in every case.

import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const BIN = process.env.CREDENCE_BIN || join(REPO, 'target/debug/credence');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOT_DIR || join(REPO, 'target/browser-screenshots');
const DEADLINE_MINUTES = 8;
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// Pages still being built on other branches. A check that needs a pending page runs
// when the page answers and is reported "pending" when it answers 404; a page not
// listed here is required, and its absence fails the suite. Once a page has landed,
// delete its name here. (Every page this suite knows has landed: the badge and QR
// images, the downloads, the verify, issuer, achievement and claim pages.)
const PENDING = new Set([]);

const failures = [];
const pending = [];
let passed = 0;

function log(line) {
  process.stdout.write(`${line}\n`);
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

function equal(actual, wanted, what) {
  expect(actual === wanted, `${what}: expected ${JSON.stringify(wanted)}, got ${JSON.stringify(actual)}`);
}

/** Runs one named check; a failure is recorded and the run goes on. */
async function check(name, body) {
  try {
    await body();
    passed += 1;
    log(`ok       ${name}`);
  } catch (e) {
    failures.push(`${name}: ${e.message}`);
    log(`FAIL     ${name}: ${e.message}`);
  }
}

/** A check that needs the pages `needs` (feature names, each with a probe). */
async function checkNeeding(name, needs, body) {
  const missing = [];
  for (const [feature, probe] of needs) {
    if (!(await probe())) missing.push(feature);
  }
  const required = missing.filter((f) => !PENDING.has(f));
  if (required.length > 0) {
    await check(name, async () => {
      throw new Error(`${required.join(', ')} not served (delete from PENDING only once it has landed)`);
    });
  } else if (missing.length > 0) {
    pending.push(`${name} (waits for ${missing.join(', ')})`);
    log(`pending  ${name}: ${missing.join(', ')} not on this branch yet`);
  } else {
    await check(name, body);
  }
}

async function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `credence serve --demo` in a temporary folder; resolves once /healthz answers. */
async function startServer() {
  expect(existsSync(BIN), `no credence binary at ${BIN} (cargo build, or set CREDENCE_BIN)`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'credence-browser-'));
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${join(dir, 'credence.db')}`,
    CREDENCE_KEYS_DIR: join(dir, 'keys'),
    CREDENCE_RATE_LIMIT: '0',
    RUST_LOG: 'warn',
  };
  for (const name of ['CREDENCE_ADMIN_KEY', 'CREDENCE_MASTER_KEY', 'CREDENCE_CONFIG', 'CREDENCE_PUBLIC_URL', 'CREDENCE_BIND']) {
    delete env[name];
  }
  const child = spawn(BIN, ['serve', '--demo', '--bind', `127.0.0.1:${port}`], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const server = { child, dir, env, base: `http://127.0.0.1:${port}`, stdout: '', stderr: '', exited: null };
  child.stdout.on('data', (d) => (server.stdout += d));
  child.stderr.on('data', (d) => (server.stderr += d));
  child.on('exit', (code, signal) => (server.exited = signal || `exit ${code}`));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (server.exited) throw new Error(`the server stopped (${server.exited}) before answering:\n${server.stderr}`);
    try {
      const r = await fetch(`${server.base}/healthz`);
      if (r.ok) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not answer /healthz within 120 s:\n${server.stderr}`);
    await sleep(200);
  }
}

async function stopServer(server) {
  if (!server) return;
  if (!server.exited) {
    server.child.kill('SIGTERM');
    for (let i = 0; i < 50 && !server.exited; i++) await sleep(100);
    if (!server.exited) server.child.kill('SIGKILL');
  }
  rmSync(server.dir, { recursive: true, force: true });
}

/** The badge pages `serve --demo` printed: `  URL  (state: learner, achievement)`,
 *  each followed by `    claim link for LEARNER (...): URL` on a first start. */
function demoBadges(stdout) {
  const badges = [];
  for (const line of stdout.split('\n')) {
    const m = line.match(/^\s+(https?:\/\/\S+\/credentials\/(\S+))\s+\((\w+): ([^,]+), (.+)\)$/);
    if (m) badges.push({ url: m[1], id: m[2], state: m[3], learner: m[4], achievement: m[5] });
    const claim = line.match(/^\s+claim link for (.+?) \(.*\): (https?:\/\/\S+\/claim\/\S+)$/);
    const last = badges[badges.length - 1];
    if (claim && last && last.learner === claim[1]) last.claim = claim[2];
  }
  return badges;
}

/** Whether `url` answers something other than 404 (of `type`, when given). */
function serves(url, type, accept = type || '*/*') {
  return async () => {
    const r = await fetch(url, { headers: { accept } });
    return r.status !== 404 && (!type || (r.headers.get('content-type') || '').startsWith(type));
  };
}

async function shot(page, name, options = {}) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true, ...options });
}

/** axe-core on the page as it is: no serious or critical violation. */
async function audit(page, label) {
  await check(`axe: ${label}`, async () => {
    await page.evaluate(AXE_SOURCE);
    const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
    const describe = (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`;
    for (const v of result.violations.filter((v) => !['serious', 'critical'].includes(v.impact))) {
      log(`note     axe ${label}: ${describe(v)}`);
    }
    const bad = result.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
    expect(bad.length === 0, `${bad.length} serious or critical violation(s):\n  ${bad.map(describe).join('\n  ')}`);
  });
}

/** Opens `url`, checks the status, and audits the page. */
async function visit(page, url, label, status = 200) {
  const response = await page.goto(url, { waitUntil: 'load' });
  equal(response.status(), status, `${label}: HTTP status of ${url}`);
  await audit(page, label);
  return response;
}

/** An invitation link of organization `emc` for `email` as `role`, made with the demo's issuer-admin key. */
async function invitationFor(server, email, role) {
  const key = /Issuer-admin key for emc: (\S+)/.exec(server.stdout)?.[1];
  const r = await fetch(`${server.base}/api/v1/organizations/emc/invitations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email, role }),
  });
  equal(r.status, 201, 'invitation created');
  return (await r.json()).invitationUrl;
}

/** A browser context of its own signed in to the console as a new staff member: `{ own, p }`. */
async function staffPage(server, browser, email, role, name, locale = 'en-CA') {
  const invitation = await invitationFor(server, email, role);
  const own = await browser.newContext({ locale });
  const p = await own.newPage();
  await p.goto(`${invitation}?lang=en`);
  await p.locator('#name').fill(name);
  await p.locator('#password').fill('a passphrase of several words');
  await p.locator('#confirmation').fill('a passphrase of several words');
  await Promise.all([p.waitForURL(`${server.base}/console`), p.locator('form [type=submit]').click()]);
  return { own, p };
}

const text = async (page, selector) => (await page.locator(selector).first().innerText()).trim();
const attr = (page, selector, name) => page.locator(selector).first().getAttribute(name);
const meta = (page, key) => attr(page, `meta[property="${key}"], meta[name="${key}"]`, 'content');
const htmlLang = (page) => attr(page, 'html', 'lang');

/** The status panel: first in main, in view without scrolling, of `state`, reading `headline`. */
async function statusPanel(page, state, headline) {
  const first = page.locator('main > *').first();
  const classes = (await first.getAttribute('class')) || '';
  expect(classes.split(' ').includes('status'), `the status panel is not first in main (first: ${classes})`);
  expect(classes.split(' ').includes(state), `the status panel is "${classes}", not ${state}`);
  equal(await text(page, 'main .status .status-headline'), headline, 'status headline');
  const box = await first.boundingBox();
  const viewport = page.viewportSize();
  expect(box && box.y + box.height <= viewport.height, `the status panel is not in the first screen (${JSON.stringify(box)})`);
}

/** The value of the one-time link or secret a console page shows in `selector`. */
const shown = async (page, selector) => {
  const value = await page.locator(selector).inputValue();
  expect(/^https?:\/\//.test(value), `${selector} shows no link: ${JSON.stringify(value)}`);
  return value;
};

/** Clicks the submit button `button` and waits for the page it leads to. */
async function submit(page, button) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator(button).first().click()]);
}

/**
 * Everyone in the loop, one after the other, each in a browser of their own and only
 * through pages: an issuer-admin invites a colleague, who defines a bilingual
 * micro-credential aligned to a competency with an expert's sign-off, and uploads a
 * CSV with a bad row; the expert approves from their link; the learner claims; an
 * employer verifies and sees the approval; the funnel counts it.
 */
async function journey(server, browser) {
  const base = server.base;
  const contexts = [];
  const open = async (locale = 'en-CA') => {
    const c = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
    c.setDefaultTimeout(20_000);
    contexts.push(c);
    return c.newPage();
  };
  const stamp = Date.now().toString(36);
  const slug = `journey-${stamp}`;
  try {
    // 1. An issuer-admin invites a colleague from the team page.
    const { own, p: admin } = await staffPage(server, browser, `lead-${stamp}@emc.example`, 'issuer-admin', 'Lee Lead');
    contexts.push(own);
    await admin.goto(`${base}/console/team?lang=en`);
    await admin.locator('#invite-email').fill(`maya-${stamp}@emc.example`);
    await admin.locator('#invite-role').selectOption('issuer-admin');
    await submit(admin, 'form[action="/console/team/invitations"] button[type=submit]');
    const invitation = await shown(admin, '#secret');

    // 2. The colleague accepts and signs in.
    const staff = await open();
    await staff.goto(`${invitation}?lang=en`);
    await staff.locator('#name').fill('Maya Staff');
    await staff.locator('#password').fill('another passphrase of words');
    await staff.locator('#confirmation').fill('another passphrase of words');
    await Promise.all([staff.waitForURL(`${base}/console`), staff.locator('form [type=submit]').click()]);

    // 3. A bilingual micro-credential: an exam and an expert's sign-off that the badge waits for.
    await staff.goto(`${base}/console/achievements/new?lang=en`);
    const type = (selector, value) => staff.locator(selector).fill(value);
    await type('#f-slug', slug);
    await type('#f-name', 'Confined space entry');
    await type('#f-description', 'Enters and works in confined spaces safely.');
    await type('#f-criteria-narrative', 'Pass the exam, then show it on site to an expert.');
    await staff.locator('#f-language').selectOption('en-CA');
    await type('#f-edition-name', 'Entrée en espace clos');
    await type('#f-edition-description', 'Entre et travaille en espace clos en sécurité.');
    await type('#f-edition-criteria-narrative', 'Réussir l’examen, puis le démontrer sur le chantier devant un expert.');
    await type('#f-rule-allOf-0-component', 'exam');
    await type('#f-rule-allOf-0-name', 'Exam');
    await type('#f-rule-allOf-0-minScore', '70');
    await submit(staff, 'button[value=add]');
    await type('#f-rule-allOf-1-component', 'site');
    await type('#f-rule-allOf-1-name', 'On-site demonstration');
    await staff.locator('#f-rule-allOf-1-requiresSignoff').selectOption('expert');
    await submit(staff, 'form.editor-form button[value=save]:not(.visually-hidden)');
    const achievementPath = new URL(staff.url()).pathname;
    expect(/^\/console\/achievements\/[^/]+$/.test(achievementPath), `not saved: ${staff.url()}\n${await text(staff, 'main')}`);
    const achievementId = achievementPath.split('/').pop();
    const preview = await text(staff, 'aside.preview p');
    expect(preview.includes('70') && /expert/i.test(preview), `what it takes to earn it: ${preview}`);

    // ... aligned to Skills for Success (searched and picked) and a NOC 2021 unit group.
    await staff.goto(`${base}${achievementPath}/alignments?q=numer`);
    await submit(staff, 'form:has(input[name=competency][value=numeracy]) button[value=add-competency]');
    await staff.locator('#noc2021').fill('72999');
    await staff.locator('#nocTitle').fill('Other technical trades and related occupations');
    await submit(staff, 'form:has(#noc2021) button[type=submit]');
    const aligned = await text(staff, 'main');
    expect(aligned.includes('Numeracy') && aligned.includes('72999'), `alignments: ${aligned}`);
    await audit(staff, 'journey: alignments');

    // 4. Results by CSV: a learner passes and asks for the expert's sign-off; one row is wrong.
    const csv = [
      'achievement,component,email,learner_name,score,submitted_for_signoff,reviewer_name,reviewer_email',
      `${slug},exam,jo-${stamp}@example.org,Jo Learner,86,,,`,
      `${slug},site,jo-${stamp}@example.org,Jo Learner,,yes,Dr. Rivera,rivera@example.org`,
      `${slug},exam,kim-${stamp}@example.org,Kim Learner,eighty,,,`,
    ].join('\n');
    await staff.goto(`${base}/console/imports`);
    await staff.locator('#file').setInputFiles({ name: 'results.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await submit(staff, 'form[action="/console/imports"] button[type=submit]');
    const jobUrl = staff.url();
    for (let i = 0; i < 50 && (await staff.locator('meta[http-equiv=refresh]').count()) > 0; i++) {
      await sleep(300);
      await staff.goto(jobUrl);
    }
    equal(await text(staff, '#count-rejected'), '1', 'rejected rows');
    const rejected = await text(staff, 'ul.rejected');
    expect(rejected.includes('score'), `the bad row's reason names its column: ${rejected}`);
    await audit(staff, 'journey: import with a rejected row');

    // 5. The expert's link, from the sign-off queue; the expert approves in their own browser.
    await staff.goto(`${base}/console/signoffs?status=pending`);
    await submit(staff, 'tr:has-text("Jo Learner") form button[type=submit]');
    const signoffLink = await shown(staff, '#new-link');
    const expert = await open();
    await expert.goto(signoffLink);
    await audit(expert, 'journey: reviewer page');
    expect((await text(expert, 'main')).includes('Jo Learner'), 'the reviewer sees the learner');
    await expert.locator('input[name=decision][value=approve]').check();
    await expert.locator('#name').fill('Dr. Ana Rivera');
    await expert.locator('#role').fill('Confined space trainer');
    await expert.locator('#comment').fill('Safe entry, correct gas testing.');
    await submit(expert, 'main form button[type=submit]');
    expect((await text(expert, 'main')).includes('recorded'), `decision page: ${await text(expert, 'main')}`);

    // 6. The badge is issued; the learner claims it with a link from the credential's page.
    await staff.goto(`${base}/console/credentials`);
    await submit(staff, 'tr:has-text("Jo Learner") a');
    await submit(staff, 'form[action$="/claim-link"] button[type=submit]');
    const claimLink = await shown(staff, '#new-link');
    const learner = await open();
    await learner.goto(claimLink);
    await audit(learner, 'journey: claim page');
    await learner.locator('#name').fill('Jo Learner-Smith');
    await submit(learner, 'main form button[type=submit]');
    const badgeUrl = learner.url();
    expect(/\/credentials\/[^/]+$/.test(new URL(badgeUrl).pathname), `after claiming: ${badgeUrl}`);

    // 7. An employer checks it: valid, this person's, and the expert's approval behind it.
    const employer = await open('fr-CA');
    await employer.goto(`${base}/verify?url=${encodeURIComponent(badgeUrl)}&lang=en`);
    equal(await text(employer, '#result .status-headline'), 'Valid', 'verification result');
    await employer.locator('#recipientEmail').fill(`jo-${stamp}@example.org`);
    await Promise.all([employer.waitForURL(`${base}/verify`), employer.locator('#verify-form [type=submit]').click()]);
    equal(await attr(employer, '#recipient-result', 'class'), 'status valid', 'the badge is this person\'s');
    const report = await text(employer, 'main');
    expect(report.includes('Approved by Dr. Ana Rivera'), `the verification report does not show the approval:\n${report}`);
    await employer.goto(`${badgeUrl}?lang=en`);
    await statusPanel(employer, 'valid', 'Valid');
    const facts = await text(employer, 'main');
    for (const wanted of ['Jo Learner-Smith', 'Expert sign-off: On-site demonstration', 'Approved by Dr. Ana Rivera (Confined space trainer)', 'Safe entry, correct gas testing.']) {
      expect(facts.includes(wanted), `the employer does not see "${wanted}" on the badge page`);
    }
    await employer.goto(`${badgeUrl}?lang=fr`);
    equal(await text(employer, 'main h1'), 'Entrée en espace clos', 'the French edition');
    await audit(employer, 'journey: badge page in French');

    // 8. The funnel counts the issued, claimed and verified badge.
    await staff.goto(`${base}/console/analytics?achievement=${achievementId}&lang=en`);
    const cells = await staff.locator('section[aria-labelledby=funnel-h] tbody td').allInnerTexts();
    const figures = cells.map((c) => Number.parseInt(c, 10));
    equal(figures[0], 1, `issued (funnel ${cells.join(' | ')})`);
    equal(figures[1], 1, `claimed (funnel ${cells.join(' | ')})`);
    expect(figures[4] >= 1, `verified (funnel ${cells.join(' | ')})`);
    await audit(staff, 'journey: analytics');
    await shot(staff, 'journey-analytics');
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
  }
}

async function run(server, browser) {
  const base = server.base;
  const badges = demoBadges(server.stdout);
  const issued = badges.filter((b) => b.state === 'issued');
  const revoked = badges.find((b) => b.state === 'revoked');
  await check('serve --demo prints the demo badge pages', async () => {
    equal(issued.length, 3, `issued badge pages printed (stdout:\n${server.stdout})`);
    expect(revoked, `no revoked badge page printed (stdout:\n${server.stdout})`);
    expect(server.stdout.includes('no badge page (awaiting sign-off: Priya Raman'), 'the learner awaiting sign-off is not said to have no page');
  });
  if (issued.length === 0 || !revoked) return;
  const badge = issued.find((b) => b.learner === 'Amina Okafor') || issued[0];
  const french = issued.find((b) => b.learner === 'Marc-André Gagnon') || issued[0];

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-CA', acceptDownloads: true });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));

  await check('home page', async () => {
    await visit(page, `${base}/`, 'home page');
    equal(await htmlLang(page), 'en', 'html lang');
    await shot(page, 'home-en');
  });

  await check('badge page (English) says Valid and shows the checks', async () => {
    await visit(page, badge.url, 'badge page EN');
    equal(await htmlLang(page), 'en', 'html lang');
    await statusPanel(page, 'valid', 'Valid');
    equal(await text(page, 'main h1'), badge.achievement, 'badge name');
    await page.locator('details.checks-box summary').click();
    const checks = page.locator('ul.checks li');
    expect((await checks.count()) >= 5, `only ${await checks.count()} checks shown`);
    expect(await checks.first().isVisible(), 'the checks do not open');
    for (const li of await checks.all()) {
      const status = await li.getAttribute('class');
      expect(['passed', 'skipped'].includes(status), `check "${(await li.innerText()).trim()}" is ${status}`);
    }
    const names = (await checks.allInnerTexts()).join('\n');
    for (const name of ['Signature', 'Issuer', 'Revocation and suspension', 'Validity dates']) {
      expect(names.includes(name), `no "${name}" check in:\n${names}`);
    }
    await shot(page, 'badge-en');
  });

  await check('LinkedIn "Add to LinkedIn profile" link carries the certification', async () => {
    await page.goto(badge.url);
    equal(await text(page, '#linkedin-add'), 'Add to LinkedIn profile', 'link text');
    const url = new URL(await attr(page, '#linkedin-add', 'href'));
    equal(`${url.origin}${url.pathname}`, 'https://www.linkedin.com/profile/add', 'LinkedIn endpoint');
    const p = url.searchParams;
    equal(p.get('startTask'), 'CERTIFICATION_NAME', 'startTask');
    equal(p.get('name'), badge.achievement, 'name');
    equal(p.get('organizationName'), await text(page, 'dl.facts dd a[href^="/issuers/"]'), 'organizationName');
    const issuedOn = new Date(await attr(page, 'dl.facts time', 'datetime'));
    equal(p.get('issueYear'), String(issuedOn.getUTCFullYear()), 'issueYear');
    equal(p.get('issueMonth'), String(issuedOn.getUTCMonth() + 1), 'issueMonth');
    equal(p.get('certUrl'), badge.url, 'certUrl');
    equal(p.get('certId'), badge.id, 'certId');
  });

  await check('Open Graph and Twitter tags', async () => {
    await page.goto(badge.url);
    const title = await meta(page, 'og:title');
    expect(title && title.startsWith(badge.achievement), `og:title is ${JSON.stringify(title)}`);
    const image = await meta(page, 'og:image');
    expect(image && /^https?:\/\//.test(image) && new URL(image).host, `og:image is not an absolute URL: ${JSON.stringify(image)}`);
    equal(await meta(page, 'og:url'), badge.url, 'og:url');
    const picture = await fetch(image);
    expect(picture.ok && (picture.headers.get('content-type') || '').startsWith('image/'), `og:image ${image} answers ${picture.status} ${picture.headers.get('content-type')}`);
    expect(await meta(page, 'twitter:card'), 'no twitter:card');
  });

  await check('keyboard: the skip link comes first and moves focus to main', async () => {
    await page.goto(badge.url);
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => ({ cls: document.activeElement.className, href: document.activeElement.getAttribute('href') }));
    equal(focused.cls, 'skip-link', 'first focused element');
    const box = await page.locator('.skip-link').boundingBox();
    expect(box && box.x >= 0 && box.y >= 0, `the focused skip link is off screen (${JSON.stringify(box)})`);
    await page.keyboard.press('Enter');
    equal(await page.evaluate(() => document.activeElement.id), 'main', 'focus after the skip link');
  });

  // WCAG 2.4.7: every element the keyboard reaches shows where the focus is.
  await check('keyboard: every focusable element on the badge page shows its focus', async () => {
    await page.goto(badge.url);
    const seen = [];
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const e = document.activeElement;
        if (!e || e === document.body) return null;
        const s = getComputedStyle(e);
        const label = `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''} "${(e.innerText || e.value || '').trim().slice(0, 40)}"`;
        const shown = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
        return { label, shown };
      });
      if (!f || (seen.length > 0 && f.label === seen[0].label)) break;
      seen.push(f);
    }
    const labels = seen.map((f) => f.label);
    expect(seen.length >= 10, `only ${seen.length} elements reached by Tab: ${labels.join(', ')}`);
    expect(labels.some((l) => l.startsWith('a#linkedin-add')), `the LinkedIn link is not reached by Tab: ${labels.join(', ')}`);
    const hidden = seen.filter((f) => !f.shown).map((f) => f.label);
    log(`note     Tab reaches ${seen.length} elements on the badge page`);
    expect(hidden.length === 0, `no visible focus on: ${hidden.join(', ')}`);
  });

  await checkNeeding('badge image and QR code load', [
    ['badge-image', serves(`${badge.url}/image.svg`, 'image/')],
    ['qr', serves(`${badge.url}/qr.svg`, 'image/')],
  ], async () => {
    await page.goto(badge.url);
    for (const selector of ['.badge-art img', '.qr img']) {
      const width = await page.locator(selector).first().evaluate((img) => img.complete && img.naturalWidth);
      expect(width > 0, `${selector} did not load`);
    }
  });

  await checkNeeding('the credential JSON and QR code PNG download from the badge page', [
    ['downloads', serves(`${badge.url}/credential.json`, 'application/')],
    ['qr', serves(`${badge.url}/qr.png`, 'image/png')],
  ], async () => {
    await page.goto(badge.url);
    for (const [suffix, test] of [
      ['/credential.json', (b) => equal(JSON.parse(b.toString()).id, badge.url, 'id of the downloaded credential')],
      ['/qr.png', (b) => expect(b.subarray(1, 4).toString() === 'PNG', `the QR download is not a PNG (${b.length} bytes)`)],
    ]) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`a[href$="${suffix}"]`).click()]);
      const file = join(server.dir, `download-${suffix.slice(1)}`);
      await download.saveAs(file);
      test(readFileSync(file));
    }
  });

  await check('language switch leads to the French page and the choice sticks', async () => {
    await page.goto(badge.url);
    await Promise.all([page.waitForURL(/[?&]lang=fr/), page.locator('a.lang-switch').click()]);
    equal(await htmlLang(page), 'fr', 'html lang after the switch');
    await statusPanel(page, 'valid', 'Valide');
    equal(await text(page, '#share-h'), 'Partager', 'share heading');
    equal(await text(page, '#criteria-h'), 'Comment l’obtenir', 'criteria heading');
    const cookie = (await context.cookies()).find((c) => c.name === 'lang');
    equal(cookie && cookie.value, 'fr', 'lang cookie');
    await audit(page, 'badge page FR');
    // The next page, without ?lang=, stays French.
    await visit(page, french.url, 'French badge page');
    equal(await htmlLang(page), 'fr', 'html lang on the next page');
    await statusPanel(page, 'valid', 'Valide');
    equal(await text(page, 'main h1'), french.achievement, 'French badge name');
    await shot(page, 'badge-fr');
  });

  await check('revoked badge says revoked prominently (French, then English)', async () => {
    await visit(page, revoked.url, 'revoked badge page FR');
    equal(await htmlLang(page), 'fr', 'html lang');
    await statusPanel(page, 'revoked', 'Révoqué');
    const notice = await text(page, 'main .error-message');
    expect(notice.includes('Ce badge a été révoqué par son émetteur.'), `revocation notice: ${notice}`);
    expect(notice.includes('Issued in error: duplicate enrolment'), `the reason is not shown: ${notice}`);
    await shot(page, 'revoked-fr');
    await Promise.all([page.waitForURL(/[?&]lang=en/), page.locator('a.lang-switch').click()]);
    await statusPanel(page, 'revoked', 'Revoked');
    expect((await text(page, 'main .error-message')).includes('This badge has been revoked by its issuer.'), 'English revocation notice');
    await audit(page, 'revoked badge page EN');
    await shot(page, 'revoked-en');
  });

  await check('unknown credential: friendly 404 in the chosen language', async () => {
    const unknown = `${base}/credentials/00000000-0000-0000-0000-000000000000`;
    await page.goto(`${base}/?lang=fr`);
    await visit(page, unknown, '404 FR', 404);
    equal(await htmlLang(page), 'fr', 'html lang');
    equal(await text(page, 'main h1'), 'Page introuvable', '404 heading');
    expect(await page.locator('main a[href="/"]').count(), 'no way back to the home page');
    await shot(page, 'not-found-fr');
    await Promise.all([page.waitForURL(/[?&]lang=en/), page.locator('a.lang-switch').click()]);
    equal(await htmlLang(page), 'en', 'html lang after switching back');
    equal(await text(page, 'main h1'), 'Page not found', '404 heading');
    await audit(page, '404 EN');
  });

  await check('every demo badge page loads with its state', async () => {
    for (const b of badges) {
      await visit(page, b.url, `badge page of ${b.learner}`);
      const state = b.state === 'issued' ? 'valid' : b.state;
      await statusPanel(page, state, { valid: 'Valid', revoked: 'Revoked', suspended: 'Suspended' }[state]);
    }
  });

  await check('printable certificate', async () => {
    await visit(page, `${badge.url}/print`, 'print view');
    expect(await page.locator('.certificate').isVisible(), 'the certificate is not shown');
    equal(await text(page, '.certificate .cert-name'), badge.learner, 'name on the certificate');
    equal(await text(page, '.certificate h2'), badge.achievement, 'achievement on the certificate');
    await page.emulateMedia({ media: 'print' });
    expect(!(await page.locator('.site-header').isVisible()), 'the site header is printed');
    await shot(page, 'print');
    await page.emulateMedia({ media: 'screen' });
  });

  await check('verify page: "Verify this badge" shows the result, with the recipient checked', async () => {
    await page.goto(`${badge.url}?lang=en`);
    await Promise.all([page.waitForURL(/\/verify\?url=/), page.locator(`main a[href^="/verify?url="]`).click()]);
    equal(page.url(), `${base}/verify?url=${encodeURIComponent(badge.url).replace(/%2F/g, '/')}`, 'verify link');
    await page.locator('#result').waitFor();
    equal(await text(page, '#result .status-headline'), 'Valid', 'verification result');
    equal(await text(page, '#result h3'), badge.achievement, 'verified badge name');
    await audit(page, 'verify page with a result');
    // An employer checks the learner's email against the credential.
    await page.locator('#recipientEmail').fill('amina.okafor@example.com');
    await Promise.all([page.waitForURL(`${base}/verify`), page.locator('#verify-form [type=submit]').click()]);
    equal(await attr(page, '#recipient-result', 'class'), 'status valid', 'recipient check');
    await shot(page, 'verify-result');
    await page.locator('#recipientEmail').fill('someone.else@example.com');
    await Promise.all([page.waitForURL(`${base}/verify`), page.locator('#verify-form [type=submit]').click()]);
    equal(await attr(page, '#recipient-result', 'class'), 'status invalid', 'recipient check with another email');
  });

  await check('verify page: a pasted revoked credential says Revoked; nothing given says so', async () => {
    const json = await (await fetch(revoked.url, { headers: { accept: 'application/json' } })).text();
    await visit(page, `${base}/verify`, 'verify page');
    await page.locator('#credential').fill(json);
    await Promise.all([page.waitForURL(`${base}/verify`), page.locator('#verify-form [type=submit]').click()]);
    equal(await text(page, '#result .status-headline'), 'Revoked', 'verification of the pasted revoked credential');
    await page.locator('#credential').fill('');
    await page.locator('#recipientEmail').fill('');
    await Promise.all([page.waitForURL(`${base}/verify`), page.locator('#verify-form [type=submit]').click()]);
    expect(await page.locator('#form-error').isVisible(), 'no error for an empty form');
    equal(await page.locator('#result').count(), 0, 'a result without anything to verify');
    await audit(page, 'verify page with an error');
  });

  for (const [kind, signature] of [['png', (b) => b.subarray(1, 4).toString() === 'PNG'], ['svg', (b) => b.toString().includes('<svg')]]) {
    await checkNeeding(`baked ${kind.toUpperCase()} downloaded from the badge page verifies through the verify page's file input`, [
      ['downloads', serves(`${badge.url}/badge.${kind}`, 'image/')],
    ], async () => {
      await page.goto(badge.url);
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`a[href$="/badge.${kind}"]`).click()]);
      const file = join(server.dir, `badge.${kind}`);
      await download.saveAs(file);
      const bytes = readFileSync(file);
      expect(signature(bytes), `the download is not a ${kind.toUpperCase()} (${bytes.length} bytes)`);
      await page.goto(`${base}/verify`);
      await page.locator('#verify-form input[type=file]').setInputFiles(file);
      await Promise.all([page.waitForURL(`${base}/verify`), page.locator('#verify-form [type=submit]').click()]);
      equal(await text(page, '#result .status-headline'), 'Valid', `verification of the baked ${kind.toUpperCase()}`);
      equal(await text(page, '#result h3'), badge.achievement, `badge name baked in the ${kind.toUpperCase()}`);
      await audit(page, `verify page with a baked ${kind.toUpperCase()}`);
      await shot(page, `verify-baked-${kind}`);
    });
  }

  await check('issuer page, in English and French', async () => {
    await visit(page, `${base}/issuers/emc?lang=en`, 'issuer page EN');
    equal(await text(page, 'main h1'), 'Excellence in Manufacturing Consortium', 'issuer name');
    expect((await page.locator('main a[href^="/achievements/"]').count()) >= 6, 'the achievements offered are not listed');
    await shot(page, 'issuer-en');
    await visit(page, `${base}/issuers/northern-college?lang=fr`, 'issuer page FR');
    equal(await htmlLang(page), 'fr', 'html lang');
    await page.goto(`${base}/?lang=en`);
  });

  // Achievement pages, reached as a reader does: from the issuer's list. (The
  // versioned achievement id inside a credential answers JSON only.)
  // The French micro-credential has an English edition: its French name is what a French reader sees.
  for (const [b, issuer, label] of [[badge, 'emc?lang=en', 'achievement page'], [french, 'northern-college?lang=fr', 'French achievement page']]) {
    await check(label, async () => {
      await page.goto(`${base}/issuers/${issuer}`);
      await Promise.all([page.waitForURL(/\/achievements\//), page.locator('main a[href^="/achievements/"]', { hasText: b.achievement }).first().click()]);
      await audit(page, label);
      equal(await text(page, 'main h1'), b.achievement, 'achievement name');
      await shot(page, label.toLowerCase().replace(/ /g, '-'));
    });
  }
  await page.goto(`${base}/?lang=en`);

  // The learner's private claim link: choose the name the badge page shows.
  const claimed = issued.find((b) => b.learner === 'Sarah Whitehorse') || issued[issued.length - 1];
  await check('claim page: the learner chooses the name the badge page shows', async () => {
    expect(claimed.claim, `no claim link printed for ${claimed.learner} (stdout:\n${server.stdout})`);
    await visit(page, `${claimed.claim}?lang=fr`, 'claim page FR');
    equal(await htmlLang(page), 'fr', 'html lang');
    await Promise.all([page.waitForURL(/[?&]lang=en/), page.locator('a.lang-switch').click()]);
    await audit(page, 'claim page EN');
    equal(await page.locator('#name').inputValue(), claimed.learner, 'the name the issuer gave, offered first');
    await shot(page, 'claim');
    await page.locator('#name').fill('Sarah W.');
    await Promise.all([page.waitForURL(claimed.url), page.locator('form[action^="/claim/"] [type=submit]').click()]);
    await audit(page, 'badge page after claiming');
    const facts = await text(page, 'dl.facts');
    expect(facts.includes('Sarah W.'), `the chosen name is not on the badge page: ${facts}`);
    await statusPanel(page, 'valid', 'Valid');
  });

  await check('console: an invited staff member creates an account, signs out and in again, in pages', async () => {
    const key = /Issuer-admin key for emc: (\S+)/.exec(server.stdout)?.[1];
    expect(key, `no issuer-admin key printed (stdout:\n${server.stdout})`);
    const r = await fetch(`${base}/api/v1/organizations/emc/invitations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'coordinator@emc.example', role: 'issuer' }),
    });
    equal(r.status, 201, 'invitation created');
    const invitation = (await r.json()).invitationUrl;
    await visit(page, `${invitation}?lang=fr`, 'console invitation FR');
    await visit(page, `${invitation}?lang=en`, 'console invitation EN');
    await page.locator('#name').fill('Jo Coordinator');
    await page.locator('#password').fill('a passphrase of several words');
    await page.locator('#confirmation').fill('a passphrase of several words');
    await Promise.all([page.waitForURL(`${base}/console`), page.locator('form [type=submit]').click()]);
    await audit(page, 'console home');
    expect((await text(page, 'main')).includes('Jo Coordinator'), 'the console names who is signed in');
    await shot(page, 'console-home');
    await Promise.all([page.waitForURL(`${base}/console/sign-in`), page.locator('form[action="/console/sign-out"] [type=submit]').click()]);
    await audit(page, 'console sign-in');
    await page.locator('#email').fill('coordinator@emc.example');
    await page.locator('#password').fill('not the passphrase');
    await page.locator('form [type=submit]').click();
    await page.waitForSelector('#sign-in-error');
    await audit(page, 'console sign-in error');
    await page.locator('#password').fill('a passphrase of several words');
    await Promise.all([page.waitForURL(`${base}/console`), page.locator('#password').press('Enter')]);
  });

  await check('sign-off: the employer decides in the page the link opens', async () => {
    const key = /Issuer-admin key for emc: (\S+)/.exec(server.stdout)?.[1];
    const r = await fetch(`${base}/api/v1/organizations/emc/results`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        achievement: 'emc-mec', component: 'workplace-project', submittedForSignoff: true,
        reviewer: { name: 'Jordan Supervisor', email: 'jordan@acme.example' },
        learner: { email: 'browser-signoff@example.org', name: 'Robin Apprentice' },
        evidence: [{ name: 'Project report', url: 'https://lms.example.ca/report.pdf', genre: 'Workplace project' }],
      }),
    });
    equal(r.status, 200, 'result recorded');
    const link = (await r.json()).signoffs?.[0]?.link;
    expect(link, 'a sign-off link in the answer');
    await visit(page, `${link}?lang=fr`, 'sign-off page FR');
    await visit(page, `${link}?lang=en`, 'sign-off page EN');
    expect((await text(page, 'main')).includes('Robin Apprentice'), 'the page names the learner');
    await shot(page, 'signoff');
    await page.locator('input[value=decline]').check();
    await page.locator('form [type=submit]').click();
    await page.waitForSelector('#comment-error');
    await audit(page, 'sign-off page with an error');
    await page.locator('input[value=approve]').check();
    await page.locator('#role').fill('Site supervisor');
    await page.locator('form [type=submit]').click();
    await page.waitForSelector('text=your confirmation is recorded');
    await audit(page, 'sign-off recorded');
  });

  // Console: results and learners (issue #14).
  await check('console: an issuer records a result and imports a CSV with a bad row, in pages', async () => {
    const { own, p } = await staffPage(server, browser, 'results@emc.example', 'issuer', 'Rae Results');
    try {

      await visit(p, `${base}/console/results?lang=fr`, 'console result form FR');
      await visit(p, `${base}/console/results?lang=en`, 'console result form EN');
      const target = await p.evaluate(() => [...document.querySelectorAll('#target option')].map((o) => o.value).find((v) => v.endsWith(':post-assessment')));
      expect(target, 'a post-assessment component to pick');
      await p.locator('#target').selectOption(target);
      await p.locator('#email').fill('browser-result@example.org');
      await p.locator('#name').fill('Sam Browser');
      await p.locator('#score').fill('150');
      await p.locator('form[action="/console/results"] [type=submit]').click();
      await p.waitForSelector('#score-error');
      await audit(p, 'console result form with an error');
      await p.locator('#score').fill('85');
      await p.locator('form[action="/console/results"] [type=submit]').click();
      await p.waitForSelector('#outcome-state');
      await audit(p, 'console result recorded');
      await shot(p, 'console-result');
      await Promise.all([p.waitForURL(/\/console\/learners\//), p.locator('a[href^="/console/learners/"]').first().click()]);
      expect((await text(p, 'main')).includes('Sam Browser'), 'the learner page names the learner');
      await audit(p, 'console learner page');
      await visit(p, `${base}/console/learners?q=${encodeURIComponent('browser-result@example.org')}&lang=fr`, 'console learner search FR');
      expect((await text(p, 'main')).includes('Sam Browser'), 'found by email');

      await visit(p, `${base}/console/imports?lang=en`, 'console imports EN');
      const csv = 'achievement,component,email,score\nemc-mec,post-assessment,csv-one@example.org,88\nemc-mec,no-such-part,csv-two@example.org,90\n';
      await p.locator('#file').setInputFiles({ name: 'results.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await Promise.all([p.waitForURL(/\/console\/imports\/[^/?]+$/), p.locator('form[action="/console/imports"] [type=submit]').click()]);
      const job = p.url();
      // The page refreshes itself while the job runs; wait for the last refresh.
      const deadline = Date.now() + 30_000;
      while (!(await text(p, '#job-status')).includes('Done')) {
        expect(Date.now() < deadline, 'the import finished within 30 s');
        await p.waitForEvent('load', { timeout: 5_000 }).catch(() => p.reload());
      }
      const rejected = await text(p, 'ul.rejected');
      expect(rejected.includes('Row 2') && rejected.includes('component'), `the rejected row with its reason: ${rejected}`);
      expect((await p.locator('meta[http-equiv="refresh"]').count()) === 0, 'no refresh once done');
      await audit(p, 'console import done EN');
      await shot(p, 'console-import');
      await visit(p, `${job}?lang=fr`, 'console import done FR');
      expect((await text(p, 'main')).includes('Lignes rejetées'), 'the French page');
      const download = await fetch(`${job}/rejected.csv`, { headers: { cookie: (await own.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } });
      equal(download.status, 200, 'the rejected rows download');
      expect((await download.text()).includes('2,3,component,'), 'the download holds the rejected row');
    } finally {
      await own.close();
    }
  });

  // Micro-credentials in English and French: the reader of the other language sees the other
  // language edition (OB 3.0 `related`), told that the signed credential is in English.
  await check('a French reader sees the French edition of a badge issued in English', async () => {
    await visit(page, `${badge.url}?lang=fr`, 'badge page, French edition');
    equal(await htmlLang(page), 'fr', 'html lang');
    equal(await text(page, 'main h1'), 'AMS Gestion du temps', 'the French edition\'s name');
    equal(await attr(page, 'main h1', 'lang'), 'fr-CA', 'lang of the name');
    expect((await text(page, '#edition-note')).includes('rédigé en anglais'), 'no note that the signed credential is in English');
    const art = await attr(page, '.badge-art img', 'src');
    expect(art.endsWith('/image.svg?lang=fr'), `artwork URL without the language: ${art}`);
    const svg = await (await fetch(`${base}${art}`)).text();
    expect(svg.includes('Gestion'), 'the artwork does not bear the French name');
    await shot(page, 'badge-french-edition');
    await visit(page, `${badge.url}/print`, 'certificate, French edition');
    equal(await text(page, '.certificate h2'), 'AMS Gestion du temps', 'achievement on the French certificate');
    await visit(page, `${badge.url}?lang=en`, 'badge page, English edition');
    equal(await text(page, 'main h1'), badge.achievement, 'the signed name for an English reader');
    equal(await page.locator('#edition-note').count(), 0, 'a note on the signed language\'s page');
  });

  // Console: credentials, sign-offs, audit log, team (issue #14).
  await check('console: an administrator suspends a credential, reads the sign-offs, the log and the team, by keyboard', async () => {
    const { own, p } = await staffPage(server, browser, 'admin-pages@emc.example', 'issuer-admin', 'Ada Admin');
    try {

      await visit(p, `${base}/console/credentials?lang=fr`, 'console credentials FR');
      await visit(p, `${base}/console/credentials?state=active&lang=en`, 'console credentials EN');
      await Promise.all([p.waitForURL(/\/console\/credentials\/[^/?]+$/), p.locator('tbody a[href^="/console/credentials/"]').first().click()]);
      await audit(p, 'console credential page');
      const credentialPage = p.url();
      // By keyboard: the public reason, then the suspend button.
      await p.locator('#suspend-public').focus();
      await p.keyboard.type('Under review');
      await p.keyboard.press('Tab');
      await Promise.all([p.waitForLoadState('load'), p.keyboard.press('Enter')]);
      expect((await text(p, '[role=status]')).includes('suspended'), 'the page says the credential is suspended');
      expect((await p.locator('form[action$="/unsuspend"]').count()) === 1, 'and offers to lift it');
      await audit(p, 'console credential suspended');
      await shot(p, 'console-credential');
      const badgeLink = await attr(p, 'dd a[href*="/credentials/"]', 'href');
      await visit(p, `${badgeLink}?lang=en`, 'badge page of the suspended credential');
      expect((await text(p, 'main')).includes('Under review'), 'the public reason on the badge page');
      await p.goto(credentialPage);
      await p.locator('form[action$="/unsuspend"] [type=submit]').click();
      await p.waitForLoadState('load');

      await visit(p, `${base}/console/signoffs?lang=fr`, 'console sign-offs FR');
      await visit(p, `${base}/console/signoffs?status=decided&lang=en`, 'console sign-offs decided EN');
      await visit(p, `${base}/console/analytics?lang=fr`, 'console analytics FR');
      expect((await p.locator('svg.chart title').count()) === 2, 'two charts, each with a title');
      await visit(p, `${base}/console/analytics?lang=en`, 'console analytics EN');
      await shot(p, 'console-analytics');
      await visit(p, `${base}/console/audit?lang=fr`, 'console audit log FR');
      expect((await text(p, 'main')).includes('Ada Admin'), 'the log names the administrator');
      await visit(p, `${base}/console/team?lang=en`, 'console team EN');
      await p.locator('#key-name').fill('Browser test LMS');
      await p.locator('form[action="/console/team/api-keys"] [type=submit]').click();
      await p.waitForSelector('#secret');
      expect((await p.locator('#secret').inputValue()).startsWith('crd_'), 'the new key, shown once');
      await audit(p, 'console team with a new key');
      await visit(p, `${base}/console/team?lang=fr`, 'console team FR');
      await visit(p, `${base}/console/security?lang=en`, 'console two-factor EN');
      await p.locator('form[action="/console/security/two-factor/start"] [type=submit]').click();
      await p.waitForSelector('#two-factor-key');
      await audit(p, 'console two-factor setup');
      await visit(p, `${base}/console/security?lang=fr`, 'console two-factor setup FR');
    } finally {
      await own.close();
    }
  });

  // The console's micro-credential editor (issue #14): defined by keyboard, in English and French.
  await check('console: an issuer-admin defines a micro-credential with a two-component rule by keyboard, EN and FR', async () => {
    const key = /Issuer-admin key for emc: (\S+)/.exec(server.stdout)?.[1];
    const wanted = {
      en: 'Score at least 70% on Final exam, in at most 3 attempts; an employer confirms Workplace practice (the badge is issued without waiting).',
      fr: 'Obtenir au moins 70\u00a0% à Final exam, en au plus 3 tentatives; un employeur confirme Workplace practice (le badge est délivré sans attendre).',
    };
    for (const lang of ['en', 'fr']) {
      const r = await fetch(`${base}/api/v1/organizations/emc/invitations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: `editor-${lang}@emc.example`, role: 'issuer-admin' }),
      });
      equal(r.status, 201, 'invitation created');
      const invitation = (await r.json()).invitationUrl;
      const own = await browser.newContext({ locale: lang === 'fr' ? 'fr-CA' : 'en-CA' });
      try {
        const p = await own.newPage();
        const type = async (selector, value) => {
          await p.locator(selector).focus();
          await p.keyboard.type(value);
        };
        await p.goto(`${invitation}?lang=${lang}`);
        await type('#name', 'Alex Editor');
        await type('#password', 'a passphrase of several words');
        await type('#confirmation', 'a passphrase of several words');
        await Promise.all([p.waitForURL(`${base}/console`), p.keyboard.press('Enter')]);
        await visit(p, `${base}/console/achievements/new?lang=${lang}`, `console new micro-credential ${lang}`);
        equal(await htmlLang(p), lang, 'page language');
        await type('#f-slug', `browser-lifting-${lang}`);
        await type('#f-name', `Safe lifting (${lang})`);
        await type('#f-description', 'Lift, carry and store safely.');
        await type('#f-criteria-narrative', 'Pass the exam and show it at work.');
        await type('#f-rule-allOf-0-component', 'final-exam');
        await type('#f-rule-allOf-0-name', 'Final exam');
        await type('#f-rule-allOf-0-minScore', '70');
        await type('#f-rule-allOf-0-maxAttempts', '3');
        // "Add a component" by keyboard: the form comes back with a second row, what was typed kept.
        await p.locator('button[value=add]').focus();
        await Promise.all([p.waitForSelector('#f-rule-allOf-1-component'), p.keyboard.press('Enter')]);
        equal(await p.locator('#f-rule-allOf-0-minScore').inputValue(), '70', 'the first row is kept');
        await type('#f-rule-allOf-1-component', 'workplace');
        await type('#f-rule-allOf-1-name', 'Workplace practice');
        await p.locator('#f-rule-allOf-1-requiresSignoff').focus();
        await p.locator('#f-rule-allOf-1-requiresSignoff').selectOption('employer');
        await p.locator('input[name="rule.allOf[1].signoffBlocking"]').focus();
        await p.keyboard.press('Space');
        await audit(p, `console micro-credential editor with two components ${lang}`);
        // Enter in a text field saves (not "remove"): on to the new micro-credential's page.
        await p.locator('#f-name').focus();
        const saved = (u) => /^\/console\/achievements\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith('/new');
        await Promise.all([p.waitForURL(saved), p.keyboard.press('Enter')]);
        await audit(p, `console micro-credential saved ${lang}`);
        equal(await text(p, 'aside.preview p'), wanted[lang], 'what it takes to earn it');
        await shot(p, `console-achievement-${lang}`);
        await visit(p, `${p.url()}/alignments?q=read`, `console competency alignments ${lang}`);
        await visit(p, `${base}/console/achievements`, `console micro-credentials list ${lang}`);
        expect((await text(p, 'main table')).includes(`Safe lifting (${lang})`), 'listed');
        const narrow = await own.newPage();
        await narrow.setViewportSize({ width: 320, height: 640 });
        for (const url of [`${base}/console/achievements`, `${base}/console/achievements/new`]) {
          await narrow.goto(url);
          const wide = await narrow.evaluate(() => {
            const limit = document.documentElement.clientWidth;
            const over = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > limit + 1);
            const innermost = over.filter((e) => !over.some((o) => o !== e && e.contains(o)));
            return { by: document.documentElement.scrollWidth - limit, culprits: innermost.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`) };
          });
          expect(wide.by <= 0, `${url} scrolls sideways by ${wide.by} px at 320 px: ${wide.culprits.join(', ')}`);
        }
      } finally {
        await own.close();
      }
    }
  });

  // WCAG 1.4.10 (reflow): at 320 CSS pixels wide nothing scrolls sideways.
  await check('pages reflow at 320 px without sideways scrolling', async () => {
    const narrow = await browser.newContext({ viewport: { width: 320, height: 640 }, locale: 'en-CA' });
    try {
      const small = await narrow.newPage();
      for (const url of [`${base}/console/sign-in`, badge.url, revoked.url, `${badge.url}/print`, `${base}/verify?url=${encodeURIComponent(badge.url)}`, `${base}/issuers/emc`, `${base}/`]) {
        await small.goto(url);
        const wide = await small.evaluate(() => {
          const limit = document.documentElement.clientWidth;
          const over = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > limit + 1);
          const innermost = over.filter((e) => !over.some((o) => o !== e && e.contains(o)));
          return { scroll: document.documentElement.scrollWidth, limit, culprits: innermost.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`) };
        });
        expect(wide.scroll <= wide.limit, `${url} is ${wide.scroll} px wide at ${wide.limit} px: ${wide.culprits.join(', ')}`);
      }
      await shot(small, 'badge-narrow', {});
    } finally {
      await narrow.close();
    }
  });

  // Platform admins: the first one made by the command line, creating an organization in the console.
  await check('console: a platform admin made by `credence admin invite --platform-admin` creates an organization', async () => {
    const link = execFileSync(BIN, ['admin', 'invite', '--org', 'emc', '--email', 'root@platform.example', '--platform-admin'], {
      cwd: server.dir,
      env: server.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString().trim();
    const own = await browser.newContext({ locale: 'en-CA' });
    const p = await own.newPage();
    try {
      await p.goto(`${base}${new URL(link).pathname}?lang=en`);
      await p.locator('#name').fill('Pat Platform');
      await p.locator('#password').fill('a passphrase of several words');
      await p.locator('#confirmation').fill('a passphrase of several words');
      await Promise.all([p.waitForURL(`${base}/console`), p.locator('form [type=submit]').click()]);
      await visit(p, `${base}/console/platform/organizations?lang=fr`, 'console platform FR');
      await visit(p, `${base}/console/platform/organizations?lang=en`, 'console platform EN');
      await p.locator('#new-slug').fill('browserco');
      await p.locator('#new-name').fill('Browser Co');
      await p.locator('#new-issueJwt').check();
      await p.locator('#new-jwtAlgorithm').selectOption('RS256');
      await Promise.all([p.waitForURL(/\/console\/platform\/organizations\/browserco\?created$/), p.locator('form[action="/console/platform/organizations"] [type=submit]').click()]);
      await audit(p, 'console platform organization created');
      await shot(p, 'console-platform-organization');
      const profile = await (await fetch(`${base}/issuers/browserco`, { headers: { accept: 'application/ld+json' } })).json();
      expect((profile.verificationMethod || []).some((m) => m.publicKeyJwk?.kty === 'RSA'), 'its Profile lists its RSA key at once');
      await p.locator('#org-url').fill('ftp://example.org/');
      await Promise.all([p.waitForLoadState('load'), p.locator('form[action="/console/platform/organizations/browserco"] [type=submit]').click()]);
      expect((await p.locator('#org-url-error').count()) === 1, 'the error beside its field');
      await audit(p, 'console platform organization with an error');
      await visit(p, `${base}/console/organization?lang=fr`, 'console own organization FR');
    } finally {
      await own.close();
    }
  });

  await check('the whole journey: invite, define, import, sign off, claim, verify, count', () => journey(server, browser));

  await check('no script errors on any page', async () => {
    expect(pageErrors.length === 0, pageErrors.join('\n'));
  });
  await context.close();
}

async function main() {
  // This run's screenshots only (the folder is the suite's own).
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  let server;
  let browser;
  const stop = async () => {
    await browser?.close().catch(() => {});
    await stopServer(server);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => stop().finally(() => process.exit(130)));
  }
  process.on('exit', () => server && !server.exited && server.child.kill('SIGKILL'));
  // Nothing here should take minutes: a hung browser or server fails the run.
  setTimeout(() => {
    log(`\nBROWSER TESTS FAILED: still running after ${DEADLINE_MINUTES} minutes; stopped`);
    stop().finally(() => process.exit(1));
  }, DEADLINE_MINUTES * 60_000).unref();
  try {
    server = await startServer();
    log(`server   ${server.base} (${BIN})`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    log(`browser  ${CHROMIUM} ${browser.version()}`);
    await run(server, browser);
  } catch (e) {
    failures.push(`the run stopped: ${e.stack || e.message}`);
  } finally {
    await stop();
  }
  log(`\nscreenshots in ${SHOTS}`);
  for (const p of pending) log(`pending: ${p}`);
  if (failures.length > 0) {
    log(`\nBROWSER TESTS FAILED: ${failures.length} failure(s), ${passed} passed`);
    for (const f of failures) log(`  - ${f}`);
    if (server?.stderr) log(`\n--- server stderr ---\n${server.stderr}`);
    process.exit(1);
  }
  log(`\nbrowser tests passed: ${passed} checks, ${pending.length} pending`);
}

await main();
