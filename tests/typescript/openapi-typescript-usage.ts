// Typechecks every operation of openapi.yaml through the types openapi-typescript generates.
//
// tests/test_other_languages.py generates `schema.d.ts` into a temporary directory, maps
// "@generated/openapi-typescript" to it and runs `tsc --noEmit --strict`. Two kinds of check:
// `Expect<Equal<...>>` pins each request and response type to the component it must be, and
// `@ts-expect-error` lines prove the types refuse what the spec refuses (tsc fails when such a
// line compiles cleanly). A small openapi-fetch-style `call` function, written by hand, then
// calls every operation with typed arguments.

import type { components, operations, paths } from "@generated/openapi-typescript";

type Schemas = components["schemas"];

// --- type-level helpers ---------------------------------------------------------------------

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

type Json<R> = R extends { content: { "application/json": infer B } } ? B : never;

// --- every operation, type by type ----------------------------------------------------------

export type OperationChecks = [
  // logIn: POST /login
  Expect<Equal<operations["logIn"], paths["/login"]["post"]>>,
  Expect<Equal<Json<paths["/login"]["post"]["requestBody"]>, Schemas["LoginRequest"]>>,
  Expect<Equal<paths["/login"]["post"]["responses"][200]["content"]["application/json"], Schemas["LoginSuccess"]>>,
  Expect<
    Equal<paths["/login"]["post"]["responses"][202]["content"]["application/json"], Schemas["TwoFactorChallenge"]>
  >,
  Expect<Equal<Json<paths["/login"]["post"]["responses"][401]>, Schemas["ErrorResponse"]>>,

  // verifyTwoFactorCode: POST /login2fa
  Expect<Equal<operations["verifyTwoFactorCode"], paths["/login2fa"]["post"]>>,
  Expect<Equal<Json<paths["/login2fa"]["post"]["requestBody"]>, Schemas["TwoFactorRequest"]>>,
  Expect<
    Equal<paths["/login2fa"]["post"]["responses"][200]["content"]["application/json"], Schemas["LoginSuccess"]>
  >,

  // listSettings: GET /callmeback/settings
  Expect<Equal<operations["listSettings"], paths["/callmeback/settings"]["get"]>>,
  Expect<
    Equal<paths["/callmeback/settings"]["get"]["responses"][200]["content"]["application/json"], Schemas["SettingList"]>
  >,
  Expect<Equal<Json<paths["/callmeback/settings"]["get"]["responses"][400]>, Schemas["ErrorResponse"]>>,

  // createSetting: POST /callmeback/settings
  Expect<Equal<operations["createSetting"], paths["/callmeback/settings"]["post"]>>,
  Expect<Equal<Json<paths["/callmeback/settings"]["post"]["requestBody"]>, Schemas["SettingCreate"]>>,
  Expect<
    Equal<
      paths["/callmeback/settings"]["post"]["responses"][201]["content"]["application/json"],
      Schemas["SettingResponse"]
    >
  >,

  // getSetting: GET /callmeback/settings/{id}
  Expect<Equal<operations["getSetting"], paths["/callmeback/settings/{id}"]["get"]>>,
  Expect<Equal<paths["/callmeback/settings/{id}"]["get"]["parameters"]["path"]["id"], number>>,
  Expect<
    Equal<
      paths["/callmeback/settings/{id}"]["get"]["responses"][200]["content"]["application/json"],
      Schemas["SettingResponse"]
    >
  >,
  Expect<Equal<Json<paths["/callmeback/settings/{id}"]["get"]["responses"][403]>, Schemas["ErrorResponse"]>>,
  Expect<Equal<Json<paths["/callmeback/settings/{id}"]["get"]["responses"][404]>, Schemas["ErrorResponse"]>>,

  // updateSetting: PATCH /callmeback/settings/{id}
  Expect<Equal<operations["updateSetting"], paths["/callmeback/settings/{id}"]["patch"]>>,
  Expect<Equal<Json<paths["/callmeback/settings/{id}"]["patch"]["requestBody"]>, Schemas["SettingUpdate"]>>,
  Expect<
    Equal<
      paths["/callmeback/settings/{id}"]["patch"]["responses"][200]["content"]["application/json"],
      Schemas["SettingResponse"]
    >
  >,

  // deleteSetting: DELETE /callmeback/settings/{id} (204, no body)
  Expect<Equal<operations["deleteSetting"], paths["/callmeback/settings/{id}"]["delete"]>>,
  Expect<Equal<paths["/callmeback/settings/{id}"]["delete"]["responses"][204]["content"], undefined>>,

  // createButton: POST /callmeback/buttons
  Expect<Equal<operations["createButton"], paths["/callmeback/buttons"]["post"]>>,
  Expect<Equal<Json<paths["/callmeback/buttons"]["post"]["requestBody"]>, Schemas["ButtonCreate"]>>,
  Expect<
    Equal<
      paths["/callmeback/buttons"]["post"]["responses"][201]["content"]["application/json"],
      Schemas["ButtonResponse"]
    >
  >,

  // getButton: GET /callmeback/buttons/{id}
  Expect<Equal<operations["getButton"], paths["/callmeback/buttons/{id}"]["get"]>>,
  Expect<Equal<paths["/callmeback/buttons/{id}"]["get"]["parameters"]["path"]["id"], number>>,
  Expect<
    Equal<
      paths["/callmeback/buttons/{id}"]["get"]["responses"][200]["content"]["application/json"],
      Schemas["ButtonResponse"]
    >
  >,

  // updateButton: PATCH /callmeback/buttons/{id}
  Expect<Equal<operations["updateButton"], paths["/callmeback/buttons/{id}"]["patch"]>>,
  Expect<Equal<Json<paths["/callmeback/buttons/{id}"]["patch"]["requestBody"]>, Schemas["ButtonUpdate"]>>,
  Expect<
    Equal<
      paths["/callmeback/buttons/{id}"]["patch"]["responses"][200]["content"]["application/json"],
      Schemas["ButtonResponse"]
    >
  >,

  // deleteButton: DELETE /callmeback/buttons/{id} (204, no body)
  Expect<Equal<operations["deleteButton"], paths["/callmeback/buttons/{id}"]["delete"]>>,
  Expect<Equal<paths["/callmeback/buttons/{id}"]["delete"]["responses"][204]["content"], undefined>>,

  // listWebsites: GET /callmeback/websites
  Expect<Equal<operations["listWebsites"], paths["/callmeback/websites"]["get"]>>,
  Expect<
    Equal<paths["/callmeback/websites"]["get"]["responses"][200]["content"]["application/json"], Schemas["WebsiteList"]>
  >,

  // listCdrs: GET /callmeback/cdrs
  Expect<Equal<operations["listCdrs"], paths["/callmeback/cdrs"]["get"]>>,
  Expect<Equal<paths["/callmeback/cdrs"]["get"]["responses"][200]["content"]["application/json"], Schemas["CdrList"]>>,

  // listVisitors: GET /callmeback/visitors
  Expect<Equal<operations["listVisitors"], paths["/callmeback/visitors"]["get"]>>,
  Expect<
    Equal<paths["/callmeback/visitors"]["get"]["responses"][200]["content"]["application/json"], Schemas["VisitorList"]>
  >,
];

