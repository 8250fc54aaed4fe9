// drive.js - one analyst session in a real browser (Debian's chromium,
// headless, driven by playwright-core): open the page, screen a name,
// read the results, open the first hit, record a decision, and check the
// page shows it.  Prints what it saw as JSON for tests/cli/browser.sh.
//   node drive.js URL QUERY BIRTHDATE SCREENSHOT PROFILE_DIR
"use strict";
const session = require("./session.js");

const [url, query, birthDate, shot, profile] = process.argv.slice(2);
session(profile, async (page, out) => {
  await page.goto(url);
  await page.waitForFunction(() => /snapshot/.test(document.getElementById("snapshot").textContent));
  out.snapshot = await page.textContent("#snapshot");
  out.catalogRows = await page.locator("#catalog tbody tr").count();
  await page.fill("#q", query);
  if (birthDate) await page.fill("#birthDate", birthDate);
  await page.click("#search-button");
  await page.waitForSelector("#results tbody tr.result");
  out.results = await page.$$eval("#results tbody tr.result", (rows) => rows.map((r) => ({
    id: r.dataset.id,
    score: parseFloat(r.querySelector(".score").textContent),
    caption: r.querySelector(".caption").textContent,
    matched: r.querySelector(".matched").textContent,
    why: r.querySelector(".why").textContent,
  })));
  out.status = await page.textContent("#status");
  await page.click("#results tbody tr.result >> nth=0");
  await page.waitForSelector("#entity-panel:not([hidden])");
  out.entityTitle = await page.textContent("#entity-title");
  out.recordRows = await page.locator("#entity-record tr").count();
  out.explanationText = (await page.textContent("#explanation")).slice(0, 400);
  await page.selectOption("#decision", "false_positive");
  await page.fill("#analyst", "browser-test");
  await page.fill("#comment", "different birth date and nationality");
  await page.click("#decision-button");
  await page.waitForFunction(() => /Recorded decision #\d+/.test(document.getElementById("decision-status").textContent));
  out.decisionStatus = await page.textContent("#decision-status");
  // the results were screened again: the first row now carries the decision
  await page.waitForSelector("#results tbody tr.result >> nth=0 >> .badge.false_positive");
  out.badge = await page.textContent("#results tbody tr.result >> nth=0 >> td.decision");
  out.history = await page.textContent("#decision-history");
  await page.screenshot({ path: shot, fullPage: true });
});
