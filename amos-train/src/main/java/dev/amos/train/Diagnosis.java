package dev.amos.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import dev.amos.model.Amos;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.model.GeneratorDiagnostics;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.train.data.CorpusTokenizer;
import dev.amos.train.data.ExamplePacker;
import dev.amos.train.data.Masker;
import dev.amos.train.data.MaskingConfig;
import dev.amos.train.data.PackedExamples;
import dev.amos.train.data.PretrainingDataset;
import dev.amos.train.data.ShardCache;
import dev.amos.train.data.TokenShards;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

/**
 * {@code amos diagnose}: {@link GeneratorDiagnostics} of a run's checkpoint (or of a fresh
 * initialization) on held-out batches, one report per batch, for telling a generator that cannot
 * learn from one that has not yet left the unigram plateau.
 */
public final class Diagnosis {

    /**
     * @param run a run folder whose checkpoint is measured; null for a fresh model
     * @param step the checkpoint's step (0: the latest valid one)
     * @param model the model shape when {@code run} is null
     * @param objective the objective when {@code run} is null
     * @param corpus text to draw batches from
     * @param tokenizer tokenizer.json (the run's own when {@code run} is given)
     * @param cacheDir token-shard cache
     * @param batches how many batches to measure
     * @param batchSize sequences per batch
     * @param seqLen tokens per sequence
     * @param rtdWeight lambda
     * @param masking amos|electra|mlm, or null: the run's masking with {@code run}, the objective's
     *     otherwise
     * @param seed seed of the initialization, batches, masks and noise
     */
    public record Options(
            Path run,
            long step,
            ModelConfig model,
            Objective objective,
            List<Path> corpus,
            Path tokenizer,
            Path cacheDir,
            int batches,
            int batchSize,
            int seqLen,
            float rtdWeight,
            String masking,
            long seed,
            PrintStream log) {}

    /**
     * What {@link #run} measured: the corpus's unigram loss ({@link ShardCache#unigramLoss}, the
     * plateau of the loss at {@code [MASK]}) and one report per batch.
     */
    public record Result(
            double unigramLoss, long examples, List<GeneratorDiagnostics.Report> reports) {}

    private Diagnosis() {}

    /** Measures {@code batches} batches (0: only the corpus's unigram loss). */
    public static Result run(Options o) throws IOException {
        ModelConfig config = o.model();
        Objective objective = o.objective();
        Path tokenizerFile = o.tokenizer();
        Path checkpoint = null;
        TrainConfig runTraining = null;
        if (o.run() != null) {
            RunFolder run = RunFolder.forResume(o.run());
            config = run.modelConfig();
            runTraining = run.trainConfig();
            if (o.seqLen() > config.maxPositions()) {
                throw new BadInputException(
                        "--seq-len "
                                + o.seqLen()
                                + " exceeds max_positions "
                                + config.maxPositions()
                                + " of the run in "
                                + o.run()
                                + ": expected --seq-len in [3, "
                                + config.maxPositions()
                                + "]");
            }
            objective = run.objective();
            tokenizerFile = run.verifiedTokenizer();
            Checkpoints.Checkpoint c =
                    o.step() == 0
                            ? Checkpoints.latestValid(run.dir(), o.log())
                                    .orElseThrow(
                                            () ->
                                                    BadInputException.of(
                                                            run.dir(),
                                                            "no complete checkpoint under "
                                                                    + Checkpoints.root(run.dir())
                                                                    + " to diagnose"))
                            : Checkpoints.list(run.dir()).stream()
                                    .filter(x -> x.step() == o.step())
                                    .findFirst()
                                    .orElseThrow(
                                            () ->
                                                    BadInputException.of(
                                                            run.dir(),
                                                            "no checkpoint of step " + o.step()));
            String problem =
                    o.step() == 0
                            ? null
                            : Checkpoints.verify(c.dir()); // latestValid verified its own
            if (problem != null) {
                throw BadInputException.of(
                        c.dir(),
                        "--step "
                                + o.step()
                                + ": the checkpoint fails its manifest ("
                                + problem
                                + "); diagnose another --step, or the latest valid one without --step");
            }
            checkpoint = c.dir().resolve(Checkpoints.MODEL);
            o.log().println("amos: diagnosing " + checkpoint.getParent());
        }
        CorpusTokenizer tokenizer = CorpusTokenizer.load(tokenizerFile);
        ShardCache cache =
                new ShardCache(o.cacheDir().resolve(ShardCache.cacheKey(o.corpus(), tokenizerFile)))
                        .progress(o.log());
        TokenShards shards = cache.prepare(o.corpus(), tokenizer).shards();
        PackedExamples examples =
                new ExamplePacker(o.seqLen(), tokenizer.specialTokens()).pack(shards, o.seed());
        double unigram = cache.unigramLoss(shards, tokenizer.specialTokens());
        if (examples.size() < (long) o.batches() * o.batchSize()) {
            throw new BadInputException(
                    "--corpus yields "
                            + examples.size()
                            + " sequences of "
                            + o.seqLen()
                            + " tokens; "
                            + o.batches()
                            + " batches of "
                            + o.batchSize()
                            + " need "
                            + (long) o.batches() * o.batchSize());
        }
        if (o.batches() == 0) {
            return new Result(unigram, examples.size(), List.of());
        }
        TrainConfig training = runTraining != null ? runTraining : TrainConfig.builder().build();
        MaskingConfig base =
                o.masking() != null
                        ? MaskingConfig.forObjective(o.masking())
                        : training.masking(objective);
        Masker masker = new Masker(base, tokenizer.specialTokens(), o.seed());
        Engine.getInstance().setRandomSeed((int) o.seed());
        List<GeneratorDiagnostics.Report> reports = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            Amos amos = new Amos(config, objective);
            amos.initialize(manager, DataType.FLOAT32, new Shape(o.batchSize(), o.seqLen()));
            if (checkpoint != null) {
                BlockFiles.load(amos, manager, checkpoint, o.run().resolve(RunFolder.CONFIG));
                amos.getParameters().values().forEach(p -> p.getArray().setRequiresGradient(true));
            }
            PretrainingDataset data =
                    PretrainingDataset.builder()
                            .setExamples(examples)
                            .setMasker(masker)
                            .setSampling(o.batchSize(), false)
                            .build();
            for (int b = 0; b < o.batches(); b++) {
                List<Long> indices =
                        LongStream.range((long) b * o.batchSize(), (long) (b + 1) * o.batchSize())
                                .boxed()
                                .toList();
                try (Batch batch =
                        data.batch(
                                manager, indices, -1 - b)) { // the held-out batching of Validation
                    reports.add(
                            GeneratorDiagnostics.measure(
                                    amos,
                                    batch.getManager(),
                                    batch.getData(),
                                    o.rtdWeight(),
                                    tokenizer.specialTokens().mask(),
                                    o.seed() + b));
                }
            }
        }
        return new Result(unigram, examples.size(), reports);
    }
}
