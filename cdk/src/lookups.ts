// The lookups a policy document makes (a policy, or a routing document's
// routes), so the construct can match them with what it grants.

interface Needs {
  /** Each DynamoDB lookup: its place (`lookups.profile`) and table. */
  readonly dynamodb: { place: string; table: string }[];
  /** The places of the `adminGetUser` lookups. */
  readonly adminGetUser: string[];
}

type Json = { [key: string]: unknown };

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The lookups of `document`, with their places as `pretoken check` names them. */
export function lookupsOf(document: unknown): Needs {
  const needs: Needs = { dynamodb: [], adminGetUser: [] };
  const policy = (p: unknown, prefix: string) => {
    if (!isObject(p) || !isObject(p.lookups)) return;
    for (const [name, lookup] of Object.entries(p.lookups)) {
      if (!isObject(lookup)) continue;
      const place = `${prefix}lookups.${name}`;
      if (isObject(lookup.dynamodb)) {
        needs.dynamodb.push({ place, table: String(lookup.dynamodb.table ?? "") });
      }
      if (lookup.cognito === "adminGetUser") needs.adminGetUser.push(place);
    }
  };
  if (!isObject(document)) return needs;
  policy(document, "");
  policy(document.default, "default.");
  policy(document.common, "common.");
  if (isObject(document.pools)) {
    for (const [id, pool] of Object.entries(document.pools)) {
      if (!isObject(pool)) continue;
      policy(pool.default, `pools.${id}.default.`);
      if (isObject(pool.clients)) {
        for (const [client, p] of Object.entries(pool.clients)) policy(p, `pools.${id}.clients.${client}.`);
      }
    }
  }
  return needs;
}
