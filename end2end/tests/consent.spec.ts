import { expect, test } from "@playwright/test";
import { demo, expectAccessible, jsEnabled, open } from "./support";

test("a handler asks to escalate and the creditor approves in the consent inbox", async ({ browser }, info) => {
  const debtor = demo.debtors[jsEnabled(info) ? 20 : 21];
  const newPage = async () => {
    const context = await browser.newContext({
      baseURL: info.project.use.baseURL,
      javaScriptEnabled: jsEnabled(info),
      locale: "de-DE",
    });
    return context.newPage();
  };

  const desk = await newPage();
  await open(desk, info, "/staff/login");
  await desk.getByLabel("E-Mail-Adresse").fill("handler@demo.example");
  await desk.getByLabel("Passwort").fill("demo-handler-2026");
  await desk.getByRole("button", { name: "Anmelden" }).click();
  await expect(desk).toHaveURL(/\/staff$/);
  // A case without a request is not in the queue; the handler opens it by its address (demo case
  // ids follow the references: AKTE-2026-000101 is case 1).
  await open(desk, info, `/staff/cases/${Number(debtor.reference.slice(-3)) - 100}`);
  await expect(desk.getByRole("heading", { level: 1 })).toHaveText(`Fall ${debtor.reference}`);
  const escalation = desk.locator("form").filter({ has: desk.getByRole("button", { name: "Mahnverfahren beantragen" }) });
  await escalation.getByLabel("Notiz").fill("Keine Reaktion auf drei Mahnungen.");
  await escalation.getByRole("button", { name: "Mahnverfahren beantragen" }).click();
  await expect(desk.locator("#case-state")).toHaveText("Zustimmung zum gerichtlichen Mahnverfahren angefragt");

  const creditor = await newPage();
  await open(creditor, info, "/creditor/login");
  await expectAccessible(creditor, info);
  await creditor.getByLabel("E-Mail-Adresse").fill("owner@nordlicht.demo.example");
  await creditor.getByLabel("Passwort").fill("demo-owner-2026");
  await creditor.getByRole("button", { name: "Anmelden" }).click();
  await expect(creditor).toHaveURL(/\/creditor$/);
  const request = creditor.getByRole("region", { name: new RegExp(debtor.reference) });
  await expect(request).toContainText("Keine Reaktion auf drei Mahnungen.");
  await expectAccessible(creditor, info);
  await request.getByRole("button", { name: "Zustimmen" }).click();
  await expect(creditor.getByRole("status")).toContainText("Zugestimmt.");
  await expect(creditor.getByRole("region", { name: new RegExp(debtor.reference) })).toHaveCount(0);

  await open(desk, info, "/staff?kind=escalation_decision");
  await expect(desk.getByRole("row").filter({ hasText: debtor.reference })).toContainText("Entscheidung des Gläubigers");
});
