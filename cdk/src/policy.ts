// Generated from policy.schema.json by scripts/policy-types.mjs: do not edit.
// (npm run types in cdk/ rewrites it; a test keeps it equal to the schema.)

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** One document for several pools and app clients: the most specific policy wins (the client's, the pool's default, the top default); none: sign-in is refused. */
export type Routing = {
  $schema?: string;
  description?: string;
  /** Rules applied to every route before its own (no lookups: each route declares its own). */
  common?: Omit<Policy, "lookups"> & { lookups?: never };
  default?: Policy;
  /** User pool ID to its policies. */
  pools?: { [key: string]: PoolPolicies };
};

export type PoolPolicies = {
  default?: Policy;
  /** App client ID to its policy. */
  clients?: { [key: string]: Policy };
} & ({ default: unknown } | { clients: unknown });

export type Policy = {
  /** For editors; ignored by the loader. */
  $schema?: string;
  /** Free text for humans. */
  description?: string;
  /** Named reads of data outside the event (DynamoDB, the user pool), made only when a rule that reads them applies. */
  lookups?: { [key: string]: Lookup };
  /** Rules that refuse sign-in, decided before anything else. */
  deny?: readonly DenyRule[];
  /** Claims to remove from tokens. */
  suppress?: readonly SuppressRule[];
  /** Claims to add or override; where several set one claim, the last with a value wins. */
  claims?: readonly ClaimRule[];
  /** One claim per matching attribute; reserved and suppressed names are skipped. */
  copyAttributes?: readonly CopyRule[];
  /** Scopes added to and removed from the access token (V2/V3). */
  scopes?: readonly ScopeRule[];
  groups?: GroupRules;
  roles?: RoleRules;
};

export type Name = string;

/** The tokens the rule changes (default: both). */
export type Tokens = readonly ("id" | "access")[];

/** When the rule applies: every field given must hold. */
export type When = {
  clientIds?: readonly Name[];
  triggerSources?: readonly Name[];
  groups?: readonly string[];
  userPoolIds?: readonly Name[];
  /** Attribute name to PREDICATE. */
  attributes?: { [key: string]: Predicate };
  /** Client-metadata key to PREDICATE. */
  clientMetadata?: { [key: string]: Predicate };
  /** `NAME` (the item) or `NAME.FIELD` to PREDICATE; values compare by type, a list when one item does; a test that cannot be decided does not hold (a deny rule refuses). */
  lookups?: { [key: string]: LookupPredicate };
  all?: readonly When[];
  any?: readonly When[];
  not?: When;
};

/** Tests on one value; all must hold. An absent value fails every test but "present": false. */
export type Predicate = {
  present?: boolean;
  /** Equal to this text (attribute and client-metadata values are text). */
  equals?: string;
  in?: readonly string[];
  startsWith?: string;
  endsWith?: string;
  /** A regular expression (linear time; found anywhere unless anchored). */
  matches?: string;
  ignoreCase?: boolean;
};

/** Tests on one lookup value, by type; all must hold. An absent value fails every test but "present": false. */
export type LookupPredicate = {
  present?: boolean;
  /** Equal to this value: text for attributes and client metadata; for a lookup value, compared by type (a number numerically, a boolean only with a boolean, a string only with a string; another type cannot be decided). */
  equals?: string | number | boolean;
  in?: readonly (string | number | boolean)[];
  startsWith?: string;
  endsWith?: string;
  /** A regular expression (linear time; found anywhere unless anchored). */
  matches?: string;
  ignoreCase?: boolean;
};

