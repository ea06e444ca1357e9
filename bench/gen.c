/*
 * gen.c -- sipscan-gen: writes a deterministic, realistic SIPStack trace to
 * stdout, for benchmarks and load tests.
 *
 *   sipscan-gen [--style lync2010|sfb|client] [--size MiB] [--seed N] [--crlf] [--stats]
 *
 * The same arguments always give byte-identical output: every choice comes
 * from one splitmix64 stream seeded with --seed, and nothing reads the clock
 * or the environment.  The mix imitates a busy Front End / Edge: mostly
 * protocol records (REGISTER with its 401, SUBSCRIBE, NOTIFY, BENOTIFY,
 * SERVICE, OPTIONS, MESSAGE, full INVITE dialogs with SDP; presence XML and
 * other bodies of various sizes), connection records, diagnostic records and
 * one-line trace lines, about 14 lines per record, plus failures from the
 * catalogue in sipstack-logs.md injected at a low rate (peer not a
 * configured server, CERT_MISMATCH, NO_SRV_MATCH, 504s with ms-diagnostics
 * 1010/1009/1047/1034, SEC_E_UNTRUSTED_ROOT, Winsock 10060/10061) and the
 * benign 0xc3e93c2f and 2139.
 *
 * Styles: lync2010 = Lync 2010 OCSLogger text ([0] slot, "$$begin_record"
 * glued to ")", lowercase hex sequence, LogType on every record); sfb = SfB
 * CLS output ([host\host] slot over two Front Ends and two Edges, uppercase
 * hex, " [decimal] $$begin_record", no LogType in diagnostic records,
 * Result-Code inline in Text); client = the same event mix written as a
 * Lync / Skype for Business client log (UccApi: "MM/DD/YYYY|hh:mm:ss.mmm
 * PID:TID LEVEL :: text" lines, each SIP message framed by "Sending
 * Packet - ..." / "Data Received - ..." and "End of ...", its start line
 * stamped, headers and body raw; connection, diagnostic and trace records
 * become one stamped line each), for the client parser's benchmark.
 * --crlf writes CRLF line ends.
 *
 * Speed: text is built with hand-rolled formatting (no printf on the hot
 * path) into one large buffer written with fwrite in multi-MiB chunks.
 * Records are never split: generation stops at the event boundary nearest
 * to the requested size, so the output is off by at most half an event
 * (a few KiB).  Libc only; standalone (it does not link sipscan_core).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_CAP (8u << 20)       /* output buffer */
#define OUT_FLUSH (7u << 20)     /* flush when this full */
#define BODY_CAP (32u << 10)     /* one message body */

/* ---- small strings -------------------------------------------------- */

/* A fixed-size string built piecewise; silently truncates (never needed). */
typedef struct fstr {
	char s[512];
	size_t n;
} fstr;

static const char HEXL[] = "0123456789abcdef";
static const char HEXU[] = "0123456789ABCDEF";

static void fs_clear(fstr *f) { f->n = 0; }

static void fs_mem(fstr *f, const char *p, size_t n)
{
	if (n > sizeof f->s - f->n)
		n = sizeof f->s - f->n;
	memcpy(f->s + f->n, p, n);
	f->n += n;
}

static void fs_cat(fstr *f, const char *z) { fs_mem(f, z, strlen(z)); }
static void fs_fs(fstr *f, const fstr *g) { fs_mem(f, g->s, g->n); }

static void fs_dec(fstr *f, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fs_mem(f, tmp + i, sizeof tmp - i);
}

static void fs_hex(fstr *f, uint64_t v, int digits, int upper)
{
	const char *h = upper ? HEXU : HEXL;
	char tmp[16];
	for (int i = digits - 1; i >= 0; i--) {
		tmp[i] = h[v & 15];
		v >>= 4;
	}
	fs_mem(f, tmp, (size_t)digits);
}

/* ---- generator state -------------------------------------------------- */

typedef struct host {
	const char *slot;        /* "0" or "sfbedge01\sfbedge01" */
	const char *fqdn;
	const char *ip;          /* internal address */
	const char *ext_ip;      /* external address (Edge) or NULL */
	uint32_t pid, tid[3];
	uint32_t seq;
	int edge;
} host;

typedef struct gen {
	char *out;
	size_t len;
	uint64_t flushed;
	uint64_t rng;
	int crlf, sfb, client;
	/* client style: the framing of the message being written */
	int cl_out;
	fstr cl_peer, cl_local;
	/* the log clock */
	int year, mon, day, hh, mi, ss, ms;
	uint32_t inst;
	host *hosts;
	size_t nhosts;
	char body[BODY_CAP];     /* the current message body, lines end in \n */
	size_t body_n, body_lines;
	const char *domain;      /* our SIP domain */
	const char *pool;
	uint64_t records, lines;
} gen;

/* ---- PRNG: splitmix64 ------------------------------------------------ */

static uint64_t rnd(gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform-enough integer in [lo, hi]. */
static uint32_t rint_(gen *g, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(((rnd(g) >> 32) * (uint64_t)(hi - lo + 1)) >> 32);
}

static const char *pick(gen *g, const char *const *v, size_t n)
{
	return v[rint_(g, 0, (uint32_t)n - 1)];
}
#define PICK(g, arr) pick((g), (arr), sizeof(arr) / sizeof((arr)[0]))

/* ---- output ------------------------------------------------------------ */

static void flush_out(gen *g)
{
	if (g->len && fwrite(g->out, 1, g->len, stdout) != g->len) {
		perror("sipscan-gen: write");
		exit(1);
	}
	g->flushed += g->len;
	g->len = 0;
}

static void put(gen *g, const char *p, size_t n)
{
	if (g->len + n > OUT_CAP)
		flush_out(g);
	memcpy(g->out + g->len, p, n);
	g->len += n;
}

#define PUTL(g, lit) put((g), (lit), sizeof(lit) - 1)

static void putz(gen *g, const char *z) { put(g, z, strlen(z)); }
static void putf(gen *g, const fstr *f) { put(g, f->s, f->n); }

static void eol(gen *g)
{
	if (g->crlf)
		PUTL(g, "\r\n");
	else
		PUTL(g, "\n");
	g->lines++;
}

static void put_dec(gen *g, uint64_t v)
{
	fstr f;
	fs_clear(&f);
	fs_dec(&f, v);
	putf(g, &f);
}

static void put_hex(gen *g, uint64_t v, int digits, int upper)
{
	fstr f;
	fs_clear(&f);
	fs_hex(&f, v, digits, upper);
	putf(g, &f);
}

static void put_2(gen *g, int v)
{
	char t[2] = { (char)('0' + v / 10), (char)('0' + v % 10) };
	put(g, t, 2);
}

/* A "Name: value" line from pieces already in an fstr. */
static void hdr(gen *g, const char *name, const fstr *value)
{
	putz(g, name);
	PUTL(g, ": ");
	putf(g, value);
	eol(g);
}

static void hdrz(gen *g, const char *name, const char *value)
{
	putz(g, name);
	PUTL(g, ": ");
	putz(g, value);
	eol(g);
}

/* ---- the clock ----------------------------------------------------------- */

static int days_in(int year, int mon)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (mon == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		return 29;
	return d[mon - 1];
}

static void advance_ms(gen *g, uint32_t ms)
{
	g->ms += (int)ms;
	while (g->ms >= 1000) {
		g->ms -= 1000;
		if (++g->ss < 60)
			continue;
		g->ss = 0;
		if (++g->mi < 60)
			continue;
		g->mi = 0;
		if (++g->hh < 24)
			continue;
		g->hh = 0;
		if (++g->day <= days_in(g->year, g->mon))
			continue;
		g->day = 1;
		if (++g->mon <= 12)
			continue;
		g->mon = 1;
		g->year++;
	}
}

/* ---- header lines ------------------------------------------------------ */

static uint64_t body_len(const gen *g);

/* The log clock: "MM/DD/YYYY" sep "HH:MM:SS.mmm". */
static void put_clock(gen *g, const char *sep)
{
	put_2(g, g->mon);
	PUTL(g, "/");
	put_2(g, g->day);
	PUTL(g, "/");
	put_dec(g, (uint64_t)g->year);
	putz(g, sep);
	put_2(g, g->hh);
	PUTL(g, ":");
	put_2(g, g->mi);
	PUTL(g, ":");
	put_2(g, g->ss);
	PUTL(g, ".");
	{
		char t[3] = { (char)('0' + g->ms / 100), (char)('0' + g->ms / 10 % 10),
		              (char)('0' + g->ms % 10) };
		put(g, t, 3);
	}
}

/* The client style's line stamp: "04/16/2013|03:17:30.168 1F68:0C14 INFO  :: ". */
static void client_stamp(gen *g, host *h, const char *level)
{
	put_clock(g, "|");
	PUTL(g, " ");
	put_hex(g, h->pid, 4, 1);
	PUTL(g, ":");
	put_hex(g, h->tid[0], 4, 1);
	PUTL(g, " ");
	/* TL_INFO -> "INFO  ::" (the level padded to five) */
	if (!strncmp(level, "TL_", 3))
		level += 3;
	putz(g, level);
	for (size_t k = strlen(level); k < 5; k++)
		PUTL(g, " ");
	PUTL(g, " :: ");
}

static void header_line(gen *g, host *h, const char *level, const char *flag,
                        const char *func)
{
	advance_ms(g, rint_(g, 0, 5));
	h->seq += rint_(g, 1, 24);
	if (g->client) {
		client_stamp(g, h, level);
		return;
	}
	putz(g, level);
	PUTL(g, "(");
	putz(g, flag);
	PUTL(g, ") [");
	putz(g, h->slot);
	PUTL(g, "]");
	put_hex(g, h->pid, 4, 1);
	PUTL(g, ".");
	put_hex(g, h->tid[rint_(g, 0, 2)], 4, 1);
	PUTL(g, "::");
	put_clock(g, "-");
	PUTL(g, ".");
	put_hex(g, h->seq, 8, g->sfb);
	PUTL(g, " (SIPStack,");
	putz(g, func);
	PUTL(g, ")");
}

/* Ends a header line that opens a record; returns the correlation id. */
static uint64_t begin_tail(gen *g)
{
	uint64_t corr = rint_(g, 100000000u, 4000000000u);
	if (g->client) {
		g->records++;
		return corr;
	}
	if (g->sfb) {
		PUTL(g, " [");
		put_dec(g, corr);
		PUTL(g, "] $$begin_record");
	} else {
		PUTL(g, "$$begin_record");
	}
	eol(g);
	g->records++;
	return corr;
}

static void end_record(gen *g)
{
	if (g->client) {
		client_stamp(g, g->hosts, "INFO");
		PUTL(g, "End of ");
		putz(g, g->cl_out ? "Sending Packet - " : "Data Received - ");
		putf(g, &g->cl_peer);
		putz(g, g->cl_out ? " (From Local Address: " : " (To Local Address: ");
		putf(g, &g->cl_local);
		PUTL(g, ") ");
		put_dec(g, 400 + body_len(g));
		PUTL(g, " bytes");
		eol(g);
		return;
	}
	PUTL(g, "$$end_record");
	eol(g);
}

/* ---- names and ids ------------------------------------------------------ */

static const char *const FIRST[] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "gail", "heidi", "ivan",
	"judy", "ken", "laura", "mallory", "nick", "olivia", "peggy", "quinn",
	"rupert", "sybil", "trent", "ursula", "victor", "wendy", "xavier",
	"yolanda", "zack", "amir", "bea", "chen", "dana", "eli", "fatima"
};
static const char *const LAST[] = {
	"smith", "jones", "novak", "garcia", "kim", "mueller", "rossi", "tanaka",
	"silva", "nguyen", "kowalski", "dubois", "olsen", "patel", "meyer",
	"fischer"
};
static const char *const PARTNER[] = {
	"fabrikam.com", "wingtiptoys.com", "adatum.com", "litwareinc.com",
	"northwindtraders.com", "tailspintoys.com", "proseware.com", "woodgrovebank.com"
};
static const char *const SERVERS[] = {
	"med01.contoso.com", "ucma01.contoso.com", "um01.contoso.com",
	"lyncfe02.contoso.com", "sql01.contoso.com", "dir01.contoso.com"
};
static const char *const UA_CLIENT[] = {
	"UCCAPI/4.0.7577.4051 OC/4.0.7577.4051 (Microsoft Lync 2010)",
	"UCCAPI/15.0.4971.1000 OC/15.0.4971.1000 (Microsoft Lync)",
	"UCCAPI/16.0.4393.1000 OC/16.0.4393.1000 (Skype for Business)",
	"UCCAPI/4.0.7577.4384 OC/4.0.7577.4384 (Microsoft Lync 2010 Attendee)",
	"CPE/4.0.7577.4100 OCPhone/4.0.7577.4100 (Microsoft Lync 2010 Phone Edition)"
};