// --- what the schemas promise ---------------------------------------------------------------

type ListQuery = NonNullable<operations["listCdrs"]["parameters"]["query"]>;

export type SchemaChecks = [
  Expect<Equal<ListQuery["page"], number | undefined>>,
  Expect<Equal<ListQuery["limit"], number | undefined>>,
  // sort is the union of the names the spec's enum lists: a typed client cannot send another.
  Expect<Equal<ListQuery["sort"], Schemas["CdrSortField"] | undefined>>,
  Expect<Equal<"calldate" extends Schemas["CdrSortField"] ? true : false, true>>,
  Expect<Equal<"no_such_field" extends Schemas["CdrSortField"] ? true : false, false>>,
  Expect<Equal<ListQuery["dir"], "ASC" | "DESC" | undefined>>,
  Expect<Equal<ListQuery["filter"], string | undefined>>,
  Expect<Equal<Schemas["Setting"]["id"], number>>,
  Expect<Equal<Schemas["Setting"]["created_at"], string | null | undefined>>,
  Expect<Equal<Schemas["SettingList"]["total"], number>>,
  Expect<Equal<Schemas["SettingCreate"]["name"], string>>,
  Expect<Equal<Schemas["Button"]["id"], number>>,
  Expect<Equal<Schemas["Cdr"]["calldate"], string | null | undefined>>,
  Expect<Equal<Schemas["Cdr"]["rate"], number | null | undefined>>,
  Expect<Equal<Schemas["Visitor"]["id"], number>>,
  Expect<Equal<Schemas["Website"]["id"], number>>,
  Expect<Equal<Schemas["LoginSuccess"]["user_token"], string>>,
  Expect<Equal<Schemas["TwoFactorChallenge"]["nonce"], string>>,
];

