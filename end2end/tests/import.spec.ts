import { expect, test } from "@playwright/test";
import { expectAccessible, jsEnabled, open } from "./support";

test("a creditor uploads a hand-over file, reads the report and takes over the valid rows", async ({ page }, info) => {
  const p = jsEnabled(info) ? "JS" : "NOJS";
  const csv = [
    "external_id;customer_number;debtor_name;street;postcode;city;subject;contract_date;due_date;principal",
    `E2E-${p}-1;K-E2E-${p}-1;Uta Probe;Weg 1;10115;Berlin;Strom Januar;2026-01-01;2026-02-15;89,90`,
    `E2E-${p}-2;K-E2E-${p}-2;Udo Probe;Weg 2;1011;Berlin;Strom Februar;2026-02-01;2026-03-15;92,40`,
    `E2E-${p}-3;K-E2E-${p}-3;Ute Probe;Weg 3;10115;Berlin;Strom März;2026-03-01;2026-04-15;95,00`,
  ].join("\n");
  const file = { name: `uebergabe-${p}.csv`, mimeType: "text/csv", buffer: Buffer.from(csv, "utf-8") };

  await open(page, info, "/creditor/login");
  await page.getByLabel("E-Mail-Adresse").fill("owner@nordlicht.demo.example");
  await page.getByLabel("Passwort").fill("demo-owner-2026");
  await page.getByRole("button", { name: "Anmelden" }).click();
  await expect(page).toHaveURL(/\/creditor$/);
  await page.getByRole("navigation").getByRole("link", { name: "Übergeben" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Forderungen übergeben");
  await expectAccessible(page, info);

  await page.getByLabel("CSV-Datei").setInputFiles(file);
  await page.getByRole("button", { name: "Hochladen und prüfen" }).click();
  await expect(page.locator("#import-result")).toHaveText(/Nichts übernommen: 1 Problem in 3 Zeilen/);
  await expect(page.getByRole("region", { name: "Bericht" })).toContainText("row 3, column postcode: is not a German postcode (five digits)");
  await expectAccessible(page, info);

  await page.getByRole("link", { name: "Zurück zu den Übergaben" }).click();
  await page.getByLabel("CSV-Datei").setInputFiles(file);
  await page.getByLabel(/Gültige Zeilen übernehmen/).check();
  await page.getByRole("button", { name: "Hochladen und prüfen" }).click();
  await expect(page.locator("#import-result")).toHaveText(/Übernommen: 2 von 3 Forderungen; 1 Problem in anderen Zeilen/);
});
