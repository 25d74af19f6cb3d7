package dev.amos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.amos.eval.finetune.FinetuneConfig;
import dev.amos.eval.finetune.FinetuneKey;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.Setting;
import dev.amos.train.TrainConfig;
import dev.amos.train.TrainKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The options generated from the config tables ({@link TrainKey}, {@link FinetuneKey}): every key
 * with an option is on its command's {@code --help} with its range and default, reaches the config,
 * and (for {@code amos train --resume}) is refused when it differs from the run or applied.
 */
class SettingOptionsTest {

    /** The options {@code amos train --help} listed before they were generated from the table. */
    private static final List<String> TRAIN_OPTIONS =
            List.of(
                    "--config",
                    "--objective",
                    "--ablation",
                    "--corpus",
                    "--valid-corpus",
                    "--valid-every",
                    "--valid-batches",
                    "--tokenizer",
                    "--steps",
                    "--batch-size",
                    "--accumulate",
                    "--seq-len",
                    "--lr",
                    "--warmup",
                    "--weight-decay",
                    "--clip",
                    "--rtd-weight",
                    "--mask-prob",
                    "--seed",
                    "--device",
                    "--out",
                    "--resume",
                    "--overwrite",
                    "--init-from",
                    "--checkpoint-every",
                    "--keep-checkpoints",
                    "--log-every",
                    "--max-skipped",
                    "--set",
                    "--cache",
                    "--help",
                    "--version",
                    "--verbose");

    /**
     * The options {@code amos finetune --help} listed before they were generated from the table.
     */
    private static final List<String> FINETUNE_OPTIONS =
            List.of(
                    "--model",
                    "--data",
                    "--seeds",
                    "--seed",
                    "--epochs",
                    "--lr",
                    "--batch-size",
                    "--max-len",
                    "--train-limit",
                    "--warmup",
                    "--weight-decay",
                    "--clip",
                    "--log-every",
                    "--device",
                    "--overwrite",
                    "--task",
                    "--out",
                    "--help",
                    "--version",
                    "--verbose");

    @TempDir static Path tmp;

    @BeforeAll
    static void home() {
        Path repo =
                Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();
        System.setProperty("amos.home", repo.toString());
    }

    @Test
    void trainHelpListsEveryOptionAndEveryKeyWithItsRangeAndDefault() {
        String help = CliRun.of("train", "--help").out();
        for (String option : TRAIN_OPTIONS) {
            assertTrue(help.contains(option), option + " missing from amos train --help:\n" + help);
        }
        assertGenerated("train", TrainKey.values());
        String flat = help.replaceAll("\\s+", " ");
        assertTrue(flat.contains("--steps=<steps> Optimizer steps, >= 1 (default: 300)."), flat);
        assertTrue(
                flat.contains("Warmup steps, >= 0, at most --steps (default: 10% of --steps)."),
                flat);
        assertTrue(
                flat.contains(
                        "--mask-prob=<maskProb> Share of tokens masked, in (0, 1) (default: 0.15)."),
                flat);
    }

    @Test
    void finetuneAndGlueHelpListEveryKeyWithItsRangeAndDefault() {
        String help = CliRun.of("finetune", "--help").out();
        for (String option : FINETUNE_OPTIONS) {
            assertTrue(
                    help.contains(option), option + " missing from amos finetune --help:\n" + help);
        }
        assertGenerated("finetune", FinetuneKey.values());
        assertGenerated("glue", FinetuneKey.values());
        assertTrue(
                help.replaceAll("\\s+", " ")
                        .contains("Warmup fraction of the steps, in [0, 1] (default: 0.1)."),
                help);
    }

    /**
     * Each setting with an option is an option of {@code command} whose --help text is the
     * setting's, range and default included.
     */
    private static void assertGenerated(String command, Setting... settings) {
        CommandLine cmd = AmosCommand.commandLine().getSubcommands().get(command);
        String help = cmd.getUsageMessage().replaceAll("\\s+", " ");
        for (Setting s : settings) {
            if (s.option() == null) {
                continue;
            }
            OptionSpec o = cmd.getCommandSpec().findOption(s.option());
            assertNotNull(o, command + " has no option " + s.option() + " for " + s.key());
            assertEquals(s, o.userObject(), s.option());
            assertTrue(help.contains(s.help()), command + " --help lacks \"" + s.help() + "\"");
            assertTrue(
                    s.help().contains(s.range().describe(s.integral()))
                            || s.range().describe(s.integral()).equals("(any)"),
                    s.help());
            assertTrue(s.help().contains("(default: "), s.help());
        }
    }

