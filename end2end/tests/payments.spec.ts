import { expect, test } from "@playwright/test";
import { demo, expectAccessible, jsEnabled, linkPath, open } from "./support";

test("paying online goes through the provider's page and is booked from its signed webhook", async ({ page }, info) => {
  const debtor = demo.debtors[jsEnabled(info) ? 18 : 19];
  await open(page, info, linkPath(debtor));
  await page.getByLabel("Postleitzahl Ihrer Anschrift").fill(debtor.postcode);
  await page.getByRole("button", { name: "Weiter" }).click();
  await expect(page).toHaveURL(/\/case$/);
  await open(page, info, "/case/pay");
  const online = page.getByRole("region", { name: "Online bezahlen" });
  await expect(online).toContainText("Ihre Kartendaten sehen wir nie.");
  await expectAccessible(page, info);
  await online.getByLabel("Betrag in Euro (leer lassen für den ganzen Betrag)").fill("50,00");
  await online.getByRole("button", { name: "Weiter zur Zahlung" }).click();

  // The provider's hosted page (a stand-in speaking Stripe's wire format): never our own card fields.
  await expect(page).toHaveURL(/\/checkout\/cs_test_e2e_\d+$/);
  await expect(page.locator("#amount")).toHaveText("EUR 50.00");
  await page.getByRole("button", { name: "Pay" }).click();

  await expect(page).toHaveURL(/\/case\/pay\?online=done$/);
  await expect(page.getByRole("status").or(page.getByRole("alert")).first()).toContainText("Vielen Dank!");
  await open(page, info, "/case");
  await expect(page.getByRole("region", { name: "Verlauf" })).toContainText("Zahlung eingegangen");
  await expect(page.locator("main")).toContainText("50,00");
});

test("a webhook event with a wrong signature is refused and books nothing", async ({ request }) => {
  const event = JSON.stringify({
    id: "evt_forged",
    type: "checkout.session.completed",
    data: { object: { id: "cs_test_e2e_1", payment_status: "paid" } },
  });
  const t = Math.floor(Date.now() / 1000);
  const response = await request.post("/webhooks/stripe", {
    headers: { "content-type": "application/json", "stripe-signature": `t=${t},v1=${"0".repeat(64)}` },
    data: event,
  });
  expect(response.status()).toBe(400);
});
