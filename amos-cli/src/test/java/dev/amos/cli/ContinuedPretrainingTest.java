package dev.amos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.model.Amos;
import dev.amos.model.Objective;
import dev.amos.train.InitSource;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continued pretraining on the CLI: {@code --init-from} an imported encoder, extending a run with
 * {@code --resume --steps N}, options given with {@code --resume}, and the run-folder lock against
 * another process for train, resume and finetune.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContinuedPretrainingTest {

    private static final String SENTENCES =
            """
            The quick brown fox jumps over the lazy dog near the river bank.
            A small village sat at the foot of the mountain, surrounded by old pine forests.
            Scientists measured the temperature of the lake every morning for three years.
            The library opened a new wing for children's books and quiet reading rooms.
            Trains from the capital arrive twice a day, carrying mail and passengers.
            """;

    @TempDir static Path tmp;

    private Path repo;
    private Path corpus;

    @BeforeAll
    void setUp() throws IOException {
        repo = Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();
        System.setProperty("amos.home", repo.toString());
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private Path corpus() throws IOException {
        if (corpus == null) {
            corpus = Files.writeString(tmp.resolve("corpus.txt"), SENTENCES.repeat(20));
        }
        return corpus;
    }

    /**
     * {@code amos train} of {@code steps} tiny steps into {@code out}, plus {@code extra} options.
     */
    private CliRun train(Path out, int steps, String... extra) throws IOException {
        String[] base = {
            "train",
            "--corpus",
            corpus().toString(),
            "--steps",
            "" + steps,
            "--batch-size",
            "2",
            "--seq-len",
            "16",
            "--checkpoint-every",
            "2",
            "--log-every",
            "1",
            "--out",
            out.toString(),
            "--cache",
            tmp.resolve("cache").toString()
        };
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return run(all);
    }

    private void trained(Path out, int steps) throws IOException {
        CliRun r = train(out, steps);
        assertEquals(0, r.code(), r.err() + r.log());
    }

    private Path importedTiny() {
        Path fixture = repo.resolve("testdata/fixtures/amos-hf-tiny");
        Path model = tmp.resolve("imported");
        if (!Files.isDirectory(model)) {
            CliRun r = run("import", "--from", fixture.toString(), "--out", model.toString());
            assertEquals(0, r.code(), r.err());
        }
        return model;
    }

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    private static void assertOneLineError(CliRun r, String... fragments) {
        String context = "stdout:\n" + r.out() + "\nstderr:\n" + r.err() + "\nlog:\n" + r.log();
        assertEquals(2, r.code(), context);
        assertEquals(1, r.err().strip().lines().count(), context);
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "expected \"" + f + "\" in: " + context);
        }
        assertFalse(r.err().contains("\tat "), context);
    }

    // ---- --init-from --------------------------------------------------------------------------

    @Test
    void atStepZeroTheDiscriminatorComputesWhatTheReleasedModelComputes() throws Exception {
        Path imported = importedTiny();
        JsonObject ref = json(repo.resolve("testdata/fixtures/amos-hf-tiny/reference.json"));
        JsonArray ids =
                ref.getAsJsonArray("singles").get(0).getAsJsonObject().getAsJsonArray("input_ids");
        JsonArray hidden = ref.getAsJsonArray("single_hidden").get(0).getAsJsonArray();
        InitSource init = InitSource.open(imported);
        Objective amosObjective = Objective.parse("amos", null);
        Amos amos = new Amos(init.model(), amosObjective);
        try (Model model = Model.newInstance("init-from-test");
                NDManager batch = model.getNDManager().newSubManager()) {
            model.setBlock(amos);
            StringWriter said = new StringWriter();
            init.loadInto(
                    amos,
                    amosObjective,
                    model.getNDManager(),
                    new PrintStream(new ByteArrayOutputStream()) {
                        @Override
                        public void println(String s) {
                            said.write(s);
                        }
                    });
            assertTrue(
                    said.toString().contains("generator, heads and mixture start fresh"),
                    said.toString());
            Shape shape =
                    new Shape(
                            2, 16); // what Pretrainer.initialize does: the rest is initialized, the
            // loaded kept
            amos.initialize(
                    model.getNDManager(), DataType.FLOAT32, shape, shape, shape, new Shape(4));
            long[] tokens = new long[ids.size()];
            long[] mask = new long[ids.size()];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = ids.get(i).getAsLong();
                mask[i] = 1;
            }
            NDArray out =
                    amos.discriminator()
                            .encode(
                                    new ParameterStore(batch, false),
                                    batch.create(tokens, new Shape(1, tokens.length)),
                                    batch.create(mask, new Shape(1, tokens.length)),
                                    false);
            float[] got = out.toFloatArray();
            int h = hidden.get(0).getAsJsonArray().size();
            for (int t = 0; t < tokens.length; t++) {
                for (int k = 0; k < h; k++) {
                    assertEquals(
                            hidden.get(t).getAsJsonArray().get(k).getAsFloat(),
                            got[t * h + k],
                            1e-4f,
                            "token " + t + " dim " + k);
                }
            }
        }
    }

    @Test
    void initFromAnImportTrainsAmosWithItsTokenizerAndRefusesContradictingShapes()
            throws IOException {
        Path imported = importedTiny();
        Path out = tmp.resolve("continued");
        CliRun r = train(out, 2, "--init-from", imported.toString());
        assertEquals(0, r.code(), r.err() + r.log());
        assertTrue(r.log().contains("discriminator and shared token embedding from"), r.log());
        JsonObject config = json(out.resolve("config.json"));
        assertEquals(
                imported.toAbsolutePath().normalize().toString(),
                config.get("init_from").getAsString());
        assertEquals(64, config.getAsJsonObject("model").get("hidden_size").getAsInt());
        assertEquals(
                Files.readString(imported.resolve("tokenizer.json")),
                Files.readString(out.resolve("tokenizer.json")));
        assertTrue(Files.isRegularFile(out.resolve("discriminator/encoder.params")));

        // a run folder of the same objective and shapes: every network from its last checkpoint
        CliRun again = train(tmp.resolve("continued-2"), 2, "--init-from", out.toString());
        assertEquals(0, again.code(), again.err() + again.log());
        assertTrue(
                again.log()
                        .contains("every network (discriminator, generator, heads, mixture) from"),
                again.log());

        // the same command line with --resume and more steps continues the run (--init-from the
        // same folder)
        CliRun resumed = train(out, 3, "--init-from", imported.toString(), "--resume");
        assertEquals(0, resumed.code(), resumed.err() + resumed.log());
        assertTrue(Files.isDirectory(out.resolve("checkpoints/step-3")));
        assertOneLineError(
                train(out, 4, "--init-from", tmp.resolve("continued-2").toString(), "--resume"),
                "is not the folder it started from");

        assertOneLineError(
                train(
                        tmp.resolve("wide"),
                        2,
                        "--init-from",
                        imported.toString(),
                        "--set",
                        "hidden_size=128"),
                "--set contradicts --init-from",
                "hidden_size");
        assertOneLineError(
                train(
                        tmp.resolve("preset"),
                        2,
                        "--init-from",
                        imported.toString(),
                        "--config",
                        "amos-tiny"),
                "--config amos-tiny contradicts --init-from");
        assertOneLineError(
                train(tmp.resolve("nothing"), 2, "--init-from", tmp.resolve("missing").toString()),
                "--init-from takes a pretraining run",
                "no such folder");
    }

    // ---- --resume --steps N and other options with --resume -----------------------------------

    @Test
    void resumeWithMoreStepsExtendsTheRunAndRecordsTheRule() throws IOException {
        Path out = tmp.resolve("extended");
        trained(out, 2);
        CliRun r =
                run(
                        "train",
                        "--resume",
                        "--out",
                        out.toString(),
                        "--steps",
                        "4",
                        "--cache",
                        tmp.resolve("cache").toString());
        assertEquals(0, r.code(), r.err() + r.log());
        assertTrue(r.log().contains("extending the run from 2 to 4 steps"), r.log());
        assertTrue(Files.isDirectory(out.resolve("checkpoints/step-4")));
        JsonObject config = json(out.resolve("config.json"));
        assertEquals(4, config.getAsJsonObject("training").get("steps").getAsInt());
        JsonObject extension = config.getAsJsonArray("extensions").get(0).getAsJsonObject();
        assertEquals(2, extension.get("from_step").getAsInt());
        assertEquals(2, extension.get("steps_before").getAsInt());
        assertTrue(extension.get("lr_rule").getAsString().contains("no second one"));
        // the step-3 rate of the re-planned schedule is not 0 (the 2-step schedule had reached 0)
        String metrics = Files.readString(out.resolve("metrics.jsonl"));
        JsonObject step3 =
                metrics.lines()
                        .map(l -> JsonParser.parseString(l).getAsJsonObject())
                        .filter(l -> l.has("lr") && l.get("step").getAsInt() == 3)
                        .findFirst()
                        .orElseThrow();
        assertTrue(step3.get("lr").getAsFloat() > 0, step3.toString());

        assertOneLineError(
                run("train", "--resume", "--out", out.toString(), "--steps", "4"),
                "--steps 4: the run has done 4 steps already");
        assertOneLineError(
                run("train", "--resume", "--out", out.toString(), "--steps", "3"),
                "has done 4 steps");
        assertOneLineError(
                run("train", "--resume", "--out", out.toString(), "--steps", "6", "--lr", "0.01"),
                "--lr 0.01 differs from the run's");
        assertOneLineError(
                run(
                        "train",
                        "--resume",
                        "--out",
                        out.toString(),
                        "--steps",
                        "6",
                        "--corpus",
                        tmp.resolve("other.txt").toString()),
                "--resume: --corpus differs from the run's corpus");
        assertOneLineError(
                run(
                        "train",
                        "--resume",
                        "--out",
                        out.toString(),
                        "--steps",
                        "6",
                        "--set",
                        "dropout=0.5"),
                "--resume: --config/--set differs");
        assertOneLineError(
                run("train", "--resume", "--out", out.toString(), "--objective", "electra"),
                "differs from the run's amos");
        assertEquals(
                4,
                json(out.resolve("config.json"))
                        .getAsJsonObject("training")
                        .get("steps")
                        .getAsInt());
        CliRun same =
                train(
                        out,
                        5,
                        "--resume",
                        "--config",
                        "amos-tiny",
                        "--objective",
                        "amos",
                        "--device",
                        "cpu");
        assertEquals(0, same.code(), same.err() + same.log());
        assertTrue(same.log().contains("applying --steps, --device, --cache"), same.log());
        assertTrue(Files.isDirectory(out.resolve("checkpoints/step-5")));
    }

    // ---- the run-folder lock ------------------------------------------------------------------

    /**
     * Another JVM holding the lock of {@code dir} (dev.amos.io.FolderLock's main), once it holds
     * it.
     */
    private static Process holdLock(Path dir) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p =
                new ProcessBuilder(
                                java,
                                "-cp",
                                System.getProperty("java.class.path"),
                                "dev.amos.io.FolderLock",
                                dir.toString())
                        .redirectErrorStream(true)
                        .start();
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("locked", out.readLine());
        return p;
    }

    @Test
    void aLiveFolderStopsTrainResumeAndFinetuneAtOnceAndAKilledHolderDoesNot() throws Exception {
        Path out = tmp.resolve("locked");
        trained(out, 2);
        byte[] config = Files.readAllBytes(out.resolve("config.json"));
        Process holder = holdLock(out);
        try {
            String pid = "PID " + holder.pid();
            assertOneLineError(
                    run("train", "--resume", "--out", out.toString(), "--steps", "4"), pid);
            Path fresh = tmp.resolve("fresh-locked");
            Process second = holdLock(fresh);
            try {
                assertOneLineError(
                        train(fresh, 2), "PID " + second.pid(), "in use by another amos process");
                assertFalse(Files.exists(fresh.resolve("config.json")));
            } finally {
                second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            Path glue = repo.resolve("testdata/glue");
            Path ft = tmp.resolve("ft");
            Process third = holdLock(ft);
            try {
                assertOneLineError(
                        run(
                                "finetune",
                                "--model",
                                out.toString(),
                                "--task",
                                "RTE",
                                "--data",
                                glue.toString(),
                                "--seeds",
                                "1",
                                "--epochs",
                                "1",
                                "--train-limit",
                                "8",
                                "--out",
                                ft.toString()),
                        "PID " + third.pid());
                assertFalse(Files.exists(ft.resolve("best")));
            } finally {
                third.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } finally {
            holder.destroyForcibly(); // SIGKILL: the OS drops its lock
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(java.util.Arrays.equals(config, Files.readAllBytes(out.resolve("config.json"))));
        CliRun resumed =
                run(
                        "train",
                        "--resume",
                        "--out",
                        out.toString(),
                        "--steps",
                        "4",
                        "--cache",
                        tmp.resolve("cache").toString());
        assertEquals(0, resumed.code(), resumed.err() + resumed.log());
    }
}
