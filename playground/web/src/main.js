// The policy playground: two editors (policy, event), quick edits, and the
// tokens as `pretoken preview` computes them, recomputed on every edit by
// pretoken's core compiled to WebAssembly. Nothing is sent anywhere; a share
// link carries the state, compressed, in the URL fragment.

import { EditorView, basicSetup } from "codemirror";
import { json } from "@codemirror/lang-json";
import { setDiagnostics, lintGutter } from "@codemirror/lint";
import init, { preview } from "pretoken-wasm";
import { EVENTS, POLICIES, DEFAULT_POLICY, DEFAULT_EVENT } from "fixtures";
import { locate, lineColumn } from "./locate.js";

const $ = (id) => document.getElementById(id);
const probe = { timings: [], firstRender: undefined, errors: [] };
window.__pretoken = probe;

let policyView;
let eventView;

function editor(parent, doc) {
  return new EditorView({
    doc,
    parent,
    extensions: [
      basicSetup,
      json(),
      lintGutter(),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) recompute();
      }),
    ],
  });
}

function setDoc(view, text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

// ---------- rendering ----------

const MARKS = { added: "+", changed: "~", suppressed: "-" };

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function renderToken(target, key, result) {
  target.replaceChildren();
  const claims = key === "id" ? result.idToken : result.accessToken;
  if (!claims) {
    target.append(el("div", "meta", "No ID token: a client-credentials grant issues an access token only."));
    return;
  }
  const size = key === "id" ? result.sizes.idToken : result.sizes.accessToken;
  target.append(el("div", "meta", `${size} bytes as a signed JWT · Cognito ${result.version} response${result.route ? ` · route ${result.route}` : ""}`));
  if (size > result.headerLimit) {
    target.append(el("div", "warn", `Over ${result.headerLimit} bytes: CloudFront and many proxies reject headers that large.`));
  }
  if (key === "access" && result.version === "V1_0" && result.skippedAccessRules > 0) {
    target.append(el("div", "warn", `${result.skippedAccessRules} access-token rule part(s) skipped: V1 events can change only the ID token. Use a V2 or V3 pool.`));
  }
  const width = Math.max(12, ...result.changes.filter((c) => c.token === key).map((c) => c.claim.length));
  for (const c of result.changes.filter((c) => c.token === key)) {
    const mark = MARKS[c.change] ?? (c.placeholder ? "*" : " ");
    const cls = c.change === "untouched" ? (c.placeholder ? "placeholder" : "") : c.change;
    const value = c.claim in claims ? JSON.stringify(claims[c.claim]) : "(suppressed)";
    const line = el("div", `claim ${cls}`, `${mark} ${c.claim.padEnd(width)}  ${value}`);
    line.dataset.claim = c.claim;
    line.dataset.change = c.change;
    target.append(line);
  }
}

function renderNoTokens(message, cls) {
  for (const id of ["id-token", "access-token"]) {
    $(id).replaceChildren(el("div", cls, message));
  }
}

function renderProblems(answer, policyText) {
  const list = $("problems");
  list.replaceChildren();
  const diagnostics = [];
  for (const [severity, items] of [["error", answer.policy.problems], ["warning", answer.policy.warnings]]) {
    for (const p of items) {
      const text = p.path ? `${p.path}: ${p.message}` : p.message;
      list.append(el("li", severity, severity === "warning" ? `warning: ${text}` : text));
      const at = (p.path ? locate(policyText, p.path) : null) ?? lineColumn(policyText, p.message) ?? { from: 0, to: Math.min(1, policyText.length) };
      diagnostics.push({ from: at.from, to: Math.max(at.to, at.from), severity, message: text });
    }
  }
  policyView.dispatch(setDiagnostics(policyView.state, diagnostics));
}

function recompute() {
  const started = performance.now();
  const policyText = policyView.state.doc.toString();
  const eventText = eventView.state.doc.toString();
  const answer = JSON.parse(preview(policyText, eventText, configuredVersion()));
  renderProblems(answer, policyText);
  $("event-note").textContent = "";
  const r = answer.result;
  if (r === null) {
    renderNoTokens("The policy has problems (listed under it): fix them to see the tokens. In Lambda, an invalid policy blocks every sign-in.", "refused");
    $("response-json").textContent = JSON.stringify({ errorType: "InvalidConfiguration", errorMessage: "token customization is misconfigured; sign-in is blocked until it is fixed" }, null, 2);
  } else if (r.kind === "invalid-event") {
    $("event-note").textContent = r.message;
    renderNoTokens(r.message, "refused");
    $("response-json").textContent = JSON.stringify({ errorType: "InvalidEvent", errorMessage: r.message }, null, 2);
  } else if (r.kind === "refused") {
    renderNoTokens(`No tokens issued (${r.errorType}). Cognito shows: ${r.cognito}`, "refused");
    $("response-json").textContent = JSON.stringify({ errorType: r.errorType, errorMessage: r.message }, null, 2);
  } else {
    renderToken($("id-token"), "id", r);
    renderToken($("access-token"), "access", r);
    $("response-json").textContent = JSON.stringify(r.response, null, 2);
  }
  syncQuickEdits();
  probe.timings.push(performance.now() - started);
  if (probe.firstRender === undefined) probe.firstRender = performance.now();
}

// ---------- quick edits ----------

function eventObject() {
  try {
    const e = JSON.parse(eventView.state.doc.toString());
    return e && typeof e === "object" && !Array.isArray(e) ? e : null;
  } catch {
    return null;
  }
}

function configuredVersion() {
  // Events whose version is not 1, 2 or 3 (emulators send "0") are answered
  // in the version the picker shows, as PRETOKEN_LAMBDA_VERSION does.
  return `V${$("version").value}_0`;
}

function editEvent(change) {
  const e = eventObject();
  if (!e) {
    $("event-note").textContent = "The event is not a JSON object: fix it before using the quick edits.";
    return;
  }
  change(e);
  setDoc(eventView, JSON.stringify(e, null, 2));
}

function syncQuickEdits() {
  const e = eventObject();
  if (!e) return;
  if (["1", "2", "3"].includes(e.version) && document.activeElement !== $("version")) $("version").value = e.version;
  if (document.activeElement !== $("client-id")) $("client-id").value = e.callerContext?.clientId ?? "";
  if (document.activeElement !== $("groups")) $("groups").value = (e.request?.groupConfiguration?.groupsToOverride ?? []).join(", ");
}

function wireQuickEdits() {
  $("version").addEventListener("change", () => editEvent((e) => { e.version = $("version").value; }));
  $("client-id").addEventListener("change", () => editEvent((e) => {
    e.callerContext = { ...(e.callerContext ?? {}), clientId: $("client-id").value };
  }));
  $("groups").addEventListener("change", () => editEvent((e) => {
    e.request = e.request ?? {};
    e.request.groupConfiguration = e.request.groupConfiguration ?? {};
    e.request.groupConfiguration.groupsToOverride = $("groups").value.split(",").map((g) => g.trim()).filter(Boolean);
  }));
  $("set-attribute").addEventListener("click", () => {
    const text = $("attribute").value;
    const eq = text.indexOf("=");
    const name = (eq < 0 ? text : text.slice(0, eq)).trim();
    if (!name) return;
    editEvent((e) => {
      e.request = e.request ?? {};
      e.request.userAttributes = e.request.userAttributes ?? {};
      if (eq < 0 || text.slice(eq + 1) === "") delete e.request.userAttributes[name];
      else e.request.userAttributes[name] = text.slice(eq + 1);
    });
  });
}

// ---------- pickers, share link, download ----------

function wirePickers() {
  const fixtures = $("fixture-picker");
  for (const name of Object.keys(EVENTS)) fixtures.append(new Option(name, name));
  fixtures.value = DEFAULT_EVENT;
  fixtures.addEventListener("change", () => setDoc(eventView, EVENTS[fixtures.value]));
  const policies = $("policy-picker");
  policies.append(new Option("(edited)", ""));
  for (const name of Object.keys(POLICIES)) policies.append(new Option(name, name));
  policies.value = "policy.json";
  policies.addEventListener("change", () => {
    if (policies.value) setDoc(policyView, POLICIES[policies.value]);
  });
}

function base64url(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

async function pack(state) {
  const stream = new Blob([JSON.stringify(state)]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return base64url(new Uint8Array(await new Response(stream).arrayBuffer()));
}

// A share link is decompressed at most this far: a small link can expand to
// gigabytes (a "zip bomb"), and nothing in a policy and an event needs more.
const MAX_SHARED_BYTES = 1024 * 1024;

async function unpack(text) {
  const stream = new Blob([fromBase64url(text)]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_SHARED_BYTES) {
      await reader.cancel();
      throw new Error("the share link is larger than 1 MB once decompressed: refused");
    }
    chunks.push(value);
  }
  return JSON.parse(new TextDecoder().decode(await new Blob(chunks).arrayBuffer()));
}

function wireShareAndDownload() {
  $("share").addEventListener("click", async () => {
    const packed = await pack({ p: policyView.state.doc.toString(), e: eventView.state.doc.toString(), v: $("version").value });
    history.replaceState(null, "", `#s=${packed}`);
    $("share-link").value = location.href;
    $("share-link").select();
  });
  $("download").addEventListener("click", () => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([policyView.state.doc.toString()], { type: "application/json" }));
    a.download = "policy.json";
    a.click();
    URL.revokeObjectURL(a.href);
  });
}

