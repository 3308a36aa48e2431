/** Counters and the Prometheus text of {@code GET /metrics}. */
package io.qwen4j.server.metrics;
