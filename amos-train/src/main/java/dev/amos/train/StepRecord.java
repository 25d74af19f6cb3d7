package dev.amos.train;

/**
 * What one optimizer step did, handed to every {@link StepListener} by the loop: the one record all
 * of them read, so no listener depends on another's order or fields. Everything but {@link
 * #stats()} is known on the host; the statistics stay on the device until {@link StepStats#read()}
 * (the first reader pays the sync, the rest read the cache). It is valid only during the call (the
 * arrays of the statistics are closed with the step).
 */
public final class StepRecord {

    private final long step;
    private final long totalSteps;
    private final float learningRate;
    private final boolean skipped;
    private final long skippedSteps;
    private final double elapsedSeconds;
    private final double tokensPerSecond;
    private final boolean logged;
    private final StepStats stats;
    private final ValidLosses valid;

    /**
     * Held-out losses measured at this step ({@link Validation}).
     *
     * @param mlm the deepest MLM head's loss, over every masked position
     * @param mlmAtMask the deepest MLM head's loss over the masked positions whose input is {@code
     *     [MASK]}
     * @param rtd the discriminator's loss; NaN for mlm
     * @param rtdConstant the RTD loss of the best constant prediction for the same batches ({@link
     *     dev.amos.model.PretrainOutput#rtdConstantLoss()}); NaN for mlm
     */
    public record ValidLosses(double mlm, double mlmAtMask, double rtd, double rtdConstant) {}

    StepRecord(
            long step,
            long totalSteps,
            float learningRate,
            boolean skipped,
            long skippedSteps,
            double elapsedSeconds,
            double tokensPerSecond,
            boolean logged,
            StepStats stats,
            ValidLosses valid) {
        this.step = step;
        this.totalSteps = totalSteps;
        this.learningRate = learningRate;
        this.skipped = skipped;
        this.skippedSteps = skippedSteps;
        this.elapsedSeconds = elapsedSeconds;
        this.tokensPerSecond = tokensPerSecond;
        this.logged = logged;
        this.stats = stats;
        this.valid = valid;
    }

    /**
     * @return the step just finished (1-based)
     */
    public long step() {
        return step;
    }

    /**
     * @return the steps of the run
     */
    public long totalSteps() {
        return totalSteps;
    }

    /**
     * @return whether this is the run's last step
     */
    public boolean last() {
        return step == totalSteps;
    }

    /**
     * @return the learning rate applied at this step
     */
    public float learningRate() {
        return learningRate;
    }

    /**
     * @return whether the update was skipped (a NaN or Inf loss or gradient)
     */
    public boolean skipped() {
        return skipped;
    }

    /**
     * @return steps skipped so far in the run (resumed runs included)
     */
    public long skippedSteps() {
        return skippedSteps;
    }

    /**
     * @return training seconds so far, those before a resume included
     */
    public double elapsedSeconds() {
        return elapsedSeconds;
    }

    /**
     * Training throughput since the previous logged step (or since this process started or
     * resumed), measured once by the loop for every listener.
     *
     * @return tokens per second at a logged step; 0 at other steps
     */
    public double tokensPerSecond() {
        return tokensPerSecond;
    }

    /**
     * Whether this step's figures are logged: every {@code --log-every} steps, at the last step and
     * when validated. Listeners read {@link #stats()} only then, so other steps never sync.
     *
     * @return whether to log
     */
    public boolean logged() {
        return logged;
    }

    /**
     * @return the step's statistics (on the device until read)
     */
    public StepStats stats() {
        return stats;
    }

    /**
     * @return the held-out losses of this step, or null when it was not validated
     */
    public ValidLosses valid() {
        return valid;
    }
}
