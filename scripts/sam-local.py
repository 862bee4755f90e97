#!/usr/bin/env python3
"""`make sam-local`: `sam local invoke` for real, on this machine, with no
image registry. Starts containerd and dockerd when no Docker daemon runs (and
stops only what it started), with `iptables`, forwarding and masquerading off
and ports on 127.0.0.1 only; registers qemu-aarch64 with binfmt_misc; builds
a local arm64 base image for `provided.al2023` from Debian packages (the C
library, libgcc and a static busybox for `sh`, `mv` and `chmod`, which SAM's
image build runs), once per run; runs `sam build`; then `sam local invoke
PreTokenFunction` on every fixture in events/ with the built-in policy, with
`--parameter-overrides` for a policy with every form and for
`LambdaVersion=V1_0`, and a malformed event; and `sam local start-lambda`
with boto3 for two fixtures. Each answer must equal `pretoken invoke` on the
same event and policy, and SAM's log must hold no attribute value. Prints one
line per check and "sam-local: N passed, M failed".
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "sam-local"
IMAGE = "pretoken-sam-base:arm64"
TEMPLATE = ROOT / ".aws-sam" / "build" / "template.yaml"
EVERY_FORM = ROOT / "tests" / "fixtures" / "policies" / "every-form.json"
DEBIAN_PACKAGES = ["libc6", "libgcc-s1", "busybox-static"]

passed = failed = 0
started = []


def check(name, ok, detail=""):
    global passed, failed
    print(f"sam-local: {'ok ' if ok else 'FAILED'} {name}{'' if ok else ': ' + str(detail)[:400]}", flush=True)
    if ok:
        passed += 1
    else:
        failed += 1


def run(*cmd, **kw):
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, **kw)


def docker_ok():
    return run("docker", "info", capture_output=True).returncode == 0


def start_docker():
    if docker_ok():
        print("sam-local: a Docker daemon is running: using it", flush=True)
        return
    WORK.mkdir(parents=True, exist_ok=True)
    config = Path("/etc/docker/daemon.json")
    if not config.exists():
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(json.dumps({"iptables": False, "ip-forward": False, "ip-masq": False}) + "\n")
    if not Path("/run/containerd/containerd.sock").exists():
        started.append(subprocess.Popen(["containerd"], stdout=open(WORK / "containerd.log", "w"), stderr=subprocess.STDOUT))
        for _ in range(50):
            if Path("/run/containerd/containerd.sock").exists():
                break
            time.sleep(0.2)
    started.append(subprocess.Popen(["dockerd", "--containerd", "/run/containerd/containerd.sock"],
                                    stdout=open(WORK / "dockerd.log", "w"), stderr=subprocess.STDOUT))
    for _ in range(150):
        if docker_ok():
            print("sam-local: started containerd and dockerd (iptables, forwarding and masquerading off)", flush=True)
            return
        time.sleep(0.2)
    raise SystemExit("sam-local: dockerd did not start: see target/sam-local/dockerd.log")


def stop_docker():
    for p in reversed(started):
        p.terminate()
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def binfmt():
    if not Path("/proc/sys/fs/binfmt_misc/status").exists():
        run("mount", "-t", "binfmt_misc", "binfmt_misc", "/proc/sys/fs/binfmt_misc", check=True)
    run("update-binfmts", "--enable", "qemu-aarch64", capture_output=True)
    entry = Path("/proc/sys/fs/binfmt_misc/qemu-aarch64")
    if not entry.exists() or "F" not in entry.read_text().split("flags:")[1].split("\n")[0]:
        raise SystemExit("sam-local: qemu-aarch64 is not registered with the F flag (install qemu-user-static and binfmt-support)")


def base_image():
    """An arm64 root filesystem from Debian packages, imported as IMAGE."""
    base = WORK / "base"
    shutil.rmtree(base, ignore_errors=True)
    lists, cache, root, debs = base / "lists", base / "cache", base / "root", base / "debs"
    for d in (lists / "partial", cache / "archives" / "partial", root, debs):
        d.mkdir(parents=True)
    apt = ["apt-get", "-qq", "-o", "APT::Architecture=arm64", "-o", "APT::Architectures::=arm64",
           "-o", f"Dir::State::Lists={lists}", "-o", f"Dir::Cache={cache}", "-o", "Dir::State::status=/dev/null"]
    subprocess.run(apt + ["update"], check=True, capture_output=True)
    subprocess.run(apt + ["download"] + [f"{p}:arm64" for p in DEBIAN_PACKAGES], check=True, cwd=debs, capture_output=True)
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    for d in ("bin", "tmp", "var/task", "var/runtime", "opt"):
        (root / d).mkdir(parents=True, exist_ok=True)
    for tool in ("sh", "mv", "chmod", "cp", "ls", "cat", "mkdir", "rm", "ln", "env"):
        link = root / "bin" / tool
        if not link.exists():
            link.symlink_to("/bin/busybox")
    tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
    subprocess.run(["docker", "import", "-", IMAGE], stdin=tar.stdout, check=True, capture_output=True)
    tar.wait()


def sam_invoke(event, overrides=(), force=False):
    cmd = ["sam", "local", "invoke", "PreTokenFunction", "-t", TEMPLATE, "-e", event,
           "--invoke-image", IMAGE, "--skip-pull-image", "--container-host-interface", "127.0.0.1"]
    if overrides:
        cmd += ["--parameter-overrides", *overrides]
    if force:
        cmd.append("--force-image-build")
    p = run(*cmd, capture_output=True, text=True, timeout=300)
    try:
        answer = json.loads(p.stdout)
    except json.JSONDecodeError:
        answer = None
    return answer, p.stderr


def expected(event, policy=None, version="V2_0"):
    """`pretoken invoke` on the same event and policy: the answer, or the
    error as Lambda reports it."""
    cmd = [ROOT / "target" / "release" / "pretoken", "invoke", event]
    if policy:
        cmd[2:2] = ["--policy", policy]
    p = run(*cmd, capture_output=True, text=True, env=dict(os.environ, PRETOKEN_LAMBDA_VERSION=version))
    if p.returncode == 0:
        return json.loads(p.stdout)
    line = next(l for l in p.stderr.splitlines() if l.startswith("error: "))
    kind, message = line[len("error: "):].split(": ", 1)
    return {"errorType": kind, "errorMessage": message}


def same(answer, want):
    if isinstance(want, dict) and "errorType" in want and "request" not in want:
        return isinstance(answer, dict) and answer.get("errorType") == want["errorType"]
    return answer == want


def secrets(event_path):
    event = json.loads(Path(event_path).read_text())
    attrs = (event.get("request") or {}).get("userAttributes") or {}
    return [v for k, v in attrs.items() if isinstance(v, str) and len(v) >= 4 and v not in ("true", "false")
            and k != "sub" and not k.startswith("cognito:")]


def overrides_for(policy):
    """`Policy='...'` as SAM's parameter syntax reads it: it removes the
    backslash of every `\\"` and `\\'` in a quoted value, so a JSON escape
    `\\"` is written `\\\\"` and a single quote `\\'`."""
    text = json.dumps(json.loads(Path(policy).read_text()), separators=(",", ":"))
    escaped = text.replace('\\"', '\\\\"').replace("'", "\\'")
    return f"Policy='{escaped}'"


def start_lambda_checks(events):
    import boto3
    from botocore.config import Config
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    log = open(WORK / "start-lambda.log", "w")
    proc = subprocess.Popen(["sam", "local", "start-lambda", "-t", str(TEMPLATE), "--host", "127.0.0.1", "--port", str(port),
                             "--invoke-image", IMAGE, "--skip-pull-image", "--container-host-interface", "127.0.0.1"],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        client = boto3.client("lambda", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                              aws_access_key_id="x", aws_secret_access_key="x",
                              config=Config(read_timeout=120, retries={"max_attempts": 0}))
        for event in events:
            r = client.invoke(FunctionName="PreTokenFunction", Payload=Path(event).read_bytes())
            answer = json.loads(r["Payload"].read())
            check(f"start-lambda + boto3 invoke: {Path(event).name} equals pretoken invoke", same(answer, expected(event)), answer)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def main():
    started_at = time.monotonic()
    WORK.mkdir(parents=True, exist_ok=True)
    os.environ["SAM_CLI_TELEMETRY"] = "0"
    tmp = Path(tempfile.gettempdir())
    before = set(tmp.glob("*rapid-arm64.building.status"))
    run("cargo", "build", "--locked", "--release", "--bin", "pretoken", check=True)
    try:
        start_docker()
        binfmt()
        base_image()
        run("sam", "build", check=True, capture_output=True)
        events = sorted((ROOT / "events").glob("*.json"))
        first = True
        for event in events:
            answer, log = sam_invoke(event, force=first)
            first = False
            check(f"{event.name}: sam local invoke equals pretoken invoke (built-in policy)", same(answer, expected(event)), (answer, log[-300:]))
            leaked = [v for v in secrets(event) if v in log]
            check(f"{event.name}: SAM's log holds no attribute value", not leaked, leaked)
        every = overrides_for(EVERY_FORM)
        for event in events:
            answer, log = sam_invoke(event, overrides=[every])
            check(f"{event.name}: --parameter-overrides Policy=<every form> equals pretoken invoke --policy",
                  same(answer, expected(event, EVERY_FORM)), (answer, log[-300:]))
        for event in events:
            answer, log = sam_invoke(event, overrides=["LambdaVersion=V1_0"])
            check(f"{event.name}: LambdaVersion=V1_0 equals pretoken invoke under V1_0",
                  same(answer, expected(event, version="V1_0")), answer)
        bad = WORK / "malformed.json"
        bad.write_text('{"version": "2", "request": []}')
        answer, log = sam_invoke(bad)
        check("a malformed event: SAM's output carries our errorType (InvalidEvent)",
              isinstance(answer, dict) and answer.get("errorType") == "InvalidEvent", answer)
        start_lambda_checks([ROOT / "events" / "v2-authentication.json", ROOT / "events" / "v1-authentication.json"])
    finally:
        stop_docker()
        for f in set(tmp.glob("*rapid-arm64.building.status")) - before:
            f.unlink(missing_ok=True)
    elapsed = time.monotonic() - started_at
    print(f"sam-local: {passed} passed, {failed} failed in {elapsed:.0f} s", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
