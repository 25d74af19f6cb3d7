package dev.amos.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import ai.djl.translate.TranslateException;
import com.google.gson.JsonObject;
import dev.amos.model.Amos;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.model.PretrainOutput;
import dev.amos.model.ScalarConstants;
import dev.amos.train.data.CorpusTokenizer;
import dev.amos.train.data.ExamplePacker;
import dev.amos.train.data.PackedExamples;
import dev.amos.train.data.MaskingConfig;
import dev.amos.train.data.Masker;
import dev.amos.train.data.PretrainingDataset;
import dev.amos.train.data.ShardCache;
import dev.amos.train.data.TokenShards;
import dev.amos.train.optim.AdamW;
import dev.amos.train.optim.GradientClipping;
import dev.amos.train.optim.LinearWarmupDecay;
import dev.amos.train.report.TrainingReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code amos train}: corpus to shards, then the pretraining loop on DJL's {@link Trainer} with
 * AdamW, global-norm clipping, warmup/decay, per-step seeding, NaN-step skipping, listeners
 * (progress, metrics, checkpoints) and exact resume. The trainer knows the model only through
 * {@link Amos}'s NDList contract and {@link PretrainLoss}.
 *
 * <p>Every step's randomness is a pure function of (seed, step): the batch ({@link StepSampler}),
 * the masks ({@link Masker}), and dropout and Gumbel noise (the engine is re-seeded per step). A
 * resumed run therefore reproduces the uninterrupted run's losses.
 */
public final class Pretrainer {

    /** What to train, on what, and where. */
    public record Options(
            ModelConfig model,
            Objective objective,
            TrainConfig training,
            List<Path> corpus,
            Path tokenizer,
            Path outDir,
            boolean resume,
            Device device,
            Path cacheDir,
            PrintStream log,
            List<Path> validCorpus,
            int validEvery,
            int validBatches) {

        /** Without validation. */
        public Options(ModelConfig model, Objective objective, TrainConfig training, List<Path> corpus, Path tokenizer,
                Path outDir, boolean resume, Device device, Path cacheDir, PrintStream log) {
            this(model, objective, training, corpus, tokenizer, outDir, resume, device, cacheDir, log, List.of(), 0, 0);
        }
    }

    /** A finished (or stopped) run. */
    public record Result(Path runDir, long step, boolean stoppedEarly) {}


    /** Test hook: steps whose loss is replaced by NaN (fault injection for the skip logic). */
    static volatile java.util.function.LongPredicate injectNaN = step -> false;

    private Pretrainer() {}

