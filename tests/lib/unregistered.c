// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * unregistered.c - a thread that invalidates without invt_rcu_register_thread()
 * is stopped in debug builds.
 *
 * A child process invalidates a domain without registering: it must die of
 * SIGABRT with a message naming invt_rcu_register_thread().  Then the same
 * invalidation from a registered thread must succeed.  Builds with NDEBUG
 * have no check: skipped (77).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <invtrack/core.h>

static int invalidate_once(bool registered)
{
	struct invt_domain dom;
	struct invt_ctx ctx;
	int ret;

	if (registered)
		invt_rcu_register_thread();
	invt_ctx_init(&ctx);
	ret = invt_domain_init(&ctx, &dom, INVT_DOMAIN_S1, NULL);
	if (!ret)
		ret = invt_domain_invalidate(&dom, 0, 4096, true);
	if (!ret)
		ret = invt_domain_destroy(&dom);
	if (!ret)
		ret = invt_ctx_destroy(&ctx);
	if (registered)
		invt_rcu_unregister_thread();
	return ret;
}

int main(void)
{
	char msg[512] = "";
	int fd[2], status;
	ssize_t n;
	pid_t pid;

#ifdef NDEBUG
	printf("SKIP: NDEBUG build: no registration check\n");
	return 77;
#endif
	if (pipe(fd))
		return perror("pipe"), 1;
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (!pid) {
		dup2(fd[1], STDERR_FILENO);
		close(fd[0]);
		invalidate_once(false);
		_exit(0);	/* not reached when the check works */
	}
	close(fd[1]);
	n = read(fd[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return perror("waitpid"), 1;
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) {
		printf("FAIL: an unregistered thread invalidated without being stopped\n");
		return 1;
	}
	if (!strstr(msg, "invt_rcu_register_thread()")) {
		printf("FAIL: the message does not name the missing call: %s\n", msg);
		return 1;
	}
	if (invalidate_once(true)) {
		printf("FAIL: a registered thread could not invalidate\n");
		return 1;
	}
	printf("ok: unregistered reader stopped (%.*s); registered one runs\n",
	       (int)strcspn(msg, "\n"), msg);
	return 0;
}
