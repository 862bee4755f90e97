#!/usr/bin/env python3
"""Writes policy.schema.draft-04.json, compact, into template.yaml's AppConfig
JSON_SCHEMA validator (`make schema`; tests/template_check.rs checks they
are equal)."""
import json
import pathlib
import re

root = pathlib.Path(__file__).resolve().parent.parent
schema = json.loads((root / "policy.schema.draft-04.json").read_text())
compact = json.dumps(schema, separators=(",", ":"), ensure_ascii=False).replace("'", "''")
template = root / "template.yaml"
text = template.read_text()
pattern = re.compile(r"^(\s*Content: )'\{\"\$schema\":\"http://json-schema.org/draft-04/schema#\".*'$", re.M)
new, n = pattern.subn(lambda m: m.group(1) + "'" + compact + "'", text)
if n != 1:
    raise SystemExit(f"expected one embedded draft-04 schema in template.yaml, found {n}")
template.write_text(new)