/** A SOURCE: exactly one source key, with its transform and convert. */
export type Source = {
  /** Steps applied in order to the value, before "convert". */
  transform?: readonly Step[];
  /** The conversion of the (string) value. */
  convert?: "string" | "number" | "boolean" | "json" | "list";
  /** With "convert": "list": the separator (default `,`). */
  separator?: string;
  /** With "groups": merge every matching group's value (default), or take the first in policy order. */
  pick?: "merge" | "first";
  /** With "lookup": a dotted path into the item (`name.first`, `tenants.0.id`); for a query, that field of each item, as a list. */
  field?: string;
  /** With "generate": "randomHex": how many random bytes, written as lowercase hex. */
  bytes?: number;
  /** With "generate": "now": whole seconds or milliseconds since the epoch (numbers), or ISO 8601 text in UTC. */
  format?: "epochSeconds" | "epochMillis" | "iso8601";
} & ({
  /** A user attribute, as `email` or `custom:tenantId`. */
  attribute: Name;
  value?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** A constant of any JSON type. */
  value: JsonValue;
  attribute?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** Text with placeholders: `{ATTRIBUTE}`, `{context.clientId}` (userPoolId, region, triggerSource, userName), `{clientMetadata.KEY}`; `{{` and `}}` are braces. No value for a placeholder: no value. */
  template: string;
  attribute?: never;
  value?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** Group name to value: merged (objects deep-merged, anything else collected into a list), or the first in policy order with "pick": "first". */
  groups: { [key: string]: JsonValue };
  attribute?: never;
  value?: never;
  template?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** The names of the user's groups that match (exact, a prefix ending in `*`, or `*`), in event order. */
  groupNames: readonly string[];
  attribute?: never;
  value?: never;
  template?: never;
  groups?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** A field of the event. */
  context: "clientId" | "userPoolId" | "region" | "triggerSource" | "userName";
  attribute?: never;
  value?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** An entry of clientMetadata. The calling app controls it: never let it decide identity or authorization. */
  clientMetadata: Name;
  attribute?: never;
  value?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** The first SOURCE that has a value. */
  firstOf: readonly Source[];
  attribute?: never;
  value?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** An object whose members are SOURCEs; members without a value are left out. */
  object: { [key: string]: Source };
  attribute?: never;
  value?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  lookup?: never;
  generate?: never;
} | {
  /** A lookup declared in "lookups": its item (or, for a query, the list of items). */
  lookup: LookupName;
  attribute?: never;
  value?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  generate?: never;
} | {
  /** A value made when the function answers: "uuid" (a random UUID v4), "randomHex" (with "bytes"), "now" (with "format"). One value per invocation: the same in both tokens. */
  generate: "uuid" | "randomHex" | "now";
  attribute?: never;
  value?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
});

/** A transform step: a name, or an object with one step and its options. */
export type Step = ("lowercase" | "uppercase" | "trim" | "nonEmpty" | "emailDomain" | "emailLocalPart" | "first") | {
  /** Text put before; may be a template. */
  prefix: string;
} | {
  /** Text put after; may be a template. */
  suffix: string;
} | {
  stripPrefix: string;
} | {
  stripSuffix: string;
} | {
  /** String to list: items trimmed, empty items dropped. */
  split: string;
  /** Strip `[` and `]` around the text first. */
  brackets?: boolean;
} | {
  /** List to string. */
  join: string;
} | {
  /** Every match of the regular expression replaced; `$1` is a capture group. */
  replace: {
    regex: string;
    with: string;
  };
} | {
  /** The first capture group of a regular expression (no match: no value). */
  extract: string;
} | {
  /** A lookup table on the value. */
  map: { [key: string]: JsonValue };
  /** The value for texts the table lacks. */
  default?: JsonValue;
} | {
  /** Keep the list items that match. */
  filter: readonly string[];
};

