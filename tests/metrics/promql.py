"""A PromQL parser (the Prometheus 2.42 grammar) that lists the metrics an
expression reads.

The metrics tests use it to check that every expression of the alerting rules,
the Grafana dashboard and docs/metrics.md names only metrics hbamgrd exports.
promtool has no command that lists an expression's metrics, so the expression is
lexed and parsed here (operators with their precedence and modifiers,
aggregations, function calls, selectors with their label matchers, ranges,
subqueries, offset and @); a name is a metric only where the grammar puts a
vector selector.  Syntax is also checked by promtool itself (the tests feed the
same expressions to `promtool check rules`), and promql_test.py compares this
parser's verdicts with promtool's.

    metric_names('sum by (adapter) (rate(hbamgr_events_stored_total[5m]))')
    -> {'hbamgr_events_stored_total'}
"""

import re

AGGREGATORS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile",
}
# Aggregations that take a parameter before the expression.
PARAMETER_AGGREGATORS = {"count_values", "bottomk", "topk", "quantile"}
FUNCTIONS = {
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh",
    "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh",
    "count_over_time", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg",
    "delta", "deriv", "exp", "floor", "histogram_quantile", "holt_winters", "hour", "idelta",
    "increase", "irate", "label_join", "label_replace", "last_over_time", "ln", "log10", "log2",
    "max_over_time", "min_over_time", "minute", "month", "pi", "predict_linear",
    "present_over_time", "quantile_over_time", "rad", "rate", "resets", "round", "scalar", "sgn",
    "sin", "sinh", "sort", "sort_desc", "sqrt", "stddev_over_time", "stdvar_over_time",
    "sum_over_time", "tan", "tanh", "time", "timestamp", "vector", "year",
}
# Binary operators by precedence, lowest first; ^ is right-associative.
PRECEDENCE = [
    {"or"},
    {"and", "unless"},
    {"==", "!=", "<=", "<", ">=", ">"},
    {"+", "-"},
    {"*", "/", "%", "atan2"},
    {"^"},
]
COMPARISONS = PRECEDENCE[2]
SET_OPERATORS = PRECEDENCE[0] | PRECEDENCE[1]

_DURATION = r"(?:[0-9]+(?:ms|[smhdwy]))+"
_TOKEN = re.compile(r"""
    (?P<space>\s+|\#[^\n]*)
  | (?P<duration>""" + _DURATION + r""")(?![A-Za-z0-9_:])
  | (?P<number>0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)(?![A-Za-z_:])
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`)
  | (?P<name>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>==|!=|=~|!~|<=|>=|[-+*/%^<>=(){}\[\],:@])
""", re.VERBOSE)


class ParseError(ValueError):
    pass


class Token:
    def __init__(self, kind, text, pos):
        self.kind, self.text, self.pos = kind, text, pos

    def __repr__(self):
        return f"{self.kind}:{self.text!r}@{self.pos}"


# Inside [...] (ranges, subquery steps) only durations and ':' occur; ':'
# would otherwise start a name.
_RANGE_TOKEN = re.compile(r"(?P<space>\s+)|(?P<duration>" + _DURATION + r")|(?P<op>[:\]])")


def tokenize(text):
    tokens, pos, in_range = [], 0, False
    while pos < len(text):
        m = (_RANGE_TOKEN if in_range else _TOKEN).match(text, pos)
        if m is None:
            raise ParseError(f"unexpected character {text[pos]!r} at {pos}")
        kind = m.lastgroup
        if kind != "space":
            tokens.append(Token(kind, m.group(), pos))
            if kind == "op" and m.group() in "[]":
                in_range = m.group() == "["
        pos = m.end()
    tokens.append(Token("end", "", pos))
    return tokens


class Selector:
    """A vector selector: metric name ("" when only matchers give it) and matchers."""

    children = ()
    vector = True

    def __init__(self, name, matchers):
        self.name, self.matchers = name, matchers

    def metric_name(self):
        if self.name:
            return self.name
        for label, op, value in self.matchers:
            if label == "__name__" and op == "=":
                return value
        return None


class Node:
    """Any other expression: what kind, and its children."""

    def __init__(self, kind, children=(), vector=True):
        self.kind, self.children, self.vector = kind, list(children), vector


