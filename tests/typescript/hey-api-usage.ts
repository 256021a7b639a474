// Calls every operation of openapi.yaml through the fetch client @hey-api/openapi-ts makes, against
// a running sandbox, and checks the shape of each answer.
//
// tests/test_generators_live.py generates the client into a temporary directory, maps
// "@generated/hey-api" to it, compiles this file with `tsc --strict` (CommonJS, for Node without a
// bundler) and runs it with Node: `node hey-api-usage.js '<JSON of Setup>'`. The program prints one
// line, the JSON of a Summary: every call it made (the SDK function's name, the method, the path
// and the status answered). The test checks that each operationId of the spec was called, and that
// each call's method, path and status are the spec's. An answer of an unexpected status or shape
// throws, and Node exits non-zero with the message.

import {
  createButton,
  createSetting,
  deleteButton,
  deleteSetting,
  getButton,
  getSetting,
  listCdrs,
  listSettings,
  listVisitors,
  listWebsites,
  logIn,
  updateButton,
  updateSetting,
  verifyTwoFactorCode,
} from "@generated/hey-api";
import type { ErrorResponse } from "@generated/hey-api";
import { createClient } from "@generated/hey-api/client";
import type { Auth, Client } from "@generated/hey-api/client";

// Node's globals this program uses (the compiler options load no @types package).
declare const process: { argv: string[] };

/** What the test passes: the sandbox's base URL and its accounts. */
interface Setup {
  baseUrl: string;
  demo: { userId: number; email: string; password: string; apiKey: string };
  twoFactor: { email: string; password: string; code: string };
}

interface Call {
  operation: string;
  method: string;
  path: string;
  status: number;
}

interface Summary {
  calls: Call[];
}

/** What every SDK function answers (the default `responseStyle: "fields"`, without throwOnError). */
interface Answer {
  data?: unknown;
  error?: unknown;
  request?: Request;
  response?: Response;
}

const calls: Call[] = [];

