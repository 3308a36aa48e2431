#!/usr/bin/env python3
"""Value fuzz of the template engine against Python Jinja2: random values through one template of operators,
filters and str methods, rendered by both (set up as diff_templates.py does). Finds where qwen4j's Python
semantics differ from CPython's: number formatting and arithmetic, JSON, truthiness, Unicode case mappings.

    python3 fuzz_values.py SEED COUNT (numbers|values|strings|exprs|wraps|tags)

`exprs` renders one random filter, method, test or slice expression per case, `wraps` one `wordwrap` call on
random text (hyphens, dashes, long words, CJK, emoji), `tags` `striptags` on random markup and HTML references. Needs `mvn -o -pl qwen4j-core
test-compile` first. Prints the first differences and a count; exit status 1 if any.
`pprint` is left out: its 80-column line wrapping is not implemented.
"""
import collections
import html.entities
import math
import re
import random
import sys
import unicodedata

import diff_templates as dt
import gen_template_cases as gen

TEMPLATES = {
    "numbers": "{{ v }}|{{ v|string }}|{{ v|tojson }}|{{ v + 1 }}|{{ v * 2.5 }}|{{ v|round(2) }}|{{ v|round(0, 'floor') }}"
               "|{{ v|int }}|{{ v|float }}|{{ v|abs }}|{{ -v }}|{{ v // 3 }}|{{ v // -2.5 }}|{{ v % -2.5 }}"
               "|{{ (v|int) // -7 }}|{{ (v|int) % -7 }}|{{ v % 7 }}|{{ v / 4 }}|{{ '%.3f'|format(v) }}|{{ '%d'|format(v) }}"
               "|{{ '%s %r'|format(v, v) }}|{{ v > 0 }}|{{ v == v|int }}",
    "values": "{{ v }}|{{ v|string }}|{{ v|tojson }}|{{ v|tojson(indent=2) }}|{% if v %}T{% else %}F{% endif %}"
              "|{{ v is number }}{{ v is string }}{{ v is mapping }}{{ v is sequence }}{{ v is iterable }}"
              "|{{ v|length if v is iterable else '' }}|{{ [v]|tojson }}|{{ {'k': v}|tojson }}"
              "|{{ (v|list)|tojson if v is iterable else '' }}|{{ v|e }}|{{ v|trim if v is string else '' }}",
    "tags": "{{ v|striptags }}",
    "strings": "{{ v.title() }}|{{ v.capitalize() }}|{{ v|title }}|{{ v|capitalize }}|{{ v.lower() }}|{{ v|lower }}"
               "|{{ v.upper() }}|{{ v|upper }}|{{ v.swapcase() }}|{{ v.casefold() }}|{{ v.islower() }}|{{ v.isupper() }}"
               "|{{ v.isdigit() }}|{{ v.isalnum() }}|{{ v.isalpha() }}|{{ v.isspace() }}|{{ v.strip() }}|{{ v.split() }}",
}


# Expressions over a value v, one picked per case ("exprs" kind); {a} {b} are filled with small random ints.
EXPRESSIONS = [
    "v|trim", "v|truncate({a})", "v|truncate({a}, true)", "v|truncate({a}, false, '..', 0)", "v|wordwrap({a} + 1)",
    "v|center({a})", "v|indent({a})", "v|indent({a}, true)", "v|replace('a', 'b', {a})", "v|wordcount", "v|striptags",
    "v|urlencode", "v|title", "v|capitalize", "v|string|length", "v|reverse|list", "v|list|sort|list", "v|unique|list",
    "v|sort(reverse=true)|list", "v|first", "v|last", "v|min", "v|max", "v|sum", "v|join('-')", "v|batch({a})|list",
    "v|slice({a})|list", "v|map('string')|list", "v|select|list", "v|reject|list", "v|dictsort", "v|items|list",
    "v|default('d')", "v|int", "v|float", "v|int(7)", "v|float(1.5)", "v|abs", "v|round({a})", "v|filesizeformat",
    "v|tojson", "v|tojson(indent={a})", "v|pprint|length", "v|e", "v|forceescape", "v|safe", "v|list",
    "v[{a}:{b}]", "v[::-1]", "v[-{a}:]", "v[::{a}]", "v.split()", "v.split(',', {a})", "v.rsplit(' ', {a})",
    "v.strip('a ')", "v.find('a')", "v.count('a')", "v.startswith(('a', 'b'))", "v.endswith('a', {a})",
    "v.replace('a', 'xy', {a})", "v.zfill({a} + 3)", "v.center({a} + 3, '*')", "v.ljust({a} + 2, '.')",
    "v.splitlines()", "v.partition(' ')", "v.rpartition('a')", "v.upper()", "v.lower()", "v.title()",
    "v.startswith('a')", "v.index('a') if 'a' in v else -1", "'{}'.format(v)", "'%s|%r'|format(v, v)",
    "v is string", "v is sequence", "v is mapping", "v is number", "v is iterable", "v is none", "v is defined",
    "v in ['a', 1, none]", "v == v", "v != none", "(v|list)[{a}] if v is iterable and v|list|length > {a} else 0",
    "v.keys()|list if v is mapping else v", "v.values()|list if v is mapping else v", "v.items()|list if v is mapping else v",
    "v.get('a', 'z') if v is mapping else v",
]


