package dev.amos.train.optim;

import ai.djl.training.tracker.Tracker;

/**
 * Learning-rate schedule: linear warmup from 0 to {@code peak} over {@code warmupSteps} steps, then
 * linear decay to {@code floor} (usually 0) at {@code totalSteps}, and {@code floor} after that.
 * This is the "linear schedule with warmup" used for BERT/ELECTRA/COCO-LM/AMOS pretraining and GLUE
 * fine-tuning (see <a href="https://arxiv.org/abs/1810.04805">Devlin et al. 2019</a>, <a
 * href="https://openreview.net/forum?id=f3fUJzTPbT">Meng et al. 2022</a>).
 *
 * <p>The argument of {@link #getNewValue(int)} is the 1-based number of the optimizer step being
 * applied (what {@link AdamW} passes): step {@code n < warmupSteps} uses {@code peak * n /
 * warmupSteps}, step {@code warmupSteps} uses {@code peak}, step {@code totalSteps} uses {@code
 * floor}. Between warmup and total: {@code floor + (peak - floor) * (totalSteps - n) / (totalSteps
 * - warmupSteps)}. (ELECTRA's TensorFlow code multiplies the decay and the warmup factor instead,
 * which differs only during warmup.)
 *
 * @param peak the learning rate reached at the end of warmup; finite and positive
 * @param warmupSteps number of warmup steps, {@code 0 <= warmupSteps <= totalSteps}
 * @param totalSteps step at which the rate reaches {@code floor}; positive
 * @param floor the final learning rate, {@code 0 <= floor <= peak}
 */
public record LinearWarmupDecay(float peak, int warmupSteps, int totalSteps, float floor)
        implements Tracker {

    /** Validates the schedule. */
    public LinearWarmupDecay {
        if (!(peak > 0f) || !Float.isFinite(peak)) {
            throw new IllegalArgumentException("peak learning rate must be finite, > 0: " + peak);
        }
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("totalSteps must be > 0: " + totalSteps);
        }
        if (warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException(
                    "warmupSteps must be in [0, totalSteps=" + totalSteps + "]: " + warmupSteps);
        }
        if (!(floor >= 0f) || floor > peak) {
            throw new IllegalArgumentException("floor must be in [0, peak=" + peak + "]: " + floor);
        }
    }

    /**
     * A schedule that decays to 0.
     *
     * @param peak the learning rate at the end of warmup
     * @param warmupSteps number of warmup steps
     * @param totalSteps number of training steps
     * @return the schedule
     */
    public static LinearWarmupDecay toZero(float peak, int warmupSteps, int totalSteps) {
        return new LinearWarmupDecay(peak, warmupSteps, totalSteps, 0f);
    }

    /**
     * A schedule whose warmup is a fraction of the training steps, as fine-tuning recipes state it
     * (e.g. 0.0625 or 0.1). The warmup length is {@code floor(fraction * totalSteps)}, as in
     * ELECTRA's {@code int(warmup_proportion * num_train_steps)}.
     *
     * @param peak the learning rate at the end of warmup
     * @param warmupFraction fraction of {@code totalSteps} spent warming up, in [0, 1]
     * @param totalSteps number of training steps
     * @param floor the final learning rate
     * @return the schedule
     */
    public static LinearWarmupDecay withWarmupFraction(
            float peak, double warmupFraction, int totalSteps, float floor) {
        if (!(warmupFraction >= 0.0 && warmupFraction <= 1.0)) {
            throw new IllegalArgumentException(
                    "warmup fraction must be in [0, 1]: " + warmupFraction);
        }
        int warmupSteps = (int) Math.floor(warmupFraction * totalSteps);
        return new LinearWarmupDecay(peak, warmupSteps, totalSteps, floor);
    }

    /**
     * Returns the learning rate for optimizer step {@code numUpdate} (1-based; 0 gives the value
     * "before training", which is 0 when there is a warmup).
     *
     * @param numUpdate the step number, {@code >= 0}
     * @return the learning rate
     */
    @Override
    public float getNewValue(int numUpdate) {
        if (numUpdate < 0) {
            throw new IllegalArgumentException("step must be >= 0: " + numUpdate);
        }
        if (numUpdate < warmupSteps) {
            return (float) ((double) peak * numUpdate / warmupSteps);
        }
        if (numUpdate >= totalSteps) {
            return floor;
        }
        double remaining = (double) (totalSteps - numUpdate) / (totalSteps - warmupSteps);
        return (float) (floor + ((double) peak - floor) * remaining);
    }
}
