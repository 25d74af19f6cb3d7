package dev.amos.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.ParameterList;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import dev.amos.io.NativeHeap;
import dev.amos.model.Amos;
import dev.amos.model.PretrainOutput;
import dev.amos.model.ScalarConstants;
import dev.amos.train.data.Masker;
import dev.amos.train.data.Seeds;
import dev.amos.train.optim.AdamW;
import dev.amos.train.optim.GradientClipping;
import java.io.PrintStream;
import java.util.Iterator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

/**
 * The pretraining loop on DJL's {@link Trainer}: per step, {@code accumulate} micro-batches of
 * forward ({@code trainer.forward}), the trainer's loss ({@link PretrainLoss}) and backward, then
 * global-norm clipping, one finite check (the only device read of an unlogged step), the AdamW
 * update ({@code adamW.setStep(step); trainer.step()}) or a skipped update, validation when due,
 * and one {@link StepRecord} to every {@link StepListener} of the trainer's config. SIGINT/SIGTERM
 * stop it after a checkpoint. DJL's {@code Trainer} itself calls {@code onTrainingBegin} when it is
 * built and {@code onTrainingEnd} when it is closed.
 *
 * <p>Every step's randomness is a pure function of (seed, step): the batch ({@link
 * dev.amos.train.data.StepSampler}), its masks ({@link Masker}), and dropout and Gumbel noise (the
 * engine is re-seeded per step), each drawn from {@link Seeds}, so a resumed run reproduces the
 * uninterrupted run's losses.
 */
final class TrainingLoop {

    private final Trainer trainer;
    private final AdamW optimizer;
    private final Amos amos;
    private final TrainConfig tc;
    private final Iterator<Batch> batches;
    private final Masker masker;
    private final Validation validation;
    private final Checkpointer checkpointer;
    private final PrintStream log;
    private final ParameterList params;
    private final LongPredicate nanLossAt;
    private final Throughput throughput;
    private final double previousSeconds;
    private final long startNanos = System.nanoTime();
    private long step;
    private long skippedSteps;
    private int consecutiveSkips;

    /**
     * @param start where the run starts: step, skipped steps and seconds before this process
     * @param masker the masker of the batches (which masked positions hold {@code [MASK]})
     * @param validation held-out measurements, or null
     * @param nanLossAt fault injection ({@link PretrainOptions.Builder#optNanLossAt}): the steps
     *     whose loss is made NaN, or null for none
     */
    TrainingLoop(
            Trainer trainer,
            AdamW optimizer,
            Amos amos,
            TrainConfig tc,
            Iterator<Batch> batches,
            Masker masker,
            Validation validation,
            Checkpointer checkpointer,
            Checkpoints.Start start,
            PrintStream log,
            LongPredicate nanLossAt) {
        this.trainer = trainer;
        this.optimizer = optimizer;
        this.amos = amos;
        this.tc = tc;
        this.batches = batches;
        this.masker = masker;
        this.validation = validation;
        this.checkpointer = checkpointer;
        this.log = log;
        this.params = amos.getParameters();
        this.step = start.step();
        this.skippedSteps = start.skippedSteps();
        this.previousSeconds = start.elapsedSeconds();
        this.nanLossAt = nanLossAt;
        this.throughput = new Throughput(tc.tokensPerStep(), start.step(), start.elapsedSeconds());
    }

    /**
     * Trains to the last step.
     *
     * @return whether a stop signal ended the run early
     * @throws Pretrainer.NonFiniteTrainingException after {@code maxSkippedSteps} non-finite steps
     *     in a row
     */
    boolean run() {
        StopSignal stop = StopSignal.install();
        try {
            while (step < tc.steps()) {
                StepRecord done = step();
                if (consecutiveSkips >= tc.maxSkippedSteps()) {
                    throw new Pretrainer.NonFiniteTrainingException(
                            "stopping: "
                                    + consecutiveSkips
                                    + " consecutive steps had a NaN or Inf loss or gradient (last good checkpoint kept under "
                                    + Checkpoints.root(checkpointer.runDir())
                                    + "); lower --lr or check the data");
                }
                if (stop.requested()) {
                    checkpointer.save(done);
                    log.println(
                            "\namos: interrupted; checkpoint written at step "
                                    + step
                                    + " (continue with --resume)");
                    stop.acknowledge();
                    return true;
                }
            }
            return false;
        } finally {
            stop.uninstall();
        }
    }

    /**
     * @return the step the loop has finished
     */
    long finishedStep() {
        return step;
    }

