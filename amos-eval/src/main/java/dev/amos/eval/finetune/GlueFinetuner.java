package dev.amos.eval.finetune;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.translate.TranslateException;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.amos.eval.glue.GlueDataset;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GluePairEncoder;
import dev.amos.eval.glue.GlueReader;
import dev.amos.eval.glue.GlueScore;
import dev.amos.eval.glue.GlueSplit;
import dev.amos.eval.glue.GlueTask;
import dev.amos.io.AtomicFiles;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.io.ProgressBar;
import dev.amos.model.BadInputException;
import dev.amos.model.EncoderFolder;
import dev.amos.train.optim.AdamW;
import dev.amos.train.optim.GradientClipping;
import dev.amos.train.optim.LinearWarmupDecay;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Fine-tunes a pretrained encoder on one GLUE task as AMOS did (docs/method.md, "Fine-tuning";
 * settings and defaults in {@link FinetuneConfig}): a {@link SequenceClassifier}, AdamW, linear
 * warmup then decay to 0, optional clipping, dev evaluation every half epoch keeping the best
 * checkpoint, several seeds and their median (<a href="https://arxiv.org/abs/2204.06644">Meng et
 * al., ICLR 2022</a>).
 *
 * <p>Output folder: {@code OUT/seed-S/{metrics.jsonl, best/}} per seed, {@code OUT/best/} (a copy
 * of the best seed's model) and {@code OUT/results.json} {@code {task, main_metric, seeds:[{seed,
 * best:{metric:value}, best_step}], median:{metric:value}, best_seed}}. Metrics of tasks with two
 * dev splits (MNLI) are keyed {@code split/metric}; the best checkpoint is chosen by the main
 * metric of the first dev split.
 */
public final class GlueFinetuner {

    /** One seed's best dev evaluation. */
    public record SeedResult(long seed, List<GlueScore> best, long bestStep, double bestEpoch) {

        /** The main metric of the first dev split (what "best" maximizes). */
        public double mainScore() {
            return best.get(0).mainScore();
        }
    }

    /** All seeds of one task, and the median per metric. */
    public record Result(
            GlueTask task,
            List<SeedResult> seeds,
            List<GlueScore> median,
            long bestSeed,
            Path outDir) {}

    /**
     * The seed of the training subsample of {@link #subsample}, fixed so it never varies between
     * runs.
     */
    static final long SUBSAMPLE_SEED = 20220425L;

    private GlueFinetuner() {}

    /**
     * Fine-tunes every seed, writes the output folder and returns the results. The output folder
     * ({@link FolderKind#FINETUNE}, {@link OutputFolder#inPlace}) is checked before any work and
     * held under its lock the whole time: a second fine-tune (or any other writer) into the same
     * folder stops at once, naming this process.
     */
    public static Result run(FinetuneConfig o) throws IOException {
        OutputFolder.check(
                o.outDir(),
                FolderKind.FINETUNE,
                o.overwrite(),
                "--out",
                o.pretrained(),
                o.glueDir());
        EncoderFolder pretrained = EncoderFolder.open(o.pretrained());
        if (o.maxLength() > pretrained.model().maxPositions()) {
            throw new BadInputException(
                    "--max-len "
                            + o.maxLength()
                            + " exceeds max_positions "
                            + pretrained.model().maxPositions()
                            + " of the model in "
                            + o.pretrained());
        }
        List<GlueExample> train =
                subsample(GlueReader.read(o.glueDir(), o.task(), GlueSplit.TRAIN), o.trainLimit());
        Map<GlueSplit, List<GlueExample>> dev = new LinkedHashMap<>();
        for (GlueSplit split : o.task().devSplits()) {
            List<GlueExample> rows = GlueReader.read(o.glueDir(), o.task(), split);
            if (rows.isEmpty()) {
                throw BadInputException.of(
                        GlueReader.path(o.glueDir(), o.task(), split),
                        "no examples (expected the "
                                + o.task().officialName()
                                + " "
                                + split.stem()
                                + " split with at least one row)");
            }
            dev.put(split, rows);
        }
        if (train.isEmpty()) {
            throw BadInputException.of(
                    GlueReader.path(o.glueDir(), o.task(), GlueSplit.TRAIN),
                    "no training examples");
        }
        JsonObject fields = new JsonObject();
        fields.addProperty("task", o.task().officialName());
        fields.addProperty("model", o.pretrained().toAbsolutePath().normalize().toString());
        try (OutputFolder out =
                OutputFolder.inPlace(
                        o.outDir(),
                        FolderKind.FINETUNE,
                        o.overwrite(),
                        "--out",
                        fields,
                        o.pretrained(),
                        o.glueDir())) {
            return fineTune(o, pretrained, train, dev);
        }
    }

