package dev.amos.cli;

import dev.amos.eval.finetune.FinetuneConfig;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The fine-tuning options shared by {@code amos finetune} and {@code amos glue} (a picocli mixin). */
final class FinetuneOptions {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Pretraining run folder (amos train --out).")
    Path model;

    @Option(names = "--data", paramLabel = "GLUE_DIR", description = "GLUE folder (default: $AMOS_GLUE_DIR).")
    Path data;

    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_SEEDS, names = "--seeds", description = "Seeds to run, base seed .. base seed + N - 1 (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_BASE_SEED, names = "--seed", description = "First seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_EPOCHS, names = "--epochs", description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_LEARNING_RATE, names = "--lr", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_BATCH_SIZE, names = "--batch-size", description = "Examples per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_MAX_LENGTH, names = "--max-len", description = "Tokens per example (default: ${DEFAULT-VALUE}).")
    int maxLen;

    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_TRAIN_LIMIT, names = "--train-limit", paramLabel = "N", description = {"Fine-tune on a fixed seeded subsample of N",
        "training examples, the same for every seed and model (default: 0 = all)."})
    int trainLimit;

    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_WARMUP_FRACTION, names = "--warmup", description = "Warmup fraction of the steps (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_WEIGHT_DECAY, names = "--weight-decay", description = "Decoupled weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_CLIP_NORM, names = "--clip", description = "Global gradient-norm clip, 0 = none (default: ${DEFAULT-VALUE}).")
    float clip;

    @Option(defaultValue = "" + FinetuneConfig.DEFAULT_LOG_EVERY, names = "--log-every", description = "Steps between metrics lines (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--device", description = DeviceOption.DESCRIPTION)
    String device = DeviceOption.DEFAULT;

    FinetuneConfig options(GlueTask glueTask, Path dir) {
        return FinetuneConfig.builder().setPretrained(model).setTask(glueTask).setGlueDir(glueDir(data)).setOutDir(dir)
                .optSeeds(seeds).optBaseSeed(seed).optEpochs(epochs).optLearningRate(lr).optBatchSize(batchSize)
                .optMaxLength(maxLen).optWarmupFraction(warmup).optWeightDecay(weightDecay).optClipNorm(clip)
                .optLogEvery(logEvery).optDevice(TrainCommand.device(device)).optLog(System.err).optTrainLimit(trainLimit)
                .build();
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
