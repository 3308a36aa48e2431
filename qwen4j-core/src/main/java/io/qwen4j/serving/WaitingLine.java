package io.qwen4j.serving;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link BatchScheduler}'s sequences waiting to run, in admission order: new submissions (handed over from any
 * thread, at most {@code maxQueue} of them) behind preempted ones, which wait first in line. Everything but
 * {@link #offer}, {@link #withdrawIncoming}, {@link #pollIncoming} and {@link #queued} runs on the engine thread.
 */
final class WaitingLine {

    private final int maxQueue;
    private final LinkedBlockingQueue<ServingSequence> incoming = new LinkedBlockingQueue<>();
    /** New submissions not yet running, wherever they are (incoming or waiting). */
    private final AtomicInteger queuedNew = new AtomicInteger();
    private final Deque<ServingSequence> waiting = new ArrayDeque<>();
    private int preempted;
    private volatile int preemptedPublished;

    WaitingLine(int maxQueue) {
        this.maxQueue = maxQueue;
    }

    /** Queues a new submission, or throws {@link QueueFullException} when {@code maxQueue} already wait. */
    void offer(ServingSequence s) {
        if (queuedNew.incrementAndGet() > maxQueue) {
            queuedNew.decrementAndGet();
            throw new QueueFullException(maxQueue);
        }
        incoming.add(s);
    }

    /** Takes back a submission the engine has not picked up (the service closed meanwhile); false if it had. */
    boolean withdrawIncoming(ServingSequence s) {
        if (incoming.remove(s)) {
            queuedNew.decrementAndGet();
            return true;
        }
        return false;
    }

    /** A submission never picked up, or null. */
    ServingSequence pollIncoming() {
        return incoming.poll();
    }

    /** Requests waiting, new and preempted (as last published). */
    int queued() {
        return queuedNew.get() + preemptedPublished;
    }

    /** Moves every handed-over submission to the end of the line. */
    void takeIncoming() {
        for (ServingSequence s; (s = incoming.poll()) != null; ) {
            waiting.addLast(s);
        }
    }

    /** Waits up to {@code millis} for a submission and puts it in line. */
    void awaitIncoming(long millis) throws InterruptedException {
        ServingSequence s = incoming.poll(millis, TimeUnit.MILLISECONDS);
        if (s != null) {
            waiting.addLast(s);
        }
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    ServingSequence first() {
        return waiting.peekFirst();
    }

    /** The first in line leaves it (to run, or because it has nothing to compute). */
    void removeFirst() {
        leave(waiting.pollFirst());
    }

    /** Cancelled sequences leave the line; they are marked done. */
    void removeCancelled() {
        waiting.removeIf(s -> {
            if (s.isCancelled()) {
                leave(s);
                s.markDone();
                return true;
            }
            return false;
        });
    }

    /** A preempted sequence waits first in line. */
    void addPreempted(ServingSequence s) {
        waiting.addFirst(s);
        preempted++;
    }

    /** Tells every waiting sequence the service shut down. */
    void abandonAll() {
        waiting.forEach(ServingSequence::abandon);
        waiting.clear();
        preempted = 0;
    }

    void publish() {
        preemptedPublished = preempted;
    }

    private void leave(ServingSequence s) {
        if (s.started) {
            preempted--;
        } else {
            queuedNew.decrementAndGet();
        }
    }
}
