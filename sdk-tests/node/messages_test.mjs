// Switchboard conformance checks driven by the official twilio-node SDK.
//
// Env: SWITCHBOARD_URL ACCOUNT_SID AUTH_TOKEN OTHER_ACCOUNT_SID OTHER_AUTH_TOKEN
//      DEFER_TO DELIVER_TO FROM.  Exit 0 when every check passes, 1 otherwise.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import twilio from 'twilio';

const ENV_VARS = ['SWITCHBOARD_URL', 'ACCOUNT_SID', 'AUTH_TOKEN', 'OTHER_ACCOUNT_SID',
  'OTHER_AUTH_TOKEN', 'DEFER_TO', 'DELIVER_TO', 'FROM'];
const missing = ENV_VARS.filter((k) => !process.env[k]);
if (missing.length) {
  console.error(`node-sdk: missing environment variable(s): ${missing.join(', ')}`);
  process.exit(2);
}
const E = Object.fromEntries(ENV_VARS.map((k) => [k, process.env[k]]));
const SDK_VERSION = createRequire(import.meta.url)('twilio/package.json').version;
const MAX_PAGES = 2000; // guards against a next_page_uri cycle

class Failure extends Error {}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const show = (v) => (v === undefined ? 'undefined' : JSON.stringify(v));

function expect(cond, msg) {
  if (!cond) throw new Failure(msg);
}

function expectEq(what, got, want) {
  expect(got === want, `${what}: expected ${show(want)}, got ${show(got)}`);
}

function makeClient(sid, token, opts) {
  const client = twilio(sid, token, opts);
  client.api.baseUrl = E.SWITCHBOARD_URL;
  return client;
}

// Run fn, which must reject with a RestException; return the exception.
async function restError(fn) {
  let result;
  try {
    result = await fn();
  } catch (e) {
    if (e instanceof twilio.RestException) return e;
    throw e;
  }
  const got = result?.sid ? `message ${result.sid} (status ${result.status})` : show(result);
  throw new Failure(`expected RestException, got success: ${got}`);
}

async function expectError(fn, status, code) {
  const e = await restError(fn);
  expect(e.status === status && e.code === code,
    `expected HTTP ${status} code ${code}, got HTTP ${e.status} code ${e.code} (${e.message})`);
  return e;
}

const client = makeClient(E.ACCOUNT_SID, E.AUTH_TOKEN);
const state = {};
const results = { passed: 0, failed: 0 };

const send = (body, to = E.DELIVER_TO) => client.messages.create({ to, from: E.FROM, body });

async function waitStatus(sid, want, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let status;
  while (Date.now() < deadline) {
    ({ status } = await client.messages(sid).fetch());
    if (status === want) return;
    await sleep(100);
  }
  throw new Failure(`${sid} not ${want} after ${timeoutMs / 1000}s, last status ${show(status)}`);
}

async function check(name, fn) {
  try {
    await fn();
    results.passed += 1;
    console.log(`ok ${name}`);
  } catch (e) {
    results.failed += 1;
    const reason = e instanceof Failure ? e.message : `${e?.constructor?.name ?? 'Error'}: ${e?.message ?? e}`;
    console.log(`FAIL ${name}: ${reason}`);
  }
}

function createdSid() {
  expect(state.sid, 'no message sid (create failed)');
  return state.sid;
}

async function tCreate() {
  const m = await send('hello from sdk');
  expect(typeof m.sid === 'string' && m.sid.startsWith('SM') && m.sid.length === 34,
    `sid: expected SM + 32 chars, got ${show(m.sid)}`);
  state.sid = m.sid;
  expectEq('status', m.status, 'queued');
  expectEq('body', m.body, 'hello from sdk');
  expectEq('to', m.to, E.DELIVER_TO);
  expectEq('from', m.from, E.FROM);
  expectEq('numSegments', m.numSegments, '1');
  expectEq('direction', m.direction, 'outbound-api');
  expect(m.dateCreated instanceof Date && !Number.isNaN(m.dateCreated.getTime()),
    `dateCreated: expected a valid Date, got ${show(m.dateCreated)}`);
}

async function tFetch() {
  const m = await client.messages(createdSid()).fetch();
  expectEq('sid', m.sid, state.sid);
  expectEq('body', m.body, 'hello from sdk');
}

async function tDelivered() {
  await waitStatus(createdSid(), 'delivered');
}

