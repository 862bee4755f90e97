#!/usr/bin/env python3
"""The deployed artifact, run: `sam build` produces the arm64 `bootstrap`
that Lambda runs; this runs that very file under qemu-aarch64 (Debian's
qemu-user, with the arm64 C library of libc6-arm64-cross) against a local
Lambda Runtime API (bench/lambda-local's), with every fixture in events/ and
two policies (the built-in one and tests/fixtures/policies/every-form.json),
plus a malformed event, and checks that each answer equals the native
build's, byte for byte. The closest to `sam local invoke` a machine without
Docker allows. Prints one line per check and "arm64: N passed, M failed".
"""

import importlib.machinery
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACT = ROOT / ".aws-sam" / "build" / "PreTokenFunction" / "bootstrap"
NATIVE = ROOT / "target" / "release" / "pretoken-lambda"
# The build with lookups (PreTokenLookupsFunction, functions/pretoken-lambda-lookups).
LOOKUPS_ARTIFACT = ROOT / ".aws-sam" / "build" / "PreTokenLookupsFunction" / "bootstrap"
LOOKUPS_NATIVE = ROOT / "target" / "release" / "pretoken-lambda-lookups"
SYSROOT = "/usr/aarch64-linux-gnu"

lambda_local = importlib.machinery.SourceFileLoader("lambda_local", str(ROOT / "bench" / "lambda-local")).load_module()


def sh(*cmd):
    print("arm64:", " ".join(map(str, cmd)), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def elf_machine(path):
    head = path.read_bytes()[:20]
    assert head[:4] == b"\x7fELF", f"{path} is not an ELF file"
    return int.from_bytes(head[18:20], "little")


def answers(command, env, events):
    """Starts the function, sends every event, returns (kind, body) each."""
    api = lambda_local.RuntimeApi()
    proc_env = dict(os.environ, **env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{api.port}",
                    AWS_LAMBDA_FUNCTION_NAME="arm64-check", AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
                    AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128", AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/arm64-check",
                    AWS_LAMBDA_LOG_STREAM_NAME="arm64-check", AWS_REGION="us-east-1")
    proc = subprocess.Popen(command, env=proc_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = []
    try:
        for event in events:
            api.pending.put(event)
            kind, _, body, _ = api.results.get(timeout=60)
            out.append((kind, body))
    finally:
        api.close()
        proc.kill()
        proc.wait()
    return out


def main():
    sh("sam", "build")
    # Each function alone, so that each resolves the core's features by itself.
    sh("cargo", "build", "--locked", "--release", "-p", "pretoken-lambda")
    sh("cargo", "build", "--locked", "--release", "-p", "pretoken-lambda-lookups")
    passed = failed = 0

    def check(name, ok, detail=""):
        nonlocal passed, failed
        print(f"arm64: {'ok ' if ok else 'FAILED'} {name}{'' if ok else ': ' + detail}", flush=True)
        if ok:
            passed += 1
        else:
            failed += 1

    machine = elf_machine(ARTIFACT)
    check("sam build produced an aarch64 ELF bootstrap", machine == 0xB7, f"e_machine {machine:#x}")
    files = sorted((ROOT / "events").glob("*.json"))
    events = [f.read_bytes() for f in files] + [b'{"version":"2","request":{"userAttributes":{"email":42}}}']
    names = [f.name for f in files] + ["a malformed event"]
    qemu = ["qemu-aarch64", "-L", SYSROOT, str(ARTIFACT)]
    for policy, env in [
        ("built-in policy", {}),
        ("every-form policy", {"PRETOKEN_POLICY_FILE": str(ROOT / "tests/fixtures/policies/every-form.json")}),
    ]:
        env = dict(env, PRETOKEN_LAMBDA_VERSION="V1_0")
        native = answers([str(NATIVE)], env, events)
        arm64 = answers(qemu, env, events)
        for i, (name, (nk, nb), (ak, ab)) in enumerate(zip(names, native, arm64)):
            expected = "error" if i == len(files) else "ok"
            check(f"{name} with the {policy}: {'an answer' if expected == 'ok' else 'an error'}, the same as the native build's",
                  ak == expected and (nk, nb) == (ak, ab),
                  f"expected {expected}; native {nk} {nb[:120]!r}, arm64 {ak} {ab[:120]!r}")
        check(f"{policy}: every answer came back ({len(events)})", len(arm64) == len(events))
    # The build with lookups: an aarch64 binary too, larger (the AWS SDK),
    # answering as its native build does where no lookup is made.
    machine = elf_machine(LOOKUPS_ARTIFACT)
    check("sam build produced an aarch64 bootstrap for PreTokenLookupsFunction", machine == 0xB7, f"e_machine {machine:#x}")
    small, large = ARTIFACT.stat().st_size, LOOKUPS_ARTIFACT.stat().st_size
    check(f"the build without lookups is the smaller ({small:,} against {large:,} bytes): no AWS SDK in it",
          small * 2 < large, f"{small} {large}")
    env = {"PRETOKEN_LAMBDA_VERSION": "V1_0"}
    native = answers([str(LOOKUPS_NATIVE)], env, events)
    arm64 = answers(["qemu-aarch64", "-L", SYSROOT, str(LOOKUPS_ARTIFACT)], env, events)
    check(f"PreTokenLookupsFunction with the built-in policy: every answer the same as the native build's ({len(events)})",
          native == arm64 and len(arm64) == len(events))
    print(f"arm64: {passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
