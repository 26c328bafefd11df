#!/usr/bin/env python3
"""Every ctest has a TIMEOUT: fails naming each test that has none.

Usage: tests/check_test_timeouts.py CTEST BUILD_DIR

Lists the tests of BUILD_DIR with `CTEST --show-only=json-v1` (tests that
gtest_discover_tests found included) and checks each has a TIMEOUT
property, so a hang ends as a red test with a reason instead of a stuck CI
run.  Set it with set_tests_properties(... TIMEOUT n), or with
gtest_discover_tests(... PROPERTIES TIMEOUT n).  Exit status: 0 all have
one, 1 some have none, 2 usage or ctest error.
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
    missing = []
    for test in tests:
        props = {p['name']: p.get('value') for p in test.get('properties', [])}
        timeout = props.get('TIMEOUT')
        if not timeout or float(timeout) <= 0:
            missing.append(test['name'])
    if missing:
        print(f'check_test_timeouts: {len(missing)} of {len(tests)} tests have no TIMEOUT:')
        for name in missing:
            print(f'  {name}')
        return 1
    print(f'check_test_timeouts: all {len(tests)} tests have a TIMEOUT')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
