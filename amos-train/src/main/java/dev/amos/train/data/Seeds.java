package dev.amos.train.data;

/**
 * Every random stream of a pretraining run, derived from the run's seed: the masking of a step, the
 * shuffle of an epoch and the engine's generator at a step (dropout, Gumbel noise, random layers).
 * Each is a pure function of the run seed and a step or epoch, so a resumed run draws exactly what
 * the uninterrupted run drew without saving any generator state. The streams differ by a fixed salt
 * on the run seed.
 */
public final class Seeds {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final long SHUFFLE_SALT = 0x5DEECE66DL;

    private Seeds() {}

    /**
     * The seed of the random stream of one step: a 64-bit mix (the SplitMix64 / MurmurHash3
     * finalizer) of the run seed and the step.
     *
     * @param seed the run's seed
     * @param step the training step
     * @return the seed of that step's {@link java.util.SplittableRandom}
     */
    public static long stream(long seed, long step) {
        return mix64(mix64(seed) + GOLDEN_GAMMA * (step + 1));
    }

    /**
     * The seed of the visiting order of one epoch ({@link SeededShuffleSampler}).
     *
     * @param seed the run's seed
     * @param epoch the epoch
     * @return the seed of that epoch's {@link java.util.SplittableRandom}
     */
    public static long shuffle(long seed, long epoch) {
        return stream(seed ^ SHUFFLE_SALT, epoch);
    }

    /**
     * The seed of the engine's generator at {@code step} (dropout, Gumbel noise, random layers);
     * validation uses step -1.
     *
     * @param seed the run's seed
     * @param step the training step
     * @return a non-negative {@code int} for {@code Engine.setRandomSeed}
     */
    public static int engine(long seed, long step) {
        return (int) (stream(seed ^ GOLDEN_GAMMA, step) & 0x7fffffff);
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