export type ClaimRule = {
  /** Steps applied in order to the value, before "convert". */
  transform?: readonly Step[];
  /** The conversion of the (string) value. */
  convert?: "string" | "number" | "boolean" | "json" | "list";
  /** With "convert": "list": the separator (default `,`). */
  separator?: string;
  /** With "groups": merge every matching group's value (default), or take the first in policy order. */
  pick?: "merge" | "first";
  /** With "lookup": a dotted path into the item (`name.first`, `tenants.0.id`); for a query, that field of each item, as a list. */
  field?: string;
  /** With "generate": "randomHex": how many random bytes, written as lowercase hex. */
  bytes?: number;
  /** With "generate": "now": whole seconds or milliseconds since the epoch (numbers), or ISO 8601 text in UTC. */
  format?: "epochSeconds" | "epochMillis" | "iso8601";
  /** The claim's name. */
  claim: Name;
  /** When the source has no value: leave the claim out (default), refuse to issue tokens, or use "default". */
  ifMissing?: "skip" | "fail" | "default";
  /** The value when the source has none. */
  default?: JsonValue;
  tokens?: Tokens;
  when?: When;
  /** The value is the user's own say (a display name): `check --template` does not warn that the user can write what it reads. */
  trust?: "user";
} & ({
  /** A user attribute, as `email` or `custom:tenantId`. */
  attribute: Name;
  value?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** A constant of any JSON type. */
  value: JsonValue;
  attribute?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** Text with placeholders: `{ATTRIBUTE}`, `{context.clientId}` (userPoolId, region, triggerSource, userName), `{clientMetadata.KEY}`; `{{` and `}}` are braces. No value for a placeholder: no value. */
  template: string;
  attribute?: never;
  value?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** Group name to value: merged (objects deep-merged, anything else collected into a list), or the first in policy order with "pick": "first". */
  groups: { [key: string]: JsonValue };
  attribute?: never;
  value?: never;
  template?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** The names of the user's groups that match (exact, a prefix ending in `*`, or `*`), in event order. */
  groupNames: readonly string[];
  attribute?: never;
  value?: never;
  template?: never;
  groups?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** A field of the event. */
  context: "clientId" | "userPoolId" | "region" | "triggerSource" | "userName";
  attribute?: never;
  value?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** An entry of clientMetadata. The calling app controls it: never let it decide identity or authorization. */
  clientMetadata: Name;
  attribute?: never;
  value?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** The first SOURCE that has a value. */
  firstOf: readonly Source[];
  attribute?: never;
  value?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  object?: never;
  lookup?: never;
  generate?: never;
} | {
  /** An object whose members are SOURCEs; members without a value are left out. */
  object: { [key: string]: Source };
  attribute?: never;
  value?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  lookup?: never;
  generate?: never;
} | {
  /** A lookup declared in "lookups": its item (or, for a query, the list of items). */
  lookup: LookupName;
  attribute?: never;
  value?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  generate?: never;
} | {
  /** A value made when the function answers: "uuid" (a random UUID v4), "randomHex" (with "bytes"), "now" (with "format"). One value per invocation: the same in both tokens. */
  generate: "uuid" | "randomHex" | "now";
  attribute?: never;
  value?: never;
  template?: never;
  groups?: never;
  groupNames?: never;
  context?: never;
  clientMetadata?: never;
  firstOf?: never;
  object?: never;
  lookup?: never;
});

export type SuppressRule = {
  claims?: readonly Name[];
  preset?: "standard-pii";
  tokens?: Tokens;
  when?: When;
} & ({ claims: unknown } | { preset: unknown });

export type CopyRule = {
  /** Attribute names: exact, or a prefix ending in `*`. */
  match: string;
  /** The claim's name: the attribute's (default), or without the pattern's prefix. */
  rename?: "keep" | "stripPrefix";
  tokens?: Tokens;
  when?: When;
};

export type ScopeRule = {
  /** Scopes to add; may be templates. */
  add?: readonly string[];
  suppress?: readonly string[];
  when?: When;
} & ({ add: unknown } | { suppress: unknown });

export type DenyRule = {
  when?: When;
  /** Constant text Cognito shows the refused user. */
  message: string;
  /** When the condition cannot be decided (a lookup failed, was skipped, not made or found no item; a value of another type than the test): refuse (default) or allow. */
  ifUnknown?: "deny" | "allow";
};

