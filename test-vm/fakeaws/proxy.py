#!/usr/bin/env python3
"""A minimal HTTP proxy for tests: CONNECT tunnels (https) and absolute-form GETs (http).
Logs one JSON line per request.  usage: proxy.py --bind 127.0.0.1 --port 3128"""
import argparse, json, select, socket, socketserver, threading


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(8192).decode("latin-1").rstrip("\r\n")
        headers = []
        while True:
            h = self.rfile.readline(8192)
            if h in (b"\r\n", b"\n", b""):
                break
            headers.append(h)
        method, target, _ = (line.split(" ") + ["", "", ""])[:3]
        print(json.dumps({"svc": "proxy", "method": method, "target": target}), flush=True)
        if method != "CONNECT":
            self.wfile.write(b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n")
            return
        host, _, port = target.rpartition(":")
        try:
            up = socket.create_connection((host, int(port)), timeout=10)
        except OSError:
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        socks = [self.connection, up]
        while True:
            r, _, _ = select.select(socks, [], [], 60)
            if not r:
                break
            for s in r:
                data = s.recv(65536)
                if not data:
                    up.close()
                    return
                (up if s is self.connection else self.connection).sendall(data)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3128)
    a = p.parse_args()
    Server((a.bind, a.port), Handler).serve_forever()