typedef struct party {
	fstr uri;    /* user@domain */
	fstr ip;     /* a.b.c.d */
	uint32_t port;
	fstr epid;
	fstr tag;
	const char *ua;
} party;

static void make_user(gen *g, party *p, const char *domain)
{
	fs_clear(&p->uri);
	fs_cat(&p->uri, PICK(g, FIRST));
	fs_cat(&p->uri, ".");
	fs_cat(&p->uri, PICK(g, LAST));
	if (rint_(g, 0, 3) == 0)
		fs_dec(&p->uri, rint_(g, 1, 99));
	fs_cat(&p->uri, "@");
	fs_cat(&p->uri, domain);
	fs_clear(&p->ip);
	if (domain == g->domain) {
		fs_cat(&p->ip, "10.");
		fs_dec(&p->ip, rint_(g, 20, 27));
	} else {
		static const char *const nets[] = { "192.0.2", "198.51.100", "203.0.113" };
		fs_cat(&p->ip, nets[rint_(g, 0, 2)]);
		fs_cat(&p->ip, ".");
		fs_dec(&p->ip, rint_(g, 1, 254));
		goto port;
	}
	fs_cat(&p->ip, ".");
	fs_dec(&p->ip, rint_(g, 0, 255));
	fs_cat(&p->ip, ".");
	fs_dec(&p->ip, rint_(g, 1, 254));
port:
	p->port = rint_(g, 49152, 65000);
	fs_clear(&p->epid);
	fs_hex(&p->epid, rnd(g), 10, 0);
	fs_clear(&p->tag);
	fs_hex(&p->tag, rnd(g), 10, 0);
	p->ua = PICK(g, UA_CLIENT);
}

static void callid32(gen *g, fstr *f)
{
	fs_clear(f);
	if (rint_(g, 0, 2) == 0) {  /* GUID form */
		uint64_t a = rnd(g), b = rnd(g);
		fs_hex(f, a >> 32, 8, 0);
		fs_cat(f, "-");
		fs_hex(f, a >> 16, 4, 0);
		fs_cat(f, "-");
		fs_hex(f, a, 4, 0);
		fs_cat(f, "-");
		fs_hex(f, b >> 48, 4, 0);
		fs_cat(f, "-");
		fs_hex(f, b, 12, 0);
	} else {
		fs_hex(f, rnd(g), 16, 0);
		fs_hex(f, rnd(g), 16, 0);
	}
}

static void branch(gen *g, fstr *f)
{
	fs_clear(f);
	fs_cat(f, "z9hG4bK");
	fs_hex(f, rnd(g), 8, 1);
}

/* ---- bodies ------------------------------------------------------------- */

static void body_clear(gen *g) { g->body_n = 0; g->body_lines = 0; }

static void body_line(gen *g, const fstr *f)
{
	if (g->body_n + f->n + 1 > BODY_CAP)
		return;
	memcpy(g->body + g->body_n, f->s, f->n);
	g->body_n += f->n;
	g->body[g->body_n++] = '\n';
	g->body_lines++;
}

/* Appends to the current body line without ending it (XML on one line). */
static void body_append(gen *g, const fstr *f)
{
	if (g->body_n + f->n + 1 > BODY_CAP)
		return;
	memcpy(g->body + g->body_n, f->s, f->n);
	g->body_n += f->n;
}

static void body_nl(gen *g)
{
	g->body[g->body_n++] = '\n';
	g->body_lines++;
}

static void body_z(gen *g, const char *z)
{
	fstr f;
	fs_clear(&f);
	fs_cat(&f, z);
	body_line(g, &f);
}

/* SIP Content-Length: every body line ends in CRLF on the wire. */
static uint64_t body_len(const gen *g) { return g->body_n + g->body_lines; }

static void body_sdp(gen *g, const fstr *ip)
{
	fstr f;
	uint32_t port = rint_(g, 50000, 50900) & ~1u;
	uint32_t ssrc = rint_(g, 100000000u, 2000000000u);
	body_clear(g);
	body_z(g, "v=0");
	fs_clear(&f); fs_cat(&f, "o=- 0 0 IN IP4 "); fs_fs(&f, ip); body_line(g, &f);
	body_z(g, "s=session");
	fs_clear(&f); fs_cat(&f, "c=IN IP4 "); fs_fs(&f, ip); body_line(g, &f);
	body_z(g, "b=CT:99980");
	body_z(g, "t=0 0");
	fs_clear(&f);
	fs_cat(&f, "m=audio ");
	fs_dec(&f, port);
	fs_cat(&f, " RTP/SAVP 117 104 114 9 112 111 0 8 116 115 4 97 13 118 101");
	body_line(g, &f);
	fs_clear(&f); fs_cat(&f, "a=x-ssrc-range:"); fs_dec(&f, ssrc); fs_cat(&f, "-");
	fs_dec(&f, ssrc + 99); body_line(g, &f);
	body_z(g, "a=rtcp-fb:* x-message app send:dsh recv:dsh");
	body_z(g, "a=rtcp-rsize");
	body_z(g, "a=label:main-audio");
	body_z(g, "a=x-source:main-audio");
	fs_clear(&f); fs_cat(&f, "a=ice-ufrag:"); fs_hex(&f, rnd(g), 4, 0); body_line(g, &f);
	fs_clear(&f); fs_cat(&f, "a=ice-pwd:"); fs_hex(&f, rnd(g), 12, 0);
	fs_hex(&f, rnd(g), 12, 0); body_line(g, &f);
	for (uint32_t c = 1; c <= 2; c++) {
		fs_clear(&f);
		fs_cat(&f, "a=candidate:1 ");
		fs_dec(&f, c);
		fs_cat(&f, c == 1 ? " UDP 2130706431 " : " UDP 2130705918 ");
		fs_fs(&f, ip);
		fs_cat(&f, " ");
		fs_dec(&f, port + c - 1);
		fs_cat(&f, " typ host");
		body_line(g, &f);
	}
	fs_clear(&f); fs_cat(&f, "a=candidate:2 1 TCP-PASS 174455807 "); fs_fs(&f, ip);
	fs_cat(&f, " "); fs_dec(&f, port + 10); fs_cat(&f, " typ relay raddr "); fs_fs(&f, ip);
	fs_cat(&f, " rport "); fs_dec(&f, port + 10); body_line(g, &f);
	fs_clear(&f); fs_cat(&f, "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:");
	fs_hex(&f, rnd(g), 16, 0); fs_hex(&f, rnd(g), 16, 1); fs_hex(&f, rnd(g), 8, 0);
	fs_cat(&f, "|2^31|1:1"); body_line(g, &f);
	body_z(g, "a=maxptime:200");
	fs_clear(&f); fs_cat(&f, "a=rtcp:"); fs_dec(&f, port + 1); body_line(g, &f);
	body_z(g, "a=rtpmap:117 G722/8000/2");
	body_z(g, "a=rtpmap:104 SILK/16000");
	body_z(g, "a=fmtp:104 useinbandfec=1; usedtx=0");
	body_z(g, "a=rtpmap:114 x-msrta/16000");
	body_z(g, "a=fmtp:114 bitrate=29000");
	body_z(g, "a=rtpmap:9 G722/8000");
	body_z(g, "a=rtpmap:111 SIREN/16000");
	body_z(g, "a=fmtp:111 bitrate=16000");
	body_z(g, "a=rtpmap:0 PCMU/8000");
	body_z(g, "a=rtpmap:8 PCMA/8000");
	body_z(g, "a=rtpmap:101 telephone-event/8000");
	body_z(g, "a=fmtp:101 0-16");
	body_z(g, "a=ptime:20");
}

