// Page weight: the bytes on the wire for a first visit to a page (its HTML, then the stylesheet,
// script and WebAssembly it names), as a browser asking for "br, gzip" receives them. Also checks
// that the static files come with long-lived cache headers under content-hashed names.
// Prints one JSON object; exits 1 if the page or a file does not answer 200.
// Usage: node end2end/weight.mjs BASE_URL PATH COOKIE
import http from "node:http";

const [base, path, cookie] = process.argv.slice(2);

function get(url, headers) {
  return new Promise((resolve, reject) => {
    http
      .get(new URL(url, base), { headers: { "accept-encoding": "br, gzip", ...headers } }, (res) => {
        let bytes = 0;
        const chunks = [];
        res.on("data", (c) => {
          bytes += c.length;
          chunks.push(c);
        });
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, bytes, body: Buffer.concat(chunks) }));
      })
      .on("error", reject);
  });
}

const page = await get(path, { cookie, accept: "text/html" });
if (page.status !== 200) {
  console.error(`${path} answered ${page.status}`);
  process.exit(1);
}
// The page itself may be compressed; decode it only to find what it names.
const zlib = await import("node:zlib");
const encoding = page.headers["content-encoding"];
const html = (
  encoding === "br" ? zlib.brotliDecompressSync(page.body) : encoding === "gzip" ? zlib.gunzipSync(page.body) : page.body
).toString("utf8");
const named = (re) => [...html.matchAll(re)].map((m) => m[1]);
const files = {
  css: named(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g),
  js: named(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
  wasm: named(/<link[^>]*href="([^"]+\.wasm)"/g),
};
const result = { path, html: page.bytes, html_encoding: encoding ?? "identity", html_uncompressed: Buffer.byteLength(html) };
let total = page.bytes;
let ok = true;
for (const [kind, urls] of Object.entries(files)) {
  result[kind] = 0;
  for (const url of urls) {
    let r = await get(url, {});
    // The server compresses a file in the background after its first request: what every
    // later visitor gets is the steady state, so measure that.
    for (let i = 0; i < 50 && !r.headers["content-encoding"]; i++) {
      await new Promise((done) => setTimeout(done, 100));
      r = await get(url, {});
    }
    if (r.status !== 200) {
      console.error(`${url} answered ${r.status}`);
      ok = false;
    }
    result[kind] += r.bytes;
    total += r.bytes;
    result[`${kind}_encoding`] = r.headers["content-encoding"] ?? "identity";
    result[`${kind}_cache`] = r.headers["cache-control"] ?? "";
    result[`${kind}_url`] = url;
  }
}
result.total = total;
console.log(JSON.stringify(result));
process.exit(ok ? 0 : 1);
