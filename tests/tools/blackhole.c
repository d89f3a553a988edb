/*
 * blackhole.c - a TCP listener on 127.0.0.1 that accepts connections and
 * never answers: the peer that hangs a naive fetch forever.
 *
 *   blackhole PORTFILE   listen on a free port, write it to PORTFILE, serve
 *                        until killed (connections are held open, unread)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	FILE *f;
	int s, one = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: blackhole PORTFILE\n");
		return 64;
	}
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return perror("socket"), 1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 64) < 0 ||
	    getsockname(s, (struct sockaddr *)&sa, &len) < 0)
		return perror("bind"), 1;
	f = fopen(argv[1], "w");
	if (!f)
		return perror(argv[1]), 1;
	fprintf(f, "%d\n", ntohs(sa.sin_port));
	fclose(f);
	for (;;) {
		/* Keep every connection open and never read or write it. */
		if (accept(s, NULL, NULL) < 0)
			sleep(1);
	}
}
