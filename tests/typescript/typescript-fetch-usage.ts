// Calls every operation of openapi.yaml through the client openapi-generator's typescript-fetch makes.
//
// tests/test_other_languages.py generates the client into a temporary directory, maps
// "@generated/typescript-fetch" to its index.ts and runs `tsc --noEmit --strict`. Every
// operationId is called on its API class with typed arguments, and each answer is pinned to
// its model with `Expect<Equal<...>>`; `@ts-expect-error` lines prove the client refuses what the
// spec refuses (tsc fails when such a line compiles cleanly). The test counts only real calls:
// a line under `@ts-expect-error` does not call its operation.

import {
  AuthenticationApi,
  ButtonsApi,
  CallDetailRecordsApi,
  Configuration,
  ErrorResponseFromJSON,
  ResponseError,
  SettingsApi,
  SortDirection,
  VisitorsApi,
  WebsitesApi,
} from "@generated/typescript-fetch";
import type {
  ButtonResponse,
  CdrList,
  ErrorResponse,
  ListCdrsRequest,
  LoginSuccess,
  SettingCreate,
  SettingList,
  SettingResponse,
  SettingUpdate,
  TwoFactorChallenge,
  VisitorList,
  WebsiteList,
} from "@generated/typescript-fetch";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type Answer<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

export type AnswerChecks = [
  Expect<Equal<Answer<AuthenticationApi["logIn"]>, LoginSuccess>>,
  Expect<Equal<Answer<AuthenticationApi["verifyTwoFactorCode"]>, LoginSuccess>>,
  Expect<Equal<Answer<SettingsApi["listSettings"]>, SettingList>>,
  Expect<Equal<Answer<SettingsApi["createSetting"]>, SettingResponse>>,
  Expect<Equal<Answer<SettingsApi["getSetting"]>, SettingResponse>>,
  Expect<Equal<Answer<SettingsApi["updateSetting"]>, SettingResponse>>,
  Expect<Equal<Answer<SettingsApi["deleteSetting"]>, void>>,
  Expect<Equal<Answer<ButtonsApi["createButton"]>, ButtonResponse>>,
  Expect<Equal<Answer<ButtonsApi["getButton"]>, ButtonResponse>>,
  Expect<Equal<Answer<ButtonsApi["updateButton"]>, ButtonResponse>>,
  Expect<Equal<Answer<ButtonsApi["deleteButton"]>, void>>,
  Expect<Equal<Answer<WebsitesApi["listWebsites"]>, WebsiteList>>,
  Expect<Equal<Answer<CallDetailRecordsApi["listCdrs"]>, CdrList>>,
  Expect<Equal<Answer<VisitorsApi["listVisitors"]>, VisitorList>>,
  Expect<Equal<ListCdrsRequest["dir"], "ASC" | "DESC" | undefined>>,
  Expect<Equal<SettingList["total"], number>>,
  Expect<Equal<TwoFactorChallenge["nonce"], string>>,
];

// Request bodies keep their required fields and have no room for unknown ones.
// @ts-expect-error: `name` is required to create settings
export const settingWithoutName: SettingCreate = { floatingIcon: true };
// @ts-expect-error: a misspelt field is not part of SettingUpdate
export const misspeltUpdate: SettingUpdate = { welcomeMsg: "Hi" };
// @ts-expect-error: `position` is an integer index
export const positionAsText: SettingUpdate = { position: "7" };

/** The service's error message, from a failed call. */
export async function errorMessage(error: unknown): Promise<string> {
  if (!(error instanceof ResponseError)) throw error;
  const body: ErrorResponse = ErrorResponseFromJSON(await error.response.json());
  return body.message ?? `HTTP ${error.response.status}`;
}

export async function everyOperation(basePath: string, userId: number, apiKey: string): Promise<string[]> {
  const seen: string[] = [];
  const anonymous = new Configuration({ basePath });
  const config = new Configuration({ basePath, username: String(userId), password: apiKey });

  // logIn, verifyTwoFactorCode
  const auth = new AuthenticationApi(anonymous);
  const login: LoginSuccess = await auth.logIn({ loginRequest: { email: "demo@example.com", password: "demo" } });
  seen.push(login.userToken, String(login.userId), login.message ?? "");
  const verified = await auth.verifyTwoFactorCode({ twoFactorRequest: { code: "123456", nonce: "6f1c2a9e" } });
  seen.push(verified.userToken);

  // listSettings, createSetting, getSetting, updateSetting, deleteSetting
  const settings = new SettingsApi(config);
  const page = await settings.listSettings({
    page: 1,
    limit: 50,
    sort: "id",
    dir: SortDirection.Desc,
    filter: '[{"property":"id","operator":"gt","value":0}]',
  });
  const total: number = page.total;
  seen.push(`${total} settings`, ...page.data.map((setting) => setting.name ?? String(setting.id)));
  const created = await settings.createSetting({
    settingCreate: { name: "Shop", floatingIcon: true, position: 7, maxCallRate: 0.15, ddiE164: 442038077001 },
  });
  const id: number = created.data.id;
  const fetched = await settings.getSetting({ id });
  const createdAt: string | null | undefined = fetched.data.createdAt;
  seen.push(createdAt ?? "");
  const updated = await settings.updateSetting({ id, settingUpdate: { welcomeScreenMsg: "Hi" } });
  seen.push(updated.data.welcomeScreenMsg ?? "");
  await settings.deleteSetting({ id });

  // createButton, getButton, updateButton, deleteButton
  const buttons = new ButtonsApi(config);
  const button = await buttons.createButton({ buttonCreate: { name: "Green", dataOnline: "{}", dataOffline: "{}" } });
  const buttonId: number = button.data.id;
  const gotButton = await buttons.getButton({ id: buttonId });
  seen.push(gotButton.data.name ?? "");
  const renamed = await buttons.updateButton({ id: buttonId, buttonUpdate: { name: "Call us" } });
  seen.push(renamed.data.name ?? "");
  await buttons.deleteButton({ id: buttonId });

  // listWebsites, listCdrs, listVisitors
  const websites = await new WebsitesApi(config).listWebsites({ limit: 10 });
  for (const website of websites.data) seen.push(website.name ?? String(website.id));
  const cdrs = await new CallDetailRecordsApi(config).listCdrs({
    sort: "calldate",
    dir: "ASC",
    filter: '[{"property":"calldate","operator":"gte","value":"2026-03-01 00:00:00"}]',
  });
  for (const cdr of cdrs.data) seen.push(`${cdr.calldate ?? "?"} ${cdr.disposition ?? "?"} ${cdr.billsec ?? 0}`);
  const visitors = await new VisitorsApi(config).listVisitors();
  for (const visitor of visitors.data) seen.push(String(visitor.id));

  // The client refuses what the spec refuses.
  // @ts-expect-error: the settings id is a number
  await settings.getSetting({ id: "1375" });
  // @ts-expect-error: an update needs its body
  await settings.updateSetting({ id });
  // @ts-expect-error: `dir` is ASC or DESC
  await new CallDetailRecordsApi(config).listCdrs({ dir: "UP" });
  // @ts-expect-error: limit is a number
  await new WebsitesApi(config).listWebsites({ limit: "10" });
  // @ts-expect-error: a list answers a page, not one resource
  const notOne: SettingResponse = await settings.listSettings();
  seen.push(String(notOne));

  return seen;
}
