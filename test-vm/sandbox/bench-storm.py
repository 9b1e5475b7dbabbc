#!/usr/bin/env python3
"""bench-storm.py: the helper of bench-storm.sh (see there for what is measured and why).

  bench-storm.py ip I                      instance I's address (10.201.A.B; I from 1)
  bench-storm.py trees DIR N OS_RELEASE CA  the --root tree of each instance, DIR/I/root, and the
                                           curl pipeline's working directory, DIR/I/curl
  bench-storm.py launch OUT N TIMEOUT -- ARGV...
                                           start N instances at once (ARGV with {i} replaced by
                                           the instance's number; each in a session of its own,
                                           in the cgroup STORM_CGROUP names, if any; all held at a
                                           barrier until every one is forked); OUT: a first line
                                           {"t0": ...}, then one JSON line per instance {"i",
                                           "start", "end", "rc", "cpu"} as each ends.  After
                                           TIMEOUT s the rest are killed (rc "timeout").
  bench-storm.py report --n N --rate R --burst B --dir DIR --imds LOG [--prestage 0|1]
                        --ours RESULTS S3LOG CPU --curl RESULTS S3LOG CPU
                                           the figures (CPU: the JSON bench-storm.sh writes)
"""
import collections, json, math, os, re, signal, sys, time

# The binary's retry policy for throttling (503 SlowDown, 429; src/lib/http.c): up to BUDGET
# attempts a request within 120 s, full jitter uniform in [0, min(CAP, BASE x 2^k)] s after the
# k-th.  Other failures: 5 attempts, 0.25 s doubling to 8 s.
BUDGET, BASE, CAP = 30, 1.0, 20.0

GRAN = 0.1  # s: the finer bins (peak rate)


