import { expect, test, type Page } from "@playwright/test";
import { demoAccount } from "./credentials";

async function waitForHydration(page: Page) {
  // The app marks <body> once the wasm has taken over the server-rendered page;
  // until then forms still work as plain posts, but the test should exercise both.
  await page.locator('body[data-hydrated="true"]').waitFor();
}

test("sign in, create a campaign, pause it, sign out", async ({ page }) => {
  const marketer = demoAccount("marketer");
  const name = `E2E campaign ${Date.now()}`;

  // Signed out: the campaigns page sends us to login.
  await page.goto("/campaigns");
  await expect(page).toHaveURL(/\/login\?next=\/campaigns/);

  await page.getByLabel("Email").fill(marketer.email);
  await page.getByLabel("Password").fill(marketer.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/campaigns$/);
  await expect(page.getByTestId("current-user")).toContainText(marketer.email);
  await expect(page.getByTestId("current-role")).toHaveText("marketer");
  await waitForHydration(page);

  // Invalid input: the field's error is shown and nothing is created.
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Daily budget").fill("0");
  await page.getByLabel("Meta").check();
  await page.getByRole("button", { name: "Create campaign" }).click();
  await expect(page.locator('[data-field-error="daily_budget"]')).toHaveText("must be greater than 0");
  await expect(page.locator(`tr[data-campaign="${name}"]`)).toHaveCount(0);

  // Valid input: the campaign appears in the list as a draft.
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Daily budget").fill("75");
  await page.getByLabel("Objective").selectOption("sales");
  await page.getByLabel("Niche").selectOption("ecommerce");
  await page.getByLabel("Meta").check();
  await page.getByLabel("YouTube").check();
  await page.getByRole("button", { name: "Create campaign" }).click();
  const row = page.locator(`tr[data-campaign="${name}"]`);
  await expect(row).toBeVisible();
  await expect(row.locator("[data-status]")).toHaveText("Draft");
  await expect(row).toContainText("$75.00 USD");
  await expect(row).toContainText("Meta, YouTube");

  // Launch, then pause.
  await row.getByRole("button", { name: "Launch" }).click();
  await expect(row.locator("[data-status]")).toHaveText("Active");
  await row.getByRole("button", { name: "Pause" }).click();
  await expect(row.locator("[data-status]")).toHaveText("Paused");

  // The change is stored: a reload shows it.
  await page.reload();
  await expect(page.locator(`tr[data-campaign="${name}"] [data-status]`)).toHaveText("Paused");

  // Sign out, then the campaigns page is closed again.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/campaigns");
  await expect(page).toHaveURL(/\/login\?next=\/campaigns/);
});

test("a marketer does not see the admin area; an admin does", async ({ page }) => {
  const marketer = demoAccount("marketer");
  await page.goto("/login");
  await page.getByLabel("Email").fill(marketer.email);
  await page.getByLabel("Password").fill(marketer.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-role")).toHaveText("marketer");
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
  await page.goto("/admin");
  await expect(page.getByRole("alert")).toContainText("needs the admin role");
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/login/);

  const admin = demoAccount("admin");
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-role")).toHaveText("admin");
  await page.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("cell", { name: /marketer@demo\.titan\.local/ })).toBeVisible();
  // The jobs console filters by query parameters and lists every user's jobs.
  await expect(page.getByRole("heading", { name: "Jobs" })).toBeVisible();
  await page.getByLabel("Status").selectOption("dead");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/status=dead/);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("forms work before hydration: sign in, refuse bad input, create", async ({ page }) => {
    const marketer = demoAccount("marketer");
    const name = `No-JS campaign ${Date.now()}`;
    await page.goto("/login");
    await page.getByLabel("Email").fill(marketer.email);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toHaveText("Invalid email or password.");

    await page.getByLabel("Email").fill(marketer.email);
    await page.getByLabel("Password").fill(marketer.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("current-role")).toHaveText("marketer");

    await page.goto("/campaigns");
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Daily budget").fill("25");
    await page.getByRole("button", { name: "Create campaign" }).click();
    await expect(page.locator('[data-field-error="platforms"]')).toHaveText("choose at least one platform");
    await expect(page.locator(`tr[data-campaign="${name}"]`)).toHaveCount(0);

    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Daily budget").fill("25");
    await page.getByLabel("TikTok").check();
    await page.getByRole("button", { name: "Create campaign" }).click();
    await expect(page.locator(`tr[data-campaign="${name}"] [data-status]`)).toHaveText("Draft");

    // Editing comes back to the campaign's page and says it saved; a refusal
    // names the field and saves nothing.
    await page.locator(`tr[data-campaign="${name}"] a[href^="/campaigns/"]`).first().click();
    await page.getByLabel("Daily budget").fill("0");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.locator('[data-field-error="daily_budget"]')).toHaveText("must be greater than 0");
    await expect(page.getByText("Saved.")).toHaveCount(0);
    await page.getByLabel("Daily budget").fill("40");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page).toHaveURL(/\/campaigns\/\d+\?saved=1$/);
    await expect(page.getByText("Saved.")).toBeVisible();
    await expect(page.getByLabel("Daily budget")).toHaveValue("40.00");
  });
});
