package dev.amos.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.io.Sha256;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code amos tokenizer train} end to end: a vocabulary trained on (a slice of) the shipped sample
 * trains amos-tiny with {@code amos train --tokenizer}, and bad input is one line, exit 2, nothing
 * written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenizerCommandTest {

    @TempDir static Path tmp;

    private Path repo;
    private Path corpus;

    private record Run(int code, String out, String err) {}

    @BeforeAll
    void setUp() throws IOException {
        repo = Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();
        System.setProperty("amos.home", repo.toString());
    }

    /** The first 2000 lines of data/wiki-sample.txt.gz. */
    private Path corpus() throws IOException {
        if (corpus == null) {
            corpus =
                    Files.write(
                            tmp.resolve("sample.txt"),
                            sampleLines(0, 2000),
                            StandardCharsets.UTF_8);
        }
        return corpus;
    }

    /** Lines [from, to) of data/wiki-sample.txt.gz. */
    private List<String> sampleLines(int from, int to) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader in =
                new BufferedReader(
                        new InputStreamReader(
                                new GZIPInputStream(
                                        Files.newInputStream(
                                                repo.resolve("data/wiki-sample.txt.gz"))),
                                StandardCharsets.UTF_8))) {
            String line;
            for (int i = 0; i < to && (line = in.readLine()) != null; i++) {
                if (i >= from) {
                    lines.add(line);
                }
            }
        }
        return lines;
    }

    private static Run run(String... args) {
        StringWriter err = new StringWriter();
        PrintStream systemOut = System.out;
        PrintStream systemErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            CommandLine cmd = AmosCommand.commandLine();
            cmd.setErr(new PrintWriter(err, true));
            code = cmd.execute(args);
        } finally {
            System.setOut(systemOut);
            System.setErr(systemErr);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    private static void assertOneLineError(Run r, String... fragments) {
        String context = "stdout:\n" + r.out() + "\nstderr:\n" + r.err();
        assertEquals(2, r.code(), context);
        assertEquals(1, r.err().strip().lines().count(), context);
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "expected \"" + f + "\" in: " + context);
        }
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), context);
    }

    @Test
    void aTrainedVocabularyTrainsAmosTinyEndToEnd() throws IOException {
        Path tokenizer = tmp.resolve("tokenizer.json");
        Path heldOut =
                Files.write(
                        tmp.resolve("held-out.txt"),
                        sampleLines(2000, 2300),
                        StandardCharsets.UTF_8);
        Run trained =
                run(
                        "tokenizer",
                        "train",
                        "--corpus",
                        corpus().toString(),
                        "--vocab-size",
                        "500",
                        "--lowercase",
                        "--out",
                        tokenizer.toString(),
                        "--eval-corpus",
                        heldOut.toString());
        assertEquals(0, trained.code(), trained.err() + trained.out());
        assertTrue(
                trained.out().contains(": 512 tokens (uncased)"),
                trained.out()); // 500 rounded up to 8 x 64
        assertTrue(trained.out().contains("held-out text: "), trained.out());
        JsonObject json = JsonParser.parseString(Files.readString(tokenizer)).getAsJsonObject();
        assertEquals(512, json.getAsJsonObject("model").getAsJsonObject("vocab").size());

        Path out = tmp.resolve("run");
        Run train =
                run(
                        "train",
                        "--tokenizer",
                        tokenizer.toString(),
                        "--corpus",
                        corpus().toString(),
                        "--steps",
                        "2",
                        "--batch-size",
                        "2",
                        "--seq-len",
                        "32",
                        "--checkpoint-every",
                        "2",
                        "--log-every",
                        "1",
                        "--out",
                        out.toString(),
                        "--cache",
                        tmp.resolve("cache").toString());
        assertEquals(0, train.code(), train.err() + train.out());
        JsonObject config =
                JsonParser.parseString(Files.readString(out.resolve("config.json")))
                        .getAsJsonObject();
        assertEquals(512, config.getAsJsonObject("model").get("vocab_size").getAsInt());
        assertEquals(
                Sha256.of(Files.readAllBytes(tokenizer)),
                config.get("tokenizer_sha256").getAsString());
        assertArrayEquals(
                Files.readAllBytes(tokenizer), Files.readAllBytes(out.resolve("tokenizer.json")));
        assertArrayEquals(
                Files.readAllBytes(tokenizer),
                Files.readAllBytes(out.resolve("discriminator/tokenizer.json")));

        // the run's encoder embeds text through the trained tokenizer ...
        Path texts =
                Files.writeString(
                        tmp.resolve("texts.txt"),
                        "The quick brown fox.\nZygomorphic xylophones!\n");
        Path vectors = tmp.resolve("vectors.jsonl");
        Run embed =
                run(
                        "embed",
                        "--model",
                        out.toString(),
                        "--input",
                        texts.toString(),
                        "--output",
                        vectors.toString());
        assertEquals(0, embed.code(), embed.err() + embed.out());
        assertEquals(2, Files.readAllLines(vectors).size());
        // and its export carries the tokenizer
        Path export = tmp.resolve("export");
        Run exported = run("export", "--model", out.toString(), "--out", export.toString());
        assertEquals(0, exported.code(), exported.err() + exported.out());
        assertArrayEquals(
                Files.readAllBytes(tokenizer),
                Files.readAllBytes(export.resolve("tokenizer.json")));
    }

    @Test
    void badInputIsOneLineExitTwoAndWritesNothing() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("bad"));
        Path existing = Files.writeString(folder.resolve("existing.json"), "keep me");
        assertOneLineError(
                run(
                        "tokenizer",
                        "train",
                        "--corpus",
                        corpus().toString(),
                        "--vocab-size",
                        "500",
                        "--out",
                        existing.toString()),
                "existing.json",
                "--overwrite");
        Path inCorpusFolder = Files.createDirectories(folder.resolve("corpus-folder"));
        Files.copy(corpus(), inCorpusFolder.resolve("part-1.txt"));
        assertOneLineError(
                run(
                        "tokenizer",
                        "train",
                        "--corpus",
                        inCorpusFolder.toString(),
                        "--vocab-size",
                        "500",
                        "--out",
                        inCorpusFolder.resolve("tokenizer.json").toString()),
                "tokenizer.json",
                "inside the command's input");
        assertEquals("keep me", Files.readString(existing));

        byte[] corpusBytes = Files.readAllBytes(corpus());
        assertOneLineError(
                run(
                        "tokenizer",
                        "train",
                        "--corpus",
                        corpus().toString(),
                        "--vocab-size",
                        "500",
                        "--out",
                        corpus().toString(),
                        "--overwrite"),
                "sample.txt",
                "own input");
        assertArrayEquals(corpusBytes, Files.readAllBytes(corpus()));

        Path empty = Files.writeString(folder.resolve("empty.txt"), "\n\n");
        Path binary =
                Files.write(folder.resolve("binary.txt"), new byte[] {'x', 0, (byte) 0xff, '\n'});
        Path out = folder.resolve("out.json");
        assertOneLineError(
                run(
                        "tokenizer",
                        "train",
                        "--corpus",
                        empty.toString(),
                        "--vocab-size",
                        "500",
                        "--out",
                        out.toString()),
                "empty.txt",
                "no text");
        assertOneLineError(
                run(
                        "tokenizer",
                        "train",
                        "--corpus",
                        binary.toString(),
                        "--vocab-size",
                        "500",
                        "--out",
                        out.toString()),
                "binary.txt",
                "NUL");
        assertOneLineError(
                run(
                        "tokenizer",
                        "train",
                        "--corpus",
                        corpus().toString(),
                        "--vocab-size",
                        "500",
                        "--out",
                        out.toString(),
                        "--eval-corpus",
                        binary.toString()),
                "binary.txt",
                "NUL");
        assertOneLineError(
                run(
                        "tokenizer",
                        "train",
                        "--corpus",
                        corpus().toString(),
                        "--vocab-size",
                        "64",
                        "--exact-size",
                        "--out",
                        out.toString()),
                "--vocab-size 64",
                "expected --vocab-size >= ");
        assertOneLineError(
                run(
                        "tokenizer",
                        "train",
                        "--corpus",
                        corpus().toString(),
                        "--vocab-size",
                        "5",
                        "--out",
                        out.toString()),
                "--vocab-size",
                ">= 6");
        try (Stream<Path> files = Files.list(folder)) {
            assertEquals(
                    List.of("binary.txt", "corpus-folder", "empty.txt", "existing.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (Stream<Path> files = Files.list(folder.resolve("corpus-folder"))) {
            assertEquals(
                    List.of("part-1.txt"), files.map(p -> p.getFileName().toString()).toList());
        }
    }
}
