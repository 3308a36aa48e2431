#!/usr/bin/env python3
"""Differential check: renders templates x cases with Python Jinja2 (set up as gen_template_cases.py,
i.e. as HF transformers does) and with qwen4j, and reports every byte difference.

    python3 diff_templates.py [-v] [-k SUBSTRING]

Needs `mvn -o -pl qwen4j-core test-compile` first: qwen4j is run through the test class
io.qwen4j.chat.template.TemplateBatch (one JVM for all renders) on target/classes + the Maven classpath.
Templates: ../resources/templates/*.jinja, ../resources/templates/diff/*.jinja (real Qwen-family
templates written from memory) and the shared ones, each with every conversation below; plus SNIPPETS,
small templates exercising single Jinja features. An error on both sides counts as agreement.
"""
import argparse
import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import gen_template_cases as gen

HERE = Path(__file__).resolve().parent
CORE = HERE.parents[2]
DIFF_DIR = gen.LOCAL / "diff"

VL_CONVERSATIONS = gen.VISION

# Small templates, one feature each. Context: CTX below plus messages/tools of the basic conversation.
CTX = {"s": "  Hello, World! hello  ", "t": "a,b,,c", "xs": [3, 1, 2, 3], "words": ["b", "a", "c"],
       "d": {"b": 2, "a": 1, "c": None}, "n": 7, "f": 2.5, "neg": -3, "big": 12345678901234567890,
       "empty": "", "nested": {"x": {"y": [1, {"z": "deep"}]}}, "flag": True, "nothing": None,
       "people": [{"name": "Ann", "age": 30, "admin": True}, {"name": "bob", "age": 25, "admin": False},
                  {"name": "Cy", "age": 30}],
       "uni": "Grüße 🚀 ß ǅ", "ml": "line1\nline2\n\nline4", "tabs": "\ta\tb "}

