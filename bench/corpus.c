/*
 * NAME
 *   corpus.c - deterministic campaign-style mail for the benchmarks (see
 *              corpus.h)
 *
 * SUMMARY
 *   A message is built from a private random stream (splitmix64) seeded by
 *   (seed, index): recipient, sender domain, size class and every word come
 *   from it, so message i never depends on the messages before it. Headers
 *   first; then the text part takes about a third of what the target leaves
 *   and the HTML part fills up to the target, a line at a time.
 *
 * UNTRUSTED INPUT
 *   The size class list (corpus_parse_sizes), from the command line.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"

#define TEXT_COLUMNS 72
#define HTML_COLUMNS 76
#define HTML_ROW_MAX 640		/* bytes a table row can take */
#define TEXT_SHARE_PCT 35
#define BASE_TIME 1795000000		/* Date of message 0 with seed 0 (Nov 2026) */
#define MAX_WEIGHT 1000000u

struct rng {
	uint64_t state;
};

struct mail {
	struct sg_buf *out;
	size_t start;			/* offset of the message in out */
	size_t target;			/* wanted message size */
	struct rng rng;
	bool ok;
	uint64_t index;
	const char *first, *last, *rdomain, *sender;
	char token[17];			/* per-recipient hex token in links */
	char boundary[48];
	unsigned links;			/* tracking links written so far */
};

static const char *const first_names[] = {
	"Anna", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
	"Keiko", "Liam", "Maria", "Noah", "Olga", "Pavel", "Quinn", "Rosa", "Samir", "Tara",
	"Ugo", "Vera", "Wen", "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno", "Carmen", "Dmitri",
};
static const char *const last_names[] = {
	"Adams", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen",
	"Ivanova", "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov",
	"Quaresma", "Rossi", "Schmidt", "Tanaka", "Umarov", "Varga", "Weber", "Yilmaz",
};
static const char *const recipient_domains[] = {
	"example.com", "example.net", "example.org", "mail.example.com", "inbox.example.net",
	"post.example.org", "users.example.com", "home.example.net",
};
static const char *const sender_domains[CORPUS_SENDERS] = {
	"news.example.com", "mail.example.net", "offers.example.org", "letters.example.com",
	"deals.example.net",
};
/* Subjects: text before and after the first name. */
static const char *const subjects[][2] = {
	{ "", ", your weekly picks are here" }, { "", ": 20% off ends tonight" },
	{ "New arrivals chosen for you, ", "" }, { "", ", we saved your basket" },
	{ "Your November newsletter, ", "" }, { "", " - three ideas for the weekend" },
};
static const char *const words[] = {
	"offer", "season", "collection", "discover", "limited", "delivery", "members",
	"exclusive", "today", "weekend", "style", "comfort", "quality", "choose", "save",
	"favourite", "brands", "fresh", "ideas", "home", "garden", "travel", "winter", "light",
	"classic", "design", "gift", "order", "free", "returns", "online", "store", "new",
	"selection", "handmade", "local", "partners", "event", "tickets", "early", "access",
	"price", "every", "week", "more", "your", "with", "and", "for", "the", "our", "in",
	"of", "to", "a", "on", "this", "all", "best", "warm", "bright", "easy", "simple",
	"perfect",
};
static const char *const day_names[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
static const char *const month_names[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static size_t rng_below(struct rng *r, size_t n)
{
	return (size_t)(rng_next(r) % n);
}

static void put(struct mail *m, const char *s, size_t n)
{
	m->ok = m->ok && sg_buf_append(m->out, s, n) == SG_OK;
}

static void puts_(struct mail *m, const char *s)
{
	put(m, s, strlen(s));
}

static size_t written(const struct mail *m)
{
	return m->out->len - m->start;
}

void corpus_params_default(struct corpus_params *p)
{
	char why[128];

	memset(p, 0, sizeof(*p));
	p->seed = 1;
	p->jitter_pct = 10;
	(void)corpus_parse_sizes(CORPUS_DEFAULT_SIZES, p, why, sizeof(why));
}

bool corpus_parse_size(const char *text, size_t *bytes)
{
	unsigned long long v = 0;
	const char *p = text;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > CORPUS_MAX_BYTES)
			return false;
	}
	if (*p == 'K' || *p == 'k')
		v <<= 10, p++;
	else if (*p == 'M' || *p == 'm')
		v <<= 20, p++;
	if (*p != '\0' || v < CORPUS_MIN_BYTES || v > CORPUS_MAX_BYTES)
		return false;
	*bytes = (size_t)v;
	return true;
}

