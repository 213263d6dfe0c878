import { expect, test } from "@playwright/test";
import { demo, expectAccessible, linkPath, open } from "./support";

test("the debtor switches to English and the choice is remembered", async ({ page }, info) => {
  await open(page, info, "/");
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Open your case");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("button", { name: "English" })).toHaveAttribute("aria-pressed", "true");
  await expectAccessible(page, info);

  const anna = demo.debtors[0];
  await open(page, info, linkPath(anna));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Please confirm it is you");
  await page.getByLabel("Postcode of your address").fill(anna.postcode);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/case$/);
  await expect(page.getByRole("region", { name: "Summary" }).getByText("€272.23")).toBeVisible();
  await expect(page.getByText("30 Oct 2026")).toBeVisible();
  await expectAccessible(page, info);

  await page.getByRole("button", { name: "Deutsch" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ihr Fall");
  await expect(page.getByRole("region", { name: "Übersicht" }).getByText("272,23\u00a0€")).toBeVisible();
});

test("an unknown address shows a page that leads back", async ({ page }, info) => {
  const response = await page.goto("/gibt/es/nicht");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Seite nicht gefunden");
  await expectAccessible(page, info);
  await page.getByRole("link", { name: "Zur Startseite" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ihren Fall aufrufen");
});
