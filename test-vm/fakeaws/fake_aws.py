#!/usr/bin/env python3
"""Stdlib-only fakes for tests: an EC2 IMDSv2 endpoint, and S3 and ECS endpoints that VERIFY AWS SigV4.

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

Throttling (s3, --rate R): S3's answer to a request rate it does not take yet, 503 with the
SlowDown error document ("Please reduce your request rate."), and, as S3 sends it, no
Retry-After.  A token bucket shared by every request (any method, any key, before the
signature is checked): it holds at most --burst B tokens (default: R, one second's worth),
starts full and refills at R tokens per second; a request takes one token or, when none is
left, is answered 503 (logged with why "throttle"); a 503 takes no token.
Many clients at once: --backlog N is the listen backlog (default 5, socketserver's), and with
it TLS handshakes happen in each connection's own thread, not one by one in accept().
--log-time (implied by --rate) adds to every log line "t", when the request's line arrived
(seconds since the epoch), and "client", the peer's address.

usage:
  fake_aws.py imds --bind 169.254.169.254 --port 80 [--role ecsInstanceRole] [--region us-east-1]
  fake_aws.py s3   --bind 127.0.0.1 --port 443 --root DIR [--cert C --key K] [--region us-east-1]
                   [--domain amazonaws.com]
                   [--anonymous-read] [--rate R [--burst B]]
  (any mode)       [--backlog N] [--log-time]
  fake_aws.py ecs  --bind 127.0.0.2 --port 443 --cert C --key K [--region us-east-1]
                   [--clusters a,b] [--poll-host-suffix .us-east-1.amazonaws.com] [--public-port 443]
                   [--tasks DIR [--acs-heartbeat 20]]
  fake_aws.py ecs-call URL OPERATION [JSON] [options]   (a signed call, for tests of the fake)
All share a credential set (access key / secret / session token) defined below, so a client that
fetches role credentials from the fake IMDS can sign S3 and ECS requests the fakes accept.
Every request is logged as one JSON line on stdout (tests can assert on it).

The ECS fake is the control plane an idle container instance talks to (phase 1: no tasks):
the JSON 1.1 API (POST /, X-Amz-Target AmazonEC2ContainerServiceV20141113.OP) with SigV4
(service "ecs") checked on every request, errors as AWS gives them ({"__type": ..., "message":
...}: 403 InvalidSignatureException / UnrecognizedClientException, 400 MissingAuthentication-
TokenException, ClientException, ClusterNotFoundException, UnknownOperationException).
RegisterContainerInstance checks the instance identity document against the fake IMDS's
signature, issues arn:aws:ecs:REGION:ACCOUNT:container-instance/CLUSTER/ID (a re-registration
naming a known ARN of the same cluster keeps it; a clientToken seen before gets the same ARN
again, as ECS's idempotency does: an SDK retry is not a second instance); DiscoverPollEndpoint
names ecs-a-1 (ACS), ecs-t-1 (telemetry) and ecs-sc-1 (Service Connect) + --poll-host-suffix,
on this fake's port.  The telemetry client signs each of its messages too: checked and logged.
GET /ws (the ACS and telemetry websockets) is SigV4-checked, upgraded (RFC 6455) and held open:
pings are answered, the agent's messages logged by type (its acks with their messageId /
credentialsId).  Without --tasks nothing is sent.  With --tasks DIR the ACS websocket sends a
HeartbeatMessage every --acs-heartbeat s and places tasks: each DIR/*.json (an ACS Task object
or a list of them, roleCredentials included) is sent once in a PayloadMessage (logged as op
"acs-send"); a DIR/update-*.json ({"location": URL, "signature": the tarball's sha256 in hex}) is
an agent update, as ECS's UpdateContainerAgent sends it: a StageUpdateMessage, then, once the
agent acked that, a PerformUpdateMessage with the same updateInfo (each file once per fake; the
agent's NackRequests are logged with their reason).  SubmitTaskStateChange is logged with task, task_status, reason and containers
(containerName, status, exitCode).  Log lines: {"svc": "ecs", "op": ..., "cluster": ...,
"arn": ..., "akid": ..., "status": ..., "time": ...}; websockets log op "ws-connect",
"ws-message" and "ws-close" with "endpoint" acs | tcs | sc.
"""
import argparse, base64, datetime, email.parser, hashlib, hmac, http.server, json, os, secrets, ssl, sys, time
import urllib.parse, threading

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
ACCOUNT = "123456789012"
IMDS_MAC = "0e:49:61:0f:c3:11"
AZ_IDS = {"us-east-1": "use1", "us-west-2": "usw2", "eu-west-1": "euw1"}
# The fake IMDS "signs" the instance identity document with this key (EC2 uses an RSA key of
# AWS's), so the fake ECS can check what an instance registers with, as ECS does.
IID_KEY = b"fake-ec2-instance-identity-key"


def iid_signature(document):
    return base64.b64encode(hmac.new(IID_KEY, document.encode(), hashlib.sha256).digest()).decode()


LOG_TIME = False  # --log-time: "t" and "client" in every line
REQ = threading.local()  # the current request's arrival time and peer (set by Timed)
LOG_LOCK = threading.Lock()  # print() writes the line and its newline apart: threads would interleave them


def log(**kw):
    if LOG_TIME:
        kw.setdefault("t", round(getattr(REQ, "t", None) or time.time(), 4))
        kw.setdefault("client", getattr(REQ, "client", None))
    line = json.dumps(kw, sort_keys=True)
    with LOG_LOCK:
        print(line, flush=True)


class Timed:
    """Mixin for a handler: note when each request's line arrived and from whom (for log())."""

    def parse_request(self):
        REQ.t, REQ.client = time.time(), self.client_address[0] if self.client_address else None
        return super().parse_request()


class Throttle:
    """--rate R --burst B: a token bucket (B tokens at most, full at the start, R more per second);
    take() is True when the request may go on (it took a token), False when it gets SlowDown."""

    def __init__(self, rate, burst):
        self.rate, self.burst = float(rate), float(burst)
        self.tokens, self.last = self.burst, time.monotonic()
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            t = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (t - self.last) * self.rate)
            self.last = t
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


def now():
    return datetime.datetime.now(datetime.timezone.utc)


