// The learning loop as an admin and a visitor live it: HubSpot connected in
// Integrations, a stage value edited, a creative's tracking link followed by a
// "visitor" to a landing page that loads Titan's snippet, the visitor's form
// reaching the (fake) CRM with Titan's click id, a signed deal-stage webhook
// delivered, and the creative showing the credited pipeline value with its
// confidence. Then a fatigue alert on a demo creative is acknowledged.
import { expect, type Page, test } from "@playwright/test";
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { demoAccount } from "./credentials";

const HUBSPOT_PORT = Number(process.env.TITAN_E2E_HUBSPOT_PORT ?? "3101");
const FAKE = `http://127.0.0.1:${HUBSPOT_PORT}`;
const TOKEN = "pat-e2e-0123456789";
const APP_SECRET = "e2e-hubspot-app-secret";
const PORTAL = 777001;
const base = process.env.TITAN_E2E_BASE_URL ?? "http://127.0.0.1:3100";

// What the fake CRM learned from the landing page's form.
const contact: Record<string, string> = {};
let server: Server;

test.beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", FAKE);
    const json = (body: unknown, status = 200) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/landing") {
      // The advertiser's landing page: Titan's snippet and a form to the CRM.
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><html><body><h1>Free trial week</h1>
        <form method="post" action="/submit"><input type="email" name="email" value="iris@example.com">
        <button type="submit">Book my trial</button></form>
        <script src="${base}/t/snippet.js" data-workspace="${url.searchParams.get("w")}" defer></script>
        </body></html>`);
      return;
    }
    if (url.pathname === "/submit") {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const form = new URLSearchParams(body);
        contact.email = form.get("email") ?? "";
        contact.titan_click_id = form.get("titan_click_id") ?? "";
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<p>Thanks, see you at the gym.</p>");
      });
      return;
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json({ message: "bad token" }, 401);
    if (url.pathname === "/account-info/v3/details") return json({ portalId: PORTAL });
    if (url.pathname === "/crm/v3/objects/deals/9001")
      return json({ id: "9001", properties: { pipeline: "default", dealstage: "appointmentscheduled" },
        associations: { contacts: { results: [{ id: "9101", type: "deal_to_contact" }] } } });
    if (url.pathname === "/crm/v3/objects/contacts/9101") return json({ id: "9101", properties: contact });
    json({ message: "not found" }, 404);
  });
  await new Promise<void>((resolve) => server.listen(HUBSPOT_PORT, "127.0.0.1", resolve));
});

test.afterAll(async () => {
  // Titan's pooled client keeps its connections to the fake open; close()
  // alone would wait for them until the hook times out.
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function signIn(page: Page) {
  const admin = demoAccount("admin");
  await page.goto("/login");
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-role")).toHaveText("admin");
}

async function hydrated(page: Page) {
  await page.locator('body[data-hydrated="true"]').waitFor();
}

test("HubSpot connected, a tracked visitor books, a signed deal webhook credits the creative; a fatigue alert is acknowledged", async ({ page, request }) => {
  await signIn(page);

  // Integrations: secrets saved (never shown again), the account bound by the token.
  await page.goto("/integrations");
  await hydrated(page);
  const hubspot = page.getByTestId("hubspot");
  await hubspot.getByLabel("App secret (checks webhook signatures)").fill(APP_SECRET);
  await hubspot.getByLabel("Private-app token (reads deals)").fill(TOKEN);
  await hubspot.getByRole("button", { name: "Save" }).click();
  await expect(hubspot.locator("[data-secret-status]").first()).toContainText("saved");
  await expect(page.locator('input[name="hubspot_app_secret"]')).toHaveValue("");
  await hubspot.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByTestId("hubspot-check")).toContainText(`Connected to HubSpot account ${PORTAL}`);
  const workspace = (await page.getByTestId("conversions-webhook").textContent())?.match(/X-Titan-Workspace: (\d+)/)?.[1];
  expect(workspace).toBeTruthy();

  // A booked appointment is worth $2,500 in this studio.
  const stages = page.getByTestId("stage-values");
  await stages.getByLabel("Value in dollars of row 1").fill("2,500");
  await stages.getByRole("button", { name: "Save stages" }).click();
  // A reload before the answer would cancel the save.
  await expect(stages.getByRole("status")).toContainText("Stages saved.");
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("stage-values").getByLabel("Value in dollars of row 1")).toHaveValue("2500.00");

  // A demo creative gets a landing page and its tracking link.
  await page.goto("/studio");
  await hydrated(page);
  const picker = page.getByTestId("creative-picker");
  const value = await picker.locator("option", { hasText: "Demo video" }).first().getAttribute("value");
  await picker.selectOption(value!);
  await page.getByRole("button", { name: "Open" }).click();
  await expect(page).toHaveURL(new RegExp(`creative=${value}`));
  await hydrated(page);
  const tracking = page.getByTestId("tracking");
  await tracking.getByLabel("Landing URL").fill(`${FAKE}/landing?w=${workspace}`);
  await tracking.getByRole("button", { name: "Save" }).click();
  const link = (await page.getByTestId("tracking-link").textContent())!.trim();
  expect(link).toMatch(/^\/t\/[0-9a-f]+$/);
  const studio = page.url();

  // A visitor clicks the ad: Titan records it and forwards to the landing page,
  // whose snippet puts the click id into the form that reaches the CRM.
  const visitor = await page.context().browser()!.newPage();
  await visitor.goto(`${base}${link}?fbclid=FB-E2E-1&utm_source=meta`);
  await expect(visitor).toHaveURL(/\/landing\?w=\d+&tclid=[0-9a-f]{32}$/);
  const tclid = new URL(visitor.url()).searchParams.get("tclid")!;
  await expect(visitor.locator('input[name="titan_click_id"]')).toHaveValue(tclid);
  await visitor.getByRole("button", { name: "Book my trial" }).click();
  await expect(visitor.getByText("see you at the gym")).toBeVisible();
  expect(contact.titan_click_id).toBe(tclid);
  await visitor.close();

  // HubSpot reports the deal reaching "appointment booked", signed v3.
  const body = JSON.stringify([{ eventId: Date.now(), subscriptionId: 1, portalId: PORTAL, appId: 1,
    occurredAt: Date.now(), subscriptionType: "deal.propertyChange", attemptNumber: 0, objectId: 9001,
    propertyName: "dealstage", propertyValue: "appointmentscheduled", changeSource: "CRM" }]);
  const uri = `${base}/webhooks/hubspot`;
  const timestamp = String(Date.now());
  const signature = createHmac("sha256", APP_SECRET).update(`POST${uri}${body}${timestamp}`).digest("base64");
  const forged = await request.post(uri, { data: body, headers: { "content-type": "application/json",
    "X-HubSpot-Signature-v3": createHmac("sha256", "wrong").update("x").digest("base64"), "X-HubSpot-Request-Timestamp": timestamp } });
  expect(forged.status()).toBe(401);
  const delivered = await request.post(uri, { data: body, headers: { "content-type": "application/json",
    "X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": timestamp } });
  expect(delivered.status()).toBe(200);

  // The creative shows the credited value and how sure the attribution is.
  await expect(async () => {
    await page.goto(studio);
    await expect(page.getByTestId("crm-pipeline")).toHaveText("$2,500.00", { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  const row = page.getByTestId("attributions").locator("tr[data-attribution]").first();
  await expect(row).toContainText("9001");
  await expect(row).toContainText("Click id");
  await expect(row).toContainText("100 %");

  // The daily scan found the demo's worn-out creative; acknowledging it clears the badge count.
  await page.goto("/alerts");
  await hydrated(page);
  const alert = page.locator("[data-alert]", { hasText: "fatigue_high_frequency" }).filter({ hasText: "Past creative 001" });
  await expect(alert).toBeVisible({ timeout: 30_000 });
  await expect(alert.getByTestId("alert-evidence")).toContainText(/frequency/i);
  const badge = page.getByTestId("alerts-badge");
  const before = Number(await badge.textContent());
  await alert.getByRole("button", { name: "Acknowledge" }).click();
  await expect(alert).toHaveAttribute("data-alert-status", "acknowledged");
  if (before > 1) await expect(badge).toHaveText(String(before - 1));
  else await expect(badge).toBeHidden();
});
