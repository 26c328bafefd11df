#!/usr/bin/env python3
"""Every ctest has a TIMEOUT and LABELS: fails naming each test that lacks one.

Usage: tests/check_test_timeouts.py CTEST BUILD_DIR

Lists the tests of BUILD_DIR with `CTEST --show-only=json-v1` (tests that
gtest_discover_tests found included) and checks each has a TIMEOUT
property, so a hang ends as a red test with a reason instead of a stuck CI
run, and LABELS, so `ctest -L`/`-LE` (and scripts/test.sh's tiers) select
it.  Set them with set_tests_properties(... TIMEOUT n LABELS l), with
gtest_discover_tests(... PROPERTIES TIMEOUT n), or a directory's LABELS
property.  Exit status: 0 all have both, 1 some lack one, 2 usage or
ctest error.
"""
import json
import subprocess
import sys


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    ctest, build_dir = argv[1], argv[2]
    out = subprocess.run([ctest, '--show-only=json-v1', '--test-dir', build_dir],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(f'check_test_timeouts: {ctest} failed: {out.stderr}', file=sys.stderr)
        return 2
    tests = json.loads(out.stdout).get('tests', [])
    no_timeout, no_labels = [], []
    for test in tests:
        props = {p['name']: p.get('value') for p in test.get('properties', [])}
        timeout = props.get('TIMEOUT')
        if not timeout or float(timeout) <= 0:
            no_timeout.append(test['name'])
        if not props.get('LABELS'):
            no_labels.append(test['name'])
    for what, names in (('TIMEOUT', no_timeout), ('LABELS', no_labels)):
        if names:
            print(f'check_test_timeouts: {len(names)} of {len(tests)} tests have no {what}:')
            for name in names:
                print(f'  {name}')
    if no_timeout or no_labels:
        return 1
    print(f'check_test_timeouts: all {len(tests)} tests have a TIMEOUT and LABELS')
    return 0

if __name__ == '__main__':
    sys.exit(main(sys.argv))
