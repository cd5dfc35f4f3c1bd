#!/usr/bin/env bash
# Runs one of the README's commands (default ./nabla.sh test) on a brand-new Debian 12 root
# built with mmdebstrap, on a fresh clone of the committed HEAD: what a new user's machine
# sees. A used machine hides install steps (a package installed by hand, a Recommends that
# came along); this root has nothing but a minimal Debian, apt and git. .ci/run starts here.
#
#   scripts/fresh-debian.sh [COMMAND...]      FRESH_KEEP=1 keeps the root to look inside
#
# Adapted from the team's ../shared/tools/fresh-debian, with one fix: mmdebstrap picks its
# output format from the file name, so the base is written as *.tmp.tar (a name ending in
# .tmp made it write a directory, which the next step could not unpack).
# Exit codes: the command's own; 125 when this machine cannot build or enter a root at all
# (not root, no mmdebstrap, no chroot/mounts): the caller decides what that means.
set -euo pipefail

top=$(git rev-parse --show-toplevel)
cmd=("$@")
[ ${#cmd[@]} -gt 0 ] || cmd=(./nabla.sh test)
unable() { echo "fresh-debian: cannot run here: $*" >&2; exit 125; }
[ "$(id -u)" -eq 0 ] || unable "needs root (for chroot and mounts)"

cache=/var/tmp/fresh-debian
base=$cache/bookworm-base.tar
mkdir -p "$cache/archives/partial"

if ! command -v mmdebstrap >/dev/null; then
  apt-get update -q >/dev/null || unable "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mmdebstrap >/dev/null ||
    unable "could not install mmdebstrap"
fi
if [ ! -f "$base" ]; then
  rm -rf "$base"  # an older tool may have left a directory under this name
  src=$(ls /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  [ -n "$src" ] || src=/etc/apt/sources.list
  echo "fresh-debian: building the base root once (about 3 minutes)"
  mmdebstrap --quiet --variant=apt --include=ca-certificates,git bookworm "$base.tmp.tar" "$src" ||
    unable "mmdebstrap failed"
  mv "$base.tmp.tar" "$base"
fi

root=$(mktemp -d /var/tmp/fresh-debian.run.XXXXXX)
mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[i]}" 2>/dev/null || umount -R -l "${mounted[i]}" 2>/dev/null || true
  done
  # never delete while anything is still mounted below the root (a bound /dev would go too)
  if grep -q " $root/" /proc/mounts; then
    echo "fresh-debian: mounts remain under $root; left it in place" >&2
  elif [ -z "${FRESH_KEEP:-}" ]; then
    rm -rf --one-file-system "$root"
  else
    echo "fresh-debian: kept $root"
  fi
}
trap cleanup EXIT

tar -C "$root" -xf "$base"
git clone -q "$top" "$root/root/project"
[ -d "$top/../shared" ] && cp -r "$top/../shared" "$root/root/shared"
cp /etc/resolv.conf "$root/etc/resolv.conf"

mount_or_unable() { mount "$@" || unable "mount $* failed"; mounted+=("${@: -1}"); }
mount_or_unable -t proc proc "$root/proc"
mount_or_unable -t sysfs sys "$root/sys"
mount_or_unable --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
mount_or_unable -t tmpfs -o size=8g tmpfs "$root/tmp"
mount_or_unable --bind "$cache/archives" "$root/var/cache/apt/archives"
chroot "$root" /bin/true || unable "chroot does not work here"

echo "fresh-debian: running '${cmd[*]}' in a new Debian 12 root on a clone of $(git -C "$top" rev-parse --short HEAD)"
start=$(date +%s)
set +e
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 CI=true TERM=dumb bash -c 'cd /root/project && "$@"' fresh-debian "${cmd[@]}"
rc=$?
set -e
echo "fresh-debian: exit $rc after $(($(date +%s) - start)) s"
exit $rc
