import { expect, test } from "@playwright/test";
import { expectAccessible, open } from "./support";

test("a creditor's owner is told when a webhook address is not HTTPS", async ({ page }, info) => {
  await open(page, info, "/creditor/login");
  await page.getByLabel("E-Mail-Adresse").fill("owner@nordlicht.demo.example");
  await page.getByLabel("Passwort").fill("demo-owner-2026");
  await page.getByRole("button", { name: "Anmelden" }).click();
  await expect(page).toHaveURL(/\/creditor$/);

  await page.getByRole("navigation").getByRole("link", { name: "Webhooks" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Webhooks");
  await expect(page.getByText("Noch keine Meldungen.")).toBeVisible();
  await expectAccessible(page, info);
  // Saving a plain-HTTP address of another machine is refused and nothing is stored, so the other
  // journeys run without webhooks.
  await page.getByLabel("Adresse Ihres Systems").fill("http://erp.example.com/rapport");
  await page.getByRole("button", { name: "Speichern" }).click();
  await expect(page.locator("#url-error")).toHaveText("Bitte eine vollständige Adresse mit https:// angeben, die ins öffentliche Internet führt.");
  await expect(page.getByLabel("Adresse Ihres Systems")).toHaveValue("http://erp.example.com/rapport");
  await expect(page.locator("#webhook-secret")).toHaveCount(0);
  await expectAccessible(page, info);
});
