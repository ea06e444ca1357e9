/*
 * sip.h -- internal helpers of the parsers: SIP message knowledge (start
 * line, name-addr URI and tag, Via transport, host:port, ms-diagnostics
 * headers), the tolerant `k="v"; ...` pair splitter used for Data: and
 * ms-diagnostics attributes, Result-Code decoding, and the SIPStack header
 * line matcher.
 *
 * Everything here works on slices (sip_str) and writes slices into the same
 * memory: nothing allocates, nothing needs a NUL terminator.  Not part of
 * the public API: only files in parsers/ and their unit tests include it.
 */
#ifndef SIP_SIP_H
#define SIP_SIP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../src/buf.h"
#include "../src/reader.h"
#include "../src/record.h"
#include "parser.h"

/* ---- slices ---------------------------------------------------------- */

/* s without leading and trailing spaces and tabs (and a stray CR/LF). */
sip_str sip_trim(sip_str s);

/* Case-insensitive equality of s.p[0..s.n) with lit[0..litn). */
int sip_ieq(const char *s, size_t n, const char *lit, size_t litn);
/* The length test inline: most candidates differ in length (5% of the
   parser's instructions went to calls that returned at once); then the
   exact spelling, a memcmp of a constant size the compiler inlines, which
   is how the logs write nearly every name. */
#define SIP_IEQ(s, n, lit) \
	((n) == sizeof(lit) - 1 && (memcmp((s), (lit), sizeof(lit) - 1) == 0 || \
				    sip_ieq((s), (n), (lit), sizeof(lit) - 1)))

/* Number of bytes equal to c in s. */
size_t sip_count_char(sip_str s, char c);

/* The end of the CSV cell that starts at p[i]: at the comma after it, or
   n.  A quoted cell may hold commas, line breaks and "" for a quote; one
   whose quote does not close before n ends at n. */
size_t sip_csv_cell_end(const char *p, size_t n, size_t i);

/* ---- SIP ------------------------------------------------------------- */

/*
 * Split a SIP start line.  Returns 1 for a request ("INVITE sip:x SIP/2.0":
 * *method, *request_uri set), 0 for a response ("SIP/2.0 504 Server
 * time-out": *status, *reason set), -1 when it is neither (outputs left
 * absent: SIP_STR_NULL / -1).  Any output pointer may be NULL.
 */
int sip_parse_start_line(sip_str line, sip_str *method, sip_str *request_uri,
			 int64_t *status, sip_str *reason);

/* The method of a CSeq value ("1 OPTIONS" -> "OPTIONS"); absent if none. */
sip_str sip_cseq_method(sip_str cseq);

/*
 * From/To value: the URI inside <...> (or the addr-spec before ';' when
 * there are no brackets) and the tag parameter.  Absent outputs are
 * SIP_STR_NULL.  Either output may be NULL.
 */
void sip_parse_name_addr(sip_str value, sip_str *uri, sip_str *tag);

/* The transport of a Via value ("SIP/2.0/TLS 10.0.0.1:5061" -> "TLS"). */
sip_str sip_via_transport(sip_str via);

/*
 * Split "host:port", "[v6]:port", "[v6]", "host" (and a bare IPv6 address,
 * which has no port).  *host is without brackets; *port is -1 when absent
 * or not a number 0..65535.
 */
void sip_parse_hostport(sip_str s, sip_str *host, int64_t *port);

/*
 * Split `k="v"; k2 = v2; ...` into pairs: keys and values trimmed, values
 * unquoted (ASCII " or typographic U+201C / U+201D, UTF-8 E2 80 9C / 9D),
 * a ';' inside quotes kept, a key without '=' given an empty value.  Stores
 * at most max pairs in out and returns how many it stored; *found (may be
 * NULL) gets how many there were.
 */
/* The length of a quote at p (e: the end of the text): 1 for ", 3 for the
   typographic U+201C / U+201D, 6 or 5 for &quot; / &#34; (a page's
   source); 0 when p is no quote. */
size_t sip_quote_len(const char *p, const char *e);

size_t sip_parse_params(sip_str s, sip_kv *out, size_t max, size_t *found);

/*
 * Decode one ms-diagnostics / ms-diagnostics-public / ms-client-diagnostics
 * value, "1047;reason=\"...\";WinsockFailureCode=\"10054(WSAECONNRESET)\"":
 * d->code (and d->subcode from "1010.2"), then every attribute into attrs
 * (at most max; as sip_parse_params), d->reason and d->source picked from
 * them.  d->attrs = attrs.  Returns the number of attributes found (which
 * may exceed max when the caller's array was too small).
 */
