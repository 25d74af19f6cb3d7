package dev.amos.train;

/**
 * Tokens per second over a window of steps: from one logged step to the next (the first window
 * starts where this process started or resumed). Computed once per logged step by the loop and
 * carried in the {@link StepRecord}, so the metrics line and the progress bar show the same figure.
 */
final class Throughput {

    private final long tokensPerStep;
    private long windowStep;
    private double windowSeconds;

    /**
     * @param tokensPerStep tokens of one optimizer step
     * @param startStep the step the run starts or resumes from
     * @param startSeconds training seconds before this process (from the checkpoint)
     */
    Throughput(long tokensPerStep, long startStep, double startSeconds) {
        this.tokensPerStep = tokensPerStep;
        this.windowStep = startStep;
        this.windowSeconds = startSeconds;
    }

    /**
     * Closes the window at {@code step} and opens the next one there.
     *
     * @param step the logged step
     * @param elapsedSeconds training seconds at that step, those before a resume included
     * @return tokens per second since the window opened; 0 when no time has passed
     */
    double close(long step, double elapsedSeconds) {
        double seconds = elapsedSeconds - windowSeconds;
        double tokensPerSecond = seconds > 0 ? (step - windowStep) * tokensPerStep / seconds : 0;
        windowStep = step;
        windowSeconds = elapsedSeconds;
        return tokensPerSecond;
    }
}
