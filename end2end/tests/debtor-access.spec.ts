import { expect, test } from "@playwright/test";
import { demo, expectAccessible, jsEnabled, linkPath, open } from "./support";

const NOT_VERIFIED = "Die Angaben konnten nicht bestätigt werden.";

test("a personal link asks for the postcode and then shows the complete claim", async ({ page }, info) => {
  const anna = demo.debtors[0];
  await open(page, info, linkPath(anna));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Bitte bestätigen Sie, dass Sie es sind");
  await expectAccessible(page, info);

  await page.getByLabel("Postleitzahl Ihrer Anschrift").fill(anna.postcode);
  await page.getByRole("button", { name: "Weiter" }).click();

  await expect(page).toHaveURL(/\/case$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ihr Fall");
  await expect(page.getByText(anna.reference, { exact: true })).toBeVisible();
  await expect(page.getByText("Nordlicht Versandhandel GmbH")).toBeVisible();
  const summary = page.getByRole("region", { name: "Übersicht" });
  await expect(summary.getByText("Offener Betrag")).toBeVisible();
  await expect(summary.getByText("272,23\u00a0€")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Forderung: Bestellung 40112 – Winterjacke" })).toBeVisible();
  expect(page.url()).not.toContain(linkPath(anna).split("/").pop()!);
  await expectAccessible(page, info);
});

test("the start page opens a case by reference and access code", async ({ page }, info) => {
  const ben = demo.debtors[1];
  await open(page, info, "/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ihren Fall aufrufen");
  await expectAccessible(page, info);

  await page.getByLabel("Aktenzeichen").fill(ben.reference);
  await page.getByLabel("Zugangscode").fill(ben.access_code.toLowerCase());
  await page.getByLabel("Postleitzahl Ihrer Anschrift").fill(ben.postcode);
  await page.getByRole("button", { name: "Weiter" }).click();

  await expect(page).toHaveURL(/\/case$/);
  await expect(page.getByRole("heading", { name: "Forderung: Bestellung 41007 – Espressomaschine" })).toBeVisible();
});

test("a wrong postcode and an unknown link get one and the same message", async ({ page }, info) => {
  const claudia = demo.debtors[2];
  await open(page, info, linkPath(claudia));
  await page.getByLabel("Postleitzahl Ihrer Anschrift").fill("99999");
  await page.getByRole("button", { name: "Weiter" }).click();
  await expect(page.getByRole("alert")).toHaveText(NOT_VERIFIED + " Bitte vergleichen Sie sie mit Ihrem Schreiben.");
  await expectAccessible(page, info);

  await open(page, info, "/c/this-link-does-not-exist");
  await page.getByLabel("Postleitzahl Ihrer Anschrift").fill(claudia.postcode);
  await page.getByRole("button", { name: "Weiter" }).click();
  await expect(page.getByRole("alert")).toContainText(NOT_VERIFIED);
});

test("missing and malformed fields are named beside the field", async ({ page }, info) => {
  await open(page, info, "/");
  await page.getByLabel("Aktenzeichen").fill("AKTE-2026-000101");
  await page.getByLabel("Zugangscode").fill("ABC");
  await page.getByRole("button", { name: "Weiter" }).click();
  await expect(page.getByRole("alert")).toHaveText("Bitte prüfen Sie die markierten Felder.");
  await expect(page.getByLabel("Zugangscode")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#access_code-error")).toContainText("nicht das erwartete Format");
  await expect(page.locator("#postcode-error")).toHaveText("Bitte füllen Sie dieses Feld aus.");
  await expect(page.getByLabel("Aktenzeichen")).toHaveValue("AKTE-2026-000101");
  await expectAccessible(page, info);
});

test("five wrong postcodes lock the case for 15 minutes, even for the right one", async ({ page }, info) => {
  // Each project locks its own demo case, so the two runs do not disturb each other.
  const debtor = demo.debtors[jsEnabled(info) ? 3 : 4];
  await open(page, info, linkPath(debtor));
  for (let attempt = 1; attempt <= 5; attempt++) {
    await page.getByLabel("Postleitzahl Ihrer Anschrift").fill("00000");
    await page.getByRole("button", { name: "Weiter" }).click();
    const expected = attempt < 5 ? NOT_VERIFIED : "für 15 Minuten gesperrt";
    await expect(page.getByRole("alert")).toContainText(expected);
  }
  await page.getByLabel("Postleitzahl Ihrer Anschrift").fill(debtor.postcode);
  await page.getByRole("button", { name: "Weiter" }).click();
  await expect(page.getByRole("alert")).toContainText("gesperrt");
  await expect(page).not.toHaveURL(/\/case$/);
  await expectAccessible(page, info);
});

test("the case page without verification leads to the start page", async ({ page }, info) => {
  await page.goto("/case");
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ihren Fall aufrufen");
});

test("signing out ends access to the case", async ({ page }, info) => {
  const anna = demo.debtors[0];
  await open(page, info, linkPath(anna));
  await page.getByLabel("Postleitzahl Ihrer Anschrift").fill(anna.postcode);
  await page.getByRole("button", { name: "Weiter" }).click();
  await expect(page).toHaveURL(/\/case$/);
  await page.getByRole("button", { name: "Abmelden" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/case");
  await expect(page).toHaveURL(/\/$/);
});

test("the case page fits a 360 px wide phone", async ({ page }, info) => {
  await page.setViewportSize({ width: 360, height: 740 });
  const anna = demo.debtors[0];
  await open(page, info, linkPath(anna));
  await page.getByLabel("Postleitzahl Ihrer Anschrift").fill(anna.postcode);
  await page.getByRole("button", { name: "Weiter" }).click();
  await expect(page).toHaveURL(/\/case$/);
  await expect(page.getByText("Offener Betrag")).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
