import { expect, test } from "@playwright/test";
import { expectAccessible, jsEnabled, open } from "./support";

test("a creditor's owner creates an API key, sees it once, uses it and revokes it", async ({ page, request }, info) => {
  const name = jsEnabled(info) ? "ERP (JS)" : "ERP (ohne JS)";
  await open(page, info, "/creditor/login");
  await page.getByLabel("E-Mail-Adresse").fill("owner@nordlicht.demo.example");
  await page.getByLabel("Passwort").fill("demo-owner-2026");
  await page.getByRole("button", { name: "Anmelden" }).click();
  await expect(page).toHaveURL(/\/creditor$/);

  await page.getByRole("navigation").getByRole("link", { name: "API-Schlüssel" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("API-Schlüssel");
  await page.getByRole("button", { name: "Schlüssel erzeugen" }).click();
  await expect(page.getByRole("alert")).toContainText("Bitte");
  await page.getByLabel("Wofür ist der Schlüssel?").fill(name);
  await page.getByRole("button", { name: "Schlüssel erzeugen" }).click();
  await expect(page.getByRole("status")).toContainText("nur dieses eine Mal");
  const key = (await page.locator("#new-key").textContent()) ?? "";
  expect(key).toMatch(/^rpk_/);
  await expectAccessible(page, info);

  const answer = await request.get("/api/v1/treatment-classes", { headers: { Authorization: `Bearer ${key}` } });
  expect(answer.status()).toBe(200);

  await page.reload();
  await expect(page.locator("#new-key")).toHaveCount(0);
  const row = page.getByRole("row").filter({ hasText: name });
  await row.getByRole("button", { name: `Widerrufen ${name}` }).click();
  await expect(page.getByRole("status")).toContainText("widerrufen");
  await expect(page.getByRole("row").filter({ hasText: name })).toContainText("widerrufen am");
  const refused = await request.get("/api/v1/treatment-classes", { headers: { Authorization: `Bearer ${key}` } });
  expect(refused.status()).toBe(401);
});
