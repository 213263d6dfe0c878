import { expect, Page, TestInfo } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { readFileSync } from "fs";
import { join } from "path";

export interface DemoDebtor {
  name: string;
  reference: string;
  access_code: string;
  postcode: string;
  link: string;
}

/** The demo access data printed by `server demo --json` for this run. */
export const demo: { base_url: string; debtors: DemoDebtor[] } = JSON.parse(
  readFileSync(join(__dirname, "..", ".demo.json"), "utf8"),
);

export const jsEnabled = (info: TestInfo) => info.project.name === "js";

/** The path of a personal link (the tests talk to the server under test, not the printed host). */
export const linkPath = (d: DemoDebtor) => new URL(d.link).pathname;

/** The debtor's landing pages, which ship no script at all (app.rs, `ships_no_script`). */
export const shipsNoScript = (path: string) => {
  const p = new URL(path, "http://x").pathname;
  return p === "/" || p === "/case" || p === "/check" || p.startsWith("/c/");
};

/**
 * Loads a page. With JavaScript on, also waits until the WASM app has hydrated it, so that clicks
 * go through the enhanced path; with JavaScript off, and on the pages that ship no script,
 * asserts that nothing hydrated.
 */
export async function open(page: Page, info: TestInfo, path: string) {
  await page.goto(path);
  if (jsEnabled(info) && !shipsNoScript(path)) {
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  } else {
    await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  }
}

/** axe-core over the current page with the WCAG 2.1 A/AA rules; no violation is allowed. axe needs
 * JavaScript in the page, so it runs in the JavaScript project only (the markup is the same). */
export async function expectAccessible(page: Page, info: TestInfo) {
  if (!jsEnabled(info)) return;
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
}

/** Signs the demo creditor's owner in to the creditor portal (lands on the consent inbox). */
export async function signInCreditorOwner(page: Page, info: TestInfo) {
  await open(page, info, "/creditor/login");
  await page.getByLabel("E-Mail-Adresse").fill("owner@nordlicht.demo.example");
  await page.getByLabel("Passwort").fill("demo-owner-2026");
  await page.getByRole("button", { name: "Anmelden" }).click();
  await expect(page).toHaveURL(/\/creditor$/);
}