SNIPPETS = {
    # macros
    "macro_defaults": "{% macro m(a, b='B', c=none) %}[{{ a }}|{{ b }}|{{ c }}]{% endmacro %}{{ m(1) }}{{ m(1, 2) }}{{ m(1, c=3) }}{{ m(a=4, b=5) }}",
    "macro_caller": "{% macro w(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call w('b') %}inner {{ n }}{% endcall %}",
    "macro_caller_args": "{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(v) each(xs) %}<{{ v }}>{% endcall %}",
    "macro_varargs": "{% macro m() %}{{ varargs }}|{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }}",
    "macro_whitespace": "{% macro m(x) %}\n  line {{ x }}\n{% endmacro %}\n{{ m(1) }}{{ m(2) }}",
    "macro_returns_string": "{% macro m(x) %}{{ x }}!{% endmacro %}{{ m('a') ~ m('b') }} {{ (m('a') + 'c')|length }} {{ m('x') is string }}",
    "macro_recursive": "{% macro r(v) %}{% if v is mapping %}{{ '{' }}{% for k, x in v.items() %}{{ k }}:{{ r(x) }};{% endfor %}{{ '}' }}{% elif v is sequence and v is not string %}[{% for x in v %}{{ r(x) }},{% endfor %}]{% else %}{{ v }}{% endif %}{% endmacro %}{{ r(nested) }}",
    "macro_outer_var": "{% set g = 'G' %}{% macro m() %}{{ g }}{{ n }}{% endmacro %}{{ m() }}",
    # namespace / set
    "namespace": "{% set ns = namespace(a=1, b=[]) %}{% for x in xs %}{% set ns.a = ns.a * x %}{% endfor %}{{ ns.a }} {{ ns.b }}",
    "set_block": "{% set blk %}\n  hi {{ n }}\n{% endset %}[{{ blk }}]",
    "set_block_filter": "{% set blk | upper %}abc{{ n }}{% endset %}[{{ blk }}]",
    "set_scope_loop": "{% set c = 0 %}{% for x in xs %}{% set c = c + x %}{% endfor %}{{ c }}",
    "set_tuple": "{% set a, b = 1, 2 %}{{ a }}{{ b }}",
    "set_multi_target_loop": "{% for a, b in [[1, 2], [3, 4]] %}{{ a }}{{ b }};{% endfor %}",
    # loops
    "loop_vars": "{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}",
    "loop_prev_next": "{% for x in words %}{{ loop.previtem }}>{{ x }}>{{ loop.nextitem }};{% endfor %}",
    "loop_prev_defined": "{% for x in words %}{{ loop.previtem is defined }}{{ loop.nextitem is defined }};{% endfor %}",
    "loop_cycle": "{% for x in xs %}{{ loop.cycle('a', 'b') }}{% endfor %}",
    "loop_changed": "{% for x in xs %}{{ loop.changed(x) }}{% endfor %}",
    "loop_depth": "{% for x in [1] %}{{ loop.depth }}{{ loop.depth0 }}{% endfor %}",
    "loop_break_continue": "{% for x in xs %}{% if x == 1 %}{% continue %}{% endif %}{% if loop.index > 3 %}{% break %}{% endif %}{{ x }}{% endfor %}",
    "loop_else": "{% for x in [] %}{{ x }}{% else %}empty{% endfor %}",
    "loop_else_filtered": "{% for x in xs if x > 10 %}{{ x }}{% else %}none{% endfor %}",
    "loop_filter_loopvars": "{% for x in xs if x != 1 %}{{ loop.index }}/{{ loop.length }}{{ loop.last }};{% endfor %}",
    "loop_dict": "{% for k in d %}{{ k }}{% endfor %}|{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
    "loop_string": "{% for c in 'ab🚀' %}[{{ c }}]{% endfor %}",
    "loop_nested_loopvar": "{% for a in [1, 2] %}{% for b in [3, 4] %}{{ loop.index }}{% endfor %}{{ loop.index }};{% endfor %}",
    "loop_range": "{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(1, 10, 3) %}{{ i }}{% endfor %}{% for i in range(5, 0, -2) %}{{ i }}{% endfor %}",
    "loop_undefined": "{% for x in missing %}{{ x }}{% endfor %}ok",
    "loop_none_error": "{% for x in nothing %}{{ x }}{% endfor %}ok",
    "loop_messages_reverse": "{% for m in messages[::-1] %}{{ loop.index0 }}{{ m.role }};{% endfor %}",
    "loop_reversed_filter": "{% for m in messages|reverse %}{{ m.role }};{% endfor %}",
    "loop_var_leak": "{% for x in xs %}{% endfor %}[{{ x }}]",
    # filters
    "f_tojson": "{{ d|tojson }} {{ d|tojson(indent=2) }} {{ d|tojson(sort_keys=true) }} {{ xs|tojson(separators=(',', ':')) }}",
    "f_tojson_indent_nested": "{{ nested|tojson(indent=4) }}|{{ [[], {}]|tojson(indent=2) }}",
    "f_tojson_str": "{{ 'a\"b</script>é'|tojson }} {{ uni|tojson }} {{ ml|tojson }}",
    "f_tojson_float": "{{ [f, 1.0, 0.1 + 0.2, 1e100, 3.0e-7]|tojson }}",
    "f_tojson_big": "{{ big|tojson }} {{ big }}",
    "f_tojson_ensure_ascii": "{{ uni|tojson(ensure_ascii=true) }}",
    "f_length": "{{ xs|length }} {{ s|length }} {{ d|length }} {{ uni|length }} {{ xs|count }}",
    "f_first_last": "{{ xs|first }} {{ xs|last }} {{ s|first }} {{ words|last }}",
    "f_reverse": "{{ xs|reverse|list }} {{ s|reverse }} {{ words|reverse|join(',') }}",
    "f_join": "{{ words|join }} {{ words|join(', ') }} {{ xs|join('-') }} {{ people|join(',', attribute='name') }}",
    "f_map": "{{ people|map(attribute='name')|join(',') }} {{ words|map('upper')|list }} {{ people|map(attribute='missing', default='?')|list }}",
    "f_map_list": "{{ people|map(attribute='age')|list }}",
    "f_selectattr": "{{ people|selectattr('admin')|map(attribute='name')|list }} {{ people|rejectattr('admin')|map(attribute='name')|list }}",
    "f_selectattr_test": "{{ people|selectattr('age', 'equalto', 30)|map(attribute='name')|list }} {{ people|selectattr('name', 'in', ['bob', 'Cy'])|map(attribute='name')|list }}",
    "f_selectattr_defined": "{{ people|selectattr('admin', 'defined')|map(attribute='name')|list }} {{ people|rejectattr('admin', 'defined')|map(attribute='name')|list }}",
    "f_selectattr_ops": "{{ people|selectattr('age', '>', 26)|map(attribute='name')|list }} {{ people|selectattr('age', 'eq', 25)|map(attribute='name')|list }} {{ people|selectattr('name', 'ne', 'Cy')|map(attribute='name')|list }}",
    "f_select": "{{ xs|select('odd')|list }} {{ xs|reject('odd')|list }} {{ xs|select('gt', 1)|list }} {{ words|select('in', 'abz')|list }} {{ xs|select|list }}",
    "f_selectattr_messages": "{{ messages|selectattr('role', 'equalto', 'user')|list|length }} {{ (messages|selectattr('role', 'eq', 'assistant')|first).content }}",
    "f_items": "{{ d|items|list }} {% for k, v in d|items %}{{ k }}{{ v }}{% endfor %}",
    "f_dictsort": "{{ d|dictsort }} {% for k, v in d|dictsort %}{{ k }}{% endfor %} {{ d|dictsort(reverse=true) }}",
    "f_trim": "[{{ s|trim }}] [{{ tabs|trim }}] [{{ 'xxaxx'|trim('x') }}]",
    "f_case": "{{ s|upper }}|{{ s|lower }}|{{ s|title }}|{{ s|capitalize }}|{{ 'hELLO wORLD'|capitalize }}|{{ \"it's a dog's-life x_y\"|title }}",
    "f_replace": "{{ s|replace('l', 'L') }} {{ s|replace('l', 'L', 2) }}",
    "f_default": "[{{ missing|default('dflt') }}] [{{ nothing|default('dn') }}] [{{ empty|default('de') }}] [{{ empty|default('de', true) }}] [{{ missing|d('x') }}] [{{ nothing|default('dn', boolean=true) }}]",
    "f_default_attr": "[{{ d.missing|default('dm') }}] [{{ messages[0].nope|default('nope') }}]",
    "f_string": "{{ xs|string }} {{ d|string }} {{ 1.0|string }} {{ none|string }} {{ true|string }} {{ nested|string }}",
    "f_int_float": "{{ '42'|int }} {{ '4.7'|float }} {{ 4.7|int }} {{ 'x'|int }} {{ 'x'|int(5) }} {{ 3|float }} {{ '0x1A'|int(0, 16) }} {{ -4.7|int }}",
    "f_round": "{{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(0, 'floor') }} {{ 7|round }}",
    "f_abs": "{{ -3|abs }} {{ neg|abs }} {{ -2.5|abs }}",
    "f_list": "{{ 'abc'|list }} {{ d|list }} {{ xs|list }}",
    "f_unique": "{{ xs|unique|list }} {{ ['a', 'A', 'b']|unique|list }} {{ ['a', 'A', 'b']|unique(case_sensitive=true)|list }}",
    "f_batch": "{{ xs|batch(3)|list }} {{ xs|batch(3, 'x')|list }}",
    "f_slice": "{{ xs|slice(3)|list }}",
    "f_wordcount": "{{ s|wordcount }} {{ 'a-b c'|wordcount }}",
    "f_indent": "[{{ ml|indent }}] [{{ ml|indent(2, true) }}] [{{ ml|indent(first=true, blank=true) }}] [{{ ml|indent('> ') }}]",
    "f_center": "[{{ 'ab'|center(7) }}] [{{ 'abc'|center(8) }}]",
    "f_format": "{{ '%s-%d'|format('a', 3) }} {{ '%.2f'|format(f) }} {{ '%5s|'|format('x') }} {{ '%(a)s'|format(a=1) }}",
    "f_escape": "{{ '<a href=\"x\">&\\'</a>'|e }} {{ '<b>'|escape }} {{ '<b>'|safe }} {{ ('<b>'|e)|e }}",
    "f_sum_min_max": "{{ xs|sum }} {{ xs|min }} {{ xs|max }} {{ words|max }} {{ people|sum(attribute='age') }} {{ people|max(attribute='age') }}",
    "f_sort": "{{ xs|sort }} {{ words|sort(reverse=true) }} {{ people|sort(attribute='age')|map(attribute='name')|list }} {{ ['b', 'A', 'c']|sort }} {{ ['b', 'A', 'c']|sort(case_sensitive=true) }}",
    "f_groupby": "{% for g in people|groupby('age') %}{{ g.grouper }}:{{ g.list|map(attribute='name')|join(',') }};{% endfor %}",
    "f_attr": "{{ d|attr('b') }}|{{ people[0]|attr('name') }}",
    "f_truncate": "{{ 'hello world foo bar'|truncate(9) }} {{ 'hello world foo bar'|truncate(9, true) }}",
    "f_striptags": "{{ '<p>a  <b>b</b></p>'|striptags }}",
    "f_urlencode": "{{ 'a b&c'|urlencode }}",
    "f_pprint": "{{ d|pprint }}",
    "f_filter_chain_args": "{{ messages|map(attribute='content')|map('trim')|map('length')|list }}",
    "f_tojson_in_concat": "{{ 'x' ~ d|tojson ~ 'y' }}",
    "f_filter_block": "{% filter upper %}abc {{ n }}{% endfilter %}",
    # tests
    "t_types": "{{ s is string }}{{ xs is string }}{{ d is mapping }}{{ xs is mapping }}{{ xs is iterable }}{{ s is iterable }}{{ n is iterable }}{{ xs is sequence }}{{ d is sequence }}{{ s is sequence }}",
    "t_numbers": "{{ n is number }}{{ f is number }}{{ flag is number }}{{ s is number }}{{ n is integer }}{{ f is integer }}{{ flag is integer }}{{ f is float }}{{ n is float }}{{ big is integer }}",
    "t_bool": "{{ flag is boolean }}{{ n is boolean }}{{ flag is true }}{{ 1 is true }}{{ false is false }}{{ 0 is false }}",
    "t_none_defined": "{{ nothing is none }}{{ missing is none }}{{ missing is defined }}{{ nothing is defined }}{{ missing is undefined }}{{ d.c is none }}{{ d.zz is defined }}",
    "t_in": "{{ 1 is in xs }}{{ 'a' is in 'cat' }}{{ 'a' is in d }}",
    "t_eq": "{{ n is equalto 7 }}{{ n is eq 7 }}{{ n is ne 7 }}{{ n is gt 3 }}{{ n is ge 7 }}{{ n is lt 3 }}{{ n is le 7 }}{{ n is sameas 7 }}",
    "t_divisible": "{{ n is odd }}{{ n is even }}{{ 9 is divisibleby 3 }}",
    "t_case": "{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ 'aBc' is lower }}",
    "t_callable": "{{ raise_exception is callable }}{{ n is callable }}",
    "t_not": "{{ s is not string }}{{ not s is string }}{{ xs is not mapping }}",
    "t_filter_test": "{{ 'upper' is filter }}{{ 'nope' is filter }}{{ 'string' is test }}",
    "t_escaped": "{{ s is escaped }}{{ (s|e) is escaped }}",
    # string methods
    "m_startswith": "{{ s.startswith('  He') }}{{ s.endswith('o  ') }}{{ s.startswith(('x', '  ')) }}{{ s.strip().startswith('Hello', 1) }}",
    "m_split": "{{ t.split(',') }} {{ t.split(',', 1) }} {{ s.split() }} {{ s.split(None, 1) }} {{ t.rsplit(',', 1) }} {{ ml.split('\\n') }} {{ 'a b  c'.split(' ') }}",
    "m_split_maxsplit_kw": "{{ t.split(',', maxsplit=1) }} {{ t.rsplit(sep=',', maxsplit=2) }}",
    "m_strip": "[{{ s.strip() }}] [{{ s.lstrip() }}] [{{ s.rstrip() }}] [{{ s.strip(' Hd!') }}] [{{ ml.strip('l14\\n') }}]",
    "m_replace": "{{ s.replace('l', '') }} {{ s.replace('l', 'L', 1) }} {{ 'aaa'.replace('', '-') }}",
    "m_find_count": "{{ s.find('l') }} {{ s.find('zz') }} {{ s.rfind('l') }} {{ s.count('l') }} {{ s.index('W') }} {{ uni.find('ß') }}",
    "case_filters": "{{ 'hELLO wORLD'|capitalize }} {{ 'ßx'|capitalize }} {{ 'ΟΔΟΣ ΟΔΟΣ-ΑΣ (ǆx'|title }} {{ 'ΑΣ'.capitalize() }} {{ 'ǆx ß'.capitalize() }} {{ 'ﬁne'|upper }} {{ 'ΟΔΟΣ'|lower }}",
    "m_case": "{{ uni.upper() }} {{ uni.lower() }} {{ uni.title() }} {{ 'ǆ x'.title() }} {{ s.swapcase() }} {{ s.casefold() }}",
    "m_join_format": "{{ ', '.join(words) }} {{ '{}-{}'.format('a', 1) }} {{ '{x}!'.format(x=2) }} {{ '{0}{0}'.format('z') }} {{ '{:>4}'.format('a') }}",
    "m_misc": "{{ '42'.isdigit() }}{{ 'ab'.isalpha() }}{{ ' '.isspace() }}{{ 'ab'.isalnum() }}{{ 'x'.zfill(3) }}{{ 'ab'.center(6, '*') }}{{ 'ab'.ljust(4, '.') }}{{ 'ab'.rjust(4) }}",
    "m_partition": "{{ 'a=b=c'.partition('=') }} {{ 'a=b=c'.rpartition('=') }}",
    "m_splitlines": "{{ ml.splitlines() }} {{ 'a\\r\\nb'.splitlines() }}",
    "m_removeprefix": "{{ 'prefix_x'.removeprefix('prefix_') }} {{ 'x.txt'.removesuffix('.txt') }}",
    "m_encode_error": "{{ s.__class__ }}",
    "m_strip_none": "[{{ s.strip(none) }}]",
    # slicing / indexing
    "slice_neg_step": "{{ xs[::-1] }} {{ xs[::-2] }} {{ xs[-2:] }} {{ xs[:-1] }} {{ xs[1:-1] }} {{ xs[3:0:-1] }} {{ s[::-3] }} {{ s[-5:-1] }} {{ xs[10:] }} {{ xs[-10:2] }}",
    "slice_expr": "{{ xs[n - 6:] }} {{ messages[1:][0].role }} {{ (xs|reverse|list)[1:3] }} {{ 'abc'[1:] }}",
    "index_neg": "{{ xs[-1] }} {{ s[-1] }} {{ words[0] }} {{ s[2] }}",
    "index_out_of_range": "[{{ xs[10] }}]",
    "index_str_key": "{{ d['a'] }} {{ d.a }} {{ nested['x']['y'][1]['z'] }} {{ nested.x.y[1].z }}",
    # in / operators
    "op_in": "{{ 'ell' in s }}{{ 3 in xs }}{{ 'a' in d }}{{ 'z' not in d }}{{ 'b' in words }}{{ 'x' in 'xyz' and 'q' not in 'xyz' }}",
    "op_concat": "{{ 'a' ~ 1 ~ none ~ true ~ 2.0 ~ xs }}",
    "op_plus": "{{ 'a' + 'b' }} {{ xs + [9] }} {{ 1 + 2.5 }} {{ n + f }}",
    "op_plus_str_int_error": "{{ 'a' + 1 }}",
    "op_arith": "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }} {{ 6 / 3 }} {{ 2 ** -1 }} {{ 7.5 // 2 }} {{ 2 * 3.0 }} {{ 'ab' * 3 }} {{ [1] * 2 }}",
    "op_compare_chain": "{{ 1 < 2 < 3 }}{{ 1 < 3 < 2 }}{{ 1 == 1.0 }}{{ 'a' < 'b' }}{{ xs == [3, 1, 2, 3] }}{{ d == {'b': 2, 'a': 1, 'c': none} }}{{ none == none }}{{ 1 != '1' }}",
    "op_inline_if": "{{ 'y' if flag else 'n' }} {{ 'y' if nothing }}|{{ 'a' if 0 else 'b' if 1 else 'c' }}",
    "op_and_or_values": "{{ empty or 'fallback' }} {{ s and 'second' }} {{ 0 or none }} {{ [] or {} }} {{ 'x' and 0 }}",
    "op_not_precedence": "{{ not 1 == 2 }} {{ not flag and flag }} {{ -n ** 2 }} {{ (-n) ** 2 }} {{ 2 + 3 * 4 }}",
    "op_truthiness": "{% if xs %}A{% endif %}{% if [] %}B{% endif %}{% if d %}C{% endif %}{% if {} %}D{% endif %}{% if 0.0 %}E{% endif %}{% if ' ' %}F{% endif %}{% if nothing %}G{% endif %}{% if missing %}H{% endif %}",
    "op_unary_minus_filter": "{{ -xs|length }} {{ -(xs|length) }}",
    # literals
    "lit_none_true": "{{ none }}|{{ None }}|{{ true }}|{{ True }}|{{ false }}|{{ False }}|{{ [None, True, False] }}",
    "lit_dict": "{{ {'a': 1, 'b': [1, 2], 'c': {'d': none}} }} {{ {} }} {{ {'a': 1}['a'] }} {{ {'k': 'v'}.k }}",
    "lit_tuple": "{{ (1, 2) }} {{ (1,) }} {{ () }} {{ [(1, 'a')] }}",
    "lit_numbers": "{{ 1_000 }} {{ 1e3 }} {{ 0.5 }} {{ .5 if false else 1.50 }} {{ 10 / 4 }} {{ 1e-7 }} {{ 123456789.0 * 1000000000 }}",
    "lit_strings": "{{ 'a\\'b' }} {{ \"a\\\"b\" }} {{ 'tab\\there' }} {{ 'nl\\nx' }} {{ 'u\\u00e9' }} {{ 'x' 'y' }}",
    "print_float": "{{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e15 }} {{ 12345.678 }} {{ -0.0 }} {{ 3 / 1 }} {{ f * 2 }} {{ 1e-4 }} {{ 1e-5 }}",
    "print_containers": "{{ [1, 'a', none, 1.5, true] }} {{ {'a': 'x', 1: 2} }} {{ ['it\\'s', \"q\\\"\", 'n\\nl'] }} {{ [uni] }}",
    # dict methods / access
    "dict_get": "{{ d.get('a') }} {{ d.get('zz') }} {{ d.get('zz', 'dflt') }} {{ d.get('c', 'x') }} {{ d['c'] }}",
    "dict_methods": "{{ d.keys()|list }} {{ d.values()|list }} {{ d.items()|list }} {{ d.keys()|join(',') }}",
    "dict_undefined_attr": "[{{ d.nope }}] [{{ d['nope'] }}] [{{ messages[0].nope }}] [{{ nested.x.nope }}]",
    "dict_undefined_chain_error": "[{{ d.nope.deeper }}]",
    "dict_attr_vs_item": "{{ {'items': 1}['items'] }} {{ {'keys': 'k'}.keys }} {{ {'get': 1}.get('get') }}",
    "dict_update_error": "{% set x = {} %}{% set _ = x.update({'a': 1}) %}{{ x }}",
    "list_append_error": "{% set l = [] %}{% set _ = l.append(1) %}{{ l }}",
    "dict_key_int": "{{ {1: 'a'}[1] }}",
    "dict_in_values": "{{ 2 in d.values() }} {{ 'a' in d.keys() }}",
    # whitespace control
    "ws_minus": "a  {%- if true -%}  b  {%- endif -%}  c\n  {{- ' d ' -}}  \n e",
    "ws_plus": "  {%+ if true %}x{% endif %}\n  {%- if true +%}\ny{% endif %}\n",
    "ws_lstrip_tabs": "line\n\t\t{% if true %}\n\tin\n\t{% endif %}\nend",
    "ws_lstrip_expr": "a\n    {{ n }}\n    {# c #}\nb\n  {# c2 #}  \nz",
    "ws_trim_only_block": "x\n{% for i in [1, 2] %}\n{{ i }}\n{% endfor %}\ny\n",
    "ws_tag_mid_line": "a {% if true %}b{% endif %} c\n  d {% if true %}\n  e\n{% endif %}",
    "ws_minus_line_start": "a\n{%- set x = 1 %}\nb\n  {%- if true %}\nc{% endif %}",
    "ws_comment_trim": "a\n{#- comment -#}\nb\n{# plain #}\nc  {#- x #}  d",
    "ws_crlf": "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc\r\n",
    "ws_trailing_newline": "x\n\n",
    "ws_expr_minus_both": "[ {{- n -}} ] [  {{- ' ' -}}  ]",
    "ws_spaces_before_tag_with_text": "  text {% if true %}\n  x\n  {% endif %}",
    "ws_raw": "{% raw %}{{ not rendered }} {% if %}{% endraw %}|{%- raw -%}  x  {%- endraw -%}|",
    "ws_raw_lines": "a\n  {% raw %}\n{{ x }}\n  {% endraw %}\nb",
    "ws_comment_multiline": "a{# multi\nline #}b\n{#\n  x\n#}\nc",
    "ws_lstrip_after_output": "{{ n }}  {% if true %}x{% endif %}",
    "ws_endblock_newline": "{% for x in [1,2] %}{{ x }}\n{% endfor %}",
    "ws_if_else_lines": "{% if false %}\nA\n{% elif true %}\nB\n{% else %}\nC\n{% endif %}\n",
    # errors
    "raise": "{{ raise_exception('bad input: ' ~ n) }}",
    "raise_in_if": "{% if messages|length > 1 %}{{ raise_exception('too many') }}{% endif %}",
    "err_unknown_filter": "{{ s|nosuchfilter }}",
    "err_undefined_call": "{{ nosuch() }}",
    "err_syntax": "{% if %}",
    "err_method_on_none": "{{ nothing.strip() }}",
    "err_int_index_dict": "{{ d[0] }}",
    # misc constructs
    "if_chain": "{% if n > 10 %}big{% elif n > 5 %}mid{% else %}small{% endif %}",
    "with_block": "{% with a = 1, b = n %}{{ a + b }}{% endwith %}{{ a }}",
    "do_ext": "{% set l = [] %}{% do l.append(1) %}{{ l }}",
    "bos_eos": "{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}",
    "messages_attr": "{{ messages[0]['role'] }} {{ messages[0].role }} {{ messages|length }} {{ messages[-1].content }}",
    "tools_render": "{% for tool in tools %}{{ tool.function.name }}:{{ tool.function.parameters.properties|list }}{{ tool.function.parameters.required|default([]) }};{% endfor %}",
    "tools_iterate_props": "{% for tool in tools %}{% for name, p in tool.function.parameters.properties|items %}{{ name }}({{ p.type }}){% if p.enum is defined %}{{ p.enum|join('|') }}{% endif %};{% endfor %}{% endfor %}",
    "tool_args_items": "{% for k, v in {'a': 1, 'b': 'x', 'c': [1], 'd': {'e': none}}.items() %}{{ k }}={% if v is string %}{{ v }}{% else %}{{ v|tojson }}{% endif %};{% endfor %}",
    "string_concat_plus_none_error": "{{ 'a' + nothing }}",
    "range_list": "{{ range(3)|list }} {{ range(0)|list }} {{ range(3)|length }}",
    "global_funcs": "{{ dict(a=1, b=2) }} {{ lipsum is defined }} {{ cycler is defined }} {{ joiner is defined }}",
    "joiner": "{% set j = joiner(', ') %}{% for x in xs %}{{ j() }}{{ x }}{% endfor %}",
    "strftime_now": "{{ strftime_now is defined }}",
    "nested_quotes_in_tag": "{{ \"%}\" }} {{ '}}' }} {{ '{%' ~ '{{' }}",
    "filter_on_literal_list": "{{ [3, 1, 2]|sort|join(',') }} {{ ('a', 'b')|join }} {{ 'abc'|upper|replace('B', '-')|lower }}",
    "namespace_in_macro": "{% set ns = namespace(v=0) %}{% macro inc() %}{% set ns.v = ns.v + 1 %}{% endmacro %}{{ inc() }}{{ inc() }}{{ ns.v }}",
    "set_in_if_scope": "{% set v = 1 %}{% if true %}{% set v = 2 %}{% endif %}{{ v }}",
    "set_in_for_scope": "{% set v = 1 %}{% for x in [1] %}{% set v = 2 %}{{ v }}{% endfor %}{{ v }}",
    "loop_in_macro_called_in_loop": "{% macro m(xs) %}{% for x in xs %}{{ loop.index }}{% endfor %}{% endmacro %}{% for y in [1, 2] %}{{ m(words) }}{{ loop.index }};{% endfor %}",
    "content_is_string_or_list": "{% for m in messages %}{% if m.content is string %}S{% elif m.content is iterable %}L{% else %}?{% endif %}{% endfor %}",
    "is_sequence_not_string": "{{ xs is sequence and xs is not string }}{{ s is sequence and s is not string }}{{ d is sequence and d is not mapping }}",
    "content_none_concat": "{% for m in messages %}{{ (m.content or '')|length }};{% endfor %}",
    "reasoning_split": "{% set c = '<think>\\nabc\\n</think>\\n\\nanswer' %}{{ c.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}|{{ c.split('</think>')[-1].lstrip('\\n') }}",
    "multiline_expr": "{{ xs\n  |join(',')\n}}{% if\n  n > 1\n%}yes{% endif %}",
    "keyword_filter_args": "{{ xs|join(d='x') if false else xs|join(',') }} {{ d|tojson(indent=n - 5) }}",
    "concat_number_string": "{{ n ~ '' }} {{ (n|string) + 'x' }} {{ f|string }}",
    "not_in_precedence": "{{ not 'a' in 'abc' }} {{ 'a' not in 'abc' }}",
    "is_defined_message_key": "{% for m in messages %}{{ m.tool_calls is defined }}{{ m.get('tool_calls') is none }}{% endfor %}",
    "attribute_of_list_item_filter": "{{ (people|first).name }} {{ (people|last)['age'] }}",
    "length_of_none_error": "{{ nothing|length }}",
    "join_ints": "{{ [1, 2]|join(', ') }}",
    "items_on_list_error": "{{ xs|items }}",
    "map_on_dict_items": "{{ d.items()|map('first')|list }}",
    "tojson_safe": "{{ d|tojson|safe }}",
    "inline_if_without_else_concat": "[{{ 'a' ~ ('b' if false) }}]",
    "undefined_in_concat": "[{{ 'a' ~ missing ~ 'b' }}] [{{ missing }}]",
    "undefined_plus_error": "{{ missing + 'a' }}",
    "undefined_length": "{{ missing|length }}",
    "undefined_iterate_attr": "{% for x in d.nope %}{{ x }}{% endfor %}ok",
    "undefined_is_string": "{{ missing is string }}{{ missing is mapping }}{{ d.nope is none }}",
    "undefined_tojson_error": "{{ missing|tojson }}",
    "undefined_default_chain": "{{ (messages[0].nope or 'x')|upper }}",
    "compare_none": "{{ nothing == none }}{{ nothing is none }}{{ missing == none }}",
    "int_float_equal_keys": "{{ 1 == true }} {{ [1, true]|unique|list }}",
    "string_multiply_concat": "{{ '=' * 3 ~ '|' }}",
    "string_escape_seqs": "{{ '\\x41\\u4e16\\U0001F680' }}",
    "message_content_strip_chain": "{{ messages[2].content.strip().split(',')[0].lower() }}",
    "loop_index_math": "{% for m in messages %}{% if loop.index0 % 2 == 0 %}E{% else %}O{% endif %}{{ messages[loop.index0 - 1].role if not loop.first }};{% endfor %}",
    "list_index_from_end": "{{ messages[messages|length - 1].role }}",
    "list_methods": "{{ xs.index(2) }} {{ xs.count(3) }}",
    "list_concat_tojson": "{{ (xs + words)|tojson }}",
    "sort_dicts_tojson_sortkeys": "{{ {'b': {'z': 1, 'a': 2}, 'a': [{'y': 1, 'x': 2}]}|tojson(sort_keys=true, indent=1) }}",
    "tojson_separators_list": "{{ d|tojson(separators=[',', ':']) }} {{ d|tojson(indent=2, separators=(', ', ': ')) }}",
    "tojson_indent_string": "{{ xs|tojson(indent='\\t') }}",
    "tojson_nonstring_keys": "{{ {1: 'a', none: 'b', true: 'c', 2.5: 'd'}|tojson }}",
    "op_or_value": "{{ nothing or 'fb' }}|{{ s and 'second' }}|{{ (nothing or '')|length }}|{% set c = messages[0].content or '' %}{{ c }}|{{ 0 or none }}|{{ [] or {} }}|{{ 'x' and 0 }}",
    "op_or_in_concat": "{{ 'a' ~ (nothing or 'b') }} {{ (messages[0].nope or 'x')|upper }}",
    "unary_minus_space": "a {{ -1 }} b {{ -n }} c",
    "not_eq": "{% if not messages[0].role == 'user' %}notuser{% endif %}{% if not n > 10 and flag %}ok{% endif %}{{ not xs|length == 4 }}",
    "dict_none_literal": "{{ {'a': none} }} {{ {'a': 1}|tojson }} {% set x = {'k': none, 'j': true} %}{{ x.k is none }}",
    "concat_bool": "{{ 'v=' ~ flag }} {{ 'v=' ~ (1 == 1) }} {{ flag ~ '' }}",
    "string_index": "{{ s[2] }}{{ s[-3] }}{{ messages[1].content[0] }}",
    "recursive_macro_simple": "{% macro r(n) %}{{ n }}{% if n > 0 %}{{ r(n - 1) }}{% endif %}{% endmacro %}{{ r(3) }}",
    "macro_none_arg_shadow": "{% set v = 'outer' %}{% macro m(v) %}[{{ v }}]{% endmacro %}{{ m(nothing) }}{{ m(none) }}{{ m() }}",
    "string_index_out_of_range": "[{{ 'ok'[5] }}]",
    "tojson_nan": "{{ (1e308 * 10)|tojson }}",
    # Python None (distinct from undefined)
    "none_print": "{{ none }}|{{ None }}|{{ d.get('zz') }}|{{ d.get('zz', 'dz') }}|{{ d.c }}|{{ 'a' ~ none }}|{{ nothing|string }}|{{ [nothing, d.c] }}|{{ nothing|lower }}|{{ [none, 'a']|join(',') }}",
    "none_tests": "{{ nothing is defined }}{{ nothing is none }}{{ nothing is not none }}{{ missing is none }}{{ d.nope is none }}{{ missing == none }}{{ d.c is none }}{{ d.get('zz') is none }}{{ nothing is string }}{{ nothing is undefined }}{{ d.c is defined }}",
    "none_truthiness": "{% if nothing %}T{% else %}F{% endif %}{{ not nothing }}{{ nothing or 'y' }}{{ none|default('x') }}{{ none|default('x', true) }}{{ d.c|default('dc') }}{{ [1, none, 2]|reject('none')|list }}{{ [1, none]|select('none')|list }}",
    "none_equality": "{{ none == none }}{{ nothing == d.c }}{{ none != none }}{{ none == 0 }}{{ none == [] }}{{ [none] == [nothing] }}",
    "none_equality_coerced": "{{ none == false }}{{ none == 'None' }}",
    "none_tojson": "{{ nothing|tojson }} {{ d|tojson }} {{ [none, 1]|tojson }} {{ {'k': none}|tojson(indent=none) }}",
    "none_macro_default": "{% macro m(c=none, e=None) %}[{{ c }}|{{ c is none }}|{{ c is defined }}|{{ e }}]{% endmacro %}{{ m() }}{{ m(1) }}{{ m(c=nothing) }}",
    "none_attribute": "[{{ nothing.foo }}]{{ nothing.foo is defined }}{{ nothing['k'] is defined }}",
    "none_namespace_set": "{% set ns = namespace(v=none) %}{{ ns.v }}{{ ns.v is none }}{% set ns.v = 1 %}{{ ns.v }}{% set x = none %}{{ x }}{{ x is defined }}",
    "none_in_error": "{{ 'x' in nothing }}",
    "none_iterate_error": "{% for x in none %}{{ x }}{% endfor %}",
    "none_slice_bounds": "{{ xs[none:2] }}{{ 'abc'[none:none:-1] }}{{ s.split(none, 1) }}",
    "none_message_fields": "{% for m in messages %}{{ m.content }}|{{ m.content is none }}|{{ m.content is string }}|{{ m.reasoning_content is defined and m.reasoning_content is not none }}|{% if m.content %}C{% endif %}|{{ m.content|tojson }};{% endfor %}",
}