class Parser:
    def __init__(self, text):
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self, offset=0):
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def next(self):
        tok = self.peek()
        self.i += 1
        return tok

    def accept(self, text):
        if self.peek().text == text and self.peek().kind in ("op", "name"):
            return self.next()
        return None

    def expect(self, text):
        tok = self.next()
        if tok.text != text or tok.kind not in ("op", "name"):
            raise ParseError(f"expected {text!r} at {tok.pos}, found {tok.text or 'end'!r}")
        return tok

    def parse(self):
        node = self.expression(0)
        if self.peek().kind != "end":
            tok = self.peek()
            raise ParseError(f"unexpected {tok.text!r} at {tok.pos}")
        return node

    # Binary operators, precedence climbing.
    def expression(self, level):
        if level == len(PRECEDENCE):
            return self.unary()
        left = self.expression(level + 1)
        while self.peek().text in PRECEDENCE[level] and self.peek().kind in ("op", "name"):
            op = self.next().text
            is_bool = op in COMPARISONS and self.accept("bool") is not None
            self.vector_matching(op)
            # ^ is right-associative: its right side may hold another ^.
            right = self.expression(level if op == "^" else level + 1)
            if op in SET_OPERATORS and not (left.vector and right.vector):
                raise ParseError(f"set operator {op!r} needs vectors on both sides")
            if op in COMPARISONS and not is_bool and not (left.vector or right.vector):
                raise ParseError("comparisons between scalars must use the bool modifier")
            left = Node("binary:" + op, [left, right], vector=left.vector or right.vector)
        return left

    def vector_matching(self, op):
        if self.peek().text in ("on", "ignoring"):
            self.next()
            self.label_list()
            if self.peek().text in ("group_left", "group_right"):
                if op in SET_OPERATORS:
                    raise ParseError(f"no grouping allowed for {op!r}")
                self.next()
                if self.peek().text == "(":
                    self.label_list()

    def label_list(self):
        self.expect("(")
        labels = []
        while not self.accept(")"):
            tok = self.next()
            if tok.kind != "name":
                raise ParseError(f"expected a label name at {tok.pos}, found {tok.text!r}")
            labels.append(tok.text)
            if not self.accept(","):
                self.expect(")")
                break
        return labels

    def unary(self):
        if self.peek().text in ("+", "-") and self.peek().kind == "op":
            self.next()
            operand = self.unary()
            return Node("unary", [operand], vector=operand.vector)
        return self.postfix(self.primary())

    # Ranges, subqueries, offset and @ after a primary expression.
    def postfix(self, node):
        while True:
            if self.peek().text == "[":
                self.next()
                self.duration()
                if self.accept(":"):
                    if self.peek().text != "]":
                        self.duration()
                    self.expect("]")
                    node = Node("subquery", [node])
                else:
                    self.expect("]")
                    if not isinstance(node, Selector):
                        raise ParseError("ranges only allowed for vector selectors")
                    node = Node("matrix", [node])
            elif self.accept("offset"):
                self.accept("-")
                self.duration()
            elif self.accept("@"):
                if self.peek().text in ("start", "end") and self.peek(1).text == "(":
                    self.next()
                    self.expect("(")
                    self.expect(")")
                else:
                    self.accept("-") or self.accept("+")
                    if self.next().kind != "number":
                        raise ParseError("@ needs a timestamp")
            else:
                return node

    def duration(self):
        tok = self.next()
        if tok.kind != "duration":
            raise ParseError(f"expected a duration at {tok.pos}, found {tok.text!r}")

    def primary(self):
        tok = self.peek()
        if tok.kind == "number" or tok.text in ("Inf", "NaN", "inf", "nan"):
            self.next()
            return Node("number", vector=False)
        if tok.kind == "string":
            self.next()
            return Node("string", vector=False)
        if tok.text == "(" and tok.kind == "op":
            self.next()
            inner = self.expression(0)
            self.expect(")")
            return Node("paren", [inner], vector=inner.vector)
        if tok.text == "{" and tok.kind == "op":
            return self.selector(None)
        if tok.kind == "name":
            if tok.text in AGGREGATORS and self.peek(1).text in ("(", "by", "without"):
                return self.aggregation()
            if self.peek(1).text == "(" and self.peek(1).kind == "op":
                if tok.text not in FUNCTIONS:
                    raise ParseError(f"unknown function {tok.text!r} at {tok.pos}")
                return self.call()
            # Keywords are metric names here too ("by" is a valid selector).
            self.next()
            return self.selector(tok.text)
        raise ParseError(f"unexpected {tok.text or 'end'!r} at {tok.pos}")

    def selector(self, name):
        matchers = []
        if self.accept("{"):
            while not self.accept("}"):
                label = self.next()
                if label.kind != "name":
                    raise ParseError(f"expected a label name at {label.pos}")
                op = self.next()
                if op.text not in ("=", "!=", "=~", "!~"):
                    raise ParseError(f"expected a label matcher operator at {op.pos}")
                value = self.next()
                if value.kind != "string":
                    raise ParseError(f"expected a quoted label value at {value.pos}")
                matchers.append((label.text, op.text, _unquote(value.text)))
                if not self.accept(","):
                    self.expect("}")
                    break
        if name is None and all(_matches_empty(op, value) for _, op, value in matchers):
            raise ParseError("a vector selector needs a name or a matcher that does not match ''")
        return Selector(name, matchers)

    def aggregation(self):
        op = self.next().text
        if self.peek().text in ("by", "without"):
            self.next()
            self.label_list()
        self.expect("(")
        args = [self.expression(0)]
        while self.accept(","):
            args.append(self.expression(0))
        self.expect(")")
        if self.peek().text in ("by", "without"):
            self.next()
            self.label_list()
        if len(args) != (2 if op in PARAMETER_AGGREGATORS else 1):
            raise ParseError(f"wrong number of arguments for aggregation {op!r}")
        return Node("aggregation:" + op, args)

    def call(self):
        name = self.next().text
        self.expect("(")
        args = []
        if not self.accept(")"):
            args.append(self.expression(0))
            while self.accept(","):
                args.append(self.expression(0))
            self.expect(")")
        return Node("call:" + name, args, vector=name not in ("time", "scalar", "pi"))


def _matches_empty(op, value):
    """Whether the label matcher selects series without the label."""
    if op in ("=", "!="):
        return (value == "") == (op == "=")
    return (re.fullmatch(value, "") is not None) == (op == "=~")


def _unquote(text):
    if text[0] == "`":
        return text[1:-1]
    return bytes(text[1:-1], "utf-8").decode("unicode_escape")


def parse(expr):
    """The expression's syntax tree; ParseError when it is not PromQL."""
    return Parser(expr).parse()


def selectors(node):
    """Every vector selector of a parsed expression."""
    if isinstance(node, Selector):
        return [node]
    return [s for child in node.children for s in selectors(child)]


def metric_names(expr):
    """The metric names an expression reads; ParseError for a bad expression or
    a selector without a fixed name (a regex on __name__ names no metric)."""
    names = set()
    for sel in selectors(parse(expr)):
        name = sel.metric_name()
        if name is None:
            raise ParseError(f"selector without a metric name in {expr!r}")
        names.add(name)
    return names
