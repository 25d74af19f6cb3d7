package dev.amos.cli;

import dev.amos.eval.finetune.GlueFinetuner;
import dev.amos.eval.glue.GlueTask;
import dev.amos.io.FolderKind;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code amos finetune}: fine-tune a pretraining run's encoder on one GLUE task, several seeds,
 * best dev kept.
 */
@Command(
        name = "finetune",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        modelTransformer = FinetuneOptions.Generated.class,
        description = {
            "Fine-tune a pretrained run on one GLUE task (best dev checkpoint kept, median of seeds).",
            "Writes OUT/results.json, OUT/best/ and OUT/seed-N/{metrics.jsonl,best/}."
        })
final class FinetuneCommand implements Callable<Integer> {

    @Mixin FinetuneOptions common = new FinetuneOptions();

    @Option(
            names = "--task",
            required = true,
            description = "CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI, RTE or WNLI.")
    String task;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Output folder (default: runs/finetune-<task>-<time>).")
    Path out;

    @Override
    public Integer call() throws Exception {
        OptionChecks.ranges(this);
        GlueTask glueTask = GlueTask.parse(task);
        Path dir =
                out != null
                        ? out
                        : Path.of(
                                "runs",
                                "finetune-"
                                        + glueTask.officialName()
                                        + "-"
                                        + LocalDateTime.now()
                                                .format(
                                                        DateTimeFormatter.ofPattern(
                                                                "yyyyMMdd-HHmmss")));
        common.validate(List.of(glueTask), dir, FolderKind.FINETUNE);
        GlueFinetuner.Result r = GlueFinetuner.run(common.options(glueTask, dir, common.overwrite));
        System.out.println(
                glueTask.officialName()
                        + " median of "
                        + r.seeds().size()
                        + " seed(s): "
                        + GlueFinetuner.flatten(r.median())
                        + " -> "
                        + r.outDir());
        return 0;
    }
}