SNIPPET_CASE = {"messages": [{"role": "system", "content": "Sys."}, {"role": "user", "content": "  Hi, There  "},
                             {"role": "assistant", "content": "Hello, you."}, {"role": "user", "content": "Q?"}],
                "tools": [gen.WEATHER], "kwargs": CTX}


def python_render(env, source, case):
    tmpl = env.from_string(source)
    kwargs = dict(case.get("kwargs") or {})
    kwargs.setdefault("add_generation_prompt", True)
    return tmpl.render(messages=copy.deepcopy(case["messages"]), tools=case.get("tools"),
                       bos_token="", eos_token="<|im_end|>", **kwargs)


def jobs(selected):
    out = []
    templates = sorted(gen.LOCAL.glob("*.jinja")) + sorted(DIFF_DIR.glob("*.jinja"))
    if gen.SHARED.exists():
        templates += sorted(gen.SHARED.glob("*.jinja"))
    conversations = {**gen.CONVERSATIONS, **VL_CONVERSATIONS, **gen.FEATURE_CASES}
    for path in templates:
        source = path.read_text(encoding="utf-8")
        for name, case in conversations.items():
            out.append((f"{path.parent.name}/{path.stem}:{name}", source, case))
    for name, source in SNIPPETS.items():
        out.append((f"snippet:{name}", source, SNIPPET_CASE))
    return [j for j in out if selected is None or selected in j[0]]


