/* Counts real-time signals (which queue, never merge) in a C handler while
 * spinning; on SIGUSR2 prints the count and exits.  Any signal pysample
 * swallowed or delivered twice shows as a wrong count. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t received, done;

static void on_rt(int sig) { (void)sig; received++; }
static void on_usr2(int sig) { (void)sig; done = 1; }

int main(void)
{
	struct sigaction sa = { 0 };
	volatile unsigned long spin = 0;

	sa.sa_handler = on_rt;
	sigaction(SIGRTMIN, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (!done)
		spin++;
	printf("received %d\n", (int)received);
	return 0;
}
