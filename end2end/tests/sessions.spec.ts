import { expect, test, type Browser, type Page } from "@playwright/test";
import { demoAccount } from "./credentials";

/** A new browser (its own cookies) signed in as the demo marketer. */
async function signedInBrowser(browser: Browser): Promise<Page> {
  const marketer = demoAccount("marketer");
  const page = await (await browser.newContext()).newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(marketer.email);
  await page.getByLabel("Password").fill(marketer.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-role")).toHaveText("marketer");
  return page;
}

test("sign out everywhere ends every session, and another browser's open page follows", async ({ browser }) => {
  const laptop = await signedInBrowser(browser);
  const phone = await signedInBrowser(browser);
  // The phone keeps the Renders page open, with its live job updates.
  await phone.goto("/renders");
  await phone.locator('body[data-hydrated="true"]').waitFor();

  await laptop.goto("/campaigns");
  await laptop.locator('body[data-hydrated="true"]').waitFor();
  await laptop.getByTestId("account-menu").locator("summary").click();
  await laptop.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(laptop).toHaveURL(/\/login/);

  // Nobody touched the phone: its page notices that its session ended.
  await expect(phone).toHaveURL(/\/login/, { timeout: 20_000 });
  await phone.goto("/campaigns");
  await expect(phone).toHaveURL(/\/login\?next=\/campaigns/);
});