    /** Runs (or resumes) a pretraining run; see the class comment. */
    public static Result run(Options o) throws IOException {
        RunFolder run = o.resume() ? RunFolder.forResume(o.outDir()) : RunFolder.create(o.outDir());
        ModelConfig modelConfig = o.resume() ? run.modelConfig() : o.model();
        Objective objective = o.resume() ? run.objective() : o.objective();
        TrainConfig tc = o.resume() ? run.trainConfig() : o.training();
        if (o.resume()) {
            o.log().println("amos: resuming " + run.dir() + " (its config.json is authoritative)");
        }

        // 1. Data: tokenize once into cached shards, pack, sample by step.
        Path tokenizerFile = o.resume() ? run.dir().resolve("tokenizer.json") : o.tokenizer();
        CorpusTokenizer tokenizer = CorpusTokenizer.load(tokenizerFile);
        if (tokenizer.specialTokens().vocabSize() > modelConfig.vocabSize()) {
            throw BadInputException.of(tokenizerFile, "tokenizer has " + tokenizer.specialTokens().vocabSize()
                    + " tokens but the model's vocab_size is " + modelConfig.vocabSize());
        }
        List<Path> corpus = o.resume() ? run.corpus() : o.corpus();
        List<Path> validCorpus = o.resume() && o.validCorpus().isEmpty() ? run.validCorpus() : o.validCorpus();
        ShardCache cache = new ShardCache(o.cacheDir().resolve(ShardCache.cacheKey(corpus, tokenizerFile))).progress(o.log());
        TokenShards shards = cache.prepare(corpus, tokenizer).shards();
        PackedExamples validExamples = null;
        if (!validCorpus.isEmpty()) {
            TokenShards valid = new ShardCache(o.cacheDir().resolve(ShardCache.cacheKey(validCorpus, tokenizerFile)))
                    .progress(o.log()).prepare(validCorpus, tokenizer).shards();
            validExamples = new ExamplePacker(tc.seqLen(), tokenizer.specialTokens()).pack(valid, tc.seed());
        }

        TrainingState state = new TrainingState();
        state.totalSteps = tc.steps();
        Checkpoints.Checkpoint resumeFrom = null;
        if (o.resume()) {
            resumeFrom = Checkpoints.latestValid(run.dir(), o.log()).orElseThrow(() -> Checkpoints.nothingToResume(run.dir()));
            JsonObject s = resumeFrom.state();
            state.startStep = s.get("step").getAsLong();
            state.skippedSteps = s.get("skipped_steps").getAsLong();
            state.previousSeconds = s.get("elapsed_seconds").getAsDouble();
            o.log().println("amos: resuming from " + resumeFrom.dir().getFileName());
        }
        state.step = state.startStep;

        ExecutorService prefetch = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "amos-data");
            t.setDaemon(true);
            return t;
        });
        Engine.getInstance().setRandomSeed((int) tc.seed());
        Amos amos = new Amos(modelConfig, objective);
        try (Model model = Model.newInstance("amos", o.device())) {
            model.setBlock(amos);
            if (resumeFrom != null) {
                BlockFiles.load(amos, model.getNDManager(), resumeFrom.dir().resolve(Checkpoints.MODEL));
            }
            PretrainingDataset dataset = PretrainingDataset.builder().optSeed(tc.seed())
                    .setCorpus(shards, tc.seqLen(), tokenizer.specialTokens())
                    .setSampling(new StepSampler(tc.seed(), tc.batchSize(), state.startStep * tc.accumulate(),
                            (long) tc.steps() * tc.accumulate()))
                    .optPrefetchNumber(4)
                    .build();
            ParameterList params = amos.getParameters();
            try (AdamW adam = newOptimizer(params, tc, state.startStep)) {
                MetricsLogger metrics = new MetricsLogger(run.dir().resolve("metrics.jsonl"), state, tc);
                ProgressListener progress = new ProgressListener(state, metrics, o.log());
                Checkpointer checkpointer = new Checkpointer(run.dir(), amos, adam, state, tc, objective);
                Masker masker = new Masker(maskingFor(objective, tc), tokenizer.specialTokens(), tc.seed());
                DefaultTrainingConfig config = new DefaultTrainingConfig(new PretrainLoss(tc.rtdWeight()))
                        .optOptimizer(adam)
                        .optDevices(new Device[] {o.device()});
                if (validExamples != null) { // before the metrics logger, which writes its values
                    config.addTrainingListeners(new Validator(validExamples, masker, state,
                            o.validEvery() > 0 ? o.validEvery() : tc.checkpointEvery(),
                            o.validBatches() > 0 ? o.validBatches() : 16, tc.batchSize(), tc.seed()));
                }
                config.addTrainingListeners(metrics, progress, checkpointer);
                try (Trainer trainer = model.newTrainer(config)) {
                    long m = Math.max(1, Math.round(tc.batchSize() * tc.seqLen() * tc.maskProbability()));
                    Shape bs = new Shape(tc.batchSize(), tc.seqLen());
                    trainer.initialize(bs, bs, bs, new Shape(m));
                    run.requireFreeSpace(RunFolder.parameterCount(params),
                            o.resume() ? 1 : tc.keepCheckpoints() + 1, RunFolder::usableSpace);
                    if (!o.resume()) { // only once inputs, model and disk proved good: no half-made run
                        run.writeConfig(modelConfig, objective, tc, corpus, validCorpus, tokenizer);
                    }
                    if (resumeFrom != null && Files.exists(resumeFrom.dir().resolve(Checkpoints.OPTIMIZER))) {
                        adam.loadState(model.getNDManager(), resumeFrom.dir().resolve(Checkpoints.OPTIMIZER));
                    }
                    boolean stopped = loop(trainer, amos, dataset, masker, tc, state, params, adam, checkpointer, prefetch, o.log());
                    run.writeDiscriminator(amos, modelConfig, objective, tokenizer);
                    writeReport(run.dir(), o.log());
                    return new Result(run.dir(), state.step, stopped);
                }
            }
        } catch (TranslateException e) {
            throw new IOException(e);
        } finally {
            prefetch.shutdownNow();
        }
    }

    /** The run's learning rate: linear warmup to the peak, then linear decay to 0 at the last step. */
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

    static MaskingConfig maskingFor(Objective objective, TrainConfig tc) {
        MaskingConfig base = switch (objective.kind()) {
            case AMOS -> MaskingConfig.amos();
            case ELECTRA -> MaskingConfig.electra();
            case MLM -> MaskingConfig.mlm();
        };
        return new MaskingConfig(tc.maskProbability(), base.maskProbability(), base.randomProbability());
    }

    /** The seed of the engine's generator at {@code step} (dropout, Gumbel noise, random layers). */
    static int engineSeed(long seed, long step) {
        return (int) (Masker.streamSeed(seed ^ 0x9E3779B97F4A7C15L, step) & 0x7fffffff);
    }

    private static boolean loop(Trainer trainer, Amos amos, PretrainingDataset dataset, Masker masker, TrainConfig tc,
            TrainingState state, ParameterList params, AdamW adam, Checkpointer checkpointer,
            ExecutorService prefetch, PrintStream log) throws IOException, TranslateException {
        Device device = trainer.getDevices()[0];
        LinearWarmupDecay schedule = schedule(tc);
        StopSignal stop = StopSignal.install();
        trainer.notifyListeners(l -> l.onTrainingBegin(trainer));
        try {
            var batches = dataset.getData(trainer.getManager(), prefetch).iterator();
            while (state.step < tc.steps()) {
                long step = state.step + 1;
                amos.setTrainingProgress((float) (step - 1) / tc.steps());
                Engine.getInstance().setRandomSeed(engineSeed(tc.seed(), step));
                try (NDManager stepManager = trainer.getManager().newSubManager()) {
                    NDList stats = null;
                    NDArray norm;
                    for (int micro = 0; micro < tc.accumulate(); micro++) {
                        try (Batch batch = batches.next()) {
                            long maskStep = (step - 1) * tc.accumulate() + micro;
                            stats = forwardBackward(trainer, batch.getData(), masker, maskStep, tc, micro == tc.accumulate() - 1
                                    ? params : null, stepManager);
                        }
                    }
                    norm = stats.get("grad_norm");
                    // the one host read per step: NaN/Inf in the loss or any gradient makes the sum non-finite
                    boolean finite = Float.isFinite(norm.add(stats.get("loss")).getFloat());
                    state.learningRate = schedule.getNewValue((int) step);
                    if (finite) {
                        trainer.step();
                        state.consecutiveSkips = 0;
                    } else {
                        GradientClipping.zeroGradients(params);
                        state.skippedSteps++;
                        state.consecutiveSkips++;
                        log.println("\namos: step " + step + " has a non-finite loss or gradient; update skipped");
                    }
                    state.lastStepSkipped = !finite;
                    state.step = step;
                    NDList preds = stats;
                    trainer.notifyListeners(l -> l.onTrainingBatch(trainer,
                            new TrainingListener.BatchData(null, Map.of(), Map.of(device, preds))));
                }
                if (state.consecutiveSkips >= tc.maxSkippedSteps()) {
                    trainer.notifyListeners(l -> l.onTrainingEnd(trainer));
                    throw new NonFiniteTrainingException("stopping: " + state.consecutiveSkips
                            + " consecutive steps had a NaN or Inf loss or gradient (last good checkpoint kept under "
                            + Checkpoints.root(checkpointer.runDir()) + "); lower --lr or check the data");
                }
                if (stop.requested()) {
                    checkpointer.save();
                    log.println("\namos: interrupted; checkpoint written at step " + state.step + " (continue with --resume)");
                    trainer.notifyListeners(l -> l.onTrainingEnd(trainer));
                    stop.acknowledge();
                    return true;
                }
            }
            trainer.notifyListeners(l -> l.onTrainingEnd(trainer));
            return false;
        } finally {
            stop.uninstall();
        }
    }

    /**
     * Masks a batch and runs forward + backward inside an NDScope (native memory stays flat); on
     * the last micro-batch also clips the gradient. Returns the step's statistics, moved to {@code
     * keep}.
     */
    static NDList forwardBackward(Trainer trainer, NDList data, Masker masker, long maskStep, TrainConfig tc,
            ParameterList clipParams, NDManager keep) {
        try (NDScope scope = new NDScope(); GradientCollector gc = trainer.newGradientCollector()) {
            NDList inputs = masker.mask(data.get(0), data.get(1), maskStep);
            PretrainOutput out = PretrainOutput.fromList(trainer.forward(inputs));
            NDArray loss = out.loss(tc.rtdWeight());
            if (injectNaN.test(maskStep / tc.accumulate() + 1)) {
                loss = loss.mul(ScalarConstants.of(loss, Float.NaN));
            }
            gc.backward(tc.accumulate() == 1 ? loss : loss.div(ScalarConstants.of(loss, tc.accumulate())));
            NDArray norm = clipParams == null ? loss.zerosLike() : GradientClipping.clipGlobalNorm(clipParams, tc.clipNorm());
            return StepStats.collect(out, loss, norm, keep);
        }
    }

    private static void writeReport(Path runDir, PrintStream log) {
        try {
            TrainingReport.write(runDir);
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

    /** SIGINT/SIGTERM: ask the loop to write a checkpoint and stop, and wait for it. */
    static final class StopSignal {
        private volatile boolean requested;
        private final CountDownLatch done = new CountDownLatch(1);
        private Thread hook;

        static StopSignal install() {
            StopSignal s = new StopSignal();
            s.hook = new Thread(() -> {
                s.requested = true;
                try {
                    s.done.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "amos-stop");
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
