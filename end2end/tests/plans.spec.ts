import { expect, Page, test, TestInfo } from "@playwright/test";
import { demo, DemoDebtor, expectAccessible, jsEnabled, linkPath, open } from "./support";

async function startPlan(page: Page, info: TestInfo, debtor: DemoDebtor, { awaitHydration = true } = {}) {
  await open(page, info, linkPath(debtor));
  await page.getByLabel("Postleitzahl Ihrer Anschrift").fill(debtor.postcode);
  await page.getByRole("button", { name: "Weiter" }).click();
  await expect(page).toHaveURL(/\/case$/);
  await page.getByRole("button", { name: "Ich kann gerade nicht alles bezahlen" }).click();
  await expect(page).toHaveURL(/\/case\/plan$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ratenzahlung oder Aufschub");
  // The case page ships no script, so the plan page is a fresh load that hydrates now: a count
  // typed before the app took over the page would not reach its calculator.
  if (jsEnabled(info) && awaitHydration) await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** With JavaScript the schedule follows the input at once; without, "Calculate plan" asks the server. */
async function enterCount(page: Page, info: TestInfo, count: string) {
  await page.getByLabel("Anzahl der Raten").fill(count);
  if (!jsEnabled(info)) {
    await page.getByRole("button", { name: "Plan berechnen" }).click();
    await expect(page).toHaveURL(new RegExp(`count=${count}`));
  }
}

test("a plan inside the rules is agreed at once after the cost notice", async ({ page }, info) => {
  const debtor = demo.debtors[jsEnabled(info) ? 10 : 11];
  if (jsEnabled(info)) {
    // A slow phone shows the form before the app takes it over: the count is typed while the
    // WebAssembly is held back, and the calculator must start from it once the page hydrates.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\.wasm$/, async (route) => {
      await held;
      await route.continue();
    });
    await startPlan(page, info, debtor, { awaitHydration: false });
    await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
    await page.getByLabel("Anzahl der Raten").fill("3");
    release();
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  } else {
    await startPlan(page, info, debtor);
    await enterCount(page, info, "3");
  }
  const schedule = page.getByRole("table", { name: "Ihr Zahlungsplan" });
  await expect(schedule.getByRole("row")).toHaveCount(4); // header + 3 instalments
  await expect(page.getByText("Dieser Vorschlag liegt im Rahmen")).toBeVisible();
  await expect(page.getByText("Für diese Vereinbarung entstehen Ihnen keine zusätzlichen Kosten.")).toBeVisible();
  await expectAccessible(page, info);

  await page.getByRole("button", { name: "Vorschlag verbindlich senden" }).click();
  await expect(page.locator("#cost_notice-error")).toHaveText("Bitte füllen Sie dieses Feld aus.");
  await page.getByLabel("Ich habe den Hinweis zu den Kosten gelesen.").check();
  await page.getByRole("button", { name: "Vorschlag verbindlich senden" }).click();
  await expect(page).toHaveURL(/\/case\/plan#result$/);
  await expect(page.getByRole("region", { name: "Stand" })).toContainText("Ihre Ratenzahlung ist vereinbart.");
  await expect(page.getByRole("table", { name: "Ihr Zahlungsplan" }).getByRole("row")).toHaveCount(4);
  await expectAccessible(page, info);
});

test("a plan outside the rules is sent to a case handler", async ({ page }, info) => {
  const debtor = demo.debtors[jsEnabled(info) ? 12 : 13];
  await startPlan(page, info, debtor);
  await enterCount(page, info, "24");
  await expect(page.getByText("Dieser Vorschlag wird von einer Sachbearbeiterin oder einem Sachbearbeiter geprüft:")).toBeVisible();
  await expect(page.getByText("Es sind höchstens 12 Raten möglich.")).toBeVisible();
  await page.getByLabel("Ich habe den Hinweis zu den Kosten gelesen.").check();
  await page.getByRole("button", { name: "Vorschlag verbindlich senden" }).click();
  await expect(page).toHaveURL(/\/case\/plan#result$/);
  await expect(page.getByRole("region", { name: "Stand" })).toContainText("Ihr Vorschlag ist bei uns.");
  await open(page, info, "/case");
  await expect(page.getByRole("region", { name: "Verlauf" })).toContainText("Ratenzahlung vorgeschlagen");
});
