// The official OpenAI Node SDK against a running qwen4j server (issue 6's "other real clients").
// Usage: node check.mjs BASE_URL API_KEY   (scripts/check-node-client.sh starts the server and runs this)
// Prints one line per check and exits 1 if any failed.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import assert from 'node:assert/strict';

const [baseURL, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120_000 });
const anthropic = new Anthropic({ baseURL: baseURL.replace(/\/v1$/, ''), apiKey, maxRetries: 0, timeout: 120_000 });
const noThinking = { chat_template_kwargs: { enable_thinking: false } };
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', enum: ['Paris', 'Rome'] }, days: { type: 'integer' } },
      required: ['city', 'days'],
    },
  },
};

function assertWeatherArguments(text) {
  const args = JSON.parse(text);
  assert.ok(['Paris', 'Rome'].includes(args.city), text);
  assert.ok(Number.isInteger(args.days), text);
  assert.equal(Object.keys(args).length, 2, text);
}

async function metric(name) {
  const text = await (await fetch(baseURL.replace(/\/v1$/, '') + '/metrics', {
    headers: { Authorization: `Bearer ${apiKey}` },
  })).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  assert.ok(line, `metric ${name} missing`);
  return Number(line.trim().split(/\s+/).pop());
}

async function settles(name, expected) {
  for (let i = 0; i < 100; i++) {
    if ((await metric(name)) === expected) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await metric(name), expected, `${name} did not return to ${expected}`);
}

