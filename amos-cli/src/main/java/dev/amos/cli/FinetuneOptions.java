package dev.amos.cli;

import dev.amos.eval.finetune.GlueFinetuner;
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

    @Option(names = "--seeds", description = "Seeds to run, base seed .. base seed + N - 1 (default: ${DEFAULT-VALUE}).")
    int seeds = 1;

    @Option(names = "--seed", description = "First seed (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--epochs", description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs = 3;

    @Option(names = "--lr", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float lr = 1e-4f;

    @Option(names = "--batch-size", description = "Examples per step (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;

    @Option(names = "--max-len", description = "Tokens per example (default: ${DEFAULT-VALUE}).")
    int maxLen = 128;

    @Option(names = "--train-limit", paramLabel = "N", description = {"Fine-tune on a fixed seeded subsample of N",
        "training examples, the same for every seed and model (default: 0 = all)."})
    int trainLimit = 0;

    @Option(names = "--warmup", description = "Warmup fraction of the steps (default: ${DEFAULT-VALUE}).")
    double warmup = 0.1;

    @Option(names = "--weight-decay", description = "Decoupled weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay = 0.01f;

    @Option(names = "--clip", description = "Global gradient-norm clip, 0 = none (default: ${DEFAULT-VALUE}).")
    float clip = 0f;

    @Option(names = "--log-every", description = "Steps between metrics lines (default: ${DEFAULT-VALUE}).")
    int logEvery = 10;

    @Option(names = "--device", description = DeviceOption.DESCRIPTION)
    String device = DeviceOption.DEFAULT;

    GlueFinetuner.Options options(GlueTask glueTask, Path dir) {
        return new GlueFinetuner.Options(model, glueTask, glueDir(data), seeds, seed, epochs, lr, batchSize, maxLen, warmup,
                weightDecay, clip, logEvery, TrainCommand.device(device), dir, System.err, trainLimit);
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
