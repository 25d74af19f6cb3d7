package dev.amos.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.amos.eval.finetune.FinetuneKey;
import dev.amos.eval.finetune.GlueFinetuner;
import dev.amos.eval.glue.GlueScore;
import dev.amos.eval.glue.GlueTable;
import dev.amos.eval.glue.GlueTask;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code amos glue}: {@code amos finetune} per task, then the GLUE table (markdown) and {@code
 * glue.json}.
 */
@Command(
        name = "glue",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        modelTransformer = FinetuneOptions.Generated.class,
        description = {
            "Fine-tune and evaluate a list of GLUE tasks; print the GLUE table (median of seeds).",
            "Writes OUT/<task>/ per task and OUT/glue.json."
        })
final class GlueCommand implements Callable<Integer> {

    @Mixin FinetuneOptions common = new FinetuneOptions();

    @Option(
            names = "--tasks",
            split = ",",
            description = "Tasks (default: RTE,MRPC,STS-B,CoLA,SST-2,QNLI,QQP,MNLI).")
    List<String> tasks = List.of("RTE", "MRPC", "STS-B", "CoLA", "SST-2", "QNLI", "QQP", "MNLI");

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("runs", "glue");

    @Override
    public Integer call() throws Exception {
        OptionChecks.ranges(this);
        Set<GlueTask> parsed = new LinkedHashSet<>();
        for (String t : tasks) {
            if (!parsed.add(GlueTask.parse(t))) {
                throw new BadInputException("--tasks lists " + t + " twice");
            }
        }
        common.validate(parsed, out, FolderKind.GLUE);
        JsonObject fields = new JsonObject();
        fields.addProperty("model", common.model.toAbsolutePath().normalize().toString());
        try (OutputFolder folder =
                OutputFolder.inPlace(
                        out,
                        FolderKind.GLUE,
                        common.overwrite,
                        "--out",
                        fields,
                        common.model,
                        FinetuneOptions.glueDir(common.data))) {
            return run(parsed);
        }
    }

    /**
     * Fine-tunes every task into {@code OUT/<task>/}, then prints the table and writes glue.json.
     */
    private int run(Set<GlueTask> parsed) throws IOException {
        List<GlueScore> scores = new ArrayList<>();
        JsonObject perTask = new JsonObject();
        for (GlueTask task : parsed) {
            GlueFinetuner.Result r =
                    GlueFinetuner.run(
                            common.options(task, out.resolve(task.officialName()), false));
            scores.addAll(r.median());
            JsonObject t = new JsonObject();
            GlueFinetuner.flatten(r.median()).forEach(t::addProperty);
            t.addProperty("best_seed", r.bestSeed());
            perTask.add(task.officialName(), t);
        }
        String name = common.model.toAbsolutePath().normalize().getFileName().toString();
        String table = new GlueTable().addRow(name, scores).toMarkdown();
        System.out.print(table);
        JsonObject json = new JsonObject();
        json.addProperty("model", name);
        json.addProperty("seeds", common.value(FinetuneKey.SEEDS));
        json.add("median", perTask);
        json.addProperty("table", table);
        String text = new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n";
        BlockFiles.writeAtomically(
                out.resolve("glue.json"), o -> o.write(text.getBytes(StandardCharsets.UTF_8)));
        return 0;
    }
}
