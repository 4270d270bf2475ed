#!/usr/bin/env python3
"""Drives the duckcore shell through a pseudo-terminal, as a user at a keyboard would.

    interactive.py SHELL [--line-editing on|off] [--transcript]

Starts the shell on a pty (so it sees a terminal and is interactive), waits for the prompt, types
a statement over two lines and checks the continuation prompt and the result, switches to csv
and checks the output, checks that an error and Ctrl-C (on a running query, and on an unfinished
statement) leave the session going, asks .memory for the handle's allocated bytes, with line
editing completes a table name, a keyword and a dot command with Tab (and a Tab after a space is
kept as typed), and leaves with .quit, which must exit with status 0. With line editing the typed lines must land in the history file
(~/.duckcore_history, under a temporary HOME). Every wait has a deadline: it never hangs.
--transcript prints the session as a terminal would show it.
"""
import os
import pty
import re
import select
import signal
import struct
import sys
import tempfile
import time

try:
    import fcntl
    import termios
except ImportError:  # not a POSIX system: nothing to test
    sys.exit(77)

DEADLINE_S = 15  # the whole session; each wait is bounded by what is left of it
PROMPT = "duckcore> "
CONTINUE = "...> "


class Session:
    def __init__(self, argv, env):
        self.start = time.monotonic()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the shell, on the pty's terminal side
            try:
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        # 30 rows, 120 columns: the size a terminal would report to line editing.
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
        self.out = ""   # everything the shell wrote, as the terminal got it
        self.seen = 0   # how much of self.out earlier waits consumed

    def left(self):
        return DEADLINE_S - (time.monotonic() - self.start)

    def read_some(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return False
        try:
            data = os.read(self.fd, 4096)
        except OSError:  # EIO: the shell closed its side
            data = b""
        if not data:
            return None
        self.out += data.decode("utf-8", errors="replace")
        return True

    def expect(self, pattern, what):
        """Waits for pattern in output not yet consumed; returns the text up to its match."""
        regex = re.compile(pattern)
        while True:
            m = regex.search(self.out, self.seen)
            if m:
                text = self.out[self.seen:m.end()]
                self.seen = m.end()
                return text
            if self.left() <= 0 or self.read_some(self.left()) is None:
                fail(self, f"waiting for {what} ({pattern!r})")

    def type(self, text):
        os.write(self.fd, text.encode())

    def wait_exit(self):
        while self.left() > 0:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self.read_some(0.05):
                    pass
                return status
            self.read_some(0.05)  # keep draining so the shell never blocks on a full pty
        fail(self, "waiting for the shell to exit")

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


def screen(text):
    """The session as it reads on a terminal: without escape sequences and carriage returns."""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]", "", text)
    return text.replace("\r\n", "\n").replace("\r", "")


