/*
 * NAME
 *   dnsrecord.c - the DNS TXT record that publishes a key (see dnsrecord.h)
 *
 * SUMMARY
 *   sg_dns_record appends the TXT value for a key to out:
 *     DKIM        "v=DKIM1; k=rsa; p=BASE64"  (k=ed25519 for Ed25519)
 *     DomainKeys  "k=rsa; p=BASE64"           (RSA only, RFC 4870 3.2.3)
 *   with "t=y; " before p= when testing.
 *   sg_dns_record_name appends "SELECTOR._domainkey.DOMAIN" (a trailing
 *   dot of DOMAIN is dropped).
 *   sg_dns_zone_line appends a master-file line (RFC 1035 5.1):
 *     SELECTOR._domainkey.DOMAIN. IN TXT ( "first 255 bytes"
 *     	"next 255 bytes" )
 *   one character-string of at most 255 bytes per line, '"' and '\'
 *   escaped; an empty value gives one empty string. No final newline.
 *
 * DIAGNOSTICS
 *   SG_E_ARG for an empty or unprintable selector/domain, or a TXT value
 *   with control or non-ASCII bytes (the zone line would be ambiguous);
 *   SG_E_UNSUPPORTED for DomainKeys with an Ed25519 key; buffer limits
 *   give SG_E_LIMIT. Everything is appended to out; after an error out
 *   may end in a partial append.
 */

/* System library. */
#include <string.h>

/* Engine. */
#include "base64.h"

/* Crypto layer. */
#include "dnsrecord.h"

#define TXT_STRING_MAX 255	/* RFC 1035 3.3: one character-string */

enum sg_err sg_dns_record(const struct sg_privkey *k, bool testing, bool domainkeys,
			  struct sg_buf *out, struct sg_error *err)
{
	uint8_t pub[SG_PUBKEY_MAX];
	char b64[((SG_PUBKEY_MAX + 2) / 3) * 4 + 1];
	size_t pub_len = 0;
	enum sg_err rc;
	bool rsa;

	if (k == NULL || out == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no key or no output buffer");
	rsa = sg_privkey_type(k) == SG_KEY_RSA;
	if (domainkeys && !rsa)
		return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
				    "DomainKeys publishes RSA keys only, not Ed25519");
	rc = sg_privkey_public(k, pub, sizeof(pub), &pub_len, err);
	if (rc != SG_OK)
		return rc;
	sg_base64_encode(pub, pub_len, b64);
	rc = sg_buf_printf(out, "%sk=%s; %sp=%s", domainkeys ? "" : "v=DKIM1; ",
			   rsa ? "rsa" : "ed25519", testing ? "t=y; " : "", b64);
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, 0, "cannot build the TXT record: %s",
				    sg_err_name(rc));
	return SG_OK;
}

/* A DNS label or name as typed into a zone file: printable, no space,
 * quote, backslash, parenthesis or semicolon. */
static bool is_plain_name(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c >= 0x7f || strchr("\"\\();", c) != NULL)
			return false;
	}
	return true;
}

enum sg_err sg_dns_record_name(const char *selector, const char *domain, struct sg_buf *out)
{
	size_t dlen;

	if (out == NULL || !is_plain_name(selector) || !is_plain_name(domain))
		return SG_E_ARG;
	dlen = strlen(domain);
	if (domain[dlen - 1] == '.')
		dlen--;
	if (dlen == 0 || selector[strlen(selector) - 1] == '.')
		return SG_E_ARG;
	return sg_buf_printf(out, "%s._domainkey.%.*s", selector, (int)dlen, domain);
}

/* Appends txt[0..n) as one quoted character-string. */
static enum sg_err put_quoted(struct sg_buf *out, const char *txt, size_t n)
{
	enum sg_err rc = sg_buf_putc(out, '"');

	for (size_t i = 0; i < n && rc == SG_OK; i++) {
		if (txt[i] == '"' || txt[i] == '\\')
			rc = sg_buf_putc(out, '\\');
		if (rc == SG_OK)
			rc = sg_buf_putc(out, txt[i]);
	}
	return rc == SG_OK ? sg_buf_putc(out, '"') : rc;
}

enum sg_err sg_dns_zone_line(const char *selector, const char *domain, const char *txt,
			     struct sg_buf *out)
{
	size_t len, pos = 0;
	enum sg_err rc;

	if (txt == NULL)
		return SG_E_ARG;
	len = strlen(txt);
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)txt[i] < ' ' || (unsigned char)txt[i] >= 0x7f)
			return SG_E_ARG;
	}
	rc = sg_dns_record_name(selector, domain, out);
	if (rc == SG_OK)
		rc = sg_buf_puts(out, ". IN TXT ( ");
	do {
		size_t n = len - pos > TXT_STRING_MAX ? TXT_STRING_MAX : len - pos;

		if (rc == SG_OK && pos > 0)
			rc = sg_buf_puts(out, "\n\t");
		if (rc == SG_OK)
			rc = put_quoted(out, txt + pos, n);
		pos += n;
	} while (rc == SG_OK && pos < len);
	if (rc == SG_OK)
		rc = sg_buf_puts(out, " )");
	return rc;
}
