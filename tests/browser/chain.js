// chain.js - an investigator's session on the Ethereum panel in a real
// browser (Debian's chromium, headless, playwright-core): look up a
// transaction, follow an address of its flows, ask for a block before the
// store's first, then screen a wallet and see the chain answer beside it.
// Prints what it saw as JSON for tests/cli/browser_evm.sh.
//   node chain.js URL TXHASH ADDRESS EARLY_BLOCK SCREENSHOT PROFILE_DIR
//   node chain.js --no-store URL PROFILE_DIR   (a server without a store: no panel)
"use strict";
const session = require("./session.js");

const rows = (page, sel) => page.$$eval(sel, (trs) => trs.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent)));
const summary = (page) => page.$$eval("#chain-summary tr", (trs) => Object.fromEntries(trs.map((r) => [r.querySelector("th").textContent, r.querySelector("td").textContent])));

if (process.argv[2] === "--no-store") {
  const [url, profile] = process.argv.slice(3);
  session(profile, async (page, out) => {
    await page.goto(url);
    await page.waitForFunction(() => /snapshot/.test(document.getElementById("snapshot").textContent));
    await page.waitForLoadState("networkidle");
    out.panelHidden = await page.locator("#chain-panel").isHidden();
  });
} else {
  const [url, tx, addr, early, shot, profile] = process.argv.slice(2);
  session(profile, async (page, out) => {
    await page.goto(url);
    await page.waitForSelector("#chain-panel:not([hidden])");
    out.stats = await page.textContent("#chain-stats");
    // a transaction
    await page.fill("#chain-q", tx);
    await page.click("#chain-button");
    await page.waitForSelector("#chain-rows tbody tr.flow");
    out.tx = { summary: await summary(page), flows: await rows(page, "#chain-rows tbody tr.flow"), status: await page.textContent("#chain-status") };
    // follow the recipient of the transaction's own value
    const native = out.tx.flows.findIndex((r) => r[1] === "native");
    const to = page.locator(`#chain-rows tbody tr.flow >> nth=${native} >> td >> nth=4 >> a.addr`);
    out.followed = await to.textContent();
    await to.click();
    await page.waitForSelector("#chain-rows tbody tr.balance");
    await page.waitForSelector("#chain-flows tbody tr.aflow");
    out.follow = { summary: await summary(page), balances: await rows(page, "#chain-rows tbody tr.balance"),
                   flows: await rows(page, "#chain-flows tbody tr.aflow") };
    // the fee recipient: many flows, 50 a page, then the next page
    const miner = out.tx.flows.find((r) => r[1] === "fee" && r[4] !== "nowhere")[4];
    await page.fill("#chain-q", miner);
    await page.click("#chain-button");
    await page.waitForFunction(() => document.querySelectorAll("#chain-flows tbody tr.aflow").length === 50);
    out.miner = { address: miner, first: await page.locator("#chain-flows tbody tr.aflow").count(), more: !(await page.locator("#chain-more").isHidden()) };
    await page.click("#chain-more");
    await page.waitForFunction(() => document.querySelectorAll("#chain-flows tbody tr.aflow").length > 50);
    out.miner.flows = await rows(page, "#chain-flows tbody tr.aflow");
    out.miner.count = await page.textContent("#chain-flows-count");
    // a transaction of the list, opened from it
    const link = page.locator("#chain-flows tbody tr.aflow >> nth=3 >> td >> nth=2 >> a.addr");
    out.opened = await link.textContent();
    await link.click();
    await page.waitForFunction((h) => /transaction/.test(document.getElementById("chain-summary").textContent) &&
      document.getElementById("chain-summary").textContent.includes(h), out.opened);
    out.openedFlowsBoxHidden = await page.locator("#chain-flows-box").isHidden();
    // an address at a block before the store's first: unknown, said
    await page.fill("#chain-q", addr);
    await page.fill("#chain-at", early);
    await page.click("#chain-button");
    await page.waitForFunction(() => /first block/.test(document.getElementById("chain-summary").textContent));
    out.early = { summary: await summary(page), rowsShown: !(await page.locator("#chain-rows").isHidden()) };
    // a bad query is said, not sent
    await page.fill("#chain-q", "0x1234");
    await page.click("#chain-button");
    out.bad = await page.textContent("#chain-status");
    // screening a wallet shows it on the chain too
    await page.fill("#q", addr.toUpperCase().replace("0X", "0x"));
    await page.click("#search-button");
    await page.waitForFunction((a) => document.getElementById("chain-q").value.toLowerCase() === a &&
      /asset/.test(document.getElementById("chain-status").textContent), addr);
    out.screened = { summary: await summary(page), balances: await rows(page, "#chain-rows tbody tr.balance") };
    await page.screenshot({ path: shot, fullPage: true });
  });
}