    /** The seeds, {@code best/} and {@code results.json}, under the output folder's lock. */
    private static Result fineTune(
            FinetuneConfig o,
            EncoderFolder pretrained,
            List<GlueExample> train,
            Map<GlueSplit, List<GlueExample>> dev)
            throws IOException {
        List<SeedResult> results = new ArrayList<>();
        try (GluePairEncoder encoder =
                GluePairEncoder.load(pretrained.tokenizer(), o.maxLength())) {
            Map<GlueSplit, GlueDataset> devSets = new LinkedHashMap<>();
            dev.forEach(
                    (split, examples) ->
                            devSets.put(
                                    split,
                                    GlueDataset.builder()
                                            .setExamples(o.task(), examples)
                                            .setEncoder(encoder)
                                            .setSampling(Math.max(o.batchSize(), 64), false)
                                            .build()));
            for (int i = 0; i < o.seeds(); i++) {
                long seed = o.baseSeed() + i;
                GlueDataset trainSet =
                        GlueDataset.builder()
                                .setExamples(o.task(), train)
                                .setEncoder(encoder)
                                .setShuffledSampling(o.batchSize(), seed)
                                .build();
                SeedResult r = new SeedRun(o, pretrained, seed, trainSet, devSets).run();
                o.log()
                        .printf(
                                "amos: %s seed %d: best %s at step %d (epoch %.1f)%n",
                                o.task(),
                                seed,
                                format(flatten(r.best())),
                                r.bestStep(),
                                r.bestEpoch());
                results.add(r);
            }
        }
        SeedResult top =
                results.stream()
                        .max((a, b) -> Double.compare(a.mainScore(), b.mainScore()))
                        .orElseThrow();
        copyModel(
                o.outDir().resolve(seedDir(top.seed())).resolve("best"),
                o.outDir().resolve("best"));
        Result result =
                new Result(o.task(), results, median(o.task(), results), top.seed(), o.outDir());
        writeResults(result);
        o.log()
                .printf(
                        "amos: %s median of %d seed(s): %s%n",
                        o.task(), results.size(), format(flatten(result.median())));
        return result;
    }

    /**
     * The first {@code limit} examples of a fixed-seed shuffle of {@code examples}, in their file
     * order; all of them when {@code limit} is 0 or not smaller than their count. The subsample
     * depends only on the list and the limit, so every fine-tuning seed and every pretrained model
     * sees the same examples.
     */
    public static List<GlueExample> subsample(List<GlueExample> examples, int limit) {
        if (limit <= 0 || limit >= examples.size()) {
            return examples;
        }
        List<Integer> order = new ArrayList<>(IntStream.range(0, examples.size()).boxed().toList());
        Collections.shuffle(order, new Random(SUBSAMPLE_SEED));
        return order.subList(0, limit).stream().sorted().map(examples::get).toList();
    }

    static String seedDir(long seed) {
        return "seed-" + seed;
    }

    /**
     * Metrics of several dev splits as one map: {@code metric}, or {@code split/metric} when there
     * are several.
     */
    public static Map<String, Double> flatten(List<GlueScore> scores) {
        Map<String, Double> flat = new LinkedHashMap<>();
        for (GlueScore s : scores) {
            s.metrics()
                    .forEach(
                            (k, v) ->
                                    flat.put(
                                            scores.size() == 1 ? k : s.split().stem() + "/" + k,
                                            v));
        }
        return flat;
    }

    /**
     * The median over seeds of every metric of every dev split (mean of the middle two for even
     * counts).
     */
    static List<GlueScore> median(GlueTask task, List<SeedResult> seeds) {
        List<GlueScore> out = new ArrayList<>();
        for (int s = 0; s < seeds.get(0).best().size(); s++) {
            GlueSplit split = seeds.get(0).best().get(s).split();
            Map<String, Double> m = new LinkedHashMap<>();
            for (String metric : seeds.get(0).best().get(s).metrics().keySet()) {
                int index = s;
                double[] values =
                        seeds.stream()
                                .mapToDouble(r -> r.best().get(index).metrics().get(metric))
                                .sorted()
                                .toArray();
                int n = values.length;
                m.put(metric, n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2);
            }
            out.add(new GlueScore(task, split, m));
        }
        return out;
    }

