import { expect, test } from "@playwright/test";
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

test("train a CTR model from a CSV export and see it as champion; a malformed file names line and column", async ({ page }) => {
  const marketer = demoAccount("marketer");
  await page.goto("/login");
  await page.getByLabel("Email").fill(marketer.email);
  await page.getByLabel("Password").fill(marketer.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-role")).toHaveText("marketer");

  await page.goto("/studio");
  await page.locator('input[name="file"]').setInputFiles({
    name: "broken.csv",
    mimeType: "text/csv",
    buffer: Buffer.from("click,cpm\n1,2.5\n0,abc\n"),
  });
  await page.getByRole("button", { name: "Train" }).click();
  await expect(page.getByTestId("training-error")).toContainText("line 3, column cpm");

  await page.locator('input[name="file"]').setInputFiles(exportCsv());
  await page.getByRole("button", { name: "Train" }).click();
  await expect(page).toHaveURL(/training_job=\d+/);
  // The job runs in the background; the registry shows the model once trained.
  await expect(async () => {
    await page.reload();
    await expect(page.locator('[data-model="ctr-v1"]')).toHaveAttribute("data-model-status", "champion", { timeout: 1000 });
  }).toPass({ timeout: 30_000 });

  // Score a row with the champion: the prediction names its model version.
  await page.locator('body[data-hydrated="true"]').waitFor();
  await page.getByLabel("cpm").fill("15");
  await page.getByLabel("placement").fill("reels");
  await page.getByRole("button", { name: "Predict with ctr-v1" }).click();
  const prediction = page.getByTestId("ctr-prediction");
  await expect(prediction).toContainText("model ctr-v1");
  await expect(prediction).toContainText(/CTR \d+\.\d\d % · (low|medium|high|excellent)/);
});
