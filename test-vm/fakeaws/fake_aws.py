#!/usr/bin/env python3
"""Stdlib-only fakes for tests: an EC2 IMDSv2 endpoint and an S3 endpoint that VERIFIES AWS SigV4.

Adapted for ecs-bootstrap's test-vm from the project's prototype.  Faults: --faults FILE names
a JSON file read on every request; each key is a fault, its value how many more requests get
it (a number) or true (every request):
  s3_slowdown      503 SlowDown (with Retry-After: 0)
  s3_close_mid     send the headers and half the body, then close the connection
  s3_short_length  announce Content-Length one byte larger than the body, then close
  s3_stall         send the headers and half the body, then stall for 60 s
  s3_chunked       send the body with chunked transfer encoding
  s3_trickle       send the response head one byte at a time (10 ms apart)
  s3_huge          announce 2 GiB (Content-Length) and send zeros until the client gives up
  s3_huge_chunked  the same without a length (chunked)
  s3_long_body     Content-Length one byte short of the body (then the rest anyway)
  s3_bad_chunk     a chunked body whose chunk size is not hex
  s3_tls_close_mid half the body, then TLS close_notify
  s3_redirect      307 to the same object (path-style URL on the same host)
  s3_redirect_http 302 to the same object over plain http
  imds_expire      IMDS answers 401 to a token once (as if it had expired)
  imds_500         IMDS answers 500
  only             (a string) S3 body faults apply only to keys ending with it

usage:
  fake_aws.py imds --bind 169.254.169.254 --port 80 [--role ecsInstanceRole] [--region us-east-1]
  fake_aws.py s3   --bind 127.0.0.1 --port 443 --root DIR [--cert C --key K] [--region us-east-1]
                   [--anonymous-read]
Both share a credential set (access key / secret / session token) defined below, so a client that
fetches role credentials from the fake IMDS can sign S3 requests the fake S3 accepts.
Every request is logged as one JSON line on stdout (tests can assert on it).
"""
import argparse, datetime, hashlib, hmac, http.server, json, os, secrets, ssl, sys, time, urllib.parse, threading

FAULT_LOCK = threading.Lock()


def fault(name, key=None):
    """True if fault `name` applies to this request (and count it down).  With an "only"
    entry in the file, S3 faults apply only to keys ending with it (e.g. ".tar")."""
    path = getattr(fault, "path", None)
    if not path:
        return False
    with FAULT_LOCK:
        try:
            with open(path) as f:
                faults = json.load(f)
        except (OSError, ValueError):
            return False
        only = faults.get("only")
        if only and key is not None and not key.endswith(only):
            return False
        v = faults.get(name)
        if v is True:
            return True
        if isinstance(v, int) and v > 0:
            faults[name] = v - 1
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(faults, f)
            os.replace(tmp, path)
            return True
        return False

CREDS = {  # access key id -> (secret, session token or None)
    "AKIDSTATICTEST0001": ("static/secret/for/tests/only", None),
    "ASIATEMPORARYTEST01": ("temporary/secret/for/tests/only", "FAKE-SESSION-TOKEN-0123456789"),
}
ROLE_KEY = "ASIATEMPORARYTEST01"


def log(**kw):
    print(json.dumps(kw, sort_keys=True), flush=True)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