static const uint32_t AVAIL[] = { 3500, 6500, 9500, 12500, 15500, 18500 };
static const char *const NOTES[] = {
	"In the lab today", "Out of office until Monday", "Working from home",
	"On a customer call", "Lunch", "Migrating the pool this week"
};

static void body_presence(gen *g, const party *about, uint32_t ncat)
{
	fstr f;
	body_clear(g);
	fs_clear(&f);
	fs_cat(&f, "<categories xmlns=\"http://schemas.microsoft.com/2006/09/sip/categories\" uri=\"sip:");
	fs_fs(&f, &about->uri);
	fs_cat(&f, "\">");
	body_line(g, &f);
	for (uint32_t i = 0; i < ncat; i++) {
		fs_clear(&f);
		fs_cat(&f, i % 3 == 2 ? "<category name=\"note\" instance=\"0\" container=\""
		                      : "<category name=\"state\" instance=\"");
		fs_dec(&f, i % 3 == 2 ? 400 : rint_(g, 0, 1u << 30));
		fs_cat(&f, "\" publishTime=\"");
		fs_dec(&f, (uint64_t)g->year);
		fs_cat(&f, "-");
		fs_mem(&f, (char[2]){ (char)('0' + g->mon / 10), (char)('0' + g->mon % 10) }, 2);
		fs_cat(&f, "-");
		fs_mem(&f, (char[2]){ (char)('0' + g->day / 10), (char)('0' + g->day % 10) }, 2);
		fs_cat(&f, "T");
		fs_mem(&f, (char[2]){ (char)('0' + g->hh / 10), (char)('0' + g->hh % 10) }, 2);
		fs_cat(&f, ":00:00.000\" version=\"");
		fs_dec(&f, rint_(g, 1, 300));
		fs_cat(&f, "\" expireType=\"endpoint\">");
		body_append(g, &f);
		fs_clear(&f);
		if (i % 3 == 2) {
			fs_cat(&f, "<note xmlns=\"http://schemas.microsoft.com/2006/09/sip/note\"><body type=\"personal\" uri=\"\">");
			fs_cat(&f, PICK(g, NOTES));
			fs_cat(&f, "</body></note>");
		} else {
			fs_cat(&f, "<state xsi:type=\"aggregateState\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"http://schemas.microsoft.com/2006/09/sip/state\"><availability>");
			fs_dec(&f, AVAIL[rint_(g, 0, 5)]);
			fs_cat(&f, "</availability></state>");
		}
		fs_cat(&f, "</category>");
		body_line(g, &f);
	}
	body_z(g, "</categories>");
}

static void body_contacts(gen *g, uint32_t n)
{
	fstr f;
	party c;
	body_clear(g);
	body_z(g, "<contactList deltaNum=\"212\" xmlns=\"http://schemas.microsoft.com/2006/09/sip/roaming-contacts\">");
	body_z(g, "<group id=\"1\" name=\"~\" externalURI=\"\"/>");
	for (uint32_t i = 0; i < n; i++) {
		make_user(g, &c, rint_(g, 0, 4) ? g->domain : PICK(g, PARTNER));
		fs_clear(&f);
		fs_cat(&f, "<contact uri=\"");
		fs_fs(&f, &c.uri);
		fs_cat(&f, "\" name=\"\" groups=\"1 \" subscribed=\"true\" externalURI=\"\"/>");
		body_append(g, &f);
	}
	fstr e;
	fs_clear(&e);
	fs_cat(&e, "</contactList>");
	body_line(g, &e);
}

static const char *const IM_TEXT[] = {
	"hi, got a minute?", "Meeting moved to 3pm, same room.",
	"Can you check the pool status?", "Thanks!", "ok",
	"I will send the notes after lunch.", "Are you joining the bridge?",
	"The build is green again."
};

static void body_text(gen *g)
{
	uint32_t n = rint_(g, 1, 3);
	body_clear(g);
	for (uint32_t i = 0; i < n; i++)
		body_z(g, PICK(g, IM_TEXT));
}

static void body_publish(gen *g, const party *p)
{
	fstr f;
	body_clear(g);
	fs_clear(&f);
	fs_cat(&f, "<publish xmlns=\"http://schemas.microsoft.com/2006/09/sip/rich-presence\"><publications uri=\"sip:");
	fs_fs(&f, &p->uri);
	fs_cat(&f, "\">");
	body_line(g, &f);
	fs_clear(&f);
	fs_cat(&f, "<publication categoryName=\"state\" instance=\"");
	fs_dec(&f, rint_(g, 100000000u, 999999999u));
	fs_cat(&f, "\" container=\"2\" version=\"");
	fs_dec(&f, rint_(g, 1, 60));
	fs_cat(&f, "\" expireType=\"endpoint\">");
	body_line(g, &f);
	fs_clear(&f);
	fs_cat(&f, "<state xmlns=\"http://schemas.microsoft.com/2006/09/sip/state\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" manual=\"false\" xsi:type=\"machineState\"><availability>");
	fs_dec(&f, AVAIL[rint_(g, 0, 5)]);
	fs_cat(&f, "</availability><endpointLocation></endpointLocation></state>");
	body_line(g, &f);
	body_z(g, "</publication>");
	body_z(g, "</publications></publish>");
}

/* Writes "Message-Body:" and the body (or "-"). */
static void put_body(gen *g, int has_body)
{
	if (g->client) {
		/* the empty line, then the body as it is */
		const char *p = g->body, *end = g->body + g->body_n;
		eol(g);
		while (has_body && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			put(g, p, (size_t)(nl - p));
			eol(g);
			p = nl + 1;
		}
		return;
	}
	if (!has_body || g->body_n == 0) {
		PUTL(g, "Message-Body: -");
		eol(g);
		return;
	}
	PUTL(g, "Message-Body: ");
	const char *p = g->body, *end = g->body + g->body_n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		put(g, p, (size_t)(nl - p));
		eol(g);
		p = nl + 1;
	}
}

/* ---- records ------------------------------------------------------------- */

enum dir {
	DIR_IN, DIR_OUT,             /* Front End */
	DIR_IN_EXT, DIR_OUT_EXT,     /* Edge: external -> internal */
	DIR_IN_INT, DIR_OUT_INT      /* Edge: internal -> external */
};

static const char *const DIRS[] = {
	"incoming", "outgoing",
	"incoming;source=\"external edge\";destination=\"internal edge\"",
	"outgoing;source=\"external edge\";destination=\"internal edge\"",
	"incoming;source=\"internal edge\";destination=\"external edge\"",
	"outgoing;source=\"internal edge\";destination=\"external edge\""
};

/* Header line and the fixed fields of a protocol record, through Start-Line. */
static void proto_begin(gen *g, host *h, enum dir d, const fstr *peer,
                        const fstr *start)
{
	if (g->client) {
		/* The server's incoming message is the client's outgoing one:
		   the peer is the server, the local address the client's. */
		g->cl_out = (d & 1) == 0;
		fs_clear(&g->cl_peer);
		fs_cat(&g->cl_peer, h->ip);
		fs_cat(&g->cl_peer, ":5061");
		g->cl_local = *peer;
		header_line(g, h, "TL_INFO", "", "");
		putz(g, g->cl_out ? "Sending Packet - " : "Data Received - ");
		putf(g, &g->cl_peer);
		putz(g, g->cl_out ? " (From Local Address: " : " (To Local Address: ");
		putf(g, &g->cl_local);
		PUTL(g, ") ");
		put_dec(g, 400 + body_len(g));
		PUTL(g, " bytes:");
		eol(g);
		g->records++;
		client_stamp(g, h, "INFO");
		putf(g, start);
		eol(g);
		return;
	}
	header_line(g, h, "TL_INFO", "TF_PROTOCOL",
	            "SIPAdminLog::TraceProtocolRecord:SIPAdminLog.cpp(125)");
	uint64_t corr = begin_tail(g);
	PUTL(g, "Trace-Correlation-Id: ");
	put_dec(g, corr);
	eol(g);
	g->inst += rint_(g, 1, 9);
	PUTL(g, "Instance-Id: ");
	put_hex(g, g->inst, 8, 1);
	eol(g);
	hdrz(g, "Direction", DIRS[d]);
	hdr(g, "Peer", peer);
	PUTL(g, "Message-Type: ");
	if (start->n > 8 && memcmp(start->s, "SIP/2.0 ", 8) == 0)
		PUTL(g, "response");
	else
		PUTL(g, "request");
	eol(g);
	hdr(g, "Start-Line", start);
}

static void peer_of(fstr *f, const fstr *host_or_ip, uint32_t port)
{
	fs_clear(f);
	fs_fs(f, host_or_ip);
	fs_cat(f, ":");
	fs_dec(f, port);
}

static void peer_z(fstr *f, const char *host_or_ip, uint32_t port)
{
	fs_clear(f);
	fs_cat(f, host_or_ip);
	fs_cat(f, ":");
	fs_dec(f, port);
}

