import { expect, test } from "@playwright/test";
import { createHmac } from "crypto";
import { expectAccessible, jsEnabled, open } from "./support";

/** The six-digit code an authenticator app with this Base32 key shows at `atMs` (RFC 6238). */
function totp(secret: string, atMs: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30_000)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[19] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

test("a creditor's owner gives a colleague access, who chooses a password and sets up two-step sign-in", async ({ browser }, info) => {
  // The longest journey: two people, five sign-ins and password changes (each an Argon2
  // computation on the server) and four accessibility scans; on two busy cores it came within a
  // few seconds of the default 30 s and once past it, so it gets three times as long.
  test.slow();
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
  await page.getByLabel("Passwort", { exact: true }).fill("kurz");
  await page.getByRole("button", { name: "Zugang anlegen" }).click();
  await expect(page.locator("#password-error")).toBeVisible();
  await expect(page.getByLabel("E-Mail-Adresse")).toHaveValue(email);
  await page.getByLabel("Passwort", { exact: true }).fill("ein langes erstes passwort");
  await page.getByRole("button", { name: "Zugang anlegen" }).click();
  await expect(page.getByRole("status")).toContainText("Der Zugang ist angelegt.");
  await expect(page.getByRole("row").filter({ hasText: email })).toContainText("Leser");

  const colleague = await newPage();
  await open(colleague, info, "/creditor/login");
  await colleague.getByLabel("E-Mail-Adresse").fill(email);
  await colleague.getByLabel("Passwort").fill("ein langes erstes passwort");
  await colleague.getByRole("button", { name: "Anmelden" }).click();
  // A first password chosen by someone else is replaced before anything else.
  await expect(colleague).toHaveURL(/\/creditor\/account$/);
  await expect(colleague.getByRole("alert")).toContainText("ersten Passwort angemeldet");
  await colleague.getByLabel("Aktuelles Passwort").fill("ein langes erstes passwort");
  await colleague.getByLabel("Neues Passwort", { exact: true }).fill("karlas eigener langer satz");
  await colleague.getByLabel("Neues Passwort wiederholen").fill("karlas eigener langer satz");
  await colleague.getByRole("button", { name: "Passwort ändern" }).click();
  await expect(colleague.getByRole("status")).toContainText("Ihr neues Passwort gilt ab sofort");

  // Two-step sign-in: scan (here: read) the key, confirm with the app's code.
  await colleague.getByRole("button", { name: "Einrichten" }).click();
  await expect(colleague.getByRole("img", { name: "QR-Code für die Authenticator-App" })).toBeVisible();
  await expectAccessible(colleague, info);
  const secret = (await colleague.locator("code.secret").textContent())!.trim();
  await colleague.getByLabel("Code aus der App").fill("000000" === totp(secret, Date.now()) ? "111111" : "000000");
  await colleague.getByRole("button", { name: "Bestätigen" }).click();
  await expect(colleague.getByText("Der Code stimmt nicht").first()).toBeVisible();
  await colleague.getByLabel("Code aus der App").fill(totp(secret, Date.now()));
  await colleague.getByRole("button", { name: "Bestätigen" }).click();
  await expect(colleague.getByRole("status")).toContainText("Die Anmeldung in zwei Schritten ist eingerichtet.");

  // The next sign-in asks for the code after the password (the next step's code: the current
  // one is used up).
  await colleague.getByRole("button", { name: "Abmelden" }).click();
  await open(colleague, info, "/creditor/login");
  await colleague.getByLabel("E-Mail-Adresse").fill(email);
  await colleague.getByLabel("Passwort").fill("karlas eigener langer satz");
  await colleague.getByRole("button", { name: "Anmelden" }).click();
  await expect(colleague).toHaveURL(/\/creditor\/login\?step=code$/);
  await colleague.getByLabel("Code aus der App").fill(totp(secret, Date.now() + 30_000));
  await colleague.getByRole("button", { name: "Anmelden" }).click();
  await expect(colleague).toHaveURL(/\/creditor$/);
  await expect(colleague.getByText("Mit Ihrer Rolle können Sie Anfragen sehen, aber nicht entscheiden.")).toBeVisible();

  // The phone is lost: the owner gives a new first password; two-step sign-in is gone with it.
  await open(page, info, "/creditor/team");
  const row = page.getByRole("row").filter({ hasText: email });
  await row.getByLabel("Neues erstes Passwort für Karla Kollegin").fill("ein neues erstes passwort");
  await row.getByRole("button", { name: "Anmeldung zurücksetzen" }).click();
  await expect(page.getByRole("status")).toContainText("Die Anmeldung ist zurückgesetzt");
  await expectAccessible(page, info);
  await open(colleague, info, "/creditor/login");
  await colleague.getByLabel("E-Mail-Adresse").fill(email);
  await colleague.getByLabel("Passwort").fill("ein neues erstes passwort");
  await colleague.getByRole("button", { name: "Anmelden" }).click();
  await expect(colleague).toHaveURL(/\/creditor\/account$/);
  await expect(colleague.getByRole("alert")).toContainText("ersten Passwort angemeldet");
});
