package io.qwen4j.kernels;

import java.util.concurrent.atomic.AtomicInteger;
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
        final int chunks;
        final AtomicInteger nextChunk = new AtomicInteger();
        final AtomicInteger doneChunks = new AtomicInteger();
        volatile Throwable failure;

        Task(RangeJob job, int items, int chunks) {
            this.job = job;
            this.items = items;
            this.chunks = chunks;
        }

        /** Claims and runs chunks until none are left. */
        void work() {
            int c;
            while ((c = nextChunk.getAndIncrement()) < chunks) {
                try {
                    job.run((int) ((long) items * c / chunks), (int) ((long) items * (c + 1) / chunks));
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    doneChunks.incrementAndGet();
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
     * Runs {@code job} over {@code [0, n)} in contiguous chunks (up to four per thread) and returns when all
     * are done. An exception thrown by a chunk is rethrown here.
     */
    public void parallelFor(int n, RangeJob job) {
        if (n <= 0) {
            return;
        }
        // A job that calls back into the pool from a worker must not wait for the caller's lock.
        if (threads == 1 || n == 1 || Thread.currentThread() instanceof WorkerThread) {
            job.run(0, n);
            return;
        }
        dispatch(n, job);
    }

    private synchronized void dispatch(int n, RangeJob job) {
        if (running) { // nested call from the caller's own chunk
            job.run(0, n);
            return;
        }
        running = true;
        try {
            Task task = new Task(job, n, Math.min(n, threads * 4));
            current = task; // volatile write: publishes the task
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w.thread);
                }
            }
            task.work();
            long spins = 0;
            while (task.doneChunks.get() < task.chunks) {
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