function fail(message: string): never {
  throw new Error(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Await one SDK call, record it, and require the status; the answer's body is returned. */
async function expect<A extends Answer>(
  sdk: { name: string },
  pending: Promise<A>,
  status: number,
): Promise<A> {
  const answer = await pending;
  const response = answer.response ?? fail(`${sdk.name}: no response (${String(answer.error)})`);
  const request = answer.request ?? fail(`${sdk.name}: no request`);
  calls.push({ operation: sdk.name, method: request.method, path: new URL(request.url).pathname, status: response.status });
  if (response.status !== status) {
    fail(`${sdk.name}: expected ${status}, got ${response.status}: ${JSON.stringify(answer.error ?? answer.data)}`);
  }
  if (status >= 400) {
    const error: ErrorResponse | undefined = isObject(answer.error) ? answer.error : undefined;
    if (error === undefined) fail(`${sdk.name}: ${status} without an error object: ${JSON.stringify(answer.error)}`);
    if (error.message === undefined && error.errors === undefined) fail(`${sdk.name}: an empty error ${JSON.stringify(error)}`);
  }
  return answer;
}

/** A page of a list: `data` an array of objects with an integer `id`, `total` an integer at least its length. */
function page(operation: string, body: { data: unknown[]; total: number } | undefined): number {
  if (body === undefined || !Array.isArray(body.data)) fail(`${operation}: no data array in ${JSON.stringify(body)}`);
  if (!Number.isInteger(body.total) || body.total < body.data.length) fail(`${operation}: total ${body.total}`);
  for (const item of body.data) {
    if (!isObject(item) || !Number.isInteger(item["id"])) fail(`${operation}: an item without an id: ${JSON.stringify(item)}`);
  }
  return body.total;
}

/** One resource: an object whose `data` holds the integer `id`. */
function resource<T extends { id: number }>(operation: string, body: { data: T } | undefined): T {
  if (body === undefined || !isObject(body.data) || !Number.isInteger(body.data.id)) {
    fail(`${operation}: no data.id in ${JSON.stringify(body)}`);
  }
  return body.data;
}

function token(operation: string, body: unknown, userId?: number): string {
  if (!isObject(body) || typeof body["user_token"] !== "string" || body["user_token"] === "") {
    fail(`${operation}: no user_token in ${JSON.stringify(body)}`);
  }
  if (userId !== undefined && body["user_id"] !== userId) fail(`${operation}: user_id ${String(body["user_id"])}`);
  return body["user_token"];
}

/** A client that answers each security scheme the spec offers with the given credentials. */
function clientWith(baseUrl: string, credentials: { token?: string; basic?: string }): Client {
  return createClient({
    baseUrl,
    auth: (scheme: Auth) => (scheme.type === "apiKey" ? credentials.token : credentials.basic),
  });
}

export async function everyOperation(setup: Setup): Promise<Summary> {
  const anonymous = createClient({ baseUrl: setup.baseUrl });

  // logIn: 200 for the demo account, 401 for a wrong password, 202 for a two-factor account.
  const login = await expect(
    logIn,
    logIn({ client: anonymous, body: { email: setup.demo.email, password: setup.demo.password } }),
    200,
  );
  const session = token("logIn", login.data, setup.demo.userId);
  await expect(logIn, logIn({ client: anonymous, body: { email: setup.demo.email, password: "not the password" } }), 401);
  const challenge = await expect(
    logIn,
    logIn({ client: anonymous, body: { email: setup.twoFactor.email, password: setup.twoFactor.password } }),
    202,
  );
  const nonce = isObject(challenge.data) ? challenge.data["nonce"] : undefined;
  if (typeof nonce !== "string" || nonce === "") fail(`logIn: no nonce in ${JSON.stringify(challenge.data)}`);

  // verifyTwoFactorCode: 401 for a nonce the sandbox never gave, 200 with the code and the nonce.
  await expect(
    verifyTwoFactorCode,
    verifyTwoFactorCode({ client: anonymous, body: { code: setup.twoFactor.code, nonce: "0123456789abcdef" } }),
    401,
  );
  const verified = await expect(
    verifyTwoFactorCode,
    verifyTwoFactorCode({ client: anonymous, body: { code: setup.twoFactor.code, nonce } }),
    200,
  );
  token("verifyTwoFactorCode", verified.data);

  // The session token in X-Auth-Token for settings; the API key over HTTP Basic for the rest.
  const bySession = clientWith(setup.baseUrl, { token: session });
  const byApiKey = clientWith(setup.baseUrl, { basic: `${setup.demo.userId}:${setup.demo.apiKey}` });

  // listSettings, createSetting, getSetting, updateSetting, deleteSetting
  await expect(listSettings, listSettings({ client: anonymous }), 401);
  const before = page("listSettings", (await expect(listSettings, listSettings({ client: bySession, query: { limit: 50 } }), 200)).data);
  await expect(listSettings, listSettings({ client: bySession, query: { limit: 0 } }), 400);
  const created = resource(
    "createSetting",
    (await expect(createSetting, createSetting({ client: bySession, body: { name: "Shop", floating_icon: true } }), 201)).data,
  );
  const after = page(
    "listSettings",
    (await expect(listSettings, listSettings({ client: bySession, query: { sort: "id", dir: "DESC", limit: 1 } }), 200)).data,
  );
  if (after !== before + 1) fail(`listSettings: total ${after} after one create, ${before} before`);
  const fetched = resource(
    "getSetting",
    (await expect(getSetting, getSetting({ client: bySession, path: { id: created.id } }), 200)).data,
  );
  if (fetched.id !== created.id || fetched.name !== "Shop") fail(`getSetting: ${JSON.stringify(fetched)}`);
  const updated = resource(
    "updateSetting",
    (
      await expect(
        updateSetting,
        updateSetting({ client: bySession, path: { id: created.id }, body: { welcome_screen_msg: "Hi" } }),
        200,
      )
    ).data,
  );
  if (updated.welcome_screen_msg !== "Hi") fail(`updateSetting: ${JSON.stringify(updated)}`);
  await expect(updateSetting, updateSetting({ client: bySession, path: { id: created.id }, body: { name: "" } }), 400);
  await expect(deleteSetting, deleteSetting({ client: bySession, path: { id: created.id } }), 204);
  await expect(getSetting, getSetting({ client: bySession, path: { id: created.id } }), 404);
  await expect(deleteSetting, deleteSetting({ client: bySession, path: { id: created.id } }), 404);

  // createButton, getButton, updateButton, deleteButton
  await expect(createButton, createButton({ client: byApiKey, body: { name: "" } }), 400);
  const button = resource(
    "createButton",
    (await expect(createButton, createButton({ client: byApiKey, body: { name: "Green", data_online: "{}" } }), 201)).data,
  );
  const gotButton = resource(
    "getButton",
    (await expect(getButton, getButton({ client: byApiKey, path: { id: button.id } }), 200)).data,
  );
  if (gotButton.name !== "Green") fail(`getButton: ${JSON.stringify(gotButton)}`);
  const renamed = resource(
    "updateButton",
    (await expect(updateButton, updateButton({ client: byApiKey, path: { id: button.id }, body: { name: "Call us" } }), 200)).data,
  );
  if (renamed.name !== "Call us") fail(`updateButton: ${JSON.stringify(renamed)}`);
  await expect(deleteButton, deleteButton({ client: byApiKey, path: { id: button.id } }), 204);
  await expect(getButton, getButton({ client: byApiKey, path: { id: button.id } }), 404);
  await expect(updateButton, updateButton({ client: byApiKey, path: { id: button.id }, body: { name: "Gone" } }), 404);
  await expect(deleteButton, deleteButton({ client: anonymous, path: { id: button.id } }), 401);

  // listWebsites, listCdrs, listVisitors
  page("listWebsites", (await expect(listWebsites, listWebsites({ client: byApiKey, query: { limit: 10 } }), 200)).data);
  await expect(listWebsites, listWebsites({ client: anonymous }), 401);
  const cdrs = page(
    "listCdrs",
    (
      await expect(
        listCdrs,
        listCdrs({
          client: byApiKey,
          query: { sort: "calldate", dir: "ASC", filter: '[{"property":"calldate","operator":"gte","value":"2000-01-01 00:00:00"}]' },
        }),
        200,
      )
    ).data,
  );
  if (cdrs < 1) fail(`listCdrs: the sandbox has no call detail records (${cdrs})`);
  await expect(listCdrs, listCdrs({ client: byApiKey, query: { filter: '[{"property":"no_such_field","operator":"eq","value":1}]' } }), 400);
  page("listVisitors", (await expect(listVisitors, listVisitors({ client: byApiKey }), 200)).data);
  await expect(listVisitors, listVisitors({ client: byApiKey, query: { page: 0 } }), 400);

  return { calls };
}

const argument = process.argv[2] ?? fail("usage: node hey-api-usage.js '<JSON of Setup>'");
everyOperation(JSON.parse(argument) as Setup).then((summary) => console.log(JSON.stringify(summary)));
