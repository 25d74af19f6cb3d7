package dev.amos.cli;

import dev.amos.eval.finetune.FinetuneConfig;
import dev.amos.eval.finetune.FinetuneKey;
import dev.amos.eval.glue.GlueReader;
import dev.amos.eval.glue.GlueSplit;
import dev.amos.eval.glue.GlueTask;
import dev.amos.io.AmosFolder;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.BadInputException;
import dev.amos.model.EncoderFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The fine-tuning options shared by {@code amos finetune} and {@code amos glue} (a picocli mixin;
 * the numeric ones are generated from {@link FinetuneKey} by {@link Generated}).
 */
final class FinetuneOptions {

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            description = "Pretraining run folder (amos train --out).")
    Path model;

    @Option(
            names = "--data",
            paramLabel = "GLUE_DIR",
            description = "GLUE folder (default: $AMOS_GLUE_DIR).")
    Path data;

    @Option(names = "--device", description = DeviceOption.DESCRIPTION)
    String device = DeviceOption.DEFAULT;

    @Option(
            names = "--overwrite",
            description =
                    "Replace the earlier output of this command at --out (never a folder of another kind).")
    boolean overwrite;

    /**
     * The command these options are mixed into (its generated {@link FinetuneKey} options hold the
     * values).
     */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /**
     * Adds an option per {@link FinetuneKey} after {@code --data}: the {@code modelTransformer} of
     * every command that mixes these options in.
     */
    static final class Generated implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            SettingOptions.add(spec, "--data", FinetuneKey.values());
            return spec;
        }
    }

    /** The value of {@code key}'s option, or its default when it was not given. */
    Number value(FinetuneKey key) {
        Number v = SettingOptions.value(command, key);
        return v != null ? v : key.defaultValue();
    }

    /**
     * The fine-tuning of {@code glueTask} into {@code dir}, replacing an earlier fine-tune there
     * when {@code overwrite}.
     */
    FinetuneConfig options(GlueTask glueTask, Path dir, boolean overwrite) {
        FinetuneConfig.Builder b =
                FinetuneConfig.builder()
                        .setPretrained(model)
                        .setTask(glueTask)
                        .setGlueDir(glueDir(data))
                        .setOutDir(dir)
                        .optDevice(TrainCommand.device(device))
                        .optLog(System.err)
                        .optOverwrite(overwrite);
        for (FinetuneKey key : FinetuneKey.values()) {
            b.opt(key, SettingOptions.value(command, key));
        }
        return b.build();
    }

    /**
     * The checks of {@code amos finetune} and {@code amos glue} before any work, after the
     * command's {@link OptionChecks#ranges}: the range of every {@link FinetuneKey} option, the
     * model folder's kind, the GLUE folder, {@code --max-len} against the model's positions, the
     * files of every task (each split with at least one example) and the output folder ({@link
     * OutputFolder#check} as {@code kind}).
     */
    void validate(Collection<GlueTask> tasks, Path out, FolderKind kind) throws IOException {
        SettingOptions.checkRanges(command);
        if (tasks.isEmpty()) {
            throw new BadInputException(
                    "--tasks: expected at least one GLUE task (e.g. RTE,MRPC), got none");
        }
        AmosFolder.require(
                model,
                "--model",
                "a pretraining run, its discriminator/ or an amos import folder",
                FolderKind.RUN,
                FolderKind.ENCODER,
                FolderKind.IMPORT);
        Path glue = glueDir(data);
        int positions = EncoderFolder.open(model).model().maxPositions();
        int maxLen = value(FinetuneKey.MAX_LENGTH).intValue();
        if (maxLen > positions) {
            throw new BadInputException(
                    "--max-len "
                            + maxLen
                            + " exceeds max_positions "
                            + positions
                            + " of the model in "
                            + model
                            + ": expected --max-len in [3, "
                            + positions
                            + "]");
        }
        for (GlueTask task : tasks) {
            List<GlueSplit> splits = new ArrayList<>(task.devSplits());
            splits.add(0, GlueSplit.TRAIN);
            for (GlueSplit split : splits) {
                Path file = GlueReader.path(glue, task, split);
                if (!Files.isRegularFile(file)) {
                    throw BadInputException.of(
                            file,
                            "no such file (expected the "
                                    + task.officialName()
                                    + " "
                                    + split.stem()
                                    + " split of GLUE)");
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
                    throw BadInputException.of(
                            GlueReader.path(glue, task, split),
                            "no examples (expected the "
                                    + task.officialName()
                                    + " "
                                    + split.stem()
                                    + " split with at least one row)");
                }
            }
        }
    }

    /**
     * {@code --data}, else {@code $AMOS_GLUE_DIR} or {@code -Damos.glue.dir}; a clear error if
     * none.
     */
    static Path glueDir(Path data) {
        Path dir = data;
        if (dir == null) {
            String env = System.getProperty("amos.glue.dir", System.getenv("AMOS_GLUE_DIR"));
            if (env == null || env.isBlank()) {
                throw new BadInputException(
                        "--data GLUE_DIR is required (the folder with RTE/, MRPC/, ... as the GLUE"
                                + " download script writes it), or set AMOS_GLUE_DIR");
            }
            dir = Path.of(env);
        }
        if (!Files.isDirectory(dir)) {
            throw BadInputException.of(
                    dir, "no such folder (expected the GLUE data folder with RTE/, MRPC/, ...)");
        }
        return dir;
    }
}
