import { Browser, expect, Page, test, TestInfo } from "@playwright/test";
import { readdirSync, readFileSync } from "fs";
import { join } from "path";
import { demo, DemoDebtor, expectAccessible, jsEnabled, linkPath, open, signInCreditorOwner } from "./support";

const HANDLER = { email: "handler@demo.example", password: "demo-handler-2026" };

async function verify(page: Page, info: TestInfo, debtor: DemoDebtor) {
  await open(page, info, linkPath(debtor));
  await page.getByLabel("Postleitzahl Ihrer Anschrift").fill(debtor.postcode);
  await page.getByRole("button", { name: "Weiter" }).click();
  await expect(page).toHaveURL(/\/case$/);
}

/** A second browser for the case handler, with JavaScript on or off like the project. */
async function handlerDesk(browser: Browser, info: TestInfo): Promise<Page> {
  const context = await browser.newContext({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: jsEnabled(info),
    locale: "de-DE",
  });
  const page = await context.newPage();
  await open(page, info, "/staff/login");
  await expectAccessible(page, info);
  await page.getByLabel("E-Mail-Adresse").fill(HANDLER.email);
  await page.getByLabel("Passwort").fill(HANDLER.password);
  await page.getByRole("button", { name: "Anmelden" }).click();
  await expect(page).toHaveURL(/\/staff$/);
  return page;
}

/** A raw email with its RFC 2047 encoded words (as in a non-ASCII subject) decoded. */
function decoded(raw: string): string {
  return raw.replace(/=\?utf-8\?b\?([^?]+)\?=/gi, (_, b64) => Buffer.from(b64, "base64").toString("utf8"))
    .replace(/=\?utf-8\?q\?([^?]+)\?=/gi, (_, q) =>
      Buffer.from(q.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_m: string, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8"));
}

/** The emails the portal sent to `to`, as read by the SMTP server on loopback. */
function mailsTo(to: string): string[] {
  const dir = process.env.RAPPORT_E2E_MAILDIR;
  if (!dir) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".eml"))
    .map((f) => decoded(readFileSync(join(dir, f), "utf8")))
    .filter((m) => m.includes(to));
}

