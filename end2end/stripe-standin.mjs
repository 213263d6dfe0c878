// A stand-in for Stripe in the browser journeys: the Checkout Sessions API (the same wire format
// as Stripe's: form-encoded request with Bearer key and Idempotency-Key, JSON answer) and a page in
// place of the hosted checkout. Paying there posts a `checkout.session.completed` event to the
// portal's webhook, signed the way Stripe signs (HMAC-SHA256 over "<timestamp>.<body>"), and
// returns to the success URL, as Stripe does.
//
// usage: node stripe-standin.mjs PORT SECRET_KEY WEBHOOK_SECRET WEBHOOK_URL
import { createHmac } from "node:crypto";
import { createServer } from "node:http";

const [port, secretKey, webhookSecret, webhookUrl] = process.argv.slice(2);
const sessions = new Map(); // id -> form
const byIdempotencyKey = new Map();
let events = 0;

const body = (req) =>
  new Promise((resolve) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => resolve(data));
  });

const escape = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

createServer(async (req, res) => {
  const url = new URL(req.url, `http://127.0.0.1:${port}`);
  if (req.method === "POST" && url.pathname === "/v1/checkout/sessions") {
    if (req.headers.authorization !== `Bearer ${secretKey}`) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { type: "invalid_request_error", message: "Invalid API Key provided" } }));
      return;
    }
    const form = Object.fromEntries(new URLSearchParams(await body(req)));
    const key = req.headers["idempotency-key"] ?? "";
    let id = byIdempotencyKey.get(key);
    if (!id) {
      id = `cs_test_e2e_${sessions.size + 1}`;
      byIdempotencyKey.set(key, id);
      sessions.set(id, form);
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({
      id,
      object: "checkout.session",
      mode: "payment",
      status: "open",
      payment_status: "unpaid",
      url: `http://127.0.0.1:${port}/checkout/${id}`,
      amount_total: Number(form["line_items[0][price_data][unit_amount]"]),
      currency: form["line_items[0][price_data][currency]"],
      client_reference_id: form.client_reference_id,
    }));
    return;
  }
  const checkout = url.pathname.match(/^\/checkout\/([A-Za-z0-9_]+)(\/pay)?$/);
  const form = checkout && sessions.get(checkout[1]);
  if (form && req.method === "GET" && !checkout[2]) {
    const amount = (Number(form["line_items[0][price_data][unit_amount]"]) / 100).toFixed(2);
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test checkout</title></head>
<body><main><h1>Test checkout</h1><p>${escape(form["line_items[0][price_data][product_data][name]"])}</p>
<p id="amount">EUR ${amount}</p>
<form method="post" action="/checkout/${checkout[1]}/pay"><button type="submit">Pay</button></form>
<p><a href="${escape(form.cancel_url)}">Cancel</a></p></main></body></html>`);
    return;
  }
  if (form && req.method === "POST" && checkout[2]) {
    events += 1;
    const event = JSON.stringify({
      id: `evt_e2e_${events}`,
      object: "event",
      type: "checkout.session.completed",
      created: Math.floor(Date.now() / 1000),
      data: {
        object: {
          id: checkout[1],
          object: "checkout.session",
          payment_status: "paid",
          status: "complete",
          amount_total: Number(form["line_items[0][price_data][unit_amount]"]),
          currency: form["line_items[0][price_data][currency]"],
          client_reference_id: form.client_reference_id,
          metadata: { case_id: form["metadata[case_id]"] },
        },
      },
    });
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac("sha256", webhookSecret).update(`${t}.${event}`).digest("hex");
    const delivered = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": `t=${t},v1=${v1}` },
      body: event,
    });
    if (!delivered.ok) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`webhook answered ${delivered.status}`);
      return;
    }
    res.writeHead(303, { location: form.success_url.replace("{CHECKOUT_SESSION_ID}", checkout[1]) });
    res.end();
    return;
  }
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("not found");
}).listen(Number(port), "127.0.0.1", () => console.log("READY"));