def fail(session, why):
    session.kill()
    print(f"FAIL: {why}\n---- the session so far ----\n{screen(session.out)}\n----")
    sys.exit(1)


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    shell = os.path.abspath(args[0])
    editing = "on"
    if "--line-editing" in args:
        editing = args[args.index("--line-editing") + 1]
    with tempfile.TemporaryDirectory(prefix="duckcore-pty-") as home:
        env = dict(os.environ, HOME=home, TERM="xterm", LC_ALL="C.UTF-8")
        s = Session([shell], env)

        banner = s.expect(re.escape(PROMPT), "the first prompt")
        if "duckcore" not in banner or ".help" not in banner:
            fail(s, "no banner before the first prompt")

        # A statement over two lines: the continuation prompt, then the result.
        s.type("SELECT 1 +\r")
        s.expect(re.escape(CONTINUE), "the continuation prompt")
        s.type("41 AS answer;\r")
        result = s.expect(re.escape(PROMPT), "the prompt after the statement")
        if not re.search(r"│ answer │.*│\s+42 │", result, re.S):
            fail(s, "no box with the answer 42")

        # Switch to csv: a header line and the quoted value.
        s.type(".mode csv\r")
        s.expect(re.escape(PROMPT), "the prompt after .mode")
        s.type("SELECT 'a,b' AS s, 2 AS n;\r")
        result = s.expect(re.escape(PROMPT), "the prompt after the csv query")
        if not re.search(r's,n\r?\n"a,b",2\r?\n', result):
            fail(s, "no csv output")

        # An error is reported and the session goes on.
        s.type("SELECT * FROM missing;\r")
        result = s.expect(re.escape(PROMPT), "the prompt after an error")
        if "Error: no such table: missing" not in result:
            fail(s, "no error message")

        # Ctrl-C stops a query that would run forever; the session goes on.
        s.type("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
               "SELECT count(*) FROM c;\r")
        s.expect(r"FROM c;\r?\n", "the endless query to start")
        time.sleep(0.3)
        s.type("\x03")
        result = s.expect(re.escape(PROMPT), "the prompt after Ctrl-C on a query")
        if "Error: interrupted" not in result:
            fail(s, "the query was not interrupted")

        # Ctrl-C at the continuation prompt drops the unfinished statement.
        s.type("SELECT 'dropped'\r")
        s.expect(re.escape(CONTINUE), "the continuation prompt")
        time.sleep(0.1)
        s.type("\x03")
        s.expect(re.escape(PROMPT), "a fresh prompt after Ctrl-C")
        s.type("SELECT 'kept' AS k;\r")
        result = s.expect(re.escape(PROMPT), "the prompt after the next statement")
        if "Error" in result or not re.search(r"kept\r?\n", result):
            fail(s, "the statement after Ctrl-C did not run alone")

        s.type(".memory\r")
        result = s.expect(re.escape(PROMPT), "the prompt after .memory")
        if not re.search(r"^\s*allocated\s+\S+", screen(result), re.M):
            fail(s, "no 'allocated' line from .memory")

        if editing == "on":
            # Tab completes a table name, a keyword and a dot command; after a space it is a tab.
            s.type(".mode list\r")
            s.expect(re.escape(PROMPT), "the prompt after .mode list")
            s.type("CREATE TABLE inventory(quantity);\r")
            s.expect(re.escape(PROMPT), "the prompt after CREATE TABLE")
            s.type("INSERT INTO invent\t VALUES (7);\r")
            s.expect(re.escape(PROMPT), "the prompt after the completed INSERT")
            s.type("sel\tquantity FROM inventory;\r")
            result = s.expect(re.escape(PROMPT), "the prompt after the completed SELECT")
            if "Error" in result or not re.search(r"\n7\r?\n", screen(result)):
                fail(s, "the completed statements did not run (table name, keyword)")
            s.type("SELECT length(' \t') AS n;\r")
            result = s.expect(re.escape(PROMPT), "the prompt after the tab after a space")
            if not re.search(r"\n2\r?\n", screen(result)):
                fail(s, "a Tab after a space was not inserted as typed")
            s.type(".sho\t\r")
            result = s.expect(re.escape(PROMPT), "the prompt after the completed .show")
            if not re.search(r"mode: list", screen(result)):
                fail(s, "'.sho' + Tab did not complete to .show")

        s.type(".quit\r")
        status = s.wait_exit()
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            fail(s, f"exit status {status:#x} after .quit, expected 0")

        history = os.path.join(home, ".duckcore_history")
        if editing == "on":
            try:
                with open(history, encoding="utf-8", errors="replace") as f:
                    saved = f.read()
            except FileNotFoundError:
                fail(s, "no history file with line editing on")
            # libedit writes spaces as \040 in its history file.
            if "41" not in saved or ".mode" not in saved:
                fail(s, f"the typed lines are not in the history file:\n{saved}")

        if "--transcript" in args:
            print(screen(s.out))
        print(f"ok: interactive session ({time.monotonic() - s.start:.1f} s)")


if __name__ == "__main__":
    main()
