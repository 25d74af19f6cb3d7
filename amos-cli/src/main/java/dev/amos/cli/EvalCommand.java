package dev.amos.cli;

import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.finetune.GlueFinetuner;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GlueReader;
import dev.amos.eval.glue.GlueSplit;
import dev.amos.eval.glue.GlueSubmissionWriter;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.BadInputException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code amos eval}: score a fine-tuned model on dev, or write GLUE-submission TSVs for test. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a fine-tuned model on dev, or write GLUE-submission predictions for test.")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Fine-tuned model (amos finetune OUT, OUT/best or OUT/seed-N/best).")
    Path model;

    @Option(names = "--task", description = "GLUE task (default: the model's task).")
    String task;

    @Option(names = "--data", paramLabel = "GLUE_DIR", description = "GLUE folder (default: $AMOS_GLUE_DIR).")
    Path data;

    @Option(names = "--split", description = "dev or test (MNLI: all its dev or test splits) (default: ${DEFAULT-VALUE}).")
    String split = "dev";

    @Range(min = 1)
    @Option(names = "--batch-size", description = "Examples per batch, >= 1 (default: ${DEFAULT-VALUE}).")
    int batchSize = 64;

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for test predictions (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("submission");

    @Option(names = "--device", description = DeviceOption.DESCRIPTION)
    String device = DeviceOption.DEFAULT;

    @Override
    public Integer call() throws Exception {
        Path glueDir = validate();
        try (FineTunedModel m = FineTunedModel.load(model, DeviceOption.resolve(device))) {
            GlueTask t = m.config().task();
            if (task != null && GlueTask.parse(task) != t) {
                throw new BadInputException("--task " + task + ": the model in " + model + " was fine-tuned on " + t);
            }
            List<GlueSplit> splits = split.equals("dev") ? t.devSplits() : t.testSplits();
            for (GlueSplit s : splits) {
                List<GlueExample> examples = GlueReader.read(glueDir, t, s);
                float[][] outputs = m.outputs(examples, batchSize);
                if (s.isDev()) {
                    var score = FineTunedModel.score(t, s, outputs, examples);
                    System.out.println(t.officialName() + " " + s.stem() + ": "
                            + GlueFinetuner.flatten(List.of(score)));
                } else {
                    Path file = t.isRegression()
                            ? GlueSubmissionWriter.write(out, t, s, examples, FineTunedModel.scores(outputs))
                            : GlueSubmissionWriter.write(out, t, s, examples, FineTunedModel.labels(outputs));
                    System.out.println("wrote " + file);
                }
            }
        }
        return 0;
    }

    /** Checks the options of {@code amos eval} before any work; returns the GLUE folder. */
    private Path validate() {
        OptionChecks.ranges(this);
        if (!split.equals("dev") && !split.equals("test")) {
            throw new BadInputException("--split: expected dev or test, got \"" + split + "\"");
        }
        Path glueDir = FinetuneOptions.glueDir(data);
        if (split.equals("test")) {
            OptionChecks.outputFolder(out, "--out");
        }
        return glueDir;
    }
}