// Request bodies are closed (additionalProperties: false) and keep their required fields.
// @ts-expect-error: `name` is required to create settings
export const settingWithoutName: Schemas["SettingCreate"] = { floating_icon: true };
// @ts-expect-error: a misspelt field is not part of SettingUpdate
export const misspeltUpdate: Schemas["SettingUpdate"] = { welcome_msg: "Hi" };
// @ts-expect-error: `dir` is ASC or DESC
export const badDirection: ListQuery = { dir: "UP" };
// @ts-expect-error: `position` is an integer index
export const positionAsText: Schemas["SettingUpdate"] = { position: "7" };
// @ts-expect-error: a two-factor request needs the nonce
export const codeWithoutNonce: Schemas["TwoFactorRequest"] = { code: "123456" };

// --- an openapi-fetch-style client, by hand -------------------------------------------------

type Method = "get" | "post" | "patch" | "delete";
type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P] extends Record<M, object> ? P : never;
}[keyof paths];
type Op<P extends keyof paths, M extends Method> = paths[P] extends Record<M, infer O> ? O : never;

type PathArgs<O> = O extends { parameters: { path: infer T } } ? { path: T } : { path?: undefined };
type QueryArgs<O> = O extends { parameters: { query?: infer T } }
  ? [NonNullable<T>] extends [never]
    ? { query?: undefined }
    : { query?: NonNullable<T> }
  : { query?: undefined };
type BodyArgs<O> = O extends { requestBody: { content: { "application/json": infer B } } }
  ? { body: B }
  : { body?: undefined };
type Args<O> = PathArgs<O> & QueryArgs<O> & BodyArgs<O>;

type SuccessStatus = 200 | 201 | 202 | 204;
type Responses<O> = O extends { responses: infer R } ? R : never;
/** What a success status carries: the JSON body, or undefined for 204. */
type Success<O> = {
  [S in keyof Responses<O> & SuccessStatus]: S extends 204 ? undefined : Json<Responses<O>[S]>;
}[keyof Responses<O> & SuccessStatus];

export type ClientChecks = [
  Expect<Equal<Success<operations["logIn"]>, Schemas["LoginSuccess"] | Schemas["TwoFactorChallenge"]>>,
  Expect<Equal<Success<operations["deleteSetting"]>, undefined>>,
];

export interface Credentials {
  userId: number;
  apiKey: string;
}

export class CallMeBackError extends Error {
  constructor(
    readonly status: number,
    readonly body: Schemas["ErrorResponse"] | undefined,
  ) {
    super(body?.message ?? `HTTP ${status}`);
  }
}

