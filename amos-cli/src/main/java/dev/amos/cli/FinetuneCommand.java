package dev.amos.cli;

import dev.amos.eval.finetune.GlueFinetuner;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code amos finetune}: fine-tune a pretraining run's encoder on one GLUE task, several seeds, best dev kept. */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a pretrained run on one GLUE task (best dev checkpoint kept, median of seeds).",
            "Writes OUT/results.json, OUT/best/ and OUT/seed-N/{metrics.jsonl,best/}."})
final class FinetuneCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Pretraining run folder (amos train --out).")
    Path model;

    @Option(names = "--task", required = true, description = "CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI, RTE or WNLI.")
    String task;

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

    @Option(names = "--device", description = "cpu, gpu or auto (default: ${DEFAULT-VALUE}).")
    String device = "cpu";

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/finetune-<task>-<time>).")
    Path out;

    @Override
    public Integer call() throws Exception {
        GlueTask glueTask = GlueTask.parse(task);
        Path dir = out != null ? out : Path.of("runs", "finetune-" + glueTask.officialName() + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        GlueFinetuner.Result r = GlueFinetuner.run(options(glueTask, glueDir(data), dir));
        System.out.println(glueTask.officialName() + " median of " + r.seeds().size() + " seed(s): "
                + GlueFinetuner.flatten(r.median()) + " -> " + r.outDir());
        return 0;
    }

    GlueFinetuner.Options options(GlueTask glueTask, Path glueDir, Path dir) {
        return new GlueFinetuner.Options(model, glueTask, glueDir, seeds, seed, epochs, lr, batchSize, maxLen, warmup,
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
