// The npm package as a user gets it: `npm pack`, installed offline into an
// empty CDK app that synthesizes the README's bin/app.ts; and the README's
// Amplify Gen 2 recipe type-checked against the real @aws-amplify/backend.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CDK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = path.resolve(CDK, "..");
const AMPLIFY = path.join(CDK, "test", "amplify");

/** The README's ```ts blocks whose first line is `// PATH`, by PATH. */
function readmeFiles() {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const files = {};
  for (const m of readme.matchAll(/```ts\n\/\/ (\S+)\n([\s\S]*?)```/g)) files[m[1]] = `// ${m[1]}\n${m[2]}`;
  return files;
}

/** npm pack into a fresh directory; the tarball's path. */
function pack() {
  const dir = mkdtempSync(path.join(tmpdir(), "pretoken-cdk-pack-"));
  const out = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: CDK, encoding: "utf8" }));
  return path.join(dir, out[0].filename);
}

/** An environment without AWS credentials or configuration: synth must not need them. */
function noAws() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("AWS_") || k.startsWith("CDK_")) delete env[k];
  return { ...env, AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent" };
}

test("npm pack installs offline into an empty CDK app, and the README's bin/app.ts synthesizes", () => {
  const tarball = pack();
  const app = mkdtempSync(path.join(tmpdir(), "pretoken-cdk-app-"));
  // An existing CDK app: cdk/'s own pins and lock, installed from npm's cache
  // (make cdk filled it with the same lock), as a user's app already has them.
  const cdkPackage = JSON.parse(readFileSync(path.join(CDK, "package.json"), "utf8"));
  const pin = (name) => cdkPackage.devDependencies[name];
  const manifest = {
    name: "empty-cdk-app",
    private: true,
    dependencies: { "aws-cdk-lib": pin("aws-cdk-lib"), constructs: pin("constructs") },
    devDependencies: { typescript: pin("typescript"), "@types/node": pin("@types/node") },
  };
  const lock = JSON.parse(readFileSync(path.join(CDK, "package-lock.json"), "utf8"));
  lock.name = manifest.name;
  lock.packages[""] = { name: manifest.name, dependencies: manifest.dependencies, devDependencies: manifest.devDependencies };
  writeFileSync(path.join(app, "package.json"), JSON.stringify(manifest, null, 2));
  writeFileSync(path.join(app, "package-lock.json"), JSON.stringify(lock, null, 2));
  const npm = (args) => spawnSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd: app, encoding: "utf8" });
  const existing = npm(["ci", "--offline"]);
  assert.equal(existing.status, 0, `the app's own dependencies, npm ci --offline: ${existing.stderr}`);
  // npm checks a new package's peer dependencies against the registry's
  // metadata of the installed ones: a user's cache has it from installing
  // them; npm ci fetches tarballs only, so add it (from the registry, once).
  const metadata = npm(["cache", "add", "--prefer-offline", `aws-cdk-lib@${pin("aws-cdk-lib")}`, `constructs@${pin("constructs")}`]);
  assert.equal(metadata.status, 0, `npm cache add: ${metadata.stderr}`);
  // The package itself: offline, nothing fetched, its peers satisfied.
  const install = npm(["install", "--offline", tarball]);
  assert.equal(install.status, 0, `npm install --offline: ${install.stderr}`);
  const peers = npm(["ls", "--offline", "pretoken-cdk", "aws-cdk-lib", "constructs"]);
  assert.equal(peers.status, 0, `npm ls (peers): ${peers.stdout}${peers.stderr}`);
  const installed = path.join(app, "node_modules", "pretoken-cdk");
  for (const f of ["lib/index.js", "lib/index.d.ts", "assets/pretoken-lambda.zip", "wasm/pretoken_wasm_bg.wasm"]) {
    assert.ok(existsSync(path.join(installed, f)), f);
  }

  const source = readmeFiles()["bin/app.ts"];
  assert.ok(source, "the README has a bin/app.ts block");
  mkdirSync(path.join(app, "bin"));
  writeFileSync(path.join(app, "bin", "app.ts"), `${source}app.synth();\n`);
  const tsc = spawnSync(
    process.execPath,
    [path.join(app, "node_modules", "typescript", "bin", "tsc"), "--strict", "--module", "commonjs", "--target", "ES2022",
      "--esModuleInterop", "--skipLibCheck", "--outDir", "out", "bin/app.ts"],
    { cwd: app, encoding: "utf8" },
  );
  assert.equal(tsc.status, 0, `tsc: ${tsc.stdout}${tsc.stderr}`);
  const run = spawnSync(process.execPath, ["out/app.js"], { cwd: app, encoding: "utf8", env: { ...noAws(), CDK_OUTDIR: path.join(app, "cdk.out") } });
  assert.equal(run.status, 0, `synth: ${run.stderr}`);
  const template = JSON.parse(readFileSync(path.join(app, "cdk.out", "Auth.template.json"), "utf8"));
  const pool = Object.values(template.Resources).find((r) => r.Type === "AWS::Cognito::UserPool");
  assert.equal(pool.Properties.LambdaConfig.PreTokenGenerationConfig.LambdaVersion, "V2_0");
  const assets = readdirSync(path.join(app, "cdk.out")).filter((f) => f.startsWith("asset."));
  assert.equal(assets.length, 1, `one asset (the function's zip): ${assets}`);
  const esm = spawnSync(process.execPath, ["--input-type=module", "-e", 'import { PreTokenGeneration } from "pretoken-cdk"; console.log(typeof PreTokenGeneration);'], {
    cwd: app,
    encoding: "utf8",
  });
  assert.equal(esm.stdout.trim(), "function", `an ES module imports it by name: ${esm.stderr}`);
  rmSync(app, { recursive: true, force: true });
  rmSync(path.dirname(tarball), { recursive: true, force: true });
});

