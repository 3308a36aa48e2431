package io.qwen4j.engine.speculative;

import io.qwen4j.engine.SequenceDecoder;

/**
 * One sequence's speculative decoding: its {@link Drafter}, how many guesses to check next, and whether guessing pays
 * at all. Each guess costs a row of the forward pass whether it is right or not, and what a row costs depends on the
 * machine and the weights: on 2 cores a second Q8_0 row costs ~1.4x the first, a Q4_0 one (run row by row) ~2x,
 * where a memory-bound machine reads the weights once for all rows (README, "Speculative decoding"). So:
 * <ul>
 *   <li>the length adapts: one more after a pass whose guesses were all right, back to one past the right ones after
 *       a miss, between 1 and the configured maximum;</li>
 *   <li>the time per generated token of decode passes is tracked with the drafter consulted (its own time, and
 *       passes it found nothing for, included) and without: after {@value #MIN_SAMPLES} passes with it, the next
 *       {@value #PROBE} go without, for comparison; when guessing has been the slower, guesses pause for 8 passes,
 *       then for twice as long each time it still is (up to {@value #MAX_PAUSE}), judged afresh after each pause.</li>
 * </ul>
 */
public final class Speculator {

    static final int MIN_SAMPLES = 4;
    static final int PROBE = 2;
    static final int MAX_PAUSE = 256;
    private static final double EMA_WEIGHT = 0.25;

    private final Drafter drafter;
    private final int maxDraft;
    private final boolean pauseWhenSlower;
    private int length = 1;
    private long passes;
    private long pausedUntil;
    private int pause;
    /** Whether the drafter was asked for the pass being run. */
    private boolean consulted;
    /** Moving averages of nanoseconds per generated token, with and without guesses, and their sample counts. */
    private double guessedNanos;
    private int guessedSamples;
    private double plainNanos;
    private int plainSamples;

    /** Guesses by {@code drafter}, at most {@code maxDraft} a pass, pausing when slower. */
    public Speculator(Drafter drafter, int maxDraft) {
        this(drafter, maxDraft, true);
    }

    /** As above; without {@code pauseWhenSlower} it guesses whenever the drafter can. */
    public Speculator(Drafter drafter, int maxDraft, boolean pauseWhenSlower) {
        if (maxDraft < 1) {
            throw new IllegalArgumentException("max draft must be >= 1, got " + maxDraft);
        }
        this.drafter = drafter;
        this.maxDraft = maxDraft;
        this.pauseWhenSlower = pauseWhenSlower;
    }

    /** Guesses to feed after {@code sequence}'s next token: at most the current length and {@code room}. */
    public int[] draft(SequenceDecoder sequence, int room) {
        consulted = room >= 1 && passes >= pausedUntil;
        return consulted ? drafter.draft(sequence, Math.min(length, room)) : Drafter.NONE;
    }

    /** {@code accepted} of the {@code drafted} guesses were right. */
    public void checked(int drafted, int accepted) {
        if (drafted == 0) {
            return;
        }
        length = accepted == drafted ? Math.min(maxDraft, length + 1) : Math.min(maxDraft, accepted + 1);
    }

    /**
     * The decode pass (one known token fed) just drafted for took {@code nanos} from before drafting and gave
     * {@code steps} steps. Prompt passes are not reported: their time is the prompt's.
     */
    public void timed(int steps, long nanos) {
        passes++;
        if (steps == 0 || !pauseWhenSlower) {
            return;
        }
        double perToken = nanos / (double) steps;
        if (!consulted) {
            plainNanos = plainSamples++ == 0 ? perToken : plainNanos + EMA_WEIGHT * (perToken - plainNanos);
            return;
        }
        guessedNanos = guessedSamples++ == 0 ? perToken : guessedNanos + EMA_WEIGHT * (perToken - guessedNanos);
        if (guessedSamples >= MIN_SAMPLES && plainSamples == 0) {
            pausedUntil = passes + PROBE; // nothing to compare with yet
        } else if (guessedSamples >= MIN_SAMPLES) {
            if (guessedNanos > plainNanos) {
                pause = Math.min(MAX_PAUSE, Math.max(8, pause * 2));
                pausedUntil = passes + pause;
                guessedSamples = 0; // judged afresh after the pause
            } else {
                pause = 0;
            }
        }
    }

    /** Guesses the next pass may check at most. */
    public int length() {
        return length;
    }

    /** Whether guesses are paused because they have not paid. */
    public boolean paused() {
        return passes < pausedUntil;
    }
}
