// session.js - one headless chromium session for the page tests: Debian's
// chromium driven by playwright-core, a page that collects its script and
// console errors in out.errors, and what the session saw printed as JSON.
//   require("./session.js")(profileDir, async (page, out) => { ... })
"use strict";
const { chromium } = require("playwright-core");

module.exports = function session(profile, body) {
  (async () => {
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1280, height: 1000 },
    });
    const out = { errors: [] };
    try {
      const page = ctx.pages()[0] || (await ctx.newPage());
      page.setDefaultTimeout(20000);
      page.on("pageerror", (e) => out.errors.push(String(e)));
      page.on("console", (m) => { if (m.type() === "error") out.errors.push(m.text()); });
      await body(page, out);
    } finally {
      await ctx.close();
    }
    console.log(JSON.stringify(out));
  })().catch((e) => { console.error(e); process.exit(1); });
};
