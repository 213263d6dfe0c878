import { expect, Page, test, TestInfo } from "@playwright/test";
import { demo, expectAccessible, jsEnabled, open } from "./support";

/** A camt.054 credit notification with credits that carry no reference. */
function statement(project: string, entries: { ref: string; payer: string; text: string; amount: string }[]): string {
  const ns = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08";
  const ntry = entries
    .map(
      (e) => `<Ntry><Amt Ccy="EUR">${e.amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
  <BookgDt><Dt>2026-11-30</Dt></BookgDt><ValDt><Dt>2026-11-30</Dt></ValDt><AcctSvcrRef>${e.ref}</AcctSvcrRef>
  <NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
    <RltdPties><Dbtr><Pty><Nm>${e.payer}</Nm></Pty></Dbtr></RltdPties>
    <RmtInf><Ustrd>${e.text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="${ns}"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>E2E-${project}</MsgId><CreDtTm>2026-11-30T10:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>E2E-${project}</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
${ntry}
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`;
}

async function signIn(page: Page, info: TestInfo, path: string, email: string, password: string, landing: RegExp) {
  await open(page, info, path);
  await page.getByLabel("E-Mail-Adresse").fill(email);
  await page.getByLabel("Passwort").fill(password);
  await page.getByRole("button", { name: "Anmelden" }).click();
  await expect(page).toHaveURL(landing);
}

test("a handler imports a bank statement, books a transfer without reference on the suggested case and closes another", async ({ page }, info) => {
  const project = info.project.name;
  const debtor = demo.debtors[jsEnabled(info) ? 22 : 23];
  const rent = `Miete ${project}`;
  await signIn(page, info, "/staff/login", "handler@demo.example", "demo-handler-2026", /\/staff$/);
  await page.getByRole("navigation").getByRole("link", { name: "Zahlungseingänge" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Zahlungseingänge");
  await expectAccessible(page, info);

  await page.getByLabel("Datei (XML)").setInputFiles({
    name: `auszug-${project}.xml`,
    mimeType: "application/xml",
    buffer: Buffer.from(
      statement(project, [
        { ref: `E2E-${project}-1`, payer: debtor.name, text: "Danke", amount: "10.00" },
        { ref: `E2E-${project}-2`, payer: "Unbekannt", text: rent, amount: "9.99" },
      ]),
    ),
  });
  await page.getByRole("button", { name: "Einlesen" }).click();
  await expect(page.getByRole("status")).toContainText("Eingelesen: 2 Buchungen – 0 gebucht, 2 zur Zuordnung");
  await expect(page.getByText(`auszug-${project}.xml (camt.054.001.08)`)).toBeVisible();
  await expectAccessible(page, info);

  const suggested = page.getByRole("row").filter({ hasText: debtor.name });
  await expect(suggested).toContainText("der Zahler passt zu einem Fall");
  await expect(suggested.getByRole("textbox", { name: /Aktenzeichen für Zahlung/ })).toHaveValue(debtor.reference);
  await suggested.getByRole("button", { name: "Auf Fall buchen" }).click();
  await expect(page.getByRole("status")).toContainText("Die Zahlung ist auf den Fall gebucht.");
  await expect(page.getByRole("row").filter({ hasText: debtor.name })).toHaveCount(0);

  const other = page.getByRole("row").filter({ hasText: rent });
  await other.getByRole("button", { name: "Ohne Buchung schließen" }).click();
  await expect(page.getByRole("alert")).toContainText("Bitte füllen Sie dieses Feld aus");
  await page
    .getByRole("row")
    .filter({ hasText: rent })
    .getByRole("textbox", { name: /Grund, Zahlung/ })
    .fill("Nicht unser Konto, zurücküberwiesen");
  await page.getByRole("row").filter({ hasText: rent }).getByRole("button", { name: "Ohne Buchung schließen" }).click();
  await expect(page.getByRole("status")).toContainText("Die Zahlung ist ohne Buchung geschlossen.");
  await expect(page.getByRole("row").filter({ hasText: rent })).toHaveCount(0);
  await expectAccessible(page, info);
});

test("a creditor pauses a customer's reminders and sets how a customer group is reminded", async ({ page }, info) => {
  const debtor = demo.debtors[jsEnabled(info) ? 24 : 25];
  await signIn(page, info, "/creditor/login", "owner@nordlicht.demo.example", "demo-owner-2026", /\/creditor$/);
  await page.getByRole("navigation").getByRole("link", { name: "Übersicht" }).click();
  await page.getByLabel("Aktenzeichen, Name oder Kundennummer").fill(debtor.reference);
  await page.getByRole("button", { name: "Anzeigen" }).click();
  await expect(page.getByRole("row")).toHaveCount(2);
  await page.getByRole("spinbutton", { name: `Tage ohne Mahnungen für ${debtor.reference} (1–90)` }).fill("10");
  await page.getByRole("button", { name: "Pausieren" }).click();
  const resume = new Date(Date.now() + 10 * 86_400_000);
  const date = `${String(resume.getUTCDate()).padStart(2, "0")}.${String(resume.getUTCMonth() + 1).padStart(2, "0")}.${resume.getUTCFullYear()}`;
  await expect(page.getByRole("status")).toContainText(`ab dem ${date} laufen sie automatisch weiter`);
  await page.getByLabel("Aktenzeichen, Name oder Kundennummer").fill(debtor.reference);
  await page.getByRole("button", { name: "Anzeigen" }).click();
  await expect(page.getByRole("row").nth(1)).toContainText("Angehalten");
  await expectAccessible(page, info);

  await page.getByRole("navigation").getByRole("link", { name: "Kundengruppen" }).click();
  await page.getByRole("link", { name: "Regeln für Schlüsselkunde" }).click();
  const reminders = page.getByRole("region", { name: "Erinnerungen und Mahnungen" });
  await expect(reminders.getByRole("radio", { name: /^Freundlich/ })).toBeChecked();
  await expect(reminders.getByLabel("Erste Erinnerung nach (Tagen)")).toHaveValue("7");
  await reminders.getByLabel("Per E-Mail (wenn eine Adresse bekannt ist)").uncheck();
  await reminders.getByLabel("Per Brief").uncheck();
  await reminders.getByRole("button", { name: "Speichern" }).click();
  const fixed = page.getByRole("region", { name: "Erinnerungen und Mahnungen" });
  await expect(fixed.getByText("Bitte mindestens einen Weg wählen.")).toBeVisible();
  await expectAccessible(page, info);
  // Saved unchanged, so the other journeys keep the seeded rhythm.
  await fixed.getByLabel("Per E-Mail (wenn eine Adresse bekannt ist)").check();
  await fixed.getByLabel("Per Brief").check();
  await fixed.getByRole("button", { name: "Speichern" }).click();
  await expect(page.getByRole("status")).toBeVisible();
});

test("a creditor finds the remittances page, with what was collected since the last report", async ({ page }, info) => {
  await signIn(page, info, "/creditor/login", "owner@nordlicht.demo.example", "demo-owner-2026", /\/creditor$/);
  await page.getByRole("navigation").getByRole("link", { name: "Abrechnungen" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Abrechnungen");
  // The demo's payments were booked this month: they wait for next month's report.
  await expect(page.getByText(/Seit der letzten Abrechnung eingezogen: [1-9][0-9.]*,[0-9]{2}\s€/)).toBeVisible();
  await expect(page.getByText("Noch keine Abrechnung.")).toBeVisible();
  await expectAccessible(page, info);
});
