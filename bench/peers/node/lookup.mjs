// The lookup trigger as teams hand-write it in Node.js with the AWS SDK v3:
// the rules of policy.json plus one DynamoDB GetItem (the user's profile,
// keyed by sub, table from PROFILE_TABLE) whose orgId and role become
// claims. The client is created once per cold start, as AWS recommends.
// A benchmark peer, not part of the product.
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";

const SUPPRESS = ["email", "phone_number", "name"];
const client = new DynamoDBClient({});
const TABLE = process.env.PROFILE_TABLE;

export const handler = async (event) => {
  const attrs = event.request?.userAttributes ?? {};
  const add = {};
  if (attrs["custom:tenantId"] !== undefined) add.tenantId = attrs["custom:tenantId"];
  if (attrs["custom:department"] !== undefined) add.departmentId = attrs["custom:department"];
  const { Item } = await client.send(
    new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `USER#${attrs.sub}` } } }),
  );
  if (Item?.orgId?.S !== undefined) add.orgId = Item.orgId.S;
  if (Item?.role?.S !== undefined) add.orgRole = Item.role.S.toLowerCase();
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
