/* step_nat.c: the iptables rules of the task IAM role endpoint and the agent ports.
 *
 * Owns these rules, exactly as ecs-init creates them (its iptables setup, ecs-init/iptables),
 * plus the optional IMDS block of the ECS task-role documentation:
 *   nat    PREROUTING  -p tcp -d 169.254.170.2 --dport 80 -j DNAT --to-destination 127.0.0.1:51679
 *   nat    OUTPUT      -p tcp -d 169.254.170.2 --dport 80 -j REDIRECT --to-ports 51679
 *   filter INPUT       -p tcp --dport 51678 -i docker0 -j ACCEPT     (v4+v6; when docker0 exists)
 *   filter INPUT       -p tcp --dport 51678 ! -i lo -j DROP          (v4+v6; unless ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS=true)
 *   filter INPUT       --dst 127.0.0.0/8 ! --src 127.0.0.0/8 -m conntrack
 *                      ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP  (unless ECS_SKIP_LOCALHOST_TRAFFIC_FILTER=true)
 *   filter DOCKER-USER -i docker+ -d 169.254.169.254/32 -j DROP      (only with --block-imds)
 * The three INPUT rules keep ecs-init's order (ACCEPT docker0, DROP !lo, localhost
 * DROP, top to bottom); other rules may sit between them.  v6 rules only when
 * /proc/sys/net/ipv6 exists and ip6tables is installed.
 *
 * Converged: every enabled rule present exactly once, in that order; every disabled
 * rule absent.  check() lists each table once with `iptables-save -t TABLE` and counts
 * the rule's canonical line (iptables 1.8 prints the same text for nf_tables and
 * legacy); when an enabled rule's canonical line is not found it asks `iptables -w -C`
 * too, so an iptables that prints rules differently never makes us add a duplicate.
 * apply(): appends a missing nat rule (-A); deletes duplicates (-D, one at a time);
 * if the INPUT rules of one family are missing, duplicated or out of order, deletes
 * them all and inserts them again (-I 1), so the order is ecs-init's; creates the
 * DOCKER-USER chain when --block-imds needs it before dockerd made it.
 * Crash analysis: each iptables call is atomic; a crash between two leaves some rules
 * missing or (only while re-inserting the INPUT group) absent, never duplicated,
 * and the next run completes the set.  Rules are live state: scope boot.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/fault.h"
#include "lib/exec.h"
#include "steps.h"

enum { NEED_LOCALHOST = 1, NEED_INTRO = 2, NEED_DOCKER0 = 4, NEED_IMDS = 8 };

struct rule {
	const char *id;           /* for messages */
	int v6;                   /* 0: iptables, 1: ip6tables */
	const char *table, *chain;
	const char *canon;        /* the `-S` line, after "-A <chain> " */
	const char *const *spec;  /* arguments after the chain, for -C/-A/-I/-D */
	int insert;               /* 1: ordered INPUT group, inserted at the top */
	unsigned need;
};

#define SPEC(...) (const char *const[]) { __VA_ARGS__, NULL }