    /** One optimizer step, its listeners notified; returns its record. */
    private StepRecord step() {
        long next = step + 1;
        amos.setTrainingProgress((float) (next - 1) / tc.steps());
        Engine.getInstance().setRandomSeed(Seeds.engine(tc.seed(), next));
        try (NDManager stepManager = trainer.getManager().newSubManager()) {
            StepStats stats = null;
            for (int micro = 0; micro < tc.accumulate(); micro++) {
                try (Batch batch = batches.next()) {
                    stats =
                            forwardBackward(
                                    trainer,
                                    batch.getData(),
                                    tc,
                                    masker,
                                    micro == tc.accumulate() - 1 ? params : null,
                                    stepManager,
                                    nanLossAt != null && nanLossAt.test(next));
                }
            }
            // the one device read of every step (logged steps also read their statistics, validated
            // ones the held-out losses): NaN/Inf in the loss or any gradient makes the sum
            // non-finite
            boolean finite =
                    Float.isFinite(stats.gradNormArray().add(stats.lossArray()).getFloat());
            update(finite, next);
            step = next;
            StepRecord.ValidLosses valid =
                    validation != null && validation.due(step, tc.steps())
                            ? validation.measure(trainer)
                            : null;
            boolean logged = step % tc.logEvery() == 0 || step == tc.steps() || valid != null;
            double elapsed = previousSeconds + (System.nanoTime() - startNanos) / 1e9;
            StepRecord record =
                    new StepRecord(
                            step,
                            tc.steps(),
                            optimizer.learningRate(Math.toIntExact(step)),
                            !finite,
                            skippedSteps,
                            elapsed,
                            logged ? throughput.close(step, elapsed) : 0,
                            logged,
                            stats,
                            valid);
            StepListener.notifyStep(trainer, record);
            return record;
        } finally {
            NativeHeap.afterStep(step); // after the step's arrays are freed
        }
    }

    private void update(boolean finite, long next) {
        if (finite) {
            optimizer.setStep(Math.toIntExact(next));
            trainer.step();
            consecutiveSkips = 0;
        } else {
            GradientClipping.zeroGradients(params);
            skippedSteps++;
            consecutiveSkips++;
            log.println(
                    "\namos: step " + next + " has a non-finite loss or gradient; update skipped");
        }
    }

    /**
     * Forward, the trainer's loss (a {@link PretrainLoss}) and backward of one (masked) micro-batch
     * inside an NDScope (native memory stays flat); with {@code clipParams} (the last micro-batch)
     * also clips the gradient. Returns the step's statistics, moved to {@code keep}. With {@code
     * nanLoss} the loss is multiplied by NaN (fault injection; see {@link
     * PretrainOptions.Builder#optNanLossAt}).
     */
    static StepStats forwardBackward(
            Trainer trainer,
            NDList data,
            TrainConfig tc,
            Masker masker,
            ParameterList clipParams,
            NDManager keep,
            boolean nanLoss) {
        try (NDScope scope = new NDScope();
                GradientCollector gc = trainer.newGradientCollector()) {
            NDList predictions = trainer.forward(data);
            PretrainOutput out = PretrainOutput.fromList(predictions);
            // the loss with its terms, which are logged as computed for it (not evaluated a second
            // time)
            PretrainOutput.Losses terms = ((PretrainLoss) trainer.getLoss()).terms(out);
            NDArray loss = terms.total();
            if (nanLoss) {
                loss = loss.mul(ScalarConstants.of(loss, Float.NaN));
            }
            gc.backward(
                    tc.accumulate() == 1
                            ? loss
                            : loss.div(ScalarConstants.of(loss, tc.accumulate())));
            NDArray norm =
                    clipParams == null
                            ? loss.zerosLike()
                            : GradientClipping.clipGlobalNorm(clipParams, tc.clipNorm());
            NDArray atMask = PretrainOutput.maskedInputIs(data, masker.specialTokens().mask());
            return StepStats.collect(
                    out, terms, loss, norm, atMask, masker.config().keepsOrRandomizes(), keep);
        }
    }

    /** SIGINT/SIGTERM: ask the loop to write a checkpoint and stop, and wait for it. */
    static final class StopSignal {
        private volatile boolean requested;
        private final CountDownLatch done = new CountDownLatch(1);
        private Thread hook;

        static StopSignal install() {
            StopSignal s = new StopSignal();
            s.hook =
                    new Thread(
                            () -> {
                                s.requested = true;
                                try {
                                    s.done.await(120, TimeUnit.SECONDS);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            },
                            "amos-stop");
            Runtime.getRuntime().addShutdownHook(s.hook);
            return s;
        }

        boolean requested() {
            return requested;
        }

        void acknowledge() {
            done.countDown();
        }

        void uninstall() {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
    }
}
