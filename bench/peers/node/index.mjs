// The trigger as teams hand-write it in Node.js: the rules of policy.json
// (suppress email, phone_number and name; add tenantId and departmentId from
// custom attributes), answering in the V1 or V2 shape by the event's version.
// A benchmark peer, not part of the product.
const SUPPRESS = ["email", "phone_number", "name"];

export const handler = async (event) => {
  const attrs = event.request?.userAttributes ?? {};
  const add = {};
  if (attrs["custom:tenantId"] !== undefined) add.tenantId = attrs["custom:tenantId"];
  if (attrs["custom:department"] !== undefined) add.departmentId = attrs["custom:department"];
  if (event.version === "1") {
    event.response = {
      claimsOverrideDetails: { claimsToAddOrOverride: add, claimsToSuppress: SUPPRESS },
    };
  } else {
    event.response = {
      claimsAndScopeOverrideDetails: {
        idTokenGeneration: { claimsToAddOrOverride: add, claimsToSuppress: SUPPRESS },
        accessTokenGeneration: {
          claimsToAddOrOverride: add,
          claimsToSuppress: SUPPRESS,
          scopesToAdd: [],
          scopesToSuppress: [],
        },
      },
    };
  }
  return event;
};