/* Top-to-bottom order within each (family, chain).  Checklist: test-vm/sandbox/foundation.sh (input_order). */
static const struct rule rules[] = {
	{ "task-role DNAT", 0, "nat", "PREROUTING",
	  "-d 169.254.170.2/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 127.0.0.1:51679",
	  SPEC("-p", "tcp", "-d", ECS_CREDS_ADDR, "--dport", "80", "-j", "DNAT", "--to-destination",
	       "127.0.0.1:51679" /* ECS_CREDS_PORT */), 0, 0 },
	{ "introspection ACCEPT docker0", 0, "filter", "INPUT",
	  "-i docker0 -p tcp -m tcp --dport 51678 -j ACCEPT",
	  SPEC("-p", "tcp", "--dport", ECS_INTROSPECTION_PORT, "-i", "docker0", "-j", "ACCEPT"), 1,
	  NEED_INTRO | NEED_DOCKER0 },
	{ "introspection DROP off-host", 0, "filter", "INPUT",
	  "! -i lo -p tcp -m tcp --dport 51678 -j DROP",
	  SPEC("-p", "tcp", "--dport", ECS_INTROSPECTION_PORT, "!", "-i", "lo", "-j", "DROP"), 1, NEED_INTRO },
	{ "localhost filter", 0, "filter", "INPUT",
	  "! -s 127.0.0.0/8 -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
	  SPEC("--dst", "127.0.0.0/8", "!", "--src", "127.0.0.0/8", "-m", "conntrack", "!", "--ctstate",
	       "RELATED,ESTABLISHED,DNAT", "-j", "DROP"), 1, NEED_LOCALHOST },
	{ "introspection ACCEPT docker0 (v6)", 1, "filter", "INPUT",
	  "-i docker0 -p tcp -m tcp --dport 51678 -j ACCEPT",
	  SPEC("-p", "tcp", "--dport", ECS_INTROSPECTION_PORT, "-i", "docker0", "-j", "ACCEPT"), 1,
	  NEED_INTRO | NEED_DOCKER0 },
	{ "introspection DROP off-host (v6)", 1, "filter", "INPUT",
	  "! -i lo -p tcp -m tcp --dport 51678 -j DROP",
	  SPEC("-p", "tcp", "--dport", ECS_INTROSPECTION_PORT, "!", "-i", "lo", "-j", "DROP"), 1, NEED_INTRO },
	{ "task-role REDIRECT", 0, "nat", "OUTPUT",
	  "-d 169.254.170.2/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 51679",
	  SPEC("-p", "tcp", "-d", ECS_CREDS_ADDR, "--dport", "80", "-j", "REDIRECT", "--to-ports", ECS_CREDS_PORT),
	  0, 0 },
	{ "IMDS block for bridge tasks", 0, "filter", "DOCKER-USER",
	  "-d 169.254.169.254/32 -i docker+ -j DROP",
	  SPEC("-i", "docker+", "-d", "169.254.169.254/32" /* IMDS_ADDR */, "-j", "DROP"), 1, NEED_IMDS },
};
#define N_RULES (sizeof rules / sizeof rules[0])

#define IPT_TIMEOUT_MS 30000
#define LIST_MAX (4 * 1024 * 1024) /* `iptables-save -t TABLE` output we read; more is an error */

struct seen {
	int count; /* how many times the rule is in its chain */
	int pos;   /* line index of its first occurrence, -1 if unknown */
};

static bool family_ok(const struct run *r, const struct rule *x)
{
	return !x->v6 || (r->have_ipv6 && r->have_ip6tables);
}

static bool enabled(const struct run *r, const struct rule *x)
{
	if ((x->need & NEED_LOCALHOST) && r->skip_localhost_filter)
		return false;
	if ((x->need & NEED_INTRO) && r->allow_offhost_introspection)
		return false;
	if ((x->need & NEED_DOCKER0) && !r->have_docker0)
		return false;
	if ((x->need & NEED_IMDS) && !r->block_imds)
		return false;
	return family_ok(r, x);
}

void nat_inputs(struct run *r, struct sha256_ctx *h)
{
	for (size_t i = 0; i < N_RULES; i++)
		sha256_update_str(h, enabled(r, &rules[i]) ? rules[i].canon : "-");
}

/* Run iptables/ip6tables -w 5 -t TABLE OP CHAIN [POS] SPEC...; result in res. */
static int ipt(struct run *r, const struct rule *x, const char *op, const char *pos, bool with_spec,
	       struct exec_result *res)
{
	const char *argv[40];
	size_t n = 0;

	argv[n++] = x->v6 ? "ip6tables" : "iptables";
	argv[n++] = "-w";
	argv[n++] = "5";
	argv[n++] = "-t";
	argv[n++] = x->table;
	argv[n++] = op;
	argv[n++] = x->chain;
	if (pos)
		argv[n++] = pos;
	for (size_t i = 0; with_spec && x->spec[i] && n < 39; i++)
		argv[n++] = x->spec[i];
	argv[n] = NULL;
	return exec_run(argv, IPT_TIMEOUT_MS, res, &r->err);
}

/* Like ipt() but a non-zero exit is an error naming the rule. */
static int ipt_must(struct run *r, const struct rule *x, const char *op, const char *pos)
{
	char out[1024];
	struct exec_result res = { .tool_dir = r->tool_dir, .out = out, .out_cap = sizeof out };
	int k = ipt(r, x, op, pos, true, &res);

	if (k == 0 && res.status != 0)
		k = err_setx(&r->err, -EIO, BS_EXIT_TEMP, "exited %d: %s", res.status, exec_first_line(&res));
	return k < 0 ? err_wrap(&r->err, "rule '%s': %s -t %s %s %s", x->id, x->v6 ? "ip6tables" : "iptables", x->table,
				op, x->chain) : 0;
}

