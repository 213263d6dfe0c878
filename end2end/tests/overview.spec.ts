import { expect, test } from "@playwright/test";
import { demo, expectAccessible, open } from "./support";

test("a creditor sees the figures, filters the cases and downloads them as CSV", async ({ page }, info) => {
  await open(page, info, "/creditor/login");
  await page.getByLabel("E-Mail-Adresse").fill("owner@nordlicht.demo.example");
  await page.getByLabel("Passwort").fill("demo-owner-2026");
  await page.getByRole("button", { name: "Anmelden" }).click();
  await expect(page).toHaveURL(/\/creditor$/);

  await page.getByRole("navigation").getByRole("link", { name: "Übersicht" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Übersicht");
  await expect(page.getByRole("region", { name: "Auf einen Blick" })).toContainText("Eingezogen");
  await expectAccessible(page, info);

  const anna = demo.debtors[0];
  await page.getByLabel("Aktenzeichen, Name oder Kundennummer").fill(anna.reference);
  await page.getByRole("button", { name: "Anzeigen" }).click();
  await expect(page).toHaveURL(new RegExp(`q=${anna.reference}`));
  const rows = page.getByRole("row");
  await expect(rows).toHaveCount(2); // the header and Anna's case
  await expect(rows.nth(1)).toContainText(anna.reference);
  await expect(page.getByRole("combobox", { name: `Neue Kundengruppe für ${anna.reference}` })).toHaveValue("standard");
  await expectAccessible(page, info);

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Als CSV herunterladen" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe("rapport-cases.csv");
  const text = await (await file.createReadStream()).toArray();
  const csv = Buffer.concat(text).toString("utf-8");
  const lines = csv.trim().split("\n");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(anna.reference);
});
