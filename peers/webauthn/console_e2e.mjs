// Real-browser end-to-end test of the web console: headless Chromium with a CDP virtual
// authenticator against a running switchboard. Run by crates/server/tests/e2e/console.rs.
//   CONSOLE_URL=http://localhost:PORT INVITE_PATH=/console/invite/… SHOTS=dir CHROMIUM=… node console_e2e.mjs
// Checks: accept the invite and register a passkey; sign out and sign in with it; send a
// message from the console, find it in the log and see it delivered; create an API key after
// a fresh assertion (and use it); a replayed assertion and one made on a look-alike origin
// (relayed by the attacker's server) are refused. Screenshots of the main pages go to SHOTS.
// Prints `N passed, N failed`.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const base = new URL(process.env.CONSOLE_URL);
const shots = process.env.SHOTS || 'screenshots';
mkdirSync(shots, { recursive: true });
const evil = new URL(base); evil.hostname = `switchboard-sso.${base.hostname}`;
const TO = process.env.SEND_TO || '+14155550142';
const authenticator = {
  protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'usb',
  hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
  automaticPresenceSimulation: true,
};
let passed = 0, failed = 0;
const check = (name, ok, detail) => {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name} ${ok ? '' : JSON.stringify(detail)}`);
  ok ? passed++ : failed++;
};
// Runs `action` and waits for a URL matching `re`; on failure says where the page is.
async function nav(page, re, action) {
  try {
    await Promise.all([page.waitForURL(re, { timeout: 15000 }), action()]);
  } catch (e) {
    const text = (await page.textContent('body').catch(() => '')) || '';
    throw new Error(`expected ${re} after an action, at ${page.url()}: ${text.slice(0, 300)}`);
  }
}
const shot = (page, name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });

// The attacker's relay: its own server talks to Switchboard (no browser Origin header).
async function relay(path, body) {
  const r = await fetch(new URL(path, base), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}),
  });
  let json = null; try { json = await r.json(); } catch (_) { /* empty */ }
  return { status: r.status, body: json };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox'],
});
try {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: authenticator });

  // 1. Accept the invite: register a passkey, land on the dashboard.
  await page.goto(new URL(process.env.INVITE_PATH, base).href);
  await shot(page, '01-invite');
  await nav(page, /\/console$/, () => page.click('#accept'));
  check('invite accepted with a new passkey', (await page.textContent('h1')) === 'Dashboard', page.url());
  const cookies = await ctx.cookies();
  const sc = cookies.find((c) => c.name === 'sb_console');
  check('session cookie is Secure, HttpOnly, SameSite=Strict', sc && sc.secure && sc.httpOnly
        && sc.sameSite === 'Strict', sc);

  // 2. The invite link works once.
  const again = await page.goto(new URL(process.env.INVITE_PATH, base).href);
  check('the invite link is used up', again.status() === 404, again.status());

  // 3. Sign out, then sign in with the passkey.
  await page.goto(new URL('/console', base).href);
  await nav(page, /\/console\/login$/, () => page.click('header button'));
  await shot(page, '02-login');
  await nav(page, /\/console$/, () => page.click('#login'));
  check('signed in with the passkey', (await page.textContent('h1')) === 'Dashboard', page.url());

  // 4. Send a message from the console; it shows up in the log and gets delivered.
  await page.goto(new URL('/console/messages?compose=1', base).href);
  await page.fill('#send-from', '+15005550006');
  await page.fill('#send-to', TO);
  await page.fill('#send-body', 'Console e2e: your appointment is confirmed');
  await nav(page, /\/console\/messages\/SM[0-9a-f]{32}$/, () => page.click('#send-button'));
  const sid = page.url().split('/').pop();
  let status = '';
  for (let i = 0; i < 60 && status !== 'delivered'; i++) {
    await page.reload();
    status = (await page.textContent('#detail-status')).trim();
    if (status !== 'delivered') await page.waitForTimeout(250);
  }
  check('the sent message is delivered', status === 'delivered', { sid, status });
  await shot(page, '03-message-detail');
  await page.goto(new URL(`/console/messages?to=${encodeURIComponent(TO)}`, base).href);
  const row = await page.$(`#message-log tr[data-sid="${sid}"]`);
  check('the message is in the log, found by To', row !== null, sid);
  await shot(page, '04-message-log');
  await page.goto(new URL('/console', base).href);
  const rate = (await page.textContent('#delivery-rate .big')).trim();
  check('the dashboard shows a delivery rate', /%$/.test(rate), rate);
  await shot(page, '05-dashboard');

  // 5. Create an API key: the form asks for a fresh assertion first.
  await page.goto(new URL('/console/api-keys', base).href);
  await page.fill('#key-friendly-name', 'e2e key');
  await Promise.all([page.waitForSelector('#new-key-sid', { timeout: 15000 }), page.click('#create-key-button')]);
  const keySid = (await page.textContent('#new-key-sid')).trim();
  const secret = (await page.textContent('#new-key-secret')).trim();
  const account = process.env.ACCOUNT_SID;
  const auth = 'Basic ' + Buffer.from(`${keySid}:${secret}`).toString('base64');
  const api = await fetch(new URL(`/2010-04-01/Accounts/${account}/Messages.json`, base), { headers: { authorization: auth } });
  check('API key created after a fresh assertion works on the REST API', /^SK/.test(keySid) && api.status === 200,
        { keySid, status: api.status });
  await shot(page, '06-api-keys');
  // Changing a webhook is sensitive too: the form confirms with the passkey, then saves.
  await page.goto(new URL('/console/numbers', base).href);
  await page.fill('#numbers input[name="sms_url"]', 'https://hooks.example.com/sms');
  await page.click('#numbers button');
  await page.waitForFunction(() => document.querySelector('#numbers input[name="sms_url"]')?.defaultValue
    === 'https://hooks.example.com/sms', null, { timeout: 15000 }).catch(() => {});
  const saved = await page.getAttribute('#numbers input[name="sms_url"]', 'value');
  check('a number\'s webhook is changed after a fresh assertion', saved === 'https://hooks.example.com/sms', saved);
  for (const p of ['numbers', 'services', 'verify', 'shield', 'webhooks', 'team']) {
    await page.goto(new URL(`/console/${p}`, base).href);
    await shot(page, `07-${p}`);
  }

  // 6. Replay: the same assertion sent twice is refused the second time.
  const rep = await page.evaluate(async () => {
    const s = await window.sb.post('/console/login/start', {});
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(s.body.publicKey);
    const cred = (await navigator.credentials.get({ publicKey })).toJSON();
    const first = await window.sb.post('/console/login/finish', cred);
    const replay = await window.sb.post('/console/login/finish', cred);
    return { first: first.status, replay: replay.status, body: replay.body };
  });
  check('a replayed assertion is refused', rep.first === 200 && rep.replay === 404, rep);

  // 7. Relay phishing: the look-alike site's server fetches real options, its page gets an
  // assertion from the (copied) key, and relays it. clientDataJSON names the look-alike origin.
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  const bad = await ctx.newPage();
  await bad.goto(new URL('/console/login', evil).href);
  const cdp2 = await ctx.newCDPSession(bad);
  await cdp2.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId: a2 } = await cdp2.send('WebAuthn.addVirtualAuthenticator', { options: authenticator });
  const c = credentials[0];
  await cdp2.send('WebAuthn.addCredential', { authenticatorId: a2, credential: {
    credentialId: c.credentialId, isResidentCredential: true, rpId: evil.hostname,
    privateKey: c.privateKey, userHandle: c.userHandle, signCount: c.signCount + 10 } });
  const opts = await relay('/console/login/start');
  const phished = await bad.evaluate(async (pk) => {
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON({ ...pk, rpId: location.hostname });
    return (await navigator.credentials.get({ publicKey })).toJSON();
  }, opts.body.publicKey);
  const relayed = await relay('/console/login/finish', phished);
  check('an assertion made on a look-alike origin is refused', relayed.status === 403
        && /OriginMismatch|RpId/.test(relayed.body && relayed.body.error), relayed);
  const direct = await bad.evaluate(async () => {
    const r = await fetch('/console/login/start', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    return r.status;
  });
  check('the look-alike origin cannot call the console directly', direct === 403, direct);
  await shot(bad, '08-look-alike');

  // 8. Operators: a synced (backup-eligible) passkey is refused at registration; a
  // device-bound security key is accepted. Without a grant the operator sees counts but no
  // message text or phone number; with the owner's grant the messages are visible.
  if (process.env.OPERATOR_INVITE_PATH) {
    const octx = await browser.newContext();
    const op = await octx.newPage();
    const ocdp = await octx.newCDPSession(op);
    await ocdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId: synced } = await ocdp.send('WebAuthn.addVirtualAuthenticator', { options: {
      ...authenticator, defaultBackupEligibility: true, defaultBackupState: true } });
    await op.goto(new URL(process.env.OPERATOR_INVITE_PATH, base).href);
    await op.click('#accept');
    await op.waitForFunction(() => /device-bound/.test(document.getElementById('status').textContent), null, { timeout: 15000 })
      .catch(() => {});
    const refused = await op.textContent('#status').catch(() => '');
    const made = (await ocdp.send('WebAuthn.getCredentials', { authenticatorId: synced })).credentials
      .map((c) => ({ be: c.backupEligibility, bs: c.backupState }));
    check('an operator\'s synced passkey is refused at registration', /device-bound/.test(refused) && /invite/.test(op.url()),
          { refused, url: op.url(), made });
    await shot(op, '09-operator-synced-refused');
    await ocdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: synced });
    await ocdp.send('WebAuthn.addVirtualAuthenticator', { options: { ...authenticator, defaultBackupEligibility: false } });
    await nav(op, /\/operator$/, () => op.click('#accept'));
    check('an operator registers a device-bound key', (await op.textContent('h1')) === 'Installation', op.url());
    await shot(op, '10-operator-home');
    const acct = new URL(`/operator/accounts/${process.env.ACCOUNT_SID}`, base).href;
    await op.goto(acct);
    const hidden = await op.content();
    check('without a grant the operator sees no message text or phone number', !hidden.includes('your appointment is confirmed')
          && !hidden.includes(TO) && (await op.$('#no-grant')) !== null, hidden.slice(0, 200));
    await shot(op, '11-operator-no-grant');
    // The owner grants support access (a sensitive action: fresh assertion first).
    await page.goto(new URL('/console/team', base).href);
    await page.fill('#grant input[name="reason"]', 'ticket 4711: delivery question');
    await page.click('#grant button');
    await page.waitForSelector('#grants tbody tr', { timeout: 15000 })
      .catch(async () => { throw new Error(`no grant: ${(await page.textContent('body')).slice(0, 300)}`); });
    await shot(page, '13-team-grant');
    await op.goto(acct);
    const shown = await op.content();
    check('with the owner\'s grant the operator sees the messages', shown.includes('your appointment is confirmed')
          && (await op.$('#grant')) !== null, shown.slice(0, 200));
    await shot(op, '12-operator-granted');
    await page.goto(new URL('/console/team', base).href);
    const log = await page.textContent('#audit-log');
    check('the account\'s audit log shows the grant and both operator views', /support\.grant/.test(log)
          && (log.match(/operator\.read/g) || []).length >= 2 && /console\.login/.test(log) && /api_key\.create/.test(log)
          && /console\.invite/.test(log) && /number\.update/.test(log), log.slice(0, 400));
    await shot(page, '14-team-audit');
  }
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