/* Count the occurrences of every rule in its chain: one `iptables-save -t TABLE` per
 * (family, table), since a process start is what a converged run mostly costs (~100 ms
 * each under emulation).  Positions are line numbers in that listing, which keeps each
 * chain's order. */
static int survey(struct run *r, struct seen seen[N_RULES])
{
	static char out[LIST_MAX];
	struct exec_result res = { .tool_dir = r->tool_dir, .out = out, .out_cap = sizeof out };

	for (size_t i = 0; i < N_RULES; i++)
		seen[i].count = -1;
	for (size_t i = 0; i < N_RULES; i++) {
		const struct rule *x = &rules[i];
		const char *argv[] = { x->v6 ? "ip6tables-save" : "iptables-save", "-t", x->table, NULL };
		int k, line = 0;

		if (seen[i].count >= 0 || !family_ok(r, x))
			continue;
		k = exec_must(argv, IPT_TIMEOUT_MS, &res, BS_EXIT_TEMP, &r->err);
		if (k < 0)
			return k;
		if (res.truncated)
			return err_setx(&r->err, -E2BIG, BS_EXIT_INTERNAL, "%s -t %s: more than %d bytes of rules", argv[0],
					x->table, LIST_MAX);
		for (size_t j = i; j < N_RULES; j++)
			if (rules[j].v6 == x->v6 && strcmp(rules[j].table, x->table) == 0)
				seen[j].count = 0, seen[j].pos = -1;
		for (char *p = res.out; p && *p; line++) {
			char *nl = strchr(p, '\n');
			if (nl)
				*nl = '\0';
			for (size_t j = i; p[0] == '-' && p[1] == 'A' && p[2] == ' ' && j < N_RULES; j++) {
				const struct rule *y = &rules[j];
				size_t cl = strlen(y->chain);
				if (y->v6 != x->v6 || strcmp(y->table, x->table) != 0)
					continue;
				if (!strncmp(p + 3, y->chain, cl) && p[3 + cl] == ' ' && !strcmp(p + 4 + cl, y->canon) &&
				    seen[j].count++ == 0)
					seen[j].pos = line;
			}
			p = nl ? nl + 1 : NULL;
		}
	}
	/* An enabled rule whose canonical text is not listed: ask -C, which compares rules
	 * semantically, so an iptables that prints rules differently never makes us add a
	 * duplicate.  (A disabled rule is looked for by its text only.) */
	for (size_t i = 0; i < N_RULES; i++) {
		char out1[1024];
		struct exec_result r1 = { .tool_dir = r->tool_dir, .out = out1, .out_cap = sizeof out1 };
		int k;
		if (seen[i].count != 0 || !enabled(r, &rules[i]))
			continue;
		k = ipt(r, &rules[i], "-C", NULL, true, &r1);
		if (k < 0)
			return k;
		if (r1.status == 0)
			seen[i].count = 1; /* present; its listing differs, so order and duplicates are unknown */
	}
	return 0;
}

/* Is the INPUT group of family v6 in order?  Enabled rules with known positions must be increasing. */
static bool group_ordered(const struct run *r, const struct seen seen[N_RULES], int v6, const char *chain)
{
	int last = -1;
	for (size_t i = 0; i < N_RULES; i++) {
		const struct rule *x = &rules[i];
		if (!x->insert || x->v6 != v6 || strcmp(x->chain, chain) != 0 || !enabled(r, x) || seen[i].pos < 0)
			continue;
		if (seen[i].pos < last)
			return false;
		last = seen[i].pos;
	}
	return true;
}

int nat_check(struct run *r)
{
	struct seen seen[N_RULES];
	int k = survey(r, seen);

	if (k < 0)
		return k;
	for (size_t i = 0; i < N_RULES; i++) {
		const struct rule *x = &rules[i];
		if (!family_ok(r, x))
			continue;
		if (enabled(r, x) && seen[i].count == 0) {
			run_why(r, "rule missing: %s (%s %s)", x->id, x->table, x->chain);
			return 0;
		}
		if (enabled(r, x) && seen[i].count > 1) {
			run_why(r, "rule present %d times: %s", seen[i].count, x->id);
			return 0;
		}
		if (!enabled(r, x) && seen[i].count > 0) {
			run_why(r, "rule present but disabled by configuration: %s", x->id);
			return 0;
		}
	}
	if (!group_ordered(r, seen, 0, "INPUT") || !group_ordered(r, seen, 1, "INPUT")) {
		run_why(r, "INPUT rules out of ecs-init's order");
		return 0;
	}
	return 1;
}