static void client_via(gen *g, fstr *f, const party *p, const fstr *br)
{
	fs_clear(f);
	fs_cat(f, "SIP/2.0/TLS ");
	fs_fs(f, &p->ip);
	fs_cat(f, ":");
	fs_dec(f, p->port);
	fs_cat(f, ";branch=");
	fs_fs(f, br);
	fs_cat(f, ";ms-received-port=");
	fs_dec(f, p->port);
	fs_cat(f, ";ms-received-cid=");
	fs_hex(f, rnd(g), 6, 1);
}

static void server_via(gen *g, fstr *f, const host *h)
{
	fs_clear(f);
	fs_cat(f, "SIP/2.0/TLS ");
	fs_cat(f, h->ip);
	fs_cat(f, ":5061;branch=z9hG4bK");
	fs_hex(f, rnd(g), 8, 1);
	fs_cat(f, ".");
	fs_hex(f, rnd(g), 8, 1);
	fs_cat(f, ";branched=FALSE");
}

static void name_addr(fstr *f, const party *p, const char *totag, int epid)
{
	fs_clear(f);
	fs_cat(f, "<sip:");
	fs_fs(f, &p->uri);
	fs_cat(f, ">");
	if (totag) {
		fs_cat(f, ";tag=");
		fs_cat(f, totag);
	}
	if (epid) {
		fs_cat(f, ";epid=");
		fs_fs(f, &p->epid);
	}
}

static void cseq(fstr *f, uint32_t n, const char *method)
{
	fs_clear(f);
	fs_dec(f, n);
	fs_cat(f, " ");
	fs_cat(f, method);
}

static void content_length(gen *g, const char *name, int has_body)
{
	putz(g, name);
	PUTL(g, ": ");
	put_dec(g, has_body ? body_len(g) : 0);
	eol(g);
}

/* A connection record. */
static void connection_rec(gen *g, host *h, const char *level, const char *sev,
                           const char *text, const fstr *data, const fstr *peer)
{
	header_line(g, h, level, "TF_CONNECTION",
	            "SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160)");
	if (g->client) {
		/* one line: the text and its data */
		g->records++;
		putz(g, text);
		if (data) {
			PUTL(g, " ");
			putf(g, data);
		}
		eol(g);
		return;
	}
	begin_tail(g);
	hdrz(g, "LogType", "connection");
	hdrz(g, "Severity", sev);
	hdrz(g, "Text", text);
	hdrz(g, "Transport", "TLS");
	if (data)
		hdr(g, "Data", data);
	if (peer)
		hdr(g, "Peer", peer);
	end_record(g);
}

/* A diagnostic record in the style's layout. */
static void diagnostic_rec(gen *g, host *h, int error, const char *text,
                           const char *result, const fstr *start,
                           const fstr *call_id, const fstr *cs,
                           const fstr *peer, const fstr *data)
{
	header_line(g, h, error ? "TL_ERROR" : "TL_WARN", "TF_DIAG",
	            error ? "SIPAdminLog::WriteDiagnosticEvent:SIPAdminLog.cpp(833)"
	                  : "SIPAdminLog::WriteDiagnosticEvent:SIPAdminLog.cpp(830)");
	if (g->client) {
		g->records++;
		putz(g, text);
		PUTL(g, " Result-Code: ");
		putz(g, result);
		eol(g);
		return;
	}
	begin_tail(g);
	if (!g->sfb)
		hdrz(g, "LogType", "diagnostic");
	hdrz(g, "Severity", error ? "error" : "warning");
	PUTL(g, "Text: ");
	putz(g, text);
	if (g->sfb) {
		PUTL(g, " Result-Code: ");
		putz(g, result);
		eol(g);
	} else {
		eol(g);
		hdrz(g, "Result-Code", result);
	}
	hdr(g, "SIP-Start-Line", start);
	hdr(g, "SIP-Call-ID", call_id);
	hdr(g, "SIP-CSeq", cs);
	if (peer)
		hdr(g, "Peer", peer);
	if (data)
		hdr(g, "Data", data);
	end_record(g);
}

/* ---- one-line trace lines ------------------------------------------------ */

typedef struct trace_tpl {
	const char *level, *flag, *func, *text;
} trace_tpl;

static const trace_tpl TRACES[] = {
	{ "TL_INFO", "TF_COMPONENT", "CSIPProxy::ProcessRequest:SIPProxy.cpp(2107)",
	  "Exit - request forwarded, 1 target" },
	{ "TL_VERBOSE", "TF_COMPONENT", "CSIPRegistrar::Sweep:SIPRegistrar.cpp(1730)",
	  "Exit - dropped 0 stale routes" },
	{ "TL_VERBOSE", "TF_CONNECTION", "CSIPConnectionManager::OnKeepAliveTimer:SIPConnectionManager.cpp(1402)",
	  "Exit - keep-alive sent on 12 connections" },
	{ "TL_INFO", "TF_CONNECTION", "CSIPConnectionManager::CloseConnection:SIPConnectionManager.cpp(988)",
	  "Closing idle connection" },
	{ "TL_VERBOSE", "TF_PROTOCOL", "CSIPTransaction::OnTimer:SIPTransaction.cpp(611)",
	  "Exit - transaction completed, timer K fired" },
	{ "TL_INFO", "TF_COMPONENT", "CSIPDnsResolver::OnSrvQueryComplete:SIPDnsResolver.cpp(877)",
	  "Exit - DNS SRV query complete, 1 record" },
	{ "TL_VERBOSE", "TF_SECURITY", "CSIPAuthenticator::VerifySignature:SIPAuthenticator.cpp(1249)",
	  "Exit - message signature verified" },
	{ "TL_INFO", "TF_COMPONENT", "CSIPRoutingTable::Lookup:SIPRoutingTable.cpp(455)",
	  "Exit - route found in local registration table" },
};

static void trace_line(gen *g, host *h)
{
	const trace_tpl *t = &TRACES[rint_(g, 0, sizeof TRACES / sizeof TRACES[0] - 1)];
	header_line(g, h, t->level, t->flag, t->func);
	if (g->client) {
		putz(g, t->text);
		eol(g);
		return;
	}
	PUTL(g, "( ");
	put_hex(g, rnd(g) & 0xffffffffull, 16, 1);
	PUTL(g, " ) ");
	putz(g, t->text);
	eol(g);
}

/* ---- events: one transaction or one record group -------------------------- */

static host *fe_host(gen *g)
{
	/* Front Ends are the hosts without edge; in lync2010 there is one. */
	for (;;) {
		host *h = &g->hosts[rint_(g, 0, (uint32_t)g->nhosts - 1)];
		if (!h->edge)
			return h;
	}
}

static host *edge_host(gen *g)
{
	for (size_t i = 0; i < 4; i++) {
		host *h = &g->hosts[rint_(g, 0, (uint32_t)g->nhosts - 1)];
		if (h->edge)
			return h;
	}
	return &g->hosts[0];   /* lync2010: the FE sees federation via its Edge */
}

static const char *srv_name(gen *g) { return g->sfb ? "RTC/6.0" : "RTC/4.0"; }

/* A request from a client and the server's response (FE).  method is one of
   REGISTER (401 + retry + 200), SUBSCRIBE, SERVICE. */
