// app.js - the analyst page: screen a name, read why it matched, look at
// the listed record, record a decision.  Plain DOM, no framework, talks to
// the same API as every other client (/search, /entities, /decisions,
// /catalog), and, when the server has an Ethereum store, look up its
// transactions and addresses (/evm/...).  Text from the lists and the
// chain is always inserted as text, never HTML.
"use strict";

const $ = (id) => document.getElementById(id);
let current = { subject: "", results: [], entity: null };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

function apiKey() { return localStorage.getItem("sanctrace.apikey") || ""; }

async function api(path, options) {
  const opts = Object.assign({ headers: {} }, options || {});
  const key = $("apikey").value || apiKey();
  if (key) opts.headers["Authorization"] = "ApiKey " + key;
  const resp = await fetch(path, opts);
  let body = null;
  try { body = await resp.json(); } catch (e) { body = { error: "bad_response", detail: String(e) }; }
  if (resp.status === 401) { $("key-label").hidden = false; }
  if (!resp.ok) throw new Error((body && body.detail) || resp.statusText);
  return body;
}

function status(id, text, isError) {
  const s = $(id);
  s.textContent = text;
  s.classList.toggle("error", !!isError);
}

// ---- explanation ----
// The engine explains a score as {"name": {tokens, unmatched_query,
// unmatched_list, korean}, "name_score", "steps": [{feature, query, list,
// effect, why}], "score"}; anything else it adds is shown as plain terms.
const fmt = (x) => (Math.round(x * 100) / 100).toFixed(2);
const signed = (x) => (x > 0 ? "+" : x < 0 ? "\u2212" : "\u00b1") + fmt(Math.abs(x));

function explanationSummary(expl) {
  if (!expl || typeof expl !== "object") return "";
  const parts = [];
  const name = expl.name;
  if (name && Array.isArray(name.tokens)) {
    const hows = {};
    for (const t of name.tokens) hows[t.how] = (hows[t.how] || 0) + 1;
    const miss = (name.unmatched_query || []).length + (name.unmatched_list || []).length;
    parts.push(`name ${fmt(expl.name_score !== undefined ? expl.name_score : name.score)}: ` +
      Object.entries(hows).map(([h, n]) => `${n} ${h}`).join(", ") + (miss ? `, ${miss} unmatched` : ""));
  }
  for (const st of expl.steps || []) if (st.effect) parts.push(`${st.feature} ${signed(st.effect)}`);
  return parts.join(" \u00b7 ");
}

function renderGeneric(v) {
  if (v === null || v === undefined) return el("span", {}, "-");
  if (typeof v !== "object") return el("span", {}, String(v));
  if (Array.isArray(v)) return el("span", {}, v.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(", "));
  const dl = el("dl", { class: "expl" });
  for (const [k, x] of Object.entries(v)) dl.append(el("dt", {}, k), el("dd", {}, renderGeneric(x)));
  return dl;
}

