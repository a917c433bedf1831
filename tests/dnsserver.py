#!/usr/bin/python3
"""
NAME
    dnsserver.py - a small authoritative DNS server for signet's tests

SUMMARY
    Serves TXT records from one or more key tables over UDP and TCP on one
    loopback address and port. Written with dnspython (Debian package
    python3-dnspython); run it with /usr/bin/python3.

USAGE
    dnsserver.py [--address ADDR] [--port PORT] --table FILE [--table FILE ...]
                 [--servfail NAME ...] [--refused NAME ...] [--timeout NAME ...]

    --address ADDR  address to listen on (default 127.0.0.1; must be a
                    loopback address, e.g. ::1)
    --port PORT     port for both UDP and TCP; 0 (the default) picks a free
                    port. The port is always printed on stdout as the first
                    line once both sockets are listening, so a test can
                    start the server and read the line to know it is ready.
    --table FILE    a key table (repeatable): one "NAME TXT-VALUE" record a
                    line, as read by dataplane/dns/keytable.c; blank lines
                    and '#' lines are skipped, the first value of a name
                    wins (across files too, in the order given).
    --servfail NAME, --refused NAME, --timeout NAME
                    (repeatable) simulate that failure for exactly NAME,
                    whether or not a table has it: answer SERVFAIL, answer
                    REFUSED, or never answer. Lets a test make one key name
                    of a real corpus fail without renaming it.

    SIGTERM or SIGINT stops the server; it exits with status 0.

ANSWERS
    NAME in a table, TXT query     NOERROR, one TXT record; the value is cut
                                   into character-strings of 255 bytes
    NAME in a table, other type    NOERROR, no answer (NODATA)
    X.cname.test, TXT query        NOERROR: a CNAME X.cname.test -> X, then
                                   X's TXT record (as a recursive resolver
                                   would); NXDOMAIN when X is not in a table
    anything under nodata.test     NOERROR, no answer
    a NAME given to --servfail,    SERVFAIL, REFUSED, no answer at all
      --refused, --timeout         (checked before everything below)
    anything under servfail.test   SERVFAIL
    anything under refused.test    REFUSED
    anything under timeout.test    no answer at all (UDP and TCP)
    anything under badanswer.test  a reply whose header counts one answer
                                   record that is not there (malformed)
    any other name                 NXDOMAIN
    Names compare ASCII case-insensitively; the question is echoed as sent.
    A UDP answer over 512 bytes (or the EDNS size of the query) is replaced
    by an empty answer with TC set, so the client retries over TCP.

UNTRUSTED INPUT
    Queries from the network: parsed by dnspython; unparsable queries are
    dropped. TCP messages are read with a 10-second idle limit.
"""

import argparse
import signal
import socket
import socketserver
import struct
import sys
import threading

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.ANY.TXT
import dns.rrset

TTL = 60
TCP_IDLE_SECONDS = 10
UDP_DEFAULT_SIZE = 512

SPECIAL_ZONES = ("servfail.test", "refused.test", "timeout.test",
                 "nodata.test", "badanswer.test", "cname.test")

# --servfail/--refused/--timeout NAME answer as a name under that zone would.
FAILURE_ZONES = {"servfail": "servfail.test", "refused": "refused.test",
                 "timeout": "timeout.test"}


