package dev.amos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.amos.eval.finetune.ClassifierConfig;
import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.finetune.SequenceClassifier;
import dev.amos.eval.glue.GlueTask;
import dev.amos.io.AmosFolder;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every writer of the CLI against every kind of folder (docs/reliability.md, "Folder kinds"):
 * without {@code --overwrite} each is refused with exit code 2 and one line naming the folder and
 * what it is, and the target's files (and its parent's listing) are byte-identical afterwards;
 * every command that reads a folder refuses the kinds it does not take. Beside them the clean
 * cases: a new folder is written and marked, {@code --overwrite} replaces a folder of the same
 * kind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FolderSafetyWalkTest {

    @TempDir static Path tmp;

    private Path repo;
    private Path encoder;
    private Path fineTune;
    private Path glue;
    private Path texts;
    private Path corpus;
    private Path released;
    private int counter;

    @BeforeAll
    void models() throws IOException {
        repo = Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();
        System.setProperty("amos.home", repo.toString());
        ModelConfig model =
                ModelConfig.load(repo.resolve("models/amos-tiny.json"))
                        .with(
                                Map.of(
                                        "hidden_size",
                                        "32",
                                        "num_layers",
                                        "1",
                                        "num_heads",
                                        "2",
                                        "ffn_size",
                                        "64",
                                        "max_positions",
                                        "64"));
        encoder = tmp.resolve("inputs/run");
        Files.createDirectories(encoder);
        try (NDManager manager = NDManager.newBaseManager()) {
            Encoder e = Encoder.owning(model.discriminator());
            e.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            JsonObject config = new JsonObject();
            config.add("model", model.toJson());
            config.addProperty("objective", "amos");
            OutputFolder.writeInside(
                    encoder.resolve("discriminator"),
                    FolderKind.ENCODER,
                    null,
                    d -> {
                        BlockFiles.save(e, d.resolve("encoder.params"));
                        Files.writeString(d.resolve("config.json"), config.toString());
                        Files.copy(
                                repo.resolve("models/tokenizer.json"), d.resolve("tokenizer.json"));
                    });
            fineTune = tmp.resolve("inputs/rte");
            SequenceClassifier classifier =
                    new SequenceClassifier(ClassifierConfig.of(model, GlueTask.RTE, 64))
                            .initialize(manager);
            FineTunedModel.save(
                    classifier, repo.resolve("models/tokenizer.json"), fineTune.resolve("best"));
        }
        glue = Files.createDirectories(tmp.resolve("inputs/glue/RTE")).getParent();
        String rows =
                "0\tA cat sat.\tA cat is sitting.\tentailment\n1\tIt rains.\tThe sun shines.\tnot_entailment\n";
        Files.writeString(
                glue.resolve("RTE/train.tsv"), "index\tsentence1\tsentence2\tlabel\n" + rows);
        Files.writeString(
                glue.resolve("RTE/dev.tsv"), "index\tsentence1\tsentence2\tlabel\n" + rows);
        Files.writeString(
                glue.resolve("RTE/test.tsv"),
                "index\tsentence1\tsentence2\n0\tA cat sat.\tA cat is sitting.\n");
        texts = Files.writeString(tmp.resolve("inputs/texts.txt"), "hello world\nanother text\n");
        corpus =
                Files.writeString(
                        tmp.resolve("inputs/corpus.txt"),
                        "The quick brown fox jumps over the lazy dog.\n".repeat(50));
        released = Files.createDirectories(tmp.resolve("inputs/released"));
    }

    /** The writers, each as the command line that writes {@code target}, without --overwrite. */
    private Map<String, Function<Path, String[]>> writers() {
        Map<String, Function<Path, String[]>> w = new LinkedHashMap<>();
        w.put("export", t -> args("export", "--model", encoder, "--out", t));
        w.put("export hf", t -> args("export", "--model", encoder, "--out", t, "--format", "hf"));
        w.put("export classifier", t -> args("export", "--model", fineTune, "--out", t));
        w.put(
                "export onnx",
                t -> args("export", "--model", encoder, "--out", t, "--format", "onnx"));
        w.put("import", t -> args("import", "--from", released, "--out", t));
        w.put(
                "finetune",
                t ->
                        args(
                                "finetune",
                                "--model",
                                encoder,
                                "--data",
                                glue,
                                "--task",
                                "RTE",
                                "--seeds",
                                "1",
                                "--epochs",
                                "1",
                                "--max-len",
                                "32",
                                "--out",
                                t));
        w.put(
                "glue",
                t ->
                        args(
                                "glue",
                                "--model",
                                encoder,
                                "--data",
                                glue,
                                "--tasks",
                                "RTE",
                                "--seeds",
                                "1",
                                "--epochs",
                                "1",
                                "--max-len",
                                "32",
                                "--out",
                                t));
        w.put(
                "eval",
                t ->
                        args(
                                "eval", "--model", fineTune, "--data", glue, "--split", "test",
                                "--out", t));
        w.put(
                "train",
                t ->
                        args(
                                "train",
                                "--config",
                                "amos-tiny",
                                "--steps",
                                "1",
                                "--batch-size",
                                "2",
                                "--seq-len",
                                "16",
                                "--corpus",
                                corpus,
                                "--cache",
                                tmp.resolve("cache"),
                                "--out",
                                t));
        w.put(
                "embed",
                t ->
                        args(
                                "embed",
                                "--model",
                                encoder,
                                "--input",
                                texts,
                                "--output",
                                t.resolve("vectors.jsonl")));
        w.put(
                "train --cache",
                t ->
                        args(
                                "train",
                                "--config",
                                "amos-tiny",
                                "--steps",
                                "1",
                                "--batch-size",
                                "2",
                                "--seq-len",
                                "16",
                                "--corpus",
                                corpus,
                                "--cache",
                                t,
                                "--out",
                                tmp.resolve("never-" + (++counter))));
        w.put(
                "bench --profile",
                t ->
                        args(
                                "bench",
                                "--config",
                                "amos-tiny",
                                "--objective",
                                "mlm",
                                "--steps",
                                "1",
                                "--warmup",
                                "0",
                                "--profile",
                                t));
        w.put(
                "tokenizer train",
                t ->
                        args(
                                "tokenizer",
                                "train",
                                "--corpus",
                                corpus,
                                "--vocab-size",
                                "100",
                                "--out",
                                t.resolve("tokenizer.json")));
        return w;
    }

    /**
     * One folder of each kind (marked, and two written before markers existed), a foreign folder
     * and a file.
     */
    private Map<String, Path> targets() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("targets-" + (++counter)));
        Map<String, Path> t = new LinkedHashMap<>();
        t.put(
                "run",
                marked(
                        root,
                        FolderKind.RUN,
                        Map.of(
                                "config.json",
                                "{\"model\": {}, \"training\": {}}",
                                "metrics.jsonl",
                                "{\"step\": 1}\n")));
        t.put(
                "encoder",
                marked(
                        root,
                        FolderKind.ENCODER,
                        Map.of("encoder.params", "weights", "config.json", "{}")));
        t.put(
                "import",
                marked(
                        root,
                        FolderKind.IMPORT,
                        Map.of("encoder.params", "weights", "config.json", "{\"import\": {}}")));
        t.put(
                "export",
                marked(
                        root,
                        FolderKind.EXPORT,
                        Map.of("amos-encoder.pt", "archive", "serving.properties", "x=1\n")));
        t.put("finetune", marked(root, FolderKind.FINETUNE, Map.of("results.json", "{}")));
        t.put(
                "classifier",
                marked(
                        root,
                        FolderKind.CLASSIFIER,
                        Map.of("classifier.params", "w", "config.json", "{}")));
        t.put("glue", marked(root, FolderKind.GLUE, Map.of("glue.json", "{}")));
        t.put(
                "submission",
                marked(
                        root,
                        FolderKind.SUBMISSION,
                        Map.of("RTE.tsv", "index\tprediction\n0\tentailment\n")));
        t.put(
                "spark-output",
                marked(
                        root,
                        FolderKind.SPARK_OUTPUT,
                        Map.of("part-00000-a.json", "{}\n", "_SUCCESS", "")));
        t.put(
                "legacy run",
                plain(
                        root,
                        "legacy-run",
                        Map.of(
                                "config.json",
                                "{\"model\": {}, \"training\": {}}",
                                "metrics.jsonl",
                                "{\"step\": 1}\n")));
        t.put(
                "legacy export",
                plain(
                        root,
                        "legacy-export",
                        Map.of(
                                "serving.properties",
                                "engine=PyTorch\n",
                                "amos-encoder.pt",
                                "archive")));
        t.put("foreign", plain(root, "photos", Map.of("holiday.jpg", "jpeg")));
        t.put("file", Files.writeString(root.resolve("notes.txt"), "mine"));
        return t;
    }

    @Test
    void everyWriterRefusesEveryKindOfFolderAndTouchesNothing() throws IOException {
        for (Map.Entry<String, Function<Path, String[]>> writer : writers().entrySet()) {
            for (Map.Entry<String, Path> target : targets().entrySet()) {
                if (List.of("embed", "tokenizer train", "train --cache", "bench --profile")
                                .contains(writer.getKey())
                        && target.getKey().equals("foreign")) {
                    continue; // a new file (or cache folder) in a user's own folder is fine;
                    // checked below
                }
                Path t = target.getValue();
                Map<String, String> before = snapshot(t);
                List<String> siblings = names(t.getParent());
                CliRun r = run(writer.getValue().apply(t));
                String what =
                        writer.getKey() + " into " + target.getKey() + ": " + r.err() + r.log();
                assertEquals(2, r.code(), what);
                assertEquals(1, r.err().strip().lines().count(), what);
                assertTrue(
                        r.err().contains(t.getFileName().toString()),
                        "the line names the folder: " + what);
                assertFalse(r.err().contains("Exception"), what);
                assertEquals(before, snapshot(t), "the target is byte-identical: " + what);
                assertEquals(siblings, names(t.getParent()), "nothing is left beside it: " + what);
            }
        }
    }

    @Test
    void noWriterWritesIntoItsOwnInputNorBesideItInside() throws IOException {
        Map<String, String> before = snapshot(encoder);
        for (Path t :
                List.of(
                        encoder,
                        encoder.resolve("export"),
                        encoder.resolve("discriminator"),
                        encoder.getParent())) {
            CliRun r = run(args("export", "--model", encoder, "--out", t));
            assertEquals(2, r.code(), t + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        CliRun finetune =
                run(
                        args(
                                "finetune",
                                "--model",
                                encoder,
                                "--data",
                                glue,
                                "--task",
                                "RTE",
                                "--max-len",
                                "32",
                                "--out",
                                encoder));
        assertEquals(2, finetune.code(), finetune.err());
        CliRun embed = run(args("embed", "--model", encoder, "--input", texts, "--output", texts));
        assertEquals(2, embed.code(), embed.err());
        assertTrue(embed.err().contains("own input"), embed.err());
        assertEquals("hello world\nanother text\n", Files.readString(texts));
        assertEquals(before, snapshot(encoder));
    }

    @Test
    void everyReaderRefusesTheKindsItDoesNotTakeNamingWhatTheFolderIs() throws IOException {
        Map<String, Path> t = targets();
        List<String[]> cases = new ArrayList<>();
        for (String kind :
                List.of(
                        "encoder",
                        "import",
                        "export",
                        "finetune",
                        "classifier",
                        "glue",
                        "submission",
                        "spark-output",
                        "legacy export",
                        "foreign")) {
            cases.add(args("train", "--resume", "--out", t.get(kind)));
            cases.add(args("diagnose", "--run", t.get(kind)));
        }
        for (String kind :
                List.of(
                        "export",
                        "finetune",
                        "classifier",
                        "glue",
                        "submission",
                        "spark-output",
                        "foreign")) {
            cases.add(
                    args(
                            "finetune",
                            "--model",
                            t.get(kind),
                            "--data",
                            glue,
                            "--task",
                            "RTE",
                            "--out",
                            tmp.resolve("x")));
            if (!kind.equals("export")) { // embed takes encoder exports
                cases.add(
                        args(
                                "embed",
                                "--model",
                                t.get(kind),
                                "--input",
                                texts,
                                "--output",
                                tmp.resolve("x.jsonl")));
            }
            cases.add(
                    args(
                            "train",
                            "--init-from",
                            t.get(kind),
                            "--corpus",
                            corpus,
                            "--out",
                            tmp.resolve("y")));
        }
        for (String kind :
                List.of(
                        "run",
                        "encoder",
                        "import",
                        "export",
                        "glue",
                        "submission",
                        "spark-output",
                        "foreign")) {
            cases.add(args("eval", "--model", t.get(kind), "--data", glue, "--split", "dev"));
        }
        for (String kind : List.of("export", "glue", "submission", "spark-output", "foreign")) {
            cases.add(args("export", "--model", t.get(kind), "--out", tmp.resolve("z")));
        }
        for (String[] c : cases) {
            CliRun r = run(c);
            String what = String.join(" ", c) + ": " + r.err() + r.log();
            assertEquals(2, r.code(), what);
            assertEquals(1, r.err().strip().lines().count(), what);
            assertTrue(r.err().contains(" takes "), "the line says what the option takes: " + what);
        }
        assertFalse(
                Files.exists(tmp.resolve("x"))
                        || Files.exists(tmp.resolve("y"))
                        || Files.exists(tmp.resolve("z")));
    }

    @Test
    void aNewFolderIsWrittenAndMarkedAndOverwriteReplacesOnlyItsOwnKind() throws IOException {
        Path out = tmp.resolve("exports/encoder");
        Files.createDirectories(out.getParent());
        CliRun first = run(args("export", "--model", encoder, "--out", out));
        assertEquals(0, first.code(), first.err() + first.log());
        AmosFolder written = AmosFolder.read(out);
        assertEquals(FolderKind.EXPORT, written.kind());
        assertEquals("torchscript", written.field("format"));
        assertEquals("encoder", written.field("content"));

        CliRun again = run(args("export", "--model", encoder, "--out", out));
        assertEquals(2, again.code(), again.err());
        assertTrue(again.err().contains("--overwrite"), again.err());

        CliRun replaced = run(args("export", "--model", fineTune, "--out", out, "--overwrite"));
        assertEquals(0, replaced.code(), replaced.err() + replaced.log());
        assertEquals("classifier", AmosFolder.read(out).field("content"));
        assertTrue(Files.isRegularFile(out.resolve("synset.txt")));
        assertFalse(
                Files.exists(out.resolve("amos-encoder.pt")),
                "no file of the old export is left: a swap, not a mix");
        assertEquals(List.of("encoder"), names(out.getParent()));

        Path run = targets().get("run");
        Map<String, String> before = snapshot(run);
        CliRun notARun = run(args("export", "--model", encoder, "--out", run, "--overwrite"));
        assertEquals(
                2, notARun.code(), "--overwrite never replaces another kind: " + notARun.err());
        assertEquals(before, snapshot(run));

        Path userFolder = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(userFolder.resolve("keep.txt"), "keep");
        CliRun embed =
                run(
                        args(
                                "embed",
                                "--model",
                                encoder,
                                "--input",
                                texts,
                                "--output",
                                userFolder.resolve("v.jsonl")));
        assertEquals(0, embed.code(), embed.err() + embed.log());
        CliRun embedAgain =
                run(
                        args(
                                "embed",
                                "--model",
                                encoder,
                                "--input",
                                texts,
                                "--output",
                                userFolder.resolve("v.jsonl")));
        assertEquals(2, embedAgain.code(), embedAgain.err());
        CliRun embedOverwrite =
                run(
                        args(
                                "embed",
                                "--model",
                                encoder,
                                "--input",
                                texts,
                                "--output",
                                userFolder.resolve("v.jsonl"),
                                "--overwrite"));
        assertEquals(0, embedOverwrite.code(), embedOverwrite.err());
        assertEquals("keep", Files.readString(userFolder.resolve("keep.txt")));
    }

    private static Path marked(Path root, FolderKind kind, Map<String, String> files)
            throws IOException {
        Path dir = plain(root, kind.id(), files);
        JsonObject fields = new JsonObject();
        OutputFolder.writeMarker(dir, kind, fields);
        return dir;
    }

    private static Path plain(Path root, String name, Map<String, String> files)
            throws IOException {
        Path dir = Files.createDirectories(root.resolve(name));
        for (Map.Entry<String, String> f : files.entrySet()) {
            Files.writeString(dir.resolve(f.getKey()), f.getValue());
        }
        return dir;
    }

    private static String[] args(Object... parts) {
        return Stream.of(parts).map(Object::toString).toArray(String[]::new);
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    /** Every file under {@code path} (or the file itself) and its bytes. */
    private static Map<String, String> snapshot(Path path) throws IOException {
        Map<String, String> out = new TreeMap<>();
        if (Files.isRegularFile(path)) {
            out.put("", Base64.getEncoder().encodeToString(Files.readAllBytes(path)));
            return out;
        }
        try (Stream<Path> s = Files.walk(path)) {
            for (Path p : s.toList()) {
                out.put(
                        path.relativize(p).toString(),
                        Files.isRegularFile(p)
                                ? Base64.getEncoder().encodeToString(Files.readAllBytes(p))
                                : "dir");
            }
        }
        return out;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
