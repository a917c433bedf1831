/*
 * NAME
 *   dnstest_plan.c - `dns test NAME [DOMAIN]` as a plan that can run off
 *                    signet-controld's loop (see dnstest.h, keys.h)
 *
 * SUMMARY
 *   dnstest_plan_new lists the rows - NAME's domains (or DOMAIN), per
 *   selector of that name - with the public halves of their keys (the
 *   private keys are freed before it returns) and copies the resolver
 *   settings; dnstest_plan_run makes a resolver for the run
 *   (control.resolver, or the system's when empty; KEYS_DNS_TIMEOUT_MS per
 *   attempt, DT_ATTEMPTS attempts) and tests the rows in order with
 *   dnstest_check (dnstest.c); it touches nothing but the plan, so
 *   signet-controld runs it on a thread of its own
 *   (control/daemon/jobs.c) while its loop goes on serving.
 *   keys_cmd_dns_test runs the three steps in a row.
 *   Answer: columns selector, domain, dns_name, result, ok (INT, 1 only
 *   for "found and matching"), detail; message "ok: ..." when every row
 *   matched, "failed: ..." otherwise.
 *
 * UNTRUSTED INPUT
 *   None directly: DNS answers go to dnstest_check.
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Engine, DNS. */
#include "dnsrecord.h"
#include "resolver.h"

/* Control plane. */
#include "dnstest.h"
#include "keys_internal.h"

#define DT_ATTEMPTS 2

struct dt_row {
	char selector[KS_SELECTOR_MAX + 1];
	char domain[KS_DOMAIN_MAX + 1];
	char dns_name[DT_NAME_MAX + 1];
	enum sg_sigkind kind;
	struct dnstest_pubkey key;
	enum dnstest_result result;
	char detail[300];
};

struct dnstest_plan {
	char name[SG_CMD_WORD_MAX];
	char resolver[128];		/* "" = the system's */
	unsigned timeout_ms;
	struct dt_row *rows;
	size_t nrows, cap, tested;
	enum sg_err run_rc;		/* the resolver could not be made */
	struct sg_error run_err;
};

/* Adds the row of sel for domain: its DNS name and its key's public half
 * (the private key lives only inside this call). */
static enum sg_err plan_row(struct dnstest_plan *plan, struct sg_keys *k,
			    const struct selector *sel, const char *domain,
			    struct sg_error *err)
{
	struct sg_privkey *key = NULL;
	struct dt_row *row;
	struct sg_buf name;
	enum sg_err rc;

	if (plan->nrows == plan->cap) {
		size_t cap = plan->cap ? 2 * plan->cap : 4;
		struct dt_row *grown = realloc(plan->rows, cap * sizeof(*grown));

		if (grown == NULL)
			return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
		plan->rows = grown;
		plan->cap = cap;
	}
	row = memset(&plan->rows[plan->nrows], 0, sizeof(*row));
	rc = keys_load_selector_key(k, sel, domain, &key, err);
	if (rc != SG_OK)
		return rc;
	dnstest_pubkey_of(key, &row->key);
	sg_privkey_free(key);
	sg_buf_init(&name, DT_NAME_MAX);
	rc = sg_dns_record_name(sel->name, domain, &name);
	if (rc == SG_OK)
		snprintf(row->dns_name, sizeof(row->dns_name), "%s", sg_buf_cstr(&name));
	sg_buf_free(&name);
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, 0, "selector %s for %s: cannot form the record "
				    "name", sel->name, domain);
	snprintf(row->selector, sizeof(row->selector), "%s", sel->name);
	snprintf(row->domain, sizeof(row->domain), "%s", domain);
	row->kind = sel->kind;
	plan->nrows++;
	return SG_OK;
}

/* The rows of sel: domain, or each domain of its own. */
static enum sg_err plan_selector(struct dnstest_plan *plan, struct sg_keys *k,
				 const struct selector *sel, const char *domain,
				 struct sg_error *err)
{
	enum sg_err rc = SG_OK;

	if (domain != NULL)
		return plan_row(plan, k, sel, domain, err);
	for (size_t i = 0; rc == SG_OK && i < sel->ndomains; i++) {
		if (strcmp(sel->domains[i].domain, SEL_ANY_DOMAIN) != 0)
			rc = plan_row(plan, k, sel, sel->domains[i].domain, err);
	}
	return rc;
}

enum sg_err dnstest_plan_new(struct sg_keys *k, const struct sg_cmd_params *p,
			     struct dnstest_plan **out, struct sg_error *err)
{
	char domain[KS_DOMAIN_MAX + 1];
	struct selector *found[2];
	struct dnstest_plan *plan;
	size_t n = 0;
	enum sg_err rc;