def main():
    seed, count, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    r = random.Random(seed)

    def number():
        k = r.random()
        if k < 0.2:
            return r.choice([float(r.randint(-1000, 1000)), r.randint(-10**9, 10**9)])
        if k < 0.4:
            return round(r.uniform(-100, 100), r.randint(0, 6))
        if k < 0.6:
            return r.choice([1e16, 1e15, 1e-5, 1e-4, -0.0, 1e22, 5e-324, 1.7976931348623157e308, 0.1 + 0.2, 2.5, -2.5, 0.5,
                             1e100, 10**22, -(10**22) + 1, True])
        return math.ldexp(r.uniform(-1, 1), r.randint(-40, 70))

    def text():
        pool = ['a', 'Z', ' ', '\n', '\t', '"', '\\', '<', '&', "'", 'é', 'ß', '中', '😀', '\u2028', '\x00', '\x1f', '{', '%']
        return ''.join(r.choice(pool) for _ in range(r.randint(0, 8)))

    def value(depth=0):
        k = r.random()
        if depth > 2 or k < 0.3:
            return number()
        if k < 0.6:
            return text()
        if k < 0.65:
            return r.choice([True, False, None])
        if k < 0.8:
            return [value(depth + 1) for _ in range(r.randint(0, 3))]
        return {text()[:4] or f'k{i}': value(depth + 1) for i in range(r.randint(0, 3))}

    points = [c for c in range(0x20, 0x30000) if chr(c).isprintable() and unicodedata.category(chr(c)) != 'Cn']
    cased = [c for c in points if chr(c).lower() != chr(c) or chr(c).upper() != chr(c)]
    extra = [ord(c) for c in "ΣσςΑα'\u0301 .ǅßİı²₇①½Ⅱ⑩"]

    def string():
        pool = r.choice([points, cased, extra])
        return ''.join(chr(r.choice(pool)) for _ in range(r.randint(1, 8)))

    wrap_words = ['a', 'bb', 'ccc', 'dddd', 'hyphen-ated', 'well--known', 'x-y-z', '--', '-', 'long' * 6, 'ünï-cödé',
                  '😀😀', '中文字符', 'a.b,c!', "it's", '"q"', '12-34', 'ab-cd-ef-gh', '_u_', '--x', 'y--']
    wrap_separators = [' ', ' ', ' ', '  ', '\t', '\n', '\r\n', '\u2028', ' \n ']

    def wrap_text():
        if r.random() < 0.1:
            return ''
        return ''.join(r.choice(wrap_words) + r.choice(wrap_separators) for _ in range(r.randint(0, 12))).rstrip(' ')

    def wrap_expression():
        width = r.randint(1, 20)
        if r.random() < 0.2:
            return "{{ v|wordwrap(width=%d, break_on_hyphens=false) }}" % width
        args = [str(width)]
        k = r.random()
        if k < 0.3:
            args.append(r.choice(['false', 'true']))
        if k < 0.15:
            args.append(repr(r.choice(['<br>', '|', '\n'])))
        if k < 0.1:
            args.append(r.choice(['false', 'true']))
        return "{{ v|wordwrap(" + ", ".join(args) + ") }}"

    entity_names = sorted(html.entities.html5)
    markup = ['<b>', '</b>', '<!--', '-->', '<', '>', '&', '&#', '&#x', ';', 'a', '  ', '\t', '\n', '\u00a0', '\u3000',
              '<a href="x">', '&amp', '&lt;', '&#0;', '&#128;', '&#xD800;', '&#1114112;', '&#65534;', '中', '😀']

    def tagged_text():
        bits = []
        for _ in range(r.randint(0, 14)):
            k = r.random()
            if k < 0.25:
                bits.append('&' + r.choice(entity_names))
            elif k < 0.35:
                bits.append('&' + r.choice(entity_names).rstrip(';') + r.choice(['', 'x', ';', 'zz;']))
            elif k < 0.45:
                bits.append('&#' + str(r.randint(0, 0x120000)) + r.choice([';', '']))
            elif k < 0.5:
                bits.append('&#x' + format(r.randint(0, 0x120000), 'x') + r.choice([';', '']))
            else:
                bits.append(r.choice(markup))
        return ''.join(bits)

    def expression():
        expression = r.choice(EXPRESSIONS).replace("{a}", str(r.randint(0, 5))).replace("{b}", str(r.randint(-3, 6)))
        return "{{ " + expression + " }}"

    make = {"numbers": number, "values": value, "strings": string, "exprs": value, "wraps": wrap_text,
            "tags": tagged_text}[kind]
    make_source = {"exprs": expression, "wraps": wrap_expression}.get(kind, lambda: TEMPLATES[kind])
    items = [(f"{kind}{i}", make_source(), {"messages": [{"role": "user", "content": "x"}], "kwargs": {"v": make()}})
             for i in range(count)]
    ours = dt.qwen4j_render_all(items)
    env = gen.environment()
    same = both = differ = 0
    by_expression = collections.Counter()
    for (_, source, case), answer in zip(items, ours):
        try:
            expected, py_error = dt.python_render(env, source, case), None
        except Exception as e:
            expected, py_error = None, f"{type(e).__name__}: {e}"
        got, j_error = answer.get("output"), answer.get("error")
        if py_error and j_error:
            both += 1
        elif expected == got:
            same += 1
        else:
            differ += 1
            by_expression[re.sub(r"\d+", "N", source)] += 1
            if differ <= 10:
                print("DIFF", source if kind in ("exprs", "wraps") else "", "v =", repr(case["kwargs"]["v"])[:200])
                if expected is not None and got is not None:
                    at, py, java = dt.first_difference(expected, got)
                    print(f"  at {at}\n  py:   {py!r}\n  java: {java!r}")
                else:
                    print(f"  py:   {(py_error or expected)!r}\n  java: {(j_error or got)!r}"[:400])
    if kind == "exprs" and by_expression:
        print("different by expression:", ", ".join(f"{e} ({n})" for e, n in by_expression.most_common()))
    print(f"{count} {kind}: {same} identical, {both} failing on both sides, {differ} different")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