function renderExplanation(expl) {
  if (!expl || typeof expl !== "object") return el("p", { class: "status" }, "no explanation");
  const box = el("div", { class: "expl" });
  const name = expl.name;
  if (name && Array.isArray(name.tokens)) {
    box.append(el("p", {}, `Name: "${name.query}" against "${name.list}"` + (name.korean ? " (read as Korean: syllables compared across romanizations)" : "")));
    const t = el("table", { class: "tokens" }, el("tr", {}, el("th", {}, "query"), el("th", {}, "listed"), el("th", {}, "part"), el("th", {}, "how"), el("th", {}, "score")));
    for (const tok of name.tokens) t.append(el("tr", {}, el("td", {}, tok.query), el("td", {}, tok.list), el("td", {}, tok.part || ""), el("td", {}, tok.how), el("td", {}, fmt(tok.score))));
    for (const u of name.unmatched_query || []) t.append(el("tr", { class: "down" }, el("td", {}, u), el("td", {}, "-"), el("td", {}, ""), el("td", {}, "unmatched"), el("td", {}, "")));
    for (const u of name.unmatched_list || []) t.append(el("tr", { class: "down" }, el("td", {}, "-"), el("td", {}, u), el("td", {}, ""), el("td", {}, "unmatched"), el("td", {}, "")));
    box.append(t);
  }
  if (expl.name_score !== undefined) box.append(el("p", {}, `Name score ${fmt(expl.name_score)}` + (expl.name_kind ? ` on a ${expl.name_kind} name` : "")));
  if ((expl.steps || []).length) {
    const t = el("table", { class: "steps" }, el("tr", {}, el("th", {}, "attribute"), el("th", {}, "query"), el("th", {}, "listed"), el("th", {}, "effect"), el("th", {}, "why")));
    for (const st of expl.steps) {
      t.append(el("tr", {}, el("td", {}, st.feature), el("td", {}, st.query === undefined ? "" : String(st.query)),
        el("td", {}, Array.isArray(st.list) ? st.list.join(", ") : st.list === undefined ? "" : String(st.list)),
        el("td", { class: st.effect > 0 ? "up" : st.effect < 0 ? "down" : "" }, signed(st.effect || 0)), el("td", {}, st.why || "")));
    }
    box.append(t);
  }
  if (expl.score !== undefined) box.append(el("p", {}, el("b", {}, `Final score ${fmt(expl.score)}`)));
  const known = new Set(["name", "name_score", "name_kind", "steps", "score"]);
  const rest = Object.fromEntries(Object.entries(expl).filter(([k]) => !known.has(k)));
  if (Object.keys(rest).length) box.append(renderGeneric(rest));
  return box;
}

function decisionBadge(r) {
  if (r.decision) return el("span", { class: "badge " + r.decision.decision, title: r.decision.comment || "" }, r.decision.decision.replace("_", " "));
  if (r.decision_outdated) return el("span", { class: "badge outdated", title: "the entity changed since this decision" }, "changed since " + r.decision_outdated.decision.replace("_", " "));
  return "";
}

function programs(r) {
  const p = (r.properties && (r.properties.program || r.properties.programId)) || [];
  return (r.datasets || []).join(", ") + (p.length ? " · " + p.slice(0, 3).join(", ") : "");
}

// ---- search ----
async function search(ev) {
  if (ev) ev.preventDefault();
  const q = $("q").value.trim();
  if (!q) return;
  const params = new URLSearchParams();
  if (/^(0x[0-9a-fA-F]{40}|bc1[0-9a-z]{20,}|[13][1-9A-HJ-NP-Za-km-z]{25,34}|T[1-9A-HJ-NP-Za-km-z]{33})$/.test(q)) params.set("wallet", q);
  else params.set("q", q);
  for (const f of ["schema", "birthDate", "nationality"]) if ($(f).value.trim()) params.set(f, $(f).value.trim());
  if ($("apikey").value) localStorage.setItem("sanctrace.apikey", $("apikey").value);
  status("status", "screening...");
  try {
    const t0 = performance.now();
    const body = await api("/search/default?" + params.toString());
    current.subject = body.subject;
    current.results = body.results;
    renderResults(body);
    status("status", `${body.results.length} result(s) in ${Math.round(performance.now() - t0)} ms against snapshot ${body.snapshot}`);
  } catch (e) { status("status", e.message, true); }
  if ($("chain-panel").hidden) await loadChain(); // (a key given since the page loaded)
  if (!$("chain-panel").hidden && /^0x[0-9a-fA-F]{40}$/.test(q)) { // the wallet on the chain too
    $("chain-q").value = q;
    $("chain-at").value = "";
    await chainLookup();
  }
}

function renderResults(body) {
  $("results-panel").hidden = false;
  $("subject").textContent = "subject " + body.subject;
  const tb = $("results").querySelector("tbody");
  tb.replaceChildren();
  if (!body.results.length) tb.append(el("tr", {}, el("td", { colspan: "8" }, "No listed party scores above the cutoff.")));
  body.results.forEach((r, i) => {
    const tr = el("tr", { "data-id": r.id, class: "result", onclick: () => showEntity(r.id, i) },
      el("td", { class: "score" }, r.score.toFixed(3), el("span", { class: "bar", style: `width:${Math.round(r.score * 60)}px` })),
      el("td", {}, el("span", { class: "badge " + (r.match ? "match" : "nomatch") }, r.match ? "match" : "below")),
      el("td", { class: "caption" }, r.caption),
      el("td", { class: "matched" }, r.matched_name || ""),
      el("td", {}, r.schema),
      el("td", {}, programs(r)),
      el("td", { class: "why" }, explanationSummary(r.explanation)),
      el("td", { class: "decision" }, decisionBadge(r)));
    tb.append(tr);
  });
}

