package io.qwen4j.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of persistent compute threads that split a range of work items between them.
 *
 * <p>The calling thread takes part (it runs the first chunk), so a pool of {@code n} threads starts
 * {@code n - 1} workers. Workers spin briefly after each job before parking: a decode step issues
 * hundreds of small matmuls with microseconds of serial work in between, and waking a parked thread
 * costs more than that (STACK-NOTES: this beat an {@code ExecutorService} per matvec).
 *
 * <p>{@link #parallelFor} is meant to be driven by one thread at a time (the engine loop); concurrent
 * callers are serialised, and a nested call from inside a job runs serially on the calling thread.
 */
public final class ComputePool implements AutoCloseable {

    /** Work over item indices {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeJob {
        void run(int start, int end);
    }

    /** How long a worker spins for the next job before parking. */
    private static final long SPIN_NANOS = 100_000;

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private RangeJob job;
    private int items;
    private int parts;
    private volatile Throwable failure;
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
     * Runs {@code job} over {@code [0, n)} split into contiguous chunks, one per thread, and returns when
     * all chunks are done. An exception thrown by any chunk is rethrown here.
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
            this.job = job;
            this.items = n;
            this.parts = Math.min(threads, n);
            this.failure = null;
            pending.set(parts - 1);
            generation++; // volatile write: publishes job, items, parts
            for (int w = 0; w < parts - 1; w++) {
                if (workers[w].parked) {
                    LockSupport.unpark(workers[w].thread);
                }
            }
            try {
                job.run(0, chunkEnd(0));
            } finally {
                awaitWorkers();
            }
            Throwable t = failure;
            if (t != null) {
                if (t instanceof RuntimeException re) {
                    throw re;
                }
                if (t instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException(t);
            }
        } finally {
            this.job = null;
            running = false;
        }
    }

    private int chunkEnd(int part) {
        return (int) ((long) items * (part + 1) / parts);
    }

    private void awaitWorkers() {
        long spins = 0;
        while (pending.get() != 0) {
            if (++spins < 10_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
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
        final int part;
        final Thread thread;
        volatile boolean parked;

        Worker(int part) {
            this.part = part;
            this.thread = new WorkerThread(this, "qwen4j-compute-" + part);
        }

        @Override
        public void run() {
            long seen = 0;
            while (!closed) {
                long g = awaitJob(seen);
                if (g == seen) {
                    continue;
                }
                seen = g;
                if (part < parts) {
                    try {
                        job.run((int) ((long) items * part / parts), chunkEnd(part));
                    } catch (Throwable t) {
                        failure = t;
                    } finally {
                        pending.decrementAndGet();
                    }
                }
            }
        }

        private long awaitJob(long seen) {
            long start = System.nanoTime();
            int spins = 0;
            while (generation == seen && !closed) {
                Thread.onSpinWait();
                if ((++spins & 63) == 0 && System.nanoTime() - start > SPIN_NANOS) {
                    // Dekker handshake: the producer bumps generation then reads parked; we set parked
                    // then re-read generation, so one of us always sees the other.
                    parked = true;
                    while (generation == seen && !closed) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
            return generation;
        }
    }
}
