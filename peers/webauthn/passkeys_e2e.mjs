// Real-browser end-to-end test of Verify's passkeys factor: headless Chromium with a CDP
// virtual authenticator drives examples/passkeys (page + backend) against a running
// switchboard. Run by crates/server/tests/e2e/passkeys.rs.
//   DEMO_URL=http://localhost:3000 CHROMIUM=/usr/bin/chromium node passkeys_e2e.mjs
// Checks: registration and sign-in approved; a replayed assertion refused (challenge
// already used); the same key used on a look-alike origin (evil.localhost) refused with
// an origin error. Prints `N passed, N failed`.
import { chromium } from 'playwright-core';

const demo = new URL(process.env.DEMO_URL || 'http://localhost:3000');
const evil = new URL(demo); evil.hostname = `evil.${demo.hostname}`;
const USER = 'e2e-user-0001';
const authenticator = {
  protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'usb',
  hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
  automaticPresenceSimulation: true,
};
let passed = 0, failed = 0;
const check = (name, ok, detail) => {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name} ${JSON.stringify(detail)}`);
  ok ? passed++ : failed++;
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox'],
});
try {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(demo.href);
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: authenticator });

  const reg = await page.evaluate((u) => window.registerPasskey(u), USER);
  check('registration verified', reg.status === 200 && reg.body.status === 'verified', reg);

  const login = await page.evaluate((u) => window.loginPasskey(u), USER);
  check('sign-in approved', login.status === 200 && login.body.status === 'approved'
        && login.body.identity === USER, login);

  const rep = await page.evaluate((u) => window.loginAndReplay(u), USER);
  check('a replayed assertion is refused (challenge already used)',
        rep.first.status === 200 && rep.replay.status === 404 && rep.replay.body.code === 60391, rep);

  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  check('one resident credential, signed three times', credentials.length === 1
        && credentials[0].signCount >= 3, credentials.map((c) => c.signCount));

  // Relay phishing: the attacker's page on a look-alike origin, served by the same backend.
  // The same private key is copied into an authenticator scoped to the attacker's rpId (a
  // real attacker cannot even do this), so the signature is valid; Switchboard must still
  // refuse it because clientDataJSON carries the look-alike origin.
  const bad = await ctx.newPage();
  await bad.goto(evil.href);
  const cdp2 = await ctx.newCDPSession(bad);
  await cdp2.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId: a2 } = await cdp2.send('WebAuthn.addVirtualAuthenticator', { options: authenticator });
  const c = credentials[0];
  await cdp2.send('WebAuthn.addCredential', { authenticatorId: a2, credential: {
    credentialId: c.credentialId, isResidentCredential: true, rpId: evil.hostname,
    privateKey: c.privateKey, userHandle: c.userHandle, signCount: c.signCount + 10 } });
  const relay = await bad.evaluate((u) => window.relayLogin(u), USER);
  check('an assertion made on a look-alike origin is refused (OriginMismatch)',
        relay.got && relay.status === 403 && relay.body.code === 60324
        && /OriginMismatch/.test(relay.body.message), relay);

  // The genuine user can still sign in afterwards.
  const again = await page.evaluate((u) => window.loginPasskey(u), USER);
  check('the genuine origin still signs in', again.status === 200 && again.body.status === 'approved', again);
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
