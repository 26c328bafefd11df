#!/usr/bin/env bash
# package.sh - build hbamgr's Debian and RPM packages from the committed tree.
#
# Usage: scripts/package.sh [--deb] [--rpm] [--out DIR] [--no-lint]
#                           [--uncommitted]
#        scripts/package.sh [--uncommitted] --print-source
#        scripts/package.sh --check-version
#
#   --deb, --rpm     build only these (default: both)
#   --out DIR        where the packages go (default: dist/ at the top of the
#                    checkout); files of the same version there are replaced
#   --no-lint        skip lintian and rpmlint
#   --uncommitted    package the tree as checked out, with its uncommitted
#                    changes to tracked files (untracked files are left out):
#                    for the test tiers (ctest label package), never for a
#                    release.  The source is `git stash create`'s commit: a
#                    commit object of the work tree; no ref moves (not even
#                    refs/stash), no file changes.
#   --print-source   only print the commit the packages would be built from
#                    (after the checks above) and exit
#   --check-version  only check that the packaging declares the project
#                    version, print it and exit
#
# The version is project(VERSION) in CMakeLists.txt; the top entries of
# packaging/debian/changelog and of the %changelog of packaging/rpm/hbamgr.spec
# (and its Version:) must declare it, or the build stops.  The packages are
# built from HEAD (git archive), so without --uncommitted a tree with
# uncommitted changes or untracked files is refused: a release would not be
# what the tree shows, nor what its commit names.
#
# Debian: dpkg-buildpackage -us -uc on the exported tree with packaging/debian
# as debian/ (source package, hbamgr, hbamgr-dkms, python3-hbamgr; no
# -dbgsym package: compressing the debug information costs minutes), then
# lintian --fail-on error,warning on the .changes (source and every .deb).
# RPM: rpmbuild -ba on a tarball of the tree with packaging/rpm/hbamgr.spec
# (hbamgr, hbamgr-dkms, python3-hbamgr and the .src.rpm), with
# packaging/rpm/macros.debian loaded for the distribution macros Debian's rpm
# lacks, then rpmlint with packaging/rpm/hbamgr.rpmlintrc.  Both builds skip
# the packages' own test run (nocheck; the tests run from the CMake build),
# and use ccache: both build in the same directory,
# ${HBAMGR_PACKAGE_WORKDIR:-<checkout>/build-package}/src/hbamgr-<version>/build-pkg,
# with the same compiler flags (Debian's dpkg-buildflags; the RPM build gets
# them as %optflags), locale and ccache directory, so the second build and
# later runs are ccache hits.
#
# Prints the time of each step (wall clock and CPU seconds).  Exit status:
# 0 built (and lint clean), 1 failure, 2 usage error.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
die() { echo "package: ERROR: $*" >&2; exit 1; }
log() { echo "package: $*" >&2; }

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
build_deb=0 build_rpm=0 out=$top/dist lint=1 check_only=0 uncommitted=0
print_source=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --deb) build_deb=1; shift ;;
        --rpm) build_rpm=1; shift ;;
        --out) out=${2:?}; shift 2 ;;
        --no-lint) lint=0; shift ;;
        --uncommitted) uncommitted=1; shift ;;
        --print-source) print_source=1; shift ;;
        --check-version) check_only=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
[[ $build_deb -eq 1 || $build_rpm -eq 1 ]] || { build_deb=1; build_rpm=1; }