// ---- one entity ----
async function showEntity(id, index) {
  for (const tr of document.querySelectorAll("#results tbody tr")) tr.classList.toggle("selected", tr.dataset.id === id);
  try {
    const e = await api("/entities/" + encodeURIComponent(id));
    current.entity = e;
    $("entity-panel").hidden = false;
    $("entity-title").textContent = `${e.caption} (${e.schema}, ${e.id})`;
    const t = $("entity-record");
    t.replaceChildren();
    for (const [k, vals] of Object.entries(e.properties || {})) {
      // nested entities (the listing as a Sanction, held wallets) show as schema and caption
      const shown = (Array.isArray(vals) ? vals : [vals]).map((v) => (v && typeof v === "object" ? `${v.schema}: ${v.caption}` : v));
      t.append(el("tr", {}, el("th", {}, k), el("td", {}, shown.join("; "))));
    }
    if (e.remarks && !(e.properties || {}).notes) t.append(el("tr", {}, el("th", {}, "remarks"), el("td", {}, e.remarks)));
    t.append(el("tr", {}, el("th", {}, "lists"), el("td", {}, (e.datasets || []).join(", "))));
    t.append(el("tr", {}, el("th", {}, "content hash"), el("td", {}, el("code", {}, e.entity_hash.slice(0, 16)))));
    const r = current.results[index] || {};
    const ex = $("explanation");
    ex.replaceChildren(el("p", {}, `score ${r.score !== undefined ? r.score.toFixed(3) : "?"}, matched name "${r.matched_name || ""}"`),
                       renderExplanation(r.explanation));
    const hist = $("decision-history");
    hist.replaceChildren();
    for (const d of e.decisions || []) {
      hist.append(el("li", {}, `${d.ts.slice(0, 16).replace("T", " ")} ${d.analyst || "?"}: `, el("b", {}, d.decision.replace("_", " ")),
        d.subject === current.subject ? " (this subject)" : ` (subject ${d.subject})`, d.comment ? ` - ${d.comment}` : "",
        d.entity_hash !== e.entity_hash ? " [entity changed since]" : ""));
    }
    if (!hist.children.length) hist.append(el("li", {}, "none"));
    status("decision-status", "");
    $("entity-panel").scrollIntoView({ behavior: "smooth", block: "start" });
  } catch (err) { status("status", err.message, true); }
}