/** The user's groups (cognito:groups): added to, then filtered; the override is written only when it changes something. */
export type GroupRules = {
  /** Keep only these groups: exact names, or a prefix ending in `*`. */
  keep?: readonly string[];
  /** Remove these groups: exact names, or a prefix ending in `*`. */
  remove?: readonly string[];
  add?: readonly Name[];
  /** A SOURCE giving a group name or a list of them, and the groups it may add (`allow`). */
  addFrom?: {
    /** Steps applied in order to the value, before "convert". */
    transform?: readonly Step[];
    /** The conversion of the (string) value. */
    convert?: "string" | "number" | "boolean" | "json" | "list";
    /** With "convert": "list": the separator (default `,`). */
    separator?: string;
    /** With "groups": merge every matching group's value (default), or take the first in policy order. */
    pick?: "merge" | "first";
    /** With "lookup": a dotted path into the item (`name.first`, `tenants.0.id`); for a query, that field of each item, as a list. */
    field?: string;
    /** With "generate": "randomHex": how many random bytes, written as lowercase hex. */
    bytes?: number;
    /** With "generate": "now": whole seconds or milliseconds since the epoch (numbers), or ISO 8601 text in UTC. */
    format?: "epochSeconds" | "epochMillis" | "iso8601";
    allow: readonly string[];
  } & ({
    /** A user attribute, as `email` or `custom:tenantId`. */
    attribute: Name;
    value?: never;
    template?: never;
    groups?: never;
    groupNames?: never;
    context?: never;
    clientMetadata?: never;
    firstOf?: never;
    object?: never;
    lookup?: never;
    generate?: never;
  } | {
    /** A constant of any JSON type. */
    value: JsonValue;
    attribute?: never;
    template?: never;
    groups?: never;
    groupNames?: never;
    context?: never;
    clientMetadata?: never;
    firstOf?: never;
    object?: never;
    lookup?: never;
    generate?: never;
  } | {
    /** Text with placeholders: `{ATTRIBUTE}`, `{context.clientId}` (userPoolId, region, triggerSource, userName), `{clientMetadata.KEY}`; `{{` and `}}` are braces. No value for a placeholder: no value. */
    template: string;
    attribute?: never;
    value?: never;
    groups?: never;
    groupNames?: never;
    context?: never;
    clientMetadata?: never;
    firstOf?: never;
    object?: never;
    lookup?: never;
    generate?: never;
  } | {
    /** Group name to value: merged (objects deep-merged, anything else collected into a list), or the first in policy order with "pick": "first". */
    groups: { [key: string]: JsonValue };
    attribute?: never;
    value?: never;
    template?: never;
    groupNames?: never;
    context?: never;
    clientMetadata?: never;
    firstOf?: never;
    object?: never;
    lookup?: never;
    generate?: never;
  } | {
    /** The names of the user's groups that match (exact, a prefix ending in `*`, or `*`), in event order. */
    groupNames: readonly string[];
    attribute?: never;
    value?: never;
    template?: never;
    groups?: never;
    context?: never;
    clientMetadata?: never;
    firstOf?: never;
    object?: never;
    lookup?: never;
    generate?: never;
  } | {
    /** A field of the event. */
    context: "clientId" | "userPoolId" | "region" | "triggerSource" | "userName";
    attribute?: never;
    value?: never;
    template?: never;
    groups?: never;
    groupNames?: never;
    clientMetadata?: never;
    firstOf?: never;
    object?: never;
    lookup?: never;
    generate?: never;
  } | {
    /** An entry of clientMetadata. The calling app controls it: never let it decide identity or authorization. */
    clientMetadata: Name;
    attribute?: never;
    value?: never;
    template?: never;
    groups?: never;
    groupNames?: never;
    context?: never;
    firstOf?: never;
    object?: never;
    lookup?: never;
    generate?: never;
  } | {
    /** The first SOURCE that has a value. */
    firstOf: readonly Source[];
    attribute?: never;
    value?: never;
    template?: never;
    groups?: never;
    groupNames?: never;
    context?: never;
    clientMetadata?: never;
    object?: never;
    lookup?: never;
    generate?: never;
  } | {
    /** An object whose members are SOURCEs; members without a value are left out. */
    object: { [key: string]: Source };
    attribute?: never;
    value?: never;
    template?: never;
    groups?: never;
    groupNames?: never;
    context?: never;
    clientMetadata?: never;
    firstOf?: never;
    lookup?: never;
    generate?: never;
  } | {
    /** A lookup declared in "lookups": its item (or, for a query, the list of items). */
    lookup: LookupName;
    attribute?: never;
    value?: never;
    template?: never;
    groups?: never;
    groupNames?: never;
    context?: never;
    clientMetadata?: never;
    firstOf?: never;
    object?: never;
    generate?: never;
  } | {
    /** A value made when the function answers: "uuid" (a random UUID v4), "randomHex" (with "bytes"), "now" (with "format"). One value per invocation: the same in both tokens. */
    generate: "uuid" | "randomHex" | "now";
    attribute?: never;
    value?: never;
    template?: never;
    groups?: never;
    groupNames?: never;
    context?: never;
    clientMetadata?: never;
    firstOf?: never;
    object?: never;
    lookup?: never;
  });
  when?: When;
} & ({ keep: unknown } | { remove: unknown } | { add: unknown } | { addFrom: unknown }) & ({ keep?: never } | { remove?: never });

