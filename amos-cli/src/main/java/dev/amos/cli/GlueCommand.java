package dev.amos.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.amos.eval.finetune.GlueFinetuner;
import dev.amos.eval.glue.GlueScore;
import dev.amos.eval.glue.GlueTable;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code amos glue}: {@code amos finetune} per task, then the GLUE table (markdown) and {@code glue.json}. */
@Command(name = "glue", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune and evaluate a list of GLUE tasks; print the GLUE table (median of seeds).",
            "Writes OUT/<task>/ per task and OUT/glue.json."})
final class GlueCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Pretraining run folder (amos train --out).")
    Path model;

    @Option(names = "--data", paramLabel = "GLUE_DIR", description = "GLUE folder (default: $AMOS_GLUE_DIR).")
    Path data;

    @Option(names = "--tasks", split = ",", description = "Tasks (default: RTE,MRPC,STS-B,CoLA,SST-2,QNLI,QQP,MNLI).")
    List<String> tasks = List.of("RTE", "MRPC", "STS-B", "CoLA", "SST-2", "QNLI", "QQP", "MNLI");

    @Option(names = "--seeds", description = "Seeds per task (default: ${DEFAULT-VALUE}).")
    int seeds = 1;

    @Option(names = "--epochs", description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs = 3;

    @Option(names = "--lr", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float lr = 1e-4f;

    @Option(names = "--batch-size", description = "Examples per step (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;

    @Option(names = "--max-len", description = "Tokens per example (default: ${DEFAULT-VALUE}).")
    int maxLen = 128;

    @Option(names = "--train-limit", paramLabel = "N", description = {"Fine-tune each task on a fixed seeded subsample",
        "of N training examples (default: 0 = all)."})
    int trainLimit = 0;

    @Option(names = "--device", description = "cpu, gpu or auto (default: ${DEFAULT-VALUE}).")
    String device = "cpu";

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("runs", "glue");

    @Override
    public Integer call() throws Exception {
        Set<GlueTask> parsed = new LinkedHashSet<>();
        for (String t : tasks) {
            if (!parsed.add(GlueTask.parse(t))) {
                throw new BadInputException("--tasks lists " + t + " twice");
            }
        }
        Path glueDir = FinetuneCommand.glueDir(data);
        FinetuneCommand finetune = new FinetuneCommand();
        finetune.model = model;
        finetune.seeds = seeds;
        finetune.epochs = epochs;
        finetune.lr = lr;
        finetune.batchSize = batchSize;
        finetune.maxLen = maxLen;
        finetune.device = device;
        finetune.trainLimit = trainLimit;
        List<GlueScore> scores = new ArrayList<>();
        JsonObject perTask = new JsonObject();
        for (GlueTask task : parsed) {
            GlueFinetuner.Result r = GlueFinetuner.run(finetune.options(task, glueDir, out.resolve(task.officialName())));
            scores.addAll(r.median());
            JsonObject t = new JsonObject();
            GlueFinetuner.flatten(r.median()).forEach(t::addProperty);
            t.addProperty("best_seed", r.bestSeed());
            perTask.add(task.officialName(), t);
        }
        String name = model.toAbsolutePath().normalize().getFileName().toString();
        String table = new GlueTable().addRow(name, scores).toMarkdown();
        System.out.print(table);
        JsonObject json = new JsonObject();
        json.addProperty("model", name);
        json.addProperty("seeds", seeds);
        json.add("median", perTask);
        json.addProperty("table", table);
        String text = new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n";
        BlockFiles.writeAtomically(out.resolve("glue.json"), o -> o.write(text.getBytes(StandardCharsets.UTF_8)));
        return 0;
    }
}
