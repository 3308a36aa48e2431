package io.qwen4j.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of persistent compute threads that share the chunks of a range of work items.
 *
 * <p>The calling thread takes part, so a pool of {@code n} threads starts {@code n - 1} workers. Chunks are
 * claimed from a shared counter rather than assigned: on a shared machine a worker may not get a core for
 * milliseconds, and then the caller simply takes its chunks, so a busy box degrades to one-thread speed
 * instead of waiting (STACK-NOTES saw 2-way splits drop below 1-core speed). Workers spin briefly after a
 * job before parking: a decode step issues hundreds of small matmuls with microseconds of serial work in
 * between, and waking a parked thread costs more than that.
 *
 * <p>Meant to be driven by one thread at a time (the engine loop); concurrent callers are serialised, and a
 * nested call from inside a job runs serially on the calling thread.
 */
public final class ComputePool implements AutoCloseable {

    /** Work over item indices {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeJob {
        void run(int start, int end);
    }

    /** How long a worker spins for the next job before parking. */
    private static final long SPIN_NANOS = 100_000;

    /** One parallelFor call: published whole through a volatile field, so workers never see half a job. */
    private static final class Task {
        final RangeJob job;
        final int items;
        final int minChunk;
        final int threads;
        final AtomicLong next = new AtomicLong();
        final AtomicInteger doneItems = new AtomicInteger();
        volatile Throwable failure;

        Task(RangeJob job, int items, int minChunk, int threads) {
            this.job = job;
            this.items = items;
            this.minChunk = minChunk;
            this.threads = threads;
        }

        /**
         * Claims and runs chunks until no items are left. Each claim takes a {@code 1 / (2 * threads)} share
         * of what is left, but at least {@code minChunk} items (guided self-scheduling): the first chunks are
         * large, so a job costs few claims (a claim costs a kernel's per-call set-up), and the last are
         * small, so the threads finish close together (with four equal chunks per thread, the thread that
         * finished first waited for half a chunk on average, 1/16 of a matmul's work at two threads).
         */
        void work() {
            long seen;
            while ((seen = next.get()) < items) {
                int size = (int) Math.max(minChunk, (items - seen) / (2L * threads));
                long start = next.getAndAdd(size);
                if (start >= items) {
                    return;
                }
                int end = (int) Math.min(items, start + size);
                try {
                    job.run((int) start, end);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    doneItems.addAndGet(end - (int) start);
                }
            }
        }
    }

    private final int threads;
    private final Worker[] workers;
    private volatile Task current;
    private volatile boolean closed;
    private boolean running;

    public ComputePool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    /** A pool with one thread per available core. */
    public static ComputePool allCores() {
        return new ComputePool(Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code job} over {@code [0, n)} in contiguous chunks and returns when all are done. An exception
     * thrown by a chunk is rethrown here.
     */
    public void parallelFor(int n, RangeJob job) {
        parallelFor(n, 1, job);
    }

    /**
     * {@link #parallelFor(int, RangeJob)} with chunks of at least {@code minChunk} items (the last one may be
     * shorter): for jobs whose calls have a set-up cost worth amortising.
     */
    public void parallelFor(int n, int minChunk, RangeJob job) {
        if (minChunk < 1) {
            throw new IllegalArgumentException("minimum chunk must be >= 1, got " + minChunk);
        }
        if (n <= 0) {
            return;
        }
        // A job that calls back into the pool from a worker must not wait for the caller's lock.
        if (threads == 1 || n <= minChunk || Thread.currentThread() instanceof WorkerThread) {
            job.run(0, n);
            return;
        }
        dispatch(n, minChunk, job);
    }

    private synchronized void dispatch(int n, int minChunk, RangeJob job) {
        if (running) { // nested call from the caller's own chunk
            job.run(0, n);
            return;
        }
        running = true;
        try {
            Task task = new Task(job, n, minChunk, threads);
            current = task; // volatile write: publishes the task
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w.thread);
                }
            }
            task.work();
            long spins = 0;
            while (task.doneItems.get() < task.items) {
                if (++spins < 10_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            Throwable t = task.failure;
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        } finally {
            running = false;
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
    }

    private static final class WorkerThread extends Thread {
        WorkerThread(Runnable body, String name) {
            super(body, name);
            setDaemon(true);
        }
    }

    private final class Worker implements Runnable {
        final Thread thread;
        volatile boolean parked;

        Worker(int index) {
            this.thread = new WorkerThread(this, "qwen4j-compute-" + index);
        }

        @Override
        public void run() {
            Task seen = null;
            while (!closed) {
                Task task = awaitTask(seen);
                if (task != seen && task != null) {
                    task.work();
                }
                seen = task;
            }
        }

        private Task awaitTask(Task seen) {
            long start = System.nanoTime();
            int spins = 0;
            while (current == seen && !closed) {
                Thread.onSpinWait();
                if ((++spins & 63) == 0 && System.nanoTime() - start > SPIN_NANOS) {
                    // Dekker handshake: the caller writes current then reads parked; we write parked then
                    // re-read current, so one of us always sees the other.
                    parked = true;
                    while (current == seen && !closed) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
            return current;
        }
    }
}
