/*
 * webhook_receiver.c - a tiny HTTP receiver for the webhook tests.
 *
 *   webhook_receiver PORTFILE OUTDIR [SECRET] [MODE]
 *
 * Listens on 127.0.0.1 on a free port (written to PORTFILE once listening),
 * and for each request N (from 1) writes OUTDIR/N.headers, OUTDIR/N.body and,
 * when SECRET is given, OUTDIR/N.sig holding "ok", "bad" or "missing" after
 * checking X-Hrdex-Signature (HMAC-SHA256 of the body, hex, "sha256=" prefix).
 * MODE: "ok" (200, default), "hang" (read the request, never answer, keep
 * the connection open), "fail:K" (500 to the first K requests, then 200).
 * Runs until killed.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#define MAX_REQUEST (1 << 20)

static void write_file(const char *dir, int n, const char *ext, const char *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d.%s.tmp", dir, n, ext);
	f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(data, 1, len, f);
	fclose(f);
	{
		char final[4096];

		snprintf(final, sizeof(final), "%s/%d.%s", dir, n, ext);
		rename(path, final);
	}
}

/* The value of header name in the head (NUL-terminated), or NULL. */
static const char *header(const char *head, const char *name, char *out, size_t size)
{
	const char *p = head;
	size_t n = strlen(name);

	while ((p = strstr(p, "\r\n"))) {
		p += 2;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1, *end;

			while (*v == ' ')
				v++;
			end = strstr(v, "\r\n");
			if (!end)
				return NULL;
			snprintf(out, size, "%.*s", (int)(end - v), v);
			return out;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *portfile, *dir, *secret, *mode;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int fd, one = 1, n = 0, fail = 0;
	char *buf = malloc(MAX_REQUEST + 1);

	if (argc < 3 || !buf || sodium_init() < 0) {
		fprintf(stderr, "usage: webhook_receiver PORTFILE OUTDIR [SECRET] [MODE]\n");
		return 64;
	}
	portfile = argv[1];
	dir = argv[2];
	secret = argc > 3 && argv[3][0] ? argv[3] : NULL;
	mode = argc > 4 ? argv[4] : "ok";
	if (!strncmp(mode, "fail:", 5))
		fail = atoi(mode + 5);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) < 0) {
		perror("webhook_receiver");
		return 1;
	}
	{
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", portfile);
		f = fopen(tmp, "w");
		if (!f)
			return 1;
		fprintf(f, "%d\n", ntohs(sa.sin_port));
		fclose(f);
		rename(tmp, portfile);
	}
	for (;;) {
		int c = accept(fd, NULL, NULL);
		size_t len = 0, body_at = 0, want = 0;
		char value[256], *end;

		if (c < 0)
			continue;
		/* Read the head, then Content-Length bytes of body. */
		for (;;) {
			ssize_t r = read(c, buf + len, MAX_REQUEST - len);

			if (r <= 0)
				break;
			len += (size_t)r;
			buf[len] = '\0';
			if (!body_at && (end = strstr(buf, "\r\n\r\n"))) {
				body_at = (size_t)(end - buf) + 4;
				buf[body_at - 2] = '\0';
				want = header(buf, "Content-Length", value, sizeof(value)) ? strtoul(value, NULL, 10) : 0;
				buf[body_at - 2] = '\r';
			}
			if (body_at && len >= body_at + want)
				break;
			if (len >= MAX_REQUEST)
				break;
		}
		if (!body_at) {
			close(c);
			continue;
		}
		n++;
		write_file(dir, n, "headers", buf, body_at);
		if (secret) {
			unsigned char mac[crypto_auth_hmacsha256_BYTES];
			char hex[2 * sizeof(mac) + 8] = "sha256=";
			crypto_auth_hmacsha256_state st;
			const char *sig;
			int i;

			buf[body_at - 2] = '\0';
			sig = header(buf, "X-Hrdex-Signature", value, sizeof(value));
			buf[body_at - 2] = '\r';
			crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
			crypto_auth_hmacsha256_update(&st, (const unsigned char *)buf + body_at, want);
			crypto_auth_hmacsha256_final(&st, mac);
			sodium_bin2hex(hex + 7, sizeof(hex) - 7, mac, sizeof(mac));
			for (i = 0; sig && sig[i]; i++)
				value[i] = (char)tolower((unsigned char)sig[i]);
			write_file(dir, n, "sig", !sig ? "missing" : strcmp(value, hex) ? "bad" : "ok",
				   !sig ? 7 : strcmp(value, hex) ? 3 : 2);
		}
		write_file(dir, n, "body", buf + body_at, want);
		if (!strcmp(mode, "hang"))
			continue; /* never answer; keep c open */
		if (fail > 0) {
			static const char e[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n"
						"Connection: close\r\n\r\nfail";

			fail--;
			(void)!write(c, e, sizeof(e) - 1);
		} else {
			static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

			(void)!write(c, ok, sizeof(ok) - 1);
		}
		close(c);
	}
}