# ---------------------------------------------------------------- IMDSv2
class IMDS(Timed, http.server.BaseHTTPRequestHandler):
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
        doc = {"accountId": ACCOUNT, "architecture": "x86_64", "availabilityZone": a.region + "a",
               "imageId": "ami-0123456789abcdef0", "instanceId": a.instance_id,
               "instanceType": "t3.small", "privateIp": "10.0.0.10", "region": a.region,
               "version": "2017-09-30", "pendingTime": "2024-01-01T00:00:00Z"}
        mac = IMDS_MAC
        md = "/latest/meta-data/"
        nic = md + "network/interfaces/macs/" + mac + "/"
        routes = {
            md + "instance-id": doc["instanceId"],
            md + "placement/region": a.region,
            md + "placement/availability-zone": doc["availabilityZone"],
            # the real ECS agent stopped at a 404 for the MAC, the VPC and subnet ids, the zone id and
            # the document's signature; the rest are what every EC2 instance answers too
            md + "placement/availability-zone-id": AZ_IDS.get(a.region, "use1") + "-az1",
            md + "mac": mac,
            md + "network/interfaces/macs/": mac + "/",
            nic + "vpc-id": "vpc-0123456789abcdef0",
            nic + "subnet-id": "subnet-0123456789abcdef0",
            nic + "vpc-ipv4-cidr-block": "10.0.0.0/16",
            md + "local-ipv4": doc["privateIp"],
            md + "ami-id": doc["imageId"],
            md + "instance-type": doc["instanceType"],
            "/latest/dynamic/instance-identity/signature": iid_signature(json.dumps(doc, indent=2)),
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


class SigV4Error(Exception):
    """Why a request's SigV4 signature does not verify: kind is one of type, malformed,
    unknown_key, scope_service, scope_region, no_date, skew, scope_date, host_unsigned, bad_token,
    header_missing, mismatch, or what the caller's canonical() raised; info has the details."""

    def __init__(self, kind, **info):
        super().__init__(kind)
        self.kind, self.info = kind, info


def sigv4_verify(h, service, region, max_skew, canonical):
    """Verify the AWS4-HMAC-SHA256 Authorization header of the request in handler h (its
    presence is the caller's business) for SERVICE in REGION, the request time at most MAX_SKEW
    seconds off; canonical() gives (canonical URI, payload hash) the way the service computes
    them, or raises SigV4Error.  Returns the access key id; raises SigV4Error."""
    auth = h.headers.get("Authorization") or ""
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        raise SigV4Error("type")
    try:
        parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
        akid, date, cregion, cservice, term = parts["Credential"].split("/")
        signed = parts["SignedHeaders"].split(";")
        given = parts["Signature"]
    except Exception:
        raise SigV4Error("malformed", auth=auth)
    if akid not in CREDS:
        raise SigV4Error("unknown_key", akid=akid)
    secret, token = CREDS[akid]
    if cservice != service or term != "aws4_request":
        raise SigV4Error("scope_service", service=cservice)
    if cregion != region:
        raise SigV4Error("scope_region", region=cregion)
    amzdate = h.headers.get("x-amz-date", "")
    try:
        t = datetime.datetime.strptime(amzdate, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise SigV4Error("no_date")
    if abs((now() - t).total_seconds()) > max_skew:
        raise SigV4Error("skew", amzdate=amzdate)
    if amzdate[:8] != date:
        raise SigV4Error("scope_date", date=date, amzdate=amzdate)
    if "host" not in signed:
        raise SigV4Error("host_unsigned")
    if token is not None and h.headers.get("x-amz-security-token") != token:
        raise SigV4Error("bad_token", akid=akid)
    canon_uri, payload_hash = canonical()
    q = urllib.parse.parse_qsl(h.path.partition("?")[2], keep_blank_values=True)
    check_signature(h, akid, secret, given, signed, canon_uri, q, payload_hash, amzdate, (date, cregion, cservice))
    return akid


def signing_key(secret, date, region, service):
    k = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def check_signature(h, akid, secret, given, signed, canon_uri, query, payload_hash, amzdate, scope):
    """The signature request h should carry (canonical request from its method, the signed
    headers' values, canon_uri, the query pairs and payload_hash; scope = (date, region,
    service)) against given; raises SigV4Error header_missing or mismatch."""
    canon_query = "&".join("%s=%s" % (uri_encode(k, False), uri_encode(v, False)) for k, v in sorted(query))
    hdrs = {}
    for k in signed:
        vals = h.headers.get_all(k)
        if vals is None:
            raise SigV4Error("header_missing", header=k)
        hdrs[k] = ",".join(" ".join(v.split()) for v in vals)
    canon_headers = "".join("%s:%s\n" % (k, hdrs[k]) for k in signed)
    creq = "\n".join([h.command, canon_uri, canon_query, canon_headers, ";".join(signed), payload_hash])
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, "/".join(scope) + "/aws4_request",
                     hashlib.sha256(creq.encode()).hexdigest()])
    want = hmac.new(signing_key(secret, *scope), sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, given):
        raise SigV4Error("mismatch", akid=akid, sts=sts, given=given, creq=creq)