test("the README's Amplify Gen 2 recipe type-checks against @aws-amplify/backend and synthesizes", () => {
  assert.ok(existsSync(path.join(AMPLIFY, "node_modules", "@aws-amplify", "backend")), "cdk/test/amplify/node_modules is missing: make cdk-test installs it");
  const files = readmeFiles();
  for (const f of ["amplify/backend.ts", "amplify/auth/resource.ts"]) assert.ok(files[f], `the README has ${f}`);
  // The package as installed: its types resolve aws-cdk-lib from the
  // Amplify project's node_modules, as in a real project.
  const tarball = pack();
  const installed = path.join(AMPLIFY, "node_modules", "pretoken-cdk");
  rmSync(installed, { recursive: true, force: true });
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
  const project = mkdtempSync(path.join(AMPLIFY, "project-"));
  try {
    for (const [f, source] of Object.entries(files)) {
      if (!f.startsWith("amplify/")) continue;
      mkdirSync(path.dirname(path.join(project, f)), { recursive: true });
      writeFileSync(path.join(project, f), source);
    }
    writeFileSync(
      path.join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2022", module: "es2022", moduleResolution: "bundler", strict: true, outDir: "out", rootDir: ".",
          esModuleInterop: true, skipLibCheck: true, types: ["node"],
        },
        include: ["amplify/**/*.ts"],
      }),
    );
    const tsc = spawnSync(process.execPath, [path.join(AMPLIFY, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], {
      cwd: project,
      encoding: "utf8",
    });
    assert.equal(tsc.status, 0, `tsc on the Amplify recipe:\n${tsc.stdout}${tsc.stderr}`);

    // And synthesized as ampx would (its backend context, no AWS account):
    // the auth stack holds the trigger, the function and the permission.
    writeFileSync(path.join(project, "out", "package.json"), JSON.stringify({ type: "module" }));
    const backendJs = path.join(project, "out", "amplify", "backend.js");
    writeFileSync(backendJs, readFileSync(backendJs, "utf8").replace('from "./auth/resource"', 'from "./auth/resource.js"'));
    const outdir = path.join(project, "cdk.out");
    const synth = spawnSync(process.execPath, [backendJs], {
      cwd: project,
      encoding: "utf8",
      env: {
        ...noAws(),
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({
          "amplify-backend-namespace": "pretoken", "amplify-backend-name": "test", "amplify-backend-type": "sandbox",
        }),
      },
    });
    assert.equal(synth.status, 0, `Amplify synth: ${synth.stderr}`);
    const authFile = readdirSync(outdir).find((f) => /auth.*\.nested\.template\.json$/.test(f));
    assert.ok(authFile, `the auth stack's template in ${readdirSync(outdir)}`);
    const auth = JSON.parse(readFileSync(path.join(outdir, authFile), "utf8")).Resources;
    const pool = Object.entries(auth).find(([, r]) => r.Type === "AWS::Cognito::UserPool");
    const fn = Object.entries(auth).find(([, r]) => r.Type === "AWS::Lambda::Function" && r.Properties.Environment?.Variables?.PRETOKEN_LAMBDA_VERSION);
    assert.deepEqual(pool[1].Properties.LambdaConfig.PreTokenGenerationConfig, { LambdaArn: { "Fn::GetAtt": [fn[0], "Arn"] }, LambdaVersion: "V2_0" });
    assert.equal(pool[1].Properties.UserPoolTier, "ESSENTIALS");
    assert.ok(Object.values(auth).some((r) => r.Type === "AWS::Lambda::Permission" && r.Properties.Principal === "cognito-idp.amazonaws.com"
      && JSON.stringify(r.Properties.SourceArn) === JSON.stringify({ "Fn::GetAtt": [pool[0], "Arn"] })));
    const lint = spawnSync("cfn-lint", ["--ignore-checks", "W3005", "--", path.join(outdir, authFile)], { encoding: "utf8" });
    assert.equal(lint.status, 0, `cfn-lint on Amplify's auth stack:\n${lint.stdout}${lint.stderr}`);
    // And the check is real: a misspelt policy field in the recipe fails.
    const backend = path.join(project, "amplify", "backend.ts");
    writeFileSync(backend, readFileSync(backend, "utf8").replace('tokens: ["id", "access"]', 'tokenz: ["id", "access"]'));
    const bad = spawnSync(process.execPath, [path.join(AMPLIFY, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], {
      cwd: project,
      encoding: "utf8",
    });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout, /tokenz/);
  } finally {
    rmSync(project, { recursive: true, force: true });
    rmSync(installed, { recursive: true, force: true });
    rmSync(path.dirname(tarball), { recursive: true, force: true });
  }
});

test("cdk/ itself holds no built artifacts in git (make cdk makes them)", () => {
  const tracked = execFileSync("git", ["ls-files", "cdk"], { cwd: ROOT, encoding: "utf8" }).split("\n");
  assert.ok(!tracked.some((f) => /^cdk\/(lib|assets|wasm)\//.test(f)), tracked.join(" "));
  assert.ok(tracked.includes("cdk/src/policy.ts"));
});