/* Delete every copy of rule x (bounded: a rule repeated more than 64 times is not ours to fix). */
static int delete_all(struct run *r, const struct rule *x)
{
	for (int n = 0; n < 64; n++) {
		char out[1024];
		struct exec_result res = { .tool_dir = r->tool_dir, .out = out, .out_cap = sizeof out };
		int k = ipt(r, x, "-C", NULL, true, &res);
		if (k < 0)
			return k;
		if (res.status != 0)
			return 0;
		k = ipt_must(r, x, "-D", NULL);
		if (k < 0)
			return k;
	}
	return err_setx(&r->err, -ELOOP, BS_EXIT_INTERNAL, "rule '%s' still present after 64 deletions", x->id);
}

/* Re-create the ordered group (family v6, chain): delete ours, insert enabled ones bottom-up. */
static int redo_group(struct run *r, int v6, const char *chain, int *added)
{
	for (size_t i = 0; i < N_RULES; i++) {
		const struct rule *x = &rules[i];
		if (x->insert && x->v6 == v6 && strcmp(x->chain, chain) == 0 && family_ok(r, x)) {
			int k = delete_all(r, x);
			if (k < 0)
				return k;
		}
	}
	for (size_t i = N_RULES; i-- > 0;) {
		const struct rule *x = &rules[i];
		if (x->insert && x->v6 == v6 && strcmp(x->chain, chain) == 0 && enabled(r, x)) {
			int k = ipt_must(r, x, "-I", "1");
			if (k < 0)
				return k;
			(*added)++;
			FAULT_POINT("nat-between-inserts");
		}
	}
	return 0;
}

static bool group_needs_redo(const struct run *r, const struct seen seen[N_RULES], int v6, const char *chain)
{
	for (size_t i = 0; i < N_RULES; i++) {
		const struct rule *x = &rules[i];
		if (!x->insert || x->v6 != v6 || strcmp(x->chain, chain) != 0 || !family_ok(r, x))
			continue;
		if (enabled(r, x) ? seen[i].count != 1 : seen[i].count != 0)
			return true;
	}
	return !group_ordered(r, seen, v6, chain);
}

static int ensure_chain(struct run *r, const struct rule *x)
{
	char out[1024];
	struct exec_result res = { .tool_dir = r->tool_dir, .out = out, .out_cap = sizeof out };
	const char *argv[] = { x->v6 ? "ip6tables" : "iptables", "-w", "5", "-t", x->table, "-N", x->chain, NULL };
	int k = exec_run(argv, IPT_TIMEOUT_MS, &res, &r->err);

	/* Exit 1 "Chain already exists" is the converged case: dockerd made it first. */
	if (k < 0)
		return k;
	return 0;
}

int nat_apply(struct run *r)
{
	struct seen seen[N_RULES];
	int added = 0, removed = 0, k;

	k = survey(r, seen);
	if (k < 0)
		return k;
	for (size_t i = 0; i < N_RULES; i++) {
		const struct rule *x = &rules[i];
		if (x->insert || !family_ok(r, x))
			continue;
		if (enabled(r, x) && seen[i].count == 0) {
			k = ipt_must(r, x, "-A", NULL);
			added++;
		} else if (!enabled(r, x) && seen[i].count > 0) {
			k = delete_all(r, x);
			removed += seen[i].count;
		} else {
			for (int n = 1; k == 0 && n < seen[i].count; n++, removed++)
				k = ipt_must(r, x, "-D", NULL);
		}
		if (k < 0)
			return k;
		FAULT_POINT("nat-between-appends");
	}
	for (int v6 = 0; v6 <= 1; v6++) {
		if (group_needs_redo(r, seen, v6, "INPUT")) {
			k = redo_group(r, v6, "INPUT", &added);
			if (k < 0)
				return k;
		}
	}
	if (group_needs_redo(r, seen, 0, "DOCKER-USER")) {
		for (size_t i = 0; i < N_RULES; i++)
			if (!strcmp(rules[i].chain, "DOCKER-USER") && enabled(r, &rules[i]) && seen[i].count == 0) {
				k = ensure_chain(r, &rules[i]);
				if (k < 0)
					return k;
			}
		k = redo_group(r, 0, "DOCKER-USER", &added);
		if (k < 0)
			return k;
	}
	run_done(r, "%d rules added, %d removed (%s)", added, removed, r->ipt_backend ? r->ipt_backend : "iptables");
	return 0;
}
