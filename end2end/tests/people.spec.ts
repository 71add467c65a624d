import { type BrowserContext, expect, type Page, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { demoAccount } from "./credentials";

/**
 * Fails the test on any console error, uncaught page error or CSP violation
 * (reported by the browser as a `securitypolicyviolation` event, which is logged
 * as an error too). Call before the first navigation of the context.
 */
async function watchForErrors(context: BrowserContext): Promise<string[]> {
  const problems: string[] = [];
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  context.on("page", (page) => listen(page, problems));
  for (const page of context.pages()) listen(page, problems);
  return problems;
}

function listen(page: Page, problems: string[]) {
  page.on("console", (msg) => {
    const text = msg.text();
    // A signed-out page is expected to be refused by the server once (401/303).
    const expectedRefusal = /status of 401/.test(text);
    if ((msg.type() === "error" && !expectedRefusal) || /Content.Security.Policy|CSP violation/i.test(text)) {
      problems.push(`${page.url()}: ${text}`);
    }
  });
  page.on("pageerror", (err) => problems.push(`${page.url()}: ${err.message}`));
}

async function signIn(page: Page, email: string, password: string, role: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-role")).toHaveText(role);
}

async function hydrated(page: Page) {
  await page.locator('body[data-hydrated="true"]').waitFor();
}

test("an admin adds a marketer, who sets a password through the link and signs in; deactivation signs them out", async ({ browser }) => {
  const adminContext = await browser.newContext();
  const adminProblems = await watchForErrors(adminContext);
  const admin = await adminContext.newPage();
  const demoAdmin = demoAccount("admin");
  await signIn(admin, demoAdmin.email, demoAdmin.password, "admin");
  await admin.goto("/admin");
  await hydrated(admin);

  const email = `new.marketer.${Date.now()}@example.com`;
  const people = admin.getByTestId("people");
  await people.getByLabel("Email").fill(email);
  await people.getByLabel("Role").selectOption("marketer");
  await people.getByRole("button", { name: "Add person" }).click();
  const linkBox = admin.getByTestId("set-password-link");
  await expect(linkBox).toBeVisible();
  const link = await linkBox.inputValue();
  expect(link).toMatch(/\/set-password\?token=[0-9a-f]{64}$/);
  const row = admin.locator(`tr[data-person="${email}"]`);
  await expect(row.getByTestId("person-role")).toHaveText("marketer");
  await expect(row.getByTestId("person-status")).toHaveText("active");

  // The marketer, in a browser of their own, chooses a password and signs in.
  const marketerContext = await browser.newContext();
  const marketerProblems = await watchForErrors(marketerContext);
  const marketer = await marketerContext.newPage();
  await marketer.goto(link);
  await hydrated(marketer);
  await marketer.getByLabel("New password").fill("a long new password");
  await marketer.getByLabel("Repeat it").fill("a long new password");
  await marketer.getByRole("button", { name: "Set password" }).click();
  await expect(marketer).toHaveURL(/\/login\?password=set/);
  await expect(marketer.getByTestId("password-set")).toBeVisible();
  await signIn(marketer, email, "a long new password", "marketer");
  await marketer.goto("/campaigns");
  await hydrated(marketer);

  // They change it on their account page: a wrong current password is named,
  // the right one says it is done.
  await marketer.goto("/account");
  await marketer.getByLabel("Current password").fill("not my password at all");
  await marketer.getByLabel("New password").fill("a second long password");
  await marketer.getByRole("button", { name: "Change password" }).click();
  await expect(marketer.locator('[data-field-error="current_password"]')).toHaveText("is not your current password");
  await expect(marketer.getByRole("status")).toHaveCount(0);
  await marketer.getByLabel("Current password").fill("a long new password");
  await marketer.getByLabel("New password").fill("a second long password");
  await marketer.getByRole("button", { name: "Change password" }).click();
  await expect(marketer.getByRole("status")).toHaveText("Password changed. Your other sessions have ended.");
  await marketer.goto("/campaigns");
  await hydrated(marketer);

  // The link worked once.
  const again = await marketerContext.newPage();
  await again.goto(link);
  await hydrated(again);
  await again.getByLabel("New password").fill("another long password");
  await again.getByLabel("Repeat it").fill("another long password");
  await again.getByRole("button", { name: "Set password" }).click();
  await expect(again.locator('[data-field-error="token"]')).toContainText("invalid, expired or already used");
  await again.close();

  // The admin deactivates them; the marketer's open page is signed out on its next move.
  await row.getByRole("button", { name: "Deactivate" }).click();
  await expect(row.getByTestId("person-status")).toHaveText("deactivated");
  await marketer.getByRole("link", { name: "Renders" }).click();
  await expect(marketer).toHaveURL(/\/login/);
  await expect(marketer.getByLabel("Password")).toBeVisible();
  await marketer.goto("/campaigns");
  await expect(marketer).toHaveURL(/\/login\?next=/);
  // Their password no longer signs in.
  await marketer.getByLabel("Email").fill(email);
  await marketer.getByLabel("Password").fill("a second long password");
  await marketer.getByRole("button", { name: "Sign in" }).click();
  await expect(marketer.getByRole("alert")).toContainText("Invalid email or password");

  // Reactivated, they can sign in again.
  await row.getByRole("button", { name: "Reactivate" }).click();
  await expect(row.getByTestId("person-status")).toHaveText("active");
  await signIn(marketer, email, "a second long password", "marketer");

  expect(adminProblems).toEqual([]);
  // The marketer's browser saw only the refusals the test asked for: requests once
  // signed out (401) and the used link (422); nothing else.
  expect(marketerProblems.filter((p) => !/status of (401|422)\b/.test(p))).toEqual([]);
  await adminContext.close();
  await marketerContext.close();
});

/** A 3-second test pattern with a tone, generated by ffmpeg (nothing downloaded). */
function generateClip(): string {
  const path = join(process.env.TITAN_E2E_WORK ?? "/tmp", "e2e-progress.mp4");
  execFileSync("ffmpeg", [
    "-hide_banner", "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", "testsrc=size=640x360:rate=30:duration=3",
    "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path,
  ]);
  return path;
}

/** Records, per job, every value its progress bar shows, sampled every 25 ms. */
async function recordProgress(page: Page) {
  await page.evaluate(() => {
    const seen: Record<string, number[]> = {};
    (window as unknown as { progressSeen: Record<string, number[]> }).progressSeen = seen;
    setInterval(() => {
      for (const card of document.querySelectorAll<HTMLElement>("[data-job]")) {
        const bar = card.querySelector<HTMLProgressElement>('progress[data-testid="progress-bar"]');
        if (!bar) continue;
        const values = (seen[card.dataset.job!] ??= []);
        if (values[values.length - 1] !== bar.value) values.push(bar.value);
      }
    }, 25);
  });
}

test("progress bars move from 0 to 100 under the CSP, with no console error on any page", async ({ browser }) => {
  const context = await browser.newContext();
  const problems = await watchForErrors(context);
  const page = await context.newPage();
  const marketer = demoAccount("marketer");
  await signIn(page, marketer.email, marketer.password, "marketer");

  await page.goto("/renders");
  await page.locator('input[name="file"]').setInputFiles(generateClip());
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  await expect(page).toHaveURL(/uploaded=\d+/);
  await hydrated(page);
  await recordProgress(page);
  const form = page.locator("form", { has: page.getByRole("button", { name: "Queue render" }) });
  await form.locator('textarea[name="scenes"]').fill("0-3");
  await form.getByLabel(/^9:16/).check();
  await form.getByLabel(/^16:9/).check();
  await form.getByRole("button", { name: "Queue render" }).click();

  const job = page.locator("[data-job]").first();
  const bar = job.getByTestId("progress-bar");
  await expect(job.getByTestId("progress")).toHaveText("100%", { timeout: 90_000 });
  await expect(bar).toHaveJSProperty("value", 100);
  await expect(bar).toHaveAttribute("max", "100");
  const id = (await job.getAttribute("data-job"))!;
  const seen = await page.evaluate(
    (id) => (window as unknown as { progressSeen: Record<string, number[]> }).progressSeen[id] ?? [],
    id,
  );
  expect(seen[0], `values seen: ${seen}`).toBeLessThan(100);
  expect(seen[seen.length - 1]).toBe(100);
  expect(seen.every((v, i) => i === 0 || v >= seen[i - 1]), `values seen: ${seen}`).toBe(true);
  // The bar is drawn by the browser from its value: the fill really is full now.
  expect(await bar.evaluate((el: HTMLProgressElement) => el.position)).toBe(1);
  // No inline style anywhere on the page.
  expect(await page.locator("[style]").count()).toBe(0);

  // The admin's jobs console shows the same bar, full.
  const admin = demoAccount("admin");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await signIn(page, admin.email, admin.password, "admin");
  await page.goto("/admin");
  await hydrated(page);
  const bars = page.getByTestId("progress-bar");
  await expect(bars.first()).toBeVisible();
  expect(await bars.evaluateAll((els) => els.every((el) => (el as HTMLProgressElement).value >= 0))).toBe(true);
  expect(await page.locator("[style]").count()).toBe(0);

  // Every page, signed in and out, renders without an error or a CSP violation.
  for (const path of ["/", "/campaigns", "/studio", "/experiments", "/renders", "/analytics", "/admin"]) {
    await page.goto(path);
    await hydrated(page);
    expect(await page.locator("[style]").count(), `inline style on ${path}`).toBe(0);
  }
  const signedOut = await context.browser()!.newContext();
  const signedOutProblems = await watchForErrors(signedOut);
  const visitor = await signedOut.newPage();
  for (const path of ["/login", "/set-password?token=0"]) {
    await visitor.goto(path);
    await hydrated(visitor);
  }
  expect(problems).toEqual([]);
  expect(signedOutProblems).toEqual([]);
  await signedOut.close();
  await context.close();
});