async function initialState() {
  const m = /^#s=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (m) {
    try {
      const s = await unpack(m[1]);
      return { policy: String(s.p ?? DEFAULT_POLICY), event: String(s.e ?? EVENTS[DEFAULT_EVENT]), version: s.v };
    } catch (e) {
      const why = e instanceof Error && e.message.startsWith("the share link") ? e.message : "the share link could not be read";
      probe.errors.push(why);
      console.error(why);
    }
  }
  return { policy: DEFAULT_POLICY, event: EVENTS[DEFAULT_EVENT] };
}

async function main() {
  await init({ module_or_path: new URL("pretoken_wasm_bg.wasm", import.meta.url) });
  const state = await initialState();
  if (["1", "2", "3"].includes(state.version)) $("version").value = state.version;
  wirePickers();
  wireQuickEdits();
  wireShareAndDownload();
  policyView = editor($("policy-editor"), state.policy);
  eventView = editor($("event-editor"), state.event);
  probe.policyView = policyView;
  probe.eventView = eventView;
  if (state.policy !== DEFAULT_POLICY) $("policy-picker").value = "";
  policyView.dom.addEventListener("input", () => { $("policy-picker").value = ""; });
  recompute();
  document.body.dataset.ready = "true";
}

main().catch((e) => {
  probe.errors.push(String(e));
  document.body.prepend(el("p", "refused", `The playground could not start: ${e}`));
});
