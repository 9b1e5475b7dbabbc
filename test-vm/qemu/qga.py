#!/usr/bin/env python3
"""A client for the qemu guest agent (virtio-serial), so the host can assert on the guest.

usage: qga.py SOCKET ping [TIMEOUT]        wait until the agent answers (exit 0) or TIMEOUT s pass
       qga.py SOCKET exec [-t S] SHELL-CMD  run `sh -c SHELL-CMD` in the guest; print its stdout
                                            and stderr; exit with its status (124 on timeout)
       qga.py SOCKET reboot                 ask the guest to reboot
Exit 125 when the agent cannot be reached.
"""
import base64, json, os, random, socket, sys, time


def connect(path, timeout):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


class Agent:
    def __init__(self, path, timeout=5.0):
        self.s = connect(path, timeout)
        self.buf = b""
        sync = random.randrange(1, 2**31)
        self.send({"execute": "guest-sync", "arguments": {"id": sync}})
        while True:  # drop any stale answer left by an earlier client
            if self.recv().get("return") == sync:
                break

    def send(self, msg):
        self.s.sendall(json.dumps(msg).encode() + b"\n")

    def recv(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("guest agent closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        line = line.strip(b"\xff \r")
        return json.loads(line) if line else {}

    def call(self, cmd, **args):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        self.send(msg)
        while True:
            ans = self.recv()
            if "error" in ans:
                raise RuntimeError("%s: %s" % (cmd, ans["error"].get("desc")))
            if "return" in ans:
                return ans["return"]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, verb = sys.argv[1], sys.argv[2]
    if verb == "ping":
        deadline = time.time() + float(sys.argv[3] if len(sys.argv) > 3 else 300)
        while time.time() < deadline:
            try:
                Agent(path, 3.0).call("guest-ping")
                return 0
            except (OSError, ConnectionError, ValueError, RuntimeError):
                time.sleep(1)
        print("qga: no guest agent on %s" % path, file=sys.stderr)
        return 125
    if verb == "reboot":
        a = Agent(path)
        a.send({"execute": "guest-shutdown", "arguments": {"mode": "reboot"}})
        return 0  # guest-shutdown sends no answer on success
    if verb == "exec":
        args = sys.argv[3:]
        limit = 120.0
        if args[:1] == ["-t"]:
            limit, args = float(args[1]), args[2:]
        try:
            a = Agent(path, 10.0)
            pid = a.call("guest-exec", path="/bin/sh", arg=["-c", " ".join(args)], **{"capture-output": True})["pid"]
            deadline = time.time() + limit
            while True:
                st = a.call("guest-exec-status", pid=pid)
                if st.get("exited"):
                    break
                if time.time() > deadline:
                    print("qga: command still running after %g s: %s" % (limit, " ".join(args)), file=sys.stderr)
                    return 124
                time.sleep(0.2)
        except (OSError, ConnectionError, ValueError, RuntimeError) as e:
            print("qga: %s" % e, file=sys.stderr)
            return 125
        sys.stdout.write(base64.b64decode(st.get("out-data", "")).decode(errors="replace"))
        sys.stderr.write(base64.b64decode(st.get("err-data", "")).decode(errors="replace"))
        if st.get("out-truncated") or st.get("err-truncated"):
            print("qga: output truncated", file=sys.stderr)
        return st.get("exitcode", 128 + st.get("signal", 0))
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
