// Test SMSC (SMPP 3.4 server) on npm `smpp` 0.5.1, the peer for testing Switchboard's ESME.
//   node peers/smpp/node_smsc.js <port> [--log FILE]     (127.0.0.1 only; port 0 = any free port)
// Prints one JSON line per event on stdout (and appends it to FILE, written synchronously so it
// survives SIGKILL). The first line is {"ev":"listening","port":N}.
// Binds: system_id/password `test`/`secret` (env SMSC_SYSTEM_ID / SMSC_PASSWORD).
// Magic destinations (leading `+` ignored, matched by suffix):
//   ...0000 -> ESME_RINVDSTADR          ...0088 -> ESME_RTHROTTLED twice per destination, then accepted
//   ...0077 -> accepted, then an UNDELIV receipt (err:005, message_state 5)
// Receipts (registered_delivery & 3: 1 = always, 2 = failures only) follow after SMSC_DLR_DELAY_MS
// (default 100) on the submitting session if it can receive, else on a receiver bound with the same
// system_id; if there is none they wait until one binds.
'use strict';
const fs = require('fs');
const smpp = require('smpp');

const args = process.argv.slice(2);
const logIdx = args.indexOf('--log');
const logFd = logIdx >= 0 ? fs.openSync(args[logIdx + 1], 'a') : null;
const positional = args.filter((a, i) => !a.startsWith('--') && (logIdx < 0 || i !== logIdx + 1));
const port = Number(positional[0] || 2775);
const USER = process.env.SMSC_SYSTEM_ID || 'test';
const PASS = process.env.SMSC_PASSWORD || 'secret';
const DLR_DELAY_MS = Number(process.env.SMSC_DLR_DELAY_MS || 100);

function log(ev, fields = {}) {
  const line = JSON.stringify({ ev, ...fields }) + '\n';
  process.stdout.write(line);
  if (logFd !== null) fs.writeSync(logFd, line);  // unbuffered: one write(2) per line
}

const ts = (d) => d.toISOString().replace(/[-T:]/g, '').slice(2, 12);  // YYMMDDhhmm (UTC)
let nextId = 0x1000;                 // message ids: lowercase hex counter
const throttled = new Map();         // exact destination_addr -> ESME_RTHROTTLED answers so far
const pending = new Map();           // system_id -> receipts waiting for a receiver bind
const canSend = (s) => s.bindType === 'bind_transmitter' || s.bindType === 'bind_transceiver';
const canReceive = (s) => (s.bindType === 'bind_receiver' || s.bindType === 'bind_transceiver')
  && !s.closed && s.socket.writable;

// Text of short_message (or message_payload) after npm smpp's decode filter. The filter returns
// {message} or, with UDHI (esm_class 0x40), {udh: [IE buffers without the UDHL byte], message};
// message is a string for known codings (0 GSM-7, 3 Latin-1, 8 UCS-2...) and a Buffer otherwise.
function decodeBody(pdu) {
  let sm = pdu.short_message;
  if ((!sm || !sm.message || !sm.message.length) && pdu.message_payload) sm = pdu.message_payload;
  if (!sm || typeof sm !== 'object' || Buffer.isBuffer(sm)) sm = { message: sm || '' };
  const ies = sm.udh || [];
  const udh = ies.length ? Buffer.concat([Buffer.from([ies.reduce((n, ie) => n + ie.length, 0)]), ...ies]) : null;
  const msg = sm.message;
  const text = Buffer.isBuffer(msg) ? msg.toString('hex') : String(msg);  // unknown coding: hex
  return { udh: udh ? udh.toString('hex') : '', text };
}

// npm smpp's GSM encoder turns characters outside GSM 03.38 into 0x00 ('@'), so use '?' instead.
const gsmSafe = (t) => Array.from(t).map((c) => (smpp.encodings.ASCII.match(c) ? c : '?')).join('');

function sendReceipt(session, r) {
  session.deliver_sm(r.pdu, (resp) => log('deliver_sm_resp', { id: r.id, status: resp.command_status }));
  log('deliver_sm', { id: r.id, dst: r.pdu.destination_addr, receipt: r.pdu.short_message });
}

// Route a receipt: the submitting session if it can receive, else any receiver with the same
// system_id, else park it until one binds.
function routeReceipt(origin, r) {
  const target = canReceive(origin) ? origin
    : server.sessions.find((s) => s.systemId === origin.systemId && canReceive(s));
  if (target) return sendReceipt(target, r);
  if (!pending.has(origin.systemId)) pending.set(origin.systemId, []);
  pending.get(origin.systemId).push(r);
  log('receipt_pending', { id: r.id, system_id: origin.systemId });
}