	*out = NULL;
	rc = keys_selectors_named(k, p->name, found, 2, &n, err);
	if (rc == SG_OK)
		rc = keys_domain_arg(p->domain, domain, sizeof(domain), err);
	if (rc != SG_OK)
		return rc;
	plan = calloc(1, sizeof(*plan));
	if (plan == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	snprintf(plan->name, sizeof(plan->name), "%s", p->name);
	snprintf(plan->resolver, sizeof(plan->resolver), "%s", k->resolver);
	plan->timeout_ms = k->dns_timeout_ms;
	for (size_t i = 0; rc == SG_OK && i < n && i < 2; i++)
		rc = plan_selector(plan, k, found[i], p->domain[0] ? domain : NULL, err);
	if (rc == SG_OK && plan->nrows == 0)
		rc = sg_error_set(err, SG_E_ARG, 0, 0, "selector %s has no domain of its own: "
				  "name one (dns test %s DOMAIN)", p->name, p->name);
	if (rc != SG_OK) {
		dnstest_plan_free(plan);
		return rc;
	}
	*out = plan;
	return SG_OK;
}

void dnstest_plan_run(struct dnstest_plan *plan, const atomic_bool *cancel)
{
	struct sg_resolver_config cfg = { plan->resolver[0] ? plan->resolver : NULL,
					  plan->timeout_ms, DT_ATTEMPTS };
	struct sg_resolver *res = NULL;
	struct sg_key_lookup lookup;

	sg_error_clear(&plan->run_err);
	plan->run_rc = sg_resolver_new(&cfg, &res, &plan->run_err);
	if (plan->run_rc != SG_OK)
		return;
	lookup = sg_resolver_lookup(res);
	for (; plan->tested < plan->nrows; plan->tested++) {
		struct dt_row *row = &plan->rows[plan->tested];

		if (cancel != NULL && atomic_load(cancel))
			break;
		row->result = dnstest_check(&lookup, row->kind, row->selector, row->domain,
					    &row->key, row->detail, sizeof(row->detail));
	}
	sg_resolver_free(res);
}

bool dnstest_plan_finished(const struct dnstest_plan *plan)
{
	return plan->run_rc == SG_OK && plan->tested == plan->nrows;
}

const char *dnstest_plan_name(const struct dnstest_plan *plan)
{
	return plan->name;
}

enum sg_err dnstest_plan_answer(const struct dnstest_plan *plan, struct sg_table *out,
				struct sg_error *err)
{
	static const char *const cols[] = { "selector", "domain", "dns_name", "result", "#ok",
					    "detail", NULL };
	size_t matched = 0;
	enum sg_err rc;

	if (plan->run_rc != SG_OK)
		return sg_error_set(err, plan->run_rc, 0, 0, "%s", plan->run_err.msg);
	if (plan->tested < plan->nrows)
		return sg_error_set(err, SG_E_STATE, 0, 0, "dns test %s stopped after %zu of %zu "
				    "records", plan->name, plan->tested, plan->nrows);
	sg_table_init(out, "dns test");
	rc = keys_table_columns(out, cols);
	for (size_t i = 0; rc == SG_OK && i < plan->nrows; i++) {
		const struct dt_row *row = &plan->rows[i];
		const char *cells[6] = { row->selector, row->domain, row->dns_name,
					 dnstest_result_name(row->result),
					 row->result == DT_MATCH ? "1" : "0", row->detail };

		rc = keys_table_row(out, cells, err);
		matched += row->result == DT_MATCH;
	}
	if (rc == SG_OK && matched == plan->nrows)
		keys_textf(out->message, sizeof(out->message), "ok: %zu record%s found and matching",
			   plan->nrows, plan->nrows == 1 ? "" : "s");
	else if (rc == SG_OK)
		keys_textf(out->message, sizeof(out->message), "failed: %zu of %zu records not "
			   "found and matching", plan->nrows - matched, plan->nrows);
	return rc;
}

void dnstest_plan_free(struct dnstest_plan *plan)
{
	if (plan == NULL)
		return;
	free(plan->rows);
	free(plan);
}

enum sg_err keys_cmd_dns_test(struct sg_keys *k, const struct sg_cmd_params *p,
			      struct sg_table *out, struct sg_error *err)
{
	struct dnstest_plan *plan = NULL;
	enum sg_err rc;

	rc = dnstest_plan_new(k, p, &plan, err);
	if (rc != SG_OK)
		return rc;
	dnstest_plan_run(plan, NULL);
	rc = dnstest_plan_answer(plan, out, err);
	dnstest_plan_free(plan);
	return rc;
}
