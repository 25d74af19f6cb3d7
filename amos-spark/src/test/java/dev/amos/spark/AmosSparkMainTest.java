package dev.amos.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.eval.serve.TextEmbedder;
import dev.amos.model.export.EncoderExportSpec.Pooling;
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

/** The spark-submit main class in local[2]: text in, JSON lines out, as {@code amos embed}; bad input exit 2. */
class AmosSparkMainTest {

    @TempDir
    Path tmp;

    @Test
    void embedsATextFileToJsonLinesInInputOrder() throws Exception {
        Path run = Fixtures.run(tmp.resolve("run"), 9);
        Path input = tmp.resolve("texts.txt");
        Files.write(input, Fixtures.TEXTS, StandardCharsets.UTF_8);
        Path output = tmp.resolve("vectors");
        Files.createDirectories(output.resolve("stale")); // an old output is replaced whole
        int code = AmosSparkMain.run("embed", "--master", "local[2]", "--model", run.toString(), "--input",
                input.toString(), "--output", output.toString(), "--batch-size", "4");
        assertEquals(0, code);
        assertFalse(Files.exists(output.resolve("stale")));
        List<JsonObject> lines = new ArrayList<>();
        try (Stream<Path> parts = Files.list(output)) {
            for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                for (String line : Files.readAllLines(part)) {
                    lines.add(JsonParser.parseString(line).getAsJsonObject());
                }
            }
        }
        assertEquals(Fixtures.TEXTS.size(), lines.size());
        try (TextEmbedder embedder = TextEmbedder.load(run, Pooling.MEAN, false)) {
            float[][] expected = embedder.embed(Fixtures.TEXTS);
            for (int i = 0; i < lines.size(); i++) {
                assertEquals(Fixtures.TEXTS.get(i), lines.get(i).get("text").getAsString(), "line " + i);
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
            code = AmosSparkMain.run("embed", "--master", "local[2]", "--model", tmp.resolve("nope").toString(),
                    "--input", input.toString(), "--output", tmp.resolve("out").toString());
        } finally {
            System.setErr(err);
        }
        assertEquals(2, code);
        List<String> amosLines = captured.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("amos spark:")).toList();
        assertEquals(List.of("amos spark: " + tmp.resolve("nope") + ": no such model folder (expected it at this path"
                + " on the driver and on every executor, e.g. on shared storage)"), amosLines);
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    @Test
    void badOptionsAndOutputsAreOneLineExitCode2BeforeSparkStarts() throws Exception {
        Path input = Files.writeString(tmp.resolve("texts2.txt"), "a\nb\n");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        String[][] cases = {
            {"--batch-size", "0", "--output", tmp.resolve("o1").toString()},
            {"--batch-size", "many", "--output", tmp.resolve("o2").toString()},
            {"--output-format", "csv", "--output", tmp.resolve("o3").toString()},
            {"--output", file.resolve("below-a-file").toString()},
        };
        for (String[] extra : cases) {
            List<String> args = new java.util.ArrayList<>(List.of("embed", "--master", "local[1]", "--model",
                    tmp.resolve("nope").toString(), "--input", input.toString()));
            args.addAll(List.of(extra));
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
            assertEquals(1, text.strip().lines().count(), args + ": " + text); // nothing from Spark: it never started
            assertTrue(text.startsWith("amos spark: "), text);
            assertFalse(text.contains("Exception"), text);
        }
    }
}