function scheduleReceipt(session, pdu, id, delivered, text) {
  const submitted = new Date();
  setTimeout(() => {
    const [stat, err, dlvrd] = delivered ? ['DELIVRD', '000', '001'] : ['UNDELIV', '005', '000'];
    const body = `id:${id} sub:001 dlvrd:${dlvrd} submit date:${ts(submitted)} done date:${ts(new Date())}` +
      ` stat:${stat} err:${err} text:${gsmSafe(text.slice(0, 20))}`;
    routeReceipt(session, { id, pdu: {
      source_addr_ton: pdu.dest_addr_ton, source_addr_npi: pdu.dest_addr_npi, source_addr: pdu.destination_addr,
      dest_addr_ton: pdu.source_addr_ton, dest_addr_npi: pdu.source_addr_npi, destination_addr: pdu.source_addr,
      esm_class: 0x04, data_coding: 0x00, short_message: body,
      receipted_message_id: id, message_state: delivered ? 2 : 5,  // TLVs are set by name
    } });
  }, DLR_DELAY_MS);
}

const HANDLED = new Set(['bind_transceiver', 'bind_transmitter', 'bind_receiver', 'enquire_link', 'unbind', 'submit_sm']);

const server = smpp.createServer((session) => {
  session.bindType = null;  // set on a successful bind
  const onBind = (pdu) => {
    let status = 0;
    if (session.bindType) status = smpp.ESME_RALYBND;
    else if (pdu.system_id !== USER || pdu.password !== PASS) status = smpp.ESME_RBINDFAIL;
    log(pdu.command, { system_id: pdu.system_id, status });
    if (status) return session.send(pdu.response({ command_status: status }));
    session.bindType = pdu.command;
    session.systemId = pdu.system_id;
    session.send(pdu.response({ system_id: 'SWITCHSIM' }));
    const parked = pending.get(pdu.system_id);
    if (parked && canReceive(session)) { pending.delete(pdu.system_id); parked.forEach((r) => sendReceipt(session, r)); }
  };
  ['bind_transceiver', 'bind_transmitter', 'bind_receiver'].forEach((c) => session.on(c, onBind));
  session.on('enquire_link', (pdu) => { log('enquire_link', { system_id: session.systemId || null }); session.send(pdu.response()); });
  session.on('unbind', (pdu) => {
    log('unbind', { system_id: session.systemId || null });
    session.bindType = null;
    session.send(pdu.response());
    session.close();  // socket.end(): the unbind_resp is flushed first
  });
  // Any other request (query_sm, data_sm, unknown ids...) -> its _resp or generic_nack, ESME_RINVCMDID.
  session.on('pdu', (pdu) => {
    if (pdu.isResponse() || HANDLED.has(pdu.command)) return;
    log('unsupported', { command: pdu.command, command_id: pdu.command_id });
    session.send(smpp.commands[pdu.command + '_resp'] ? pdu.response({ command_status: smpp.ESME_RINVCMDID })
      : new smpp.PDU('generic_nack', { sequence_number: pdu.sequence_number, command_status: smpp.ESME_RINVCMDID }));
  });

  session.on('submit_sm', (pdu) => {
    const { udh, text } = decodeBody(pdu);
    const dst = pdu.destination_addr.replace(/^\+/, '');
    let status = 0, id = null, failLater = false;
    if (!canSend(session)) status = smpp.ESME_RINVBNDSTS;
    else if (dst.endsWith('0000')) status = smpp.ESME_RINVDSTADR;
    else if (dst.endsWith('0088') && (throttled.get(pdu.destination_addr) || 0) < 2) {
      throttled.set(pdu.destination_addr, (throttled.get(pdu.destination_addr) || 0) + 1);
      status = smpp.ESME_RTHROTTLED;
    } else failLater = dst.endsWith('0077');
    if (!status) id = (nextId++).toString(16);
    log('submit_sm', { dst: pdu.destination_addr, src: pdu.source_addr, data_coding: pdu.data_coding,
      esm_class: pdu.esm_class, registered_delivery: pdu.registered_delivery, udh, text, id, status });
    if (status) return session.send(pdu.response({ command_status: status }));
    session.send(pdu.response({ message_id: id }));
    const want = pdu.registered_delivery & 0x03;  // 1: success or failure, 2: failure only
    if (want === 1 || (want === 2 && failLater)) scheduleReceipt(session, pdu, id, !failLater, text);
  });

  session.on('close', () => { session.closed = true; log('close', { system_id: session.systemId || null }); });
  session.on('error', (e) => log('error', { msg: e.message }));
});

server.on('error', (e) => { log('error', { msg: e.message }); process.exit(1); });
server.listen(port, '127.0.0.1', () => log('listening', { port: server.address().port }));

// A reader that stops draining stdout must not block the exit (node flushes a pipe on exit),
// nor crash us with EPIPE when it closes the pipe: the --log file is the durable record.
process.stdout.on('error', () => {});
const stop = () => {
  server.close();
  server.sessions.slice().forEach((s) => s.destroy());
  if (logFd !== null) fs.closeSync(logFd);
  if (process.stdout.writableLength) process.stdout.destroy();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