/** The user's IAM roles and preferred role. */
export type RoleRules = {
  /** Keep only these role ARNs (exact, or a prefix ending in `*`). */
  keep?: readonly RoleArnPattern[];
  /** Remove these role ARNs (exact, or a prefix ending in `*`). */
  remove?: readonly RoleArnPattern[];
  add?: readonly RoleArn[];
  preferred?: RoleArn | Source;
  /** Each group's role ARN: the roles and preferred role are recomputed from the groups that remain. */
  fromGroups?: { [key: string]: RoleArn };
  when?: When;
} & ({ keep: unknown } | { remove: unknown } | { add: unknown } | { preferred: unknown } | { fromGroups: unknown }) & ({ keep?: never } | { remove?: never });

export type RoleArn = `arn:${string}:iam::${string}:role/${string}`;

export type RoleArnPattern = `arn:${string}`;

export type LookupName = string;

/** One lookup: a DynamoDB item or query, or the user pool's AdminGetUser. */
export type Lookup = {
  /** The region, when not the function's own (AWS_REGION); may be {env.NAME}. */
  region?: string;
  /** The bound on the read, retries included (default 300; at most 3,000 over a policy's lookups). */
  timeoutMs?: number;
  /** How long a warm environment reuses a result (default 0: never). */
  cacheSeconds?: number;
  /** A failed read (timeout, throttling, missing table, access denied, error): refuse tokens (default), or no value. */
  ifUnavailable?: "fail" | "skip";
} & ({
  dynamodb: DynamoDbLookup;
  cognito?: never;
} | {
  /** AdminGetUser for the event's pool and user: mfaEnabled, preferredMfa, mfaMethods, userStatus, enabled. */
  cognito: "adminGetUser";
  dynamodb?: never;
});

export type DynamoDbLookup = {
  /** The table: its name, or {env.NAME}. */
  table: string;
  /** A global secondary index to query. */
  index?: string;
  /** The most items a query reads (default 10). */
  limit?: number;
  /** Sort-key order reversed. */
  descending?: boolean;
  region?: string;
} & ({
  /** GetItem: the whole key, attribute to a template over the event. */
  key: { [key: string]: string };
  query?: never;
} | {
  /** Query: the partition key (a template), and optionally a sort key {"beginsWith": TEMPLATE}. */
  query: { [key: string]: string | {
    beginsWith: string;
  } };
  key?: never;
});

/** A declarative policy for the Amazon Cognito pre token generation trigger, or a routing document ("default" and/or "pools") that gives each pool and app client its own policy. */
export type PolicyDocument =
  | (Policy & { common?: never; default?: never; pools?: never })
  | (Routing & { lookups?: never; deny?: never; suppress?: never; claims?: never; copyAttributes?: never; scopes?: never; groups?: never; roles?: never });
