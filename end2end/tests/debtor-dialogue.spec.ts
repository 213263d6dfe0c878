import { expect, Page, test, TestInfo } from "@playwright/test";
import { execFileSync } from "child_process";
import { mkdtempSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { demo, DemoDebtor, expectAccessible, jsEnabled, linkPath, open } from "./support";

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");

/** Opens the debtor's link, confirms the postcode and lands on the case page. */
async function verify(page: Page, info: TestInfo, debtor: DemoDebtor) {
  await open(page, info, linkPath(debtor));
  await page.getByLabel("Postleitzahl Ihrer Anschrift").fill(debtor.postcode);
  await page.getByRole("button", { name: "Weiter" }).click();
  await expect(page).toHaveURL(/\/case$/);
}

/** Each project works on its own cases, so the runs do not change each other's state. */
const pick = (info: TestInfo, js: number, noJs: number) => demo.debtors[jsEnabled(info) ? js : noJs];

test("the case page asks why it is unpaid and 'forgot' leads to paying", async ({ page }, info) => {
  await verify(page, info, demo.debtors[0]);
  const question = page.getByRole("region", { name: "Warum ist die Forderung noch offen?" });
  await expect(question.getByRole("button")).toHaveCount(7);
  await expectAccessible(page, info);
  await question.getByRole("button", { name: "Vergessen oder übersehen" }).click();
  await expect(page).toHaveURL(/\/case\/pay$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Bezahlen");
});

test("the pay page's QR code decodes to exactly the transfer it shows", async ({ page }, info) => {
  await verify(page, info, demo.debtors[0]);
  await open(page, info, "/case/pay");
  await expect(page.getByText("DE89 3704 0044 0532 0130 00")).toBeVisible();
  await expect(page.getByText("272,23\u00a0€")).toBeVisible();
  const reference = (await page.locator("dd.mono").last().innerText()).replace(/\s/g, "");
  expect(reference).toMatch(/^RF\d{2}AKTE2026000101$/);
  await expectAccessible(page, info);

  const image = join(mkdtempSync(join(tmpdir(), "rapport-qr-")), "qr.png");
  await page.locator("figure.qr [role=img]").screenshot({ path: image });
  const decoded = execFileSync("zbarimg", ["--raw", "-q", image], { encoding: "utf8" }).replace(/\n$/, "");
  expect(decoded).toBe(
    ["BCD", "002", "1", "SCT", "COBADEFFXXX", "Rapport Demo Inkasso GmbH", "DE89370400440532013000", "EUR272.23", "", reference].join("\n"),
  );
});

test("a complaint with documents stops the reminders and names the answer date", async ({ page }, info) => {
  const debtor = pick(info, 5, 8);
  await verify(page, info, debtor);
  await page.getByRole("button", { name: "Ich habe eine Reklamation zur Ware oder Leistung" }).click();
  await expect(page).toHaveURL(/\/case\/dispute\?kind=complaint$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Reklamation");
  await expectAccessible(page, info);

  await page.getByLabel("Was stimmt nicht?").fill("Die Schuhe waren bei Lieferung beschädigt, Fotos anbei.");
  await page.getByLabel("Dokumente (freiwillig)").setInputFiles([
    { name: "foto.png", mimeType: "image/png", buffer: PNG },
    { name: "lieferschein.pdf", mimeType: "application/pdf", buffer: PDF },
  ]);
  await page.getByRole("button", { name: "Widerspruch senden" }).click();
  await expect(page).toHaveURL(/\/case#status$/);
  await expect(page.getByRole("region", { name: "Stand" })).toContainText("Alle Mahnungen ruhen. Wir antworten bis spätestens");
  await expect(page.getByRole("region", { name: "Verlauf" })).toContainText("Widerspruch eingelegt");
  await expectAccessible(page, info);
});

test("a file that is not a document is refused by its content and the text is kept", async ({ page }, info) => {
  await verify(page, info, demo.debtors[7]);
  await open(page, info, "/case/dispute?kind=claim_wrong");
  await page.getByLabel("Was stimmt nicht?").fill("Der Betrag ist zu hoch.");
  await page.getByLabel("Dokumente (freiwillig)").setInputFiles({
    name: "rechnung.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("<html><script>alert(1)</script></html>"),
  });
  await page.getByRole("button", { name: "Widerspruch senden" }).click();
  await expect(page.locator("#documents-error")).toHaveText("„rechnung.pdf“ ist kein PDF, JPEG oder PNG.");
  await expect(page.getByLabel("Was stimmt nicht?")).toHaveValue("Der Betrag ist zu hoch.");
  await expectAccessible(page, info);
});

test("'already paid' takes date, amount and proof and pauses the reminders", async ({ page }, info) => {
  const debtor = pick(info, 6, 9);
  await verify(page, info, debtor);
  await page.getByRole("button", { name: "Ich habe bereits bezahlt" }).click();
  await expect(page).toHaveURL(/\/case\/paid$/);
  await expectAccessible(page, info);
  await page.getByLabel("Zahlungsdatum").fill("2026-11-02");
  await page.getByLabel("Betrag in Euro").fill("89,90");
  await page.getByLabel("Dokumente (freiwillig)").setInputFiles({ name: "kontoauszug.pdf", mimeType: "application/pdf", buffer: PDF });
  await page.getByRole("button", { name: "Zahlung melden" }).click();
  await expect(page).toHaveURL(/\/case#status$/);
  await expect(page.getByRole("region", { name: "Stand" })).toContainText("Sie haben eine Zahlung von");
  await expect(page.getByRole("region", { name: "Stand" })).toContainText("am 02.11.2026 gemeldet");
});

test("'something else' opens the conversation; a message with a document appears there", async ({ page }, info) => {
  await verify(page, info, demo.debtors[7]);
  await page.getByRole("button", { name: "Etwas anderes" }).click();
  await expect(page).toHaveURL(/\/case\/message$/);
  await expectAccessible(page, info);
  const text = `Bitte rufen Sie mich an (${info.project.name}). Karte 4111 1111 1111 1111`;
  await page.getByLabel("Ihre Nachricht", { exact: true }).fill(text);
  await page.getByLabel("Dokumente (freiwillig)").setInputFiles({ name: "brief.pdf", mimeType: "application/pdf", buffer: PDF });
  await page.getByRole("button", { name: "Senden" }).click();
  await expect(page).toHaveURL(/\/case\/message#sent$/);
  const conversation = page.getByRole("region", { name: "Ihre Nachrichten" });
  await expect(conversation).toContainText(`Bitte rufen Sie mich an (${info.project.name}). Karte [card number removed]`);
  await expect(conversation.getByRole("link", { name: "brief.pdf" }).first()).toBeVisible();
  await expectAccessible(page, info);
});

test("anyone can check whether a reference is genuine, and learn nothing else", async ({ page }, info) => {
  await open(page, info, "/");
  await page.getByRole("link", { name: "Ist ein Schreiben echt? Hier prüfen" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ist dieses Schreiben echt?");
  await page.getByLabel("Aktenzeichen").fill("akte-2026-000101");
  await page.getByRole("button", { name: "Prüfen" }).click();
  await expect(page.getByRole("status")).toContainText("Nordlicht Versandhandel GmbH");
  await expect(page.getByRole("status")).toContainText("service@inkasso.demo.example");
  await expect(page.getByText("Anna Beispiel")).toHaveCount(0);
  await expectAccessible(page, info);
  await page.getByLabel("Aktenzeichen").fill("AKTE-2026-999999");
  await page.getByRole("button", { name: "Prüfen" }).click();
  await expect(page.getByRole("status")).toContainText("keinen Fall");
});

test("the debtor corrects their contact details", async ({ page }, info) => {
  await verify(page, info, demo.debtors[7]);
  await page.getByRole("link", { name: "Kontaktdaten ändern" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ihre Kontaktdaten");
  await expectAccessible(page, info);
  await page.getByLabel("Telefon (freiwillig)").fill("telefon bitte");
  await page.getByRole("button", { name: "Speichern" }).click();
  await expect(page.locator("#phone-error")).toContainText("nicht das erwartete Format");
  await page.getByLabel("Telefon (freiwillig)").fill("+49 711 555123");
  await page.getByLabel("per Brief").check();
  await page.getByRole("button", { name: "Speichern" }).click();
  await expect(page).toHaveURL(/\/case#timeline-heading$/);
  await expect(page.getByRole("region", { name: "Verlauf" })).toContainText("Kontaktdaten geändert");
});
