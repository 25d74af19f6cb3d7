package dev.amos.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.eval.serve.TextEmbedder;
import dev.amos.io.AmosFolder;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.Pooling;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spark-submit main class in local[2]: text in, JSON lines out, as {@code amos embed}; bad
 * input exit 2.
 */
class AmosSparkMainTest {

    @TempDir Path tmp;

    @Test
    void embedsATextFileToJsonLinesInInputOrder() throws Exception {
        Path run = Fixtures.run(tmp.resolve("run"), 9);
        Path input = tmp.resolve("texts.txt");
        Files.write(input, Fixtures.TEXTS, StandardCharsets.UTF_8);
        Path output = tmp.resolve("vectors");
        Files.createDirectories(
                output.resolve("stale")); // an earlier amos spark output is replaced whole
        OutputFolder.writeMarker(output, FolderKind.SPARK_OUTPUT, null);
        int code =
                AmosSparkMain.run(
                        "embed",
                        "--master",
                        "local[2]",
                        "--model",
                        run.toString(),
                        "--input",
                        input.toString(),
                        "--output",
                        output.toString(),
                        "--batch-size",
                        "4",
                        "--overwrite");
        assertEquals(0, code);
        assertFalse(Files.exists(output.resolve("stale")));
        assertEquals(FolderKind.SPARK_OUTPUT, AmosFolder.read(output).kind());
        List<JsonObject> lines = new ArrayList<>();
        try (Stream<Path> parts = Files.list(output)) {
            for (Path part :
                    parts.filter(p -> p.getFileName().toString().startsWith("part-"))
                            .sorted()
                            .toList()) {
                for (String line : Files.readAllLines(part)) {
                    lines.add(JsonParser.parseString(line).getAsJsonObject());
                }
            }
        }
        assertEquals(Fixtures.TEXTS.size(), lines.size());
        try (TextEmbedder embedder = TextEmbedder.load(run, Pooling.MEAN, false)) {
            float[][] expected = embedder.embed(Fixtures.TEXTS);
            for (int i = 0; i < lines.size(); i++) {
                assertEquals(
                        Fixtures.TEXTS.get(i), lines.get(i).get("text").getAsString(), "line " + i);
                JsonArray vector = lines.get(i).getAsJsonArray("embedding");
                float[] actual = new float[vector.size()];
                for (int j = 0; j < actual.length; j++) {
                    actual[j] = vector.get(j).getAsFloat();
                }
                assertTrue(Fixtures.maxAbsDiff(expected[i], actual) <= 1e-5f, "line " + i);
            }
        }
    }

    @Test
    void missingModelIsOneLineAndExitCode2() throws Exception {
        Path input = Files.writeString(tmp.resolve("texts.txt"), "a\nb\n");
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            code =
                    AmosSparkMain.run(
                            "embed",
                            "--master",
                            "local[2]",
                            "--model",
                            tmp.resolve("nope").toString(),
                            "--input",
                            input.toString(),
                            "--output",
                            tmp.resolve("out").toString());
        } finally {
            System.setErr(err);
        }
        assertEquals(2, code);
        List<String> amosLines =
                captured.toString(StandardCharsets.UTF_8)
                        .lines()
                        .filter(l -> l.startsWith("amos spark:"))
                        .toList();
        assertEquals(
                List.of(
                        "amos spark: "
                                + tmp.resolve("nope")
                                + ": --model takes a pretraining run, its discriminator/"
                                + " or an amos import folder; no such folder"),
                amosLines);
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    @Test
    void badOptionsAndOutputsAreOneLineExitCode2BeforeSparkStarts() throws Exception {
        Path input = Files.writeString(tmp.resolve("texts2.txt"), "a\nb\n");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Path model = Fixtures.run(tmp.resolve("model"), 3);
        Path earlier = tmp.resolve("earlier");
        Files.createDirectories(earlier);
        Files.writeString(earlier.resolve("part-00000.json"), "{}\n");
        OutputFolder.writeMarker(earlier, FolderKind.SPARK_OUTPUT, null);
        Path photos = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(photos.resolve("a.jpg"), "jpeg");
        String[][] cases = {
            {"--master", "lokal[2]", "--output", tmp.resolve("o4").toString()},
            {
                "--input",
                tmp.resolve("no-such-input.txt").toString(),
                "--output",
                tmp.resolve("o5").toString()
            },
            {"--output", model.toString()},
            {"--output", model.resolve("discriminator").resolve("out").toString()},
            {"--output", earlier.toString()},
            {"--output", photos.toString()},
            {"--output", input.toString()},
            {"--batch-size", "0", "--output", tmp.resolve("o1").toString()},
            {"--batch-size", "many", "--output", tmp.resolve("o2").toString()},
            {"--output-format", "csv", "--output", tmp.resolve("o3").toString()},
            {"--output", file.resolve("below-a-file").toString()},
        };
        for (String[] extra : cases) {
            List<String> args =
                    new java.util.ArrayList<>(List.of("embed", "--model", model.toString()));
            List<String> given = List.of(extra);
            if (!given.contains("--master")) {
                args.addAll(List.of("--master", "local[1]"));
            }
            if (!given.contains("--input")) {
                args.addAll(List.of("--input", input.toString()));
            }
            args.addAll(given);
            java.util.Map<String, Long> before = sizes(tmp);
            PrintStream err = System.err;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            int code;
            try {
                System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
                code = AmosSparkMain.run(args.toArray(String[]::new));
            } finally {
                System.setErr(err);
            }
            String text = captured.toString(StandardCharsets.UTF_8);
            assertEquals(2, code, args + ": " + text);
            assertEquals(
                    1,
                    text.strip().lines().count(),
                    args + ": " + text); // nothing from Spark: it never started
            assertTrue(text.startsWith("amos spark: "), text);
            assertFalse(text.contains("Exception"), text);
            assertEquals(before, sizes(tmp), args + " touched nothing");
        }
    }

    /** Every path under {@code dir} and its size (-1 for folders). */
    private static java.util.Map<String, Long> sizes(Path dir) throws java.io.IOException {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                out.put(dir.relativize(p).toString(), Files.isRegularFile(p) ? Files.size(p) : -1L);
            }
        }
        return out;
    }
}
