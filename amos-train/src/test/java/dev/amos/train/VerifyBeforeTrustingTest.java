package dev.amos.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.io.AtomicFiles;
import dev.amos.io.Sha256;
import dev.amos.model.BadInputException;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.train.report.MetricsLog;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a resume (and {@code amos diagnose}) verifies before it trusts a run folder: the metrics
 * log, the checkpoint's name against its manifest, the weights' shapes against the config, the
 * tokenizer against its recorded hash, the checksums of a chosen checkpoint; a run stopped before
 * its first checkpoint; and {@code --steps} at or below the steps done. Every refusal leaves the
 * run folder byte-identical. One 6-step amos-tiny run (checkpoints at steps 3 and 6) is copied for
 * each case.
 */
class VerifyBeforeTrustingTest {

    private static final Path ROOT =
            Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();

    @TempDir static Path shared;

    private static Path corpus;
    private static Path base;

    @BeforeAll
    static void trainOneRun() throws IOException {
        corpus = shared.resolve("corpus.txt");
        List<String> lines = new ArrayList<>();
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(
                                new GZIPInputStream(
                                        Files.newInputStream(
                                                ROOT.resolve("data/wiki-sample.txt.gz"))),
                                StandardCharsets.UTF_8))) {
            for (String line = r.readLine();
                    line != null && lines.size() < 300;
                    line = r.readLine()) {
                lines.add(line);
            }
        }
        Files.write(corpus, lines, StandardCharsets.UTF_8);
        base = shared.resolve("base");
        ModelConfig tiny = ModelConfig.load("amos-tiny", ROOT.resolve("models"));
        TrainConfig tc =
                TrainConfig.builder()
                        .optSteps(6)
                        .optBatchSize(4)
                        .optSeqLen(32)
                        .optLearningRate(1e-3f)
                        .optWarmupSteps(1)
                        .optSeed(7)
                        .optLogEvery(1)
                        .optCheckpointEvery(3)
                        .optKeepCheckpoints(5)
                        .build();
        Pretrainer.run(
                PretrainOptions.builder()
                        .setModel(tiny, Objective.parse("amos", "uniform"))
                        .optTraining(tc)
                        .setCorpus(List.of(corpus))
                        .setTokenizer(ROOT.resolve("models/tokenizer.json"))
                        .setOutDir(base)
                        .setCacheDir(shared.resolve("cache"))
                        .optLog(new PrintStream(new ByteArrayOutputStream()))
                        .build());
    }

    /**
     * A resume of {@code run}, with {@code --steps extendTo} when not null; its log goes to {@code
     * log}.
     */
    private static PretrainOptions resume(Path run, Integer extendTo, ByteArrayOutputStream log) {
        return PretrainOptions.builder()
                .setOutDir(run)
                .optResume(true)
                .optExtendTo(extendTo)
                .setCacheDir(shared.resolve("cache"))
                .optLog(new PrintStream(log, true))
                .build();
    }

    private static Path copyOfBase(Path dir, String name) throws IOException {
        Path to = dir.resolve(name);
        try (Stream<Path> walk = Files.walk(base)) {
            for (Path p : walk.toList()) {
                Path t = to.resolve(base.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        return to;
    }

    /** The sha256 of every file under {@code dir}, by relative path. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), Sha256.of(p));
            }
        }
        return out;
    }

    /**
     * Asserts that {@code action} is refused with a message holding every part and leaves {@code
     * run} as it was.
     */
    private static String assertRefusedUntouched(Path run, Executable action, String... parts)
            throws IOException {
        Map<String, String> before = snapshot(run);
        BadInputException e = assertThrows(BadInputException.class, action);
        for (String part : parts) {
            assertTrue(
                    e.getMessage().contains(part),
                    "expected \"" + part + "\" in: " + e.getMessage());
        }
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertEquals(before.keySet(), snapshot(run).keySet(), "no file added or removed");
        assertEquals(before, snapshot(run), "every file byte-identical");
        return e.getMessage();
    }

    private static List<Long> steps(Path run) throws IOException {
        List<Long> out = new ArrayList<>();
        for (String l : Files.readAllLines(run.resolve(RunFolder.METRICS))) {
            out.add(JsonParser.parseString(l).getAsJsonObject().get("step").getAsLong());
        }
        return out;
    }

    @Test
    void aTornLineInTheMiddleOfMetricsIsRefusedNotTheRestDropped(@TempDir Path dir)
            throws IOException {
        Path run = copyOfBase(dir, "run");
        Path metrics = run.resolve(RunFolder.METRICS);
        List<String> lines = new ArrayList<>(Files.readAllLines(metrics));
        lines.set(1, lines.get(1).substring(0, 20)); // line 2 of 6 torn; steps 3..6 follow it
        Files.write(metrics, lines);
        AtomicFiles.deleteTree(run.resolve("checkpoints/step-6"));
        assertRefusedUntouched(
                run,
                () -> Pretrainer.run(resume(run, null, new ByteArrayOutputStream())),
                metrics + ":2: expected a JSON object");
    }

    @Test
    void onlyATornLastLineIsCutAndTheOtherLinesKeepTheirBytes(@TempDir Path dir)
            throws IOException {
        Path metrics = dir.resolve(RunFolder.METRICS);
        String kept = "{\"step\":1,\"loss\":2.5}\n{\"step\": 2, \"loss\": 2.25}\n";
        Files.writeString(metrics, kept + "{\"step\":3,\"loss\":2.0}\n{\"step\": 4, \"lo");
        MetricsLog.truncateAfter(metrics, 2);
        assertEquals(kept, Files.readString(metrics));

        Files.writeString(metrics, "{\"step\":1}\n{\"step\": 2, \"lo\n{\"step\":3}\n");
        byte[] before = Files.readAllBytes(metrics);
        BadInputException e =
                assertThrows(BadInputException.class, () -> MetricsLog.truncateAfter(metrics, 3));
        assertTrue(e.getMessage().startsWith(metrics + ":2: "), e.getMessage());
        assertTrue(Arrays.equals(before, Files.readAllBytes(metrics)), "nothing rewritten");
    }

    @Test
    void aCheckpointWhoseFolderNameDisagreesWithItsManifestIsSkipped(@TempDir Path dir)
            throws IOException {
        Path run = copyOfBase(dir, "run");
        Path checkpoints = Checkpoints.root(run);
        Files.move(checkpoints.resolve("step-3"), checkpoints.resolve("step-9")); // holds step 3
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Pretrainer.run(resume(run, 8, log));
        String said = log.toString(StandardCharsets.UTF_8);
        assertTrue(
                said.contains(
                        "step-9 is not trusted (manifest.json records step 3, the folder name step 9);"
                                + " falling back"),
                said);
        assertTrue(said.contains("resuming from step-6"), said);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), steps(run));
        assertEquals(null, Checkpoints.verify(checkpoints.resolve("step-8")));
        assertEquals(null, Checkpoints.verify(checkpoints.resolve("step-6")));
    }

    @Test
    void weightsOfAnotherShapeThanTheConfigAreRefusedNamingTheParameter(@TempDir Path dir)
            throws IOException {
        Path run = copyOfBase(dir, "run");
        Path config = run.resolve(RunFolder.CONFIG);
        String json = Files.readString(config);
        assertTrue(json.contains("\"hidden_size\": 64"), json);
        Files.writeString(config, json.replace("\"hidden_size\": 64", "\"hidden_size\": 128"));
        String message =
                assertRefusedUntouched(
                        run,
                        () -> Pretrainer.run(resume(run, 9, new ByteArrayOutputStream())),
                        run.resolve("checkpoints/step-6/model.params") + ": parameter ",
                        " has shape (",
                        "), the model config (" + config + ") expects (");
        assertTrue(
                message.contains(
                        "parameter discriminator.token_embedding has shape (30522, 64), the model config"),
                message);
        assertTrue(message.endsWith("expects (30522, 128)"), message);
    }

    @Test
    void aTokenizerThatIsNotTheRunsIsRefusedOnResumeAndDiagnose(@TempDir Path dir)
            throws IOException {
        Path run = copyOfBase(dir, "run");
        Path tokenizer = run.resolve(RunFolder.TOKENIZER);
        String json = Files.readString(tokenizer);
        assertTrue(json.contains("\"the\":1996") && json.contains("\"of\":1997"));
        Files.writeString(
                tokenizer,
                json.replace("\"the\":1996", "\"the\":x")
                        .replace("\"of\":1997", "\"of\":1996")
                        .replace(
                                "\"the\":x",
                                "\"the\":1997")); // two ids swapped: still a valid tokenizer
        String recorded =
                JsonParser.parseString(Files.readString(run.resolve(RunFolder.CONFIG)))
                        .getAsJsonObject()
                        .get("tokenizer_sha256")
                        .getAsString();
        String actual = Sha256.of(tokenizer);
        assertRefusedUntouched(
                run,
                () -> Pretrainer.run(resume(run, null, new ByteArrayOutputStream())),
                tokenizer + ": sha256 " + actual + " differs from tokenizer_sha256 " + recorded,
                "restore");
        assertRefusedUntouched(
                run, () -> Diagnosis.run(diagnose(run, 0)), tokenizer + ": sha256 " + actual);
    }

    private static Diagnosis.Options diagnose(Path run, long step) {
        return new Diagnosis.Options(
                run,
                step,
                null,
                null,
                List.of(corpus),
                null,
                shared.resolve("cache"),
                1,
                2,
                16,
                50f,
                null,
                1,
                new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void diagnoseOfACheckpointThatFailsItsChecksumIsRefused(@TempDir Path dir) throws IOException {
        Path run = copyOfBase(dir, "run");
        Path model = run.resolve("checkpoints/step-3/model.params");
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(model, bytes);
        assertRefusedUntouched(
                run,
                () -> Diagnosis.run(diagnose(run, 3)),
                run.resolve("checkpoints/step-3")
                        + ": --step 3: the checkpoint fails its manifest (model.params fails its"
                        + " sha256 checksum)");
    }

    @Test
    void aRunStoppedBeforeItsFirstCheckpointStartsAgainFromStepZero(@TempDir Path dir)
            throws IOException {
        Path run = copyOfBase(dir, "run");
        List<JsonObject> full = metricsLines(base);
        AtomicFiles.deleteTree(run.resolve("checkpoints"));
        AtomicFiles.deleteTree(run.resolve(RunFolder.DISCRIMINATOR));
        List<String> lines = Files.readAllLines(run.resolve(RunFolder.METRICS)).subList(0, 2);
        Files.write(
                run.resolve(RunFolder.METRICS),
                lines); // killed at step 2, before the checkpoint of step 3
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Pretrainer.run(resume(run, null, log));
        String said = log.toString(StandardCharsets.UTF_8);
        assertTrue(
                said.contains(
                        "has no checkpoint yet (the run was stopped before its first one); starting it again"
                                + " from step 0"),
                said);
        List<JsonObject> again = metricsLines(run);
        assertEquals(full.size(), again.size(), "steps 1 and 2 logged once, by the redone run");
        for (int i = 0; i < full.size(); i++) {
            assertEquals(full.get(i).get("step"), again.get(i).get("step"));
            assertEquals(
                    full.get(i).get("loss").getAsDouble(),
                    again.get(i).get("loss").getAsDouble(),
                    1e-5 * Math.abs(full.get(i).get("loss").getAsDouble()),
                    "step " + (i + 1));
        }
        assertEquals(null, Checkpoints.verify(Checkpoints.root(run).resolve("step-6")));
    }

    private static List<JsonObject> metricsLines(Path run) throws IOException {
        List<JsonObject> out = new ArrayList<>();
        for (String l : Files.readAllLines(run.resolve(RunFolder.METRICS))) {
            out.add(JsonParser.parseString(l).getAsJsonObject());
        }
        return out;
    }

    @Test
    void resumeWithStepsAtOrBelowTheStepsDoneIsRefused(@TempDir Path dir) throws IOException {
        Path run = copyOfBase(dir, "run");
        assertRefusedUntouched(
                run,
                () -> Pretrainer.run(resume(run, 6, new ByteArrayOutputStream())),
                "--steps 6: the run has done 6 steps already");
        assertRefusedUntouched(
                run,
                () -> Pretrainer.run(resume(run, 2, new ByteArrayOutputStream())),
                "--steps 2: the run has done 6 steps already");
    }
}