/* One "SIZE[:WEIGHT]" entry (NUL-terminated; restored before return). */
static bool parse_class(char *entry, struct corpus_class *c)
{
	char *colon = strchr(entry, ':'), *end;
	unsigned long w = 1;
	bool ok = true;

	if (colon != NULL) {
		*colon = '\0';
		w = strtoul(colon + 1, &end, 10);
		ok = colon[1] >= '0' && colon[1] <= '9' && *end == '\0' && w >= 1 && w <= MAX_WEIGHT;
	}
	c->weight = (unsigned)w;
	ok = ok && corpus_parse_size(entry, &c->bytes);
	if (colon != NULL)
		*colon = ':';	/* the whole entry for the caller's message */
	return ok;
}

bool corpus_parse_sizes(const char *text, struct corpus_params *p, char *why, size_t why_cap)
{
	char copy[512], *save = NULL, *entry;
	size_t n = 0;

	if (strlen(text) >= sizeof(copy)) {
		snprintf(why, why_cap, "size list longer than %zu bytes", sizeof(copy) - 1);
		return false;
	}
	strcpy(copy, text);
	for (entry = strtok_r(copy, ",", &save); entry; entry = strtok_r(NULL, ",", &save)) {
		if (n == CORPUS_MAX_CLASSES) {
			snprintf(why, why_cap, "more than %d size classes", CORPUS_MAX_CLASSES);
			return false;
		}
		if (!parse_class(entry, &p->classes[n])) {
			snprintf(why, why_cap, "bad size class \"%.64s\" (SIZE[:WEIGHT], SIZE %u..%u "
				 "bytes with K or M suffix, WEIGHT 1..%u)", entry, CORPUS_MIN_BYTES,
				 CORPUS_MAX_BYTES, MAX_WEIGHT);
			return false;
		}
		n++;
	}
	if (n == 0) {
		snprintf(why, why_cap, "empty size list");
		return false;
	}
	p->nclasses = n;
	return true;
}

/* The target size of this message: a class by weight, then the jitter. */
static size_t pick_target(const struct corpus_params *p, struct rng *r)
{
	uint64_t total = 0, pick;
	size_t i = 0, bytes, span;

	for (size_t k = 0; k < p->nclasses; k++)
		total += p->classes[k].weight;
	pick = rng_next(r) % total;
	while (pick >= p->classes[i].weight)
		pick -= p->classes[i++].weight;
	bytes = p->classes[i].bytes;
	span = bytes / 100 * p->jitter_pct;
	if (span > 0)
		bytes = bytes - span + rng_below(r, 2 * span + 1);
	if (bytes < CORPUS_MIN_BYTES)
		bytes = CORPUS_MIN_BYTES;
	return bytes > CORPUS_MAX_BYTES ? CORPUS_MAX_BYTES : bytes;
}

/* RFC 5322 date of an epoch second (UTC), without the C library's locale. */
static void format_date(int64_t t, char *out, size_t cap)
{
	int64_t days = t / 86400, secs = t % 86400;
	int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
	int64_t year = yoe + era * 400 + (month <= 2);

	snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d +0000", day_names[days % 7],
		 (int)day, month_names[month - 1], (int)year, (int)(secs / 3600),
		 (int)(secs / 60 % 60), (int)(secs % 60));
}