def ip(i):
    return "10.201.%d.%d" % (1 + (i - 1) // 250, 1 + (i - 1) % 250)


def trees(d, n, os_release, ca):
    osr = open(os_release, "rb").read()
    for i in range(1, n + 1):
        r = os.path.join(d, str(i), "root")
        for sub in ("etc/ssl/certs", "proc/sys/net/ipv4/conf/all", "proc/sys/kernel/random", "var/run"):
            os.makedirs(os.path.join(r, sub), exist_ok=True)
        os.makedirs(os.path.join(d, str(i), "curl"), exist_ok=True)
        open(os.path.join(r, "etc/os-release"), "wb").write(osr)
        open(os.path.join(r, "proc/sys/net/ipv4/conf/all/route_localnet"), "w").write("0\n")
        open(os.path.join(r, "proc/sys/kernel/random/boot_id"), "w").write(open("/proc/sys/kernel/random/uuid").read())
        os.link(ca, os.path.join(r, "etc/ssl/certs/ca-certificates.crt"))  # one copy of the bundle
        os.symlink("/run/docker.sock", os.path.join(r, "var/run/docker.sock"))  # the sandbox's dockerd


def launch(out, n, timeout, argv):
    """Fork the N instances, each in a session of its own and (STORM_CGROUP, a cgroup directory)
    in that cgroup, all held at a barrier (a pipe whose writing end the parent closes once all are
    forked): they start at the same moment, t0."""
    cg = os.environ.get("STORM_CGROUP")
    procs = {}  # pid -> instance
    f = open(out, "w")

    def kill_all():
        for pid in procs:
            try:
                os.killpg(pid, signal.SIGKILL)  # its session: the instance's shell and what it started
            except OSError:
                pass

    def stop(*_):
        kill_all()
        sys.exit(1)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    r, w = os.pipe()
    for i in range(1, n + 1):
        a = [x.replace("{i}", str(i)) for x in argv]
        pid = os.fork()
        if pid == 0:
            try:
                os.close(w)
                os.setsid()
                if cg:
                    with open(os.path.join(cg, "cgroup.procs"), "w") as c:
                        c.write(str(os.getpid()))
                null = os.open("/dev/null", os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                os.read(r, 1)  # the barrier: EOF once every writing end is closed
                os.execvp(a[0], a)
            finally:
                os._exit(127)
        procs[pid] = i
    os.close(w)
    t0 = time.time()
    f.write(json.dumps({"t0": t0}) + "\n")
    deadline = t0 + timeout
    while procs:
        pid, status, ru = os.wait4(-1, os.WNOHANG)  # ru: the instance's CPU, its waited-for children's too
        if pid == 0:
            if time.time() > deadline:
                kill_all()
                for pid, i in procs.items():
                    os.waitpid(pid, 0)
                    f.write(json.dumps({"i": i, "start": t0, "end": time.time(), "rc": "timeout"}) + "\n")
                break
            time.sleep(0.01)
            continue
        if pid in procs:
            i = procs.pop(pid)
            f.write(json.dumps({"i": i, "start": t0, "end": time.time(), "rc": os.waitstatus_to_exitcode(status),
                                "cpu": round(ru.ru_utime + ru.ru_stime, 4)}) + "\n")
            f.flush()
    f.close()


# ---------------------------------------------------------------- a model of the storm
def simulate(arrivals, rate, burst, attempts, base, cap, seed=1, rerun_pause=3.0, pre_s3=0.3, rtt=0.02):
    """The storm at S3 as a model, for other retry policies than the binary's: instance i starts
    its first run's S3 part at arrivals[i]; a run gets the .asc, then the tarball; a 503 is
    followed by a pause uniform in [0, min(cap, base * 2^k)] after the k-th, up to `attempts`
    attempts, then the run fails and the user data runs it again after a pause uniform in
    [0, 2 * try * rerun_pause] s (+
    pre_s3 s of steps before S3).  The server: the same token bucket.  Returns (converged
    times, requests, runs that failed on a used-up budget)."""
    import heapq, random
    rnd = random.Random(seed)
    tokens, last = float(burst), 0.0
    ev = [(t, i, 0, 1, 1) for i, t in enumerate(arrivals)]  # (time, instance, object 0|1, attempt, run)
    heapq.heapify(ev)
    done, reqs, used = {}, 0, 0
    while ev:
        t, i, obj, att, run = heapq.heappop(ev)
        reqs += 1
        tokens = min(float(burst), tokens + (t - last) * rate)
        last = t
        if tokens >= 1:
            tokens -= 1
            if obj == 0:
                heapq.heappush(ev, (t + rtt, i, 1, 1, run))
            else:
                done[i] = t + rtt
        elif att < attempts:
            heapq.heappush(ev, (t + rtt + rnd.uniform(0, min(cap, base * 2 ** att)), i, obj, att + 1, run))
        else:
            used += 1
            if run < 10:
                heapq.heappush(ev, (t + rtt + rnd.uniform(0, 2 * run * rerun_pause) + pre_s3, i, 0, 1, run + 1))
    return [done[i] for i in sorted(done)], reqs, used


def model(arrivals, rate, burst):
    print("what-if, a MODEL: the measured arrivals (each instance's first S3 request) and the same bucket, each "
          "instance's attempts as the policy makes them, a used-up budget -> the user data's next run (sleep "
          "0 to 2 x try x 3 s); no CPU, 20 ms per request; converged = the tarball's 200; mean of 5 seeds:")
    print("  %-48s %9s %9s %8s %10s %8s" % ("policy", "converged", "median s", "max s", "used up", "req/inst"))
    n = len(arrivals)
    for name, att, base, cap in (("the binary's: %d attempts, %g s x 2^k, cap %g s" % (BUDGET, BASE, CAP), BUDGET, BASE, CAP),
                                 ("before: 5 attempts, 0.25 s x 2^k, cap 8 s", 5, 0.25, 8),
                                 ("8 attempts, 0.25 s x 2^k, cap 8 s", 8, 0.25, 8),
                                 ("10 attempts, 0.25 s x 2^k, cap 8 s", 10, 0.25, 8),
                                 ("5 attempts, 1 s x 2^k, cap 20 s", 5, 1.0, 20),
                                 ("8 attempts, 1 s x 2^k, cap 20 s", 8, 1.0, 20)):
        rs = [simulate(arrivals, rate, burst, att, base, cap, seed) for seed in range(5)]
        conv = sum(len(r[0]) for r in rs) / 5
        ts = [t for r in rs for t in r[0]]
        print("  %-48s %9.0f %9.1f %8.1f %10.1f %8.2f" % (name, conv, med(ts), max(ts), sum(r[2] for r in rs) / 5,
                                                        sum(r[1] for r in rs) / 5 / n))


# ---------------------------------------------------------------- report
def pct(xs, p):
    """Nearest rank."""
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[max(0, math.ceil(p / 100 * len(xs)) - 1)]


def med(xs):
    return pct(xs, 50)


def results(path):
    t0, rs = None, {}
    for line in open(path):
        j = json.loads(line)
        if "t0" in j:
            t0 = j["t0"]
        else:
            rs[j["i"]] = j
    return t0, rs


def s3_requests(path, by_ip):
    """The S3 log's requests from instances: (t, i, key, status) in time order."""
    out = []
    for line in open(path):
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if "status" not in j or j.get("client") not in by_ip:
            continue
        out.append((j["t"], by_ip[j["client"]], j["path"].rsplit("/", 1)[-1], j["status"]))
    out.sort()
    return out


def histogram(reqs, t0, title):
    if not reqs:
        print("%s: no requests" % title)
        return
    end = max(t for t, *_ in reqs) - t0
    nb = int(end) + 1
    ok, slow = [0] * nb, [0] * nb
    for t, _, _, st in reqs:
        b = max(0, int(t - t0))
        (slow if st == 503 else ok)[b] += 1
    top = max(o + s for o, s in zip(ok, slow))
    width = 60
    scale = max(1.0, top / width)
    print("%s (1 s bins from the storm's start; '#' answered 200, '.' 503 SlowDown; one mark = %.1f requests)" % (title, scale))
    print("     s   req  503")
    for b in range(nb):
        if ok[b] + slow[b] == 0 and 0 < b < nb - 1 and ok[b - 1] + slow[b - 1] == 0:
            continue  # runs of empty seconds: one line each run
        print("  %4d %5d %4d |%s%s" % (b, ok[b] + slow[b], slow[b], "#" * round(ok[b] / scale), "." * round(slow[b] / scale)))


def peak(reqs, span):
    c = collections.Counter(int(t / span) for t, *_ in reqs)
    return max(c.values()) if c else 0


def cpu(path, res):
    c = json.load(open(path))
    hz = float(c["hz"])
    inst = sum(r.get("cpu", 0) for r in res.values())
    print("CPU over the %.0f s: instances %.1f s (%.0f ms each: shell, runs, iptables, curl, gpgv), fake S3 %.1f s, "
          "fake IMDS %.1f s, dockerd %.1f s; %d cores" % (c["wall_ms"] / 1000, inst, 1000 * inst / max(1, len(res)),
                                                        c["s3"] / hz, c["imds"] / hz, c["dockerd"] / hz, os.cpu_count()))


def report(a):
    n = a.n
    by_ip = {ip(i): i for i in range(1, n + 1)}
    t0o, ours = results(a.ours[0])
    t0c, curl = results(a.curl[0])
    ro = s3_requests(a.ours[1], by_ip)
    rc = s3_requests(a.curl[1], by_ip)
    imds = collections.Counter()
    for line in open(a.imds):
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if "status" in j and j.get("client") in by_ip and t0o <= j["t"]:
            imds[by_ip[j["client"]]] += 1

    print("throttle: token bucket of %g requests, refilled at %g per second (fake S3, every request; beyond it "
          "503 SlowDown, no Retry-After)" % (a.burst, a.rate))
    print("demand: %d instances x 2 objects (ecs-agent-latest.tar and .asc) = %d requests at least; "
          "at %g/s that is %.1f s of S3's capacity" % (n, 2 * n, a.rate, max(0, 2 * n - a.burst) / a.rate))
    print()

    # ---- ours
    def s3_of(reqs):
        per = collections.defaultdict(lambda: [0, 0])
        for _, i, _, st in reqs:
            per[i][0] += 1
            per[i][1] += st == 503
        return per
    po, pc = s3_of(ro), s3_of(rc)
    conv = [i for i in range(1, n + 1) if ours.get(i, {}).get("rc") == 0]
    tconv = [ours[i]["end"] - t0o for i in conv]
    tries, exhausted, loads, dls = {}, {}, [], []
    for i in range(1, n + 1):
        d = os.path.join(a.dir, str(i), "root")
        try:
            tries[i] = sum(1 for _ in open(os.path.join(d, "tries")))
        except OSError:
            tries[i] = 0
        try:
            log = open(os.path.join(d, "run.log"), errors="replace").read()
        except OSError:
            log = ""
        # a request that used up its retries: "HTTP 503 from URL after 5 attempts" (an answer each
        # time), "(gave up after N attempts)" (no answer: connect, timeout)
        exhausted[i] = sum(1 for l in log.splitlines() if re.search(r"after \d+ attempts", l))
        last = log.rsplit("preflight: [started]", 1)[-1]
        for l in last.splitlines():
            if "inspected and loaded in" in l:
                loads.append(int(l.rsplit(" in ", 1)[1].split()[0]))
            if "downloaded and verified in" in l:
                dls.append(int(l.rsplit(" in ", 1)[1].split()[0]))
    s3n = [po[i][0] for i in range(1, n + 1)]
    s3r = [max(0, po[i][0] - 2) for i in range(1, n + 1)]
    got503 = sum(1 for i in range(1, n + 1) if po[i][1])
    ex_inst = [i for i in range(1, n + 1) if exhausted[i]]
    fails = {i: ours.get(i, {}).get("rc", "not run") for i in range(1, n + 1) if ours.get(i, {}).get("rc") != 0}
    print("== ecs-bootstrap run --root (per instance: own network namespace and tree; %s; the user data's loop: "
          "exit 111 -> a pause of 0 to 2 x try x 3 s, up to 10 tries)" % ("its local steps (sysctl, nat, ecs.config, Docker) "
                                                             "converged by an earlier run, checked by this one"
                                                             if a.prestage else "every step done in the storm"))
    print("converged: %d of %d; failures: %d%s" % (len(conv), n, len(fails),
          (" (exit codes: %s)" % dict(collections.Counter(str(v) for v in fails.values()))) if fails else ""))
    if tconv:
        print("time until converged (all %d start at the same moment): median %.1f s, p99 %.1f s, max %.1f s"
              % (n, med(tconv), pct(tconv, 99), max(tconv)))
    print("S3 requests per instance: mean %.2f, max %d (2 needed); retries (requests beyond those 2): total %d, "
          "per instance max %d, instances with any %d" % (sum(s3n) / n, max(s3n), sum(s3r), max(s3r),
                                                          sum(1 for x in s3r if x)))
    print("503 SlowDown: %d of %d requests; instances that got at least one: %d of %d"
          % (sum(po[i][1] for i in po), len(ro), got503, n))
    print("retry budget (throttled: %d attempts per request, 120 s): requests that used it up: %d, in %d instances "
          "(each such run exits 111 and the user data runs it again)" % (BUDGET, sum(exhausted.values()), len(ex_inst)))
    print("runs per instance (user data tries): %s" % ", ".join(
        "%d run%s: %d" % (k, "" if k == 1 else "s", v) for k, v in sorted(collections.Counter(tries.values()).items())))
    print("IMDS requests per instance: mean %.2f, max %d (token PUT + identity document per run)"
          % (sum(imds.values()) / n, max(imds.values(), default=0)))
    if loads:
        print("of the converging run: download + verify median %d ms, max %d ms; Docker inspect + load median %d ms, "
              "max %d ms (one dockerd for all)" % (med(dls), max(dls), med(loads), max(loads)))

    # each request's attempts, from the S3 log: an instance's requests for one object, in order;
    # a request ends with a 200 or after BUDGET answers of 503 (its budget: the run exits 111)
    attempts, gaps, newrun = collections.Counter(), collections.defaultdict(list), []
    chain = {}
    for t, i, key, st in ro:
        k = (i, key)
        n503, pt = chain.get(k, (0, None))
        if n503 and n503 < BUDGET:
            gaps[n503].append(t - pt)  # the client's own pause (plus a connection's set-up)
        elif n503 >= BUDGET:
            newrun.append(t - pt)
            n503 = 0
        if st == 503:
            n503 += 1
            if n503 == BUDGET:
                attempts["used up"] += 1
            chain[k] = (n503, t)
        else:
            attempts[n503 + 1] += 1
            chain[k] = (0, t)
    print("attempts per request (from the S3 log): %s" % ", ".join(
        "%s: %d" % (k, attempts[k]) for k in list(range(1, BUDGET + 1)) + ["used up"] if attempts[k]))
    first = {i: min(t for t, j, *_ in ro if j == i) - t0o for i in set(j for _, j, *_ in ro)}
    print("each instance's first S3 request, from the start: median %.1f s, min %.1f s, max %.1f s (the steps "
          "before it, of all instances on these cores)" % (med(first.values()), min(first.values()), max(first.values())))
    s3part = [ours[i]["end"] - t0o - first[i] for i in conv if i in first]
    if s3part:
        print("time from its first S3 request until converged: median %.1f s, p99 %.1f s, max %.1f s"
              % (med(s3part), pct(s3part, 99), max(s3part)))
    if gaps:
        print("pause between the k-th 503 in a row and the next attempt (full jitter: uniform in "
              "[0, min(%g, %g x 2^k)] s, mean half of that; measured at the server, so plus a TCP+TLS set-up):" % (CAP, BASE))
        for k in sorted(gaps):
            g, bound = gaps[k], min(CAP, BASE * 2 ** k)
            print("  k=%d: %4d pauses, median %.2f s, mean %.2f s (uniform: %.2f), max %.2f s (bound %.2f), "
                  "over the bound + 0.2 s: %d" % (k, len(g), med(g), sum(g) / len(g), bound / 2, max(g), bound,
                                                  sum(1 for x in g if x > bound + 0.2)))
    if newrun:
        print("  after a used-up budget, the next run's attempt: %d, median %.1f s later (the user data's "
              "pause of 0 to 2 x try x 3 s, and the run's steps before S3)" % (len(newrun), med(newrun)))
    print("peak request rate at S3: %d in one second, %d in 100 ms (the bucket's rate: %g/s)"
          % (peak(ro, 1.0), peak(ro, GRAN), a.rate))
    cpu(a.ours[2], ours)
    arrivals = sorted(first.values())
    if arrivals:
        model(arrivals, a.rate, a.burst)
    print("the issue's goal: every instance converges: %s; no instance exceeds its retry budget: %s; retries spread "
          "(full jitter): the pauses above, the histogram below"
          % ("yes" if len(conv) == n else "NO (%d did not)" % (n - len(conv)),
             "yes" if not ex_inst else "NO (%d requests of %d instances used it up)" % (sum(exhausted.values()),
                                                                                          len(ex_inst))))
    print()

    # ---- the installation document's pipeline
    with_agent = [i for i in range(1, n + 1) if curl.get(i, {}).get("rc") == 0]
    why = collections.Counter()
    for i in range(1, n + 1):
        r = curl.get(i, {}).get("rc")
        if r == 0:
            continue
        keys = {key: st for _, j, key, st in rc if j == i}
        bad = [k for k, st in sorted(keys.items()) if st != 200]
        why["%s %s" % ({3: "gpg --verify failed", 4: "docker load failed"}.get(r, "exit %s" % r),
                       "(503 for %s)" % " and ".join(bad) if bad else "")] += 1
    tc = [curl[i]["end"] - t0c for i in with_agent]
    print("== the installation document's pipeline (curl -o tar; curl -o tar.asc; gpg --verify; docker load), "
          "no retries")
    print("ended with an agent: %d of %d; WITHOUT an agent: %d (%.0f%%)" % (len(with_agent), n, n - len(with_agent),
                                                                          100.0 * (n - len(with_agent)) / n))
    for k, v in why.most_common():
        print("  %4d  %s" % (v, k))
    if tc:
        print("time until done (those with an agent): median %.1f s, p99 %.1f s, max %.1f s"
              % (med(tc), pct(tc, 99), max(tc)))
    cn = [pc[i][0] for i in range(1, n + 1)]
    print("S3 requests per instance: mean %.2f, max %d; retries: 0; 503 SlowDown: %d of %d requests; "
          "instances that got at least one: %d" % (sum(cn) / n, max(cn), sum(pc[i][1] for i in pc), len(rc),
                                                   sum(1 for i in range(1, n + 1) if pc[i][1])))
    first = [min(t for t, j, *_ in rc if j == i) - t0c for i in set(j for _, j, *_ in rc)]
    print("each instance's first S3 request, from the start: median %.1f s, min %.1f s, max %.1f s"
          % (med(first), min(first), max(first)))
    print("peak request rate at S3: %d in one second, %d in 100 ms" % (peak(rc, 1.0), peak(rc, GRAN)))
    cpu(a.curl[2], curl)
    print()
    histogram(ro, t0o, "S3 requests of ecs-bootstrap")
    print()
    histogram(rc, t0c, "S3 requests of the curl pipeline")


def main():
    cmd = sys.argv[1:2]
    if cmd == ["ip"]:
        print(ip(int(sys.argv[2])))
    elif cmd == ["trees"]:
        trees(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif cmd == ["launch"]:
        assert sys.argv[5] == "--"
        launch(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[6:])
    elif cmd == ["report"]:
        import argparse
        p = argparse.ArgumentParser(prog="bench-storm.py report")
        p.add_argument("--n", type=int, required=True)
        p.add_argument("--rate", type=float, required=True)
        p.add_argument("--burst", type=float, required=True)
        p.add_argument("--dir", required=True)
        p.add_argument("--imds", required=True)
        p.add_argument("--prestage", type=int, default=1)
        p.add_argument("--ours", nargs=3, required=True, metavar=("RESULTS", "S3LOG", "CPU"))
        p.add_argument("--curl", nargs=3, required=True, metavar=("RESULTS", "S3LOG", "CPU"))
        report(p.parse_args(sys.argv[2:]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
