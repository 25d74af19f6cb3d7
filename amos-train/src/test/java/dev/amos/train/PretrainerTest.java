package dev.amos.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.io.AtomicFiles;
import dev.amos.model.BadInputException;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end on amos-tiny shapes: run folder, exact resume, checkpoint fallback, NaN skipping. */
class PretrainerTest {

    private static final Path ROOT =
            Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();

    @TempDir static Path shared;

    private static Path corpus;

    @BeforeAll
    static void writeCorpus() throws IOException {
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
                    line != null && lines.size() < 400;
                    line = r.readLine()) {
                lines.add(line);
            }
        }
        Files.write(corpus, lines, StandardCharsets.UTF_8);
    }

    private static PretrainOptions options(
            Path out, boolean resume, int steps, Objective objective) {
        return options(out, resume, steps, 3, objective);
    }

    private static PretrainOptions options(
            Path out, boolean resume, int steps, int checkpointEvery, Objective objective) {
        return builder(out, resume, steps, checkpointEvery, objective).build();
    }

    private static PretrainOptions.Builder builder(
            Path out, boolean resume, int steps, int checkpointEvery, Objective objective) {
        ModelConfig tiny = ModelConfig.load("amos-tiny", ROOT.resolve("models"));
        TrainConfig tc =
                TrainConfig.builder()
                        .optSteps(steps)
                        .optBatchSize(4)
                        .optSeqLen(32)
                        .optLearningRate(1e-3f)
                        .optWarmupSteps(Math.min(10, steps / 10))
                        .optSeed(7)
                        .optLogEvery(1)
                        .optCheckpointEvery(checkpointEvery)
                        .optKeepCheckpoints(5)
                        .optMaxSkippedSteps(3)
                        .build();
        return PretrainOptions.builder()
                .setModel(tiny, objective)
                .optTraining(tc)
                .setCorpus(List.of(corpus))
                .setTokenizer(ROOT.resolve("models/tokenizer.json"))
                .setOutDir(out)
                .optResume(resume)
                .setCacheDir(shared.resolve("cache"))
                .optLog(new PrintStream(new ByteArrayOutputStream()));
    }

    private static List<JsonObject> metrics(Path run) throws IOException {
        List<JsonObject> out = new ArrayList<>();
        for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonObject o = JsonParser.parseString(l).getAsJsonObject();
            o.remove("tokens_per_second");
            o.remove("rss_mb");
            o.remove("elapsed_seconds");
            out.add(o);
        }
        return out;
    }

    @Test
    void twoHundredStepsLowerEveryLossAndTheMixtureIsLearned(@TempDir Path dir) throws IOException {
        Path amosRun =
                Pretrainer.run(options(dir.resolve("amos"), false, 200, 100, Objective.AMOS))
                        .runDir();
        List<JsonObject> m = metrics(amosRun);
        assertEquals(200, m.size());
        for (JsonObject o :
                m) { // AMOS masks every selected token with [MASK]: the same positions, the same
            // numbers
            assertEquals(o.get("mlm_loss"), o.get("mlm_loss_at_mask"), "step " + o.get("step"));
            assertFalse(o.has("mlm_loss_kept"), "nothing kept, nothing logged");
        }
        assertTrue(
                Files.isRegularFile(amosRun.resolve("report-mask-loss.png")),
                "the report charts the loss at [MASK]");
        try (Stream<Path> caches = Files.list(shared.resolve("cache"))) {
            assertTrue(
                    caches.anyMatch(c -> Files.isRegularFile(c.resolve("unigram.json"))),
                    "the corpus's unigram loss is kept in the shard cache");
        }
        for (int k = 0; k < 3; k++) {
            int head = k;
            double first =
                    mean(
                            m.subList(0, 20),
                            o -> o.getAsJsonArray("mlm_loss").get(head).getAsDouble());
            double last =
                    mean(
                            m.subList(180, 200),
                            o -> o.getAsJsonArray("mlm_loss").get(head).getAsDouble());
            assertTrue(last < first - 1.0, "MLM head " + k + ": " + first + " -> " + last);
        }
        double rtdFirst = mean(m.subList(0, 20), o -> o.get("rtd_loss").getAsDouble());
        double rtdLast = mean(m.subList(180, 200), o -> o.get("rtd_loss").getAsDouble());
        assertTrue(rtdLast < rtdFirst, "RTD loss " + rtdFirst + " -> " + rtdLast);
        double moved = 0;
        for (var w : m.get(199).getAsJsonArray("mixture_weights")) {
            moved = Math.max(moved, Math.abs(w.getAsDouble() - 1.0 / 3));
        }
        assertTrue(moved > 1e-3, "the mixture weights must be learned, max |w - 1/3| = " + moved);

        List<JsonObject> u =
                metrics(
                        Pretrainer.run(
                                        options(
                                                dir.resolve("uniform"),
                                                false,
                                                20,
                                                100,
                                                Objective.parse("amos", "uniform")))
                                .runDir());
        for (JsonObject o : u) {
            for (var w : o.getAsJsonArray("mixture_weights")) {
                assertEquals(
                        (float) (1.0 / 3), w.getAsFloat(), 0f, "uniform stays exactly uniform");
            }
        }
    }

    /**
     * Same keys, same counters, every number equal to 1e-5 relative: CPU kernels may round the last
     * float digit differently from one process to another (memory alignment), so exact equality
     * would test the allocator, not the resume.
     */
    private static void assertSameMetrics(JsonObject expected, JsonObject actual) {
        assertEquals(expected.keySet(), actual.keySet());
        assertEquals(expected.get("step"), actual.get("step"));
        assertEquals(expected.get("skipped_steps"), actual.get("skipped_steps"));
        for (String key : expected.keySet()) {
            List<Double> e = numbers(expected.get(key));
            List<Double> a = numbers(actual.get(key));
            assertEquals(e.size(), a.size(), key);
            for (int i = 0; i < e.size(); i++) {
                assertEquals(
                        e.get(i),
                        a.get(i),
                        1e-5 * Math.max(1, Math.abs(e.get(i))),
                        "step " + expected.get("step") + " " + key);
            }
        }
    }

    private static List<Double> numbers(com.google.gson.JsonElement e) {
        List<Double> out = new ArrayList<>();
        if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> out.add(x.getAsDouble()));
        } else {
            out.add(e.getAsDouble());
        }
        return out;
    }

    private static double mean(
            List<JsonObject> rows, java.util.function.ToDoubleFunction<JsonObject> f) {
        return rows.stream().mapToDouble(f).average().orElseThrow();
    }

    @Test
    void resumingAtStepTwentyReproducesStepsTwentyOneToForty(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a");
        Pretrainer.run(options(a, false, 40, 20, Objective.AMOS));
        List<JsonObject> full = metrics(a);
        Path b = dir.resolve("b");
        copyTree(a, b);
        AtomicFiles.deleteTree(b.resolve("checkpoints/step-40"));
        Files.write(
                b.resolve("metrics.jsonl"),
                Files.readAllLines(b.resolve("metrics.jsonl")).subList(0, 20));
        Pretrainer.run(options(b, true, 40, 20, Objective.AMOS));
        List<JsonObject> resumed = metrics(b);
        assertEquals(40, resumed.size());
        for (int i = 20; i < 40; i++) {
            assertSameMetrics(full.get(i), resumed.get(i));
        }
    }

    @Test
    void writesTheRunFolderAndResumesExactly(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a");
        Pretrainer.run(options(a, false, 6, Objective.AMOS));
        for (String f :
                new String[] {
                    "config.json",
                    "tokenizer.json",
                    "metrics.jsonl",
                    "report.html",
                    "discriminator/encoder.params",
                    "discriminator/config.json",
                    "discriminator/tokenizer.json",
                    "checkpoints/step-3/model.params",
                    "checkpoints/step-6/optimizer.bin"
                }) {
            assertTrue(Files.isRegularFile(a.resolve(f)), f);
        }
        List<JsonObject> full = metrics(a);
        assertEquals(6, full.size());
        for (String key :
                new String[] {
                    "step",
                    "lr",
                    "loss",
                    "mlm_loss",
                    "rtd_loss",
                    "rtd_accuracy",
                    "replaced_fraction",
                    "mixture_weights"
                }) {
            assertTrue(full.get(0).has(key), key);
        }
        assertEquals(3, full.get(0).getAsJsonArray("mlm_loss").size());

        // an interrupted copy: the last checkpoint and the lines after step 3 are lost, plus a torn
        // line
        Path b = dir.resolve("b");
        copyTree(a, b);
        AtomicFiles.deleteTree(b.resolve("checkpoints/step-6"));
        List<String> lines = Files.readAllLines(b.resolve("metrics.jsonl")).subList(0, 4);
        Files.write(b.resolve("metrics.jsonl"), lines);
        Files.writeString(
                b.resolve("metrics.jsonl"), "{\"step\": 5, \"lo", StandardOpenOption.APPEND);
        Pretrainer.run(options(b, true, 6, Objective.AMOS));
        List<JsonObject> resumed = metrics(b);
        assertEquals(full.size(), resumed.size());
        for (int i = 0; i < full.size(); i++) {
            assertSameMetrics(full.get(i), resumed.get(i));
        }
    }

    @Test
    void aDamagedCheckpointFallsBackToThePreviousOne(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        Pretrainer.run(options(run, false, 6, Objective.parse("amos", "uniform")));
        List<JsonObject> full = metrics(run);
        Path model = run.resolve("checkpoints/step-6/model.params");
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(model, bytes);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Pretrainer.run(
                PretrainOptions.builder()
                        .setOutDir(run)
                        .optResume(true)
                        .setCacheDir(shared.resolve("cache"))
                        .optLog(new PrintStream(log, true))
                        .build());
        String said = log.toString(StandardCharsets.UTF_8);
        assertTrue(
                said.contains(
                        "step-6 is damaged (model.params fails its sha256 checksum); falling back"),
                said);
        assertTrue(said.contains("resuming from step-3"), said);
        List<JsonObject> again = metrics(run);
        for (int i = 0; i < full.size(); i++) {
            assertSameMetrics(full.get(i), again.get(i));
        }
        assertEquals(
                null,
                Checkpoints.verify(run.resolve("checkpoints/step-6")),
                "rewritten and valid again");
    }

    @Test
    void validationReportsTheLossAtMaskBesideTheLossOverAllSelectedPositions(@TempDir Path dir)
            throws IOException {
        PretrainOptions o =
                builder(dir.resolve("valid"), false, 2, 3, Objective.ELECTRA)
                        .optValidation(List.of(corpus), 1, 2)
                        .build();
        List<JsonObject> m = metrics(Pretrainer.run(o).runDir());
        assertEquals(2, m.size());
        for (JsonObject line : m) {
            double all = line.get("valid_mlm_loss").getAsDouble();
            double atMask = line.get("valid_mlm_loss_at_mask").getAsDouble();
            assertTrue(
                    Double.isFinite(atMask) && Math.abs(atMask - all) > 1e-6,
                    "ELECTRA's held-out batches keep some selected tokens: " + line);
        }
    }

    @Test
    void nanStepsAreSkippedCountedAndStopTheRunWhenTheyPersist(@TempDir Path dir)
            throws IOException {
        Path run = dir.resolve("nan");
        Pretrainer.run(
                builder(run, false, 4, 3, Objective.ELECTRA)
                        .optNanLossAt(step -> step == 2)
                        .build());
        List<JsonObject> m = metrics(run);
        assertEquals(4, m.size());
        assertEquals(0, m.get(0).get("skipped_steps").getAsInt());
        assertFalse(m.get(0).has("mixture_weights"), "mixture weights are AMOS only");
        assertTrue(m.get(0).has("rtd_accuracy"));
        boolean split = false;
        for (JsonObject o :
                m) { // ELECTRA keeps 15% of the selected tokens: the loss at [MASK] leaves them out
            assertTrue(o.has("mlm_loss_at_mask") && o.has("mlm_loss_kept"), o.toString());
            split |= !o.get("mlm_loss").equals(o.get("mlm_loss_at_mask"));
        }
        assertTrue(split, "the loss at [MASK] differs from the loss over all selected positions");
        assertEquals(1, m.get(1).get("skipped_steps").getAsInt());
        assertTrue(
                Double.isNaN(m.get(1).get("loss").getAsDouble())
                        || m.get(1).get("loss").isJsonNull()
                        || m.get(1).get("loss").getAsString().equals("NaN"));
        assertTrue(
                Float.isFinite(m.get(3).get("loss").getAsFloat()),
                "training goes on after a skipped step");

        Path stop = dir.resolve("stop");
        Pretrainer.NonFiniteTrainingException e =
                assertThrows(
                        Pretrainer.NonFiniteTrainingException.class,
                        () ->
                                Pretrainer.run(
                                        builder(stop, false, 10, 3, Objective.MLM)
                                                .optNanLossAt(step -> step >= 4)
                                                .build()));
        assertTrue(e.getMessage().contains("3 consecutive steps"), e.getMessage());
        assertEquals(
                null,
                Checkpoints.verify(stop.resolve("checkpoints/step-3")),
                "the last good checkpoint is intact");
        assertFalse(
                Files.exists(stop.resolve("checkpoints/step-6")),
                "no checkpoint of a skipped step");
    }

    @Test
    void refusesToOverwriteARunOrResumeNothing(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("config.json"), "{\"model\": {}, \"training\": {}}");
        BadInputException e =
                assertThrows(
                        BadInputException.class,
                        () -> Pretrainer.run(options(run, false, 2, Objective.AMOS)));
        assertTrue(e.getMessage().contains("already holds a pretraining run"), e.getMessage());
        Files.writeString(dir.resolve("notes.txt"), "mine");
        BadInputException foreign =
                assertThrows(
                        BadInputException.class,
                        () -> Pretrainer.run(options(dir, false, 2, Objective.AMOS)));
        assertTrue(foreign.getMessage().contains("amos did not write it"), foreign.getMessage());
        BadInputException r =
                assertThrows(
                        BadInputException.class,
                        () ->
                                Pretrainer.run(
                                        options(dir.resolve("none"), true, 2, Objective.AMOS)));
        assertTrue(r.getMessage().contains("--resume takes a pretraining run"), r.getMessage());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
