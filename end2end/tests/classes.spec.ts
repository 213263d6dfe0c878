import { expect, test } from "@playwright/test";
import { expectAccessible, open } from "./support";

// Other journeys rely on the demo classes' rules, so this one saves them unchanged after an error.
test("a creditor's owner reviews a customer group's rules and is told what is wrong", async ({ page }, info) => {
  await open(page, info, "/creditor/login");
  await page.getByLabel("E-Mail-Adresse").fill("owner@nordlicht.demo.example");
  await page.getByLabel("Passwort").fill("demo-owner-2026");
  await page.getByRole("button", { name: "Anmelden" }).click();
  await expect(page).toHaveURL(/\/creditor$/);

  await page.getByRole("navigation").getByRole("link", { name: "Kundengruppen" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Kundengruppen");
  await expectAccessible(page, info);
  await page.getByRole("link", { name: "Regeln für Streng" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Kundengruppe Streng");
  await expectAccessible(page, info);

  const band = page.getByRole("region", { name: "Ratenzahlungen bei jeder Forderungshöhe" });
  const months = band.getByLabel("Alles bezahlt innerhalb von höchstens (Monaten)");
  await expect(months).toHaveValue("6");
  await months.fill("200");
  await band.getByRole("button", { name: "Speichern" }).click();
  const fixed = page.getByRole("region", { name: "Ratenzahlungen bei jeder Forderungshöhe" });
  await expect(fixed.getByText("Bitte eine ganze Zahl von 1 bis 120 eingeben.")).toBeVisible();
  await expect(fixed.getByLabel("Alles bezahlt innerhalb von höchstens (Monaten)")).toHaveValue("200");
  await expect(page.getByRole("region", { name: "Antwortzeit und Mahnverfahren" }).getByText("Bitte eine ganze Zahl")).toHaveCount(0);
  await expectAccessible(page, info);

  await fixed.getByLabel("Alles bezahlt innerhalb von höchstens (Monaten)").fill("6");
  await fixed.getByRole("button", { name: "Speichern" }).click();
  await expect(page.getByRole("status")).toContainText("Gespeichert.");
  await expect(page.getByRole("region", { name: "Ratenzahlungen bei jeder Forderungshöhe" }).getByLabel("Alles bezahlt innerhalb von höchstens (Monaten)")).toHaveValue("6");
});
