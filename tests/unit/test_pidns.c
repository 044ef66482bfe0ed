/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <unistd.h>

#include "pidns.h"
#include "tap.h"

int main(void)
{
	ok(pidns_parse_status("Name:\tpython\nNSpid:\t48213\t7\nNSpgid:\t48213\t7\n") == 7,
	   "the innermost namespace's id is the last");
	ok(pidns_parse_status("Name:\tpython\nNSpid:\t48213\n") == 48213,
	   "one namespace: the id itself");
	ok(pidns_parse_status("Name:\tpython\nNSpid:\t1\t2\t3\n") == 3, "three nested namespaces");
	ok(pidns_parse_status("Name:\tx\n") == 0, "no NSpid line (old kernel): 0");
	ok(pidns_parse_status("Name:\tx\nNSpid:\tgarbage\n") == 0, "garbage: 0");
	ok(pidns_parse_status("Name:\tx\nNSpid:\t99999999999999999999\n") == 0, "absurd id: 0");
	ok(pidns_target_id(getpid(), getpid()) == getpid(), "own process, no other namespace");
	ok(pidns_target_id(999999999, 999999999) == 999999999, "a gone thread keeps its host id");
	return tap_done();
}
