"""
NAME
  postfix_instance.py - a private Postfix instance in a temp folder for the
  end-to-end tests: one smtpd on a free 127.0.0.1 port that relays every
  message to a given 127.0.0.1 port (the test's sink)

SUMMARY
  require_postfix()      skips the test (pytest.skip) unless Postfix is
                         installed and the test runs as root (Postfix's
                         master must start as root)
  Postfix(relay_port, refuse=(), defer=(), filter_port=None)
                         makes FOLDER (a new temp folder, mode 0755: the
                         postfix user must reach it, which pytest's own
                         0700 tmp_path does not allow) and writes
                         FOLDER/etc/main.cf and master.cf; queue in
                         FOLDER/queue, data in FOLDER/data, log in
                         FOLDER/maillog (postlogd). inet_interfaces =
                         127.0.0.1, mynetworks = 127.0.0.0/8, no local
                         delivery (mydestination empty, local_transport =
                         error), relayhost = [127.0.0.1]:RELAY_PORT, no DNS
                         (smtp_dns_support_level = disabled, native host
                         lookups), no header rewriting, no MIME output
                         conversion, immediate delivery (in_flow_delay 0,
                         one-second queue timers). Each address in refuse
                         is rejected at RCPT by check_recipient_access
                         (texthash map): 554 5.7.1 with REFUSED_TEXT; each
                         one in defer gets 450 4.7.1 with DEFERRED_TEXT.
                         With filter_port: signing after the queue. Mail
                         received on .port is queued, then sent by the
                         "signet" transport (smtp, no XFORWARD, no MIME
                         conversion) to 127.0.0.1:FILTER_PORT (signetd);
                         signetd sends it back to a second smtpd on
                         .reinject_port that clears content_filter (the
                         loop breaker: main.cf sets the filter globally
                         too) and does no address mappings (the signed
                         headers stay as they are); from there it goes to
                         relayhost. FILTER_CF is that master.cf part.
    .start()             `postfix -c ETC start`, then waits until the port
                         greets with 220
    .stop()              `postfix -c ETC stop`, waits for the master and
                         every process of the instance to exit (SIGKILL
                         after the hang guard) and for the port to refuse
    .close()             stop() if running, then removes the folder
    .postconf(*names)    {name: value} as `postconf -c ETC` reads them
    .log()               the maillog text ("" before the first line)
  The instance writes nothing outside FOLDER: not /etc/postfix (of which
  `postfix start` only reads the package's file list, meta_directory) and
  not /var/spool/postfix. Every command gets -c ETC, and start() checks
  with postconf that config_directory and queue_directory are FOLDER's.
  stop() signals only the instance's own processes: the master (its pid
  file) and the members of its process group.
"""

import grp
import os
import pathlib
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from control_helpers import HANG_GUARD, unused_port, wait_for
from signetd_helpers import listening

POSTFIX = "/usr/sbin/postfix"
POSTCONF = "/usr/sbin/postconf"
REFUSED_TEXT = "refused by the test's postfix"
DEFERRED_TEXT = "deferred by the test's postfix"


def require_postfix():
    if not os.access(POSTFIX, os.X_OK):
        pytest.skip("postfix is not installed (Debian package postfix; "
                    "scripts/install-deps.sh)")
    if os.geteuid() != 0:
        pytest.skip("the Postfix tests need root (Postfix's master runs as root)")
    try:
        pwd.getpwnam("postfix")
        grp.getgrnam("postdrop")
    except KeyError:
        pytest.skip("no postfix user or postdrop group (postfix package not set up)")


def main_cf(folder, port, relay_port):
    """The private main.cf: every value the tests rely on, explicitly."""
    return f"""\
# written by tests/interop/postfix_instance.py for one test
compatibility_level = 3.6
config_directory = {folder}/etc
queue_directory = {folder}/queue
data_directory = {folder}/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = {folder}/maillog
maillog_file_prefixes = {folder}
myhostname = postfix.test
mydomain = test
myorigin = $myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
relay_domains =
local_recipient_maps =
local_transport = error:5.1.1 local delivery is disabled
alias_maps =
alias_database =
relayhost = [127.0.0.1]:{relay_port}
smtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
smtpd_peername_lookup = no
local_header_rewrite_clients =
receive_override_options = no_address_mappings
disable_mime_output_conversion = yes
smtpd_recipient_restrictions =
    check_recipient_access texthash:{folder}/etc/recipient_access
    permit_mynetworks reject
smtpd_relay_restrictions = permit_mynetworks reject
smtpd_error_sleep_time = 0
in_flow_delay = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
notify_classes =
biff = no
smtpd_banner = $myhostname ESMTP test instance
# this smtpd is on 127.0.0.1:{port} (master.cf)
"""