async function tListPages() {
  const marker = `page-test-${randomUUID().slice(0, 12)}`;
  const want = [];
  for (let i = 0; i < 5; i++) want.push((await send(`${marker} ${i}`)).sid);

  // Explicit page chain first: it is bounded, so a next_page_uri cycle fails here
  // instead of hanging list() below.
  const seen = new Set();
  let pages = 0;
  let page = await client.messages.page({ to: E.DELIVER_TO, pageSize: 2 });
  while (page) {
    pages += 1;
    expect(pages <= MAX_PAGES, `more than ${MAX_PAGES} pages: next_page_uri never ends`);
    const sids = page.instances.map((m) => m.sid);
    expect(sids.length <= 2, `page ${pages} has ${sids.length} records, pageSize was 2`);
    const dup = sids.filter((s) => seen.has(s));
    expect(dup.length === 0, `page ${pages} repeats sid(s) already seen: ${dup.join(', ')}`);
    sids.forEach((s) => seen.add(s));
    page = await page.nextPage();
  }
  expect(pages >= 3, `expected at least 3 pages of 2, got ${pages}`);
  const notPaged = want.filter((s) => !seen.has(s));
  expect(notPaged.length === 0, `page chain is missing marker sid(s): ${notPaged.join(', ')}`);

  const listed = (await client.messages.list({ to: E.DELIVER_TO, pageSize: 2 })).map((m) => m.sid);
  expect(listed.length === new Set(listed).size, 'list() returned a sid twice');
  const notListed = want.filter((s) => !listed.includes(s));
  expect(notListed.length === 0, `list() is missing marker sid(s): ${notListed.join(', ')}`);
}

async function tInvalidTo() {
  await expectError(() => send('bad to', '123'), 400, 21211);
}

async function tWrongToken() {
  const bad = makeClient(E.ACCOUNT_SID, '0'.repeat(32));
  await expectError(() => bad.messages(state.sid ?? `SM${'0'.repeat(32)}`).fetch(), 401, 20003);
}

async function tIsolation() {
  const sid = createdSid();
  // OTHER's credentials, ACCOUNT's path: must not see ACCOUNT's data.
  const cross = makeClient(E.OTHER_ACCOUNT_SID, E.OTHER_AUTH_TOKEN, { accountSid: E.ACCOUNT_SID });
  const e = await restError(() => cross.messages(sid).fetch());
  expect([401, 404].includes(e.status),
    `cross-account fetch: expected HTTP 401/404, got ${e.status} code ${e.code}`);
  state.isolation = `cross-account path answered HTTP ${e.status} code ${e.code}`;
  // OTHER's own account path: ACCOUNT's sid does not exist there.
  const other = makeClient(E.OTHER_ACCOUNT_SID, E.OTHER_AUTH_TOKEN);
  await expectError(() => other.messages(sid).fetch(), 404, 20404);
}

async function tCancel() {
  const { sid } = await send('cancel me', E.DEFER_TO);
  const deadline = Date.now() + 10_000;
  let last;
  for (;;) {
    try {
      last = (await client.messages(sid).update({ status: 'canceled' })).status;
      if (last === 'canceled') break;
    } catch (e) {
      if (!(e instanceof twilio.RestException) || e.code !== 30409) {
        throw new Failure(`cancel: HTTP ${e.status} code ${e.code} (${e.message})`);
      }
      last = `error 30409 (${e.message})`;
    }
    expect(Date.now() < deadline, `not canceled after 10s, last result: ${last}`);
    await sleep(100);
  }
  expectEq('status after fetch', (await client.messages(sid).fetch()).status, 'canceled');
}

async function tDelete() {
  const { sid } = await send('delete me');
  await waitStatus(sid, 'delivered');
  expectEq('remove()', await client.messages(sid).remove(), true);
  await expectError(() => client.messages(sid).fetch(), 404, 20404);
}

async function tRedact() {
  const { sid } = await send('redact me');
  await waitStatus(sid, 'delivered');
  expectEq('body after redact', (await client.messages(sid).update({ body: '' })).body, '');
}

console.log(`node-sdk: twilio-node ${SDK_VERSION} against ${E.SWITCHBOARD_URL}`);
await check('create', tCreate);
await check('fetch', tFetch);
await check('delivered', tDelivered);
await check('list-pages', tListPages);
await check('invalid-to', tInvalidTo);
await check('wrong-token', tWrongToken);
await check('isolation', tIsolation);
await check('cancel', tCancel);
await check('delete', tDelete);
await check('redact', tRedact);
if (state.isolation) console.log(`note: ${state.isolation}`);
console.log(`node-sdk: ${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed ? 1 : 0);