def load_table(path, records):
    """Adds the records of one table file to records (first value wins)."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            line = raw.rstrip(b"\n").rstrip(b"\r")
            if not line.strip() or line.startswith(b"#"):
                continue
            parts = line.split(None, 1)
            if len(parts) != 2:
                sys.exit("%s:%d: a name without a value" % (path, number))
            name = parts[0].rstrip(b".").lower()
            records.setdefault(name, parts[1])


def name_key(name):
    """The table key of a dns.name.Name: lower-case labels joined by dots."""
    return b".".join(name.relativize(dns.name.root).labels).lower()


def zone_of(key):
    """The special zone key lies in, or None."""
    for zone in SPECIAL_ZONES:
        z = zone.encode()
        if key == z or key.endswith(b"." + z):
            return zone
    return None


def txt_rrset(name, value):
    strings = [value[i:i + 255] for i in range(0, len(value), 255)] or [b""]
    rdata = dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, strings)
    rrset = dns.rrset.RRset(name, dns.rdataclass.IN, dns.rdatatype.TXT)
    rrset.add(rdata, TTL)
    return rrset


class Answerer:
    """Builds the reply (wire bytes, or None for no reply) to one query."""

    def __init__(self, records, failures=None):
        self.records = records
        self.failures = failures or {}

    def reply(self, wire, max_size):
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        if len(query.question) != 1:
            return self.finish(query, dns.rcode.FORMERR, max_size)
        question = query.question[0]
        key = name_key(question.name)
        zone = self.failures.get(key) or zone_of(key)
        if zone == "timeout.test":
            return None
        if zone == "badanswer.test":
            return self.malformed(query)
        rcode = {"servfail.test": dns.rcode.SERVFAIL,
                 "refused.test": dns.rcode.REFUSED}.get(zone)
        if rcode is not None:
            return self.finish(query, rcode, max_size)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if zone == "nodata.test":
            return self.encode(response, max_size)
        owner = question.name
        if zone == "cname.test":
            key, owner = self.add_cname(response, question.name, key)
        value = self.records.get(key)
        if value is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype in (dns.rdatatype.TXT, dns.rdatatype.ANY):
            response.answer.append(txt_rrset(owner, value))
        return self.encode(response, max_size)

    @staticmethod
    def add_cname(response, qname, key):
        """Answers X.cname.test with a CNAME to X; returns X's key and name."""
        target = dns.name.Name(qname.labels[:-3] + (b"",))
        rrset = dns.rrset.RRset(qname, dns.rdataclass.IN, dns.rdatatype.CNAME)
        rrset.add(dns.rdtypes.ANY.CNAME.CNAME(dns.rdataclass.IN,
                                              dns.rdatatype.CNAME, target), TTL)
        response.answer.append(rrset)
        return name_key(target), target

    def finish(self, query, rcode, max_size):
        response = dns.message.make_response(query)
        response.set_rcode(rcode)
        return self.encode(response, max_size)

    @staticmethod
    def malformed(query):
        response = dns.message.make_response(query)
        wire = bytearray(response.to_wire())
        struct.pack_into("!H", wire, 6, 1)  # ANCOUNT = 1, no record follows
        return bytes(wire)

    @staticmethod
    def encode(response, max_size):
        try:
            return response.to_wire(max_size=max_size)
        except dns.exception.TooBig:
            response.answer.clear()
            response.flags |= dns.flags.TC
            return response.to_wire()


class UDPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        max_size = UDP_DEFAULT_SIZE
        try:
            query = dns.message.from_wire(data)
            if query.edns >= 0:
                max_size = max(UDP_DEFAULT_SIZE, query.payload)
        except dns.exception.DNSException:
            return
        wire = self.server.answerer.reply(data, max_size)
        if wire is not None:
            sock.sendto(wire, self.client_address)


class TCPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.request
        conn.settimeout(TCP_IDLE_SECONDS)
        try:
            while True:
                head = self.read_exact(2)
                if head is None:
                    return
                data = self.read_exact(struct.unpack("!H", head)[0])
                if data is None:
                    return
                wire = self.server.answerer.reply(data, 65535)
                if wire is not None:
                    conn.sendall(struct.pack("!H", len(wire)) + wire)
        except OSError:
            return

    def read_exact(self, n):
        chunks = b""
        while len(chunks) < n:
            part = self.request.recv(n - len(chunks))
            if not part:
                return None
            chunks += part
        return chunks


def server_classes(address):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET

    class UDP(socketserver.ThreadingUDPServer):
        address_family = family
        daemon_threads = True

    class TCP(socketserver.ThreadingTCPServer):
        address_family = family
        daemon_threads = True
        allow_reuse_address = True

    return UDP, TCP


def open_servers(address, port, answerer):
    """Binds UDP and TCP on the same port (a free one when port is 0)."""
    udp_class, tcp_class = server_classes(address)
    for _ in range(20):
        udp = udp_class((address, port), UDPHandler)
        chosen = udp.server_address[1]
        try:
            tcp = tcp_class((address, chosen), TCPHandler)
        except OSError:
            udp.server_close()
            if port != 0:
                raise
            continue
        udp.answerer = tcp.answerer = answerer
        return udp, tcp
    sys.exit("no free port for both UDP and TCP")


def main():
    parser = argparse.ArgumentParser(description="Test DNS server for signet.")
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--table", action="append", default=[], required=True)
    for mode in FAILURE_ZONES:
        parser.add_argument("--" + mode, action="append", default=[], metavar="NAME")
    args = parser.parse_args()
    if args.address not in ("127.0.0.1", "::1") and not args.address.startswith("127."):
        sys.exit("refusing to listen on a non-loopback address: " + args.address)

    records = {}
    for path in args.table:
        load_table(path, records)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())

    failures = {}
    for mode, zone in FAILURE_ZONES.items():
        for name in getattr(args, mode):
            failures[name.rstrip(".").lower().encode()] = zone

    udp, tcp = open_servers(args.address, args.port, Answerer(records, failures))
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (udp, tcp)]
    for t in threads:
        t.start()
    print(udp.server_address[1], flush=True)
    while not stop.wait(1.0):
        pass
    for s in (udp, tcp):
        s.shutdown()
        s.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
