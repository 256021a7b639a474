// Drive the sandbox's /docs page in headless Chromium (playwright-core, Debian's /usr/bin/chromium):
// every operation of openapi.yaml is listed, "Authorize" with HTTP Basic works, and
// "Try it out" -> "Execute" on one list operation (listSettings) shows its success
// response with a `total`.
// Then save a screenshot of the page.
//
// Environment (set by tests/docs/test_docs_page.py):
//   DOCS_BASE_URL     the sandbox's origin, e.g. http://127.0.0.1:PORT
//   DOCS_OPERATIONS   JSON list of {operationId, method, path} of openapi.yaml
//   DOCS_TRY          JSON {operationId, path, parameters, status} of the list operation to try out:
//                     its path, its number of parameters and its success status, from openapi.yaml
//   DOCS_USER_ID      HTTP Basic user name (the demo account's user id)
//   DOCS_API_KEY      HTTP Basic password (the demo account's API key)
//   DOCS_SCREENSHOT   where to write the PNG
//   CHROMIUM          the browser (default /usr/bin/chromium)
//
// Prints what it checked, one line each, and "docs page OK" last; exits 1 on the first failure.

import { chromium } from "playwright-core";

const STEP_TIMEOUT_MS = 20_000;

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const baseUrl = required("DOCS_BASE_URL").replace(/\/+$/, "");
const origin = new URL(baseUrl).origin;
const expected = JSON.parse(required("DOCS_OPERATIONS"));
const tried = JSON.parse(required("DOCS_TRY"));
const userId = required("DOCS_USER_ID");
const apiKey = required("DOCS_API_KEY");
const screenshot = required("DOCS_SCREENSHOT");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

// launch() starts the browser on a fresh, temporary --user-data-dir of its own.
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

