"""Time to first token of streamed chat requests against a running `qwen4j serve`: a ~660-token system + user prompt,
the same again, the next turn (the first answer appended, a new user message), then two other users' first messages
after the same system prompt. Prints each request's time to first token and
usage.prompt_tokens_details.cached_tokens: what the prefix cache saves.

    python3 scripts/bench/prefix-cache-ttft.py PORT MODEL_ID
"""
import json
import sys
import time
import urllib.request

port, model = sys.argv[1], sys.argv[2]
system = "You are a careful assistant. " + " ".join(
    f"Rule {i}: answer briefly and cite the rule number when it applies." for i in range(40))


def ask(messages):
    body = json.dumps({"model": model, "messages": messages, "max_tokens": 8, "temperature": 0, "stream": True,
                       "stream_options": {"include_usage": True},
                       "chat_template_kwargs": {"enable_thinking": False}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", body,
                                     {"content-type": "application/json"})
    start, first, text, usage = time.time(), None, "", None
    with urllib.request.urlopen(request) as response:
        for line in response:
            line = line.decode().strip()
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices", []):
                content = choice["delta"].get("content")
                if content and first is None:
                    first = time.time() - start
                text += content or ""
    return first, text, usage


def report(label, first, usage):
    print(f"{label}: first token {first:.2f} s, prompt {usage['prompt_tokens']} tokens, "
          f"cached {usage['prompt_tokens_details']['cached_tokens']}")


turn = [{"role": "system", "content": system}, {"role": "user", "content": "What is rule 7?"}]
first, answer, usage = ask(turn)
report("first", first, usage)
first, _, usage = ask(turn)
report("same again", first, usage)
first, _, usage = ask(turn + [{"role": "assistant", "content": answer}, {"role": "user", "content": "And rule 12?"}])
report("next turn", first, usage)
first, _, usage = ask([turn[0], {"role": "user", "content": "Another user asks: which rule is about brevity?"}])
report("another user", first, usage)
first, _, usage = ask([turn[0], {"role": "user", "content": "A third user: list rules 3 to 5."}])
report("a third user", first, usage)
