import { expect, test } from "@playwright/test";
import { demo, expectAccessible, open, signInCreditorOwner } from "./support";

test("a creditor reads the retention dashboard, uploads activity and opens a customer", async ({ page }, info) => {
  await signInCreditorOwner(page, info);

  await page.getByRole("navigation").getByRole("link", { name: "Kundentreue" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Kundentreue nach dem Fall");
  // Each chart is an image named by its title, with the same numbers in a table.
  await expect(page.getByRole("img", { name: /Kohorten/ })).toBeVisible();
  await expect(page.getByRole("img", { name: /nach Kundengruppe/ })).toBeVisible();
  await expect(page.getByRole("img", { name: /nach Grund der Nichtzahlung/ })).toBeVisible();
  await expect(page.getByRole("table", { name: "Bezahlt oder nicht" })).toBeVisible();
  await expectAccessible(page, info);

  // A file naming a customer the creditor does not have is refused as a whole, with the row.
  await page.getByLabel("CSV-Datei").setInputFiles({
    name: "aktivitaet.csv",
    mimeType: "text/csv",
    buffer: Buffer.from("event_id;customer_number;kind;date;amount\nE-1;K-GIBT-ES-NICHT;order;2026-01-05;10,00\n"),
  });
  await page.getByRole("button", { name: "Hochladen" }).click();
  const result = page.locator("#activity-result");
  await expect(result).toContainText("Nichts gespeichert");
  await expect(result).toContainText("row 2, column customer_number");
  await expectAccessible(page, info);

  const anna = demo.debtors[0];
  await open(page, info, `/creditor/overview?q=${anna.reference}`);
  await page.getByRole("link", { name: anna.name }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Kundenbeziehung: ${anna.name}`);
  await expect(page.getByRole("table", { name: "Fälle und Zahlungsverhalten" })).toContainText(anna.reference);
  await expectAccessible(page, info);
});