static void write_headers(struct mail *m, uint64_t seed)
{
	const char *const *subject = subjects[rng_below(&m->rng, COUNT(subjects))];
	char date[64], line[512];

	format_date(BASE_TIME + (int64_t)(seed % 1000) * 86400 + (int64_t)m->index * 7, date,
		    sizeof(date));
	snprintf(line, sizeof(line),
		 "From: \"Example Store\" <newsletter@%s>\r\nTo: \"%s %s\" <%s.%s@%s>\r\n"
		 "Subject: %s%s%s\r\nDate: %s\r\n", m->sender, m->first, m->last, m->first,
		 m->last, m->rdomain, subject[0], m->first, subject[1], date);
	puts_(m, line);
	snprintf(line, sizeof(line),
		 "Message-ID: <%s.%" PRIu64 ".%" PRIx64 "@%s>\r\nMIME-Version: 1.0\r\n"
		 "Reply-To: <care@%s>\r\n", m->token, m->index, seed, m->sender, m->sender);
	puts_(m, line);
	snprintf(line, sizeof(line),
		 "List-Unsubscribe: <mailto:unsubscribe-%s@%s?subject=unsubscribe>,\r\n"
		 " <https://%s/unsubscribe/%s?list=weekly&campaign=%" PRIx64 ">\r\n"
		 "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", m->token, m->sender,
		 m->sender, m->token, seed);
	puts_(m, line);
	snprintf(line, sizeof(line),
		 "Feedback-ID: weekly:%" PRIu64 ":newsletter:examplestore\r\n"
		 "X-Campaign: weekly-%" PRIu64 "\r\nContent-Type: multipart/alternative;\r\n"
		 "\tboundary=\"%s\"\r\n\r\nThis is a multi-part message in MIME format.\r\n",
		 seed % 100000, seed, m->boundary);
	puts_(m, line);
}

/* One line of words of at most columns bytes, with the occasional double
 * space and trailing blank; returns its length. */
static size_t word_line(struct mail *m, size_t columns, bool capital)
{
	char line[128];
	size_t len = 0;

	while (len < columns) {
		const char *w = words[rng_below(&m->rng, COUNT(words))];
		size_t wl = strlen(w), gap = len == 0 ? 0 : 1 + (rng_below(&m->rng, 16) == 0);

		if (len + gap + wl > columns)
			break;
		memset(line + len, ' ', gap);
		memcpy(line + len + gap, w, wl);
		if (capital && len == 0)
			line[0] = (char)(line[0] - 'a' + 'A');
		len += gap + wl;
	}
	if (rng_below(&m->rng, 8) == 0)
		line[len++] = ' ';
	line[len++] = '\r';
	line[len++] = '\n';
	put(m, line, len);
	return len;
}

static void part_header(struct mail *m, const char *type)
{
	char line[256];

	snprintf(line, sizeof(line), "\r\n--%s\r\nContent-Type: %s; charset=utf-8\r\n"
		 "Content-Transfer-Encoding: 7bit\r\n\r\n", m->boundary, type);
	puts_(m, line);
}

static void write_text_part(struct mail *m, size_t until)
{
	char line[256], footer[256];
	size_t room;

	snprintf(footer, sizeof(footer), "You receive this mail as a member of Example Store.\r\n"
		 "Unsubscribe: https://%s/unsubscribe/%s\r\n", m->sender, m->token);
	room = until > strlen(footer) ? until - strlen(footer) : 0;
	part_header(m, "text/plain");
	snprintf(line, sizeof(line), "Hello %s,\r\n\r\n", m->first);
	puts_(m, line);
	while (m->ok && written(m) + TEXT_COLUMNS + 2 < room) {
		size_t lines = 3 + rng_below(&m->rng, 4);

		for (size_t i = 0; i < lines && written(m) + TEXT_COLUMNS + 2 < room; i++)
			word_line(m, TEXT_COLUMNS, i == 0);
		puts_(m, "\r\n");
	}
	puts_(m, footer);
}