/* Whether a field is the Diagnosis of a Test-Cs* cmdlet's result
   ("Diagnosis : ErrorCode=1008,Source=...,Reason=...", or the line alone
   as a field ErrorCode), which sip_parse_msdiag reads as an
   ms-diagnostics header; sip_error_code_value: whether a value is such
   a diagnosis ("ErrorCode=" and a digit, case aside). */
int sip_test_diagnosis(sip_str name, sip_str value);
int sip_error_code_value(sip_str value);
size_t sip_parse_msdiag(sip_str header, sip_str value, sip_msdiag *d,
			sip_kv *attrs, size_t max);

/*
 * "0xc3e93d67 SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH" -> code and symbol
 * (symbol absent if none).  Returns 1 when a hex number was found, else 0.
 */
int sip_parse_result_code(sip_str s, uint32_t *code, sip_str *symbol);

/*
 * A Text: value that ends with an inline " Result-Code: 0x... SYM": returns
 * 1 with *text_out = the text before it (trimmed), *code and *symbol set;
 * else 0 with *text_out = text.
 */
int sip_split_inline_result(sip_str text, sip_str *text_out, uint32_t *code,
			    sip_str *symbol);

/*
 * Free header text holding "Result 0xC3E93C5E(SIPPROXY_E_ROUTING)": returns
 * 1 with code and symbol (symbol absent without the parenthesis), else 0.
 */
int sip_find_result_text(sip_str text, uint32_t *code, sip_str *symbol);

/*
 * A code of eight hex digits with its symbol in parentheses anywhere in
 * text, "0x80090322(SEC_E_WRONG_PRINCIPAL)" (a Windows event's words):
 * returns 1 with code and symbol (upper-case letters, digits, '_'), else 0.
 */
int sip_find_code_symbol(sip_str text, uint32_t *code, sip_str *symbol);

/* ---- SIPStack header lines ------------------------------------------- */

/* An offset/length pair into the line; off == SIP_SPAN_NONE when absent. */
typedef struct sip_span {
	size_t off, n;
} sip_span;
#define SIP_SPAN_NONE ((size_t)-1)

/* The parts of a header line (see sip_ss_header_parse). */
typedef struct sip_ss_header {
	sip_span level, flag, slot, host, component, function, src_file;
	sip_span text;      /* free text after (...), trimmed; empty (n = 0)
	                       for $$begin_record headers */
	sip_span corr_id;   /* the SfB " [decimal] "; absent otherwise */
	sip_span peer;      /* the address after "Address IP:" in the text
	                       of an alt header; absent otherwise */
	int64_t pid, tid, seq, src_line;
	char ts[24];        /* "YYYY-MM-DD HH:MM:SS.mmm" */
	int has_begin;
} sip_ss_header;

/*
 * Match a SIPStack trace header line (p, n: no terminator):
 *   TL_LEVEL(TF_FLAG) [slot]PID.TID::MM/DD/YYYY-HH:MM:SS.mmm.SEQ
 *       (Component,Class::Method:File(line))TAIL
 * with TAIL "$$begin_record", " [decimal] $$begin_record" or free text.
 * Returns 1 and fills *h (spans relative to p), or 0 when the line is not a
 * valid header (h is then unspecified).  Hand-written, one pass, no regex.
 */
int sip_ss_header_parse(const char *p, size_t n, sip_ss_header *h);

/*
 * Match the header line of the same records written by another product
 * (Avaya Contact Center's CCMS_SGM_SipMessages.log):
 *   DD/MM/YYYY-HH:MM:SS.mmm [0xTID] - TEXT$$begin_record
 * where TEXT says the way and the address ("--> Message to Send (Dest
 * Address IP:  10.50.14.2:4165):").  The date is day first, as that
 * product writes it, unless only month first can be a date; "[0xTID]" may
 * be missing.  Only lines that end in $$begin_record match.  Fills *h as
 * sip_ss_header_parse does, with no level, flag or component (spans
 * SIP_SPAN_NONE) and TEXT, without its leading "- " and trailing ":", as
 * the free text; peer is the address after "Address IP:" in TEXT.
 * Returns 1 on a match, else 0.
 */
