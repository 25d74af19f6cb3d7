package dev.amos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code amos import} through the CLI: a fixture imports and fine-tunes; every bad input below ends
 * with exit 2, one line naming the file (and key or line), and no output folder.
 */
class ImportCommandTest {

    @TempDir Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = AmosCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Path fixture(String name) {
        return Path.of(System.getProperty("amos.repo.root", ".."))
                .resolve("testdata/fixtures")
                .resolve(name);
    }

    /**
     * A writable copy of a fixture whose {@code file} is replaced by {@code content} (null:
     * deleted).
     */
    private Path copyWith(String fixture, String file, byte[] content) throws IOException {
        Path from = fixture(fixture);
        Path copy = Files.createDirectories(tmp.resolve("src-" + System.nanoTime()));
        for (String f : List.of("pytorch_model.bin", "config.json", "sp.model", "dict.txt")) {
            Files.copy(from.resolve(f), copy.resolve(f));
        }
        if (content == null) {
            Files.delete(copy.resolve(file));
        } else {
            Files.write(copy.resolve(file), content);
        }
        return copy;
    }

    private void assertRefused(Path from, String... fragments) throws IOException {
        Path out = tmp.resolve("out-" + System.nanoTime());
        Run r = run("import", "--from", from.toString(), "--out", out.toString());
        String context = "stdout:\n" + r.out() + "\nstderr:\n" + r.err();
        assertEquals(2, r.code(), context);
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1, lines.size(), context);
        for (String f : fragments) {
            assertTrue(lines.get(0).contains(f), "expected \"" + f + "\" in: " + context);
        }
        assertFalse(r.err().contains("\tat "), context);
        assertFalse(Files.exists(out), "output folder left behind: " + out);
        try (Stream<Path> left = Files.list(tmp)) {
            assertTrue(
                    left.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")),
                    "temporary folder left behind");
        }
    }

    @Test
    void importsThenFinetuneEvalEmbedAndExportTakeTheFolder() throws IOException {
        Path model = tmp.resolve("amos-tiny-import");
        Run r =
                run(
                        "import",
                        "--from",
                        fixture("amos-hf-tiny").toString(),
                        "--out",
                        model.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : List.of("encoder.params", "config.json", "tokenizer.json")) {
            assertTrue(Files.isRegularFile(model.resolve(f)), f);
        }
        Path glue = Path.of(System.getProperty("amos.repo.root", "..")).resolve("testdata/glue");
        Path ft = tmp.resolve("rte");
        Run f =
                run(
                        "finetune",
                        "--model",
                        model.toString(),
                        "--task",
                        "RTE",
                        "--data",
                        glue.toString(),
                        "--seeds",
                        "1",
                        "--epochs",
                        "1",
                        "--train-limit",
                        "16",
                        "--batch-size",
                        "8",
                        "--max-len",
                        "32",
                        "--device",
                        "cpu",
                        "--out",
                        ft.toString());
        assertEquals(0, f.code(), f.out() + f.err());
        Run e =
                run(
                        "eval",
                        "--model",
                        ft.toString(),
                        "--task",
                        "RTE",
                        "--data",
                        glue.toString(),
                        "--split",
                        "dev");
        assertEquals(0, e.code(), e.out() + e.err());
        Path texts =
                Files.writeString(
                        tmp.resolve("texts.txt"),
                        "The quick brown fox jumps over the lazy dog.\nshort\n");
        Path vectors = tmp.resolve("vectors.jsonl");
        Run m =
                run(
                        "embed",
                        "--model",
                        model.toString(),
                        "--pooling",
                        "cls",
                        "--input",
                        texts.toString(),
                        "--output",
                        vectors.toString());
        assertEquals(0, m.code(), m.out() + m.err());
        assertEquals(2, Files.readAllLines(vectors).size());
        Run x =
                run(
                        "export",
                        "--model",
                        model.toString(),
                        "--out",
                        tmp.resolve("export").toString());
        assertEquals(0, x.code(), x.out() + x.err());
        assertTrue(Files.isRegularFile(tmp.resolve("export").resolve("serving.properties")));
    }

    @Test
    void refusesAnExistingOutputFolder() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        Run r =
                run(
                        "import",
                        "--from",
                        fixture("amos-hf-tiny").toString(),
                        "--out",
                        out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("is not empty and amos did not write it"), r.err());
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
    }

    @Test
    void refusesTruncatedZipWeights() throws IOException {
        byte[] full = Files.readAllBytes(fixture("amos-hf-tiny").resolve("pytorch_model.bin"));
        assertRefused(
                copyWith("amos-hf-tiny", "pytorch_model.bin", Arrays.copyOf(full, full.length / 2)),
                "pytorch_model.bin",
                "truncated");
    }

    @Test
    void refusesTruncatedLegacyWeights() throws IOException {
        byte[] full = Files.readAllBytes(fixture("cocolm-hf-legacy").resolve("pytorch_model.bin"));
        assertRefused(
                copyWith(
                        "cocolm-hf-legacy",
                        "pytorch_model.bin",
                        Arrays.copyOf(full, full.length - 1000)),
                "pytorch_model.bin",
                "truncated");
    }

    @Test
    void refusesRandomWeights() throws IOException {
        byte[] random = new byte[4096];
        new java.util.Random(7).nextBytes(random);
        random[0] = 0x13;
        assertRefused(
                copyWith("amos-hf-tiny", "pytorch_model.bin", random),
                "pytorch_model.bin",
                "not a PyTorch state dict");
        random[0] = (byte) 0x80;
        assertRefused(copyWith("amos-hf-tiny", "pytorch_model.bin", random), "pytorch_model.bin");
    }

    @Test
    void refusesATorchScriptArchive() throws IOException {
        Path ts = tmp.resolve("ts.zip");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(ts))) {
            for (String name :
                    List.of("model/data.pkl", "model/code/__torch__.py", "model/constants.pkl")) {
                zip.putNextEntry(new java.util.zip.ZipEntry(name));
                zip.write(new byte[] {(byte) 0x80, 2, '.'});
                zip.closeEntry();
            }
        }
        assertRefused(
                copyWith("amos-hf-tiny", "pytorch_model.bin", Files.readAllBytes(ts)),
                "pytorch_model.bin",
                "TorchScript");
    }

    @Test
    void refusesMissingTokenizerFiles() throws IOException {
        assertRefused(copyWith("amos-hf-tiny", "dict.txt", null), "dict.txt", "no such file");
        assertRefused(copyWith("amos-hf-tiny", "sp.model", null), "sp.model", "no such file");
    }

    @Test
    void refusesAGarbageSpModel() throws IOException {
        assertRefused(
                copyWith(
                        "amos-hf-tiny",
                        "sp.model",
                        "this is not a protobuf\n".repeat(10).getBytes()),
                "sp.model",
                "not a SentencePiece model");
    }

    @Test
    void refusesAMalformedDictLine() throws IOException {
        String dict = Files.readString(fixture("amos-hf-tiny").resolve("dict.txt"));
        String bad = dict.replaceFirst("\n", "\nbroken line-without-count x\n");
        assertRefused(
                copyWith("amos-hf-tiny", "dict.txt", bad.getBytes()),
                "dict.txt:2:",
                "integer count");
    }

    @Test
    void refusesAnotherModelType() throws IOException {
        String config =
                Files.readString(fixture("amos-hf-tiny").resolve("config.json"))
                        .replace("\"amos\"", "\"bert\"");
        assertRefused(
                copyWith("amos-hf-tiny", "config.json", config.getBytes()),
                "config.json",
                "\"model_type\" is \"bert\"");
    }

    @Test
    void refusesAConfigThatDisagreesWithTheWeights() throws IOException {
        String config =
                Files.readString(fixture("amos-hf-tiny").resolve("config.json"))
                        .replace("\"intermediate_size\": 256", "\"intermediate_size\": 512");
        assertRefused(
                copyWith("amos-hf-tiny", "config.json", config.getBytes()),
                "pytorch_model.bin",
                "intermediate.dense.weight",
                "[256, 64]",
                "[512, 64]");
    }
}
