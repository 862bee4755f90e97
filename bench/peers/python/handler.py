"""The trigger as teams hand-write it in Python: the rules of policy.json
(suppress email, phone_number and name; add tenantId and departmentId from
custom attributes), answering in the V1 or V2 shape by the event's version.
A benchmark peer, not part of the product."""

SUPPRESS = ["email", "phone_number", "name"]


def handler(event, context):
    attrs = (event.get("request") or {}).get("userAttributes") or {}
    add = {}
    if "custom:tenantId" in attrs:
        add["tenantId"] = attrs["custom:tenantId"]
    if "custom:department" in attrs:
        add["departmentId"] = attrs["custom:department"]
    if event.get("version") == "1":
        event["response"] = {
            "claimsOverrideDetails": {"claimsToAddOrOverride": add, "claimsToSuppress": SUPPRESS}
        }
    else:
        event["response"] = {
            "claimsAndScopeOverrideDetails": {
                "idTokenGeneration": {"claimsToAddOrOverride": add, "claimsToSuppress": SUPPRESS},
                "accessTokenGeneration": {
                    "claimsToAddOrOverride": add,
                    "claimsToSuppress": SUPPRESS,
                    "scopesToAdd": [],
                    "scopesToSuppress": [],
                },
            }
        }
    return event
