"""ESME (SMPP client) on PyPI `smpplib` 2.2.4, for interop tests of an SMSC such as Switchboard's
built-in simulator (or peers/smpp/node_smsc.js).

    python peers/smpp/smpplib_esme.py <host> <port> [--system-id ID --password PW]

Flow: connect, bind_transceiver, one submit_sm (GSM-7 text, data_coding 0, registered_delivery 1),
wait up to 10 s for the delivery receipt (deliver_sm with the esm_class receipt type 0x04 whose
receipted_message_id TLV or `id:` text equals the submit_sm_resp message_id), unbind, disconnect.
Prints one JSON line per step, then `smpplib: 1 passed, 0 failed` (exit 0) or
`smpplib: 0 passed, 1 failed: <reason>` (exit 1).
"""
import argparse
import json
import re
import socket
import sys
import time

import smpplib.client
import smpplib.consts as c
import smpplib.exceptions
import smpplib.smpp

SOURCE, DESTINATION, TEXT = '15550001111', '393331234567', 'Ciao da smpplib'
DEADLINE_S = 10.0


def step(name, **fields):
    print(json.dumps({'step': name, **fields}), flush=True)


def text_of(value):
    return value.decode('latin-1') if isinstance(value, bytes) else value


def same_id(a, b):
    """Message ids compared case-insensitively, leading zeros ignored (receipts may pad them)."""
    norm = lambda s: (s or '').strip().lower().lstrip('0')
    return a is not None and b is not None and norm(a) == norm(b)


class Failed(Exception):
    pass


def run(args, client, state):
    deadline = time.monotonic() + DEADLINE_S

    def remaining():
        left = deadline - time.monotonic()
        if left <= 0:
            raise Failed('timed out after %.0f s' % DEADLINE_S)
        return left

    def on_sent(pdu, **_):   # submit_sm_resp (also called after on_error_pdu for a rejected submit)
        state['submit_status'] = pdu.status
        state['message_id'] = text_of(getattr(pdu, 'message_id', None)) or None
        step('submit_sm_resp', status=pdu.status, message_id=state['message_id'])

    def on_received(pdu, **_):   # deliver_sm; the return value is the deliver_sm_resp status
        body = text_of(pdu.short_message or b'')
        tlv_id = text_of(getattr(pdu, 'receipted_message_id', None))
        m = re.search(r'\bid:(\S+)', body, re.IGNORECASE)
        text_id = m.group(1) if m else None
        is_receipt = (pdu.esm_class & 0x3C) == 0x04
        step('deliver_sm', esm_class=pdu.esm_class, receipted_message_id=tlv_id,
             message_state=getattr(pdu, 'message_state', None), text=body)
        if is_receipt and (same_id(tlv_id, state.get('message_id')) or same_id(text_id, state.get('message_id'))):
            state['receipt'] = {'text': body, 'tlv_id': tlv_id, 'text_id': text_id,
                                'message_state': getattr(pdu, 'message_state', None)}
        return c.SMPP_ESME_ROK

    client.set_message_sent_handler(on_sent)
    client.set_message_received_handler(on_received)
    client.set_error_pdu_handler(lambda pdu: step('error_pdu', command=pdu.command, status=pdu.status))

    client.connect()
    step('connect', host=args.host, port=args.port)
    try:
        resp = client.bind_transceiver(system_id=args.system_id, password=args.password)
    except smpplib.exceptions.PDUError as e:
        raise Failed('bind_transceiver rejected: %s' % e.args[0])
    step('bind_transceiver', status=resp.status, system_id=text_of(resp.system_id))

    client.send_message(
        source_addr_ton=c.SMPP_TON_INTL, source_addr_npi=c.SMPP_NPI_ISDN, source_addr=SOURCE,
        dest_addr_ton=c.SMPP_TON_INTL, dest_addr_npi=c.SMPP_NPI_ISDN, destination_addr=DESTINATION,
        data_coding=c.SMPP_ENCODING_DEFAULT, esm_class=0, registered_delivery=1,
        short_message=TEXT.encode('ascii'))   # GSM-7 unpacked == ASCII for these characters
    step('submit_sm', src=SOURCE, dst=DESTINATION, text=TEXT, data_coding=0, registered_delivery=1)

    # read_once() answers deliver_sm / enquire_link itself and sends enquire_link on a read timeout.
    while 'receipt' not in state:
        client._socket.settimeout(min(1.0, remaining()))
        client.read_once()
        if state.get('submit_status') not in (None, c.SMPP_ESME_ROK):
            raise Failed('submit_sm rejected with status 0x%02x' % state['submit_status'])
    r = state['receipt']
    if 'stat:DELIVRD' not in r['text']:
        raise Failed('receipt is not DELIVRD: %s' % r['text'])
    if r['tlv_id'] is not None and not same_id(r['tlv_id'], state['message_id']):
        step('warning', msg='receipted_message_id TLV differs from the submit_sm_resp id (matched by text)')
    unbind(client, remaining)


def unbind(client, remaining):
    """Like Client.unbind(), but keeps answering deliver_sm / enquire_link until unbind_resp arrives
    (Client.unbind() takes whatever PDU comes next as the answer)."""
    client.send_pdu(smpplib.smpp.make_pdu('unbind', client=client))
    while True:
        client._socket.settimeout(remaining())
        pdu = client.read_pdu()
        if pdu.command == 'unbind_resp':
            step('unbind_resp', status=pdu.status)
            return
        if pdu.command == 'deliver_sm':
            client._message_received(pdu)
        elif pdu.command == 'enquire_link':
            client._enquire_link_received(pdu)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('host')
    ap.add_argument('port', type=int)
    ap.add_argument('--system-id', default='test')
    ap.add_argument('--password', default='secret')
    args = ap.parse_args()

    client = smpplib.client.Client(args.host, args.port, timeout=DEADLINE_S, allow_unknown_opt_params=True)
    state, reason = {}, None
    try:
        run(args, client, state)
    except Failed as e:
        reason = str(e)
    except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, socket.timeout, OSError) as e:
        reason = '%s: %s' % (type(e).__name__, e)
    finally:
        if reason is not None and client.state in (c.SMPP_CLIENT_STATE_BOUND_TX, c.SMPP_CLIENT_STATE_BOUND_RX,
                                                   c.SMPP_CLIENT_STATE_BOUND_TRX):
            try:   # best effort, so the SMSC does not keep a dead session around
                end = time.monotonic() + 2
                unbind(client, lambda: max(0.1, end - time.monotonic()))
            except Exception:
                pass
        if client.state == c.SMPP_CLIENT_STATE_CLOSED:   # connect failed: Client.disconnect() would
            if client._socket is not None:                # warn about a "bound state"
                client._socket.close()
                client._socket = None
        else:
            client.disconnect()
        step('disconnect')
    if reason is None:
        print('smpplib: 1 passed, 0 failed', flush=True)
        return 0
    step('error', reason=reason)
    print('smpplib: 0 passed, 1 failed: %s' % reason, flush=True)
    return 1


if __name__ == '__main__':
    sys.exit(main())
