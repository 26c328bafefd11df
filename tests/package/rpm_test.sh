#!/bin/bash
# rpm_test.sh - the RPM packages' payload and scriptlets, checked without an
# RPM distribution to install them into.
#
# Usage: tests/package/rpm_test.sh --dist DIR --version V
#
# Payload (rpm -qp): the file list of hbamgr, hbamgr-dkms and python3-hbamgr,
# every file owned by root:root, modes of the programs, the unit, the config
# and the module source, /etc/hbamgr/hbamgrd.conf marked %config(noreplace),
# the DKMS source's dkms.conf declaring version V.
# Scriptlets: each one is run with sh as rpm runs it ($1 = the number of
# instances left: 1 install, 2 upgrade, 0 erase), with systemctl, dkms,
# dkms's common.postinst, getent and groupadd replaced by stubs that log
# their arguments (bind mounts in a private mount namespace, so the absolute
# paths the scriptlets use are covered too; needs root, else skipped), and
# the calls are compared with what each case must do.
# Prints TAP; exit status 0 when all pass, 1 otherwise, 77 when skipped.
set -uo pipefail

usage() { sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; }

dist='' version=''
while [[ $# -gt 0 ]]; do
    case "$1" in
        --dist) dist=${2:?}; shift 2 ;;
        --version) version=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
[[ -n $dist && -n $version ]] || { usage >&2; exit 2; }
command -v rpm >/dev/null || { echo "rpm_test: SKIP: rpm is not installed"; exit 77; }
main=$(ls "$dist"/hbamgr-"$version"-*.x86_64.rpm 2>/dev/null | head -n 1)
dkms=$(ls "$dist"/hbamgr-dkms-"$version"-*.noarch.rpm 2>/dev/null | head -n 1)
py=$(ls "$dist"/python3-hbamgr-"$version"-*.noarch.rpm 2>/dev/null | head -n 1)

. "$(dirname "$0")/tap.sh"
same() { # NAME EXPECTED ACTUAL
    if [[ $2 == "$3" ]]; then ok "$1" 0; else ok "$1" 1 "$(diff <(echo "$2") <(echo "$3"))"; fi
}

for f in "$main" "$dkms" "$py"; do
    [[ -n $f ]] || { ok "the three packages of $version are in $dist" 1; echo "1..$n"; exit 1; }
done

# --- payload ------------------------------------------------------------------

# Mode, owner and path of every file but rpm's own /usr/lib/.build-id links.
files() {
    rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' "$1" |
        grep -v ' /usr/lib/\.build-id'
}
same "hbamgr: files, modes, owners" "$(cat <<EOF
drwxr-xr-x root:root /etc/hbamgr
-rw-r--r-- root:root /etc/hbamgr/hbamgrd.conf
-rwxr-xr-x root:root /usr/bin/hbacli
-rw-r--r-- root:root /usr/lib/modules-load.d/hbamgr.conf
-rw-r--r-- root:root /usr/lib/systemd/system/hbamgrd.service
-rw-r--r-- root:root /usr/lib/sysusers.d/hbamgr.conf
-rwxr-xr-x root:root /usr/sbin/hbamgrd
-rw-r--r-- root:root /usr/share/bash-completion/completions/hbacli
drwxr-xr-x root:root /usr/share/doc/hbamgr
-rw-r--r-- root:root /usr/share/doc/hbamgr/README.md
drwxr-xr-x root:root /usr/share/hbamgr
drwxr-xr-x root:root /usr/share/hbamgr/grafana
-rw-r--r-- root:root /usr/share/hbamgr/grafana/hbamgr.json
drwxr-xr-x root:root /usr/share/hbamgr/prometheus
-rw-r--r-- root:root /usr/share/hbamgr/prometheus/hbamgr.rules.yml
-rw-r--r-- root:root /usr/share/man/man1/hbacli.1.gz
-rw-r--r-- root:root /usr/share/man/man5/hbamgrd.conf.5.gz
-rw-r--r-- root:root /usr/share/man/man8/hbamgrd.8.gz
EOF
)" "$(files "$main" | sed 's/\.1$/.1.gz/; s/\.5$/.5.gz/; s/\.8$/.8.gz/' | sort -k3)"
same "hbamgr: /etc/hbamgr/hbamgrd.conf is %config(noreplace)" \
    "/etc/hbamgr/hbamgrd.conf cn" \
    "$(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$main" | grep ' c')"
same "hbamgr requires hbamgr-dkms of the same version" \
    "hbamgr-dkms = $version" \
    "$(rpm -qp --requires "$main" | grep '^hbamgr-dkms')"
src=/usr/src/hbamgr-$version
dkms_files=$(files "$dkms" | grep -v ' /usr/share/doc/')
ok "hbamgr-dkms: the module source in $src, root-owned, no executables" "$(
    awk -v s="$src" '
        $3 !~ "^" s "(/|$)" || $2 != "root:root" || ($1 ~ /^-/ && $1 ~ /x/) { bad = 1; print }
        END { exit bad }' <<<"$dkms_files" >/dev/null; echo $?)"
