// A minimal customer backend for Switchboard's Verify passkeys factor (Node, no framework).
// It serves index.html and forwards the browser's four calls to Switchboard, adding the
// account's credentials: the browser never sees the auth token.
//
//   SWITCHBOARD_URL=http://127.0.0.1:8080 ACCOUNT_SID=AC… AUTH_TOKEN=… \
//   VERIFY_SERVICE_SID=VA… PORT=3000 node server.mjs
//
// Prints one line `{"listening": "http://localhost:<port>"}` once it accepts connections.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';

const env = (k) => { const v = process.env[k]; if (!v) { console.error(`${k} is not set`); process.exit(2); } return v; };
// One URL, or several comma-separated (nodes sharing one database): requests go round robin,
// so a ceremony started on one node is finished on another.
const BASES = env('SWITCHBOARD_URL').split(',').map((u) => u.trim().replace(/\/$/, '')).filter(Boolean);
let next = 0;
const SERVICE = env('VERIFY_SERVICE_SID');
const AUTH = 'Basic ' + Buffer.from(`${env('ACCOUNT_SID')}:${env('AUTH_TOKEN')}`).toString('base64');
const PAGE = new URL('./index.html', import.meta.url);

// Browser path -> Switchboard path, and how to build the body Switchboard gets.
const routes = {
  '/api/register/start': ['Passkeys/Factors', (b) => ({ identity: b.username, friendly_name: b.device || b.username })],
  '/api/register/finish': ['Passkeys/VerifyFactor', (b) => b],
  '/api/login/start': ['Passkeys/Challenges', (b) => (b.username ? { identity: b.username } : {})],
  '/api/login/finish': ['Passkeys/ApproveChallenge', (b) => b],
};

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const c of req) { size += c.length; if (size > 64 * 1024) throw new Error('body too large'); chunks.push(c); }
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

function send(res, status, obj) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(obj));
}

const server = createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && (req.url === '/' || req.url === '/index.html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(await readFile(PAGE));
      return;
    }
    const route = req.method === 'POST' && routes[req.url];
    if (!route) { send(res, 404, { message: 'not found' }); return; }
    const [path, build] = route;
    const base = BASES[next++ % BASES.length];
    const upstream = await fetch(`${base}/v2/Services/${SERVICE}/${path}`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify(build(await readBody(req))),
    });
    const data = await upstream.json().catch(() => ({}));
    if (!upstream.ok) {
      // Pass Switchboard's error code and message on; never the request's credentials.
      send(res, upstream.status, { code: data.code, message: data.message });
      return;
    }
    // The browser needs only the WebAuthn options and the outcome.
    send(res, 200, {
      sid: data.sid, status: data.status, identity: data.identity,
      factor_sid: data.factor_sid, options: data.options ?? undefined,
    });
  } catch (e) {
    send(res, 400, { message: String(e.message || e) });
  }
});

server.listen(Number(process.env.PORT || 3000), process.env.HOST || '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: `http://localhost:${server.address().port}` }));
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