async function recordDecision(ev) {
  ev.preventDefault();
  if (!current.entity) return;
  const body = {
    subject: current.subject, entity_id: current.entity.id, decision: $("decision").value,
    comment: $("comment").value, analyst: $("analyst").value,
  };
  localStorage.setItem("sanctrace.analyst", body.analyst);
  try {
    const d = await api("/decisions", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    status("decision-status", `Recorded decision #${d.id}: ${d.decision.replace("_", " ")} for ${d.entity_id}`);
    $("comment").value = "";
    await search();
    const idx = current.results.findIndex((r) => r.id === d.entity_id);
    await showEntity(d.entity_id, idx);
    status("decision-status", `Recorded decision #${d.id}: ${d.decision.replace("_", " ")} for ${d.entity_id}`);
  } catch (err) { status("decision-status", err.message, true); }
}

// ---- the Ethereum store (GET /evm/..., with serve --evm-db) ----
// Amounts come as exact decimal strings in base units; ether is shown
// shifted by 18 places on the string (no float), tokens in their own
// base units (the store does not know their decimals).
function ether(wei) {
  const p = wei.padStart(19, "0"), whole = p.slice(0, -18), frac = p.slice(-18).replace(/0+$/, "");
  return whole + (frac ? "." + frac : "") + " ETH";
}
function amount(asset, v) {
  if (v === null || v === undefined) return "unknown";
  const neg = v.startsWith("-"), digits = neg ? v.slice(1) : v;
  return (neg ? "-" : "") + (asset === "ETH" ? ether(digits) : digits + " base units");
}
function addrLink(a) {
  if (!a) return el("span", { class: "status" }, "nowhere");
  return el("a", { href: "#", class: "addr", onclick: (ev) => { ev.preventDefault(); $("chain-q").value = a; $("chain-at").value = ""; chainLookup(); } }, a);
}
function txLink(t) {
  if (!t) return el("span", { class: "status" }, "block");
  return el("a", { href: "#", class: "addr", onclick: (ev) => { ev.preventDefault(); $("chain-q").value = t; $("chain-at").value = ""; chainLookup(); } }, t);
}
function kvRow(k, v) { return el("tr", {}, el("th", {}, k), el("td", {}, v === null || v === undefined ? "unknown" : v)); }
function chainTable(head, rows) {
  const t = $("chain-rows");
  t.querySelector("thead").replaceChildren(el("tr", {}, ...head.map((h) => el("th", {}, h))));
  t.querySelector("tbody").replaceChildren(...rows);
  t.hidden = !rows.length;
}

async function loadChain() {
  try {
    if (!(await api("/evm")).store) return; // this server has no Ethereum store
    const s = await api("/evm/stats");
    $("chain-panel").hidden = false;
    $("chain-stats").textContent = s.last_block === null ? "empty" :
      `blocks ${s.first_block}-${s.last_block} \u00b7 ${s.transactions} transactions \u00b7 ${s.flows} flows`;
  } catch (e) { /* no store on this server (404), or none yet (503): no panel */ }
}

function renderTx(a) {
  const s = $("chain-summary");
  s.replaceChildren(kvRow("transaction", a.hash), kvRow("block", String(a.block_number)), kvRow("from", addrLink(a.from)),
    kvRow("to", a.to ? addrLink(a.to) : "a contract creation or unknown"), kvRow("value", amount("ETH", a.value)),
    kvRow("status", a.status === 1 ? "succeeded" : a.status === 0 ? "failed: it moved nothing but its fee" : null),
    kvRow("fee", amount("ETH", a.fee)));
  s.hidden = false;
  chainTable(["#", "kind", "asset", "from", "to", "amount"], a.flows.map((f) => el("tr", { class: "flow" },
    el("td", {}, String(f.position)), el("td", {}, f.kind), el("td", {}, f.asset === "ETH" ? "ETH" : addrLink(f.asset)),
    el("td", {}, addrLink(f.from)), el("td", {}, addrLink(f.to)), el("td", { class: "amount" }, amount(f.asset, f.amount)))));
}

function renderAddress(a) {
  const s = $("chain-summary");
  s.replaceChildren(kvRow("address", a.address), kvRow("at block", a.at_block !== undefined ? String(a.at_block) : "latest"),
    kvRow("flows in", a.flows_in === null ? null : String(a.flows_in)), kvRow("flows out", a.flows_out === null ? null : String(a.flows_out)),
    kvRow("note", a.note));
  s.hidden = false;
  chainTable(["asset", "received", "sent", "balance (since the store's first block)"], (a.balances || []).map((b) => el("tr", { class: "balance" },
    el("td", {}, b.asset === "ETH" ? "ETH" : addrLink(b.asset)), el("td", { class: "amount" }, amount(b.asset, b.received)),
    el("td", { class: "amount" }, amount(b.asset, b.sent)), el("td", { class: "amount" }, amount(b.asset, b.balance)))));
}

// an address's flows, a page at a time (GET /evm/flows/..., "next" the offset of the next page)
let flowsOf = { address: "", next: null };
async function moreFlows() {
  const want = flowsOf;
  if (want.next === null || want.loading) return; // one page at a time
  want.loading = true;
  $("chain-more").disabled = true;
  let page;
  try { page = await api(`/evm/flows/${want.address}?offset=${want.next}&limit=50`); }
  finally { want.loading = false; $("chain-more").disabled = false; }
  if (want !== flowsOf) return; // another lookup began meanwhile: its list, not this one
  const tb = $("chain-flows").querySelector("tbody");
  for (const f of page.flows) {
    const other = f.direction === "in" ? f.from : f.to;
    tb.append(el("tr", { class: "aflow" }, el("td", {}, String(f.index)), el("td", {}, String(f.block)), el("td", {}, txLink(f.tx)),
      el("td", { class: f.direction === "in" ? "up" : f.direction === "out" ? "down" : "" }, f.direction), el("td", {}, f.kind),
      el("td", {}, f.asset === "ETH" ? "ETH" : addrLink(f.asset)), el("td", {}, f.direction === "self" ? "itself" : addrLink(other)),
      el("td", { class: "amount" }, amount(f.asset, f.amount))));
  }
  flowsOf.next = page.next;
  $("chain-flows-count").textContent = `${tb.children.length} of ${page.total}`;
  $("chain-more").hidden = page.next === null;
}
async function showFlows(address) {
  flowsOf = { address, next: 0, loading: false };
  $("chain-flows").querySelector("tbody").replaceChildren();
  $("chain-flows-box").hidden = false;
  await moreFlows();
}

let lookups = 0; // the newest lookup's number: a slower earlier answer is dropped
async function chainLookup(ev) {
  if (ev) ev.preventDefault();
  const mine = ++lookups;
  const q = $("chain-q").value.trim(), at = $("chain-at").value.trim();
  let path;
  if (/^0x[0-9a-fA-F]{64}$/.test(q) || /^[0-9]+:[0-9]+$/.test(q)) path = "/evm/tx/" + q;
  else if (/^0x[0-9a-fA-F]{40}$/.test(q)) path = "/evm/address/" + q + (at ? "?at_block=" + encodeURIComponent(at) : "");
  else { status("chain-status", "give a transaction hash (0x + 64 hex digits), BLOCK:INDEX, or an address (0x + 40)", true); return; }
  status("chain-status", "looking up...");
  try {
    $("chain-flows-box").hidden = true;
    const a = await api(path);
    if (mine !== lookups) return;
    if (Array.isArray(a.flows)) renderTx(a); else renderAddress(a);
    if (!Array.isArray(a.flows) && a.balances) await showFlows(a.address);
    status("chain-status", Array.isArray(a.flows) ? `${a.flows.length} flow(s) in execution order` :
      a.balances ? `${a.balances.length} asset(s)` : "");
  } catch (e) {
    if (mine !== lookups) return;
    $("chain-summary").hidden = $("chain-rows").hidden = $("chain-flows-box").hidden = true;
    status("chain-status", e.message, true);
  }
}

// ---- catalog ----
async function loadCatalog() {
  try {
    const c = await api("/catalog");
    const cat = c.catalog || {};
    $("snapshot").textContent = c.snapshot ? `snapshot ${c.snapshot} · ${c.entities} entities` : "no snapshot loaded";
    const tb = $("catalog").querySelector("tbody");
    tb.replaceChildren();
    for (const [name, s] of Object.entries(cat.sources || {})) {
      tb.append(el("tr", {}, el("td", {}, name), el("td", {}, s.entities !== undefined ? s.entities : ""),
                   el("td", {}, s.fetched || ""), el("td", {}, (s.files || []).map((f) => f.name || f).join(", ") + (s.list_date ? ` (list of ${s.list_date.slice(0, 10)})` : ""))));
    }
    const u = c.last_update || {};
    status("update-status", u.error ? `Last update failed: ${u.error}` + (c.snapshot ? ` (still serving ${c.snapshot})` : "") :
      u.succeeded ? `Last update ${u.succeeded}` : `Loaded ${c.loaded_at}`, !!u.error);
  } catch (e) { $("snapshot").textContent = e.message; }
}

$("search-form").addEventListener("submit", search);
$("decision-form").addEventListener("submit", recordDecision);
$("chain-form").addEventListener("submit", chainLookup);
$("chain-more").addEventListener("click", () => moreFlows().catch((e) => status("chain-status", e.message, true)));
$("analyst").value = localStorage.getItem("sanctrace.analyst") || "";
if (apiKey()) $("apikey").value = apiKey();
loadCatalog();
loadChain();
