// What every browser spec does: sign in with the demo credentials, wait for the
// wasm to take over, and collect console errors and CSP refusals.
import { expect, Page } from "@playwright/test";
import { demoAccount } from "./credentials";

export async function signIn(page: Page, role: "admin" | "marketer" = "admin") {
  const account = demoAccount(role);
  await page.goto("/login");
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-role")).toHaveText(role);
}

export async function hydrated(page: Page) {
  await page.locator('body[data-hydrated="true"]').waitFor();
}

export function watchForErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" || /Content.Security.Policy/i.test(msg.text())) problems.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(err.message));
  return problems;
}