# ---------------------------------------------------------------- IMDSv2
class IMDS(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    tokens = {}  # token -> expiry
    args = None

    def log_message(self, *a):
        pass

    def send(self, code, body=b"", ctype="text/plain", extra=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        log(svc="imds", method=self.command, path=self.path, status=code)

    def do_PUT(self):
        if self.headers.get("X-Forwarded-For"):
            return self.send(403, "Forbidden")
        if self.path != "/latest/api/token":
            return self.send(404, "Not Found")
        try:
            ttl = int(self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", ""))
        except ValueError:
            return self.send(400, "Bad Request")
        if not 1 <= ttl <= 21600:
            return self.send(400, "Bad Request")
        tok = secrets.token_urlsafe(40)
        IMDS.tokens[tok] = now() + datetime.timedelta(seconds=ttl)
        log(svc="imds", issued_token=tok)  # for the secrets sweep: no output of ours may hold it
        self.send(200, tok, extra={"X-aws-ec2-metadata-token-ttl-seconds": str(ttl)})

    def do_GET(self):
        a = IMDS.args
        if fault("imds_500"):
            return self.send(500, "Internal Server Error")
        tok = self.headers.get("X-aws-ec2-metadata-token")
        if tok and fault("imds_expire"):
            IMDS.tokens.pop(tok, None)
        if not tok and not a.allow_v1:
            return self.send(401, "Unauthorized")
        if tok and (tok not in IMDS.tokens or IMDS.tokens[tok] < now()):
            return self.send(401, "Unauthorized")
        exp = (now() + datetime.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
        secret, token = CREDS[ROLE_KEY]
        doc = {"accountId": "123456789012", "architecture": "x86_64", "availabilityZone": a.region + "a",
               "imageId": "ami-0123456789abcdef0", "instanceId": a.instance_id,
               "instanceType": "t3.small", "privateIp": "10.0.0.10", "region": a.region,
               "version": "2017-09-30", "pendingTime": "2024-01-01T00:00:00Z"}
        routes = {
            "/latest/meta-data/instance-id": doc["instanceId"],
            "/latest/meta-data/placement/region": a.region,
            "/latest/meta-data/placement/availability-zone": doc["availabilityZone"],
            "/latest/meta-data/iam/security-credentials/": a.role,
            "/latest/meta-data/iam/security-credentials/" + a.role: json.dumps({
                "Code": "Success", "LastUpdated": now().strftime("%Y-%m-%dT%H:%M:%SZ"), "Type": "AWS-HMAC",
                "AccessKeyId": ROLE_KEY, "SecretAccessKey": secret, "Token": token, "Expiration": exp}),
            "/latest/dynamic/instance-identity/document": json.dumps(doc, indent=2),
            "/latest/user-data": a.user_data,
        }
        if self.path in routes:
            return self.send(200, routes[self.path])
        self.send(404, "Not Found")

    do_HEAD = do_GET


# ---------------------------------------------------------------- S3 with SigV4 verification
def uri_encode(s, keep_slash):
    safe = "-_.~" + ("/" if keep_slash else "")
    return urllib.parse.quote(s, safe=safe)


# The bytes a request-target's path may hold as they are (RFC 3986 pchar and '/'); any other
# byte must come percent-encoded.  http.server decodes the request line as Latin-1, so a raw
# non-ASCII byte shows up here as one character above 0x7f.
PATH_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/%")


def raw_path_error(raw):
    """Why the raw path of a request-target is not one S3 would parse, or None."""
    for i, c in enumerate(raw):
        if c not in PATH_CHARS:
            return "byte 0x%02x at offset %d is not allowed unencoded in a URI path" % (ord(c), i)
        if c == "%" and not (len(raw) > i + 2 and all(h in "0123456789abcdefABCDEF" for h in raw[i + 1:i + 3])):
            return "'%%' at offset %d is not followed by two hex digits" % i
    try:
        urllib.parse.unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return "the decoded path is not UTF-8"
    return None


def s3_error(code, msg, **extra):
    x = "".join("<%s>%s</%s>" % (k, v.replace("&", "&amp;").replace("<", "&lt;"), k) for k, v in extra.items())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>%s</Error>'
            % (code, msg, x)).encode()


class S3(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    args = None

    def log_message(self, *a):
        pass

    def reply(self, code, body=b"", ctype="application/xml", extra=None, why=""):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", secrets.token_hex(8).upper())
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        log(svc="s3", method=self.command, path=self.path, host=self.headers.get("Host"), status=code, why=why)

    def verify(self, body):
        """Returns None if OK, else (status, code, message, extra)."""
        a = S3.args
        auth = self.headers.get("Authorization")
        if not auth:
            return None if (a.anonymous_read and self.command in ("GET", "HEAD")) else \
                (403, "AccessDenied", "Access Denied", {})
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return (400, "InvalidArgument", "Unsupported Authorization Type", {})
        try:
            parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
            akid, date, region, service, term = parts["Credential"].split("/")
            signed = parts["SignedHeaders"].split(";")
            given = parts["Signature"]
        except Exception:
            return (400, "AuthorizationHeaderMalformed", "The authorization header is malformed.", {})
        if akid not in CREDS:
            return (403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.",
                    {"AWSAccessKeyId": akid})
        secret, token = CREDS[akid]
        if service != "s3" or term != "aws4_request":
            return (400, "AuthorizationHeaderMalformed", "bad credential scope", {})
        if region != a.region:
            return (400, "AuthorizationHeaderMalformed",
                    "the region '%s' is wrong; expecting '%s'" % (region, a.region), {"Region": a.region})
        amzdate = self.headers.get("x-amz-date", "")
        try:
            t = datetime.datetime.strptime(amzdate, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            return (403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", {})
        if abs((now() - t).total_seconds()) > 900:
            return (403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", {})
        if amzdate[:8] != date:
            return (403, "SignatureDoesNotMatch", "credential date does not match x-amz-date", {})
        if "host" not in signed:
            return (403, "AccessDenied", "host must be a signed header", {})
        if token is not None and self.headers.get("x-amz-security-token") != token:
            return (403, "InvalidToken", "The provided token is malformed or otherwise invalid.", {})
        payload_hash = self.headers.get("x-amz-content-sha256")
        if payload_hash is None:
            return (400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256", {})
        if payload_hash not in ("UNSIGNED-PAYLOAD",) and payload_hash != hashlib.sha256(body).hexdigest():
            return (400, "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.", {})
        raw_path, _, raw_query = self.path.partition("?")
        why = raw_path_error(raw_path)
        if why:  # S3 answers 400 InvalidURI to a request-target it cannot parse
            return (400, "InvalidURI", "Couldn't parse the specified URI.", {"Detail": why})
        # S3: decode once, byte for byte, then encode once; no normalisation
        canon_uri = uri_encode(urllib.parse.unquote_to_bytes(raw_path), True)
        q = urllib.parse.parse_qsl(raw_query, keep_blank_values=True)
        canon_query = "&".join("%s=%s" % (uri_encode(k, False), uri_encode(v, False)) for k, v in sorted(q))
        hdrs = {}
        for k in signed:
            vals = self.headers.get_all(k)
            if vals is None:
                return (403, "SignatureDoesNotMatch", "signed header %s missing" % k, {})
            hdrs[k] = ",".join(" ".join(v.split()) for v in vals)
        canon_headers = "".join("%s:%s\n" % (k, hdrs[k]) for k in signed)
        creq = "\n".join([self.command, canon_uri, canon_query, canon_headers, ";".join(signed), payload_hash])
        scope = "/".join([date, region, service, term])
        sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope, hashlib.sha256(creq.encode()).hexdigest()])
        k = ("AWS4" + secret).encode()
        for part in (date, region, service, term):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, given):
            return (403, "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided. "
                    "Check your key and signing method.",
                    {"AWSAccessKeyId": akid, "StringToSign": sts, "SignatureProvided": given,
                     "CanonicalRequest": creq})
        return None

    def bucket_key(self):
        """(bucket, key): the key decoded once, as S3 names it (spaces, '#', UTF-8 ...)."""
        host = (self.headers.get("Host") or "").split(":")[0]
        raw = self.path.partition("?")[0]
        if raw_path_error(raw) or not raw.startswith("/"):
            return None, None
        path = urllib.parse.unquote_to_bytes(raw).decode("utf-8")[1:]  # only the one '/' that starts the path
        for suffix in (".s3.%s.amazonaws.com" % S3.args.region, ".s3.amazonaws.com"):
            if host.endswith(suffix):  # virtual-hosted style
                return host[: -len(suffix)], path
        b, _, k = path.partition("/")  # path style
        return b, k

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        err = self.verify(body)
        if err:
            st, code, msg, extra = err
            return self.reply(st, s3_error(code, msg, **extra), why=code)
        bucket, key = self.bucket_key()
        if bucket is None:  # an anonymous read skips verify(): the path is checked here too
            return self.reply(400, s3_error("InvalidURI", "Couldn't parse the specified URI."), why="InvalidURI")
        # keys this fake cannot keep as files under --root (S3 takes them; tests do not need them)
        if not bucket or key.startswith("/") or ".." in key.split("/") or "\0" in key:
            return self.reply(400, s3_error("InvalidRequest", "bad path"), why="path")
        f = os.path.join(S3.args.root, bucket, key)
        if self.command == "PUT":
            os.makedirs(os.path.dirname(f), exist_ok=True)
            with open(f, "wb") as fh:
                fh.write(body)
            return self.reply(200, b"", extra={"ETag": '"%s"' % hashlib.md5(body).hexdigest()})
        if not os.path.isdir(os.path.join(S3.args.root, bucket)):
            return self.reply(404, s3_error("NoSuchBucket", "The specified bucket does not exist"), why="bucket")
        if not os.path.isfile(f):
            return self.reply(404, s3_error("NoSuchKey", "The specified key does not exist.", Key=key), why="key")
        if self.command == "GET" and fault("s3_redirect_http"):
            return self.reply(302, b"", extra={"Location": "http://s3.us-east-1.amazonaws.com/%s/%s" % (bucket, key)},
                              why="fault:redirect_http")
        if self.command == "GET" and fault("s3_redirect"):
            return self.reply(307, b"", extra={"Location": "https://s3.us-east-1.amazonaws.com/%s/%s" % (bucket, key)},
                              why="fault:redirect")
        if self.command == "GET" and fault("s3_slowdown"):
            return self.reply(503, s3_error("SlowDown", "Please reduce your request rate."),
                              extra={"Retry-After": "0"}, why="fault:slowdown")
        data = open(f, "rb").read()
        etag = '"%s"' % hashlib.md5(data).hexdigest()
        if self.command == "GET":
            for name in ("s3_close_mid", "s3_short_length", "s3_stall", "s3_chunked", "s3_trickle", "s3_huge",
                         "s3_huge_chunked", "s3_long_body", "s3_bad_chunk", "s3_tls_close_mid"):
                if fault(name, key):
                    return self.faulty(name, data, etag)
        self.send_file(data, etag)

    def send_file(self, data, etag):
        """200 with the object, streamed from memory in 1 MiB writes (big objects for benchmarks)."""
        self.send_response(200)
        self.send_header("Content-Type", "binary/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        self.end_headers()
        if self.command != "HEAD":
            mv = memoryview(data)
            for i in range(0, len(data), 1 << 20):
                self.wfile.write(mv[i:i + (1 << 20)])
        log(svc="s3", method=self.command, path=self.path, host=self.headers.get("Host"), status=200, why="")

    def faulty(self, name, data, etag):
        head = ["HTTP/1.1 200 OK", "Content-Type: binary/octet-stream", "ETag: " + etag]
        half = data[: len(data) // 2]
        if name == "s3_chunked":
            head.append("Transfer-Encoding: chunked")
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode())
            for i in range(0, len(data), 65521):
                piece = data[i:i + 65521]
                self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif name in ("s3_huge", "s3_huge_chunked"):
            # 2 GiB of zeros, announced (or chunked), sent until the client gives up
            chunked = name == "s3_huge_chunked"
            head.append("Transfer-Encoding: chunked" if chunked else "Content-Length: %d" % (2 << 30))
            zeros, sent = bytes(65536), 0
            try:
                self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode())
                while sent < (2 << 30):
                    self.wfile.write((b"10000\r\n" + zeros + b"\r\n") if chunked else zeros)
                    sent += len(zeros)
            except OSError:
                pass
            log(svc="s3", path=self.path, fault=name, bytes_sent=sent)
        elif name == "s3_long_body":
            # Content-Length one byte short: the extra byte must not become part of the object
            head.append("Content-Length: %d" % (len(data) - 1))
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        elif name == "s3_bad_chunk":
            head.append("Transfer-Encoding: chunked")
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + b"zz\r\n" + data[:10] + b"\r\n0\r\n\r\n")
        elif name == "s3_tls_close_mid":
            # half the body, then a TLS close_notify (an orderly TLS end) before the length is reached
            head.append("Content-Length: %d" % len(data))
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + half)
            self.wfile.flush()
            try:
                self.connection.unwrap()
            except (OSError, ValueError):
                pass
        elif name == "s3_trickle":
            head.append("Content-Length: %d" % len(data))
            for b in ("\r\n".join(head) + "\r\n\r\n").encode():
                self.wfile.write(bytes([b]))
                self.wfile.flush()
                time.sleep(0.01)
            self.wfile.write(data)
        else:
            extra = 1 if name == "s3_short_length" else 0
            head.append("Content-Length: %d" % (len(data) + extra))
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode())
            self.wfile.write(data if name == "s3_short_length" else half)
            self.wfile.flush()
            if name == "s3_stall":
                time.sleep(60)
        self.close_connection = True
        log(svc="s3", method=self.command, path=self.path, host=self.headers.get("Host"), status=200, why="fault:" + name)

    do_GET = do_HEAD = do_PUT = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self):  # skip HTTPServer's socket.getfqdn(): a reverse-DNS lookup that stalls ~10 s in a netns
        import socketserver
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["imds", "s3"])
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--role", default="ecsInstanceRole")
    p.add_argument("--instance-id", default="i-0123456789abcdef0")
    p.add_argument("--user-data", default="")
    p.add_argument("--allow-v1", action="store_true", help="IMDS: accept token-less (IMDSv1) GETs")
    p.add_argument("--root", default=".")
    p.add_argument("--cert"); p.add_argument("--key")
    p.add_argument("--anonymous-read", action="store_true")
    p.add_argument("--faults", help="JSON file of faults, read on every request")
    a = p.parse_args()
    fault.path = a.faults
    handler = IMDS if a.mode == "imds" else S3
    handler.args = a
    srv = Server((a.bind, a.port or (80 if a.mode == "imds" else 443)), handler)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    log(svc=a.mode, listening="%s:%d" % srv.server_address[:2], tls=bool(a.cert))
    srv.serve_forever()


if __name__ == "__main__":
    main()
