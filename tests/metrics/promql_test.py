"""promql.py against Prometheus' own parser (promtool): the same verdict on
valid and invalid expressions, and the metric names of the valid ones."""

import unittest

import promql
import promtool

VALID = {
    "up": {"up"},
    'up{job="hbamgr", instance=~"h.*"} == 0': {"up"},
    '{__name__="hbamgr_drive_info", adapter="c0"}': {"hbamgr_drive_info"},
    "sum by (adapter) (rate(hbamgr_events_stored_total[5m]))": {"hbamgr_events_stored_total"},
    "sum(rate(hbamgr_events_stored_total[5m])) without (instance)": {"hbamgr_events_stored_total"},
    "topk(3, hbamgr_drive_temperature_celsius)": {"hbamgr_drive_temperature_celsius"},
    'count_values("v", hbamgr_vd_health)': {"hbamgr_vd_health"},
    "quantile(0.9, hbamgr_drive_temperature_celsius)": {"hbamgr_drive_temperature_celsius"},
    "a + b * c ^ d ^ e": {"a", "b", "c", "d", "e"},
    "-a": {"a"},
    "a > bool 1": {"a"},
    "1 > bool 2": set(),
    "a atan2 b": {"a", "b"},
    "a / on (x) group_left (y) b": {"a", "b"},
    "a * ignoring (x) group_right b": {"a", "b"},
    "a and on (x) b or c unless ignoring (y) d": {"a", "b", "c", "d"},
    "rate(a[1h30m])": {"a"},
    "a offset 5m": {"a"},
    "a offset -1h": {"a"},
    "a @ 1700000000": {"a"},
    "a @ end()": {"a"},
    "max_over_time(deriv(rate(a[5m])[1h:5m])[1d:])": {"a"},
    "changes(a[30m]) == 0 and a and a offset 30m": {"a"},
    'label_replace(a, "dst", "$1", "src", "(.*)")': {"a"},
    "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))": {"h_bucket"},
    "time() - a": {"a"},
    "vector(1)": set(),
    "count(a == 0) or vector(0)": {"a"},
    "0x1f + 1e3 + .5 + Inf + NaN": set(),
    "a # a comment\n + b": {"a", "b"},
    "sum:recorded:rate5m": {"sum:recorded:rate5m"},
    "(a)": {"a"},
    "by": {"by"},  # keywords are metric names where a selector can stand
}

INVALID = [
    "a +",
    "sum(a",
    "nosuchfunction(a)",
    "1 > 2",
    '{a=""}',
    "a and 1",
    "a or on (x) group_left b",
    "rate(a)[5m]",
    "a[5]",
    'a{b~"c"}',
    "sum(a, b)",
    "topk(a)",
    "a b",
    "a offset",
    "a @",
]


def promtool_accepts(expressions):
    code, out = promtool.check_rules(expressions)
    return code == 0, out


class PromqlTest(unittest.TestCase):
    def test_metric_names_of_valid_expressions(self):
        for expr, names in VALID.items():
            with self.subTest(expr=expr):
                self.assertEqual(promql.metric_names(expr), names)

    def test_promtool_accepts_the_valid_expressions(self):
        ok, out = promtool_accepts(list(VALID))
        self.assertTrue(ok, out)

    def test_invalid_expressions_are_rejected_like_promtool_does(self):
        for expr in INVALID:
            with self.subTest(expr=expr):
                with self.assertRaises(promql.ParseError):
                    promql.parse(expr)
                ok, out = promtool_accepts([expr])
                self.assertFalse(ok, f"promtool accepts {expr!r}, promql.py does not")

    def test_selector_without_a_name_names_no_metric(self):
        with self.assertRaises(promql.ParseError):
            promql.metric_names('{__name__=~"hbamgr_.*"}')


if __name__ == "__main__":
    unittest.main()