static void ev_client_request(gen *g, const char *method)
{
	host *h = fe_host(g);
	party u;
	fstr callid, br, via, start, peer, from, to, cs, v, totag;
	int reg = strcmp(method, "REGISTER") == 0;
	int sub = strcmp(method, "SUBSCRIBE") == 0;
	uint32_t n = 1;

	make_user(g, &u, g->domain);
	callid32(g, &callid);
	peer_of(&peer, &u.ip, u.port);
	fs_clear(&totag);
	fs_hex(&totag, rnd(g), 16, 1);
	fs_hex(&totag, rnd(g), 16, 1);
	for (int round = 0; round < (reg ? 2 : 1); round++, n++) {
		int has_body = 0;
		branch(g, &br);
		client_via(g, &via, &u, &br);
		fs_clear(&start);
		fs_cat(&start, method);
		fs_cat(&start, " sip:");
		if (reg)
			fs_cat(&start, g->domain);
		else
			fs_fs(&start, &u.uri);
		fs_cat(&start, " SIP/2.0");
		if (sub) {
			body_clear(g);
			fstr f;
			fs_clear(&f);
			fs_cat(&f, "<batchSub xmlns=\"http://schemas.microsoft.com/2006/01/sip/batch-subscribe\" uri=\"sip:");
			fs_fs(&f, &u.uri);
			fs_cat(&f, "\" name=\"\">");
			body_line(g, &f);
			body_z(g, "<action name=\"subscribe\" id=\"63792024\"><adhocList>");
			uint32_t k = rint_(g, 1, 12);
			for (uint32_t i = 0; i < k; i++) {
				party c;
				make_user(g, &c, g->domain);
				fs_clear(&f);
				fs_cat(&f, "<resource uri=\"sip:");
				fs_fs(&f, &c.uri);
				fs_cat(&f, "\"/>");
				body_append(g, &f);
			}
			body_nl(g);
			body_z(g, "</adhocList><categoryList xmlns=\"http://schemas.microsoft.com/2006/09/sip/categorylist\"><category name=\"calendarData\"/><category name=\"contactCard\"/><category name=\"note\"/><category name=\"state\"/></categoryList></action></batchSub>");
			has_body = 1;
		} else if (!reg) {
			body_publish(g, &u);
			has_body = 1;
		}
		proto_begin(g, h, DIR_IN, &peer, &start);
		fs_clear(&from);
		fs_cat(&from, "<sip:");
		fs_fs(&from, &u.uri);
		fs_cat(&from, ">;tag=");
		fs_fs(&from, &u.tag);
		fs_cat(&from, ";epid=");
		fs_fs(&from, &u.epid);
		hdr(g, "From", &from);
		name_addr(&to, &u, NULL, 0);
		hdr(g, "To", &to);
		cseq(&cs, n, method);
		hdr(g, "CSeq", &cs);
		hdr(g, "Call-ID", &callid);
		hdr(g, "VIA", &via);
		hdrz(g, "MAX-FORWARDS", "70");
		fs_clear(&v);
		fs_cat(&v, "<sip:");
		fs_fs(&v, &u.ip);
		fs_cat(&v, ":");
		fs_dec(&v, u.port);
		fs_cat(&v, ";transport=tls;ms-opaque=");
		fs_hex(&v, rnd(g), 10, 0);
		fs_cat(&v, ">;methods=\"INVITE, MESSAGE, INFO, OPTIONS, BYE, CANCEL, NOTIFY, ACK, REFER, BENOTIFY\";proxy=replace");
		hdr(g, "CONTACT", &v);
		hdrz(g, "USER-AGENT", u.ua);
		if (reg) {
			hdrz(g, "SUPPORTED", "gruu-10, adhoclist, msrtc-event-categories");
			hdrz(g, "ms-keep-alive", "UAC;hop-hop=yes");
			hdrz(g, "EVENT", "registration");
			if (round == 1) {
				fs_clear(&v);
				fs_cat(&v, "NTLM qop=\"auth\", realm=\"SIP Communications Service\", opaque=\"");
				fs_hex(&v, rnd(g), 8, 1);
				fs_cat(&v, "\", targetname=\"");
				fs_cat(&v, h->fqdn);
				fs_cat(&v, "\", crand=\"");
				fs_hex(&v, rnd(g), 8, 0);
				fs_cat(&v, "\", cnum=\"1\", response=\"");
				fs_hex(&v, rnd(g), 16, 0);
				fs_hex(&v, rnd(g), 16, 0);
				fs_cat(&v, "\"");
				hdr(g, "Authorization", &v);
			}
		} else if (sub) {
			hdrz(g, "EVENT", "presence");
			hdrz(g, "ACCEPT", "application/msrtc-event-categories+xml, text/xml+msrtc.pidf, application/pidf+xml, application/rlmi+xml, multipart/related");
			hdrz(g, "SUPPORTED", "ms-benotify");
			hdrz(g, "REQUIRE", "adhoclist, categoryList");
			hdrz(g, "CONTENT-TYPE", "application/msrtc-adrl-categorylist+xml");
		} else {
			hdrz(g, "CONTENT-TYPE", "application/msrtc-category-publish+xml");
		}
		content_length(g, "CONTENT-LENGTH", has_body);
		put_body(g, has_body);
		end_record(g);

		/* the response */
		advance_ms(g, rint_(g, 1, 30));
		int r401 = reg && round == 0;
		int rbody = sub;
		if (rbody) {
			uint32_t k = rint_(g, 0, 9);
			if (k == 0)
				body_contacts(g, rint_(g, 10, 80));
			else
				body_presence(g, &u, rint_(g, 1, 6));
		}
		fs_clear(&start);
		fs_cat(&start, r401 ? "SIP/2.0 401 Unauthorized" : "SIP/2.0 200 OK");
		proto_begin(g, h, DIR_OUT, &peer, &start);
		if (r401) {
			fs_clear(&v);
			fs_cat(&v, "NTLM realm=\"SIP Communications Service\", targetname=\"");
			fs_cat(&v, h->fqdn);
			fs_cat(&v, "\", version=4");
			hdr(g, "WWW-Authenticate", &v);
			fs_clear(&v);
			fs_cat(&v, "Kerberos realm=\"SIP Communications Service\", targetname=\"sip/");
			fs_cat(&v, h->fqdn);
			fs_cat(&v, "\", version=4");
			hdr(g, "WWW-Authenticate", &v);
		} else {
			hdrz(g, "Authentication-Info", "NTLM rspauth=\"01000000000000005CBC4A7E4E1F0C6B\", srand=\"3C6D0A31\", snum=\"1\", opaque=\"C8D3F1A0\", qop=\"auth\", realm=\"SIP Communications Service\"");
		}
		hdr(g, "From", &from);
		fs_clear(&to);
		fs_cat(&to, "<sip:");
		fs_fs(&to, &u.uri);
		fs_cat(&to, ">;tag=");
		fs_fs(&to, &totag);
		hdr(g, "To", &to);
		hdr(g, "Call-ID", &callid);
		hdr(g, "CSeq", &cs);
		hdr(g, "Via", &via);
		if (reg && !r401) {
			fs_clear(&v);
			fs_cat(&v, "<sip:");
			fs_fs(&v, &u.ip);
			fs_cat(&v, ":");
			fs_dec(&v, u.port);
			fs_cat(&v, ";transport=tls>;expires=7200");
			hdr(g, "Contact", &v);
			hdrz(g, "Expires", "7200");
			hdrz(g, "presence-state", "register-action=\"added\"");
			hdrz(g, "Allow-Events", "vnd-microsoft-provisioning,vnd-microsoft-roaming-contacts,vnd-microsoft-roaming-ACL,presence,presence.wpending,vnd-microsoft-roaming-self,vnd-microsoft-provisioning-v2");
		}
		if (sub) {
			hdrz(g, "Expires", "28800");
			hdrz(g, "Content-Type", "application/msrtc-event-categories+xml");
			hdrz(g, "Event", "presence");
			hdrz(g, "subscription-state", "active;expires=28800");
		}
		hdrz(g, "Server", srv_name(g));
		content_length(g, "Content-Length", rbody);
		put_body(g, rbody);
		end_record(g);
		advance_ms(g, rint_(g, 5, 120));
	}
}

/* The server sends NOTIFY or BENOTIFY to a client (+ 200 for NOTIFY). */
static void ev_notify(gen *g, int benotify)
{
	host *h = fe_host(g);
	party u, about;
	fstr callid, start, peer, via, from, to, cs, v;
	const char *method = benotify ? "BENOTIFY" : "NOTIFY";

	make_user(g, &u, g->domain);
	make_user(g, &about, rint_(g, 0, 5) ? g->domain : PICK(g, PARTNER));
	callid32(g, &callid);
	peer_of(&peer, &u.ip, u.port);
	fs_clear(&start);
	fs_cat(&start, method);
	fs_cat(&start, " sip:");
	fs_fs(&start, &u.ip);
	fs_cat(&start, ":");
	fs_dec(&start, u.port);
	fs_cat(&start, ";transport=tls;ms-opaque=");
	fs_hex(&start, rnd(g), 10, 0);
	fs_cat(&start, ";ms-received-cid=");
	fs_hex(&start, rnd(g), 6, 1);
	fs_cat(&start, ";grid SIP/2.0");
	server_via(g, &via, h);
	body_presence(g, &about, rint_(g, 1, 4));
	proto_begin(g, h, DIR_OUT, &peer, &start);
	hdr(g, "Via", &via);
	hdrz(g, "Max-Forwards", "70");
	content_length(g, "Content-Length", 1);
	fs_clear(&from);
	fs_cat(&from, "<sip:");
	fs_fs(&from, &u.uri);
	fs_cat(&from, ">;tag=");
	fs_hex(&from, rnd(g), 16, 1);
	fs_hex(&from, rnd(g), 16, 1);
	hdr(g, "From", &from);
	fs_clear(&to);
	fs_cat(&to, "<sip:");
	fs_fs(&to, &u.uri);
	fs_cat(&to, ">;tag=");
	fs_fs(&to, &u.tag);
	fs_cat(&to, ";epid=");
	fs_fs(&to, &u.epid);
	hdr(g, "To", &to);
	hdr(g, "Call-ID", &callid);
	cseq(&cs, rint_(g, 2, 400), method);
	hdr(g, "CSeq", &cs);
	hdrz(g, "Require", "eventlist");
	hdrz(g, "Content-Type", "application/msrtc-event-categories+xml");
	hdrz(g, "Event", "presence");
	fs_clear(&v);
	fs_cat(&v, "active;expires=");
	fs_dec(&v, rint_(g, 600, 28800));
	hdr(g, "subscription-state", &v);
	hdrz(g, "Server", srv_name(g));
	put_body(g, 1);
	end_record(g);
	if (benotify)
		return;
	advance_ms(g, rint_(g, 5, 90));
	fs_clear(&start);
	fs_cat(&start, "SIP/2.0 200 OK");
	proto_begin(g, h, DIR_IN, &peer, &start);
	hdr(g, "Via", &via);
	hdr(g, "FROM", &from);
	hdr(g, "TO", &to);
	hdr(g, "CSEQ", &cs);
	hdr(g, "CALL-ID", &callid);
	hdrz(g, "USER-AGENT", u.ua);
	hdrz(g, "CONTENT-LENGTH", "0");
	put_body(g, 0);
	end_record(g);
}

