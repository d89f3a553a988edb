/*
 * killafter.c - run a command and SIGKILL it after a delay, for the crash
 * harness (tests/crash/crash.sh).
 *
 *   killafter USEC [-g] CMD [ARG...]
 *
 * Starts CMD (its own process group), sleeps USEC microseconds, then kills
 * it with SIGKILL unless it has already exited: only CMD itself, or with -g
 * its whole process group (every child it forked: a power cut rather than
 * a kill -9).  On stderr, last line, it says what happened:
 *
 *   killafter: killed after USEC us
 *   killafter: exited RC after MS ms     (the command finished before the kill)
 *
 * and exits 137 when it killed, else with the command's status.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

int main(int argc, char **argv)
{
	long long usec, start, deadline, t;
	int group = 0, argi = 2, st;
	char *end;
	pid_t pid, r;

	if (argc < 3) {
		fprintf(stderr, "usage: killafter USEC [-g] CMD [ARG...]\n");
		return 64;
	}
	errno = 0;
	usec = strtoll(argv[1], &end, 10);
	if (errno || *end || usec < 0) {
		fprintf(stderr, "killafter: bad delay '%s'\n", argv[1]);
		return 64;
	}
	if (!strcmp(argv[argi], "-g")) {
		group = 1;
		argi++;
	}
	if (argi >= argc) {
		fprintf(stderr, "killafter: no command\n");
		return 64;
	}
	start = now_us();
	pid = fork();
	if (pid < 0) {
		perror("killafter: fork");
		return 70;
	}
	if (pid == 0) {
		setpgid(0, 0);
		execvp(argv[argi], argv + argi);
		perror("killafter: exec");
		_exit(127);
	}
	setpgid(pid, pid);
	deadline = start + usec;
	/* Poll in short sleeps so a command that ends early is seen as done. */
	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			fprintf(stderr, "killafter: exited %d after %lld ms\n", status_code(st),
				(now_us() - start) / 1000);
			/* children of a finished command are not ours to leave behind */
			if (group)
				kill(-pid, SIGKILL);
			return status_code(st);
		}
		t = now_us();
		if (t >= deadline)
			break;
		{
			long long left = deadline - t, step = left < 2000 ? left : 2000;
			struct timespec ts = { (time_t)(step / 1000000), (long)(step % 1000000) * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	if (kill(group ? -pid : pid, SIGKILL) < 0 && errno != ESRCH)
		perror("killafter: kill");
	waitpid(pid, &st, 0);
	/* It may have exited in the last instant: then it was not killed. */
	if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)) {
		fprintf(stderr, "killafter: exited %d after %lld ms\n", status_code(st), (now_us() - start) / 1000);
		return status_code(st);
	}
	fprintf(stderr, "killafter: killed after %lld us\n", usec);
	return 137;
}