const checks = {
  async models() {
    const models = await client.models.list();
    assert.ok(models.data.length >= 1);
    return models.data[0].id;
  },

  async chatNonStream(model) {
    const r = await client.chat.completions.create({
      model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 8, temperature: 0, ...noThinking,
    });
    const choice = r.choices[0];
    assert.equal(choice.message.role, 'assistant');
    assert.equal(typeof choice.message.content, 'string');
    assert.ok(!choice.message.content.includes('<think>'));
    assert.ok(['stop', 'length'].includes(choice.finish_reason));
    assert.ok(r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  },

  async chatStreamWithUsageAndLogprobs(model) {
    const stream = await client.chat.completions.create({
      model, messages: [{ role: 'user', content: 'Count to three' }], max_tokens: 6, temperature: 0, stream: true,
      stream_options: { include_usage: true }, logprobs: true, top_logprobs: 2, ...noThinking,
    });
    let text = '';
    let finish = null;
    let usage = null;
    let logprobs = 0;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        text += c.delta?.content ?? '';
        finish = c.finish_reason ?? finish;
        for (const lp of c.logprobs?.content ?? []) {
          assert.ok(lp.logprob <= 0 && lp.top_logprobs.length === 2);
          logprobs++;
        }
      }
    }
    assert.ok(['stop', 'length'].includes(finish));
    assert.ok(usage && usage.completion_tokens > 0, 'usage chunk');
    assert.equal(logprobs, usage.completion_tokens);
    assert.equal(typeof text, 'string');
  },

  async forcedToolCall(model) {
    const r = await client.chat.completions.create({
      model, messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool], tool_choice: 'required',
      max_tokens: 100, temperature: 0, ...noThinking,
    });
    const choice = r.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.tool_calls.length, 1);
    assert.equal(choice.message.tool_calls[0].function.name, 'get_weather');
    assertWeatherArguments(choice.message.tool_calls[0].function.arguments);
  },

  async forcedToolCallStreamed(model) {
    const stream = await client.chat.completions.create({
      model, messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } }, max_tokens: 100, temperature: 0,
      stream: true, ...noThinking,
    });
    let args = '';
    let name = null;
    let finish = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        for (const call of c.delta?.tool_calls ?? []) {
          name = call.function?.name ?? name;
          args += call.function?.arguments ?? '';
        }
        finish = c.finish_reason ?? finish;
      }
    }
    assert.equal(name, 'get_weather');
    assert.equal(finish, 'tool_calls');
    assertWeatherArguments(args);
  },

  async structuredOutput(model) {
    // response_format json_schema: the random-weight model's answer parses as JSON of the schema
    const schema = {
      type: 'object', properties: { ok: { type: 'boolean' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['ok', 'unit'], additionalProperties: false,
    };
    const r = await client.chat.completions.create({
      model, messages: [{ role: 'user', content: 'Answer in JSON' }], max_tokens: 60, temperature: 0, ...noThinking,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } },
    });
    const answer = JSON.parse(r.choices[0].message.content);
    assert.equal(typeof answer.ok, 'boolean');
    assert.ok(['celsius', 'fahrenheit'].includes(answer.unit));
    assert.deepEqual(Object.keys(answer).sort(), ['ok', 'unit']);
    assert.equal(r.choices[0].finish_reason, 'stop');
  },

  async abortMidStream(model) {
    const controller = new AbortController();
    const stream = await client.chat.completions.create({
      model, messages: [{ role: 'user', content: 'Write a long story' }], max_tokens: 400, stream: true,
      ...noThinking,
    }, { signal: controller.signal });
    let chunks = 0;
    let finish = null;
    try {
      for await (const chunk of stream) {
        for (const c of chunk.choices) finish = c.finish_reason ?? finish;
        if (++chunks === 3) controller.abort();
      }
    } catch (e) {
      // openai-node ends the iteration quietly on abort; older versions threw APIUserAbortError
      assert.ok(e.name === 'APIUserAbortError' || e.name === 'AbortError', String(e));
    }
    assert.equal(chunks, 3, 'no chunk after the abort');
    assert.equal(finish, null, 'the generation was cut before it finished');
    await settles('qwen4j_requests_running', 0);
    await settles('qwen4j_kv_cache_blocks_used', 0);
  },

  async concurrentStreams(model) {
    const one = async (i) => {
      const stream = await client.chat.completions.create({
        model, messages: [{ role: 'user', content: `Stream ${i}` }], max_tokens: 12, stream: true, seed: i,
        ...noThinking,
      });
      const ids = new Set();
      let finish = null;
      for await (const chunk of stream) {
        ids.add(chunk.id);
        for (const c of chunk.choices) finish = c.finish_reason ?? finish;
      }
      assert.equal(ids.size, 1, 'one id per stream');
      assert.ok(['stop', 'length'].includes(finish));
      return [...ids][0];
    };
    const ids = await Promise.all([...Array(8).keys()].map(one));
    assert.equal(new Set(ids).size, 8, 'distinct ids');
  },

  async completions(model) {
    const r = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 5, temperature: 0 });
    assert.equal(typeof r.choices[0].text, 'string');
    assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  },

  async responsesNonStream(model) {
    const r = await client.responses.create({
      model, input: 'Hello', instructions: 'Be brief.', max_output_tokens: 8, temperature: 0, reasoning: { effort: 'none' },
    });
    assert.ok(['completed', 'incomplete'].includes(r.status), r.status);
    assert.equal(r.output.length, 1);
    assert.equal(r.output[0].type, 'message');
    // output_text is the SDK's own concatenation of the message's output_text parts
    assert.equal(r.output_text, r.output[0].content.map((c) => c.text).join(''));
    assert.equal(r.usage.output_tokens_details.reasoning_tokens, 0);
  },

  async responsesStreamHelper(model) {
    // the SDK's stream helper rebuilds the response from the events and fails on any out of order
    const stream = client.responses.stream({
      model, input: 'Tell me a story.', max_output_tokens: 60, temperature: 0, thinking_budget: 6,
    });
    let reasoning = '';
    let text = '';
    const seen = [];
    stream.on('response.reasoning_text.delta', (e) => { reasoning += e.delta; });
    stream.on('response.output_text.delta', (e) => { text += e.delta; });
    stream.on('event', (e) => seen.push(e.sequence_number));
    const r = await stream.finalResponse();
    assert.deepEqual(seen, [...seen.keys()], 'sequence numbers 0, 1, 2, ...');
    assert.deepEqual(r.output.map((o) => o.type), ['reasoning', 'message']);
    assert.equal(r.output[0].content.map((c) => c.text).join(''), reasoning);
    assert.equal(r.output_text, text);
  },

  async responsesToolLoop(model) {
    const tool = { type: 'function', name: 'get_weather', parameters: weatherTool.function.parameters, strict: true };
    const r = await client.responses.create({
      model, input: 'Weather?', tools: [tool], tool_choice: 'required', max_output_tokens: 80, reasoning: { effort: 'none' },
    });
    const call = r.output.find((o) => o.type === 'function_call');
    assert.ok(call, JSON.stringify(r.output));
    assert.equal(call.name, 'get_weather');
    assertWeatherArguments(call.arguments);
    const next = await client.responses.create({
      model, tools: [tool], max_output_tokens: 8, reasoning: { effort: 'none' },
      input: [{ role: 'user', content: 'Weather?' }, call, { type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
    });
    assert.ok(next.usage.input_tokens > r.usage.input_tokens, 'the call and its output are in the prompt');
  },

  async responsesAbort(model) {
    const controller = new AbortController();
    const stream = await client.responses.create({
      model, input: 'Write at length.', max_output_tokens: 400, stream: true,
    }, { signal: controller.signal });
    let deltas = 0;
    try {
      for await (const event of stream) {
        if (event.type.endsWith('.delta') && ++deltas === 3) controller.abort();
      }
    } catch (e) {
      assert.ok(e.name === 'APIUserAbortError' || e.name === 'AbortError', String(e));
    }
    assert.equal(deltas, 3, 'no delta after the abort');
    await settles('qwen4j_requests_running', 0);
    await settles('qwen4j_kv_cache_blocks_used', 0);
  },

  async anthropicMessages(model) {
    const m = await anthropic.messages.create({
      model, max_tokens: 60, temperature: 0, system: 'Be kind.', thinking: { type: 'enabled', budget_tokens: 6 },
      messages: [{ role: 'user', content: 'Tell me a story.' }],
    });
    assert.deepEqual(m.content.map((b) => b.type), ['thinking', 'text']);
    assert.ok(['end_turn', 'max_tokens'].includes(m.stop_reason), m.stop_reason);
    const counted = await anthropic.messages.countTokens({
      model, system: 'Be kind.', messages: [{ role: 'user', content: 'Tell me a story.' }],
    });
    assert.equal(counted.input_tokens, m.usage.input_tokens + (m.usage.cache_read_input_tokens ?? 0));
  },

  async anthropicStreamHelper(model) {
    // the SDK's stream helper rebuilds the message from the events and fails on any out of order
    const stream = anthropic.messages.stream({
      model, max_tokens: 60, temperature: 0, thinking: { type: 'enabled', budget_tokens: 6 },
      messages: [{ role: 'user', content: 'Tell me a story.' }],
    });
    let thinking = '';
    let text = '';
    stream.on('thinking', (delta) => { thinking += delta; });
    stream.on('text', (delta) => { text += delta; });
    const m = await stream.finalMessage();
    assert.equal(m.content[0].thinking, thinking);
    assert.equal(m.content[1].text, text);
  },

  async anthropicToolLoop(model) {
    const tool = { name: 'get_weather', input_schema: weatherTool.function.parameters };
    const m = await anthropic.messages.create({
      model, max_tokens: 80, thinking: { type: 'disabled' }, tools: [tool], tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Weather?' }],
    });
    assert.equal(m.stop_reason, 'tool_use');
    const use = m.content.find((b) => b.type === 'tool_use');
    assertWeatherArguments(JSON.stringify(use.input));
    const next = await anthropic.messages.create({
      model, max_tokens: 8, thinking: { type: 'disabled' }, tools: [tool],
      messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: m.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] }],
    });
    assert.ok(next.usage.input_tokens + (next.usage.cache_read_input_tokens ?? 0) > m.usage.input_tokens);
    await assert.rejects(anthropic.messages.create({ model, max_tokens: 4, messages: [] }),
      (e) => e.status === 400 && e.error?.type === 'error' && e.error?.error?.type === 'invalid_request_error');
  },

  async errors(model) {
    await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
      (e) => e.status === 404 && typeof e.error?.message === 'string');
    await assert.rejects(client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], temperature: -1 }),
      (e) => e.status === 400 && /temperature/.test(e.error?.message ?? e.message));
    const wrongKey = new OpenAI({ baseURL, apiKey: 'wrong', maxRetries: 0 });
    await assert.rejects(wrongKey.models.list(), (e) => e.status === 401);
  },
};

let model;
let failed = 0;
for (const [name, check] of Object.entries(checks)) {
  try {
    const result = await check(model);
    if (name === 'models') model = result;
    console.log(`ok    ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL  ${name}: ${e.message}`);
  }
}
console.log(failed === 0 ? `all ${Object.keys(checks).length} checks passed (openai-node, anthropic-node)` : `${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
