// The playground in a real browser: Playwright (playwright-core) driving
// Debian's Chromium headless (no browser download), against the built page
// served on 127.0.0.1. Checks what a user does and the budgets; saves a
// screenshot to target/playground-screenshot.png. Prints one line per check
// and "playground: N passed, M failed"; exit 1 on any failure.

import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join, dirname, extname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const site = join(root, "target", "playground");
const BUDGET = { wasmGzipBytes: 350 * 1024, editP95Ms: 5, firstRenderMs: 1000 };
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".txt": "text/plain" };
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const file = join(site, path === "/" ? "index.html" : path);
  if (!file.startsWith(site)) { res.writeHead(403).end(); return; }
  try {
    const body = readFileSync(file);
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

let passed = 0;
let failed = 0;
const figures = {};
async function check(name, fn) {
  try {
    await fn();
    console.log(`playground: ok  ${name}`);
    passed++;
  } catch (e) {
    console.log(`playground: FAILED ${name}: ${e.message}`);
    failed++;
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function open(url = base) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => { if (!r.url().startsWith(base)) errors.push(`request outside the page: ${r.url()}`); });
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 10000 });
  return { page, errors };
}

const claim = (page, token, name) => page.locator(`[data-testid=${token}] .claim[data-claim="${name}"]`);

