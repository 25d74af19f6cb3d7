package dev.amos.cli;

import dev.amos.io.AmosFolder;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.BadInputException;
import dev.amos.model.GeneratorDiagnostics;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.train.Diagnosis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code amos diagnose}: does the generator learn? Gradient norms per group and loss term, feature
 * and attention spread.
 */
@Command(
        name = "diagnose",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Why a generator learns or not, on a few held-out batches: gradient L2 norm per parameter",
            "group under each loss term (mlm as trained, mlm without the stops, lambda x rtd, total), the spread",
            "of the features and predictions at masked positions, and the attention entropy per layer; the MLM",
            "loss at [MASK] positions (those whose input the masking kept or randomized can be copied) against",
            "the corpus's unigram loss (the plateau of a network that ignores the context)."
        })
final class DiagnoseCommand implements Callable<Integer> {

    @Option(
            names = "--run",
            paramLabel = "DIR",
            description = "A run folder: its latest valid checkpoint is measured.")
    Path run;

    @Range(min = 0)
    @Option(
            names = "--step",
            description =
                    "With --run: the checkpoint of this step, >= 0, 0 = the latest (default: the latest valid one).")
    long step;

    @Option(
            names = "--config",
            paramLabel = "NAME|FILE",
            description =
                    "Without --run: a fresh model of this preset (default: ${DEFAULT-VALUE}).")
    String config = "amos-tiny";

    @Option(
            names = "--objective",
            description = "Without --run: amos, electra or mlm (default: ${DEFAULT-VALUE}).")
    String objective = "amos";

