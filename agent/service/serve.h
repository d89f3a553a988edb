/*
 * serve.h - `hrdex serve`: a read-only HTTP server over the cache, the
 * status files and the static site of one state directory, on
 * libmicrohttpd (thread pool, connection limit, request timeout).
 *
 *   /oai              OAI-PMH 2.0 (oai.h)
 *   /feeds/all.atom, /feeds/publisher/ID.atom, /feeds/type/TYPE.atom,
 *   /feeds/country/XXX.atom                        Atom (oai.h)
 *   /calendar.ics     iCalendar; ?publisher= &country= &type=event|visit
 *   /healthz          200 while `hrdex status` would say healthy, else 503
 *                     with one reason per line
 *   /metrics          STATE/metrics.prom
 *   /...              files under STATE/site (no dot segments, no symbolic
 *                     links followed)
 *
 * It never writes and never takes the agent lock: the cache is opened
 * read-only per request, so any number of servers may read one state
 * directory while `hrdex run` writes it.
 */
#ifndef HRDEX_SERVE_H
#define HRDEX_SERVE_H

#define HRDEX_SERVE_DEFAULT_LISTEN "127.0.0.1:8080"

struct hrdex_serve_opts {
	const char *listen;          /* ADDR:PORT or [ADDR6]:PORT */
	unsigned connections;        /* at most this many at once (0: 64) */
	unsigned timeout;            /* seconds a connection may idle (0: 30) */
};

/* Serve dir until SIGTERM or SIGINT; 0 then.  HRDEX_E_USAGE for a bad
 * listen address, HRDEX_E_UNAVAILABLE when it cannot listen there. */
int hrdex_serve(const char *dir, const struct hrdex_serve_opts *o);

#endif
