#!/usr/bin/env python3
"""Writes the largest event Cognito sends and the most expensive valid policy
we could write against it, for `make bench-worst` (examples/worst-case.rs).

The event, at Cognito's documented limits: every standard attribute, 50 custom
attributes (the most a pool may have) of 2,048 characters (an attribute's
longest value), 100 groups (the most a user may belong to), each with a
2,048-character role ARN, 50 requested scopes and 20 client-metadata entries.

The policy, within pretoken's limits: 64 regular expressions (the most a
policy may hold), all case-insensitive and run on 2,048-character values
that almost match (the regex engine is linear, but each still scans the whole
value); 20 deny rules that do not fire; 150 claim rules with templates over
many attributes, replace/extract/split/map/filter transforms on long values
and object claims; copyAttributes of every custom attribute into both
tokens; group filters with 100 patterns, addFrom with allow, roles from every
group; 30 scope templates.
"""
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
LONG = 2048


def long_value(i):
    # Text that a pattern "^x.*q{i}z$" nearly matches: scanned to the end.
    body = ("abc,def;ghi " * 200)[: LONG - 8]
    return f"x{body}q{i:03d}y"[:LONG]


def event():
    attrs = {
        "sub": "0b1f6c2e-7d3a-4f2b-9c1d-5e8f7a6b4c3d",
        "email_verified": "true",
        "cognito:user_status": "CONFIRMED",
        "cognito:email_alias": "jane.doe@example.com",
        "email": "jane.doe@example.com",
        "phone_number_verified": "true",
        "phone_number": "+15555550100",
        "name": "Jane Doe" * 200,
        "given_name": "Jane" * 400,
        "family_name": "Doe" * 600,
        "middle_name": "Q" * LONG,
        "nickname": "jd" * 1000,
        "preferred_username": "jane" * 500,
        "address": "1 Main St" * 200,
        "birthdate": "1990-01-01",
        "gender": "x" * LONG,
        "locale": "en-US",
        "picture": "https://example.com/" + "p" * 2000,
        "profile": "https://example.com/" + "q" * 2000,
        "website": "https://example.com/" + "w" * 2000,
        "zoneinfo": "Europe/Paris",
        "updated_at": "1700000000",
    }
    for i in range(50):
        attrs[f"custom:a{i:02d}"] = long_value(i)
    groups = [f"group-{i:03d}-" + "g" * 100 for i in range(100)]
    roles = [f"arn:aws:iam::123456789012:role/{'r' * (LONG - 60)}{i:03d}" for i in range(100)]
    return {
        "version": "2",
        "triggerSource": "TokenGeneration_Authentication",
        "region": "eu-west-1",
        "userPoolId": "eu-west-1_EXAMPLE",
        "userName": "jane" * 32,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "1example23456789"},
        "request": {
            "userAttributes": attrs,
            "groupConfiguration": {"groupsToOverride": groups, "iamRolesToOverride": roles, "preferredRole": roles[0]},
            "scopes": [f"resource-server/scope-{i:02d}" for i in range(50)],
            "clientMetadata": {f"key{i:02d}": "v" * 256 for i in range(20)},
        },
        "response": {"claimsAndScopeOverrideDetails": None},
    }


def policy():
    regexes = 0

    def rx(i):
        nonlocal regexes
        regexes += 1
        return f"^x.*q{i:03d}z$"

    deny = []
    for i in range(20):
        deny.append({
            "when": {"attributes": {f"custom:a{i:02d}": {"matches": rx(i), "ignoreCase": True}},
                     "any": [{"groups": ["never-*"]}, {"clientMetadata": {f"key{i:02d}": {"startsWith": "zzz"}}}]},
            "message": f"Refused by rule {i}.",
        })
    claims = []
    for i in range(150):
        a = f"custom:a{i % 50:02d}"
        b = f"custom:a{(i + 7) % 50:02d}"
        kind = i % 6
        if kind == 0 and regexes < 64:
            claims.append({"claim": f"c{i}", "attribute": a,
                           "transform": [{"replace": {"regex": rx(i), "with": "$0"}}, "uppercase"]})
        elif kind == 1 and regexes <= 62:
            claims.append({"claim": f"c{i}", "attribute": b,
                           "transform": [{"extract": f"(q{i % 50:03d})y$"}], "when": {"attributes": {a: {"matches": rx(i), "ignoreCase": True}}}})
            regexes += 1
        elif kind == 2:
            claims.append({"claim": f"c{i}", "attribute": a,
                           "transform": [{"split": ","}, {"filter": ["def*", "ghi*"]}, {"join": "|"}]})
        elif kind == 3:
            claims.append({"claim": f"c{i}", "template": "{" + a + "}/{" + b + "}/{custom:a49}/{sub}/{context.clientId}"})
        elif kind == 4:
            claims.append({"claim": f"c{i}", "object": {
                "x": {"attribute": a, "transform": ["lowercase", "trim"]},
                "y": {"groupNames": ["group-0*"]},
                "z": {"firstOf": [{"attribute": "custom:absent"}, {"attribute": b, "transform": [{"map": {"no": 1}, "default": 0}]}]},
            }, "tokens": ["access"]})
        else:
            claims.append({"claim": f"c{i}", "groups": {f"group-{j:03d}-*": f"r{j}" for j in range(0, 100, 5)}})
    while regexes < 64:
        claims.append({"claim": f"r{regexes}", "value": True,
                       "when": {"attributes": {"custom:a10": {"matches": rx(regexes), "ignoreCase": True}}}})
    assert regexes == 64, regexes
    return {
        "description": "The most expensive valid policy we could write (bench/worst/generate.py).",
        "deny": deny,
        "suppress": [{"preset": "standard-pii"}],
        "copyAttributes": [{"match": "custom:*", "rename": "stripPrefix"}],
        "claims": claims,
        "scopes": [{"add": [f"s{i}/{{custom:a{i:02d}}}" for i in range(30)] + ["api/read"], "suppress": ["resource-server/scope-00"]}],
        "groups": {"keep": [f"group-{i:03d}-*" for i in range(100) if i % 3], "add": ["users"],
                   "addFrom": {"attribute": "custom:a00", "convert": "list", "allow": ["group-*"]}},
        "roles": {"fromGroups": {f"group-{i:03d}-" + "g" * 100: f"arn:aws:iam::123456789012:role/g{i}" for i in range(100)}},
    }


if __name__ == "__main__":
    (HERE / "largest-event.json").write_text(json.dumps(event(), indent=1) + "\n")
    (HERE / "worst-policy.json").write_text(json.dumps(policy(), indent=1) + "\n")
    print(f"{HERE / 'largest-event.json'}: {len(json.dumps(event()))} bytes")