def qwen4j_render_all(items):
    classes = CORE / "target" / "classes"
    test_classes = CORE / "target" / "test-classes"
    cp_file = Path(os.environ.get("TMPDIR", "/tmp")) / "qwen4j-diff-classpath.txt"
    if not cp_file.exists():
        subprocess.run(["mvn", "-q", "-o", "-pl", "qwen4j-core", "dependency:build-classpath",
                        f"-Dmdep.outputFile={cp_file}"], cwd=CORE.parent, check=True, stdout=subprocess.DEVNULL)
    cp = f"{test_classes}:{classes}:{cp_file.read_text().strip()}"
    java = Path(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")) / "bin" / "java"
    lines = "".join(json.dumps({"template": src, "case": {"messages": c["messages"], "tools": c.get("tools"),
                                                            "kwargs": c.get("kwargs")}}, ensure_ascii=False) + "\n"
                    for _, src, c in items)
    proc = subprocess.run([str(java), "-Xss8m", "-cp", cp, "io.qwen4j.chat.template.TemplateBatch"],
                          input=lines.encode("utf-8"), capture_output=True, check=True)
    # split on "\n" only: str.splitlines also splits inside JSON strings holding U+2028 and the like
    return [json.loads(line) for line in proc.stdout.decode("utf-8").split("\n") if line]


def first_difference(a, b):
    i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
    return i, a[max(0, i - 40):i + 60], b[max(0, i - 40):i + 60]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", help="only jobs whose name contains this")
    ap.add_argument("-v", action="store_true", help="show errors on both sides too")
    args = ap.parse_args()
    env = gen.environment()
    items = jobs(args.k)
    ours = qwen4j_render_all(items)
    same = differ = both_fail = 0
    for (name, source, case), answer in zip(items, ours):
        try:
            expected, py_error = python_render(env, source, case), None
        except Exception as e:
            expected, py_error = None, f"{type(e).__name__}: {e}"
        got, j_error = answer.get("output"), answer.get("error")
        if py_error and j_error:
            both_fail += 1
            if args.v:
                print(f"BOTH FAIL {name}\n  py:   {py_error}\n  java: {j_error}")
        elif expected == got:
            same += 1
        else:
            differ += 1
            print(f"DIFF {name}")
            if py_error or j_error:
                print(f"  py:   {py_error or repr(expected)[:300]}\n  java: {j_error or repr(got)[:300]}")
            else:
                at, pa, ja = first_difference(expected, got)
                print(f"  at {at}:\n  py:   {pa!r}\n  java: {ja!r}")
    print(f"{len(items)} renders: {same} identical, {both_fail} fail on both sides, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
