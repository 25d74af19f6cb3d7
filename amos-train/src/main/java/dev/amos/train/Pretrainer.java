package dev.amos.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.translate.TranslateException;
import dev.amos.io.OutputFolder;
import dev.amos.model.Amos;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.train.optim.AdamW;
import dev.amos.train.optim.LinearWarmupDecay;
import dev.amos.train.report.MetricsLog;
import dev.amos.train.report.TrainingReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code amos train}: corpus to shards, then the pretraining loop on DJL's {@link Trainer} with
 * AdamW, global-norm clipping, warmup/decay, per-step seeding, NaN-step skipping, listeners
 * (progress, metrics, checkpoints) and exact resume. Three pieces: the data ({@link
 * PretrainingData}), the model and trainer ({@link #train}), and the loop ({@link TrainingLoop}).
 * The trainer knows the model only through {@link Amos}'s NDList contract and {@link PretrainLoss}.
 */
public final class Pretrainer {

    /** A finished (or stopped) run. */
    public record Result(Path runDir, long step, boolean stoppedEarly) {}

    /**
     * What a run trains, from the options of a new run or the {@code config.json} of a resumed one.
     *
     * @param tokenizer tokenizer.json or vocab.txt (a resumed run's own tokenizer.json, checked
     *     against the hash its config.json records)
     */
    record RunSpec(
            ModelConfig model,
            Objective objective,
            TrainConfig training,
            List<Path> corpus,
            List<Path> validCorpus,
            Path tokenizer) {

        static RunSpec of(PretrainOptions o, RunFolder run) throws IOException {
            if (!o.resume()) {
                return new RunSpec(
                        o.model(),
                        o.objective(),
                        o.training(),
                        o.corpus(),
                        o.validCorpus(),
                        o.tokenizer());
            }
            return new RunSpec(
                    run.modelConfig(),
                    run.objective(),
                    run.trainConfig(),
                    run.corpus(),
                    o.validCorpus().isEmpty() ? run.validCorpus() : o.validCorpus(),
                    run.verifiedTokenizer());
        }
    }

    private Pretrainer() {}

    /** Runs (or resumes) a pretraining run; see the class comment. */
    public static Result run(PretrainOptions o) throws IOException {
        try (OutputFolder folder =
                RunFolder.lock(o.outDir(), o.resume(), o.overwrite(), inputs(o))) {
            return runLocked(o);
        }
    }

    /** What a new run reads: its corpus, held-out corpus, tokenizer and --init-from folder. */
    private static Path[] inputs(PretrainOptions o) {
        List<Path> in = new ArrayList<>();
        if (!o.resume()) {
            in.addAll(o.corpus());
            in.addAll(o.validCorpus());
            in.add(o.tokenizer());
            if (o.initFrom() != null) {
                in.add(o.initFrom().dir());
            }
        }
        return in.toArray(Path[]::new);
    }

    /** {@link #run} while this process holds the run folder's lock. */
    private static Result runLocked(PretrainOptions o) throws IOException {
        RunFolder run = o.resume() ? RunFolder.forResume(o.outDir()) : RunFolder.create(o.outDir());
        RunSpec spec = RunSpec.of(o, run);
        if (!o.resume()) {
            LearningBudget.warning(spec.model(), spec.objective(), spec.training())
                    .ifPresent(o.log()::println);
        }
        Checkpoints.Start start = Checkpoints.Start.NEW;
        if (o.resume()) { // everything a resume trusts is verified before anything is written
            o.log()
                    .println(
                            "amos: resuming "
                                    + run.dir()
                                    + " (its config.json holds the model, corpus and training settings)");
            start = resumeStart(run, o.log());
            if (Files.exists(
                    run.dir().resolve(RunFolder.METRICS))) { // a bad line but the last: exit 2,
                // nothing rewritten
                MetricsLog.read(run.dir().resolve(RunFolder.METRICS));
            }
            spec = extend(o, run, spec, start.step());
        }
        // a run resumed before its first checkpoint starts again from the weights it started from
        InitSource init =
                o.resume() && start.checkpoint() == null && run.initFrom() != null
                        ? InitSource.open(run.initFrom())
                        : o.initFrom();
        PretrainingData data = PretrainingData.prepare(spec, o.cacheDir(), start.step(), o.log());
        ExecutorService prefetch =
                Executors.newFixedThreadPool(
                        2,
                        r -> {
                            Thread t = new Thread(r, "amos-data");
                            t.setDaemon(true);
                            return t;
                        });
        try {
            return train(o, run, spec, data, start, init, prefetch);
        } catch (TranslateException e) {
            throw new IOException(e);
        } finally {
            prefetch.shutdownNow();
        }
    }

    /**
     * Where a resumed run starts: its newest trusted checkpoint, or step 0 when the run was stopped
     * before it wrote any checkpoint (the steps it logged are redone). Checkpoint folders that are
     * all damaged or untrusted are refused: they are the user's to look at.
     */
    private static Checkpoints.Start resumeStart(RunFolder run, PrintStream log)
            throws IOException {
        if (Checkpoints.list(run.dir()).isEmpty()) {
            log.println(
                    "amos: "
                            + run.dir()
                            + " has no checkpoint yet (the run was stopped before its first one);"
                            + " starting it again from step 0");
            return Checkpoints.Start.NEW;
        }
        Checkpoints.Start start =
                Checkpoints.Start.of(
                        Checkpoints.latestValid(run.dir(), log)
                                .orElseThrow(() -> Checkpoints.nothingToResume(run.dir())));
        log.println("amos: resuming from " + start.checkpoint().dir().getFileName());
        return start;
    }

    /** The learning-rate rule of an extended run, as printed and recorded in config.json. */
    static final String EXTENSION_LR_RULE =
            "re-planned as if the run had been started with the new --steps:"
                    + " the same warmup (no second one), then linear decay from the peak to 0 at the new last step;"
                    + " the steps after the resumed one follow it";

    /**
     * {@code --resume --steps N}: continues a run to N steps in total (N above the steps done) on
     * the schedule {@link #EXTENSION_LR_RULE} states; the rule and the rate of the next step (new
     * and old) are printed; {@link #train} records the change in config.json once the weights
     * loaded.
     */
    private static RunSpec extend(PretrainOptions o, RunFolder run, RunSpec spec, long done)
            throws IOException {
        TrainConfig before = spec.training();
        if (o.extendTo() == null) {
            return spec;
        }
        int steps = o.extendTo();
        if (steps <= done) {
            throw BadInputException.of(
                    run.dir(),
                    "--steps "
                            + steps
                            + ": the run has done "
                            + done
                            + " steps already (its last checkpoint); give more than "
                            + done
                            + " to extend it");
        }
        if (steps == before.steps()) {
            return spec;
        }
        TrainConfig extended = before.toBuilder().optSteps(steps).build();
        int next = (int) done + 1;
        o.log()
                .printf(
                        Locale.ROOT,
                        "amos: extending the run from %d to %d steps (resumed at step %d); learning"
                                + " rate %s: step %d at %.3g (the %d-step schedule had %.3g)%n",
                        before.steps(),
                        steps,
                        done,
                        EXTENSION_LR_RULE,
                        next,
                        schedule(extended).getNewValue(next),
                        before.steps(),
                        schedule(before).getNewValue(next));
        return new RunSpec(
                spec.model(),
                spec.objective(),
                extended,
                spec.corpus(),
                spec.validCorpus(),
                spec.tokenizer());
    }

    /**
     * The model piece: the networks, optimizer, trainer and listeners; then the loop and the
     * outputs.
     */
    private static Result train(
            PretrainOptions o,
            RunFolder run,
            RunSpec spec,
            PretrainingData data,
            Checkpoints.Start start,
            InitSource init,
            ExecutorService prefetch)
            throws IOException, TranslateException {
        TrainConfig tc = spec.training();
        Engine.getInstance().setRandomSeed((int) tc.seed());
        Amos amos = new Amos(spec.model(), spec.objective());
        try (Model model = Model.newInstance("amos", o.device())) {
            model.setBlock(amos);
            if (start.checkpoint() != null) {
                BlockFiles.load(
                        amos,
                        model.getNDManager(),
                        start.checkpoint().dir().resolve(Checkpoints.MODEL),
                        run.dir().resolve(RunFolder.CONFIG));
            } else if (init != null) { // a new run, or one resumed before its first checkpoint
                init.loadInto(amos, spec.objective(), model.getNDManager(), o.log());
            }
            ParameterList params = amos.getParameters();
            try (AdamW adam = newOptimizer(params, tc, start.step())) {
                Checkpointer checkpointer =
                        new Checkpointer(run.dir(), amos, adam, tc, spec.objective());
                DefaultTrainingConfig config =
                        new DefaultTrainingConfig(new PretrainLoss(tc.rtdWeight()))
                                .optOptimizer(adam)
                                .optDevices(new Device[] {o.device()})
                                .addTrainingListeners(
                                        new MetricsLogger(
                                                run.dir().resolve(RunFolder.METRICS), start.step()),
                                        new ProgressListener(start.step(), tc.steps(), o.log()),
                                        checkpointer);
                try (Trainer trainer = model.newTrainer(config)) {
                    initialize(trainer, tc);
                    run.requireFreeSpace(
                            RunFolder.parameterCount(params),
                            o.resume() ? 1 : tc.keepCheckpoints() + 1,
                            RunFolder::usableSpace);
                    // only once inputs, weights and disk proved good: no half-made run, no config
                    // of a refused resume
                    if (!o.resume()) {
                        run.writeConfig(
                                spec.model(),
                                spec.objective(),
                                tc,
                                spec.corpus(),
                                spec.validCorpus(),
                                data.tokenizer(),
                                o.initFrom() == null ? null : o.initFrom().dir());
                    } else if (tc.steps() != run.trainConfig().steps()) {
                        run.recordExtension(start.step(), tc, EXTENSION_LR_RULE);
                    }
                    if (start.checkpoint() != null
                            && Files.exists(
                                    start.checkpoint().dir().resolve(Checkpoints.OPTIMIZER))) {
                        adam.loadState(
                                model.getNDManager(),
                                start.checkpoint().dir().resolve(Checkpoints.OPTIMIZER));
                    }
                    Validation validation =
                            data.valid() == null
                                    ? null
                                    : new Validation(
                                            data.valid(),
                                            o.validEvery() > 0
                                                    ? o.validEvery()
                                                    : tc.checkpointEvery(),
                                            o.validBatches(),
                                            tc.batchSize(),
                                            tc.seed());
                    TrainingLoop loop =
                            new TrainingLoop(
                                    trainer,
                                    adam,
                                    amos,
                                    tc,
                                    data.train().getData(trainer.getManager(), prefetch).iterator(),
                                    data.train().masker(),
                                    validation,
                                    checkpointer,
                                    start,
                                    o.log(),
                                    o.nanLossAt());
                    boolean stopped = loop.run();
                    run.writeDiscriminator(amos, spec.model(), spec.objective(), data.tokenizer());
                    writeReport(run.dir(), data.unigramLoss(), o.log());
                    return new Result(run.dir(), loop.finishedStep(), stopped);
                }
            }
        }
    }

    /** Initializes the networks for the batch shape of the run (the block's four inputs). */
    static void initialize(Trainer trainer, TrainConfig tc) {
        long masked = Math.max(1, Math.round(tc.batchSize() * tc.seqLen() * tc.maskProbability()));
        Shape batch = new Shape(tc.batchSize(), tc.seqLen());
        trainer.initialize(batch, batch, batch, new Shape(masked));
    }

    /**
     * The run's learning rate: linear warmup to the peak, then linear decay to 0 at the last step.
     */
    static LinearWarmupDecay schedule(TrainConfig tc) {
        return LinearWarmupDecay.toZero(tc.learningRate(), tc.warmupSteps(), tc.steps());
    }

    /** AdamW with the run's schedule, starting after {@code startStep} steps. */
    static AdamW newOptimizer(ParameterList params, TrainConfig tc, long startStep) {
        return AdamW.builder(params)
                .optLearningRateTracker(schedule(tc))
                .optBetas(tc.beta1(), tc.beta2())
                .optEpsilon(tc.epsilon())
                .optWeightDecays(tc.weightDecay())
                .optBeginNumUpdate((int) startStep)
                .build();
    }

    private static void writeReport(Path runDir, double unigramLoss, PrintStream log) {
        try {
            TrainingReport.write(runDir, unigramLoss);
        } catch (IOException | RuntimeException e) {
            log.println("amos: warning: could not write report.html: " + e.getMessage());
        }
    }

    /** A run stopped because too many consecutive steps were not finite. */
    public static final class NonFiniteTrainingException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NonFiniteTrainingException(String message) {
            super(message);
        }
    }
}
