# Everyday commands. `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash
export SAM_CLI_TELEMETRY := 0

EVENT ?= events/v2-authentication.json

# pip installs console scripts (cargo-lambda, sam) next to the interpreter:
# find them there, so that `make test` alone works on a fresh machine.
# dockerd, update-binfmts and mount live in sbin, which a non-login PATH may lack.
export PATH := $(shell python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null):$(PATH):/usr/sbin:/sbin

.PHONY: help run check schema test system-tools e2e-v2 e2e-v2-tools cdk cdk-test sam-local policy-tests appconfig lookups arm64-artifact playground-tools playground playground-serve playground-test unit smoke e2e sam-validate sam-build lambda lint fmt tools ci deny fuzz-smoke bench bench-peers bench-profiles bench-worst

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

run: ## Run the handler on a bundled event with the built-in policy (EVENT=...)
	cargo run --quiet -- invoke $(EVENT)

check: ## Validate the built-in policy and every example policy
	cargo run --quiet -- check
	@for p in policies/*.json; do cargo run --quiet -- check --policy $$p || exit 1; done

schema: ## Rewrite policy.schema.json, policy.schema.draft-04.json, the copy in template.yaml and the CDK construct's policy types from the code (tests fail when they differ)
	cargo run --quiet -- schema > policy.schema.json
	cargo run --quiet -- schema --draft-04 > policy.schema.draft-04.json
	python3 scripts/embed-schema.py
	node cdk/scripts/policy-types.mjs > cdk/src/policy.ts

test: tools unit policy-tests smoke appconfig lookups e2e e2e-v2 cdk-test playground-test arm64-artifact sam-local sam-validate deny fuzz-smoke ## All tests: unit, golden, properties, CLI, policy test files, Lambda smoke, the policy from a fake AppConfig agent, lookups against moto (DynamoDB, Cognito), end to end (cognito-local V1; ministack V2, V3 and V1), the CDK construct, the playground in Chromium, the arm64 artifact under qemu, sam local invoke in Docker, template lint, supply chain, fuzz smoke

unit: ## cargo test over the workspace (library, golden fixtures, CLI, schema, the playground's engine; needs python3 with jsonschema: make tools)
	cargo test --locked --workspace

policy-tests: ## The example policies' test files (pretoken test policies/tests/*.json)
	cargo run --locked --quiet -- test policies/tests/*.json

WASM_BINDGEN_VERSION := 0.2.130

playground-tools: ## Install what the playground build needs, if missing (wasm32 target, wasm-bindgen-cli, npm packages)
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" || cargo install --quiet wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@[ -d playground/web/node_modules/codemirror ] || (cd playground/web && npm ci --no-audit --no-fund --loglevel=error)

playground: playground-tools ## Build the policy playground (the core as WebAssembly, CodeMirror) into target/playground
	cargo build --locked -p pretoken-wasm --target wasm32-unknown-unknown --profile wasm
	wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir target/playground-pkg target/wasm32-unknown-unknown/wasm/pretoken_wasm.wasm
	node playground/web/build.mjs

playground-serve: playground ## Serve the playground on http://127.0.0.1:8080/
	python3 -m http.server --bind 127.0.0.1 --directory target/playground 8080

playground-test: playground ## The playground in headless Chromium (Debian's /usr/bin/chromium; CHROMIUM=... to change), with its budgets
	node playground/web/test/playground.test.mjs

cdk: playground-tools ## Build the CDK construct's npm package (cdk/): the arm64 builds as zips, the core as WebAssembly for Node, the TypeScript
	@rustup target list --installed | grep -q aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
	cargo lambda build --locked --release --arm64 -p pretoken-lambda --output-format zip
	cargo lambda build --locked --release --arm64 -p pretoken-lambda-lookups --output-format zip
	cargo lambda build --locked --release --arm64 --bin pretoken-validate --output-format zip
	@mkdir -p cdk/assets
	cp target/lambda/pretoken-lambda/bootstrap.zip cdk/assets/pretoken-lambda.zip
	cp target/lambda/pretoken-lambda-lookups/bootstrap.zip cdk/assets/pretoken-lambda-lookups.zip
	cp target/lambda/pretoken-validate/bootstrap.zip cdk/assets/pretoken-validate.zip
	cargo build --locked -p pretoken-wasm --target wasm32-unknown-unknown --profile wasm
	wasm-bindgen --target nodejs --no-typescript --remove-name-section --remove-producers-section --out-dir cdk/wasm target/wasm32-unknown-unknown/wasm/pretoken_wasm.wasm
	cp policy.schema.draft-04.json cdk/policy.schema.draft-04.json
	@[ -d cdk/node_modules/aws-cdk-lib ] || (cd cdk && npm ci --no-audit --no-fund --loglevel=error)
	cd cdk && npm run --silent build

cdk-test: cdk ## The CDK construct: synthesized templates (node --test, aws-cdk-lib/assertions), cfn-lint and check --template on them, the policy types (tsc), npm pack installed offline, the Amplify Gen 2 recipe (tsc with @aws-amplify/backend)
	cargo build --locked --release --quiet --bin pretoken
	@# npm install, not npm ci: the Amplify packages bundle dependencies that npm ci counts as missing from any lock file
	@[ -d cdk/test/amplify/node_modules/@aws-amplify/backend ] || (cd cdk/test/amplify && npm install --no-save --no-audit --no-fund --loglevel=error)
	cd cdk && node --test --test-reporter=spec test/

smoke: ## The release Lambda binary under cargo lambda watch, invoked with fixtures
	scripts/smoke-lambda.sh

e2e: ## Sign in against cognito-local calling the function; verify and preview the real token
	python3 e2e/run.py

# ministack, the second Cognito emulator (V2 and V3 triggers), in a virtual
# environment of its own: it pins botocore, which SAM CLI and boto3 must not
# share. cryptography makes it sign tokens with real RSA keys.
MINISTACK_PINS = ministack==1.5.33 cryptography==50.0.2
MINISTACK_VENV = target/ministack-venv

e2e-v2-tools: ## Install ministack (pinned) into target/ministack-venv, and the e2e npm packages, if missing
	@for pin in $(MINISTACK_PINS); do \
		$(MINISTACK_VENV)/bin/python -m pip show "$${pin%%==*}" 2>/dev/null | grep -qx "Version: $${pin##*==}" || { \
			[ -x $(MINISTACK_VENV)/bin/python ] || python3 -m venv $(MINISTACK_VENV); \
			$(MINISTACK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check $(MINISTACK_PINS) && break; }; \
	done
	@[ -d e2e/node_modules/aws-jwt-verify ] || (cd e2e && npm ci --no-audit --no-fund --loglevel=error)

e2e-v2: e2e-v2-tools ## V2 and V3 end to end against ministack: sign-ins, refreshes, client credentials, deny, a DynamoDB lookup, V1; real tokens verified and predicted by preview
	python3 e2e/v2.py

lookups: ## Lookups against a real DynamoDB- and Cognito-compatible server (moto): every type, queries, faults through a delaying/throttling proxy, the cache, adminGetUser, no values in logs
	python3 scripts/lookups.py

appconfig: ## The function with its policy from a scripted fake AppConfig agent (versions, refusals, failures, timeout, routing, recovery)
	python3 scripts/appconfig-agent.py

arm64-artifact: ## sam build, then the arm64 bootstrap under qemu-aarch64 with every fixture, answers equal to the native build's (qemu-user, libc6-arm64-cross)
	@rustup target list --installed | grep -q aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
	python3 scripts/arm64-artifact.py

sam-local: ## sam build, then sam local invoke (and start-lambda) on every fixture in Docker with a local arm64 base image: answers equal to pretoken invoke (starts dockerd if none runs; docker.io, qemu-user-static, binfmt-support)
	@rustup target list --installed | grep -q aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
	python3 scripts/sam-local.py

sam-validate: ## Lint template.yaml (sam validate --lint), as it is, with PolicySource appconfig, with a lookup table and AdminGetUser, and with appconfig and Lookups=true
	sam validate --lint
	@mkdir -p target
	sed 's/^    Default: inline$$/    Default: appconfig/' template.yaml > target/template-appconfig.yaml
	@grep -q '^    Default: appconfig$$' target/template-appconfig.yaml
	sam validate --lint -t target/template-appconfig.yaml
	sed -e '/^  LookupTableName:/,/Default:/ s/^    Default: ""$$/    Default: Profiles/' -e '/^  AllowAdminGetUser:/,/Default:/ s/^    Default: "false"$$/    Default: "true"/' template.yaml > target/template-lookups.yaml
	@grep -q '^    Default: Profiles$$' target/template-lookups.yaml && grep -q '^    Default: "true"$$' target/template-lookups.yaml
	sam validate --lint -t target/template-lookups.yaml
	sed -e 's/^    Default: inline$$/    Default: appconfig/' -e '/^  Lookups:/,/Default:/ s/^    Default: auto$$/    Default: "true"/' template.yaml > target/template-appconfig-lookups.yaml
	@grep -q '^    Default: "true"$$' target/template-appconfig-lookups.yaml
	sam validate --lint -t target/template-appconfig-lookups.yaml

sam-build: ## Build the function as SAM deploys it (cargo lambda, arm64)
	sam build

lambda: ## Build both arm64 Lambda builds (without and with lookups), each package alone, as zips
	cargo lambda build --release --arm64 -p pretoken-lambda --output-format zip
	cargo lambda build --release --arm64 -p pretoken-lambda-lookups --output-format zip
	@ls -l target/lambda/pretoken-lambda/ target/lambda/pretoken-lambda-lookups/

lint: ## Formatting and clippy, as CI runs them
	cargo fmt --all -- --check
	cargo clippy --locked --workspace --all-targets -- -D warnings

fmt: ## Format the code
	cargo fmt --all

# The Python tools the build and tests use, pinned: cargo-lambda builds the
# deployed artifact, so its version is part of the product.
PIP_PINS = cargo-lambda==1.9.2 aws-sam-cli==1.170.0 boto3==1.43.108 jsonschema==4.26.0

# The Debian packages the tests use: Chromium (the playground's browser
# test; never a downloaded browser), qemu-user and the arm64 C library (the
# arm64 artifact), docker.io, qemu-user-static and binfmt-support (sam local).
SYSTEM_PACKAGES = chromium qemu-user libc6-arm64-cross docker.io qemu-user-static binfmt-support

system-tools: ## Install the Debian packages the tests use, if missing (apt-get as root, else sudo; else say what to run)
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v qemu-aarch64 >/dev/null || missing="$$missing qemu-user"; \
	[ -d /usr/aarch64-linux-gnu/lib ] || missing="$$missing libc6-arm64-cross"; \
	command -v dockerd >/dev/null || missing="$$missing docker.io"; \
	[ -x /usr/bin/qemu-aarch64-static ] || missing="$$missing qemu-user-static"; \
	command -v update-binfmts >/dev/null || missing="$$missing binfmt-support"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then apt=""; elif sudo -n true 2>/dev/null; then apt="sudo"; else \
			echo "make: missing Debian packages:$$missing; install them with: sudo apt-get install -y$$missing"; exit 1; fi; \
		echo "make: installing Debian packages:$$missing"; \
		$$apt apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $$apt apt-get install -y -qq $$missing >/dev/null; \
	fi

tools: system-tools playground-tools e2e-v2-tools ## Install the tools the tests use, if missing (cargo-lambda, SAM CLI, boto3, jsonschema, moto, cognito-local, ministack, cargo-deny, cargo-fuzz; the playground's; the Debian packages through system-tools)
	@for pin in $(PIP_PINS); do \
		python3 -m pip show "$${pin%%==*}" 2>/dev/null | grep -qx "Version: $${pin##*==}" || python3 -m pip install --quiet "$$pin"; \
	done
	@python3 -c 'import moto.server, flask' 2>/dev/null || python3 -m pip install --quiet 'moto[server]==5.2.1'
	@[ -d e2e/node_modules/cognito-local ] || (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
	@command -v cargo-deny >/dev/null || cargo install --locked --quiet cargo-deny@0.20.2
	@command -v cargo-fuzz >/dev/null || cargo install --locked --quiet cargo-fuzz@0.13.2

ci: lint test ## What .ci/run runs

deny: ## Supply chain: licences, bans, sources; advisories when the database is reachable
	cargo deny --locked check --hide-inclusion-graph licenses bans sources
	@if timeout 60 cargo deny fetch >/dev/null 2>&1; then \
		cargo deny --locked check --hide-inclusion-graph advisories; \
	else echo "WARNING: deny: advisories NOT checked: the advisory database (GitHub) is unreachable from here; run 'cargo deny --locked check advisories' where it is (README, Reliability)"; fi

fuzz-smoke: ## A short run of each fuzz target from its kept corpus (new inputs go to target/fuzz-new; nightly, cargo-fuzz)
	@mkdir -p target
	@if ! cargo +nightly --version >/dev/null 2>&1; then \
		echo "fuzz: SKIPPED: no nightly toolchain on this machine (cargo fuzz needs one)"; exit 0; fi; \
	for t in event_bytes event_structured policy; do \
		echo "fuzz: $$t for $${FUZZ_SECONDS:-30} s"; \
		mkdir -p target/fuzz-new/$$t; \
		dict=""; [ $$t = policy ] && dict="-dict=policy.dict"; \
		(cd fuzz && cargo +nightly fuzz run $$t ../target/fuzz-new/$$t corpus/$$t -- -max_total_time=$${FUZZ_SECONDS:-30} -print_final_stats=1 $$dict \
			> ../target/fuzz-$$t.log 2>&1) || { tail -n 40 target/fuzz-$$t.log; exit 1; }; \
		grep -E '^(Done|stat::number_of_executed_units)' target/fuzz-$$t.log; \
	done

bench-peers: ## Install the benchmark peers (aws-lambda-ric builds native code: see README, Performance)
	@[ -f bench/peers/node/node_modules/aws-lambda-ric/dist/rapid-client.node ] && [ -d bench/peers/node/node_modules/@aws-sdk/client-dynamodb ] || (cd bench/peers/node && npm ci --no-audit --no-fund --loglevel=error)
	@[ -x bench/peers/python/.venv/bin/python ] || (python3 -m venv bench/peers/python/.venv && bench/peers/python/.venv/bin/pip install --quiet -r bench/peers/python/requirements.txt)

bench: bench-peers ## Run every benchmark and write BENCHMARKS.md (a few minutes; keep the machine otherwise idle)
	bench/run-all

bench-worst: ## Measure the most expensive valid policy on the largest event Cognito sends (p99 must stay under 50 ms) into bench/worst/results.md
	bench/worst/run

bench-profiles: ## Measure release-profile choices (size, start-up, warm, memory) into bench/profiles.md
	bench/profiles
