package io.qwen4j.server.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Responses API's stored responses ({@code store}, on by default as OpenAI's), for {@code previous_response_id}
 * and {@code GET}/{@code DELETE /v1/responses/ID}: each response with its conversation as input items (everything
 * it was given, then its own output), so a follow-up continues it. In memory only, gone at restart, and bounded:
 * the least recently used go first once there are more than {@link #MAX_RESPONSES} or their JSON passes
 * {@link #MAX_CHARS} characters.
 */
public final class ResponseStore {

    public static final int MAX_RESPONSES = 1024;
    public static final long MAX_CHARS = 64L << 20;

    private record Entry(ObjectNode response, ArrayNode conversation, long chars) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final int maxResponses;
    private final long maxChars;
    private long chars;

    public ResponseStore() {
        this(MAX_RESPONSES, MAX_CHARS);
    }

    ResponseStore(int maxResponses, long maxChars) {
        this.maxResponses = maxResponses;
        this.maxChars = maxChars;
    }

    /** Keeps a finished response and its whole conversation (input items, then its output items). */
    public synchronized void put(String id, ObjectNode response, ArrayNode conversation) {
        long size = response.toString().length() + (long) conversation.toString().length();
        Entry old = entries.put(id, new Entry(response, conversation, size));
        chars += size - (old == null ? 0 : old.chars());
        for (Iterator<Entry> eldest = entries.values().iterator();
             eldest.hasNext() && (entries.size() > maxResponses || chars > maxChars); ) {
            chars -= eldest.next().chars();
            eldest.remove();
        }
    }

    public synchronized Optional<ObjectNode> response(String id) {
        Entry e = entries.get(id);
        return e == null ? Optional.empty() : Optional.of(e.response().deepCopy());
    }

    synchronized Optional<ArrayNode> conversation(String id) {
        Entry e = entries.get(id);
        return e == null ? Optional.empty() : Optional.of(e.conversation().deepCopy());
    }

    public synchronized boolean delete(String id) {
        Entry e = entries.remove(id);
        if (e != null) {
            chars -= e.chars();
        }
        return e != null;
    }
}
