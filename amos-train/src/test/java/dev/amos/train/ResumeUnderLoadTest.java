package dev.amos.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.io.AtomicFiles;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash-resume guarantee under CPU load (docs/reliability.md "Resume under load"): an AMOS run
 * of amos-tiny resumed at step 15 while busy threads keep every core loaded gives the metrics of
 * the uninterrupted, unloaded run at steps 16..30 (losses, mixture weights, gradient norms to 1e-5
 * relative, the tolerance of {@code PretrainerTest}; the number of replaced tokens, which the hard
 * Gumbel argmax decides, exactly).
 */
class ResumeUnderLoadTest {

    private static final Path ROOT =
            Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();

    @TempDir Path dir;

    private PretrainOptions options(Path corpus, Path out, boolean resume) {
        ModelConfig tiny = ModelConfig.load("amos-tiny", ROOT.resolve("models"));
        TrainConfig tc =
                TrainConfig.builder()
                        .optSteps(30)
                        .optBatchSize(4)
                        .optSeqLen(32)
                        .optLearningRate(1e-3f)
                        .optWarmupSteps(3)
                        .optSeed(11)
                        .optLogEvery(1)
                        .optCheckpointEvery(15)
                        .optKeepCheckpoints(3)
                        .build();
        return PretrainOptions.builder()
                .setModel(tiny, Objective.AMOS)
                .optTraining(tc)
                .setCorpus(List.of(corpus))
                .setTokenizer(ROOT.resolve("models/tokenizer.json"))
                .setOutDir(out)
                .optResume(resume)
                .setCacheDir(dir.resolve("cache"))
                .optLog(new PrintStream(new ByteArrayOutputStream()))
                .build();
    }

    @Test
    void resumedUnderLoadTheRunMatchesTheUninterruptedOne() throws Exception {
        Path corpus = dir.resolve("corpus.txt");
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
        Path a = dir.resolve("a");
        Pretrainer.run(options(corpus, a, false));
        Path b = dir.resolve("b");
        copyTree(a, b);
        AtomicFiles.deleteTree(b.resolve("checkpoints/step-30"));
        AtomicFiles.deleteTree(b.resolve("discriminator"));
        Files.write(
                b.resolve("metrics.jsonl"),
                Files.readAllLines(b.resolve("metrics.jsonl")).subList(0, 15));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong spins = new AtomicLong();
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            Thread t =
                    new Thread(
                            () -> {
                                long n = 0;
                                while (!stop.get()) {
                                    n++;
                                }
                                spins.addAndGet(n);
                            },
                            "cpu-load-" + i);
            t.setDaemon(true);
            t.start();
            load.add(t);
        }
        try {
            Pretrainer.run(options(corpus, b, true));
        } finally {
            stop.set(true);
            for (Thread t : load) {
                t.join();
            }
        }
        assertTrue(spins.get() > 0, "the load threads ran");
        List<JsonObject> full = metrics(a);
        List<JsonObject> resumed = metrics(b);
        assertEquals(30, resumed.size());
        for (int i = 15; i < 30; i++) {
            JsonObject e = full.get(i);
            JsonObject g = resumed.get(i);
            assertEquals(e.keySet(), g.keySet());
            for (String key : e.keySet()) {
                List<Double> x = numbers(e.get(key));
                List<Double> y = numbers(g.get(key));
                for (int k = 0; k < x.size(); k++) {
                    assertEquals(
                            x.get(k),
                            y.get(k),
                            1e-5 * Math.max(1, Math.abs(x.get(k))),
                            "step " + (i + 1) + " " + key);
                }
            }
            assertEquals(e.get("replaced_fraction"), g.get("replaced_fraction"), "step " + (i + 1));
        }
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

    private static List<Double> numbers(JsonElement e) {
        List<Double> out = new ArrayList<>();
        if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> out.add(x.getAsDouble()));
        } else {
            out.add(e.getAsDouble());
        }
        return out;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