const problems = []; // console errors, failed requests, requests to other hosts
const apiCalls = []; // the requests "Execute" sent

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("request", (request) => {
    const url = request.url();
    if (url.startsWith("data:")) return;
    if (new URL(url).origin !== origin) problems.push(`request to another host: ${url}`);
    if (new URL(url).pathname.includes("/voipstudio/")) {
      apiCalls.push({ method: request.method(), url, authorization: request.headers()["authorization"] ?? null });
    }
  });
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on("response", (response) => {
    const path = new URL(response.url()).pathname;
    if (path.startsWith("/docs") && response.status() !== 200) problems.push(`${path}: HTTP ${response.status()}`);
  });

  const response = await page.goto(`${baseUrl}/docs`, { waitUntil: "load" });
  check(response && response.status() === 200, `/docs answered ${response && response.status()}`);
  await page.locator(".opblock").first().waitFor();
  const title = (await page.locator(".info .title").innerText()).trim();
  console.log(`title: ${title.split("\n")[0]}`);

  // Every operation of openapi.yaml, by method, path and operationId.
  const listed = await page.$$eval(".opblock", (blocks) =>
    blocks.map((block) => ({
      method: block.querySelector(".opblock-summary-method")?.textContent.trim().toLowerCase(),
      path: block.querySelector(".opblock-summary-path")?.getAttribute("data-path"),
      operationId: block.querySelector(".opblock-summary-operation-id")?.textContent.trim(),
    })),
  );
  const key = (op) => `${op.method.toLowerCase()} ${op.path} ${op.operationId}`;
  const shown = new Set(listed.map(key));
  const missing = expected.filter((op) => !shown.has(key(op)));
  check(missing.length === 0, `operations missing from /docs: ${missing.map(key).join(", ")}`);
  const known = new Set(expected.map(key));
  const extra = [...shown].filter((entry) => !known.has(entry));
  check(extra.length === 0, `operations on /docs that openapi.yaml does not declare: ${extra.join(", ")}`);
  console.log(`operations listed: ${expected.length} of ${expected.length}`);

  // The server "Try it out" calls: this sandbox.
  const servers = await page.$$eval(".servers label[for=servers] select option", (options) =>
    options.map((option) => option.value),
  );
  check(
    servers.length === 1 && servers[0] === "/{version}/voipstudio",
    `unexpected servers: ${JSON.stringify(servers)}`,
  );
  const computed = (await page.locator(".servers .computed-url code").innerText()).trim();
  check(computed === "/v1.1/voipstudio", `the server computes to ${computed}, not /v1.1/voipstudio`);
  console.log(`server: ${servers[0]} = ${computed}`);

  // Authorize with HTTP Basic: the demo account's user id and API key.
  await page.locator(".auth-wrapper button.authorize").click();
  const modal = page.locator(".modal-ux");
  await modal.waitFor();
  const basic = modal.locator(".auth-container").filter({ hasText: "basicAuth" });
  await basic.locator("input[type=text]").fill(userId);
  await basic.locator("input[type=password]").fill(apiKey);
  await basic.locator("button.authorize").click();
  await basic.getByText("Authorized").first().waitFor();
  await basic.locator("button.btn-done").click();
  await modal.waitFor({ state: "detached" });
  check(
    (await page.locator(".auth-wrapper button.authorize.locked").count()) === 1,
    "the Authorize button does not show the lock closed",
  );
  console.log("authorized: basicAuth");

  // The list operation: Try it out, Execute.
  const name = tried.operationId;
  const operation = page.locator(".opblock").filter({
    has: page.locator(".opblock-summary-operation-id", { hasText: new RegExp(`^${name}$`) }),
  });
  check((await operation.count()) === 1, `${name} is shown ${await operation.count()} times`);
  await operation.locator(".opblock-summary").first().click();
  await operation.locator("button.try-out__btn").click();
  // "Try it out" fills the parameters with the spec's examples (page 2, a filter, ...);
  // clear them, so that the first page of all the account's settings comes back.
  const parameters = operation.locator("table.parameters tr[data-param-name]");
  for (const input of await parameters.locator("input, textarea").all()) await input.fill("");
  for (const select of await parameters.locator("select").all()) await select.selectOption("");
  const shownParameters = await parameters.count();
  check(
    shownParameters === tried.parameters,
    `${name} shows ${shownParameters} parameters, not the ${tried.parameters} of openapi.yaml`,
  );
  await operation.locator("button.execute").click();
  const live = operation.locator(".responses-wrapper .live-responses-table");
  const status = live.locator("tbody .response .response-col_status").first();
  await status.waitFor();
  const statusText = (await status.innerText()).trim();
  const bodyText = (await live.locator(".response-col_description pre").first().innerText()).trim();
  const requestUrl = (await operation.locator(".request-url pre").first().innerText()).trim();
  console.log(`request url: ${requestUrl}`);
  const listUrl = `${origin}/v1.1/voipstudio${tried.path}`;
  check(requestUrl === listUrl, `"Execute" called ${requestUrl}, not the sandbox's ${listUrl}`);
  check(
    statusText.startsWith(String(tried.status)),
    `${name} answered ${statusText}, not ${tried.status}: ${bodyText.slice(0, 300)}`,
  );
  const body = JSON.parse(bodyText);
  check(Number.isInteger(body.total), `${name} body has no integer total: ${bodyText.slice(0, 300)}`);
  check(Array.isArray(body.data), `${name} body has no data list: ${bodyText.slice(0, 300)}`);
  check(body.total > 0 && body.data.length > 0, `the demo account shows no items: ${bodyText.slice(0, 300)}`);
  const sent = apiCalls.filter((call) => call.url.startsWith(listUrl));
  check(sent.length === 1, `expected one request to ${tried.path}, saw ${JSON.stringify(apiCalls)}`);
  const expectedAuthorization = `Basic ${Buffer.from(`${userId}:${apiKey}`).toString("base64")}`;
  check(sent[0].authorization === expectedAuthorization, "the request did not carry the demo account's HTTP Basic credentials");
  console.log(`${name}: ${statusText.split(/\s/)[0]} total=${body.total} items=${body.data.length}`);

  // The page is some 7000 pixels long; show the operation, from its summary to the answer.
  await page.setViewportSize({ width: 1280, height: 1800 });
  await operation.evaluate((element) => element.scrollIntoView({ block: "start" }));
  await page.screenshot({ path: screenshot });
  console.log(`screenshot: ${screenshot}`);

  check(problems.length === 0, `the page had problems:\n  ${problems.join("\n  ")}`);
  console.log("docs page OK");
} catch (error) {
  console.error(`check_docs: ${error.message}`);
  if (problems.length) console.error(`also seen:\n  ${problems.join("\n  ")}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
