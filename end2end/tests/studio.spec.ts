import { expect, type Page, test } from "@playwright/test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { demoAccount } from "./credentials";

/** An ad-platform style export whose clicks follow cpm and placement. */
function exportCsv(): string {
  const rows = ["click,cpm,placement"];
  for (let i = 0; i < 1500; i++) {
    const cpm = (i % 17) + 1;
    const placement = ["feed", "stories", "reels"][i % 3];
    const click = cpm > 9 && (placement === "reels" || i % 4 === 0) ? 1 : 0;
    rows.push(`${click},${cpm},${placement}`);
  }
  const path = join(process.env.TITAN_E2E_WORK ?? "/tmp", "export.csv");
  writeFileSync(path, rows.join("\n") + "\n");
  return path;
}

async function signIn(page: Page, role: "admin" | "marketer") {
  const account = demoAccount(role);
  await page.goto("/login");
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-role")).toHaveText(role);
}

/** Opens the creative whose picker label contains `name`. */
async function openCreative(page: Page, name: string) {
  const picker = page.getByTestId("creative-picker");
  const value = await picker.locator("option", { hasText: name }).first().getAttribute("value");
  await picker.selectOption(value!);
  await page.getByRole("button", { name: "Open" }).click();
  await expect(page).toHaveURL(new RegExp(`creative=${value}`));
}

test("open Studio, analyse a demo creative, see the three predictions with model versions", async ({ page }) => {
  await signIn(page, "marketer");
  await page.goto("/studio");
  await page.locator('body[data-hydrated="true"]').waitFor();
  await openCreative(page, "Demo video: 3 moves");
  await expect(page.getByTestId("not-analysed")).toBeVisible();

  // The analyze job runs ffmpeg on the video, then asks each champion.
  await page.getByRole("button", { name: "Analyse" }).click();
  await expect(page).toHaveURL(/job=\d+/);
  const hook = page.getByTestId("hook-prediction");
  await expect(hook).toContainText(/(VIRAL|STRONG|WEAK) · P\(strong\) \d+ %/, { timeout: 30_000 });
  await expect(hook).toContainText("model hook-v1");
  const ctr = page.getByTestId("ctr-prediction");
  await expect(ctr).toContainText(/\d+\.\d\d % · (low|medium|high|excellent)/);
  await expect(ctr).toContainText(/80 % interval \d+\.\d\d–\d+\.\d\d %/);
  await expect(ctr).toContainText("model ctr-v1");
  const roas = page.getByTestId("roas-prediction");
  await expect(roas).toContainText(/80 % interval \d+\.\d\d–\d+\.\d\d/);
  await expect(roas).toContainText("model roas-v1");
  for (const card of [hook, ctr, roas]) {
    await expect(card.locator("li").first()).toHaveText(/^.+: [+−]$/);
  }

  // The analysis is kept: it is there after a reload.
  await page.reload();
  await expect(page.getByTestId("hook-prediction")).toContainText("model hook-v1");

  // A past creative has actual results, so its predictions reach the Accuracy view.
  await expect(page.getByTestId("no-accuracy")).toBeVisible();
  await openCreative(page, "Past creative 001");
  await expect(page.getByTestId("actuals")).toContainText("Actual over 14 days");
  await page.getByRole("button", { name: "Analyse" }).click();
  await expect(page.getByTestId("roas-prediction")).toContainText("model roas-v1", { timeout: 30_000 });
  await page.reload();
  await expect(page.locator('[data-accuracy="ctr-v1"]')).toContainText("1");
});

test("a CSV export trains a CTR challenger; an admin promotes it, scores a row, and rolls back", async ({ page }) => {
  await signIn(page, "marketer");
  await page.goto("/studio");
  await page.locator('input[name="file"]').setInputFiles({
    name: "broken.csv",
    mimeType: "text/csv",
    buffer: Buffer.from("click,cpm\n1,2.5\n0,abc\n"),
  });
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await expect(page.getByTestId("training-error")).toContainText("line 3, column cpm");

  await page.locator('input[name="file"]').setInputFiles(exportCsv());
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await expect(page).toHaveURL(/training_job=\d+/);
  // It reads export columns, not creative features: not comparable with the
  // champion, so it waits as a challenger.
  await expect(async () => {
    await page.reload();
    await expect(page.locator('[data-model="ctr-v2"]')).toHaveAttribute("data-model-status", "challenger", { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId("no-csv-model")).toContainText("No CSV-trained CTR champion");

  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, "admin");
  await page.goto("/studio");
  await page.locator('body[data-hydrated="true"]').waitFor();
  await page.locator('[data-model="ctr-v2"]').getByRole("button", { name: "Promote" }).click();
  await expect(page.locator('[data-model="ctr-v2"]')).toHaveAttribute("data-model-status", "champion");
  await expect(page.locator('[data-model="ctr-v1"]')).toHaveAttribute("data-model-status", "retired");

  // Score a row with the CSV champion: the prediction names its model version.
  await page.getByLabel("cpm", { exact: true }).fill("15");
  await page.getByLabel("placement", { exact: true }).fill("reels");
  await page.getByRole("button", { name: "Predict with ctr-v2" }).click();
  const prediction = page.getByTestId("csv-ctr-prediction");
  await expect(prediction).toContainText("model ctr-v2");
  await expect(prediction).toContainText(/CTR \d+\.\d\d % · (low|medium|high|excellent)/);

  // One click brings the creative model back.
  await page.getByRole("button", { name: "Roll back ctr champion" }).click();
  await expect(page.locator('[data-model="ctr-v1"]')).toHaveAttribute("data-model-status", "champion");
  await expect(page.locator('[data-model="ctr-v2"]')).toHaveAttribute("data-model-status", "retired");
});
