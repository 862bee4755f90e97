// Builds the playground into target/playground: the page, its script
// (CodeMirror and the app, bundled by esbuild), the WebAssembly core
// (from `wasm-bindgen --target web`, in target/playground-pkg) and the
// bundled fixtures (events/, policy.json, policies/). `make playground` runs
// the cargo and wasm-bindgen steps first.

import { build } from "esbuild";
import { readFileSync, readdirSync, mkdirSync, copyFileSync, writeFileSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const out = join(root, "target", "playground");
const pkg = join(root, "target", "playground-pkg");
mkdirSync(out, { recursive: true });

const jsonFiles = (dir) => readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
const events = Object.fromEntries(jsonFiles(join(root, "events")).map((f) => [basename(f, ".json"), readFileSync(join(root, "events", f), "utf8")]));
const policies = { "policy.json": readFileSync(join(root, "policy.json"), "utf8") };
for (const f of jsonFiles(join(root, "policies"))) policies[`policies/${f}`] = readFileSync(join(root, "policies", f), "utf8");

const fixtures = `export const EVENTS = ${JSON.stringify(events)};
export const POLICIES = ${JSON.stringify(policies)};
export const DEFAULT_POLICY = POLICIES["policy.json"];
export const DEFAULT_EVENT = "v2-authentication";
`;

await build({
  entryPoints: [join(here, "src", "main.js")],
  bundle: true,
  format: "esm",
  minify: true,
  target: ["chrome110", "firefox115", "safari16"],
  outfile: join(out, "app.js"),
  legalComments: "linked",
  plugins: [
    {
      name: "playground",
      setup(b) {
        b.onResolve({ filter: /^fixtures$/ }, () => ({ path: "fixtures", namespace: "fixtures" }));
        b.onLoad({ filter: /.*/, namespace: "fixtures" }, () => ({ contents: fixtures, loader: "js" }));
        b.onResolve({ filter: /^pretoken-wasm$/ }, () => ({ path: join(pkg, "pretoken_wasm.js") }));
      },
    },
  ],
  logLevel: "warning",
});
copyFileSync(join(pkg, "pretoken_wasm_bg.wasm"), join(out, "pretoken_wasm_bg.wasm"));
for (const f of ["index.html", "style.css"]) copyFileSync(join(here, f), join(out, f));
writeFileSync(join(out, "README.txt"), "The pretoken policy playground: serve this folder from any static host (make playground-serve).\n");
console.log(`playground: built ${out}`);
