#!/usr/bin/env python3
"""Bad-input fuzz of a running `qwen4j serve`: random mutations of chat, completion, Responses, Anthropic Messages,
tokenize and detokenize requests (wrong types in every field, odd roles and content parts, broken tools and tool_choice, NaN). Every answer
must be 200, 400 or 404 (an unknown model), every 400 in OpenAI's error shape, and the server must stay up.

    ./qwen4j serve -m MODEL --port 8099 &   # a small synthetic model is enough
    python3 scripts/fuzz/server-requests.py SEED COUNT [URL]

Prints the status counts and a sample of the error messages. Not part of ./run-tests.
"""
import json, random, sys, urllib.error, urllib.request

seed, count = int(sys.argv[1]), int(sys.argv[2])
url = sys.argv[3] if len(sys.argv) > 3 else "http://127.0.0.1:8099"
r = random.Random(seed)
VALUES = [None, True, False, 0, -1, 1, 2**31, 2**63, -2**63, 1.5, -0.5, 1e308, float("nan"), "", "x", "none", "auto",
          "required", [], [1], ["a"], {}, {"a": 1}, [{}], [{"role": "user"}], {"type": "function"}, "\u0000", "😀" * 10]
FIELDS = ["model", "messages", "tools", "tool_choice", "stream", "stream_options", "n", "seed", "stop", "max_tokens",
          "max_completion_tokens", "temperature", "top_p", "top_k", "min_p", "repetition_penalty", "presence_penalty",
          "frequency_penalty", "logprobs", "top_logprobs", "chat_template_kwargs", "reasoning_effort", "thinking_budget",
          "parallel_tool_calls", "response_format", "logit_bias", "user", "prompt", "echo", "suffix"]


def value():
    return r.choice(VALUES)


def mutate(body):
    k = r.random()
    if k < 0.5:
        body[r.choice(FIELDS)] = value()
    elif k < 0.7:
        m = {"role": r.choice(["user", "assistant", "system", "tool", "developer", "bogus", None, 1]), "content": value()}
        if r.random() < 0.3:
            m["tool_calls"] = r.choice([value(), [{"type": "function", "function": {"name": value(), "arguments": value()}}]])
        if r.random() < 0.2:
            m["reasoning_content"] = value()
        old = body["messages"] if isinstance(body["messages"], list) else []
        body["messages"] = r.choice([[m], [{"role": "user", "content": "a"}, m], old + [m]])
    elif k < 0.85:
        body["tools"] = r.choice([value(), [{"type": "function", "function": {"name": value(), "parameters": value()}}],
                                  [{"type": "function", "function": value()}], [{"type": value()}]])
        body["tool_choice"] = r.choice([value(), {"type": "function", "function": {"name": value()}}, {"type": "function"}])
    else:
        body["messages"] = [{"role": "user", "content": r.choice([value(), [{"type": "text", "text": value()}], [{"type": value()}]])}]
    return body


RESPONSES_FIELDS = ["input", "instructions", "tools", "tool_choice", "reasoning", "text", "include", "previous_response_id",
                    "store", "stream", "max_output_tokens", "top_logprobs", "background", "parallel_tool_calls", "metadata"]
MESSAGES_FIELDS = ["messages", "system", "tools", "tool_choice", "thinking", "stop_sequences", "stream", "max_tokens",
                   "temperature", "top_k", "metadata", "mcp_servers"]


def item():
    """A Responses input item, well-formed or not."""
    return r.choice([
        {"role": r.choice(["user", "assistant", "developer", "tool", value()]), "content": r.choice([value(), [{"type": "input_text", "text": value()}], [{"type": value()}]])},
        {"type": "function_call", "call_id": value(), "name": value(), "arguments": value()},
        {"type": "function_call_output", "call_id": r.choice(["c", value()]), "output": value()},
        {"type": "reasoning", "summary": value(), "content": r.choice([value(), [{"type": "reasoning_text", "text": value()}]])},
        {"type": value()}, value()])


def block():
    """An Anthropic content block, well-formed or not."""
    return r.choice([
        {"type": "text", "text": value()}, {"type": "thinking", "thinking": value(), "signature": value()},
        {"type": "tool_use", "id": value(), "name": value(), "input": value()},
        {"type": "tool_result", "tool_use_id": value(), "content": r.choice([value(), [{"type": "text", "text": value()}]])},
        {"type": "image", "source": value()}, {"type": value()}, value()])


def responses_body():
    body = {"input": r.choice(["hi", [item() for _ in range(r.randint(1, 4))]]), "max_output_tokens": 4}
    for _ in range(r.randint(0, 3)):
        field = r.choice(RESPONSES_FIELDS)
        body[field] = r.choice([value(), {"effort": value()}, {"format": {"type": value(), "schema": value(), "name": "x"}},
                                [{"type": r.choice(["function", value()]), "name": value(), "parameters": value()}],
                                {"type": "function", "name": value()}, [item()]])
    return body


def messages_body():
    body = {"max_tokens": 4, "messages": [{"role": r.choice(["user", "assistant", value()]),
                                           "content": r.choice(["hi", [block() for _ in range(r.randint(1, 3))], value()])}
                                          for _ in range(r.randint(1, 3))]}
    for _ in range(r.randint(0, 3)):
        field = r.choice(MESSAGES_FIELDS)
        body[field] = r.choice([value(), {"type": value(), "budget_tokens": value()}, {"type": "tool", "name": value()},
                                [{"name": value(), "input_schema": value(), "type": r.choice(["custom", value()])}], [block()]])
    return body


statuses, messages, bad = {}, set(), 0
for i in range(count):
    body = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}
    for _ in range(r.randint(1, 4)):
        body = mutate(body)
    path = r.choice(["/v1/chat/completions"] * 4 + ["/v1/completions", "/tokenize", "/detokenize", "/apply-template"]
                    + ["/v1/responses"] * 3 + ["/v1/messages"] * 3 + ["/v1/messages/count_tokens"])
    if path == "/v1/responses":
        body = responses_body()
    if path.startswith("/v1/messages"):
        body = messages_body()
    if path == "/v1/completions":
        body.setdefault("prompt", r.choice(["hi", value()]))
    if path == "/detokenize":
        body["tokens"] = r.choice([[1, 2], value(), [-1], [10**12], ["a"]])
    if path == "/tokenize":
        body["content"] = r.choice(["hi", value()])
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    statuses[status] = statuses.get(status, 0) + 1
    if status not in (200, 400, 404):
        bad += 1
        print("BAD", status, path, json.dumps(body)[:300], text[:300])
    elif status == 400:
        try:
            error = json.loads(text)["error"]
            assert error["message"] and error["type"]
            messages.add(error["message"][:150])
        except Exception:
            bad += 1
            print("BAD error shape", text[:200])
print(f"{count} requests: statuses {statuses}, {bad} bad")
for m in random.Random(0).sample(sorted(messages), min(10, len(messages))):
    print("  -", m)
sys.exit(1 if bad else 0)