def presigned_verify(h, region, canon_uri):
    """Verify a presigned (query-string) SigV4 GET as S3 does: X-Amz-Algorithm, -Credential
    (a known key, this region, s3), -Date, -Expires (1..604800 s, not passed), -SignedHeaders
    (host among them), -Signature over the canonical query without the signature and an
    UNSIGNED-PAYLOAD.  Returns the access key id; raises SigV4Error (kinds as sigv4_verify's,
    and "expired")."""
    q = urllib.parse.parse_qsl(h.path.partition("?")[2], keep_blank_values=True)
    d = dict(q)
    if d.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
        raise SigV4Error("type")
    try:
        akid, date, cregion, cservice, term = d["X-Amz-Credential"].split("/")
        signed = d["X-Amz-SignedHeaders"].split(";")
        given, amzdate, expires = d["X-Amz-Signature"], d["X-Amz-Date"], int(d["X-Amz-Expires"])
        t = datetime.datetime.strptime(amzdate, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except Exception:
        raise SigV4Error("malformed", auth=h.path)
    if akid not in CREDS:
        raise SigV4Error("unknown_key", akid=akid)
    secret, token = CREDS[akid]
    if cservice != "s3" or term != "aws4_request":
        raise SigV4Error("scope_service", service=cservice)
    if cregion != region:
        raise SigV4Error("scope_region", region=cregion)
    if amzdate[:8] != date:
        raise SigV4Error("scope_date", date=date, amzdate=amzdate)
    if not 1 <= expires <= 604800 or (now() - t).total_seconds() > expires:
        raise SigV4Error("expired")
    if "host" not in signed:
        raise SigV4Error("host_unsigned")
    if token is not None and d.get("X-Amz-Security-Token") != token:
        raise SigV4Error("bad_token", akid=akid)
    check_signature(h, akid, secret, given, signed, canon_uri, [(k, v) for k, v in q if k != "X-Amz-Signature"],
                    "UNSIGNED-PAYLOAD", amzdate, (date, cregion, cservice))
    return akid


def presign(argv):
    """fake_aws.py presign URL [--akid K] [--region R] [--expires S]: the URL presigned for a GET
    (query-string SigV4, as `aws s3 presign` makes it), by default with the static test key."""
    p = argparse.ArgumentParser(prog="fake_aws.py presign")
    p.add_argument("url"); p.add_argument("--akid", default="AKIDSTATICTEST0001")
    p.add_argument("--region", default="us-east-1"); p.add_argument("--expires", type=int, default=3600)
    a = p.parse_args(argv)
    secret, token = CREDS[a.akid]
    u = urllib.parse.urlsplit(a.url)
    amzdate = now().strftime("%Y%m%dT%H%M%SZ")
    scope = "/".join([amzdate[:8], a.region, "s3", "aws4_request"])
    q = [("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", a.akid + "/" + scope),
         ("X-Amz-Date", amzdate), ("X-Amz-Expires", str(a.expires)), ("X-Amz-SignedHeaders", "host")]
    if token:
        q.append(("X-Amz-Security-Token", token))
    canon_query = "&".join("%s=%s" % (uri_encode(k, False), uri_encode(v, False)) for k, v in sorted(q))
    canon_uri = uri_encode(urllib.parse.unquote_to_bytes(u.path), True)
    creq = "\n".join(["GET", canon_uri, canon_query, "host:%s\n" % u.netloc, "host", "UNSIGNED-PAYLOAD"])
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope, hashlib.sha256(creq.encode()).hexdigest()])
    sig = hmac.new(signing_key(secret, amzdate[:8], a.region, "s3"), sts.encode(), hashlib.sha256).hexdigest()
    print("%s://%s%s?%s&X-Amz-Signature=%s" % (u.scheme, u.netloc, canon_uri, canon_query, sig))


def s3_error(code, msg, **extra):
    x = "".join("<%s>%s</%s>" % (k, v.replace("&", "&amp;").replace("<", "&lt;"), k) for k, v in extra.items())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>%s</Error>'
            % (code, msg, x)).encode()


