"""SCTP INIT / INIT-ACK over raw IP sockets, for portmap's integration tests.

Test-only. A kernel without the sctp module (EPROTONOSUPPORT for an SCTP socket) still routes,
conntracks and NATs SCTP packets, and still hands them to raw sockets of protocol 132. So the
portmap rules can be proven on real SCTP packets without an SCTP stack: the client sends an INIT
chunk to node-address:hostPort, the pod answers an INIT-ACK whose state cookie says who answered
and what source it saw, and the client prints that cookie. Both ends check the CRC32c, so a NAT
that forgot to fix the checksum fails the test too (the node's conntrack also drops bad INITs).

  server TAG PORT                      answer INITs and COOKIE-ECHOs to PORT (either family)
                                       until killed; prints "ready"
  client HOST PORT SPORT [establish]   send INITs from SPORT until an INIT-ACK; prints its cookie or
                                       "timeout". With "establish", then COOKIE-ECHO until a
                                       COOKIE-ACK, which takes the node's conntrack entry to
                                       ESTABLISHED (kept 210 s, refreshed by every packet)
"""
import os
import select
import socket
import struct
import sys
import time

IPPROTO_SCTP = 132
CHUNK_INIT, CHUNK_INIT_ACK, CHUNK_COOKIE_ECHO, CHUNK_COOKIE_ACK = 1, 2, 10, 11
SERVER_TAG = 0x5C7A0001
PARAM_STATE_COOKIE = 7


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def packet(sport, dport, vtag, chunk):
    """Common header + one chunk; the checksum is CRC32c, sent little-endian (RFC 9260 App. A)."""
    body = struct.pack('!HHII', sport, dport, vtag, 0) + chunk
    return body[:8] + struct.pack('<I', crc32c(body)) + body[12:]


def pad4(b):
    return b + b'\0' * (-len(b) % 4)


def init_chunk(chunk_type, initiate_tag, params=b''):
    # initiate tag, a_rwnd, outbound streams, inbound streams, initial TSN
    value = struct.pack('!IIHHI', initiate_tag, 65535, 1, 1, initiate_tag) + params
    return pad4(struct.pack('!BBH', chunk_type, 0, 4 + len(value)) + value)


def parse(data, family):
    """(sport, dport, vtag, chunk type, chunk value) of a received packet, or None when bad."""
    if family == socket.AF_INET:
        data = data[(data[0] & 0x0F) * 4:]  # IPv4 raw sockets include the IP header
    if len(data) < 16:
        return None
    sport, dport, vtag = struct.unpack('!HHI', data[:8])
    (checksum,) = struct.unpack('<I', data[8:12])
    if crc32c(data[:8] + b'\0\0\0\0' + data[12:]) != checksum:
        return None
    ctype, _flags, clen = struct.unpack('!BBH', data[12:16])
    return sport, dport, vtag, ctype, data[16:12 + clen]


def open_sockets():
    socks = []
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socks.append(socket.socket(family, socket.SOCK_RAW, IPPROTO_SCTP))
        except OSError:
            pass  # a namespace without IPv6
    return socks


def server(tag, port):
    socks = open_sockets()
    peer_tags = {}
    print('ready', flush=True)
    while True:
        ready, _, _ = select.select(socks, [], [])
        for s in ready:
            data, peer = s.recvfrom(65535)
            p = parse(data, s.family)
            if not p or p[1] != port:
                continue
            sport, _dport, vtag, ctype, value = p
            if ctype == CHUNK_INIT:
                (peer_tag,) = struct.unpack('!I', value[:4])
                peer_tags[(peer[0], sport)] = peer_tag
                cookie = f'{tag} saw {peer[0]}'.encode()
                param = pad4(struct.pack('!HH', PARAM_STATE_COOKIE, 4 + len(cookie)) + cookie)
                answer = packet(port, sport, peer_tag, init_chunk(CHUNK_INIT_ACK, SERVER_TAG, param))
            elif ctype == CHUNK_COOKIE_ECHO and vtag == SERVER_TAG and (peer[0], sport) in peer_tags:
                answer = packet(port, sport, peer_tags[(peer[0], sport)], struct.pack('!BBH', CHUNK_COOKIE_ACK, 0, 4))
            else:
                continue
            s.sendto(answer, (peer[0], 0))


def exchange(s, family, host, port, sport, my_tag, request, expected_type, deadline):
    """Sends `request` every 0.4 s until a chunk of `expected_type` comes back; its value, or None."""
    next_send = 0.0
    while time.monotonic() < deadline:
        if time.monotonic() >= next_send:
            s.sendto(request, (host, 0))
            next_send = time.monotonic() + 0.4
        ready, _, _ = select.select([s], [], [], 0.1)
        if not ready:
            continue
        data, peer = s.recvfrom(65535)
        p = parse(data, family)
        # the answer must come from the address and port we asked, carrying our tag
        if p and peer[0] == host and p[0] == port and p[1] == sport and p[2] == my_tag and p[3] == expected_type:
            return p[4]
    return None


def client(host, port, sport, establish):
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_RAW, IPPROTO_SCTP)
    my_tag = int.from_bytes(os.urandom(4), 'big') | 1
    deadline = time.monotonic() + 4.5
    init = packet(sport, port, 0, init_chunk(CHUNK_INIT, my_tag))
    value = exchange(s, family, host, port, sport, my_tag, init, CHUNK_INIT_ACK, deadline)
    if value is None:
        print('timeout')
        return
    (server_tag,) = struct.unpack('!I', value[:4])
    params, cookie = value[16:], b''
    while len(params) >= 4:
        ptype, plen = struct.unpack('!HH', params[:4])
        if ptype == PARAM_STATE_COOKIE:
            cookie = params[4:plen]
            break
        params = params[(plen + 3) & ~3:]
    if establish:
        echo = packet(sport, port, server_tag, pad4(struct.pack('!BBH', CHUNK_COOKIE_ECHO, 0, 4 + len(cookie)) + cookie))
        if exchange(s, family, host, port, sport, my_tag, echo, CHUNK_COOKIE_ACK, deadline) is None:
            print('timeout (cookie)')
            return
    print(cookie.decode())


if __name__ == '__main__':
    if sys.argv[1] == 'server':
        server(sys.argv[2], int(sys.argv[3]))
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:6] == ['establish'])