    private static void writeResults(Result r) throws IOException {
        JsonObject json = new JsonObject();
        json.addProperty("task", r.task().officialName());
        json.addProperty("main_metric", r.task().mainMetric());
        JsonArray seeds = new JsonArray();
        for (SeedResult s : r.seeds()) {
            JsonObject o = new JsonObject();
            o.addProperty("seed", s.seed());
            o.add("best", toJson(flatten(s.best())));
            o.addProperty("best_step", s.bestStep());
            o.addProperty("best_epoch", s.bestEpoch());
            seeds.add(o);
        }
        json.add("seeds", seeds);
        json.add("median", toJson(flatten(r.median())));
        json.addProperty("best_seed", r.bestSeed());
        String text = new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n";
        AtomicFiles.write(
                r.outDir().resolve("results.json"),
                out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    static JsonObject toJson(Map<String, Double> metrics) {
        JsonObject o = new JsonObject();
        metrics.forEach(o::addProperty);
        return o;
    }

    static String format(Map<String, Double> metrics) {
        StringBuilder b = new StringBuilder();
        metrics.forEach(
                (k, v) ->
                        b.append(b.length() == 0 ? "" : ", ")
                                .append(k)
                                .append(' ')
                                .append(String.format("%.4f", v)));
        return b.toString();
    }

    private static void copyModel(Path from, Path to) throws IOException {
        OutputFolder.writeInside(
                to,
                FolderKind.CLASSIFIER,
                null,
                staging -> {
                    for (String name :
                            new String[] {
                                FineTunedModel.PARAMS,
                                FineTunedModel.CONFIG,
                                FineTunedModel.TOKENIZER
                            }) {
                        Files.copy(from.resolve(name), staging.resolve(name));
                    }
                });
    }

    /** One seed: the training loop with half-epoch evaluations. */
    private static final class SeedRun {
        private final FinetuneConfig o;
        private final EncoderFolder pretrained;
        private final long seed;
        private final GlueDataset trainSet;
        private final Map<GlueSplit, GlueDataset> devSets;
        private final Path dir;
        private SeedResult best;

        SeedRun(
                FinetuneConfig o,
                EncoderFolder pretrained,
                long seed,
                GlueDataset trainSet,
                Map<GlueSplit, GlueDataset> devSets) {
            this.o = o;
            this.pretrained = pretrained;
            this.seed = seed;
            this.trainSet = trainSet;
            this.devSets = devSets;
            this.dir = o.outDir().resolve(seedDir(seed));
        }

        SeedResult run() throws IOException {
            Files.createDirectories(dir);
            int stepsPerEpoch =
                    Math.toIntExact((trainSet.size() + o.batchSize() - 1) / o.batchSize());
            int totalSteps = stepsPerEpoch * o.epochs();
            LinearWarmupDecay schedule =
                    LinearWarmupDecay.withWarmupFraction(
                            o.learningRate(), o.warmupFraction(), totalSteps, 0f);
            Set<Integer> evalAt =
                    new LinkedHashSet<>(List.of((stepsPerEpoch + 1) / 2, stepsPerEpoch));
            Engine.getInstance().setRandomSeed((int) (seed & 0x7fffffff));
            ClassifierConfig config =
                    ClassifierConfig.of(pretrained.model(), o.task(), o.maxLength());
            SequenceClassifier classifier = new SequenceClassifier(config);
            try (Model model = Model.newInstance("amos-finetune", o.device());
                    BufferedWriter metrics =
                            Files.newBufferedWriter(
                                    dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
                model.setBlock(classifier);
                classifier.initialize(model.getNDManager());
                pretrained.loadInto(classifier.encoder(), model.getNDManager());
                ParameterList params = classifier.getParameters();
                try (AdamW adam =
                                AdamW.builder(params)
                                        .optLearningRateTracker(schedule)
                                        .optBetas(o.beta1(), o.beta2())
                                        .optEpsilon(o.epsilon())
                                        .optWeightDecays(o.weightDecay())
                                        .build();
                        Trainer trainer =
                                model.newTrainer(
                                        new DefaultTrainingConfig(new ClassifierLoss(o.task()))
                                                .optOptimizer(adam)
                                                .optDevices(new Device[] {o.device()}))) {
                    trainer.initialize(new Shape(1, 8), new Shape(1, 8));
                    long step = 0;
                    for (int epoch = 1; epoch <= o.epochs(); epoch++) {
                        try (ProgressBar bar =
                                new ProgressBar(
                                        o.task()
                                                + " seed "
                                                + seed
                                                + " epoch "
                                                + epoch
                                                + "/"
                                                + o.epochs(),
                                        stepsPerEpoch,
                                        o.log())) {
                            int inEpoch = 0;
                            String lossText = "";
                            for (Batch batch : trainer.iterateDataset(trainSet)) {
                                step++;
                                inEpoch++;
                                boolean logStep =
                                        step % o.logEvery() == 0 || inEpoch == stepsPerEpoch;
                                float loss = trainStep(trainer, adam, batch, params, step, logStep);
                                if (logStep) {
                                    lossText = String.format("loss %.4f", loss);
                                    writeLine(
                                            metrics,
                                            trainLine(
                                                    step,
                                                    epoch - 1 + (double) inEpoch / stepsPerEpoch,
                                                    schedule.getNewValue((int) step),
                                                    loss));
                                }
                                bar.update(inEpoch, lossText);
                                if (evalAt.contains(inEpoch)) {
                                    evaluate(
                                            classifier,
                                            model,
                                            step,
                                            epoch - 1 + (double) inEpoch / stepsPerEpoch,
                                            metrics);
                                }
                            }
                        }
                    }
                }
            } catch (TranslateException e) {
                throw new IOException(e);
            }
            return best;
        }

        private float trainStep(
                Trainer trainer,
                AdamW adam,
                Batch batch,
                ParameterList params,
                long step,
                boolean read) {
            Engine.getInstance().setRandomSeed((int) ((seed * 0x9E3779B97F4A7C15L + step) >>> 33));
            float value = Float.NaN;
            try (batch;
                    NDScope scope = new NDScope();
                    GradientCollector gc = trainer.newGradientCollector()) {
                NDList preds = trainer.forward(batch.getData());
                NDArray loss = trainer.getLoss().evaluate(batch.getLabels(), preds);
                gc.backward(loss);
                if (o.clipNorm() > 0) {
                    GradientClipping.clipGlobalNorm(params, o.clipNorm());
                }
                if (read) {
                    value = loss.getFloat();
                }
            }
            adam.setStep((int) step);
            trainer.step();
            return value;
        }

        private void evaluate(
                SequenceClassifier classifier,
                Model model,
                long step,
                double epoch,
                BufferedWriter metrics)
                throws IOException {
            List<GlueScore> scores = new ArrayList<>();
            for (Map.Entry<GlueSplit, GlueDataset> e : devSets.entrySet()) {
                float[][] outputs =
                        FineTunedModel.outputs(classifier, e.getValue(), model.getNDManager());
                scores.add(
                        FineTunedModel.score(
                                o.task(), e.getKey(), outputs, e.getValue().examples()));
            }
            JsonObject line = new JsonObject();
            line.addProperty("step", step);
            line.addProperty("epoch", round(epoch));
            line.addProperty("split", "dev");
            flatten(scores).forEach(line::addProperty);
            writeLine(metrics, line);
            SeedResult candidate = new SeedResult(seed, scores, step, round(epoch));
            if (best == null || candidate.mainScore() > best.mainScore()) {
                best = candidate;
                FineTunedModel.save(classifier, pretrained.tokenizer(), dir.resolve("best"));
            }
        }

        private static JsonObject trainLine(long step, double epoch, float lr, float loss) {
            JsonObject line = new JsonObject();
            line.addProperty("step", step);
            line.addProperty("epoch", round(epoch));
            line.addProperty("lr", lr);
            line.addProperty("loss", loss);
            return line;
        }

        private static double round(double epoch) {
            return Math.round(epoch * 1000) / 1000.0;
        }

        private static void writeLine(BufferedWriter out, JsonObject line) throws IOException {
            out.write(line.toString());
            out.newLine();
            out.flush();
        }
    }
}
