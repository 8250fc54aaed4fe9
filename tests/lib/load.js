// load.js - a bounded load client for the server tests (loopback only).
//   node load.js BASE_URL TOTAL CONCURRENCY [keepalive|close] [names-file]
// Sends TOTAL requests from CONCURRENCY clients at once, a mix of
// POST /match/default (1-3 queries), GET /search/default and GET /healthz,
// and prints one JSON line: counts by status, transport errors by code,
// how many screening requests were answered 200, and latency p50/p99 (ms).
"use strict";
const http = require("http");
const fs = require("fs");

const [base, totalArg, concArg, mode, namesFile] = process.argv.slice(2);
const total = parseInt(totalArg, 10), conc = parseInt(concArg, 10);
const url = new URL(base);
if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) throw new Error("loopback only");
const agent = new http.Agent({ keepAlive: mode !== "close", maxSockets: conc });
const names = namesFile ? fs.readFileSync(namesFile, "utf8").split("\n").filter(Boolean)
                        : ["Kim Jong Un", "Lazarus Group", "Ri Won Ho", "John Smith", "Korea Kwangson Banking Corp"];

let sent = 0, screeningOk = 0, gone = false; // gone: the server stopped listening
const status = {}, errors = {}, lat = [];

function one(i) {
  return new Promise((resolve) => {
    const kind = i % 10 < 6 ? "match" : i % 10 < 9 ? "search" : "health";
    let path = "/healthz", method = "GET", body = null;
    const name = names[i % names.length];
    if (kind === "match") {
      const queries = {};
      for (let k = 0; k <= i % 3; k++) queries["q" + k] = { schema: "Person", properties: { name: [names[(i + k) % names.length]] } };
      body = JSON.stringify({ queries });
      path = "/match/default"; method = "POST";
    } else if (kind === "search") {
      path = "/search/default?q=" + encodeURIComponent(name);
    }
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: url.hostname, port: url.port, path, method, agent,
      headers: body ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } : {} }, (res) => {
      res.resume();
      res.on("end", () => {
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
        status[res.statusCode] = (status[res.statusCode] || 0) + 1;
        if (res.statusCode === 200 && kind !== "health") screeningOk++;
        resolve();
      });
      res.on("error", (e) => { errors[e.code || e.message] = (errors[e.code || e.message] || 0) + 1; resolve(); });
    });
    req.setTimeout(30000, () => req.destroy(new Error("timeout")));
    req.on("error", (e) => {
      if (e.code === "ECONNREFUSED") gone = true;
      errors[e.code || e.message] = (errors[e.code || e.message] || 0) + 1;
      resolve();
    });
    if (body) req.write(body);
    req.end();
  });
}

async function worker() {
  while (sent < total && !gone) await one(sent++);
}

(async () => {
  const t0 = Date.now();
  await Promise.all(Array.from({ length: conc }, worker));
  lat.sort((a, b) => a - b);
  const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] : 0);
  const nerr = Object.values(errors).reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({ total, sent, status, errors, transport_errors: nerr, screening_ok: screeningOk,
    seconds: (Date.now() - t0) / 1000, p50_ms: +pct(0.5).toFixed(2), p99_ms: +pct(0.99).toFixed(2) }));
  agent.destroy();
})();