for f in dkms.conf Kbuild Makefile core/hba_core.h linux/main.c include/uapi/linux/hbamgr.h; do
    grep -q " $src/$f\$" <<<"$dkms_files" || ok "hbamgr-dkms ships $f" 1
done
same "hbamgr-dkms: dkms.conf declares $version, AUTOINSTALL" "PACKAGE_VERSION=\"$version\"
AUTOINSTALL=\"yes\"" \
    "$(rpm2cpio "$dkms" | cpio -i --quiet --to-stdout ".$src/dkms.conf" |
        grep -E '^(PACKAGE_VERSION|AUTOINSTALL)=')"
ok "python3-hbamgr: hbamgr.client and the hbamgr.v1 stubs" "$(
    rpm -qpl "$py" | grep -c -E '/site-packages/hbamgr/(client\.py|__init__\.py|v1/(__init__|inventory_pb2|inventory_pb2_grpc|events_pb2_grpc)\.py)$' |
        grep -qx 6; echo $?)"

# --- scriptlets -----------------------------------------------------------------

if [[ $(id -u) -ne 0 ]]; then
    echo "# scriptlet checks skipped: they need root (bind mounts)"
    tap_end rpm
    exit
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
# One stub serves every command: it logs its name and arguments.  `dkms
# status` prints $DKMS_STATUS; getent finds no group.
cat >"$work/bin/stub" <<'EOF'
#!/bin/sh
echo "$(basename "$0") $*" >>"$STUB_LOG"
case "$(basename "$0") $1" in
    "dkms status") [ -z "$DKMS_STATUS" ] || echo "$DKMS_STATUS" ;;
    "getent group") exit 2 ;;
esac
exit 0
EOF
chmod +x "$work/bin/stub"
for c in systemctl dkms common.postinst getent groupadd; do ln -s stub "$work/bin/$c"; done

# scriptlet RPM TAG ARG [DKMS_STATUS]: run it; print the stub calls.
scriptlet() {
    local body
    body=$(rpm -qp --qf "%{$2}" "$1")
    [[ $body != "(none)" ]] || return 0
    : >"$work/log"
    STUB_LOG=$work/log DKMS_STATUS=${4:-} PATH=$work/bin:/usr/bin:/bin \
    unshare --mount --propagation private -- /bin/sh -c '
        w=$1; shift
        for t in /usr/bin/systemctl /usr/lib/dkms/common.postinst; do
            mount --bind "$w/bin/${t##*/}" "$t" || exit 99
        done
        exec /bin/sh -s "$@"' sh "$work" "$3" <<<"$body" >/dev/null 2>&1
    echo "rc=$?"
    cat "$work/log"
}

same "%pre (install) creates the group hbamgr" "rc=0
getent group hbamgr
groupadd -r hbamgr" "$(scriptlet "$main" PREIN 1)"
same "%post (install) presets hbamgrd.service" "rc=0
systemctl --no-reload preset hbamgrd.service" "$(scriptlet "$main" POSTIN 1)"
same "%post (upgrade) leaves the unit's state alone" "rc=0" "$(scriptlet "$main" POSTIN 2)"
same "%preun (erase) disables and stops hbamgrd.service" "rc=0
systemctl --no-reload disable --now hbamgrd.service" "$(scriptlet "$main" PREUN 0)"
same "%preun (upgrade) keeps it running" "rc=0" "$(scriptlet "$main" PREUN 1)"
same "%postun (upgrade) restarts hbamgrd.service" "rc=0
systemctl try-restart hbamgrd.service" "$(scriptlet "$main" POSTUN 1)"
same "%postun (erase) does nothing more" "rc=0" "$(scriptlet "$main" POSTUN 0)"
same "hbamgr-dkms %post: dkms common.postinst adds, builds, installs $version" "rc=0
common.postinst hbamgr $version" "$(scriptlet "$dkms" POSTIN 1)"
same "hbamgr-dkms %preun (erase): dkms remove from every kernel" "rc=0
dkms remove -m hbamgr -v $version --all --rpm_safe_upgrade" "$(scriptlet "$dkms" PREUN 0)"
same "hbamgr-dkms %preun (upgrade to another version): this version removed" "rc=0
dkms status -m hbamgr
dkms remove -m hbamgr -v $version --all --rpm_safe_upgrade" \
    "$(scriptlet "$dkms" PREUN 1 "hbamgr/$version, 6.1.0-1-amd64, x86_64: installed
hbamgr/9.9.9, 6.1.0-1-amd64, x86_64: installed")"
same "hbamgr-dkms %preun (a new release of the same version): modules kept" "rc=0
dkms status -m hbamgr" \
    "$(scriptlet "$dkms" PREUN 1 "hbamgr/$version, 6.1.0-1-amd64, x86_64: installed")"

tap_end rpm
