package dev.amos.cli;

import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.finetune.GlueFinetuner;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GlueReader;
import dev.amos.eval.glue.GlueSplit;
import dev.amos.eval.glue.GlueSubmissionWriter;
import dev.amos.eval.glue.GlueTask;
import dev.amos.io.AmosFolder;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code amos eval}: score a fine-tuned model on dev, or write GLUE-submission TSVs for test. */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Evaluate a fine-tuned model on dev, or write GLUE-submission predictions for test.")
final class EvalCommand implements Callable<Integer> {

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            description = "Fine-tuned model (amos finetune OUT, OUT/best or OUT/seed-N/best).")
    Path model;

    @Option(names = "--task", description = "GLUE task (default: the model's task).")
    String task;

    @Option(
            names = "--data",
            paramLabel = "GLUE_DIR",
            description = "GLUE folder (default: $AMOS_GLUE_DIR).")
    Path data;

    @Option(
            names = "--split",
            description =
                    "dev or test (MNLI: all its dev or test splits) (default: ${DEFAULT-VALUE}).")
    String split = "dev";

    @Range(min = 1)
    @Option(
            names = "--batch-size",
            description = "Examples per batch, >= 1 (default: ${DEFAULT-VALUE}).")
    int batchSize = 64;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = {
                "Folder for test predictions: new, empty or one this command",
                "wrote before (other tasks' files are kept) (default: ${DEFAULT-VALUE})."
            })
    Path out = Path.of("submission");

    @Option(
            names = "--overwrite",
            description = "Replace this task's prediction files already in --out.")
    boolean overwrite;

    @Option(names = "--device", description = DeviceOption.DESCRIPTION)
    String device = DeviceOption.DEFAULT;

    @Override
    public Integer call() throws Exception {
        Path glueDir = validate();
        try (FineTunedModel m = FineTunedModel.load(model, DeviceOption.resolve(device))) {
            GlueTask t = m.config().task();
            if (task != null && GlueTask.parse(task) != t) {
                throw new BadInputException(
                        "--task " + task + ": the model in " + model + " was fine-tuned on " + t);
            }
            List<GlueSplit> splits = split.equals("dev") ? t.devSplits() : t.testSplits();
            for (GlueSplit s :
                    splits) { // every split read and non-empty before anything is written
                if (GlueReader.read(glueDir, t, s).isEmpty()) {
                    throw BadInputException.of(
                            GlueReader.path(glueDir, t, s),
                            "no examples (expected the "
                                    + t.officialName()
                                    + " "
                                    + s.stem()
                                    + " split with at least one row)");
                }
            }
            if (split.equals("test")) {
                for (GlueSplit s : splits) {
                    Path file = out.resolve(GlueSubmissionWriter.fileName(t, s));
                    if (Files.exists(file) && !overwrite) {
                        throw BadInputException.of(
                                file,
                                "already holds "
                                        + t.officialName()
                                        + " predictions; add"
                                        + " --overwrite to replace them, or choose another --out");
                    }
                }
            }
            try (OutputFolder folder =
                    split.equals("test")
                            ? OutputFolder.adding(
                                    out, FolderKind.SUBMISSION, "--out", null, model, glueDir)
                            : null) {
                evaluate(m, t, splits, glueDir);
            }
        }
        return 0;
    }

    /** Scores the dev splits, or writes the test predictions into {@code --out}. */
    private void evaluate(FineTunedModel m, GlueTask t, List<GlueSplit> splits, Path glueDir)
            throws IOException {
        for (GlueSplit s : splits) {
            List<GlueExample> examples = GlueReader.read(glueDir, t, s);
            float[][] outputs = m.outputs(examples, batchSize);
            if (s.isDev()) {
                var score = FineTunedModel.score(t, s, outputs, examples);
                System.out.println(
                        t.officialName()
                                + " "
                                + s.stem()
                                + ": "
                                + GlueFinetuner.flatten(List.of(score)));
            } else {
                Path file =
                        t.isRegression()
                                ? GlueSubmissionWriter.write(
                                        out, t, s, examples, FineTunedModel.scores(outputs))
                                : GlueSubmissionWriter.write(
                                        out, t, s, examples, FineTunedModel.labels(outputs));
                System.out.println("wrote " + file);
            }
        }
    }

    /** The checks of {@code amos eval} before any work; returns the GLUE folder. */
    private Path validate() {
        OptionChecks.ranges(this);
        AmosFolder.require(
                model,
                "--model",
                "a fine-tuned classifier (amos finetune --out, or its best/)",
                FolderKind.FINETUNE,
                FolderKind.CLASSIFIER);
        if (!split.equals("dev") && !split.equals("test")) {
            throw new BadInputException("--split: expected dev or test, got \"" + split + "\"");
        }
        Path glueDir = FinetuneOptions.glueDir(data);
        if (split.equals("test")) {
            OutputFolder.check(out, FolderKind.SUBMISSION, true, "--out", model, glueDir);
            OptionChecks.outputFolder(out, "--out");
        }
        return glueDir;
    }
}