async function replacePolicy(page, text) {
  await page.click("[data-testid=policy-editor] .cm-content");
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

const { page, errors } = await open();

await check("loads with the default policy: tenantId added, email suppressed", async () => {
  assert((await claim(page, "id-token", "tenantId").getAttribute("data-change")) === "added", "tenantId is not added");
  assert((await claim(page, "id-token", "email").getAttribute("data-change")) === "suppressed", "email is not suppressed");
  assert((await page.textContent("[data-testid=response-json]")).includes("claimsAndScopeOverrideDetails"), "no response JSON");
});

await check("typing a suppression removes a claim from the token", async () => {
  assert((await claim(page, "id-token", "given_name").getAttribute("data-change")) === "untouched", "given_name is not in the token first");
  await replacePolicy(page, JSON.stringify({ suppress: [{ claims: ["email", "given_name"] }] }, null, 2));
  await page.waitForFunction(() => document.querySelector('[data-testid=id-token] .claim[data-claim="given_name"]')?.dataset.change === "suppressed");
});

await check("a typo in a field shows the problem with its path", async () => {
  await replacePolicy(page, '{"claims": [{"claim": "x", "value": 1, "tokenz": ["id"]}]}');
  await page.waitForFunction(() => document.querySelector("[data-testid=problems]").textContent.includes("claims[0].tokenz: unknown field `tokenz`; did you mean `tokens`?"));
  await page.waitForSelector("[data-testid=policy-editor] .cm-lintRange-error");
  const marked = await page.textContent("[data-testid=policy-editor] .cm-lintRange-error");
  assert(marked.includes("tokenz"), `the editor marks ${JSON.stringify(marked)}, not the field`);
});

await check("switching the fixture to a V1 event shows access-token rules as skipped", async () => {
  await page.selectOption("[data-testid=policy-picker]", "policy.json");
  await page.selectOption("[data-testid=fixture-picker]", "v1-authentication");
  await page.waitForFunction(() => document.querySelector("[data-testid=access-token]").textContent.includes("skipped"));
  assert((await page.textContent("[data-testid=id-token]")).includes("Cognito V1_0 response"), "not answered as V1");
});

await check("a deny rule is shown as Cognito shows it", async () => {
  await page.selectOption("[data-testid=policy-picker]", "policies/email-domain-gate.json");
  await page.selectOption("[data-testid=fixture-picker]", "v2-federated-saml");
  await page.waitForFunction(() => document.querySelector("[data-testid=id-token]").textContent.includes("PreTokenGeneration failed with error Sign-in is limited to example.com accounts.."));
  assert((await page.textContent("[data-testid=response-json]")).includes('"errorType": "SignInDenied"'), "no SignInDenied");
});

await check("quick edits change the event: an attribute and the groups", async () => {
  await page.selectOption("[data-testid=policy-picker]", "policies/saas-tenant.json");
  await page.selectOption("[data-testid=fixture-picker]", "v2-authentication");
  await page.fill("[data-testid=attribute]", "custom:plan=pro");
  await page.click("[data-testid=set-attribute]");
  await page.waitForFunction(() => document.querySelector('[data-testid=access-token] .claim[data-claim="scope"]')?.textContent.includes("reports/export"));
  await page.fill("[data-testid=groups]", "admins, app-billing");
  await page.press("[data-testid=groups]", "Enter");
  await page.waitForFunction(() => document.querySelector('[data-testid=id-token] .claim[data-claim="cognito:groups"]')?.textContent.includes("app-billing"));
});

await check("a share link reopened in a new page restores the same state", async () => {
  await page.click("[data-testid=share]");
  await page.waitForFunction(() => document.querySelector("[data-testid=share-link]").value.includes("#s="));
  const link = await page.inputValue("[data-testid=share-link]");
  const docs = (p) => p.evaluate(() => [window.__pretoken.policyView.state.doc.toString(), window.__pretoken.eventView.state.doc.toString()]);
  const [policy, event] = await docs(page);
  assert(event.includes('"custom:plan": "pro"'), "the quick edit is not in the event");
  const again = await open(link);
  const [policy2, event2] = await docs(again.page);
  assert(policy2 === policy, "the policy differs");
  assert(event2 === event, "the event differs");
  assert((await claim(again.page, "access-token", "scope").textContent()).includes("reports/export"), "the tokens differ");
  assert(again.errors.length === 0, again.errors.join("; "));
  await again.page.close();
});

await check("a share link that decompresses past 1 MB is refused, and the default state opens", async () => {
  const { deflateRawSync } = await import("node:zlib");
  const bomb = deflateRawSync(Buffer.from(JSON.stringify({ p: " ".repeat(2 * 1024 * 1024), e: "{}" })));
  const packed = bomb.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const opened = await open(`${base}#s=${packed}`);
  const errors = await opened.page.evaluate(() => window.__pretoken.errors);
  assert(errors.some((e) => e.includes("larger than 1 MB")), JSON.stringify(errors));
  const policy = await opened.page.evaluate(() => window.__pretoken.policyView.state.doc.toString());
  assert(policy.length < 100000, "the oversized policy was loaded");
  await opened.page.close();
});

await check(`budget: first render under ${BUDGET.firstRenderMs} ms`, async () => {
  const fresh = await open();
  const t = await fresh.page.evaluate(() => window.__pretoken.firstRender);
  figures.firstRenderMs = t;
  assert(t < BUDGET.firstRenderMs, `${t.toFixed(0)} ms`);
  await fresh.page.close();
});

await check(`budget: recomputing the tokens after an edit, p95 of 200 edits at most ${BUDGET.editP95Ms} ms`, async () => {
  await page.selectOption("[data-testid=policy-picker]", "policies/saas-tenant.json");
  const p95 = await page.evaluate(() => {
    const probe = window.__pretoken;
    probe.timings.length = 0;
    const view = probe.policyView;
    for (let i = 0; i < 200; i++) {
      // A real edit: the description text grows by one character.
      const at = view.state.doc.toString().indexOf('"description": "') + 16;
      view.dispatch({ changes: { from: at, insert: "x" } });
    }
    const sorted = [...probe.timings].sort((a, b) => a - b);
    return { p95: sorted[Math.floor(sorted.length * 0.95) - 1], n: sorted.length, median: sorted[Math.floor(sorted.length / 2)] };
  });
  figures.editMs = p95;
  assert(p95.n === 200, `${p95.n} recomputes`);
  assert(p95.p95 <= BUDGET.editP95Ms, `p95 ${p95.p95.toFixed(2)} ms`);
});

await check(`budget: the WebAssembly at most ${BUDGET.wasmGzipBytes / 1024} KB gzipped`, async () => {
  const wasm = readFileSync(join(site, "pretoken_wasm_bg.wasm"));
  figures.wasmBytes = wasm.length;
  figures.wasmGzipBytes = gzipSync(wasm, { level: 9 }).length;
  figures.appJsBytes = statSync(join(site, "app.js")).size;
  assert(figures.wasmGzipBytes <= BUDGET.wasmGzipBytes, `${figures.wasmGzipBytes} bytes`);
});

await check("no console errors, no request outside the page", async () => {
  assert(errors.length === 0, errors.join("; "));
});

mkdirSync(join(root, "target"), { recursive: true });
await page.selectOption("[data-testid=policy-picker]", "policies/saas-tenant.json");
await page.selectOption("[data-testid=fixture-picker]", "v2-federated-saml");
await page.screenshot({ path: join(root, "target", "playground-screenshot.png"), fullPage: true });
writeFileSync(join(root, "target", "playground-figures.json"), JSON.stringify(figures, null, 2));
console.log(`playground: figures ${JSON.stringify(figures)}`);

await browser.close();
server.close();
console.log(`playground: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