/* One table row: a styled cell with a paragraph and a tracking link. */
static void html_row(struct mail *m, size_t until)
{
	char line[256];
	size_t lines = 2 + rng_below(&m->rng, 5);

	puts_(m, "<tr>\r\n<td style=\"padding:12px 24px;font-family:Arial,sans-serif;"
	      "font-size:15px;color:#333333\">\r\n");
	for (size_t i = 0; i < lines && written(m) + HTML_COLUMNS < until; i++) {
		if (rng_below(&m->rng, 4) == 0)
			puts_(m, "\t");
		word_line(m, HTML_COLUMNS - 8, i == 0);
	}
	snprintf(line, sizeof(line), "<a href=\"https://%s/c/%s/%u\" style=\"color:#0066cc\">"
		 "See more</a>\r\n</td>\r\n</tr>\r\n", m->sender, m->token, m->links++);
	puts_(m, line);
}

static void write_html_part(struct mail *m, size_t until)
{
	char line[320], footer[256];
	size_t room;

	snprintf(footer, sizeof(footer), "</td>\r\n</tr>\r\n</table>\r\n<p><a href=\"https://%s/"
		 "unsubscribe/%s\">Unsubscribe</a></p>\r\n</body>\r\n</html>\r\n", m->sender,
		 m->token);
	room = until > strlen(footer) ? until - strlen(footer) : 0;
	part_header(m, "text/html");
	snprintf(line, sizeof(line), "<!DOCTYPE html>\r\n<html>\r\n<head>\r\n<meta charset="
		 "\"utf-8\">\r\n<title>Example Store</title>\r\n</head>\r\n<body style=\"margin:0\">"
		 "\r\n<table width=\"600\" cellpadding=\"0\" cellspacing=\"0\">\r\n<tr><td><h1>"
		 "Hello %s</h1></td></tr>\r\n", m->first);
	puts_(m, line);
	/* rows while a whole one fits (its link and closing tags take ~120) */
	while (m->ok && written(m) + HTML_ROW_MAX < room)
		html_row(m, room - 130);
	/* then a last cell, a line at a time, up to the footer */
	puts_(m, "<tr>\r\n<td>\r\n");
	while (m->ok && written(m) + HTML_COLUMNS < room)
		word_line(m, HTML_COLUMNS - 8, false);
	puts_(m, footer);
}

bool corpus_message(const struct corpus_params *p, uint64_t index, struct sg_buf *out)
{
	struct mail m = { .out = out, .start = out->len, .ok = true, .index = index };
	size_t body_room, closing;

	m.rng.state = p->seed * 0xD1B54A32D192ED03ull ^ (index + 1) * 0x9E3779B97F4A7C15ull;
	rng_next(&m.rng);
	m.target = pick_target(p, &m.rng);
	m.first = first_names[rng_below(&m.rng, COUNT(first_names))];
	m.last = last_names[rng_below(&m.rng, COUNT(last_names))];
	m.rdomain = recipient_domains[rng_below(&m.rng, COUNT(recipient_domains))];
	m.sender = sender_domains[rng_below(&m.rng, CORPUS_SENDERS)];
	snprintf(m.token, sizeof(m.token), "%016" PRIx64, rng_next(&m.rng));
	snprintf(m.boundary, sizeof(m.boundary), "=_bench_%016" PRIx64, rng_next(&m.rng));
	write_headers(&m, p->seed);
	/* "\r\n--B--\r\n", and two empty lines after every fourth message */
	closing = 8 + strlen(m.boundary) + (index % 4 == 0 ? 4 : 0);
	body_room = m.target > written(&m) + closing ? m.target - written(&m) - closing : 0;
	write_text_part(&m, written(&m) + body_room * TEXT_SHARE_PCT / 100);
	write_html_part(&m, m.target > closing ? m.target - closing : 0);
	puts_(&m, "\r\n--");
	puts_(&m, m.boundary);
	puts_(&m, "--\r\n");
	if (index % 4 == 0)
		puts_(&m, "\r\n\r\n");	/* trailing empty lines, as some MTAs leave them */
	return m.ok;
}