/* Server-to-server OPTIONS keep-alive and its 200. */
static void ev_options(gen *g)
{
	host *h = fe_host(g);
	const char *srv = PICK(g, SERVERS);
	uint32_t port = rint_(g, 49152, 65000);
	fstr callid, start, peer, via, cs, v, from;
	callid32(g, &callid);
	peer_z(&peer, srv, port);
	fs_clear(&start);
	fs_cat(&start, "OPTIONS sip:");
	fs_cat(&start, g->pool);
	fs_cat(&start, ":5061;transport=tls SIP/2.0");
	fs_clear(&via);
	fs_cat(&via, "SIP/2.0/TLS 10.0.1.");
	fs_dec(&via, rint_(g, 30, 60));
	fs_cat(&via, ":");
	fs_dec(&via, port);
	fs_cat(&via, ";branch=z9hG4bK");
	fs_hex(&via, rnd(g), 8, 0);
	fs_clear(&from);
	fs_cat(&from, "<sip:");
	fs_cat(&from, srv);
	fs_cat(&from, ">;tag=");
	fs_hex(&from, rnd(g), 8, 0);
	cseq(&cs, rint_(g, 1, 9000), "OPTIONS");
	proto_begin(g, h, DIR_IN, &peer, &start);
	hdr(g, "FROM", &from);
	fs_clear(&v);
	fs_cat(&v, "<sip:");
	fs_cat(&v, g->pool);
	fs_cat(&v, ">");
	hdr(g, "TO", &v);
	hdr(g, "CSEQ", &cs);
	hdr(g, "CALL-ID", &callid);
	hdrz(g, "MAX-FORWARDS", "70");
	hdr(g, "VIA", &via);
	fs_clear(&v);
	fs_cat(&v, "<sip:");
	fs_cat(&v, srv);
	fs_cat(&v, ":5061;transport=Tls>");
	hdr(g, "CONTACT", &v);
	hdrz(g, "CONTENT-LENGTH", "0");
	hdrz(g, "USER-AGENT", "RTCC/4.0.0.0");
	put_body(g, 0);
	end_record(g);
	advance_ms(g, rint_(g, 1, 8));
	fs_clear(&start);
	fs_cat(&start, "SIP/2.0 200 OK");
	proto_begin(g, h, DIR_OUT, &peer, &start);
	hdr(g, "Via", &via);
	hdr(g, "FROM", &from);
	fs_clear(&v);
	fs_cat(&v, "<sip:");
	fs_cat(&v, g->pool);
	fs_cat(&v, ">;tag=");
	fs_hex(&v, rnd(g), 16, 1);
	fs_hex(&v, rnd(g), 16, 1);
	hdr(g, "TO", &v);
	hdr(g, "CSEQ", &cs);
	hdr(g, "CALL-ID", &callid);
	hdrz(g, "Allow", "INVITE, BYE, ACK, CANCEL, INFO, UPDATE, OPTIONS, MESSAGE, NOTIFY, REFER, PRACK, SERVICE, SUBSCRIBE");
	hdrz(g, "Server", srv_name(g));
	hdrz(g, "Content-Length", "0");
	put_body(g, 0);
	end_record(g);
}

/* A user-to-user request relayed by the FE or (federated, sfb) an Edge:
   MESSAGE (text), or a full INVITE dialog with SDP. */
static void ev_dialog(gen *g, int invite)
{
	int fed = rint_(g, 0, 3) == 0;
	host *h = fed ? edge_host(g) : fe_host(g);
	int edge = h->edge;
	party a, b;
	fstr callid, start, pa, pb, via_a, via_s, from, to, cs, ruri, br, v;
	make_user(g, &a, fed ? PICK(g, PARTNER) : g->domain);
	make_user(g, &b, g->domain);
	callid32(g, &callid);
	if (edge) {
		const char *at = memchr(a.uri.s, '@', a.uri.n);
		fs_clear(&v);
		fs_cat(&v, "sip.");
		if (at)
			fs_mem(&v, at + 1, a.uri.n - (size_t)(at + 1 - a.uri.s));
		peer_of(&pa, &v, 5061);
		peer_z(&pb, g->pool, 5061);
	} else {
		peer_of(&pa, &a.ip, a.port);
		peer_of(&pb, &b.ip, b.port);
	}
	branch(g, &br);
	client_via(g, &via_a, &a, &br);
	server_via(g, &via_s, h);
	fs_clear(&from);
	fs_cat(&from, "<sip:");
	fs_fs(&from, &a.uri);
	fs_cat(&from, ">;tag=");
	fs_fs(&from, &a.tag);
	fs_cat(&from, ";epid=");
	fs_fs(&from, &a.epid);
	fs_clear(&ruri);
	fs_cat(&ruri, "sip:");
	fs_fs(&ruri, &b.uri);
	fs_cat(&ruri, ";opaque=user:epid:");
	fs_hex(&ruri, rnd(g), 16, 0);
	fs_hex(&ruri, rnd(g), 6, 0);
	fs_cat(&ruri, ";gruu");
	fstr totag;
	fs_clear(&totag);
	fs_hex(&totag, rnd(g), 10, 0);

	enum dir din = edge ? DIR_IN_EXT : DIR_IN, dout = edge ? DIR_OUT_EXT : DIR_OUT;
	enum dir rin = edge ? DIR_IN_INT : DIR_IN, rout = edge ? DIR_OUT_INT : DIR_OUT;

	/* the request, in and out */
	const char *method = invite ? "INVITE" : "MESSAGE";
	if (invite)
		body_sdp(g, &a.ip);
	else
		body_text(g);
	fs_clear(&start);
	fs_cat(&start, method);
	fs_cat(&start, " ");
	fs_fs(&start, &ruri);
	fs_cat(&start, " SIP/2.0");
	cseq(&cs, invite ? 1 : rint_(g, 2, 40), method);
	for (int leg = 0; leg < 2; leg++) {
		proto_begin(g, h, leg ? dout : din, leg ? &pb : &pa, &start);
		if (leg)
			hdr(g, "Via", &via_s);
		hdr(g, leg ? "Via" : "VIA", &via_a);
		hdrz(g, leg ? "Max-Forwards" : "MAX-FORWARDS", leg ? "69" : "70");
		hdr(g, "From", &from);
		name_addr(&to, &b, NULL, 0);
		if (!invite) {
			fs_cat(&to, ";tag=");
			fs_fs(&to, &totag);
		}
		hdr(g, "To", &to);
		hdr(g, "Call-ID", &callid);
		hdr(g, "CSeq", &cs);
		fs_clear(&v);
		fs_cat(&v, "<sip:");
		fs_fs(&v, &a.uri);
		fs_cat(&v, ";opaque=user:epid:");
		fs_hex(&v, rnd(g), 16, 0);
		fs_cat(&v, ";gruu>");
		hdr(g, leg ? "Contact" : "CONTACT", &v);
		hdrz(g, leg ? "User-Agent" : "USER-AGENT", a.ua);
		if (edge && leg)
			hdrz(g, "ms-edge-proxy-message-trust", "ms-source-type=DirectPartner;ms-ep-fqdn=sip.contoso.com;ms-source-network=federation;ms-source-verified-user=verified");
		if (invite) {
			hdrz(g, "Supported", "ms-dialog-route-set-update");
			hdrz(g, "Supported", "timer");
			hdrz(g, "Supported", "100rel");
			hdrz(g, "ms-keep-alive", "UAC;hop-hop=yes");
			hdrz(g, "Allow", "INVITE, BYE, ACK, CANCEL, INFO, UPDATE, REFER, NOTIFY, BENOTIFY, OPTIONS");
			hdrz(g, "Content-Type", "application/sdp");
		} else {
			hdrz(g, "Content-Type", "text/plain; charset=UTF-8");
		}
		content_length(g, "Content-Length", 1);
		put_body(g, 1);
		end_record(g);
		advance_ms(g, rint_(g, 1, 4));
	}
	if (invite) {
		/* 100 Trying back to the caller, 180 both ways */
		fs_clear(&v);
		fs_cat(&v, "SIP/2.0 100 Trying");
		proto_begin(g, h, edge ? DIR_OUT_INT : DIR_OUT, &pa, &v);
		hdr(g, "Via", &via_a);
		hdr(g, "From", &from);
		name_addr(&to, &b, NULL, 0);
		hdr(g, "To", &to);
		hdr(g, "Call-ID", &callid);
		hdr(g, "CSeq", &cs);
		hdrz(g, "Server", srv_name(g));
		hdrz(g, "Content-Length", "0");
		put_body(g, 0);
		end_record(g);
		advance_ms(g, rint_(g, 100, 600));
	}
	const char *const finals[] = { "SIP/2.0 180 Ringing", "SIP/2.0 200 OK" };
	fstr contact_b;
	fs_clear(&contact_b);
	fs_cat(&contact_b, "<");
	fs_fs(&contact_b, &ruri);
	fs_cat(&contact_b, ">");
	for (int k = invite ? 0 : 1; k < 2; k++) {
		int sdp = invite && k == 1;
		if (sdp) {
			body_sdp(g, &b.ip);
			advance_ms(g, rint_(g, 1000, 6000));
		}
		fs_clear(&v);
		fs_cat(&v, finals[k]);
		for (int leg = 0; leg < 2; leg++) {
			proto_begin(g, h, leg ? rout : rin, leg ? &pa : &pb, &v);
			if (!leg)
				hdr(g, "Via", &via_s);
			hdr(g, "Via", &via_a);
			hdr(g, "From", &from);
			name_addr(&to, &b, NULL, 0);
			fs_cat(&to, ";tag=");
			fs_fs(&to, &totag);
			fs_cat(&to, ";epid=");
			fs_fs(&to, &b.epid);
			hdr(g, "To", &to);
			hdr(g, "Call-ID", &callid);
			hdr(g, "CSeq", &cs);
			if (invite)
				hdr(g, "Contact", &contact_b);
			hdrz(g, "User-Agent", b.ua);
			if (sdp)
				hdrz(g, "Content-Type", "application/sdp");
			content_length(g, "Content-Length", sdp);
			put_body(g, sdp);
			end_record(g);
			advance_ms(g, rint_(g, 1, 4));
		}
	}
	if (!invite)
		return;
	/* ACK, then later BYE from the callee and its 200 */
	advance_ms(g, rint_(g, 50, 200));
	fs_clear(&start);
	fs_cat(&start, "ACK ");
	fs_fs(&start, &ruri);
	fs_cat(&start, " SIP/2.0");
	cseq(&cs, 1, "ACK");
	for (int leg = 0; leg < 2; leg++) {
		proto_begin(g, h, leg ? dout : din, leg ? &pb : &pa, &start);
		if (leg)
			hdr(g, "Via", &via_s);
		hdr(g, "Via", &via_a);
		hdr(g, "From", &from);
		hdr(g, "To", &to);
		hdr(g, "Call-ID", &callid);
		hdr(g, "CSeq", &cs);
		hdrz(g, "User-Agent", a.ua);
		hdrz(g, "Content-Length", "0");
		put_body(g, 0);
		end_record(g);
		advance_ms(g, rint_(g, 1, 4));
	}
	advance_ms(g, rint_(g, 5000, 60000));
	fs_clear(&start);
	fs_cat(&start, "BYE sip:");
	fs_fs(&start, &a.uri);
	fs_cat(&start, ";opaque=user:epid:");
	fs_hex(&start, rnd(g), 16, 0);
	fs_cat(&start, ";gruu SIP/2.0");
	cseq(&cs, 2, "BYE");
	fstr bvia;
	branch(g, &br);
	client_via(g, &bvia, &b, &br);
	for (int k = 0; k < 2; k++) {
		for (int leg = 0; leg < 2; leg++) {
			enum dir d = k == 0 ? (leg ? rout : rin) : (leg ? dout : din);
			const fstr *p = (k == 0) == (leg == 0) ? &pb : &pa;
			proto_begin(g, h, d, p, k == 0 ? &start : &v);
			if (k == 0 ? leg : !leg)
				hdr(g, "Via", &via_s);
			hdr(g, "Via", &bvia);
			hdr(g, "From", &to);
			hdr(g, "To", &from);
			hdr(g, "Call-ID", &callid);
			hdr(g, "CSeq", &cs);
			hdrz(g, "User-Agent", k == 0 ? b.ua : a.ua);
			if (k == 0)
				hdrz(g, "ms-client-diagnostics", "51004; reason=\"Action initiated by user\"");
			hdrz(g, "Content-Length", "0");
			put_body(g, 0);
			end_record(g);
			advance_ms(g, rint_(g, 1, 4));
		}
		advance_ms(g, rint_(g, 20, 150));
	}
}

