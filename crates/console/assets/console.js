// Switchboard console: WebAuthn ceremonies and CSRF-protected requests. No framework.
'use strict';
const csrf = () => (document.querySelector('meta[name="csrf"]') || {}).content || '';

async function sbPost(url, body) {
  const r = await fetch(url, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() },
    body: JSON.stringify(body ?? {}),
  });
  let json = null;
  try { json = await r.json(); } catch (_) { /* empty */ }
  return { status: r.status, body: json };
}

// Registration: options from the server -> navigator.credentials.create() -> finish.
async function sbCreate(start, finish) {
  const s = await sbPost(start, {});
  if (s.status !== 200) return s;
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(s.body.publicKey);
  const cred = await navigator.credentials.create({ publicKey });
  return sbPost(finish, cred.toJSON());
}

// Assertion: options -> navigator.credentials.get() -> finish.
async function sbAssert(start, finish) {
  const s = await sbPost(start, {});
  if (s.status !== 200) return s;
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(s.body.publicKey);
  const cred = await navigator.credentials.get({ publicKey });
  return sbPost(finish, cred.toJSON());
}

function say(text) {
  const el = document.getElementById('status');
  if (el) el.textContent = text;
}

async function run(kind, base) {
  try {
    let r;
    if (kind === 'login') r = await sbAssert(base + '/login/start', base + '/login/finish');
    else if (kind === 'invite') r = await sbCreate(location.pathname + '/start', location.pathname + '/finish');
    else if (kind === 'fresh') r = await sbAssert(base + '/fresh/start', base + '/fresh/finish');
    else if (kind === 'add-key') {
      const name = encodeURIComponent((document.getElementById('key-name') || {}).value || 'key');
      r = await sbCreate(base + '/keys/add/start', base + '/keys/add/finish?name=' + name);
    }
    if (r.status === 200 && r.body && r.body.redirect) location.assign(r.body.redirect);
    else if (r.status !== 200) say((r.body && r.body.error) || ('failed: ' + r.status));
    else say('done');
    return r;
  } catch (e) {
    say('cancelled or failed: ' + e.name);
    return { status: 0, body: { error: String(e) } };
  }
}

// Buttons: <button data-ceremony="login|invite|fresh|add-key" data-base="/console">.
// Forms with data-fresh: confirm with the passkey first, then submit.
document.addEventListener('click', (ev) => {
  const b = ev.target.closest('[data-ceremony]');
  if (!b) return;
  ev.preventDefault();
  run(b.dataset.ceremony, b.dataset.base || '/console');
});
document.addEventListener('submit', async (ev) => {
  const f = ev.target;
  if (!f.dataset.fresh) return;
  ev.preventDefault();
  const r = await run('fresh', f.dataset.base || '/console');
  if (r.status === 200) f.submit();
});

window.sb = { post: sbPost, create: sbCreate, assert: sbAssert, run };