    /** A value of {@code key}'s own, in range, other than {@code current} (null: unset). */
    private static Number another(Setting key, Number current) {
        if (current == null) {
            return key.coerce(0.5);
        }
        if (key.integral()) {
            long down = current.longValue() - 1;
            return key.coerce(key.range().contains(down) ? down : current.longValue() + 1);
        }
        return key.coerce(current.doubleValue() / 2);
    }

    @Test
    void underResumeEveryComparedOptionIsRefusedWhenItDiffersAndTheRestApply() throws IOException {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve("amos-folder.json"), "{\"kind\": \"run\"}");
        JsonObject config = new JsonObject();
        TrainConfig recorded = TrainConfig.builder().build();
        config.add("training", recorded.toJson());
        Files.writeString(run.resolve("config.json"), config.toString());
        int compared = 0;
        for (TrainKey key : TrainKey.values()) {
            if (key.option() == null) {
                continue;
            }
            if (key.onResume() == TrainKey.OnResume.APPLIED) {
                assertTrue(
                        ResumeOptions.APPLIED.contains(key.option()),
                        key.option() + " is not said to apply");
                continue;
            }
            compared++;
            assertTrue(!ResumeOptions.APPLIED.contains(key.option()), key.option());
            Number mine = another(key, recorded.get(key));
            CliRun r =
                    CliRun.of(
                            "train",
                            "--resume",
                            "--out",
                            run.toString(),
                            key.option(),
                            mine.toString());
            assertEquals(2, r.code(), key.option() + ": " + r.err() + r.log());
            assertTrue(
                    r.err()
                            .startsWith(
                                    "amos: --resume: "
                                            + key.option()
                                            + " "
                                            + mine
                                            + " differs from the run's "
                                            + (recorded.get(key) == null
                                                    ? "default (unset)"
                                                    : recorded.get(key))),
                    r.err());
        }
        assertTrue(compared >= 14, compared + " compared options");
        assertEquals(
                List.of(
                        "--steps",
                        "--device",
                        "--cache",
                        "--valid-corpus",
                        "--valid-every",
                        "--valid-batches"),
                ResumeOptions.APPLIED);
    }

    @Test
    void aRangeErrorOfAGeneratedOptionNamesTheOption() {
        CliRun r = CliRun.of("train", "--mask-prob", "1", "--out", tmp.resolve("never").toString());
        assertEquals(2, r.code());
        assertEquals("amos: --mask-prob: expected a number in (0, 1), got 1.0", r.err().strip());
        Path never = tmp.resolve("never-masked");
        r =
                CliRun.of(
                        "train",
                        "--objective",
                        "mlm",
                        "--mask-token-prob",
                        "1",
                        "--out",
                        never.toString());
        assertEquals(2, r.code());
        assertTrue(
                r.err()
                        .startsWith(
                                "amos: --mask-token-prob 1.0 + --random-token-prob 0.1 exceeds 1"),
                r.err());
        assertTrue(!Files.exists(never), "checked before any work");
        r = CliRun.of("finetune", "--model", tmp.toString(), "--task", "RTE", "--warmup", "1.5");
        assertEquals(2, r.code());
        assertEquals("amos: --warmup: expected a number in [0, 1], got 1.5", r.err().strip());
        assertTrue(!Files.exists(tmp.resolve("never")));
    }

    @Test
    void everyFinetuneOptionReachesTheConfig() {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "finetune",
                                "--model",
                                tmp.toString(),
                                "--data",
                                tmp.toString(),
                                "--task",
                                "RTE"));
        List<Number> given = new ArrayList<>();
        for (FinetuneKey key : FinetuneKey.values()) {
            Number v = another(key, key.defaultValue().doubleValue() == 0 ? 2 : key.defaultValue());
            given.add(v);
            args.addAll(List.of(key.option(), v.toString()));
        }
        CommandLine cmd = AmosCommand.commandLine();
        CommandLine.ParseResult parsed = cmd.parseArgs(args.toArray(String[]::new));
        FinetuneCommand command = parsed.subcommand().commandSpec().commandLine().getCommand();
        FinetuneConfig c = command.common.options(GlueTask.RTE, tmp.resolve("out"), false);
        for (FinetuneKey key : FinetuneKey.values()) {
            assertEquals(given.get(key.ordinal()), c.get(key), key.option());
            assertTrue(!c.get(key).equals(key.defaultValue()), key.option() + " kept its default");
        }
        FinetuneConfig defaults =
                FinetuneConfig.builder()
                        .setPretrained(tmp)
                        .setTask(GlueTask.RTE)
                        .setGlueDir(tmp)
                        .setOutDir(tmp)
                        .build();
        for (FinetuneKey key : FinetuneKey.values()) {
            assertEquals(key.defaultValue(), defaults.get(key), key.key());
        }
    }
}