/* A client connection opens; usually an older one closes at the same time
   (a ring of recent peers keeps the pairs consistent). */
static void ev_connection_ok(gen *g)
{
	static fstr ring[64];
	static host *ring_host[64];
	host *h = g->hosts + rint_(g, 0, (uint32_t)g->nhosts - 1);
	fstr data, peer;
	fs_clear(&peer);
	if (h->edge && rint_(g, 0, 1)) {
		const char *dom = PICK(g, PARTNER);
		fs_clear(&data);
		fs_cat(&data, "fqdn=\"sip.");
		fs_cat(&data, dom);
		fs_cat(&data, "\"");
		fs_cat(&peer, "198.51.100.");
		fs_dec(&peer, rint_(g, 1, 254));
		fs_cat(&peer, ":5061");
		connection_rec(g, h, "TL_INFO", "information", "TLS negotiation succeeded", &data, &peer);
	} else {
		fs_cat(&peer, "10.");
		fs_dec(&peer, rint_(g, 20, 27));
		fs_cat(&peer, ".");
		fs_dec(&peer, rint_(g, 0, 255));
		fs_cat(&peer, ".");
		fs_dec(&peer, rint_(g, 1, 254));
		fs_cat(&peer, ":");
		fs_dec(&peer, rint_(g, 49152, 65000));
		connection_rec(g, h, "TL_INFO", "information", "TLS negotiation succeeded", NULL, &peer);
	}
	uint32_t slot = rint_(g, 0, 63);
	if (ring[slot].n && rint_(g, 0, 4)) {
		advance_ms(g, rint_(g, 0, 20));
		connection_rec(g, ring_host[slot], "TL_INFO", "information",
		               rint_(g, 0, 2) ? "Connection closed by peer" : "Idle connection closed",
		               NULL, &ring[slot]);
	}
	ring[slot] = peer;
	ring_host[slot] = h;
}

/* The benign stale-endpoint diagnostic (0xc3e93c2f). */
static void ev_stale_epid(gen *g)
{
	host *h = fe_host(g);
	party u;
	fstr start, callid, cs, data;
	make_user(g, &u, g->domain);
	fs_clear(&start);
	fs_cat(&start, "NOTIFY sip:");
	fs_fs(&start, &u.ip);
	fs_cat(&start, ":");
	fs_dec(&start, u.port);
	fs_cat(&start, ";transport=tls;ms-opaque=");
	fs_hex(&start, rnd(g), 10, 0);
	fs_cat(&start, ";grid SIP/2.0");
	callid32(g, &callid);
	cseq(&cs, rint_(g, 2, 90), "NOTIFY");
	fs_clear(&data);
	fs_cat(&data, "destination=\"sip:");
	fs_fs(&data, &u.uri);
	fs_cat(&data, "\"");
	diagnostic_rec(g, h, 0, "Routing error occurred; check Result-Code field for more information",
	               "0xc3e93c2f SIPPROXY_E_UNKNOWN_USER_OR_EPID", &start, &callid, &cs,
	               NULL, &data);
}

/* A federation request from an internal user that fails on the Edge:
   which = 0 CERT_MISMATCH+1010, 1 NO_SRV_MATCH+1009, 2 1047 reset,
   3 1034, 4 1010 untrusted root, 5 2139 (benign NOTIFY). */
static void ev_federation_failure(gen *g, int which)
{
	host *h = edge_host(g);
	const char *dom = PICK(g, PARTNER);
	party u, t;
	fstr callid, start, peer, via, from, to, cs, v, data, ppeer;
	make_user(g, &u, g->domain);
	make_user(g, &t, dom);
	callid32(g, &callid);
	peer_z(&peer, g->pool, rint_(g, 49152, 65000));
	fs_clear(&via);
	fs_cat(&via, "SIP/2.0/TLS 10.0.1.");
	fs_dec(&via, rint_(g, 10, 29));
	fs_cat(&via, ":");
	fs_dec(&via, rint_(g, 49152, 65000));
	fs_cat(&via, ";branch=z9hG4bK");
	fs_hex(&via, rnd(g), 8, 1);
	fs_clear(&from);
	fs_cat(&from, "<sip:");
	fs_fs(&from, &u.uri);
	fs_cat(&from, ">;tag=");
	fs_fs(&from, &u.tag);
	fs_cat(&from, ";epid=");
	fs_fs(&from, &u.epid);
	name_addr(&to, &t, NULL, 0);
	const char *method = which == 5 ? "NOTIFY" : (rint_(g, 0, 1) ? "SUBSCRIBE" : "INVITE");
	cseq(&cs, 1, method);
	fs_clear(&start);
	fs_cat(&start, method);
	fs_cat(&start, " sip:");
	fs_fs(&start, &t.uri);
	fs_cat(&start, " SIP/2.0");

	proto_begin(g, h, h->edge ? DIR_IN_INT : DIR_IN, &peer, &start);
	hdr(g, "Via", &via);
	hdrz(g, "Max-Forwards", "69");
	hdr(g, "From", &from);
	hdr(g, "To", &to);
	hdr(g, "Call-ID", &callid);
	hdr(g, "CSeq", &cs);
	hdrz(g, "User-Agent", u.ua);
	if (which == 5) {
		hdrz(g, "Event", "presence");
		hdrz(g, "subscription-state", "terminated;expires=0");
		hdrz(g, "ms-diagnostics-public", "2139;reason=\"Terminating old subscription since new subscription dialog took over the previous one\"");
	} else {
		hdrz(g, "Event", "presence");
	}
	hdrz(g, "Content-Length", "0");
	put_body(g, 0);
	end_record(g);
	advance_ms(g, rint_(g, 1, 30));
	if (which == 5)
		return;

	fs_clear(&ppeer);
	fs_cat(&ppeer, "sip.");
	fs_cat(&ppeer, dom);
	fs_cat(&ppeer, ":5061");
	fs_clear(&v);       /* the ms-diagnostics value */
	switch (which) {
	case 0:
		fs_clear(&data);
		fs_cat(&data, "expected-fqdn =\" sip.");
		fs_cat(&data, dom);
		fs_cat(&data, " \"; certName =\" edge.");
		fs_cat(&data, dom);
		fs_cat(&data, ".net \";info=\"The peer certificate does not contain a matching FQDN\"");
		diagnostic_rec(g, h, 1, "Message cannot be routed because the peer's certificate does not contain a matching FQDN",
		               "0xc3e93d67 SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH", &start, &callid, &cs, &ppeer, &data);
		fs_cat(&v, "1010;reason=\"Certificate trust with another server could not be established\";ErrorType=\"The peer certificate does not contain a matching FQDN\";tls-target=\"sip.");
		fs_cat(&v, dom);
		fs_cat(&v, "\";PeerServer=\"sip.");
		fs_cat(&v, dom);
		fs_cat(&v, "\";HRESULT=\"0x80090322(SEC_E_WRONG_PRINCIPAL)\";source=\"sip.contoso.com\"");
		break;
	case 1:
		fs_clear(&data);
		fs_cat(&data, "domain =\" ");
		fs_cat(&data, dom);
		fs_cat(&data, " \"; fqdn1 =\" sip.");
		fs_cat(&data, dom);
		fs_cat(&data, "-hosting.net :5061\"");
		diagnostic_rec(g, h, 0, "The domain of the message resolved by DNS SRV but none of the FQDNs is in the same domain",
		               "0xc3e93d6f SIPPROXY_E_EPROUTING_MSG_ALLOWED_DOMAIN_NO_SRV_MATCH", &start, &callid, &cs, &ppeer, &data);
		fs_cat(&v, "1009;reason=\"No match for domain in DNS SRV results\";domain=\"");
		fs_cat(&v, dom);
		fs_cat(&v, "\";fqdn1=\"sip.");
		fs_cat(&v, dom);
		fs_cat(&v, "-hosting.net:5061\";source=\"sip.contoso.com\"");
		break;
	case 2:
		fs_cat(&v, "1047;reason=\"Failed to complete TLS negotiation with a federated peer server\";WinsockFailureCode=\"10054(WSAECONNRESET)\";WinsockFailureDescription=\"The peer forced closure of the connection\";Peer=\"sip.");
		fs_cat(&v, dom);
		fs_cat(&v, "\";Port=\"5061\";source=\"sip.contoso.com\"");
		break;
	case 3:
		fs_cat(&v, "1034;reason=\"Previous hop federated peer did not report diagnostic information\";Domain=\"");
		fs_cat(&v, dom);
		fs_cat(&v, "\";PeerServer=\"sip.");
		fs_cat(&v, dom);
		fs_cat(&v, "\";source=\"sip.contoso.com\"");
		break;
	default:
		fs_cat(&v, "1010;reason=\"Certificate trust with another server could not be established\";ErrorType=\"The certificate chain was issued by an authority that is not trusted\";tls-target=\"sip.");
		fs_cat(&v, dom);
		fs_cat(&v, "\";PeerServer=\"sip.");
		fs_cat(&v, dom);
		fs_cat(&v, "\";HRESULT=\"0x80090325(SEC_E_UNTRUSTED_ROOT)\";source=\"sip.contoso.com\"");
		break;
	}
	advance_ms(g, rint_(g, 1, 10));
	fstr s504;
	fs_clear(&s504);
	fs_cat(&s504, "SIP/2.0 504 Server time-out");
	proto_begin(g, h, h->edge ? DIR_OUT_EXT : DIR_OUT, &peer, &s504);
	hdr(g, "Via", &via);
	hdr(g, "From", &from);
	fs_cat(&to, ";tag=");
	fs_hex(&to, rnd(g), 16, 1);
	fs_hex(&to, rnd(g), 16, 1);
	hdr(g, "To", &to);
	hdr(g, "Call-ID", &callid);
	hdr(g, "CSeq", &cs);
	hdr(g, "ms-diagnostics", &v);
	hdrz(g, "Server", srv_name(g));
	hdrz(g, "Content-Length", "0");
	put_body(g, 0);
	end_record(g);
}