# The one version, and what the packaging declares.
version=$(sed -n 's/^project(hbamgr VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[[ -n $version ]] || die "no 'project(hbamgr VERSION x.y.z' line in CMakeLists.txt"
spec=packaging/rpm/hbamgr.spec
deb_version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
spec_version=$(sed -n 's/^Version: *//p' "$spec")
spec_changelog_version=$(sed -n '/^%changelog/,${s/^\* .* - \([^ -]*\)-[^ -]*$/\1/p}' "$spec" | head -n 1)
mismatch=()
[[ $deb_version == "$version" ]] ||
    mismatch+=("packaging/debian/changelog: top entry is $deb_version")
[[ $spec_version == "$version" ]] || mismatch+=("$spec: Version: is $spec_version")
[[ $spec_changelog_version == "$version" ]] ||
    mismatch+=("$spec: top %changelog entry is ${spec_changelog_version:-missing}")
if [[ ${#mismatch[@]} -gt 0 ]]; then
    echo "package: ERROR: version mismatch: project(VERSION) in CMakeLists.txt is $version, but" >&2
    printf 'package:   %s\n' "${mismatch[@]}" >&2
    echo "package: add an entry for $version to each (dch -v $version; the spec's Version: and %changelog)" >&2
    exit 1
fi
if [[ $check_only -eq 1 ]]; then
    echo "$version"
    exit 0
fi

# What to build from: HEAD, and only from a clean tree; or, for the tests, a
# commit of the work tree (git stash create prints nothing when no tracked
# file differs from HEAD).
head_commit=$(git rev-parse --verify HEAD)
if [[ $uncommitted -eq 1 ]]; then
    tree_commit=$(GIT_AUTHOR_NAME=package.sh GIT_AUTHOR_EMAIL=package.sh@localhost \
                  GIT_COMMITTER_NAME=package.sh GIT_COMMITTER_EMAIL=package.sh@localhost \
                  git stash create "scripts/package.sh --uncommitted") ||
        die "git stash create failed"
    tree_commit=${tree_commit:-$head_commit}
else
    dirty=$(git status --porcelain --untracked-files=normal)
    if [[ -n $dirty ]]; then
        echo "package: ERROR: the tree has uncommitted changes; packages are built from HEAD" >&2
        echo "package: (git archive), so commit these first (the test tiers pass --uncommitted):" >&2
        head -n 20 <<<"$dirty" | sed 's/^/package:   /' >&2
        exit 1
    fi
    tree_commit=$head_commit
fi
if [[ $print_source -eq 1 ]]; then
    echo "$tree_commit"
    exit 0
fi

jobs=${JOBS:-$(nproc)}
# The environment ccache hashes (LANG, LC_ALL, LC_CTYPE, LC_MESSAGES), the
# same for both builds: rpmbuild sets LANG=C, debhelper's ninja LC_ALL=C.UTF-8.
# The changelog's date for timestamps (reproducible builds).
export LANG=C LC_ALL=C.UTF-8
unset LC_CTYPE LC_MESSAGES
# ccache's cache and configuration named explicitly: debhelper (compat 13)
# runs the build with HOME in a new directory of the build tree, where ccache
# would start an empty cache of its own each time (every Debian build,
# the upgrade test's too, compiled everything).
if command -v ccache >/dev/null; then
    CCACHE_DIR=$(ccache --get-config cache_dir)
    CCACHE_CONFIGPATH=$(ccache --show-stats --verbose | sed -n 's/^Config file: *//p')
    export CCACHE_DIR CCACHE_CONFIGPATH
fi
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l packaging/debian/changelog -S Timestamp)
export SOURCE_DATE_EPOCH
work=${HBAMGR_PACKAGE_WORKDIR:-$top/build-package}
mkdir -p "$work" "$out"
out=$(cd "$out" && pwd)
exec 9>"$work/.lock"   # one build at a time in $work
flock 9
if [[ $tree_commit == "$head_commit" ]]; then
    from=$(git rev-parse --short "$head_commit")
else
    from="$(git rev-parse --short "$head_commit") + uncommitted changes ($(git rev-parse --short "$tree_commit"), a test build)"
fi
log "hbamgr $version from $from, into $out"

steps_prefix=package
# shellcheck source=scripts/lib/steps.sh
. "$top/scripts/lib/steps.sh"

# Both builds unpack the source here, as hbamgr-<version>.
src_root=$work/src
src=$src_root/hbamgr-$version
export_tree() {
    rm -rf "$src"
    mkdir -p "$src_root"
    git archive --format=tar --prefix="hbamgr-$version/" "$tree_commit" | tar -x -C "$src_root"
}

build_debian() {
    export_tree
    mv "$src/packaging/debian" "$src/debian"
    (cd "$src" &&
        CCACHE_BASEDIR=$src CCACHE_NOHASHDIR=true \
        DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$jobs" \
        dpkg-buildpackage -us -uc >"$work/deb-build.log" 2>&1) ||
        { tail -n 40 "$work/deb-build.log" >&2; die "dpkg-buildpackage failed; log: $work/deb-build.log"; }
    # The build must have used the shared ccache (CCACHE_DIR above), not a new
    # one in debhelper's HOME, where it would compile everything every time.
    [[ ! -d $src/debian/.debhelper/generated/_source/home/.cache/ccache ]] ||
        die "the Debian build used a ccache of its own in debhelper's HOME (CCACHE_DIR not passed?)"
    rm -f "$out"/hbamgr_"$version"[._]* "$out"/hbamgr-dkms_"$version"_* \
          "$out"/python3-hbamgr_"$version"_*
    cp "$src_root"/*_"$version"[._]* "$out/"
    rm -f "$src_root"/*_"$version"[._]*
}

lint_debian() {
    local changes
    changes=$(ls "$out"/hbamgr_"$version"_*.changes)
    lintian --fail-on error,warning --show-overrides "$changes" | sed 's/^/lintian: /' >&2 ||
        die "lintian found errors or warnings (see above)"
    log "lintian: no errors, no warnings; overrides above (O:) carry their reason"
}

build_rpm_packages() {
    local topdir=$work/rpm flags ldflags
    rm -rf "$topdir" "$src"
    mkdir -p "$topdir/SOURCES" "$src_root"
    git archive --format=tar.gz --prefix="hbamgr-$version/" -o \
        "$topdir/SOURCES/hbamgr-$version.tar.gz" "$tree_commit"
    cp packaging/systemd/hbamgr.sysusers "$topdir/SOURCES/"
    # Debian's build flags, as dpkg-buildpackage gives them in $src (the
    # -ffile-prefix-map names it): the same objects as the Debian build.
    mkdir -p "$src"
    flags=$(cd "$src" && DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS)
    flags="$flags $(cd "$src" && DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CPPFLAGS)"
    ldflags=$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)
    rmdir "$src"
    # On Debian no rpm database knows the build dependencies: --nodeps.
    (CCACHE_BASEDIR=$src CCACHE_NOHASHDIR=true \
        rpmbuild -ba --nodeps --nocheck --load packaging/rpm/macros.debian \
        --define "_topdir $topdir" --define "_builddir $src_root" \
        --define "_smp_mflags -j$jobs" \
        --define "optflags $flags" --define "build_ldflags $ldflags" \
        "$spec" >"$topdir/build.log" 2>&1) ||
        { tail -n 40 "$topdir/build.log" >&2; die "rpmbuild failed; log: $topdir/build.log"; }
    rm -f "$out"/*-"$version"-*.rpm
    cp "$topdir"/RPMS/*/*.rpm "$topdir"/SRPMS/*.rpm "$out/"
}

lint_rpm() {
    rpmlint -r packaging/rpm/hbamgr.rpmlintrc "$spec" "$out"/*-"$version"-*.rpm |
        sed 's/^/rpmlint: /' >&2 || die "rpmlint found errors (see above)"
}

[[ $build_deb -eq 0 ]] || timed "deb build" build_debian
[[ $build_deb -eq 0 || $lint -eq 0 ]] || timed "lintian" lint_debian
[[ $build_rpm -eq 0 ]] || timed "rpm build" build_rpm_packages
[[ $build_rpm -eq 0 || $lint -eq 0 ]] || timed "rpmlint" lint_rpm

log "built hbamgr $version:"
(cd "$out" && ls -1 ./*"$version"* | sed 's|^\./|package:   |') >&2
print_steps
