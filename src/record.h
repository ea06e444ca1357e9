/*
 * record.h -- one parsed trace record, the unit everything downstream uses.
 *
 * A parser hands a const sip_record * to a callback.  Every sip_str in it
 * points into memory the parser owns (mostly into `raw`, the record's own
 * text); all of it is valid only for the duration of the callback.  A
 * consumer that keeps anything copies it (the store binds it to SQLite, the
 * JSON printer writes it out).
 *
 * Slices are not NUL-terminated.  An absent value is {NULL, 0}; an empty but
 * present one has p != NULL and n == 0.  Numeric values that are absent are
 * -1 (or has_* == 0).
 */
#ifndef SIP_RECORD_H
#define SIP_RECORD_H

#include <stddef.h>
#include <stdint.h>

/* A slice: a small value type, passed by value. */
typedef struct sip_str {
	const char *p;
	size_t n;
} sip_str;

#define SIP_STR_NULL ((sip_str){ NULL, 0 })
#define SIP_STR_LIT(s) ((sip_str){ (s), sizeof(s) - 1 })

/* A name/value pair: a body field, a Data: pair, an ms-diagnostics attr. */
typedef struct sip_kv {
	sip_str name;
	sip_str value;
} sip_kv;

enum sip_kind {
	SIP_KIND_TRACE = 0,      /* a one-line trace that is not a record */
	SIP_KIND_CONNECTION = 1, /* LogType: connection / TraceConnectionRecord */
	SIP_KIND_DIAGNOSTIC = 2, /* LogType: diagnostic / WriteDiagnosticEvent */
	SIP_KIND_PROTOCOL = 3    /* a SIP message (TraceProtocolRecord) */
};

/* "trace", "connection", "diagnostic", "protocol". */
const char *sip_kind_name(int kind);

/* One ms-diagnostics / ms-diagnostics-public / ms-client-diagnostics. */
typedef struct sip_msdiag {
	sip_str header;     /* the header name as written */
	int64_t code;       /* the ErrorId; -1 when not a number */
	int64_t subcode;    /* the .SubCode after the ErrorId; -1 if none */
	sip_str reason;     /* the reason attribute (unquoted, trimmed) */
	sip_str source;     /* the source attribute */
	const sip_kv *attrs;/* every attribute in order (reason and source too),
	                       values unquoted and trimmed */
	size_t nattrs;
} sip_msdiag;

/* A server name a client log shows the client being sent to or
   connecting to (see parsers/sipderive.c). */
typedef struct sip_server {
	sip_str fqdn;       /* the host name as written: no scheme, port, path,
	                       a Kerberos "sip/" prefix or blanks */
	sip_str source;     /* where it came from: "targetname", "sts-uri",
	                       or the provisioning / autodiscover key that
	                       named the URL ("absInternalServerUrl",
	                       "Link Internal/Autodiscover", "EwsUrl" ...) */
} sip_server;

