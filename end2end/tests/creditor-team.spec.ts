import { expect, test } from "@playwright/test";
import { expectAccessible, jsEnabled, open } from "./support";

test("a creditor's owner gives a colleague access, who signs in", async ({ browser }, info) => {
  const email = `kollegin-${jsEnabled(info) ? "js" : "nojs"}@nordlicht.demo.example`;
  const newPage = async () =>
    (await browser.newContext({ baseURL: info.project.use.baseURL, javaScriptEnabled: jsEnabled(info), locale: "de-DE" })).newPage();

  const page = await newPage();
  await open(page, info, "/creditor/login");
  await page.getByLabel("E-Mail-Adresse").fill("owner@nordlicht.demo.example");
  await page.getByLabel("Passwort").fill("demo-owner-2026");
  await page.getByRole("button", { name: "Anmelden" }).click();
  await expect(page).toHaveURL(/\/creditor$/);
  await page.getByRole("navigation").getByRole("link", { name: "Zugänge" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Zugänge zum Gläubigerportal");
  await expectAccessible(page, info);

  await page.getByLabel("Name").fill("Karla Kollegin");
  await page.getByLabel("E-Mail-Adresse").fill(email);
  await page.getByLabel("Rolle").selectOption("viewer");
  await page.getByLabel("Passwort").fill("kurz");
  await page.getByRole("button", { name: "Zugang anlegen" }).click();
  await expect(page.locator("#password-error")).toBeVisible();
  await expect(page.getByLabel("E-Mail-Adresse")).toHaveValue(email);
  await page.getByLabel("Passwort").fill("ein langes erstes passwort");
  await page.getByRole("button", { name: "Zugang anlegen" }).click();
  await expect(page.getByRole("status")).toContainText("Der Zugang ist angelegt.");
  await expect(page.getByRole("row").filter({ hasText: email })).toContainText("Leser");

  const colleague = await newPage();
  await open(colleague, info, "/creditor/login");
  await colleague.getByLabel("E-Mail-Adresse").fill(email);
  await colleague.getByLabel("Passwort").fill("ein langes erstes passwort");
  await colleague.getByRole("button", { name: "Anmelden" }).click();
  await expect(colleague).toHaveURL(/\/creditor$/);
  await expect(colleague.getByText("Mit Ihrer Rolle können Sie Anfragen sehen, aber nicht entscheiden.")).toBeVisible();
});