int sip_ss_alt_header_parse(const char *p, size_t n, sip_ss_header *h);

/* A stamp "DD/MM/YYYY-HH:MM:SS.mmm " at p (day first unless only month
   first makes a date, as Avaya Contact Center writes it) as
   "YYYY-MM-DD HH:MM:SS.mmm" into ts: 1, or 0 when p has none. */
int sip_dmy_stamp(const char *p, size_t n, char ts[24]);

/* ---- derived values (parsers/sipderive.c) ------------------------------ */

/* At most this many server names per record; more are ignored. */
#define SIP_MAX_SERVERS 64

/* A parser's scratch arrays for sip_derive; zero it to start, free its
   contents with sip_derive_release. */
typedef struct sip_derive_scratch {
	sip_kv *pool;           /* Data pairs, then ms-diagnostics attributes */
	size_t pool_cap;
	sip_msdiag *diags;
	size_t diags_cap;
	size_t *didx;           /* field index of each ms-diagnostics header */
	size_t didx_cap;
	sip_server *servers;
	size_t nservers, servers_cap;
} sip_derive_scratch;

void sip_derive_release(sip_derive_scratch *s);

/*
 * Fill the derived values of r from r->fields (every "Name: value": SIPStack
 * record fields or SIP headers), r->header_text and r->start_line (when the
 * parser set it; else a Start-Line: field): Call-ID, CSeq, From/To, Via
 * transport, peer host and port, Data pairs and fqdn, every ms-diagnostics
 * header with its attributes, the result code, text, User-Agent, and the
 * server names of WWW-Authenticate / Proxy-Authenticate (r->servers, which
 * sip_servers_add / sip_servers_scan may extend afterwards).  The pool of
 * Data pairs and attributes is capped at max_fields; *capped is set when
 * it cut some.  *text_field gets the Text: field (absent if none), which
 * the SIPStack parser uses to pick a kind.  Returns 0 or SIP_ENOMEM.
 */
int sip_derive(sip_derive_scratch *s, sip_record *r, size_t max_fields,
	       sip_str *text_field, int *capped);

/*
 * Add one server name (blanks, a "sip/" prefix, a port, a path and a final
 * dot are cut; names without a dot and a letter, and XML namespace hosts,
 * are ignored; a name already there with the same source is not added
 * twice).  After it, the caller sets r->servers/nservers from s.  Returns
 * 0 or SIP_ENOMEM.
 */
int sip_servers_add(sip_derive_scratch *s, sip_str fqdn, sip_str source);

/*
 * Find the server URLs of provisioning and autodiscover text (one log line
 * of XML or JSON, or a message body) and add them with sip_servers_add:
 * each "https://HOST" whose key ends in Url / Uri / Server / Access
 * (`<property name="absInternalServerUrl">https://...`, `<EwsUrl>https://`,
 * `"hybridconfigserviceinternalurl": "https://`), every link
 * (`<Link token="Internal/Autodiscover" href="https://...">`, JSON
 * `"user":{"href":"https://..."}`: the source is the token or key), and
 * the fqdn of every autodiscover element `<Sip...Access fqdn="...">`.  Returns 0 or SIP_ENOMEM.
 */
int sip_servers_scan(sip_derive_scratch *s, sip_str text);


/* ---- SIP messages as text (parsers/sipmsg.c) --------------------------- */

/* 1 when p[0..n) is a SIP start line: "METHOD uri SIP/2.0" (the method in
   capitals, the URI with a ':') or "SIP/2.0 NNN reason". */
int sip_is_start_line(const char *p, size_t n);

/* Whether a line is "--" alone (blanks after it): what grep prints
   between the groups of lines it shows with context (-A, -B, -C). */
int sip_group_separator(const char *p, size_t n);

/* Whether a bare-message parser's state (sip_sipmsg_parser) is inside a
   message: the lines that follow are its own until it ends.  The SIPStack
   parser hands it the bare messages pasted between its records. */
int sip_sipmsg_reading(const void *state);
/* The same of a client log parser's state (sip_uccapi_parser); and
   whether a line is a client log's stamped line. */
int sip_uccapi_reading(const void *state);
/* Whether it is inside a SIP message (framed, or a bare one pasted among
   its lines): every line that follows is the message's. */
