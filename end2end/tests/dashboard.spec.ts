// The dashboard as a marketer uses it on the demo workspace: Overview, a new
// range, Analytics filtered by platform, sorted, paged through and exported; the
// export must equal the table, every page of it. Screenshots of Overview,
// Analytics and a campaign page are written to end2end/screenshots/.
import { test, expect, Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { hydrated, signIn, watchForErrors } from "./session";

const SHOTS = "screenshots";
const COLUMNS = [
  "name", "campaign", "platform", "placement", "hook", "spend", "impressions",
  "hook_rate", "ctr", "predicted_ctr", "cpa", "roas",
];

/** The table's lines on this page, cells in the export's column order. */
async function tableLines(page: Page): Promise<string[][]> {
  return page.locator('[data-testid="creative-table"] tbody tr').evaluateAll(
    (rows, columns) =>
      rows.map((row) =>
        columns.map((col) => (row.querySelector(`[data-col="${col}"]`) as HTMLElement).innerText.trim()),
      ),
    COLUMNS,
  );
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n") { row.push(field); rows.push(row); row = []; field = ""; }
    else if (c !== "\r") field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
}

function percent(text: string): number {
  return text === "—" ? -Infinity : parseFloat(text.replace("%", ""));
}

test("a marketer reads the overview, filters, sorts, pages and exports the analytics table", async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  const problems = watchForErrors(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page, "marketer");

  // Overview: real KPIs of the demo's results and a drawn chart.
  await page.goto("/");
  await hydrated(page);
  await expect(page.getByTestId("kpi-impressions").getByTestId("kpi-value")).not.toHaveText("0");
  await expect(page.getByTestId("kpi-spend").first().getByTestId("kpi-value")).toContainText(/[$€£]/);
  expect(await page.getByTestId("chart-spend-revenue").first().locator("path").count()).toBeGreaterThan(0);
  await expect(page.getByTestId("top-creatives").locator("li").first()).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/overview.png`, fullPage: true });

  // A shorter range: the address carries it and the period says so.
  await page.getByTestId("filter-range").selectOption("7d");
  await page.getByTestId("apply-filters").click();
  await expect(page).toHaveURL(/range=7d/);
  await expect(page.getByTestId("period")).toContainText("(7 days)");

  // Analytics, filtered by platform: every line is on it.
  await page.goto("/analytics?range=30d");
  await hydrated(page);
  await page.getByTestId("filter-platform").selectOption("google");
  await page.getByTestId("apply-filters").click();
  await expect(page).toHaveURL(/platform=google/);
  const filtered = await tableLines(page);
  expect(filtered.length).toBeGreaterThan(0);
  for (const line of filtered) expect(line[2]).toBe("Google");

  // Sorted by CTR, highest first.
  await page.locator('[data-sort="ctr"]').click();
  await expect(page).toHaveURL(/sort=ctr/);
  await expect(page.locator('[data-sort="ctr"]')).toHaveAttribute("aria-sort", "descending");
  const byCtr = (await tableLines(page)).map((l) => percent(l[8]));
  for (let i = 1; i < byCtr.length; i++) expect(byCtr[i]).toBeLessThanOrEqual(byCtr[i - 1]);

  // Paged through: every page of the table, collected.
  const range = page.getByTestId("table-range");
  const total = parseInt((await range.innerText()).split(" of ")[1].replace(/,/g, ""), 10);
  expect(total).toBeGreaterThan(50);
  const shown: string[][] = [...(await tableLines(page))];
  while ((await page.locator('[data-testid="table-pager"] a[rel="next"]').count()) > 0) {
    const before = await range.innerText();
    await page.locator('[data-testid="table-pager"] a[rel="next"]').click();
    await expect(range).not.toHaveText(before);
    shown.push(...(await tableLines(page)));
  }
  expect(shown.length).toBe(total);
  await expect(page).toHaveURL(/page=\d+/);
  await page.screenshot({ path: `${SHOTS}/analytics.png`, fullPage: true });

  // The export: exactly the table, all its pages, in its order.
  const href = await page.getByTestId("export-csv").getAttribute("href");
  expect(href).toContain("platform=google");
  expect(href).toContain("sort=ctr");
  const response = await page.request.get(href!);
  expect(response.status()).toBe(200);
  const rows = parseCsv(await response.text());
  expect(rows[0]).toEqual([
    "Creative", "Campaign", "Platform", "Placement", "Hook", "Spend", "Impressions",
    "Hook rate", "CTR", "Predicted CTR", "CPA", "ROAS",
  ]);
  expect(rows.slice(1)).toEqual(shown);

  // The demo campaign's page: its results, scores and creatives.
  await page.goto("/campaigns");
  await page
    .getByTestId("campaign-table")
    .getByRole("link", { name: "Summer shred challenge" })
    .click();
  await expect(page).toHaveURL(/\/campaigns\/\d+/);
  await hydrated(page);
  // Every creative shows the still of its clip, loaded, or says it has none.
  const creatives = page.getByTestId("creative-scores").locator("tr[data-creative]");
  // A client-side navigation: the rows come with the page's data, after the URL.
  await expect(creatives.first()).toBeVisible();
  expect(await creatives.count()).toBeGreaterThan(0);
  for (const row of await creatives.all()) {
    const still = row.locator("img[data-still]");
    if ((await still.count()) === 1) {
      await still.scrollIntoViewIfNeeded();
      await expect
        .poll(() => still.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
        .toBeGreaterThan(0);
    } else {
      await expect(row).toContainText("No clip");
    }
  }
  await page.screenshot({ path: `${SHOTS}/campaign.png`, fullPage: true });
  expect(problems).toEqual([]);
});

test("every page fits a 390 px phone, with the navigation behind a menu", async ({ page }) => {
  const problems = watchForErrors(page);
  await signIn(page, "admin");
  await page.setViewportSize({ width: 390, height: 844 });
  const campaign = await page.request.get("/campaigns");
  const id = (await campaign.text()).match(/href="\/campaigns\/(\d+)"/)?.[1];
  expect(id).toBeTruthy();
  for (const path of [
    "/", "/campaigns", `/campaigns/${id}`, "/studio", "/experiments", "/renders",
    "/analytics", "/alerts", "/admin", "/integrations", "/account",
  ]) {
    await page.goto(path);
    await hydrated(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > 391 && !e.closest(".overflow-x-auto"))
        .slice(0, 5)
        .map((e) => `${e.tagName}.${e.className}`),
    );
    expect(width, `${path} is ${width} px wide: ${wide.join(" | ")}`).toBeLessThanOrEqual(390);
  }
  // The menu opens, and following a link in it closes it.
  const nav = page.getByTestId("main-nav");
  await expect(nav).toBeHidden();
  await page.getByTestId("menu-toggle").click();
  await expect(nav).toBeVisible();
  await nav.getByRole("link", { name: "Analytics" }).click();
  await expect(page).toHaveURL(/\/analytics$/);
  await expect(nav).toBeHidden();
  expect(problems).toEqual([]);
});

test("the Studio's creative picker searches as a person types, a page at a time", async ({ page }) => {
  const problems = watchForErrors(page);
  await signIn(page, "marketer");
  await page.goto("/studio");
  await hydrated(page);
  const picker = page.getByTestId("creative-picker");
  // 400 demo creatives: one page of 50 (and the placeholder) at a time.
  expect(await picker.locator("option").count()).toBeLessThanOrEqual(51);
  const search = page.getByTestId("creative-search");
  await search.pressSequentially("creative 00");
  await expect(page).toHaveURL(/creatives_search=creative(\+|%20)00/);
  await expect(picker.locator("option")).toHaveCount(10);
  for (const label of await picker.locator("option").allInnerTexts()) {
    if (label.startsWith("#")) expect(label.toLowerCase()).toContain("creative 00");
  }
  // The search box kept its focus and text while the list reloaded.
  await expect(search).toBeFocused();
  await expect(search).toHaveValue("creative 00");
  await search.fill("no such creative at all");
  await expect(picker.locator("option")).toHaveCount(1);
  await expect(picker.locator("option").first()).toHaveText("No creative matches");
  expect(problems).toEqual([]);
});