typedef struct sip_record {
	const char *format;  /* the parser that made it: "sipstack",
	                        "uccapi", "sip" (static) */
	/* Where it stands in the input. */
	uint64_t line;       /* 1-based line of the header line */
	uint64_t end_line;   /* line of the last line of the record */
	uint64_t offset;     /* byte offset of the header line (see sip_line) */
	sip_str raw;         /* the original text, header line through
	                        $$end_record, each line with its original
	                        terminator (LF or CRLF), as UTF-8 */
	int kind;            /* enum sip_kind */
	int truncated;       /* cut short by EOF or by the next header line */
	int raw_joined;      /* raw is not the input's bytes: a header line
	                        wrapped over lines (a pasted trace) was
	                        joined */
	int has_begin;       /* the header carried $$begin_record */
	int has_end;         /* $$end_record was seen */

	/* The header line. */
	sip_str level;       /* "TL_ERROR" */
	sip_str flag;        /* "TF_CONNECTION" */
	sip_str slot;        /* what stood in [...]: "0" or "sfvedge\sfvedge" */
	sip_str host;        /* from [host\host]; empty for [0] */
	int64_t pid, tid;    /* from PID.TID hex; -1 when absent */
	char ts[24];         /* "YYYY-MM-DD HH:MM:SS.mmm" (the log's clock),
	                        "" when the header has no time */
	int64_t seq;         /* the hex sequence number after the time */
	sip_str component;   /* "SIPStack" */
	sip_str function;    /* "SIPAdminLog::TraceConnectionRecord" */
	sip_str src_file;    /* "SIPAdminLog.cpp" */
	int64_t src_line;    /* 160 */
	sip_str header_text; /* free text after the (...) group, trimmed, e.g.
	                        "( 00000000028FDD70 ) Exit - route headers ..."
	                        ; empty for $$begin_record headers */
	sip_str corr_id;     /* SfB " [decimal] " before $$begin_record, else
	                        the Trace-Correlation-Id field */

	/* The body. */
	const sip_kv *fields;/* every "Name: value" line in order, duplicates
	                        kept; for a protocol record this includes the
	                        SIP headers from Start-Line: to Message-Body:
	                        but never a line of the message body */
	size_t nfields;
	sip_str body;        /* protocol records: the message body, from the
	                        value of Message-Body: through the line before
	                        $$end_record, verbatim (with the terminators
	                        between its lines, not the one ending it);
	                        "-" when the log says there is none */

	/* Derived values. */
	sip_str log_type;    /* LogType: */
	sip_str severity;    /* Severity: */
	sip_str text;        /* Text: (without a trailing inline Result-Code),
	                        else the header's free text */
	int has_result;
	uint32_t result_code;   /* from Result-Code:, an inline "Result-Code:"
	                           at the end of Text:, or "Result 0x...(SYM)"
	                           in the header text */
	sip_str result_symbol;  /* "SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH" */
	const sip_kv *data;  /* the Data: pairs, unquoted and trimmed */
	size_t ndata;
	sip_str fqdn;        /* Data: fqdn= */
	sip_str fqdn_cut;    /* Data: fqdn="... whose closing quote never
	                        came (the line was cut): what there is of it;
	                        fqdn is then empty, so that no finding names a
	                        host that is only the start of one */
	sip_str transport;   /* Transport:, or from Via / Peer when obvious */
	sip_str peer;        /* Peer: as written, "host:port" */
	sip_str peer_host;   /* host part of peer */
	int64_t peer_port;   /* -1 when absent */
	sip_str local;       /* Local / Local-IP address as written, if any */
	sip_str conn_id;     /* Connection-ID, if any (never Instance-Id) */

	/* SIP message (protocol records; diagnostic records fill what their
	   SIP-Start-Line / SIP-Call-ID / SIP-CSeq give). */
	int is_request;      /* 1 request, 0 response, -1 not a SIP message */
	sip_str start_line;
	sip_str method;      /* request method, or the CSeq method of a
	                        response */
	sip_str request_uri;
	int64_t status;      /* response status code; -1 for requests */
	sip_str reason;      /* response reason phrase */
	sip_str call_id;
	sip_str cseq;        /* "1 OPTIONS" */
	sip_str from_uri;    /* the URI inside From: (without <> and params) */
	sip_str to_uri;
	sip_str from_tag, to_tag;
	sip_str direction;   /* "incoming" / "outgoing" (first token) */
	sip_str content_type;
	const sip_msdiag *diags; /* every ms-diagnostics header, in order */
	size_t ndiags;
	sip_str user_agent;  /* User-Agent: */
	sip_str server_agent; /* Server: (the product of the side that
	                         answered: "RTC/6.0", Exchange UM ...) */

	/* Server names the client was directed to: the targetname and
	   sts-uri of a WWW-Authenticate / Proxy-Authenticate challenge, and
	   the https URLs and fqdn attributes of in-band provisioning and
	   autodiscover data (client logs and bare messages only). */
	const sip_server *servers;
	size_t nservers;
} sip_record;

/*
 * Is a record an error: its level is an error level (sip_error_levels:
 * TL_ERROR, TL_FATAL of a server trace, ERROR, FATAL of a client log), or
 * it is a SIP response >= 400 that carries ms-diagnostics (the server said
 * why; a bare 401/407 challenge is not an error).  The one definition of
 * "error": SIP_IS_ERROR_ROW_SQL in store.h says the same in SQL for the
 * errors view and file_stats, and test_store checks that the two agree.
 * (What the rules call a problem -- errors, warnings, any response >= 400
 * but a challenge -- is wider: unexplained.c.)
 */
extern const char *const sip_error_levels[]; /* NULL-terminated */
int sip_is_error(sip_str level, int kind, int status, int has_ms_diag);

/*
 * Is a record a normal outcome of a call or a presence look-up, not a
 * fault: a SIP response 480 (temporarily unavailable, no answer), 486
 * (busy), 487 (cancelled), 600 (busy everywhere) or 603 (declined), or a
 * 404 to a SUBSCRIBE or SERVICE (an unknown contact looked up).  These are
 * counted apart as outcomes, never listed as unexplained.  The one
 * definition: SIP_IS_OUTCOME_ROW_SQL in store.h says it in SQL, and
 * test_store checks that the two agree.
 */
int sip_is_outcome(int kind, int64_t status, sip_str method);

/* Case-insensitive lookup of the first field named name; SIP_STR_NULL. */
sip_str sip_record_field(const sip_record *r, const char *name);

/* Compare a slice with a C string (exact / ignoring ASCII case). */
int sip_str_eq(sip_str s, const char *lit);
int sip_str_ieq(sip_str s, const char *lit);

#endif