class S3(Timed, http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    args = None
    throttle = None  # --rate: a Throttle

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
        log(svc="s3", method=self.command, path=self.path, host=self.headers.get("Host"), x_signed=self.signed(), status=code, why=why)

    def signed(self):
        """How the request was signed, for the log: "header", "query" (presigned) or "" (anonymous)."""
        if self.headers.get("Authorization"):
            return "header"
        return "query" if "X-Amz-Signature=" in self.path.partition("?")[2] else ""

    def verify(self, body):
        """Returns None if OK, else (status, code, message, extra)."""
        a = S3.args
        presigned = "X-Amz-Signature=" in self.path.partition("?")[2] or "X-Amz-Algorithm=" in self.path.partition("?")[2]
        if not self.headers.get("Authorization") and not presigned:
            return None if (a.anonymous_read and self.command in ("GET", "HEAD")) else \
                (403, "AccessDenied", "Access Denied", {})

        def canonical_uri():
            raw_path = self.path.partition("?")[0]
            why = raw_path_error(raw_path)
            if why:  # S3 answers 400 InvalidURI to a request-target it cannot parse
                raise SigV4Error("bad_uri", detail=why)
            # S3: decode once, byte for byte, then encode once; no normalisation
            return uri_encode(urllib.parse.unquote_to_bytes(raw_path), True)

        def canonical():  # S3: the client's payload hash, the path decoded once and encoded once
            payload_hash = self.headers.get("x-amz-content-sha256")
            if payload_hash is None:
                raise SigV4Error("payload_missing")
            if payload_hash not in ("UNSIGNED-PAYLOAD",) and payload_hash != hashlib.sha256(body).hexdigest():
                raise SigV4Error("payload_mismatch")
            return canonical_uri(), payload_hash
        try:
            if self.headers.get("Authorization"):
                sigv4_verify(self, "s3", a.region, 900, canonical)
            else:  # a presigned URL is verified even where anonymous reads are allowed, as S3 does
                presigned_verify(self, a.region, canonical_uri())
        except SigV4Error as e:
            i = e.info
            return {
                "type": (400, "InvalidArgument", "Unsupported Authorization Type", {}),
                "expired": (403, "AccessDenied", "Request has expired", {}),
                "malformed": (400, "AuthorizationHeaderMalformed", "The authorization header is malformed.", {}),
                "unknown_key": (403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.",
                                {"AWSAccessKeyId": i.get("akid", "")}),
                "scope_service": (400, "AuthorizationHeaderMalformed", "bad credential scope", {}),
                "scope_region": (400, "AuthorizationHeaderMalformed",
                                 "the region '%s' is wrong; expecting '%s'" % (i.get("region"), a.region), {"Region": a.region}),
                "no_date": (403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", {}),
                "skew": (403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", {}),
                "scope_date": (403, "SignatureDoesNotMatch", "credential date does not match x-amz-date", {}),
                "host_unsigned": (403, "AccessDenied", "host must be a signed header", {}),
                "bad_token": (403, "InvalidToken", "The provided token is malformed or otherwise invalid.", {}),
                "payload_missing": (400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256", {}),
                "payload_mismatch": (400, "XAmzContentSHA256Mismatch",
                                     "The provided 'x-amz-content-sha256' header does not match what was computed.", {}),
                "bad_uri": (400, "InvalidURI", "Couldn't parse the specified URI.", {"Detail": i.get("detail", "")}),
                "header_missing": (403, "SignatureDoesNotMatch", "signed header %s missing" % i.get("header"), {}),
                "mismatch": (403, "SignatureDoesNotMatch",
                             "The request signature we calculated does not match the signature you provided. "
                             "Check your key and signing method.",
                             {"AWSAccessKeyId": i.get("akid", ""), "StringToSign": i.get("sts", ""),
                              "SignatureProvided": i.get("given", ""), "CanonicalRequest": i.get("creq", "")}),
            }[e.kind]
        return None

    def bucket_key(self):
        """(bucket, key): the key decoded once, as S3 names it (spaces, '#', UTF-8 ...)."""
        host = (self.headers.get("Host") or "").split(":")[0]
        raw = self.path.partition("?")[0]
        if raw_path_error(raw) or not raw.startswith("/"):
            return None, None
        path = urllib.parse.unquote_to_bytes(raw).decode("utf-8")[1:]  # only the one '/' that starts the path
        for suffix in (".s3.%s.%s" % (S3.args.region, S3.args.domain), ".s3.amazonaws.com"):
            if host.endswith(suffix):  # virtual-hosted style
                return host[: -len(suffix)], path
        b, _, k = path.partition("/")  # path style
        return b, k

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if S3.throttle and not S3.throttle.take():  # S3's SlowDown: no Retry-After
            return self.reply(503, s3_error("SlowDown", "Please reduce your request rate.",
                                            RequestId=secrets.token_hex(8).upper()), why="throttle")
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
        if self.command == "GET" and fault("s3_slowdown", key):
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
        log(svc="s3", method=self.command, path=self.path, host=self.headers.get("Host"), x_signed=self.signed(), status=200, why="")

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
        log(svc="s3", method=self.command, path=self.path, host=self.headers.get("Host"), x_signed=self.signed(), status=200, why="fault:" + name)

    do_GET = do_HEAD = do_PUT = handle_any



# ---------------------------------------------------------------- ECS (the control plane an idle instance sees)
ECS_TARGET = "AmazonEC2ContainerServiceV20141113."
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class ECSError(Exception):
    def __init__(self, status, code, message, sig=None):
        super().__init__(code)
        self.status, self.code, self.message, self.sig = status, code, message, sig  # sig: a SigV4Error's kind


class SignedMessage:
    """A request carried inside a websocket message (the telemetry client signs each message as
    a GET of the websocket's URL with the message as its body), shaped for sigv4_verify."""
    command = "GET"

    def __init__(self, path, head, payload):
        self.path, self.payload = path, payload
        self.headers = email.parser.BytesHeaderParser().parsebytes(head + b"\r\n\r\n")
        # The SDK v1 signer signs Content-Length when the body is not empty, but the header
        # block the agent writes lacks it (Go keeps the length outside the header map).
        if payload and "Content-Length" not in self.headers:
            self.headers["Content-Length"] = str(len(payload))

    def canonical(self):
        return uri_encode(self.path.partition("?")[0], True), hashlib.sha256(self.payload).hexdigest()


class ECS(Timed, http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    args = None
    lock = threading.Lock()
    clusters = set()   # the clusters that exist (--clusters; CreateCluster adds)
    instances = {}     # container instance ARN -> {"cluster", "ec2InstanceId", "registeredAt", "version"}
    tokens = {}        # (cluster, RegisterContainerInstance clientToken) -> the ARN it registered
    placed = set()     # --tasks: the task files already sent in a PayloadMessage
    acked = set()      # the messageIds the agent acked (AckRequest)
    staged = {}        # StageUpdateMessage messageId -> its updateInfo, until the agent acks it
    seq = 0            # the PayloadMessages' seqNum

    def log_message(self, *a):
        pass

    def record(self, **kw):
        kw.setdefault("svc", "ecs")
        # the SDK's retries of one call share an invocation id ("amz-sdk-request: attempt=N; max=M")
        for h, k in (("amz-sdk-invocation-id", "invocation"), ("amz-sdk-request", "sdk_request")):
            if self.headers.get(h) and kw.get("op") != "ws-message":
                kw[k] = self.headers.get(h)
        kw["time"] = now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        log(**kw)

    def reply_json(self, status, obj, **rec):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", secrets.token_hex(16))
        self.end_headers()
        self.wfile.write(body)
        self.record(status=status, **rec)

    def sig_error(self, e):
        """A SigV4Error as the ECS API (AWS JSON protocols) answers it: (status, __type, message)."""
        i = e.info
        invalid_token = (403, "UnrecognizedClientException", "The security token included in the request is invalid.")
        return {
            "type": (400, "IncompleteSignatureException", "Unsupported Authorization Type"),
            "malformed": (400, "IncompleteSignatureException",
                          "Authorization header requires 'Credential' parameter. Authorization header requires "
                          "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
                          "Authorization=" + i.get("auth", "")),
            "unknown_key": invalid_token,
            "bad_token": invalid_token,
            "scope_service": (403, "InvalidSignatureException", "Credential should be scoped to correct service: 'ecs'. "),
            "scope_region": (403, "InvalidSignatureException", "Credential should be scoped to a valid region. "),
            "no_date": (400, "IncompleteSignatureException",
                        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."),
            "skew": (403, "InvalidSignatureException",
                     "Signature expired: %s is now earlier than %s (%s - 5 min.)" % (
                         i.get("amzdate"), (now() - datetime.timedelta(minutes=5)).strftime("%Y%m%dT%H%M%SZ"),
                         now().strftime("%Y%m%dT%H%M%SZ"))),
            "scope_date": (403, "InvalidSignatureException",
                           "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                           "'%s' != '%s', from '%s'." % (i.get("date"), (i.get("amzdate") or "")[:8], i.get("amzdate"))),
            "host_unsigned": (403, "InvalidSignatureException",
                              "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),
            "header_missing": (403, "InvalidSignatureException",
                               "The request signature we calculated does not match the signature you provided. "
                               "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."),
            "mismatch": (403, "InvalidSignatureException",
                         "The request signature we calculated does not match the signature you provided. Check your AWS "
                         "Secret Access Key and signing method. Consult the service documentation for details.\n\n"
                         "The Canonical String for this request should have been\n'%s'\n\n"
                         "The String-to-Sign should have been\n'%s'\n" % (i.get("creq", ""), i.get("sts", ""))),
        }[e.kind]

    def authenticate(self, body):
        """The access key id of a request whose SigV4 signature verifies; raises ECSError."""
        if not self.headers.get("Authorization"):
            raise ECSError(400 if self.command == "POST" else 403, "MissingAuthenticationTokenException",
                           "Missing Authentication Token")

        def canonical():  # every service but S3: the path encoded again, the payload hashed here
            raw_path = self.path.partition("?")[0]
            return uri_encode(raw_path, True), hashlib.sha256(body).hexdigest()
        try:
            return sigv4_verify(self, "ecs", ECS.args.region, 300, canonical)
        except SigV4Error as e:
            raise ECSError(*self.sig_error(e), sig=e.kind)

    # ---- the JSON API
    def do_POST(self):
        op, rec = "", {}
        try:
            n = self.headers.get("Content-Length")
            if n is None:
                raise ECSError(411, "LengthRequiredException", "Content-Length is required")
            body = self.rfile.read(int(n))
            target = self.headers.get("X-Amz-Target", "")
            op = target[len(ECS_TARGET):] if target.startswith(ECS_TARGET) else target
            rec["akid"] = self.authenticate(body)
            if not target.startswith(ECS_TARGET) or self.path != "/":
                raise ECSError(400, "UnknownOperationException", "")
            if not (self.headers.get("Content-Type") or "").startswith("application/x-amz-json-1.1"):
                raise ECSError(400, "SerializationException", "Content-Type must be application/x-amz-json-1.1")
            try:
                req = json.loads(body or b"{}")
                if not isinstance(req, dict):
                    raise ValueError
            except ValueError:
                raise ECSError(400, "SerializationException", "Start of structure or map found where not expected.")
            fn = getattr(self, "op_" + op, None)
            if fn is None:
                raise ECSError(400, "UnknownOperationException", "")
            out = fn(req, rec)
        except ECSError as e:
            return self.reply_error(e, op, rec)
        self.reply_json(200, out, op=op, **rec)

    def reply_error(self, e, op, rec):
        obj = {"__type": e.code, "message": e.message} if e.message else {"__type": e.code}
        if e.sig:
            rec["sig"] = e.sig
        self.reply_json(e.status, obj, op=op, why=e.code, **rec)

    def cluster_of(self, req, rec):
        """The cluster a request names (name or ARN; "default" when it names none), which must exist."""
        ref = req.get("cluster") or "default"
        name = ref.split(":cluster/", 1)[1] if ref.startswith("arn:") and ":cluster/" in ref else ref
        rec["cluster"] = name
        if ECS.clusters and name not in ECS.clusters:
            raise ECSError(400, "ClusterNotFoundException", "Cluster not found.")
        return name

    def instance_of(self, ref, cluster, rec):
        """A known container instance of cluster (ARN or its ID)."""
        rec["arn"] = ref
        for arn, ci in ECS.instances.items():
            if ci["cluster"] == cluster and (ref == arn or ref == arn.rsplit("/", 1)[1]):
                rec["arn"] = arn
                return arn, ci
        raise ECSError(400, "InvalidParameterException", "The referenced container instance %s was not found." % ref)

    def container_instance(self, arn, ci):
        return {"containerInstanceArn": arn, "ec2InstanceId": ci["ec2InstanceId"], "version": ci["version"],
                "versionInfo": ci.get("versionInfo", {}), "status": ci.get("status", "ACTIVE"),
                "agentConnected": ci.get("agentConnected", False), "runningTasksCount": 0, "pendingTasksCount": 0,
                "registeredResources": ci.get("resources", []), "remainingResources": ci.get("resources", []),
                "attributes": ci.get("attributes", []), "registeredAt": ci["registeredAt"], "attachments": [],
                "tags": ci.get("tags", [])}

    def op_RegisterContainerInstance(self, req, rec):
        a = ECS.args
        cluster = self.cluster_of(req, rec)
        doc_s, sig = req.get("instanceIdentityDocument") or "", req.get("instanceIdentityDocumentSignature") or ""
        if not doc_s or not sig:
            raise ECSError(400, "ClientException", "An instance identity document and its signature are required.")
        if not hmac.compare_digest(sig.strip(), iid_signature(doc_s)):
            raise ECSError(400, "ClientException", "The instance identity document signature is invalid.")
        try:
            doc = json.loads(doc_s)
        except ValueError:
            raise ECSError(400, "ClientException", "The instance identity document is not valid JSON.")
        if doc.get("region") != a.region or doc.get("accountId") != ACCOUNT:
            raise ECSError(400, "ClientException", "The instance identity document is for another region or account.")
        rec["ec2_instance_id"] = doc.get("instanceId")
        token = req.get("clientToken")
        if token is not None and not 1 <= len(token) <= 36:
            raise ECSError(400, "InvalidParameterException", "clientToken must be 1 to 36 characters.")
        with ECS.lock:
            given = req.get("containerInstanceArn")
            if given:  # an agent restored from its checkpoint: the same container instance
                rec["reregistration"] = True
                arn, ci = self.instance_of(given, cluster, rec)
                ci["version"] += 1
            elif token and (cluster, token) in ECS.tokens:  # idempotent: a retry gets what the first call got
                arn = rec["arn"] = ECS.tokens[(cluster, token)]
                ci = ECS.instances[arn]
                rec["replay"] = True
            else:
                arn = "arn:aws:ecs:%s:%s:container-instance/%s/%s" % (a.region, ACCOUNT, cluster, secrets.token_hex(16))
                ci = ECS.instances[arn] = {"cluster": cluster, "ec2InstanceId": doc.get("instanceId"),
                                           "registeredAt": time.time(), "version": 1}
                rec["arn"], rec["new_instance"] = arn, True
            if token:
                ECS.tokens[(cluster, token)] = arn
            # what ECS adds to the agent's attributes (the agent checks its own came back)
            added = {"ecs.availability-zone": doc.get("availabilityZone", ""), "ecs.instance-type": doc.get("instanceType", ""),
                     "ecs.ami-id": doc.get("imageId", ""), "ecs.vpc-id": "vpc-0123456789abcdef0",
                     "ecs.subnet-id": "subnet-0123456789abcdef0"}
            attrs = [dict(x) for x in req.get("attributes") or []]
            names = {x.get("name") for x in attrs}
            rec["logging_drivers"] = sorted(n.rsplit(".", 1)[1] for n in names if n and n.startswith(
                "com.amazonaws.ecs.capability.logging-driver."))
            attrs += [{"name": k, "value": v} for k, v in added.items() if k not in names]
            ci.update(attributes=attrs, resources=req.get("totalResources") or [], versionInfo=req.get("versionInfo") or {},
                      tags=req.get("tags") or [], status="ACTIVE")
            return {"containerInstance": self.container_instance(arn, ci)}

    def op_DiscoverPollEndpoint(self, req, rec):
        a = ECS.args
        cluster = self.cluster_of(req, rec)
        if req.get("containerInstance"):
            with ECS.lock:
                self.instance_of(req["containerInstance"], cluster, rec)
        public = a.public_port or a.port
        port = "" if public == 443 else ":%d" % public
        url = lambda h: "https://%s%s%s/" % (h, a.poll_host_suffix, port)
        return {"endpoint": url("ecs-a-1"), "telemetryEndpoint": url("ecs-t-1"),
                "serviceConnectEndpoint": url("ecs-sc-1")}

    def op_CreateCluster(self, req, rec):
        name = req.get("clusterName") or "default"
        rec["cluster"] = name
        with ECS.lock:
            if ECS.clusters:
                ECS.clusters.add(name)
        return {"cluster": {"clusterName": name, "status": "ACTIVE",
                            "clusterArn": "arn:aws:ecs:%s:%s:cluster/%s" % (ECS.args.region, ACCOUNT, name)}}

    def ack(self, req, rec):  # the Submit*StateChange calls of an instance with nothing to report
        self.cluster_of(req, rec)
        rec["arn"] = req.get("containerInstance") or req.get("task")
        return {"acknowledgment": "ACK"}

    op_SubmitContainerStateChange = op_SubmitAttachmentStateChanges = ack

    def op_SubmitTaskStateChange(self, req, rec):  # recorded: the task, its status, its containers' exit codes
        out = self.ack(req, rec)
        rec.update(task=req.get("task"), task_status=req.get("status"), reason=req.get("reason"),
                   containers=[{k: c.get(k) for k in ("containerName", "status", "exitCode", "reason") if k in c}
                               for c in req.get("containers") or []])
        return out

    def op_UpdateContainerInstancesState(self, req, rec):
        cluster = self.cluster_of(req, rec)
        out, failures = [], []
        with ECS.lock:
            for ref in req.get("containerInstances") or []:
                try:
                    arn, ci = self.instance_of(ref, cluster, rec)
                except ECSError:
                    failures.append({"arn": ref, "reason": "MISSING"})
                    continue
                ci["status"] = req.get("status") or ci.get("status", "ACTIVE")
                out.append(self.container_instance(arn, ci))
        return {"containerInstances": out, "failures": failures}

    def op_ListTagsForResource(self, req, rec):
        rec["arn"] = req.get("resourceArn")
        with ECS.lock:
            ci = ECS.instances.get(req.get("resourceArn"))
            return {"tags": ci.get("tags", []) if ci else []}

    # ---- the ACS / telemetry websockets
    def do_GET(self):
        rec = {}
        q = dict(urllib.parse.parse_qsl(self.path.partition("?")[2], keep_blank_values=True))
        host = (self.headers.get("Host") or "").split(":")[0]
        endpoint = {"ecs-a-1": "acs", "ecs-t-1": "tcs", "ecs-sc-1": "sc"}.get(host.split(".")[0], host)
        rec.update(endpoint=endpoint, cluster=q.get("clusterArn") or q.get("cluster"),
                   arn=q.get("containerInstanceArn") or q.get("containerInstance"))
        op = "ws-connect" if self.path.partition("?")[0] == "/ws" else "GET " + self.path
        try:
            rec["akid"] = self.authenticate(b"")
            if op != "ws-connect":
                raise ECSError(404, "UnknownOperationException", "")
            key = self.headers.get("Sec-WebSocket-Key")
            if ((self.headers.get("Upgrade") or "").lower() != "websocket" or
                    "upgrade" not in (self.headers.get("Connection") or "").lower() or
                    self.headers.get("Sec-WebSocket-Version") != "13" or not key):
                raise ECSError(400, "ClientException", "a websocket upgrade (RFC 6455) is required")
        except ECSError as e:
            self.close_connection = True
            return self.reply_error(e, op, rec)
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.record(op="ws-connect", status=101, query=q, **rec)
        self.close_connection = True
        self.ws_lock, done = threading.Lock(), threading.Event()
        if endpoint == "acs" and ECS.args.tasks:
            threading.Thread(target=self.acs_push, args=(q, rec, done), daemon=True).start()
        why = self.ws_serve(rec)
        done.set()
        self.record(op="ws-close", why=why, **rec)

    def ws_message(self, msg):
        """What a message from the agent is: {"type": T} for JSON {"type": T, "message": ...}; the
        telemetry client sends each as a signed HTTP request (a head, a blank line, the JSON), whose
        SigV4 signature is checked: {"type": T, "akid": K} or {"type": T, "why": the error}."""
        out, payload = {}, msg
        if not msg.lstrip().startswith(b"{") and b"\r\n\r\n" in msg:
            head, payload = msg.split(b"\r\n\r\n", 1)
            signed = SignedMessage(self.path, head, payload)
            if not signed.headers.get("Authorization"):
                out["why"] = "MissingAuthenticationTokenException"
            else:
                try:
                    out["akid"] = sigv4_verify(signed, "ecs", ECS.args.region, 300, signed.canonical)
                except SigV4Error as e:
                    out["why"] = self.sig_error(e)[1] + " (%s)" % e.kind
        try:
            j = json.loads(payload)
            out["type"] = j.get("type")
            m = j.get("message")
            if isinstance(m, dict) and j.get("type") in ("AckRequest", "IAMRoleCredentialsAckRequest", "HeartbeatAckRequest",
                                                          "NackRequest"):
                out.update({k: m[k] for k in ("messageId", "credentialsId", "expiration", "reason") if k in m})
                if j.get("type") == "AckRequest" and m.get("messageId"):
                    with ECS.lock:
                        ECS.acked.add(m["messageId"])
        except (ValueError, AttributeError):
            out["type"] = None
        return out

    def ws_send(self, opcode, payload=b""):
        n = len(payload)
        head = bytes([0x80 | opcode]) + (bytes([n]) if n < 126 else
                                          b"\x7e" + n.to_bytes(2, "big") if n < 65536 else b"\x7f" + n.to_bytes(8, "big"))
        with self.ws_lock:
            self.wfile.write(head + payload)
            self.wfile.flush()

    def acs_push(self, q, rec, done):
        """--tasks DIR, on an ACS websocket: a HeartbeatMessage every --acs-heartbeat seconds, and each
        DIR/*.json not sent yet (an ACS Task object, or a list of them) in a PayloadMessage, checked
        every 0.5 s.  The fake fills in what ECS would: clusterArn, containerInstanceArn, messageId,
        seqNum, generatedAt, and for networkMode host|none each container's dockerConfig.hostConfig
        NetworkMode (the agent creates containers from that, not from the task's networkMode).
        Logged as op "acs-send" (type, messageId, file, tasks)."""
        a, last_hb = ECS.args, 0.0
        cluster = q.get("clusterArn") or "default"
        cluster_arn = cluster if cluster.startswith("arn:") else "arn:aws:ecs:%s:%s:cluster/%s" % (a.region, ACCOUNT, cluster)
        base = {k: v for k, v in rec.items() if k != "akid"}

        def send(typ, msg, **extra):
            self.ws_send(1, json.dumps({"type": typ, "message": msg}).encode())
            self.record(op="acs-send", type=typ, messageId=msg.get("messageId"), **dict(base, **extra))
        try:
            while not done.wait(0.5):
                if a.acs_heartbeat and time.time() - last_hb >= a.acs_heartbeat:
                    last_hb = time.time()
                    send("HeartbeatMessage", {"healthy": True, "messageId": "hb-%s" % secrets.token_hex(8)})
                try:
                    names = sorted(f for f in os.listdir(a.tasks) if f.endswith(".json"))
                except OSError:
                    names = []
                with ECS.lock:  # a staged update the agent acked: perform it
                    perform = [(mid, info) for mid, info in ECS.staged.items() if mid in ECS.acked]
                    for mid, _ in perform:
                        del ECS.staged[mid]
                for mid, info in perform:
                    send("PerformUpdateMessage", {"messageId": "perform-%s" % secrets.token_hex(8), "clusterArn": cluster_arn,
                                                  "containerInstanceArn": q.get("containerInstanceArn"), "updateInfo": info},
                         staged=mid, location=info["location"])
                for f in names:
                    with ECS.lock:
                        if f in ECS.placed:
                            continue
                    if f.startswith("update-"):
                        try:
                            u = json.load(open(os.path.join(a.tasks, f)))
                        except (OSError, ValueError):
                            continue  # not written completely yet: next time
                        mid, info = "stage-%s" % secrets.token_hex(8), {"location": u["location"], "signature": u["signature"]}
                        with ECS.lock:
                            ECS.placed.add(f)
                            ECS.staged[mid] = info
                        send("StageUpdateMessage", {"messageId": mid, "clusterArn": cluster_arn,
                                                    "containerInstanceArn": q.get("containerInstanceArn"), "updateInfo": info},
                             file=f, location=info["location"])
                        continue
                    with ECS.lock:
                        if f in ECS.placed:
                            continue
                        try:
                            tasks = json.load(open(os.path.join(a.tasks, f)))
                        except (OSError, ValueError):
                            continue  # not written completely yet: next time
                        ECS.placed.add(f)
                        ECS.seq += 1
                        seq = ECS.seq
                    tasks = tasks if isinstance(tasks, list) else [tasks]
                    # as ECS does: a task definition's network mode reaches Docker in each container's hostConfig
                    for t in tasks:
                        if t.get("networkMode") not in ("host", "none"):
                            continue
                        for c in t.get("containers") or []:
                            dc = c.setdefault("dockerConfig", {})
                            hc = json.loads(dc.get("hostConfig") or "{}")
                            hc.setdefault("NetworkMode", t["networkMode"])
                            dc["hostConfig"] = json.dumps(hc)
                    try:
                        send("PayloadMessage", {"messageId": "payload-%s" % secrets.token_hex(8), "clusterArn": cluster_arn,
                                                "containerInstanceArn": q.get("containerInstanceArn"), "seqNum": seq,
                                                "generatedAt": int(time.time() * 1000), "tasks": tasks},
                             file=f, tasks=[t.get("arn") for t in tasks])
                    except (OSError, ValueError):
                        with ECS.lock:
                            ECS.placed.discard(f)  # the socket went: the next ACS connection sends it
                        raise
        except (OSError, ValueError):
            pass

    def ws_serve(self, rec):
        """Read the client's frames until it closes: answer pings and close, log each message's type."""
        r, parts = self.rfile, []
        try:
            while True:
                h = r.read(2)
                if len(h) < 2:
                    return "eof"
                fin, opcode, masked, n = h[0] & 0x80, h[0] & 0x0F, h[1] & 0x80, h[1] & 0x7F
                if n == 126:
                    n = int.from_bytes(r.read(2), "big")
                elif n == 127:
                    n = int.from_bytes(r.read(8), "big")
                if not masked:  # RFC 6455 5.1: a client's frames are masked; else close with 1002
                    self.ws_send(8, (1002).to_bytes(2, "big"))
                    return "unmasked frame"
                mask = r.read(4)
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(r.read(n)))
                if opcode == 8:
                    self.ws_send(8, data[:2])
                    return "close %d" % int.from_bytes(data[:2], "big") if len(data) >= 2 else "close"
                if opcode == 9:
                    self.ws_send(10, data)
                    continue
                if opcode in (0, 1, 2):
                    parts.append(data)
                    if fin:
                        msg, parts = b"".join(parts), []
                        m = dict({k: v for k, v in rec.items() if k != "akid"}, **self.ws_message(msg))
                        self.record(op="ws-message", bytes=len(msg), **m)
        except (OSError, ValueError) as e:
            return "error: %s" % e


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self):  # skip HTTPServer's socket.getfqdn(): a reverse-DNS lookup that stalls ~10 s in a netns
        import socketserver
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class HandshakeInThreadServer(Server):
    """TLS handshakes in the connection's own thread, not in accept(): a client that stalls
    in the handshake (or a websocket held open) never holds up the others."""
    svc = "ecs"  # for the log line of a failed handshake

    def finish_request(self, request, client_address):
        if isinstance(request, ssl.SSLSocket):
            request.settimeout(30)
            try:
                request.do_handshake()
            except (OSError, ValueError) as e:
                log(svc=self.svc, op="tls", why="handshake: %s" % e)
                return
            request.settimeout(None)
        super().finish_request(request, client_address)


def ecs_call(argv):
    """fake_aws.py ecs-call URL OPERATION [JSON] [--akid K] [--secret S] [--no-token] [--unsigned]
    [--service ecs] [--region us-east-1]: one ECS JSON API call signed with SigV4 (by default with
    the fake IMDS role's credentials), for tests of the fake's own checks; prints the status and
    the body on one line."""
    import http.client
    p = argparse.ArgumentParser(prog="fake_aws.py ecs-call")
    p.add_argument("url"); p.add_argument("op"); p.add_argument("body", nargs="?", default="{}")
    p.add_argument("--akid", default=ROLE_KEY); p.add_argument("--secret")
    p.add_argument("--no-token", action="store_true"); p.add_argument("--unsigned", action="store_true")
    p.add_argument("--service", default="ecs"); p.add_argument("--region", default="us-east-1")
    a = p.parse_args(argv)
    secret, token = CREDS.get(a.akid, ("", None))
    secret = a.secret if a.secret is not None else secret
    u = urllib.parse.urlsplit(a.url)
    body = a.body.encode()
    amzdate = now().strftime("%Y%m%dT%H%M%SZ")
    hdrs = {"host": u.netloc, "x-amz-date": amzdate, "x-amz-target": ECS_TARGET + a.op,
            "content-type": "application/x-amz-json-1.1"}
    if token and not a.no_token:
        hdrs["x-amz-security-token"] = token
    if not a.unsigned:
        signed = sorted(hdrs)
        creq = "\n".join(["POST", "/", "", "".join("%s:%s\n" % (k, hdrs[k]) for k in signed), ";".join(signed),
                          hashlib.sha256(body).hexdigest()])
        scope = "/".join([amzdate[:8], a.region, a.service, "aws4_request"])
        sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope, hashlib.sha256(creq.encode()).hexdigest()])
        k = ("AWS4" + secret).encode()
        for part in scope.split("/"):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        hdrs["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
            a.akid, scope, ";".join(signed), hmac.new(k, sts.encode(), hashlib.sha256).hexdigest())
    c = http.client.HTTPSConnection(u.hostname, u.port or 443, context=ssl.create_default_context(), timeout=10)
    c.request("POST", "/", body=body, headers={k: v for k, v in hdrs.items() if k != "host"})
    r = c.getresponse()
    print(r.status, r.read().decode())


def main():
    if sys.argv[1:2] == ["ecs-call"]:
        return ecs_call(sys.argv[2:])
    if sys.argv[1:2] == ["presign"]:
        return presign(sys.argv[2:])
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["imds", "s3", "ecs"])
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--domain", default="amazonaws.com",
                   help="S3: the partition's DNS suffix, for virtual-hosted buckets (amazonaws.com.cn, ...)")
    p.add_argument("--role", default="ecsInstanceRole")
    p.add_argument("--instance-id", default="i-0123456789abcdef0")
    p.add_argument("--user-data", default="")
    p.add_argument("--allow-v1", action="store_true", help="IMDS: accept token-less (IMDSv1) GETs")
    p.add_argument("--root", default=".")
    p.add_argument("--cert"); p.add_argument("--key")
    p.add_argument("--anonymous-read", action="store_true")
    p.add_argument("--faults", help="JSON file of faults, read on every request")
    p.add_argument("--rate", type=float, help="S3: throttle to R requests per second (token bucket), "
                   "503 SlowDown beyond it")
    p.add_argument("--burst", type=float, help="S3 with --rate: the bucket's size (default: R)")
    p.add_argument("--backlog", type=int, help="the listen backlog (default 5); TLS handshakes in the "
                   "connection's own thread")
    p.add_argument("--log-time", action="store_true", help='"t" (request time) and "client" in every log line')
    p.add_argument("--clusters", default="", help="ECS: the clusters that exist (comma-separated; default: any)")
    p.add_argument("--poll-host-suffix", default=None,
                   help="ECS: DiscoverPollEndpoint's hosts are ecs-a-1, ecs-t-1, ecs-sc-1 + this (default .REGION.amazonaws.com)")
    p.add_argument("--public-port", type=int, default=0,
                   help="ECS: the port clients reach this fake on, behind a relay (DiscoverPollEndpoint's URLs; default --port)")
    p.add_argument("--tasks", help="ECS: a directory whose *.json (ACS Task objects) the ACS websocket places, "
                   "each file once, in PayloadMessages; also turns on ACS heartbeats")
    p.add_argument("--acs-heartbeat", type=float, default=20, help="ECS with --tasks: seconds between HeartbeatMessages")
    a = p.parse_args()
    fault.path = a.faults
    global LOG_TIME
    LOG_TIME = a.log_time or a.rate is not None
    if a.rate is not None:
        if a.mode != "s3" or a.rate <= 0 or (a.burst is not None and a.burst < 1):
            p.error("--rate R (> 0) is for s3, --burst B at least 1")
        S3.throttle = Throttle(a.rate, a.burst if a.burst is not None else max(1.0, a.rate))
    handler = {"imds": IMDS, "s3": S3, "ecs": ECS}[a.mode]
    handler.args = a
    a.port = a.port or (80 if a.mode == "imds" else 443)
    if a.mode == "ecs":
        ECS.clusters = {c for c in a.clusters.split(",") if c}
        if a.poll_host_suffix is None:
            a.poll_host_suffix = ".%s.amazonaws.com" % a.region
    in_thread = a.mode == "ecs" or a.backlog is not None
    cls = HandshakeInThreadServer if in_thread else Server
    if a.backlog is not None:  # listen() is called from the constructor: a subclass with the size
        cls = type(cls.__name__, (cls,), {"request_queue_size": a.backlog, "svc": a.mode})
    srv = cls((a.bind, a.port), handler)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=not in_thread)
    extra = {}
    if S3.throttle:
        extra = {"rate": S3.throttle.rate, "burst": S3.throttle.burst}
    log(svc=a.mode, listening="%s:%d" % srv.server_address[:2], tls=bool(a.cert), **extra)
    srv.serve_forever()


if __name__ == "__main__":
    main()