    @Option(names = "--ablation", description = "Without --run: an AMOS ablation.")
    String ablation;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "Without --run: override a model config key.")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(
            names = "--corpus",
            arity = "1..*",
            paramLabel = "PATH",
            description = "Text to draw batches from (default: data/wiki-sample.txt.gz).")
    List<Path> corpus;

    @Option(
            names = "--masking",
            description =
                    "amos (all [MASK]), electra (85%% [MASK], 15%% kept) or mlm (80/10/10); default: the run's (with --run), else the objective's.")
    String masking;

    @Range(min = 0)
    @Option(
            names = "--batches",
            description =
                    "Batches measured; 0 prints only the corpus's unigram loss, >= 0 (default: ${DEFAULT-VALUE}).")
    int batches = 2;

    @Range(min = 1)
    @Option(
            names = "--batch-size",
            description = "Sequences per batch, >= 1 (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;

    @Range(min = 3)
    @Option(
            names = "--seq-len",
            description =
                    "Tokens per sequence, >= 3, at most the model's max_positions (default: ${DEFAULT-VALUE}).")
    int seqLen = 64;

    @Range(min = 0)
    @Option(names = "--rtd-weight", description = "Lambda, >= 0 (default: ${DEFAULT-VALUE}).")
    float rtdWeight = 50f;

    @Range
    @Option(names = "--seed", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(
            names = "--cache",
            paramLabel = "DIR",
            description = "Token-shard cache (default: ~/.cache/amos).")
    Path cache;

    @Override
    public Integer call() throws Exception {
        ModelConfig model = run == null ? ModelConfig.load(config, Paths.models()).with(set) : null;
        Objective obj = run == null ? Objective.parse(objective, ablation) : null;
        OptionChecks.ranges(this);
        if (obj != null) {
            OptionChecks.ablationFits(obj, model, config);
        }
        if (model != null && seqLen > model.maxPositions()) {
            throw new BadInputException(
                    "--seq-len "
                            + seqLen
                            + " exceeds max_positions "
                            + model.maxPositions()
                            + " of "
                            + config
                            + ": expected --seq-len in [3, "
                            + model.maxPositions()
                            + "]");
        }
        if (run != null) {
            AmosFolder.require(
                    run, "--run", "a pretraining run (amos train --out)", FolderKind.RUN);
        }
        if (run != null && !Files.isRegularFile(run.resolve("config.json"))) {
            throw BadInputException.of(
                    run, "--run: not a run folder (no config.json from 'amos train --out')");
        }
        if (cache != null) {
            OutputFolder.requireOutsideAmosFolders(cache, "--cache");
            OptionChecks.outputFolder(cache, "--cache");
        }
        Diagnosis.Result result =
                Diagnosis.run(
                        new Diagnosis.Options(
                                run,
                                step,
                                model,
                                obj,
                                corpus != null
                                        ? corpus
                                        : List.of(Paths.home().resolve("data/wiki-sample.txt.gz")),
                                Paths.models().resolve("tokenizer.json"),
                                cache != null ? cache : Paths.cache().resolve("shards"),
                                batches,
                                batchSize,
                                seqLen,
                                rtdWeight,
                                masking,
                                seed,
                                System.err));
        System.out.println(
                String.format(
                        Locale.ROOT,
                        "corpus: %d sequences of %d tokens; unigram loss %.4f nats",
                        result.examples(),
                        seqLen,
                        result.unigramLoss()));
        List<GeneratorDiagnostics.Report> reports = result.reports();
        double atMask = 0;
        double rtd = 0;
        double rtdConstant = 0;
        for (int b = 0; b < reports.size(); b++) {
            System.out.println("batch " + (b + 1) + ":");
            for (String line :
                    GeneratorDiagnostics.format(
                            reports.get(b), x -> String.format(Locale.ROOT, "%.4g", x))) {
                System.out.println("  " + line);
            }
            List<Double> heads = reports.get(b).mlmLossesAtMask();
            atMask += heads.get(heads.size() - 1);
            rtd += reports.get(b).rtdLoss();
            rtdConstant += reports.get(b).rtdConstantLoss();
        }
        if (!reports.isEmpty()) {
            atMask /= reports.size();
            System.out.println(
                    String.format(
                            Locale.ROOT,
                            "MLM loss at [MASK] (deepest head, mean of %d batches): %.4f nats, %+.4f from the unigram loss%s",
                            reports.size(),
                            atMask,
                            atMask - result.unigramLoss(),
                            atMask < result.unigramLoss() - 0.3
                                    ? ""
                                    : " (not yet 0.3 nats below it: on the unigram plateau, or above it)"));
            System.out.println(
                    "mean of "
                            + reports.size()
                            + " batches: feature spread "
                            + meanJoin(reports, GeneratorDiagnostics.Report::featureSpread)
                            + "   prediction spread "
                            + meanJoin(reports, GeneratorDiagnostics.Report::predictionSpread)
                            + "   attention entropy "
                            + meanJoin(reports, GeneratorDiagnostics.Report::attentionEntropy)
                            + " (uniform "
                            + String.format(
                                    Locale.ROOT,
                                    "%.3f",
                                    reports.stream()
                                            .mapToDouble(
                                                    GeneratorDiagnostics.Report::uniformEntropy)
                                            .average()
                                            .orElse(Double.NaN))
                            + ")");
            if (!Double.isNaN(rtd)) {
                rtd /= reports.size();
                rtdConstant /= reports.size();
                System.out.println(
                        String.format(
                                Locale.ROOT,
                                "RTD loss (mean of %d batches): %.4f, %+.4f from the constant"
                                        + " prediction's %.4f (the replaced share alone)%s",
                                reports.size(),
                                rtd,
                                rtd - rtdConstant,
                                rtdConstant,
                                rtd < rtdConstant
                                        ? ""
                                        : ": the discriminator does no better than the share alone"));
            }
        }
        return 0;
    }

    /** The per-layer mean of a per-layer figure over the batches, as "a / b / c". */
    private static String meanJoin(
            List<GeneratorDiagnostics.Report> reports,
            Function<GeneratorDiagnostics.Report, List<Double>> figure) {
        int layers = figure.apply(reports.get(0)).size();
        List<String> out = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            final int layer = k;
            double mean =
                    reports.stream()
                            .mapToDouble(r -> figure.apply(r).get(layer))
                            .average()
                            .orElse(Double.NaN);
            out.add(String.format(Locale.ROOT, "%.4g", mean));
        }
        return String.join(" / ", out);
    }
}