/** Sends one operation: fills the path, encodes the query, sends JSON and returns the typed answer. */
export async function call<M extends Method, P extends PathsWith<M>>(
  baseUrl: string,
  credentials: Credentials | undefined,
  method: M,
  path: P,
  args: Args<Op<P, M>>,
): Promise<Success<Op<P, M>>> {
  // Inside the generic body the path type is still unresolved; callers were checked by Args<>.
  const pathArgs = (args.path ?? {}) as Readonly<Record<string, number>>;
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(pathArgs[name])));
  const url = new URL(baseUrl + filled);
  for (const [name, value] of Object.entries(args.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  const headers = new Headers({ Accept: "application/json" });
  if (credentials !== undefined) {
    headers.set("Authorization", "Basic " + btoa(`${credentials.userId}:${credentials.apiKey}`));
  }
  const init: RequestInit = { method: method.toUpperCase(), headers };
  if (args.body !== undefined) {
    headers.set("Content-Type", "application/json");
    init.body = JSON.stringify(args.body);
  }
  const response = await fetch(url, init);
  if (!response.ok) {
    const text = await response.text();
    throw new CallMeBackError(response.status, text ? (JSON.parse(text) as Schemas["ErrorResponse"]) : undefined);
  }
  if (response.status === 204) return undefined as Success<Op<P, M>>;
  return (await response.json()) as Success<Op<P, M>>;
}

/** Whether POST /login answered 202: the account asks for a two-factor code. */
function isChallenge(
  answer: Schemas["LoginSuccess"] | Schemas["TwoFactorChallenge"],
): answer is Schemas["TwoFactorChallenge"] {
  return typeof answer.nonce === "string" && !("user_token" in answer);
}

// --- every operation, called ----------------------------------------------------------------

export async function everyOperation(baseUrl: string, credentials: Credentials): Promise<string[]> {
  const seen: string[] = [];

  const login = await call(baseUrl, undefined, "post", "/login", {
    body: { email: "demo@example.com", password: "demo" },
  });
  if (isChallenge(login)) {
    const verified = await call(baseUrl, undefined, "post", "/login2fa", {
      body: { code: "123456", nonce: login.nonce },
    });
    const token: string = verified.user_token;
    seen.push(token);
  } else {
    const userId: number = login.user_id;
    seen.push(String(userId));
  }

  const settings = await call(baseUrl, credentials, "get", "/callmeback/settings", {
    query: { page: 1, limit: 50, sort: "id", dir: "DESC", filter: '[{"property":"id","operator":"gt","value":0}]' },
  });
  const total: number = settings.total;
  seen.push(`${total} settings`);

  const created = await call(baseUrl, credentials, "post", "/callmeback/settings", {
    body: { name: "Shop", floating_icon: true, position: 7, max_call_rate: 0.15, ddi_e164: 442038077001 },
  });
  const id: number = created.data.id;
  const fetched = await call(baseUrl, credentials, "get", "/callmeback/settings/{id}", { path: { id } });
  const name: string | null | undefined = fetched.data.name;
  seen.push(name ?? "");
  const updated = await call(baseUrl, credentials, "patch", "/callmeback/settings/{id}", {
    path: { id },
    body: { welcome_screen_msg: "Hi" },
  });
  seen.push(updated.data.welcome_screen_msg ?? "");
  const deleted: undefined = await call(baseUrl, credentials, "delete", "/callmeback/settings/{id}", {
    path: { id },
  });
  seen.push(String(deleted));

  const button = await call(baseUrl, credentials, "post", "/callmeback/buttons", {
    body: { name: "Green", data_online: "{}", data_offline: "{}" },
  });
  const buttonId: number = button.data.id;
  const gotButton = await call(baseUrl, credentials, "get", "/callmeback/buttons/{id}", { path: { id: buttonId } });
  const online: unknown = gotButton.data.data_online;
  seen.push(String(online));
  const renamed = await call(baseUrl, credentials, "patch", "/callmeback/buttons/{id}", {
    path: { id: buttonId },
    body: { name: "Call us" },
  });
  seen.push(renamed.data.name ?? "");
  await call(baseUrl, credentials, "delete", "/callmeback/buttons/{id}", { path: { id: buttonId } });

  const websites = await call(baseUrl, credentials, "get", "/callmeback/websites", { query: { limit: 10 } });
  for (const website of websites.data) seen.push(website.name ?? String(website.id));
  const cdrs = await call(baseUrl, credentials, "get", "/callmeback/cdrs", {
    query: { sort: "calldate", dir: "ASC", filter: '[{"property":"calldate","operator":"gte","value":"2026-03-01 00:00:00"}]' },
  });
  for (const cdr of cdrs.data) seen.push(`${cdr.calldate ?? "?"} ${cdr.disposition ?? "?"} ${cdr.billsec ?? 0}`);
  const visitors = await call(baseUrl, credentials, "get", "/callmeback/visitors", {});
  for (const visitor of visitors.data) seen.push(String(visitor.id));

  // The client refuses what the spec refuses.
  // @ts-expect-error: /login has no GET
  await call(baseUrl, credentials, "get", "/login", {});
  // @ts-expect-error: the settings id is a number
  await call(baseUrl, credentials, "get", "/callmeback/settings/{id}", { path: { id: "1375" } });
  // @ts-expect-error: the path parameter is required
  await call(baseUrl, credentials, "delete", "/callmeback/buttons/{id}", {});
  // @ts-expect-error: creating a button needs a body
  await call(baseUrl, credentials, "post", "/callmeback/buttons", {});
  // @ts-expect-error: limit is a number
  await call(baseUrl, credentials, "get", "/callmeback/cdrs", { query: { limit: "500" } });
  // @ts-expect-error: a list answers a page, not one resource
  const notOne: Schemas["Setting"] = await call(baseUrl, credentials, "get", "/callmeback/settings", {});
  seen.push(String(notOne));

  return seen;
}