int sip_uccapi_in_message(const void *state);
/*
 * A server trace's records pasted into the input of another format (a
 * post that begins with bare SIP messages or a client log): the host
 * parser hands each line to sip_ss_embed_feed first.  It returns 1 when
 * the line was the trace's (fed to a SIPStack parser; *rc its result):
 * a TL_ header line, then every line of its record up to $$end_record (a
 * header without $$begin_record: up to the next line that host_start
 * says begins one of the host's own).  0: the host reads the line (any
 * record before it was emitted).  The host ends what it holds before it
 * hands on a line for which sip_ss_embed_starts is true.
 */
typedef struct sip_ss_embed {
	void *ss;           /* the SIPStack parser's state, opened when needed */
	int on;             /* it is reading a record */
} sip_ss_embed;
int sip_ss_embed_starts(const char *p, size_t n);
int sip_ss_embed_feed(sip_ss_embed *e, const sip_parse_opts *o, const sip_line *ln,
		      int host_start, sip_record_fn fn, void *ctx, int *rc);
int sip_ss_embed_close(sip_ss_embed *e, sip_record_fn fn, void *ctx);
void sip_ss_embed_free(sip_ss_embed *e);

/* End the message state is reading because a server trace's record began
   at line (a client log pasted between records): as close, with a
   warning that names that line instead of the end of input. */
int sip_uccapi_cut(void *state, uint64_t line, sip_record_fn fn, void *ctx);
int sip_uccapi_stamped(const char *p, size_t n);

/* A SIP Date: value ("Tue, 11 Mar 2014 08:14:02 GMT") as the record time
   "2014-03-11 08:14:02.000" in ts; ts = "" when v is absent or not a date. */
void sip_http_date(sip_str v, char ts[24]);

/* Length of the header name when p starts "Name:" (or "Name :"), else 0. */
size_t sip_header_name_len(const char *p, size_t n);

/* A header while the record grows: offsets into the builder's raw. */
typedef struct sip_msgb_field {
	size_t noff, nn, voff, vn;
} sip_msgb_field;

enum { SIP_MSGB_NONE, SIP_MSGB_HEADERS, SIP_MSGB_BODY };
#define SIP_MSGB_FRAMING ((size_t)-1)

/*
 * The message builder: one record's text and the SIP message in it.  A
 * small value type owned by a parser; init, then for each record: add
 * lines, sip_msgb_record, sip_derive (with .dv), reset.
 */
typedef struct sip_msgb {
	sip_buf raw;             /* the record's text, lines with terminators */
	size_t max_record, max_fields;
	uint64_t line, end_line, offset;
	int part;                /* SIP_MSGB_*: what the next line is */
	size_t start_off, start_n;
	size_t body_off, body_end, body_bytes;
	long long content_length;/* -1 when none */
	int truncated, capped, warned, last_dropped;
	size_t hindent;          /* the blanks before each header when the
	                            first was indented under the start line */
	sip_msgb_field *flds;
	size_t nflds, flds_cap;
	sip_kv *kv;
	size_t kv_cap;
	sip_derive_scratch dv;
} sip_msgb;

void sip_msgb_init(sip_msgb *b, size_t max_record, size_t max_fields);
void sip_msgb_release(sip_msgb *b);
void sip_msgb_reset(sip_msgb *b);

/* Whether the message being built is inside its body, past its first
   byte (for a parser's in_body: see parser.h). */
int sip_msgb_in_body(const sip_msgb *b);

/*
 * Append a line to the record's text.  from = SIP_MSGB_FRAMING: the line
 * is the log's framing, not part of the message; else the message's text
 * starts at byte from of the line (the start line of a client log follows
 * its time stamp).  Returns 0, 1 when the line was dropped at the record
 * cap (truncated and capped set), -1 when out of memory.
 */
int sip_msgb_add(sip_msgb *b, const sip_line *ln, size_t from);
/* The message's part of a line already in raw (used by sip_msgb_add). */
int sip_msgb_msg_line(sip_msgb *b, size_t off, size_t n);

/* 1 when the body is shorter than its Content-Length (cut short). */
int sip_msgb_short(const sip_msgb *b);
/* 1 when the body is complete by Content-Length. */
int sip_msgb_body_done(const sip_msgb *b);

/* Fill r's position, raw, start_line, fields and body (slices into b, valid
   until the next add or reset).  The caller zeroes r first and calls
   sip_derive after.  Returns 0, -1 when out of memory. */
int sip_msgb_record(sip_msgb *b, sip_record *r);


#endif
