"""
NAME
  smtp_sink.py - a small SMTP server for the relay tests: the next hop
  behind signetd, on a free 127.0.0.1 port

SUMMARY
  Sink() starts a threaded server (one thread per connection) that speaks
  enough ESMTP for a relay: EHLO (PIPELINING, SIZE, 8BITMIME,
  ENHANCEDSTATUSCODES), HELO, MAIL, RCPT, DATA (dot-unstuffing), RSET,
  NOOP, QUIT. Replies are written per command in order, so pipelined
  commands work. Each accepted message is stored (sink.messages: a list of
  (mail_from, [rcpts], bytes)) BEFORE its 250 is sent, so whatever the
  relay acknowledged is already here. sink.final = "554 5.7.1 refused"
  (any reply line) makes the sink refuse the end of data with it instead.
  sink.connections counts accepted connections. stop() closes the
  listener and every open session.

UNTRUSTED INPUT
  Whatever the relay sends: lines are bounded (a line over 1 MiB ends the
  session).
"""

import socket
import socketserver
import threading

LINE_MAX = 1 << 20


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(LINE_MAX + 1)
        if not line or len(line) > LINE_MAX:
            return None
        return line

    def read_data(self):
        chunks = []
        while True:
            line = self.readline()
            if line is None:
                return None
            if line in (b".\r\n", b".\n"):
                return b"".join(chunks)
            chunks.append(line[1:] if line.startswith(b".") else line)

    def handle(self):
        # replies to a pipelined group are written one by one: without
        # TCP_NODELAY, Nagle holds the second until the first is ACKed
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sink = self.server.sink
        with sink.lock:
            sink.connections += 1
            sink.sockets.add(self.request)
        mail_from, rcpts = None, []
        self.reply("220 sink.test ESMTP")
        while True:
            line = self.readline()
            if line is None:
                break
            word = line.split(b" ", 1)[0].strip().upper()
            if word == b"EHLO":
                self.reply("250-sink.test\r\n250-PIPELINING\r\n250-SIZE 104857600\r\n"
                           "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES")
            elif word == b"HELO":
                self.reply("250 sink.test")
            elif word == b"MAIL":
                mail_from, rcpts = line[10:].strip().decode(errors="replace"), []
                self.reply("250 2.1.0 ok")
            elif word == b"RCPT":
                rcpts.append(line[8:].strip().decode(errors="replace"))
                self.reply("250 2.1.5 ok")
            elif word == b"DATA":
                self.reply("354 go ahead")
                data = self.read_data()
                if data is None:
                    break
                final = sink.final
                if final:
                    self.reply(final)
                    continue
                with sink.lock:
                    sink.messages.append((mail_from, rcpts, data))
                    queue_id = f"Q{len(sink.messages)}"
                self.reply(f"250 2.0.0 Ok: queued as {queue_id}")
            elif word == b"QUIT":
                self.reply("221 2.0.0 bye")
                break
            else:
                self.reply("250 2.0.0 ok")
        with sink.lock:
            sink.sockets.discard(self.request)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024   # a relay opens many connections at once


class Sink:
    def __init__(self, port=0):
        self.lock = threading.Lock()
        self.messages = []
        self.connections = 0
        self.sockets = set()
        self.final = None
        self.server = _Server(("127.0.0.1", port), _Handler)
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        with self.lock:
            for s in list(self.sockets):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def count(self):
        with self.lock:
            return len(self.messages)