# name type private unpriv chroot wakeup maxproc command: no chroot, no
# local, pickup or tlsmgr; the one inet service is the test's port.
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
cleanup   unix  n - n -   0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -   - trivial-rewrite
bounce    unix  - - n -   0 bounce
defer     unix  - - n -   0 bounce
trace     unix  - - n -   0 bounce
verify    unix  - - n -   1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -   - proxymap
proxywrite unix - - n -   1 proxymap
smtp      unix  - - n -   - smtp
relay     unix  - - n -   - smtp
showq     unix  n - n -   - showq
error     unix  - - n -   - error
retry     unix  - - n -   - error
discard   unix  - - n -   - discard
anvil     unix  - - n -   1 anvil
scache    unix  - - n -   1 scache
postlog   unix-dgram n - n - 1 postlogd
"""

# signing after the queue: what docs/smtp-relay.md shows, with test ports.
# The first smtpd does the address mappings (main.cf turns them off for
# the others), the reinjection one after signetd must not.
FILTER_CF = """  -o content_filter=signet:[127.0.0.1]:{filter_port}
  -o receive_override_options=
signet    unix  - - n - 20 smtp
  -o smtp_send_xforward_command=no
  -o disable_mime_output_conversion=yes
127.0.0.1:{reinject_port} inet n - n - - smtpd
  -o content_filter=
  -o receive_override_options=no_address_mappings,no_header_body_checks,no_milters
  -o mynetworks=127.0.0.1/32
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o smtpd_relay_restrictions=permit_mynetworks,reject
"""


def refuses(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=HANG_GUARD):
            return False
    except ConnectionRefusedError:
        return True


class Postfix:
    """One private instance; see the SUMMARY above."""

    def __init__(self, relay_port, refuse=(), defer=(), filter_port=None):
        require_postfix()
        folder = pathlib.Path(tempfile.mkdtemp(prefix="signet-postfix-"))
        os.chmod(folder, 0o755)
        self.folder = folder
        self.etc = folder / "etc"
        self.port = unused_port(socket.SOCK_STREAM)
        self.etc.mkdir()
        (folder / "queue").mkdir(mode=0o755)
        main = main_cf(folder, self.port, relay_port)
        if filter_port is not None:
            # also global, so that the reinjection listener's content_filter=
            # is what keeps mail from going round (a test that can fail)
            main += f"content_filter = signet:[127.0.0.1]:{filter_port}\n"
        (self.etc / "main.cf").write_text(main)
        master = MASTER_CF.format(port=self.port)
        self.reinject_port = None
        if filter_port is not None:
            self.reinject_port = unused_port(socket.SOCK_STREAM)
            head, rest = master.split("\n", 1)   # the options go under the first smtpd
            master = head + "\n" + FILTER_CF.format(filter_port=filter_port,
                                                    reinject_port=self.reinject_port) + rest
        (self.etc / "master.cf").write_text(master)
        (self.etc / "recipient_access").write_text(
            "".join(f"{addr} REJECT 5.7.1 {REFUSED_TEXT}\n" for addr in refuse) +
            "".join(f"{addr} DEFER 4.7.1 {DEFERRED_TEXT}\n" for addr in defer))
        self.master_pid = None

    def run(self, *args):
        """postfix -c ETC ARGS: the CompletedProcess, output with the log on failure."""
        out = subprocess.run([POSTFIX, "-c", str(self.etc), *args], capture_output=True,
                             text=True, timeout=HANG_GUARD * 2)
        assert out.returncode == 0, (f"postfix {' '.join(args)}: {out.stdout}{out.stderr}"
                                     f"\n--- maillog ---\n{self.log()}")
        return out

    def postconf(self, *names):
        out = subprocess.run([POSTCONF, "-c", str(self.etc), *names], capture_output=True,
                             text=True, timeout=HANG_GUARD, check=True)
        return dict(line.split(" = ", 1) for line in out.stdout.splitlines())

    def log(self):
        try:
            return (self.folder / "maillog").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self):
        where = self.postconf("config_directory", "queue_directory")
        assert where == {"config_directory": str(self.etc),
                         "queue_directory": str(self.folder / "queue")}, where
        self.run("start")
        pidfile = self.folder / "queue" / "pid" / "master.pid"
        self.master_pid = int(pidfile.read_text().split()[0])
        wait_for(lambda: listening(self.port), f"postfix to listen on {self.port}")

    def instance_pids(self):
        """The master and its children (Postfix's daemons run in its
        process group)."""
        if self.master_pid is None:
            return []
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.getpgid(int(entry)) == self.master_pid:
                        pids.append(int(entry))
                except ProcessLookupError:
                    pass
        return pids

    def stop(self):
        """Stops the instance; returns once none of its processes is left
        and its port refuses connections."""
        if self.master_pid is None:
            return
        subprocess.run([POSTFIX, "-c", str(self.etc), "stop"], capture_output=True,
                       timeout=HANG_GUARD)
        deadline = time.monotonic() + HANG_GUARD
        while self.instance_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in self.instance_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.master_pid = None
        wait_for(lambda: refuses(self.port), f"postfix's port {self.port} to close")

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
