#!/usr/bin/env bash
# Build local stand-ins for the base images the exercises name, for machines that reach no image registry.
#
# Each image is tagged with the upstream name the exercises use and labelled
# `org.workbook.standin=<what it stands in for>` so that reports can say it is a stand-in.
# Idempotent: an image that already exists is left alone (pass --force to rebuild).
# Needs: a Docker engine, debootstrap and Debian's package mirror (apt works here even when registries do not).
set -euo pipefail

force=0
[ "${1:-}" = "--force" ] && force=1
suite=bookworm
cache=${WORKBOOK_CACHE:-/var/tmp/workbook-offline}
label=org.workbook.standin

have() { docker image inspect "$1" >/dev/null 2>&1; }
need=()
for img in ubuntu:24.04 ubuntu:latest gcr.io/distroless/static-debian12:latest \
           gcr.io/distroless/static-debian12:nonroot gcr.io/distroless/static-debian12:debug \
           gcr.io/distroless/python3-debian12:latest gcr.io/distroless/python3-debian12:nonroot; do
  if [ $force = 1 ] || ! have "$img"; then need+=("$img"); fi
done
if [ ${#need[@]} = 0 ]; then echo "offline images: all present"; exit 0; fi
echo "offline images: building ${need[*]}"

command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }

mkdir -p "$cache"
root=$cache/rootfs
rootfs_version=2   # bump when the package list below changes
if [ "$(cat "$cache/rootfs.ok" 2>/dev/null)" != "$rootfs_version" ]; then
  rm -rf "$root"
  echo "offline images: debootstrap --variant=minbase $suite (about 30 s)"
  debootstrap --variant=minbase --include=busybox-static,ca-certificates,tzdata,python3-minimal,libpython3.11-stdlib \
    "$suite" "$root" >"$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  echo "$rootfs_version" >"$cache/rootfs.ok"
fi

# --- ubuntu:24.04 stand-in: a Debian minbase system without the extras we pulled in for the others. ---
if [ $force = 1 ] || ! have ubuntu:24.04; then
  # python3 and busybox were pulled in only for the other stand-ins; the Ubuntu stand-in leaves them out.
  tar -C "$root" --exclude=./usr/bin/busybox --exclude=./bin/busybox --exclude='./usr/lib/python3*' \
    --exclude='./usr/bin/python3*' --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' -c . |
    docker import --change 'CMD ["/bin/bash"]' \
      --change "LABEL $label=ubuntu:24.04" \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      - ubuntu:24.04 >/dev/null
fi
docker tag ubuntu:24.04 ubuntu:latest

# --- distroless static: what gcr.io/distroless/static-debian12 holds, assembled from the same Debian packages. ---
static=$cache/static
rm -rf "$static"; mkdir -p "$static"/{etc/ssl/certs,usr/share,tmp,home/nonroot,root,var/lib/dpkg/status.d,usr/lib}
cp "$root/etc/ssl/certs/ca-certificates.crt" "$static/etc/ssl/certs/"
cp -a "$root/usr/share/zoneinfo" "$static/usr/share/"
cp "$root/etc/os-release" "$static/etc/os-release" 2>/dev/null || cp "$root/usr/lib/os-release" "$static/etc/os-release"
cp "$root/etc/services" "$static/etc/" 2>/dev/null || true
cat >"$static/etc/passwd" <<'PW'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PW
cat >"$static/etc/group" <<'GR'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
GR
echo 'hosts: files dns' >"$static/etc/nsswitch.conf"
for p in base-files netbase tzdata ca-certificates; do   # distroless keeps one status file per package
  awk -v p="$p" 'BEGIN{RS="";ORS="\n\n"} $0 ~ "^Package: "p"\n" {print}' "$root/var/lib/dpkg/status" >"$static/var/lib/dpkg/status.d/$p"
done
chmod 1777 "$static/tmp"; chmod 700 "$static/root"
static_env=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
            --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt')
# home/nonroot belongs to 65532: tar cannot say so per path with --owner, so fix it with a second layer-free pass.
chown 65532:65532 "$static/home/nonroot"
want() { [ $force = 1 ] || ! have "$1"; }
want gcr.io/distroless/static-debian12:latest && tar -C "$static" -c . | docker import "${static_env[@]}" --change 'USER 0' --change 'WORKDIR /' \
  --change "LABEL $label=gcr.io/distroless/static-debian12:latest" - gcr.io/distroless/static-debian12:latest >/dev/null
want gcr.io/distroless/static-debian12:nonroot && tar -C "$static" -c . | docker import "${static_env[@]}" --change 'USER 65532' --change 'WORKDIR /home/nonroot' \
  --change "LABEL $label=gcr.io/distroless/static-debian12:nonroot" - gcr.io/distroless/static-debian12:nonroot >/dev/null

# :debug adds busybox under /busybox, as distroless does, with its applets as links and /busybox on PATH.
debug=$cache/debug
if want gcr.io/distroless/static-debian12:debug; then
rm -rf "$debug"; cp -a "$static" "$debug"; mkdir -p "$debug/busybox"
cp "$root/bin/busybox" "$debug/busybox/busybox"
for a in sh ls cat env find grep ps wget vi which; do ln -s busybox "$debug/busybox/$a"; done
tar -C "$debug" -c . | docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/busybox' \
  --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' --change 'USER 0' --change 'WORKDIR /' \
  --change 'ENTRYPOINT ["/busybox/sh"]' \
  --change "LABEL $label=gcr.io/distroless/static-debian12:debug" - gcr.io/distroless/static-debian12:debug >/dev/null
fi

# --- distroless python3: the static files plus python3-minimal and the C libraries it needs, no shell. ---
py=$cache/python
if want gcr.io/distroless/python3-debian12:latest || want gcr.io/distroless/python3-debian12:nonroot; then
rm -rf "$py"; cp -a "$static" "$py"
# merged-/usr first: /bin, /lib, /lib64 are links into /usr, as on Debian, so the loader path resolves.
for l in bin sbin lib lib64; do [ -L "$root/$l" ] && cp -a "$root/$l" "$py/$l"; done
# Resolve everything inside the rootfs (chroot), never against the host's own /lib.
files=$( { echo /usr/bin/python3.11
  (cd "$root" && find usr/lib/python3.11 -type f -not -path '*/__pycache__/*' | sed 's,^,/,')
  for bin in /usr/bin/python3.11 $(cd "$root" && ls usr/lib/python3.11/lib-dynload/*.so | sed 's,^,/,'); do
    chroot "$root" ldd "$bin" | awk '/=>/ {print $3} /ld-linux/ {print $1}'; done | sort -u; } )
for f in $files; do
  # the name as the loader asks for it (often a link, libz.so.1) and the file it finally is (libz.so.1.2.13)
  link="$(chroot "$root" readlink -f "$(dirname "$f")")/$(basename "$f")"
  for rel in "${link#/}" "$(chroot "$root" readlink -f "$f" | sed 's,^/,,')"; do
    mkdir -p "$py/$(dirname "$rel")"; cp -a "$root/$rel" "$py/$rel"
  done
done
[ -d "$root/usr/lib64" ] && cp -a "$root/usr/lib64" "$py/usr/"   # holds the loader link /lib64/ld-linux-x86-64.so.2
ln -sf python3.11 "$py/usr/bin/python3"
rm -f "$py/bin/sh" "$py/usr/bin/sh" 2>/dev/null || true
want gcr.io/distroless/python3-debian12:latest && tar -C "$py" -c . | docker import "${static_env[@]}" --change 'USER 0' --change 'WORKDIR /' \
  --change 'ENTRYPOINT ["/usr/bin/python3.11"]' \
  --change "LABEL $label=gcr.io/distroless/python3-debian12:latest" - gcr.io/distroless/python3-debian12:latest >/dev/null
fi
if want gcr.io/distroless/python3-debian12:nonroot; then
  tar -C "$py" -c . | docker import "${static_env[@]}" --change 'USER 65532' --change 'WORKDIR /home/nonroot' \
    --change 'ENTRYPOINT ["/usr/bin/python3.11"]' \
    --change "LABEL $label=gcr.io/distroless/python3-debian12:nonroot" - gcr.io/distroless/python3-debian12:nonroot >/dev/null
fi
echo "offline images: done"
docker images --filter "label=$label" --format '  {{.Repository}}:{{.Tag}}  {{.Size}}'
