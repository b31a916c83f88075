#!/usr/bin/env node
// Counting "sink" SMSC for Switchboard's SMPP benchmarks (bench/src/smpp_blast.rs,
// bench/src/smpp_e2e.rs), on the third-party npm package `smpp` 0.5.1 (node-smpp,
// MIT), installed into peers/smpp/node_modules by scripts/setup-peers.
//
//   node peers/smpp/smsc_sink.js [port]        # port 0 (default) picks a free one
//
// Listens on 127.0.0.1 only. Accepts any bind (transceiver, transmitter, receiver),
// answers submit_sm with an incrementing hex message id, enquire_link and unbind.
// TCP_NODELAY on every accepted socket.
//
// Environment (all optional):
//   SINK_DLR=1            send a delivery receipt for each submit_sm with
//                         registered_delivery & 1 (default 0: never)
//   SINK_DLR_DELAY_MS=0   delay before the receipt (0: on the next event-loop turn)
//   SINK_EXPECT=N         print {"ev":"reached",...} as soon as N submit_sm (and, with
//                         receipts, N deliver_sm_resp) have been counted, so a harness
//                         can time completion more finely than the 1 s rate lines
//   SINK_CORK=1           batch the responses written in one event-loop turn into one
//                         write (socket.cork/uncork); 0 = one write per PDU
//
// Output, one JSON object per line on stdout:
//   {"ev":"listening","port":N,...}                     first, once listening
//   {"ev":"rate","submit_sm":N,"total":T,...}           every second (N = in that second)
//   {"ev":"reached","what":"submit_sm"|"dlr_acked",...} see SINK_EXPECT
//   {"ev":"summary","total":T,...}                      on SIGTERM/SIGINT, then exit 0
// Extra fields: dlr_sent (deliver_sm receipts written), dlr_acked (deliver_sm_resp
// received), binds, sessions, t_ms (milliseconds since the sink started).
'use strict';
const smpp = require('smpp');

const PORT = parseInt(process.argv[2] || '0', 10);
const DLR = process.env.SINK_DLR === '1';
const DLR_DELAY = parseInt(process.env.SINK_DLR_DELAY_MS || '0', 10);
const EXPECT = parseInt(process.env.SINK_EXPECT || '0', 10);
const CORK = process.env.SINK_CORK !== '0';

const started = process.hrtime.bigint();
const tMs = () => Number(process.hrtime.bigint() - started) / 1e6;
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

let nextId = 1;
const stats = { total: 0, dlr_sent: 0, dlr_acked: 0, binds: 0, deliver_sm_resp_errors: 0 };
let reachedSubmits = false;
let reachedAcks = false;

function checkReached() {
  if (EXPECT <= 0) return;
  if (!reachedSubmits && stats.total >= EXPECT) {
    reachedSubmits = true;
    out({ ev: 'reached', what: 'submit_sm', total: stats.total, t_ms: tMs() });
  }
  if (DLR && !reachedAcks && stats.dlr_acked >= EXPECT) {
    reachedAcks = true;
    out({ ev: 'reached', what: 'dlr_acked', dlr_acked: stats.dlr_acked, t_ms: tMs() });
  }
}

function smppDate(d) {
  const p = (n) => String(n).padStart(2, '0');
  return p(d.getUTCFullYear() % 100) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) +
    p(d.getUTCHours()) + p(d.getUTCMinutes());
}

const server = smpp.createServer((session) => {
  const socket = session.socket;
  socket.setNoDelay(true);
  session.boundAs = null;
  session.systemId = '';
  session.on('error', () => { /* peer reset etc.; the socket closes by itself */ });

  if (CORK) {
    // node-smpp writes every PDU with its own socket.write. Cork while this turn's
    // PDUs are handled so all responses leave in one writev.
    let corked = false;
    socket.prependListener('readable', () => {
      if (corked) return;
      corked = true;
      socket.cork();
      process.nextTick(() => { corked = false; socket.uncork(); });
    });
  }

  const onBind = (kind) => (pdu) => {
    session.boundAs = kind;
    session.systemId = pdu.system_id;
    stats.binds++;
    session.send(pdu.response({ system_id: 'sink' }));
  };
  session.on('bind_transceiver', onBind('trx'));
  session.on('bind_transmitter', onBind('tx'));
  session.on('bind_receiver', onBind('rx'));

  // Receipts due on the next turn, flushed together.
  let dlrQueue = [];
  let dlrScheduled = false;
  const flushDlrs = () => {
    dlrScheduled = false;
    const batch = dlrQueue;
    dlrQueue = [];
    if (CORK) socket.cork();
    for (const d of batch) sendDlr(d);
    if (CORK) socket.uncork();
  };

  session.on('submit_sm', (pdu) => {
    if (!session.boundAs || session.boundAs === 'rx') {
      session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
      return;
    }
    const id = (nextId++).toString(16);
    stats.total++;
    session.send(pdu.response({ message_id: id }));
    checkReached();
    if (DLR && (pdu.registered_delivery & 0x01)) {
      const d = { session, pdu, id, submitted: smppDate(new Date()) };
      if (DLR_DELAY > 0) {
        setTimeout(() => sendDlr(d), DLR_DELAY);
      } else {
        dlrQueue.push(d);
        if (!dlrScheduled) { dlrScheduled = true; setImmediate(flushDlrs); }
      }
    }
  });

  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => { session.send(pdu.response()); session.close(); });
});

// The receipt goes back on the submitting session if it can receive, else on a
// receiver/transceiver session with the same system_id (separate TX and RX binds).
function sendDlr({ session, pdu, id, submitted }) {
  let target = session;
  if (session.boundAs === 'tx') {
    target = server.sessions.find((s) =>
      (s.boundAs === 'rx' || s.boundAs === 'trx') && s.systemId === session.systemId);
    if (!target) return;
  }
  const now = smppDate(new Date());
  const sent = target.deliver_sm({
    source_addr_ton: pdu.dest_addr_ton,
    source_addr_npi: pdu.dest_addr_npi,
    source_addr: pdu.destination_addr,
    dest_addr_ton: pdu.source_addr_ton,
    dest_addr_npi: pdu.source_addr_npi,
    destination_addr: pdu.source_addr,
    esm_class: 0x04, // SMSC delivery receipt
    short_message: `id:${id} sub:001 dlvrd:001 submit date:${submitted} done date:${now} stat:DELIVRD err:000 text:`,
    receipted_message_id: id,
    message_state: 2, // DELIVERED
  }, (resp) => {
    if (resp.command_status === 0) {
      stats.dlr_acked++;
      checkReached();
    } else {
      stats.deliver_sm_resp_errors++;
    }
  });
  if (sent) stats.dlr_sent++;
}

server.on('error', (e) => {
  process.stderr.write(`smsc_sink: server error: ${e.message}\n`);
  process.exit(1);
});

server.listen(PORT, '127.0.0.1', () => {
  out({ ev: 'listening', port: server.address().port, dlr: DLR, dlr_delay_ms: DLR_DELAY, cork: CORK, pid: process.pid });
});

let last = 0;
const tick = setInterval(() => {
  const n = stats.total - last;
  last = stats.total;
  out({ ev: 'rate', submit_sm: n, total: stats.total, dlr_sent: stats.dlr_sent, dlr_acked: stats.dlr_acked, sessions: server.sessions.length, t_ms: tMs() });
}, 1000);

function finish(signal) {
  clearInterval(tick);
  out({ ev: 'summary', signal, ...stats, t_ms: tMs() });
  process.exit(0);
}
process.on('SIGTERM', () => finish('SIGTERM'));
process.on('SIGINT', () => finish('SIGINT'));
