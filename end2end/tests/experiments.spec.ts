import { expect, type Page, test } from "@playwright/test";
import { demoAccount } from "./credentials";

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

function watchForErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" || /Content.Security.Policy/i.test(msg.text())) problems.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(err.message));
  return problems;
}

test("a marketer creates and starts an experiment, reads its intervals and applies the demo experiment's split", async ({ page }) => {
  const problems = watchForErrors(page);
  await signIn(page);
  await page.goto("/experiments");
  await hydrated(page);

  // The demo experiment is listed; a new one is made from a campaign's creatives.
  await expect(page.getByTestId("experiments")).toContainText("which hook wins");
  const form = page.getByTestId("new-experiment");
  await form.getByLabel("Campaign").selectOption({ label: "Summer shred challenge" });
  await form.getByRole("button", { name: "Show its creatives" }).click();
  await hydrated(page);
  await form.getByLabel("Name").fill("Hook test from the browser");
  await form.getByLabel("Metric").selectOption("click");
  const boxes = form.locator('input[type="checkbox"][name^="form[creative_ids]"]');
  for (const i of [0, 1, 2]) await boxes.nth(i).check();
  await form.getByRole("button", { name: "Create experiment" }).click();
  await expect(page).toHaveURL(/\/experiments\/\d+$/);
  await expect(page.getByTestId("experiment-status")).toHaveText("Draft");
  await page.getByTestId("start").click();
  await expect(page.getByTestId("experiment-status")).toHaveText("Running");
  await expect(page.getByTestId("interval-chart").locator("g[data-arm]")).toHaveCount(3);
  await expect(page.getByTestId("p-best")).toHaveCount(3);
  await expect(page.getByTestId("hold")).toContainText("Waiting for evidence");

  // The demo experiment has two weeks of evidence: its split can move.
  await page.goto("/experiments");
  await page.getByRole("link", { name: /which hook wins/ }).click();
  await hydrated(page);
  const chart = page.getByTestId("interval-chart");
  await expect(chart).toBeVisible();
  await expect(chart.locator("g[data-arm] title").first()).toContainText("P(best)");
  const pBest = await page.getByTestId("p-best").allTextContents();
  const total = pBest.map((t) => parseFloat(t)).reduce((a, b) => a + b, 0);
  expect(total).toBeGreaterThan(99.5);
  expect(total).toBeLessThan(100.5);
  const periods = page.getByTestId("periods").locator("tbody tr");
  await expect(periods).toHaveCount(2);
  await page.getByTestId("apply").click();
  await expect(periods).toHaveCount(3);
  await expect(periods.first()).toContainText("recommended split applied");
  await expect(page.getByTestId("apply")).toHaveCount(0);
  expect(problems).toEqual([]);
});

test("an admin creates an API key, a script uses it, and revoking it stops it at once", async ({ page, request }) => {
  const problems = watchForErrors(page);
  await signIn(page);
  await page.goto("/admin");
  await hydrated(page);
  const keys = page.getByTestId("api-keys");
  const name = `landing page ${Date.now()}`;
  await keys.getByLabel("Name").fill(name);
  await keys.locator('input[value="read"]').check();
  await keys.locator('input[value="experiments:write"]').check();
  await keys.getByRole("button", { name: "Create key" }).click();
  const secret = await keys.getByTestId("new-api-key").inputValue();
  expect(secret).toMatch(/^titan_[0-9a-f]{12}_[0-9a-f]{64}$/);
  const row = keys.locator(`tr[data-api-key="${name}"]`);
  await expect(row).toContainText(secret.slice(0, 18));
  await expect(row).not.toContainText(secret.slice(19));

  const auth = { Authorization: `Bearer ${secret}` };
  const listed = await request.get("/api/v1/experiments", { headers: auth });
  expect(listed.status()).toBe(200);
  const experiments = await listed.json();
  const running = experiments.find((e: { status: string }) => e.status === "running");
  expect(running).toBeTruthy();
  const choice = await request.post(`/api/v1/experiments/${running.id}/choose`, { headers: auth });
  expect(choice.status()).toBe(200);
  expect((await choice.json()).arm_id).toBeGreaterThan(0);
  const noWrite = await request.post("/api/v1/results", { headers: auth, data: { rows: [] } });
  expect(noWrite.status()).toBe(403);

  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row.getByTestId("key-state")).toContainText("revoked");
  const after = await request.get("/api/v1/experiments", { headers: auth });
  expect(after.status()).toBe(401);
  expect(problems).toEqual([]);
});
