#!/usr/bin/env python3
"""Generates golden chat-template renders with Python Jinja2 (3.1.6 here) set up as HF transformers does.

Run from anywhere: python3 gen_template_cases.py
Writes ../resources/templates/cases/*.json: {"template", "messages", "tools"?, "kwargs"?, "expected"}.
Templates are looked up first in ../resources/templates, then in ../../../../../shared/qwen/templates
(the repository's ../shared). The Java suite reads the committed output and needs no Python.

The environment mirrors transformers' _compile_jinja_template: ImmutableSandboxedEnvironment with
trim_blocks and lstrip_blocks, loopcontrols, a tojson filter that is json.dumps(ensure_ascii=False)
with HF's signature, and a raise_exception global.
"""
import copy
import json
import os
from pathlib import Path

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "resources" / "templates" / "cases"
LOCAL = HERE.parent / "resources" / "templates"
SHARED = HERE.parents[3].parent / "shared" / "qwen" / "templates"


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


class GenerationTag(Extension):
    """transformers' AssistantTracker as templates see it: {% generation %} renders its body unchanged."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

    def _body(self, caller):
        return caller()


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=["jinja2.ext.loopcontrols", GenerationTag])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


def template_source(name):
    for d in (LOCAL, SHARED):
        if (d / name).exists():
            return (d / name).read_text(encoding="utf-8")
    raise SystemExit(f"template {name} not found in {LOCAL} or {SHARED}")


WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather.\n  Units: metric.",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "description": "City name, e.g. Zürich"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
        "days": {"type": "integer", "minimum": 1, "maximum": 16},
    }, "required": ["city"]}}}
NESTED = {"type": "function", "function": {
    "name": "tune", "description": "Set hyper-parameters.",
    "parameters": {"type": "object", "properties": {
        "lr": {"type": "number", "default": 1e-05, "minimum": -0.0},
        "momentum": {"type": "number", "default": 0.1},
        "budget": {"type": "number", "maximum": 1e+17},
        "schedule": {"type": "object", "properties": {
            "warmup": {"type": "integer", "default": 100},
            "phases": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}, "scale": {"type": "number", "default": 2.5}}}},
        }},
        "flags": {"type": ["boolean", "null"], "default": None},
    }}}}
NO_PARAMS = {"type": "function", "function": {"name": "now", "description": "The current time."}}
NULLABLE = {"type": "function", "function": {
    "name": "search", "description": None,
    "parameters": {"type": "object", "properties": {
        "query": {"type": "string", "description": "Search terms"},
        "limit": {"type": ["integer", "null"], "default": None, "description": None},
        "site": {"type": "string", "enum": ["a.com", None]},
    }, "required": ["query"]}}}

UNICODE = "Grüße, 世界! Ça va? 🚀 emoji, עברית, \"quotes\" and \\backslash\\ \t tab"

CONVERSATIONS = {
    # Jinja syntax inside values is printed as text, never interpreted (Jinjava's default re-rendered it).
    "template_syntax_in_content": dict(tools=[WEATHER], messages=[
        {"role": "system", "content": "Explain templates. {% raw %} is a tag; {# a comment #} too."},
        {"role": "user", "content": "What does {{ 7*7 }} print, and {% if true %}X{% endif %}? Also {{ unclosed"},
        {"role": "assistant", "content": "It prints {{ 7*7 }} as text here: {{'}}'}} {{",
         "tool_calls": [{"type": "function", "function": {"name": "get_weather",
                                                            "arguments": {"city": "{{ city }}"}}}]},
        {"role": "tool", "content": "{% endfor %}{{ messages }}"},
        {"role": "user", "content": "{{"}]),
    "unicode_plain": dict(messages=[
        {"role": "system", "content": "Réponds en français. 日本語もOK."},
        {"role": "user", "content": UNICODE}]),
    "nested_tools_floats": dict(tools=[NESTED, WEATHER, NO_PARAMS], messages=[
        {"role": "system", "content": "You tune models."},
        {"role": "user", "content": "Use lr 1e-5 and a warmup."},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function", "function": {
            "name": "tune", "arguments": {"lr": 1e-05, "momentum": 0.1, "budget": 1e+17, "neg": -0.0,
                                          "schedule": {"warmup": 100, "phases": [{"name": "a", "scale": 2.5}]},
                                          "flags": None, "ok": True}}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "{\"status\": \"ok\"}"},
        {"role": "user", "content": "Thanks!"}]),
    "multiturn_reasoning_tools": dict(tools=[WEATHER], messages=[
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "reasoning_content": "User wants weather. Call the tool.", "content": "",
         "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "content": "18C, cloudy"},
        {"role": "assistant", "reasoning_content": "\nSummarise.\n", "content": "It is 18C and cloudy in Paris."},
        {"role": "user", "content": "And tomorrow in Zürich?"},
        {"role": "assistant", "content": "<think>\nNeed another call.\n</think>\n\nChecking.",
         "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Zürich", "days": 2}}}]},
        {"role": "tool", "content": "12C"},
        {"role": "tool", "content": "rain later"}]),
    "string_arguments": dict(tools=[WEATHER], messages=[
        {"role": "user", "content": "Two cities"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\", \"days\": 3}"}},
            {"id": "2", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Lima\"}"}}]},
        {"role": "tool", "tool_call_id": "1", "content": "cold"},
        {"role": "tool", "tool_call_id": "2", "content": "warm"},
        {"role": "assistant", "content": "Oslo is cold, Lima warm."}]),
    "no_generation_prompt": dict(kwargs={"add_generation_prompt": False}, messages=[
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"}]),
    "thinking_off_tools": dict(kwargs={"enable_thinking": False}, tools=[WEATHER, NO_PARAMS], messages=[
        {"role": "user", "content": "What time is it?"}]),
    "thinking_on_multiturn": dict(kwargs={"enable_thinking": True}, messages=[
        {"role": "user", "content": "1+1?"},
        {"role": "assistant", "content": "<think>\nEasy.\n</think>\n\n2"},
        {"role": "user", "content": "2+2?"}]),
    # OpenAI-style nulls: an assistant tool-call turn with "content": null and "reasoning_content": null.
    "null_content_tool_call": dict(tools=[NULLABLE, WEATHER], messages=[
        {"role": "user", "content": "Find qwen4j"},
        {"role": "assistant", "content": None, "reasoning_content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "search", "arguments": {"query": "qwen4j", "limit": None}}}]},
        {"role": "tool", "tool_call_id": "call_1", "name": "search", "content": "[]"},
        {"role": "assistant", "content": "Nothing found.", "reasoning_content": None}]),
    # The same with "content": "" (templates that test `'</think>' in content` need a string).
    "null_reasoning_tool_call": dict(tools=[NULLABLE], messages=[
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Find qwen4j"},
        {"role": "assistant", "content": "", "reasoning_content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "search", "arguments": {"query": "qwen4j", "limit": None}}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "[]"},
        {"role": "assistant", "content": "<think>\nnone\n</think>\n\nNothing found.", "reasoning_content": None},
        {"role": "user", "content": "Thanks"}]),
    "system_and_tools_content_list": dict(tools=[NO_PARAMS], messages=[
        {"role": "system", "content": "   Leading and trailing spaces   "},
        {"role": "user", "content": "<tool_response>\nnot really\n</tool_response>"},
        {"role": "user", "content": "Real question"}]),
}

# (template, conversations) pairs; templates whose structure rejects a conversation are simply skipped
# when Jinja2 itself raises (HF would raise too).
TEMPLATES = ["qwen3.jinja", "qwen3-thinking-2507.jinja", "qwen2.5.jinja", "qwen3-coder.jinja", "qwen2.5-math.jinja"]

FEATURE_CASES = {
    "features_basic": dict(messages=[
        {"role": "user", "content": "Hello, world!"},
        {"role": "assistant", "content": "Hi there, friend."},
        {"role": "user", "content": "  spaced  out, text  "}],
        kwargs={"meta": {"name": "demo", "skip": 1, "ratio": 0.25, "tiny": 1e-07, "nested": {"a": [1, 2.0, None, True]}, "text": "ünï"}}),
    "features_unicode": dict(messages=[
        {"role": "user", "content": UNICODE},
        {"role": "assistant", "content": "ok"}],
        kwargs={"meta": {"skip": "x", "emoji": "🚀", "zero": 0, "neg": -2.5e-10, "big": 12345678901234567890}}),
}


VISION = {
    "vision_parts": dict(kwargs={"add_vision_id": True}, messages=[
        {"role": "user", "content": [{"type": "image", "image": "a.png"}, {"type": "text", "text": "What is this?"}]},
        {"role": "assistant", "content": "A cat."},
        {"role": "user", "content": [{"type": "video", "video": "v.mp4"}, {"type": "image_url", "image_url": {"url": "x"}},
                                     {"type": "text", "text": "And these?"}]}]),
    "vision_system_parts": dict(tools=[WEATHER], messages=[
        {"role": "system", "content": [{"type": "text", "text": "You see."}]},
        {"role": "user", "content": [{"type": "text", "text": "Look: "}, {"type": "image", "image": "b.png"}]}]),
}

# Qwen-family templates written from memory (templates/diff), with the text conversations and, for the
# vision-language ones, content parts (images, videos, text).
DIFF_TEMPLATES = ["diff/qwq.jinja", "diff/qwen2.5-coder.jinja", "diff/qwen3-instruct-2507.jinja",
                  "diff/deepseek-r1-qwen.jinja", "diff/qwen2-vl.jinja", "diff/qwen3-vl.jinja"]
VISION_TEMPLATES = ["diff/qwen2-vl.jinja", "diff/qwen3-vl.jinja"]


def render(env, template_name, case):
    tmpl = env.from_string(template_source(template_name))
    kwargs = dict(case.get("kwargs", {}))
    kwargs.setdefault("add_generation_prompt", True)
    return tmpl.render(messages=copy.deepcopy(case["messages"]), tools=case.get("tools"),
                       bos_token="", eos_token="<|im_end|>", **kwargs)


def main():
    env = environment()
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    written = 0
    jobs = [(t, n, c) for t in TEMPLATES for n, c in CONVERSATIONS.items()]
    jobs += [("features.jinja", n, c) for n, c in FEATURE_CASES.items()]
    jobs += [(t, n, c) for t in DIFF_TEMPLATES for n, c in CONVERSATIONS.items()]
    jobs += [(t, n, c) for t in VISION_TEMPLATES for n, c in VISION.items()]
    jobs += [("whitespace.jinja", "whitespace", CONVERSATIONS["no_generation_prompt"])]
    jobs += [("none.jinja", n, CONVERSATIONS[n]) for n in ("null_content_tool_call", "null_reasoning_tool_call",
                                                            "nested_tools_floats", "no_generation_prompt")]
    jobs += [("expressions.jinja", n, CONVERSATIONS[n]) for n in ("no_generation_prompt", "thinking_off_tools")]
    jobs += [("expressions.jinja", "features_unicode", FEATURE_CASES["features_unicode"])]
    jobs += [("undefined.jinja", n, CONVERSATIONS[n]) for n in ("null_content_tool_call", "string_arguments",
                                                                 "no_generation_prompt", "system_and_tools_content_list")]
    jobs += [("blocks.jinja", n, CONVERSATIONS[n]) for n in ("null_content_tool_call", "string_arguments",
                                                              "multiturn_reasoning_tools", "no_generation_prompt")]
    jobs += [("text-and-numbers.jinja", n, CONVERSATIONS[n]) for n in ("no_generation_prompt", "multiturn_reasoning_tools")]
    jobs += [("text-and-numbers.jinja", "features_unicode", FEATURE_CASES["features_unicode"])]
    jobs += [("semantics.jinja", n, CONVERSATIONS[n]) for n in ("no_generation_prompt", "multiturn_reasoning_tools",
                                                                "thinking_off_tools")]
    for template_name, name, case in jobs:
        try:
            expected = render(env, template_name, case)
        except Exception as e:  # the template refuses this conversation (HF would fail the same way)
            print(f"skip {template_name} {name}: {type(e).__name__}: {e}")
            continue
        record = {"template": template_name, **case, "expected": expected}
        stem = template_name.removesuffix(".jinja").replace("/", "-")
        (OUT / f"{stem}__{name}.json").write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written += 1
    print(f"wrote {written} cases to {OUT} with jinja2 {jinja2.__version__}")


if __name__ == "__main__":
    main()
