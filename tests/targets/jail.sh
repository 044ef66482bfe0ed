#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs CMD in a root of its own, the way containers and build jails do:
#
#   jail.sh pivot STAGE CMD...   pivot_root into a tmpfs (the host's root
#                                unmounted), as nobody; run it under
#                                unshare --mount --pid --fork
#   jail.sh chroot STAGE CMD...  chroot into a directory, as root; run it
#                                under unshare --mount --fork
#
# The new root holds /usr (read-only, the host's), the pyenv tree at its
# usual path when $PYENV_ROOT is set, and a copy of STAGE at /app.
set -eu
mode=$1 stage=$2
shift 2
mount --make-rprivate /
root=$(mktemp -d)
[ "$mode" = pivot ] && mount -t tmpfs -o mode=755 tmpfs "$root"
mkdir -p "$root/usr" "$root/proc" "$root/tmp" "$root/app"
chmod 1777 "$root/tmp"
mount --rbind -o ro /usr "$root/usr"
if [ -n "${PYENV_ROOT:-}" ]; then
	mkdir -p "$root$PYENV_ROOT"
	mount --rbind -o ro "$PYENV_ROOT" "$root$PYENV_ROOT"
fi
for l in bin sbin lib lib64; do
	[ -L "/$l" ] && ln -s "$(readlink "/$l")" "$root/$l"
done
cp -a "$stage"/. "$root/app/"
if [ "$mode" = chroot ]; then
	exec chroot "$root" "$@"
fi
mkdir "$root/old"
cd "$root"
pivot_root . old
mount -t proc proc /proc
umount -l /old
rmdir /old
exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