test("a dispute reaches the queue, is answered, and the answer reaches the debtor on the page and by email", async ({ page, browser }, info) => {
  const debtor = demo.debtors[jsEnabled(info) ? 14 : 15];
  await verify(page, info, debtor);
  await page.getByRole("button", { name: "Ich habe eine Reklamation zur Ware oder Leistung" }).click();
  await page.getByLabel("Was stimmt nicht?").fill("Die Kaffeemaschine kam defekt an.");
  await page.getByRole("button", { name: "Widerspruch senden" }).click();
  await expect(page).toHaveURL(/\/case#status$/);

  const desk = await handlerDesk(browser, info);
  const row = desk.getByRole("row").filter({ hasText: debtor.reference });
  await expect(row).toContainText("Widerspruch");
  await expect(row).toContainText("Schlüsselkunde");
  await expectAccessible(desk, info);
  await row.getByRole("link", { name: debtor.reference }).click();
  await expect(desk.getByRole("heading", { level: 1 })).toHaveText(`Fall ${debtor.reference}`);
  await expect(desk.locator("#case-state")).toHaveText("Widerspruch – Mahnungen ruhen");
  await expectAccessible(desk, info);
  const disputes = desk.getByRole("region", { name: "Widersprüche" });
  await disputes.getByLabel("Zurückweisen und erklären, Mahnlauf fortsetzen").check();
  await disputes.getByLabel("Antwort an den Schuldner").fill("Laut Lieferschein kam das Gerät unbeschädigt an.");
  await disputes.getByRole("button", { name: "Widerspruch entscheiden" }).click();
  await expect(desk.getByRole("status")).toContainText("Erledigt: Widerspruch zurückgewiesen");
  await expect(desk.locator("#case-state")).toHaveText("Offen – Mahnlauf aktiv");

  await open(page, info, "/case");
  await expect(page.getByRole("region", { name: "Stand" })).toContainText("Laut Lieferschein kam das Gerät unbeschädigt an.");
  await expect(page.getByRole("region", { name: "Verlauf" })).toContainText("Widerspruch beantwortet");
  await expectAccessible(page, info);
  await expect
    .poll(() => mailsTo(jsEnabled(info) ? "olga.stein@demo.example" : "paul.brandt@demo.example")
      .some((m) => m.includes("Neues zu Ihrem Fall")), { timeout: 30_000 })
    .toBe(true);
});

test("a plan outside the rules goes to the creditor, who declines; the handler counters and the debtor accepts", async ({ page, browser }, info) => {
  const debtor = demo.debtors[jsEnabled(info) ? 16 : 17];
  await verify(page, info, debtor);
  await page.getByRole("button", { name: "Ich kann gerade nicht alles bezahlen" }).click();
  await expect(page).toHaveURL(/\/case\/plan$/);
  // A fresh load of a page that hydrates (the case page ships no script): type once the app runs.
  if (jsEnabled(info)) await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Anzahl der Raten").fill("24");
  if (!jsEnabled(info)) {
    await page.getByRole("button", { name: "Plan berechnen" }).click();
  }
  await page.getByLabel("Ich habe den Hinweis zu den Kosten gelesen.").check();
  await page.getByRole("button", { name: "Vorschlag verbindlich senden" }).click();
  await expect(page.getByRole("region", { name: "Stand" })).toContainText("Ihr Vorschlag ist bei uns.");

  const desk = await handlerDesk(browser, info);
  await open(desk, info, "/staff?kind=plan");
  await desk.getByRole("row").filter({ hasText: debtor.reference }).getByRole("link", { name: debtor.reference }).click();
  const plans = desk.getByRole("region", { name: "Ratenzahlungen" });
  // The handler asks the creditor first, recommending to decline.
  await plans.getByRole("radio", { name: "Ablehnen" }).check();
  await plans.getByLabel("Begründung für den Gläubiger").fill("24 Raten sind zu lang; sechs wären tragbar.");
  await plans.getByRole("button", { name: "Anfrage an den Gläubiger senden" }).click();
  await expect(desk.getByRole("status")).toContainText("Erledigt: Zustimmung des Gläubigers zur Ratenzahlung angefragt");
  await expect(plans).toContainText("Beim Gläubiger angefragt – Antwort steht aus");
  const creditorContext = await browser.newContext({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: jsEnabled(info),
    locale: "de-DE",
  });
  const creditor = await creditorContext.newPage();
  await signInCreditorOwner(creditor, info);
  const request = creditor.getByRole("region", { name: new RegExp(debtor.reference) });
  await expect(request).toContainText("Empfehlung der Sachbearbeitung: ablehnen");
  await expectAccessible(creditor, info);
  await request.getByLabel("Ihr Kommentar (bei Ablehnung erforderlich)").fill("Höchstens sechs Raten.");
  await request.getByRole("button", { name: "Ablehnen" }).click();
  await expect(creditor.getByRole("status")).toContainText("Abgelehnt. Die Sachbearbeitung lehnt den Vorschlag ab");
  await open(desk, info, desk.url().replace(/\?.*$/, ""));
  await expect(plans).toContainText("Der Gläubiger hat abgelehnt");
  await expect(plans).toContainText("Höchstens sechs Raten.");
  await plans.getByLabel("Anzahl der Raten").fill("6");
  await plans.getByRole("button", { name: "Gegenvorschlag senden" }).click();
  await expect(desk.getByRole("status")).toContainText("Erledigt: Gegenvorschlag gemacht");
  await expectAccessible(desk, info);

  await open(page, info, "/case/plan");
  await expect(page.getByRole("heading", { name: "Unser Gegenvorschlag" })).toBeVisible();
  await page.getByRole("button", { name: "Gegenvorschlag annehmen" }).click();
  await expect(page.getByRole("region", { name: "Stand" })).toContainText("Ihre Ratenzahlung ist vereinbart.");
  await expect(page.getByRole("table", { name: "Ihr Zahlungsplan" }).getByRole("row")).toHaveCount(7);
});

test("a wrong password gets one calm message and the staff pages need a sign-in", async ({ page }, info) => {
  await open(page, info, "/staff");
  await expect(page).toHaveURL(/\/staff\/login$/);
  await page.getByLabel("E-Mail-Adresse").fill("nobody@demo.example");
  await page.getByLabel("Passwort").fill("not the password");
  await page.getByRole("button", { name: "Anmelden" }).click();
  await expect(page.getByRole("alert")).toContainText("E-Mail-Adresse oder Passwort stimmen nicht");
  await expect(page.getByLabel("E-Mail-Adresse")).toHaveValue("nobody@demo.example");
  await expectAccessible(page, info);
});

test("the admin's pages: team, templates with a preview, account and settings", async ({ browser }, info) => {
  const context = await browser.newContext({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: jsEnabled(info),
    locale: "de-DE",
  });
  const page = await context.newPage();
  await open(page, info, "/staff/login");
  await page.getByLabel("E-Mail-Adresse").fill("admin@demo.example");
  await page.getByLabel("Passwort").fill("demo-admin-2026");
  await page.getByRole("button", { name: "Anmelden" }).click();
  await expect(page).toHaveURL(/\/staff$/);

  await page.getByRole("navigation", { name: "Arbeitsbereich" }).getByRole("link", { name: "Mitarbeitende" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Mitarbeitende");
  await expect(page.getByRole("cell", { name: "handler@demo.example" })).toBeVisible();
  await expectAccessible(page, info);
  const suffix = jsEnabled(info) ? "js" : "nojs";
  await page.getByLabel("Name", { exact: true }).fill(`Neue Kollegin ${suffix}`);
  await page.getByLabel("E-Mail-Adresse").fill(`kollegin-${suffix}@demo.example`);
  await page.getByLabel("Passwort", { exact: true }).fill("kurz");
  await page.getByRole("button", { name: "Zugang anlegen" }).click();
  await expect(page.locator("#password-error")).toHaveText("Bitte mindestens 12 Zeichen.");
  await expect(page.getByLabel("E-Mail-Adresse")).toHaveValue(`kollegin-${suffix}@demo.example`);
  await page.getByLabel("Passwort", { exact: true }).fill("ein langes passwort");
  await page.getByRole("button", { name: "Zugang anlegen" }).click();
  await expect(page.getByRole("status")).toContainText("Erledigt");
  await expect(page.getByRole("cell", { name: `kollegin-${suffix}@demo.example` })).toBeVisible();

  await open(page, info, "/staff/templates");
  await expectAccessible(page, info);
  const editor = page.locator("form").filter({ has: page.getByRole("button", { name: "Speichern" }) });
  await editor.getByLabel("Schlüssel (z. B. danke_zahlung)").fill(`danke_${suffix}`);
  await editor.getByLabel("Titel").fill("Dank für die Zahlung");
  await editor.getByLabel("Text").fill("Guten Tag {name}, vielen Dank! Offen sind noch {balance}.");
  await editor.getByRole("button", { name: "Speichern" }).click();
  await expect(page.getByRole("status")).toContainText("Erledigt");
  const preview = page.locator("form").filter({ has: page.getByRole("button", { name: "Vorschau anzeigen" }) });
  await preview.getByLabel("Aktenzeichen eines Falls").fill(demo.debtors[0].reference);
  await preview.getByLabel("Text").fill("Guten Tag {name}, offen sind {balance}.");
  await preview.getByRole("button", { name: "Vorschau anzeigen" }).click();
  await expect(page.locator("#preview")).toHaveText(`Guten Tag ${demo.debtors[0].name}, offen sind 272,23 €.`);

  await open(page, info, "/staff/account");
  await expectAccessible(page, info);
  await expect(page.getByText("Angemeldet als")).toBeVisible();
  await open(page, info, "/staff/settings");
  await expectAccessible(page, info);
  await expect(page.getByLabel("Antwortversprechen (Werktage)")).toHaveValue("2");
  await context.close();
});
