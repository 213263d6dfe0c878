// Load test: `concurrency` connections request `path` with the session cookie as fast as the server
// answers, for `seconds`. Prints requests per second, p50/p99 latency and the answers by status;
// exits 1 if any request failed or answered anything but 200.
// Usage: node end2end/load.mjs BASE_URL PATH COOKIE [seconds=60] [concurrency=64] [accept-encoding]
import http from "node:http";

const [base, path, cookie, secondsArg = "60", concurrencyArg = "64", acceptEncoding = ""] = process.argv.slice(2);
const seconds = Number(secondsArg);
const concurrency = Number(concurrencyArg);
const url = new URL(path, base);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const latencies = [];
const statuses = new Map();
let errors = 0;
let bytes = 0;
const deadline = Date.now() + seconds * 1000;

function once() {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = http.request(
      url,
      {
        agent,
        headers: { cookie, accept: "text/html", ...(acceptEncoding ? { "accept-encoding": acceptEncoding } : {}) },
      },
      (res) => {
        res.on("data", (chunk) => {
          bytes += chunk.length;
        });
        res.on("end", () => {
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          resolve();
        });
      },
    );
    req.on("error", () => {
      errors += 1;
      resolve();
    });
    req.end();
  });
}

async function worker() {
  while (Date.now() < deadline) await once();
}

const began = Date.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsed = (Date.now() - began) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
const total = latencies.length;
console.log(
  JSON.stringify(
    {
      path,
      seconds: Number(elapsed.toFixed(1)),
      concurrency,
      requests: total,
      requests_per_second: Math.round(total / elapsed),
      p50_ms: Number(pct(50).toFixed(1)),
      p99_ms: Number(pct(99).toFixed(1)),
      statuses: Object.fromEntries(statuses),
      errors,
      bytes_per_response: total ? Math.round(bytes / total) : 0,
    },
    null,
    2,
  ),
);
const bad = errors + [...statuses].filter(([s]) => s !== 200).reduce((n, [, c]) => n + c, 0);
process.exit(bad === 0 && total > 0 ? 0 : 1);