/* Connection-level failures seen on a Front End. */
static void ev_connection_failure(gen *g, int which)
{
	host *h = fe_host(g);
	fstr data, peer;
	fs_clear(&peer);
	fs_cat(&peer, "10.0.1.");
	fs_dec(&peer, rint_(g, 40, 49));
	fs_cat(&peer, ":");
	fs_dec(&peer, rint_(g, 49152, 65000));
	fs_clear(&data);
	if (which == 0) {
		static const char *const names[] = {
			"deitterick.com", "exchange.fabrikam.com", "UM01.contoso.com",
			"ucma02.contoso.com"
		};
		fs_cat(&data, "fqdn=\"");
		fs_cat(&data, PICK(g, names));
		fs_cat(&data, "\"");
		connection_rec(g, h, "TL_ERROR", "error",
		               "The peer is not a configured server on this network interface",
		               &data, &peer);
		return;
	}
	fs_cat(&data, which == 1
	       ? "WinsockFailureCode=\"10060(WSAETIMEDOUT)\";WinsockFailureDescription=\"The peer did not respond to the connection attempt\";fqdn=\""
	       : "WinsockFailureCode=\"10061(WSAECONNREFUSED)\";WinsockFailureDescription=\"The peer actively refused the connection attempt\";fqdn=\"");
	fs_cat(&data, PICK(g, SERVERS));
	fs_cat(&data, ":5061\"");
	connection_rec(g, h, "TL_ERROR", "error", "Failed to connect to the peer", &data, &peer);
}

/* ---- the event mix ----------------------------------------------------------- */

static void one_event(gen *g)
{
	uint32_t r = rint_(g, 0, 9999);
	if (r < 30) {                        /* 0.3%: a catalogued failure */
		uint32_t f = rint_(g, 0, 9);
		if (f <= 2)
			ev_connection_failure(g, f == 0 || f == 1 ? 0 : (int)rint_(g, 1, 2));
		else
			ev_federation_failure(g, (int)f - 4 < 0 ? 0 : (int)f - 4);
	} else if (r < 90) {
		ev_stale_epid(g);
	} else if (r < 370) {
		ev_client_request(g, "REGISTER");
	} else if (r < 930) {
		ev_client_request(g, "SUBSCRIBE");
	} else if (r < 1350) {
		ev_client_request(g, "SERVICE");
	} else if (r < 2330) {
		ev_notify(g, 0);
	} else if (r < 3030) {
		ev_notify(g, 1);
	} else if (r < 3520) {
		ev_options(g);
	} else if (r < 3940) {
		ev_dialog(g, 0);
	} else if (r < 4080) {
		ev_dialog(g, 1);
	} else {
		ev_connection_ok(g);
	}
	uint32_t t = rint_(g, 0, 9);
	if (t < 3)
		trace_line(g, g->hosts + rint_(g, 0, (uint32_t)g->nhosts - 1));
	if (t < 1)
		trace_line(g, g->hosts + rint_(g, 0, (uint32_t)g->nhosts - 1));
	advance_ms(g, rint_(g, 0, 40));
}

/* ---- main ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fputs("usage: sipscan-gen [--style lync2010|sfb|client] [--size MiB] [--seed N] [--crlf] [--stats]\n"
	      "Writes a deterministic synthetic SIPStack trace of about MiB mebibytes\n"
	      "(default 10) to stdout.  Same arguments, same bytes.  --stats prints\n"
	      "bytes, lines and records to stderr at the end.\n", f);
}

static host LYNC_HOSTS[] = {
	{ "0", "lyncfe01.contoso.com", "10.0.1.10", NULL, 0x0AC0, { 0x1278, 0x0F44, 0x12B0 }, 0x3c0, 0 },
};

static host SFB_HOSTS[] = {
	{ "sfbfe01\\sfbfe01", "sfbfe01.contoso.com", "10.0.1.21", NULL, 0x1C34, { 0x2A10, 0x2B7C, 0x0F18 }, 0x10A0, 0 },
	{ "sfbfe02\\sfbfe02", "sfbfe02.contoso.com", "10.0.1.22", NULL, 0x1D08, { 0x0E44, 0x21D0, 0x1F9C }, 0x2F40, 0 },
	{ "sfbedge01\\sfbedge01", "sfbedge01.contoso.com", "10.0.5.11", "203.0.113.11", 0x0B60, { 0x0D6C, 0x0E20, 0x1104 }, 0x55A0, 1 },
	{ "sfbedge02\\sfbedge02", "sfbedge02.contoso.com", "10.0.5.12", "203.0.113.12", 0x0584, { 0x0A44, 0x0B18, 0x0C90 }, 0x76F0, 1 },
};

int main(int argc, char **argv)
{
	static gen G;
	gen *g = &G;
	double mib = 10;
	uint64_t seed = 1;
	int sfb = 0, crlf = 0, stats = 0, client = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--style") == 0 && i + 1 < argc) {
			const char *s = argv[++i];
			if (strcmp(s, "sfb") == 0)
				sfb = 1;
			else if (strcmp(s, "lync2010") == 0)
				sfb = 0;
			else if (strcmp(s, "client") == 0)
				client = 1;
			else {
				fprintf(stderr, "sipscan-gen: unknown style '%s'\n", s);
				return 2;
			}
		} else if (strcmp(a, "--size") == 0 && i + 1 < argc) {
			char *end;
			mib = strtod(argv[++i], &end);
			if (*end || !(mib > 0) || mib > 1024 * 1024) {
				fprintf(stderr, "sipscan-gen: bad --size '%s'\n", argv[i]);
				return 2;
			}
		} else if (strcmp(a, "--seed") == 0 && i + 1 < argc) {
			char *end;
			seed = strtoull(argv[++i], &end, 0);
			if (*end) {
				fprintf(stderr, "sipscan-gen: bad --seed '%s'\n", argv[i]);
				return 2;
			}
		} else if (strcmp(a, "--crlf") == 0) {
			crlf = 1;
		} else if (strcmp(a, "--stats") == 0) {
			stats = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}

	g->out = malloc(OUT_CAP);
	if (!g->out) {
		perror("sipscan-gen");
		return 1;
	}
	g->rng = seed * 0x2545F4914F6CDD1Dull + 0x1234567ull;
	g->sfb = sfb;
	g->client = client;
	g->crlf = crlf;
	g->domain = "contoso.com";
	if (sfb) {
		g->hosts = SFB_HOSTS;
		g->nhosts = sizeof SFB_HOSTS / sizeof SFB_HOSTS[0];
		g->pool = "sfbpool01.contoso.com";
		g->year = 2016; g->mon = 6; g->day = 7; g->hh = 8;
	} else {
		g->hosts = LYNC_HOSTS;
		g->nhosts = 1;
		g->pool = "lyncpool01.contoso.com";
		g->year = 2012; g->mon = 3; g->day = 14; g->hh = 8;
	}
	g->inst = 0x0000A000;

	uint64_t target = (uint64_t)(mib * 1048576.0);
	while (g->flushed + g->len < target) {
		size_t pre_len = g->len;
		uint64_t pre_lines = g->lines, pre_records = g->records;
		one_event(g);
		/* Land as close to the target as whole events allow: drop the
		   last event when it overshoots by more than stopping short
		   would.  An event is far smaller than OUT_CAP - OUT_FLUSH, so
		   it is still entirely in the buffer. */
		uint64_t before = g->flushed + pre_len, after = g->flushed + g->len;
		if (after > target && after - target > target - before && before > 0) {
			g->len = pre_len;
			g->lines = pre_lines;
			g->records = pre_records;
			break;
		}
		if (g->len >= OUT_FLUSH)
			flush_out(g);
	}
	flush_out(g);
	if (fflush(stdout) != 0) {
		perror("sipscan-gen: write");
		return 1;
	}
	if (stats)
		fprintf(stderr, "sipscan-gen: %llu bytes, %llu lines, %llu records (%.1f lines/record)\n",
	        (unsigned long long)g->flushed, (unsigned long long)g->lines,
	        (unsigned long long)g->records,
	        g->records ? (double)g->lines / (double)g->records : 0.0);
	free(g->out);
	return 0;
}
