package dev.amos.cli;

import dev.amos.eval.finetune.FinetuneConfig;
import dev.amos.eval.finetune.PretrainedRun;
import dev.amos.eval.glue.GlueReader;
import dev.amos.eval.glue.GlueSplit;
import dev.amos.eval.glue.GlueTask;
import dev.amos.io.AmosFolder;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import picocli.CommandLine.Option;

/** The fine-tuning options shared by {@code amos finetune} and {@code amos glue} (a picocli mixin). */
final class FinetuneOptions {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Pretraining run folder (amos train --out).")
    Path model;

    @Option(names = "--data", paramLabel = "GLUE_DIR", description = "GLUE folder (default: $AMOS_GLUE_DIR).")
    Path data;

    @Range(min = 1)
    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_SEEDS, names = "--seeds", description = "Seeds to run, base seed .. base seed + N - 1, >= 1 (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Range
    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_BASE_SEED, names = "--seed", description = "First seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Range(min = 1)
    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_EPOCHS, names = "--epochs", description = "Training epochs, >= 1 (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Range(min = 0, minOpen = true)
    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_LEARNING_RATE, names = "--lr", description = "Peak learning rate, > 0 (default: ${DEFAULT-VALUE}).")
    float lr;

    @Range(min = 1)
    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_BATCH_SIZE, names = "--batch-size", description = "Examples per step, >= 1 (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Range(min = 3)
    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_MAX_LENGTH, names = "--max-len", description = "Tokens per example, >= 3, at most the model's max_positions (default: ${DEFAULT-VALUE}).")
    int maxLen;

    @Range(min = 0)
    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_TRAIN_LIMIT, names = "--train-limit", paramLabel = "N", description = {"Fine-tune on a fixed seeded subsample of N",
        "training examples, the same for every seed and model, >= 0 (default: 0 = all)."})
    int trainLimit;

    @Range(min = 0, max = 1)
    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_WARMUP_FRACTION, names = "--warmup", description = "Warmup fraction of the steps, in [0, 1] (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Range(min = 0)
    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_WEIGHT_DECAY, names = "--weight-decay", description = "Decoupled weight decay, >= 0 (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Range(min = 0)
    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_CLIP_NORM, names = "--clip", description = "Global gradient-norm clip, 0 = none, >= 0 (default: ${DEFAULT-VALUE}).")
    float clip;

    @Range(min = 1)
    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_LOG_EVERY, names = "--log-every", description = "Steps between metrics lines, >= 1 (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--device", description = DeviceOption.DESCRIPTION)
    String device = DeviceOption.DEFAULT;

    @Option(names = "--overwrite", description = "Replace the earlier output of this command at --out (never a folder of another kind).")
    boolean overwrite;

    /** The fine-tuning of {@code glueTask} into {@code dir}, replacing an earlier fine-tune there when {@code overwrite}. */
    FinetuneConfig options(GlueTask glueTask, Path dir, boolean overwrite) {
        return FinetuneConfig.builder().setPretrained(model).setTask(glueTask).setGlueDir(glueDir(data)).setOutDir(dir)
                .optSeeds(seeds).optBaseSeed(seed).optEpochs(epochs).optLearningRate(lr).optBatchSize(batchSize)
                .optMaxLength(maxLen).optWarmupFraction(warmup).optWeightDecay(weightDecay).optClipNorm(clip)
                .optLogEvery(logEvery).optDevice(TrainCommand.device(device)).optLog(System.err).optTrainLimit(trainLimit)
                .optOverwrite(overwrite).build();
    }

    /**
     * The checks of {@code amos finetune} and {@code amos glue} before any work, after the
     * command's {@link OptionChecks#ranges} (which covers these options): the model folder's kind,
     * the GLUE folder, {@code --max-len} against the model's positions, the files of every task
     * (each split with at least one example) and the output folder ({@link OutputFolder#check} as
     * {@code kind}).
     */
    void validate(Collection<GlueTask> tasks, Path out, FolderKind kind) throws IOException {
        if (tasks.isEmpty()) {
            throw new BadInputException("--tasks: expected at least one GLUE task (e.g. RTE,MRPC), got none");
        }
        AmosFolder.require(model, "--model", "a pretraining run, its discriminator/ or an amos import folder",
                FolderKind.RUN, FolderKind.ENCODER, FolderKind.IMPORT);
        Path glue = glueDir(data);
        int positions = PretrainedRun.open(model).model().maxPositions();
        if (maxLen > positions) {
            throw new BadInputException("--max-len " + maxLen + " exceeds max_positions " + positions + " of the model in "
                    + model + ": expected --max-len in [3, " + positions + "]");
        }
        for (GlueTask task : tasks) {
            List<GlueSplit> splits = new ArrayList<>(task.devSplits());
            splits.add(0, GlueSplit.TRAIN);
            for (GlueSplit split : splits) {
                Path file = GlueReader.path(glue, task, split);
                if (!Files.isRegularFile(file)) {
                    throw BadInputException.of(file, "no such file (expected the " + task.officialName() + " "
                            + split.stem() + " split of GLUE)");
                }
            }
        }
        OutputFolder.check(out, kind, overwrite, "--out", model, glue);
        OptionChecks.outputFolder(out, "--out");
        for (GlueTask task : tasks) {
            List<GlueSplit> splits = new ArrayList<>(task.devSplits());
            splits.add(0, GlueSplit.TRAIN);
            for (GlueSplit split : splits) {
                if (GlueReader.read(glue, task, split).isEmpty()) {
                    throw BadInputException.of(GlueReader.path(glue, task, split), "no examples (expected the "
                            + task.officialName() + " " + split.stem() + " split with at least one row)");
                }
            }
        }
    }

    /** {@code --data}, else {@code $AMOS_GLUE_DIR} or {@code -Damos.glue.dir}; a clear error if none. */
    static Path glueDir(Path data) {
        Path dir = data;
        if (dir == null) {
            String env = System.getProperty("amos.glue.dir", System.getenv("AMOS_GLUE_DIR"));
            if (env == null || env.isBlank()) {
                throw new BadInputException("--data GLUE_DIR is required (the folder with RTE/, MRPC/, ... as the GLUE"
                        + " download script writes it), or set AMOS_GLUE_DIR");
            }
            dir = Path.of(env);
        }
        if (!Files.isDirectory(dir)) {
            throw BadInputException.of(dir, "no such folder (expected the GLUE data folder with RTE/, MRPC/, ...)");
        }
        return dir;
    }
}
