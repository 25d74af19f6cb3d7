package dev.amos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile inputs through the CLI: each bad input ends with exit code 2, exactly one line on stderr
 * that names the file (and line) and what was expected, no stack trace, and no half-written run
 * folder left behind. Invalid UTF-8 and CRLF in a corpus are not errors: they are replaced /
 * normalised and counted in the log. Every training run is amos-tiny, one step of 2 x 16 tokens.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {

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
    private Path cache;
    private Path goodCorpus;

    /** A finished one-step run trained on a corpus with invalid UTF-8 and CRLF line ends. */
    private Path trainedRun;

    private String trainedRunLog;
    private int outCounter;

    @BeforeAll
    void trainOneStepOnADirtyCorpus() throws IOException {
        repo = Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();
        System.setProperty("amos.home", repo.toString());
        cache = tmp.resolve("cache");
        goodCorpus = Files.writeString(tmp.resolve("good.txt"), SENTENCES.repeat(20));
        ByteArrayOutputStream dirty = new ByteArrayOutputStream();
        for (int i = 0; i < 20; i++) {
            dirty.writeBytes(SENTENCES.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
            dirty.writeBytes(
                    new byte[] {
                        'c', 'a', 'f', (byte) 0xC3, ' ', 'b', 'a', 'd', ' ', (byte) 0xFF, '\r', '\n'
                    });
        }
        Path dirtyCorpus = Files.write(tmp.resolve("dirty.txt"), dirty.toByteArray());
        trainedRun = tmp.resolve("trained");
        CliRun r = train("--corpus", dirtyCorpus.toString(), "--out", trainedRun.toString());
        assertEquals(0, r.code(), r.err() + r.log());
        trainedRunLog = r.log();
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    /**
     * amos train with tiny settings; {@code --out} defaults to a fresh folder under the temp dir.
     */
    private CliRun train(String... extra) {
        List<String> extraArgs = Arrays.asList(extra);
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "train",
                                "--checkpoint-every",
                                "1",
                                "--device",
                                "cpu",
                                "--cache",
                                cache.toString()));
        String[][] defaults = {
            {"--steps", "1"},
            {"--batch-size", "2"},
            {"--config", "amos-tiny"},
            {"--seq-len", "16"},
            {"--corpus", goodCorpus.toString()},
            {"--out", tmp.resolve("out-" + (++outCounter)).toString()}
        };
        for (String[] option : defaults) {
            if (!extraArgs.contains(option[0])) {
                args.addAll(List.of(option));
            }
        }
        args.addAll(extraArgs);
        return run(args.toArray(String[]::new));
    }

    /** Exit code 2, one stderr line starting "amos: " containing every fragment, no stack trace. */
    private static void assertBadInput(CliRun r, String... fragments) {
        String context = "stderr:\n" + r.err() + "\nlog:\n" + r.log();
        assertEquals(2, r.code(), context);
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1, lines.size(), context);
        assertTrue(lines.get(0).startsWith("amos: "), context);
        for (String f : fragments) {
            assertTrue(lines.get(0).contains(f), "expected \"" + f + "\" in: " + context);
        }
        for (String output : new String[] {r.err(), r.log()}) {
            assertFalse(output.contains("Exception"), context);
            assertFalse(output.contains("\tat "), context);
        }
    }

    /** A failed train leaves no run behind: --out holds no config.json and no checkpoint. */
    private static void assertNoRunWritten(Path out) {
        assertFalse(
                Files.exists(out.resolve("config.json")),
                out + " has a config.json after a failed start");
        assertFalse(
                Files.exists(out.resolve("checkpoints")),
                out + " has checkpoints after a failed start");
    }

    private Path freshOut() {
        return tmp.resolve("out-" + (++outCounter));
    }

    // ---- corpus -------------------------------------------------------------------------------

    @Test
    void missingCorpus() {
        Path out = freshOut();
        Path missing = tmp.resolve("no-such-corpus.txt");
        assertBadInput(
                train("--corpus", missing.toString(), "--out", out.toString()),
                missing.toString(),
                "no such file");
        assertNoRunWritten(out);
    }

    @Test
    void emptyCorpusFile() throws IOException {
        Path out = freshOut();
        Path empty = Files.createFile(tmp.resolve("empty.txt"));
        assertBadInput(
                train("--corpus", empty.toString(), "--out", out.toString()),
                "empty.txt",
                "expected");
        assertNoRunWritten(out);
    }

    @Test
    void blankOnlyCorpusFile() throws IOException {
        Path out = freshOut();
        Path blank = Files.writeString(tmp.resolve("blank.txt"), "\n   \n\t\n");
        assertBadInput(
                train("--corpus", blank.toString(), "--out", out.toString()),
                "blank.txt",
                "no text");
        assertNoRunWritten(out);
    }

    @Test
    void folderWithNoText() throws IOException {
        Path out = freshOut();
        Path folder = Files.createDirectories(tmp.resolve("empty-folder"));
        Files.writeString(folder.resolve(".hidden.txt"), SENTENCES);
        assertBadInput(
                train("--corpus", folder.toString(), "--out", out.toString()),
                "empty-folder",
                "no text files");
        assertNoRunWritten(out);
    }

    @Test
    void binaryFileNamesFileAndLine() throws IOException {
        Path out = freshOut();
        byte[] bytes = new byte[4096];
        new java.util.Random(7).nextBytes(bytes);
        bytes[10] = 0;
        Path binary = Files.write(tmp.resolve("image.bin"), bytes);
        assertBadInput(
                train("--corpus", binary.toString(), "--out", out.toString()),
                "image.bin:",
                "binary data");
        assertNoRunWritten(out);
    }

    @Test
    void invalidUtf8AndCrlfAreReplacedAndCountedNotFatal() {
        assertTrue(
                Files.isRegularFile(trainedRun.resolve("discriminator/encoder.params")),
                trainedRunLog);
        assertTrue(trainedRunLog.contains("replaced 40 invalid UTF-8 sequence(s)"), trainedRunLog);
        assertTrue(trainedRunLog.contains("120 line(s) ended in CRLF; read as LF"), trainedRunLog);
        assertFalse(trainedRunLog.contains("Exception"), trainedRunLog);
    }

    @Test
    void tenMegabyteSingleLine() throws IOException {
        Path out = freshOut();
        StringBuilder line = new StringBuilder(10_500_000);
        String words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu ";
        while (line.length() < 10_000_000) {
            line.append(words);
        }
        Path huge = Files.writeString(tmp.resolve("one-line.txt"), line.append('\n'));
        CliRun r = train("--corpus", huge.toString(), "--out", out.toString());
        assertEquals(
                0,
                r.code(),
                r.err() + r.log()); // one long paragraph: tokenized and packed like any other
        assertTrue(Files.isRegularFile(out.resolve("discriminator/encoder.params")), r.log());
        assertFalse(r.log().contains("Exception"), r.log());
    }

    // ---- tokenizer ----------------------------------------------------------------------------

    @Test
    void corruptTokenizerJson() throws IOException {
        Path out = freshOut();
        String good = Files.readString(repo.resolve("models/tokenizer.json"));
        Path truncated =
                Files.writeString(
                        tmp.resolve("truncated-tokenizer.json"),
                        good.substring(0, good.length() / 2));
        assertBadInput(
                train("--tokenizer", truncated.toString(), "--out", out.toString()),
                "truncated-tokenizer.json",
                "expected");
        assertNoRunWritten(out);
    }

    @Test
    void wrongTokenizerJson() throws IOException {
        Path out = freshOut();
        Path wrong =
                Files.writeString(
                        tmp.resolve("wrong-tokenizer.json"),
                        "{\"version\": \"1.0\", \"hello\": [1, 2]}");
        assertBadInput(
                train("--tokenizer", wrong.toString(), "--out", out.toString()),
                "wrong-tokenizer.json");
        assertNoRunWritten(out);
    }

    @Test
    void vocabWithoutMaskOrCls() throws IOException {
        Path out = freshOut();
        List<String> vocab = new ArrayList<>(Files.readAllLines(repo.resolve("models/vocab.txt")));
        vocab.replaceAll(t -> t.equals("[MASK]") ? "[unused999]" : t);
        Path noMask = Files.write(tmp.resolve("no-mask-vocab.txt"), vocab);
        assertBadInput(
                train("--tokenizer", noMask.toString(), "--out", out.toString()),
                "no-mask-vocab.txt",
                "[MASK]");
        assertNoRunWritten(out);

        vocab.replaceAll(t -> t.equals("[CLS]") ? "[unused998]" : t);
        Path noCls = Files.write(tmp.resolve("no-cls-vocab.txt"), vocab);
        assertBadInput(
                train("--tokenizer", noCls.toString(), "--out", freshOut().toString()),
                "no-cls-vocab.txt");
    }

    // ---- model config -------------------------------------------------------------------------

    @Test
    void unknownPreset() {
        assertBadInput(
                train("--config", "amos-gigantic"),
                "unknown preset \"amos-gigantic\"",
                "expected one of");
    }

    @Test
    void configFileWithUnknownKey() throws IOException {
        String tiny = Files.readString(repo.resolve("models/amos-tiny.json"));
        Path config =
                Files.writeString(
                        tmp.resolve("typo.json"),
                        tiny.replace("\"hidden_size\"", "\"hiden_size\""));
        assertBadInput(
                train("--config", config.toString()), "typo.json", "unknown key \"hiden_size\"");
        assertBadInput(train("--set", "hiden_size=32"), "unknown model key \"hiden_size\"");
    }

    @Test
    void configWithImpossibleShape() throws IOException {
        String tiny = Files.readString(repo.resolve("models/amos-tiny.json"));
        Path heads =
                Files.writeString(
                        tmp.resolve("heads.json"),
                        tiny.replace("\"num_heads\": 2", "\"num_heads\": 3"));
        assertBadInput(
                train("--config", heads.toString()),
                "heads.json",
                "num_heads",
                "divisor of hidden_size");
        Path layers =
                Files.writeString(
                        tmp.resolve("layers.json"),
                        tiny.replace("\"mlm_layers\": [1, 2, 3]", "\"mlm_layers\": [3, 2]"));
        assertBadInput(train("--config", layers.toString()), "layers.json", "mlm_layers");
        Path broken = Files.writeString(tmp.resolve("broken.json"), tiny.substring(0, 40));
        assertBadInput(train("--config", broken.toString()), "broken.json", "invalid JSON");
        assertBadInput(train("--seq-len", "4096"), "--seq-len 4096", "max_positions");
    }

    // ---- run folders and checkpoints ----------------------------------------------------------

    @Test
    void outputAlreadyHoldingARunIsNotOverwritten() throws IOException {
        byte[] before = Files.readAllBytes(trainedRun.resolve("config.json"));
        assertBadInput(
                train("--out", trainedRun.toString()),
                trainedRun.toString(),
                "already holds a pretraining run");
        assertTrue(Arrays.equals(before, Files.readAllBytes(trainedRun.resolve("config.json"))));
    }

    @Test
    void unwritableOutputFolder() throws IOException {
        // tests run as root, where chmod does not stop writes: a folder below a regular file can
        // never be made
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        assertBadInput(
                train("--out", file.resolve("run").toString()), "plain-file/run", "not writable");
        assertBadInput(train("--out", file.toString()), "plain-file", "must be a folder");
    }

    @Test
    void resumeOfAFolderThatIsNotARun() throws IOException {
        Path notARun = Files.createDirectories(tmp.resolve("not-a-run"));
        assertBadInput(
                train("--resume", "--out", notARun.toString()),
                "not-a-run",
                "--resume takes a pretraining run");
    }

    @Test
    void resumeWithEveryCheckpointCorrupt() throws IOException {
        Path copy = tmp.resolve("corrupt-run");
        copyTree(trainedRun, copy);
        Path params = copy.resolve("checkpoints/step-1/model.params");
        byte[] bytes = Files.readAllBytes(params);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(params, bytes);
        CliRun r =
                train(
                        "--resume",
                        "--out",
                        copy.toString(),
                        "--corpus",
                        tmp.resolve("dirty.txt").toString());
        assertBadInput(r, "corrupt-run", "no complete checkpoint");
        assertTrue(r.log().contains("model.params fails its sha256 checksum"), r.log());
    }

    @Test
    void diagnoseOfADamagedCheckpointAndResumeOfAnEditedConfigAreOneLine() throws IOException {
        Path damaged = tmp.resolve("damaged-run");
        copyTree(trainedRun, damaged);
        Path params = damaged.resolve("checkpoints/step-1/model.params");
        byte[] bytes = Files.readAllBytes(params);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(params, bytes);
        assertBadInput(
                run(
                        "diagnose",
                        "--run",
                        damaged.toString(),
                        "--step",
                        "1",
                        "--cache",
                        cache.toString()),
                "step-1: --step 1: the checkpoint fails its manifest (model.params fails its sha256 checksum)");

        Path edited = tmp.resolve("edited-run");
        copyTree(trainedRun, edited);
        Path config = edited.resolve("config.json");
        Files.writeString(
                config,
                Files.readString(config).replace("\"hidden_size\": 64", "\"hidden_size\": 128"));
        assertBadInput(
                run(
                        "train",
                        "--resume",
                        "--out",
                        edited.toString(),
                        "--steps",
                        "2",
                        "--cache",
                        cache.toString()),
                "step-1/model.params: parameter"
                        + " discriminator.token_embedding has shape (30522, 64), the model config ("
                        + config
                        + ") expects (30522, 128)");
    }

    // ---- fine-tuning and evaluation -----------------------------------------------------------

    private CliRun finetune(Path model, String task, Path glue, String... extra) {
        List<String> extraArgs = Arrays.asList(extra);
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "finetune",
                                "--model",
                                model.toString(),
                                "--task",
                                task,
                                "--data",
                                glue.toString(),
                                "--epochs",
                                "1"));
        String[][] defaults = {
            {"--batch-size", "2"}, {"--max-len", "16"}, {"--out", freshOut().toString()}
        };
        for (String[] option : defaults) {
            if (!extraArgs.contains(option[0])) {
                args.addAll(List.of(option));
            }
        }
        args.addAll(extraArgs);
        return run(args.toArray(String[]::new));
    }

    @Test
    void modelFolderThatIsNotARun() throws IOException {
        Path glue = Files.createDirectories(tmp.resolve("glue-empty"));
        Path notARun = Files.createDirectories(tmp.resolve("plain-folder"));
        assertBadInput(
                finetune(notARun, "RTE", glue), "plain-folder", "--model takes a pretraining run");
        Path notAFineTuned = trainedRun;
        CliRun eval =
                run(
                        "eval",
                        "--model",
                        notAFineTuned.toString(),
                        "--task",
                        "RTE",
                        "--data",
                        glue.toString());
        assertBadInput(eval, trainedRun.toString());
    }

    @Test
    void unknownTaskName() throws IOException {
        Path glue = Files.createDirectories(tmp.resolve("glue-any"));
        assertBadInput(
                finetune(trainedRun, "RTX", glue), "unknown GLUE task \"RTX\"", "expected one of");
        assertBadInput(
                run(
                        "glue",
                        "--model",
                        trainedRun.toString(),
                        "--data",
                        glue.toString(),
                        "--tasks",
                        "RTE,SST-3"),
                "unknown GLUE task");
    }

    @Test
    void glueFileWithAMissingColumn() throws IOException {
        Path glue = tmp.resolve("glue-rte");
        Files.createDirectories(glue.resolve("RTE"));
        String header = "index\tsentence1\tsentence2\tlabel\n";
        Files.writeString(
                glue.resolve("RTE/train.tsv"),
                header
                        + "0\tA man is walking.\tSomeone walks.\tentailment\n"
                        + "1\tA dog sleeps.\tnot_entailment\n");
        Files.writeString(
                glue.resolve("RTE/dev.tsv"), header + "0\tA cat.\tAn animal.\tentailment\n");
        assertBadInput(finetune(trainedRun, "RTE", glue), "RTE/train.tsv:3", "expected 4");
    }

    @Test
    void stsbScoreThatIsNotANumber() throws IOException {
        Path glue = tmp.resolve("glue-stsb");
        Files.createDirectories(glue.resolve("STS-B"));
        String header =
                "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n";
        String row =
                "main-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA plane is taking off.\tA plane departs.\t";
        Files.writeString(
                glue.resolve("STS-B/train.tsv"),
                header + "0\t" + row + "5.000\n" + "1\t" + row + "high\n");
        Files.writeString(glue.resolve("STS-B/dev.tsv"), header + "0\t" + row + "4.000\n");
        assertBadInput(
                finetune(trainedRun, "STS-B", glue), "STS-B/train.tsv:3", "expected a number");
    }

    // ---- relations between options, inputs smaller than the job, output paths ----------------

    @Test
    void warmupBeyondStepsIsRefusedBeforeWork() {
        Path out = freshOut();
        assertBadInput(
                train("--steps", "2", "--warmup", "10", "--out", out.toString()),
                "--warmup 10",
                "--steps 2",
                "[0, 2]");
        assertFalse(Files.exists(out), "a refused train created " + out);
    }

    @Test
    void singleLayerBeyondTheGeneratorIsRefused() {
        Path out = freshOut();
        assertBadInput(
                train("--ablation", "single-layer=99", "--out", out.toString()),
                "single-layer=99",
                "[1, 3]");
        assertFalse(Files.exists(out), "a refused train created " + out);
        assertBadInput(
                run(
                        "bench",
                        "--config",
                        "amos-tiny",
                        "--objective",
                        "amos",
                        "--ablation",
                        "single-layer=4"),
                "single-layer=4",
                "[1, 3]");
        String help = run("train", "--help").out();
        assertTrue(help.contains("mlm_layers"), help); // the rule is stated in --help
    }

    @Test
    void validationOptionsWithoutOrBeyondTheirRun() {
        assertBadInput(train("--valid-every", "1"), "--valid-every", "--valid-corpus");
        assertBadInput(
                train("--valid-corpus", goodCorpus.toString(), "--valid-every", "5"),
                "--valid-every 5",
                "--steps 1",
                "[0, 1]");
    }

    @Test
    void diagnoseOfAFolderThatIsNotARunOrTooLong() throws IOException {
        Path notARun = Files.createDirectories(tmp.resolve("not-a-run-either"));
        assertBadInput(
                run("diagnose", "--run", notARun.toString()),
                "not-a-run-either",
                "--run takes a pretraining run");
        assertBadInput(
                run("diagnose", "--run", trainedRun.toString(), "--seq-len", "4096"),
                "--seq-len 4096",
                "max_positions",
                "[3, 128]");
    }

    @Test
    void corpusSmallerThanOneBatch() throws IOException {
        Path out = freshOut();
        Path small = Files.writeString(tmp.resolve("one-line.txt"), "A single short sentence.\n");
        assertBadInput(
                train("--corpus", small.toString(), "--batch-size", "64", "--out", out.toString()),
                "--corpus gives 1 sequence(s)",
                "fewer than one batch",
                "--batch-size in [1, 1]");
        assertNoRunWritten(out);
    }

    @Test
    void glueSplitSmallerThanOneBatchRunsOnWhatThereIs() throws IOException {
        Path glue = tmp.resolve("glue-tiny-rte");
        Files.createDirectories(glue.resolve("RTE"));
        String header = "index\tsentence1\tsentence2\tlabel\n";
        Files.writeString(
                glue.resolve("RTE/train.tsv"),
                header
                        + "0\tA man walks.\tSomeone walks.\tentailment\n"
                        + "1\tA dog sleeps.\tA cat runs.\tnot_entailment\n"
                        + "2\tIt rains.\tThe sun shines.\tnot_entailment\n");
        Files.writeString(
                glue.resolve("RTE/dev.tsv"), header + "0\tA cat.\tAn animal.\tentailment\n");
        Path out = freshOut();
        CliRun r =
                run(
                        "finetune",
                        "--model",
                        trainedRun.toString(),
                        "--task",
                        "RTE",
                        "--data",
                        glue.toString(),
                        "--epochs",
                        "1",
                        "--batch-size",
                        "32",
                        "--max-len",
                        "16",
                        "--device",
                        "cpu",
                        "--out",
                        out.toString());
        assertEquals(0, r.code(), r.err() + r.log());
        assertTrue(Files.isRegularFile(out.resolve("results.json")), r.log());
    }

    @Test
    void maxLenBeyondTheModelsPositions() throws IOException {
        Path glue = Files.createDirectories(tmp.resolve("glue-for-max-len"));
        assertBadInput(
                finetune(trainedRun, "RTE", glue, "--max-len", "4096"),
                "--max-len 4096",
                "max_positions",
                "[3, ");
    }

    @Test
    void glueChecksEveryTasksFilesBeforeTheFirstTask() throws IOException {
        Path glue = tmp.resolve("glue-half");
        Files.createDirectories(glue.resolve("RTE"));
        Files.writeString(glue.resolve("RTE/train.tsv"), "index\tsentence1\tsentence2\tlabel\n");
        Files.writeString(glue.resolve("RTE/dev.tsv"), "index\tsentence1\tsentence2\tlabel\n");
        Path out = freshOut();
        assertBadInput(
                run(
                        "glue",
                        "--model",
                        trainedRun.toString(),
                        "--data",
                        glue.toString(),
                        "--tasks",
                        "RTE,MRPC",
                        "--out",
                        out.toString()),
                "MRPC",
                "no such file");
        assertFalse(Files.exists(out), "a refused glue created " + out);
    }

    @Test
    void exportFormatAndItsOptions() throws IOException {
        Path out = freshOut();
        assertBadInput(
                run(
                        "export",
                        "--model",
                        trainedRun.toString(),
                        "--out",
                        out.toString(),
                        "--format",
                        "onx"),
                "--format",
                "torchscript, onnx or hf",
                "onx");
        assertBadInput(
                run(
                        "export",
                        "--model",
                        trainedRun.toString(),
                        "--out",
                        out.toString(),
                        "--token-type-ids"),
                "--token-type-ids",
                "only with --format onnx");
        assertFalse(Files.exists(out), "a refused export created " + out);
    }

    @Test
    void outputPathsThatCannotBeMade() throws IOException {
        Path file = Files.writeString(tmp.resolve("in-the-way"), "x");
        Path glue = Files.createDirectories(tmp.resolve("glue-out/RTE")).getParent();
        Files.writeString(glue.resolve("RTE/train.tsv"), "index\tsentence1\tsentence2\tlabel\n");
        Files.writeString(glue.resolve("RTE/dev.tsv"), "index\tsentence1\tsentence2\tlabel\n");
        assertBadInput(
                finetune(trainedRun, "RTE", glue, "--out", file.resolve("ft").toString()),
                "in-the-way/ft",
                "not writable");
        assertBadInput(
                run("export", "--model", trainedRun.toString(), "--out", file.toString()),
                "in-the-way",
                "must be a folder");
        assertBadInput(
                run(
                        "eval",
                        "--model",
                        trainedRun.toString(),
                        "--data",
                        glue.toString(),
                        "--split",
                        "test",
                        "--out",
                        file.resolve("sub").toString()),
                "--model takes a fine-tuned classifier");
        Path texts = Files.writeString(tmp.resolve("texts.txt"), "one\ntwo\n");
        assertBadInput(
                embed(texts, tmp.resolve("no-such-folder/vectors.jsonl")),
                "no-such-folder",
                "does not exist");
        assertBadInput(embed(texts, tmp), tmp.toString(), "is a folder");
        assertBadInput(embed(texts, Path.of("/dev/full")), "/dev/full", "not a regular file");
        assertBadInput(
                run(
                        "embed",
                        "--model",
                        trainedRun.toString(),
                        "--device",
                        "cpu",
                        "--input",
                        texts.toString(),
                        "--output",
                        tmp.resolve("vectors.jsonl").toString(),
                        "--profile",
                        tmp.resolve("no-such-folder/trace.json").toString()),
                "no-such-folder",
                "--profile: the folder");
        assertFalse(
                Files.exists(tmp.resolve("vectors.jsonl")),
                "embedded before the --profile path was refused");
        assertBadInput(
                run(
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
                        file.toString()),
                "in-the-way",
                "--profile must be a folder");
        assertBadInput(
                run(
                        "bench",
                        "--config",
                        "amos-tiny",
                        "--objective",
                        "mlm",
                        "--steps",
                        "1",
                        "--warmup",
                        "0",
                        "--profile-shapes"),
                "--profile-shapes",
                "expected --profile DIR");
        assertBadInput(
                run(
                        "embed",
                        "--model",
                        trainedRun.toString(),
                        "--device",
                        "cpu",
                        "--input",
                        texts.toString(),
                        "--output",
                        tmp.resolve("vectors.jsonl").toString(),
                        "--profile-shapes"),
                "expected --profile FILE");
        assertFalse(
                Files.exists(tmp.resolve("vectors.jsonl")),
                "embedded before --profile-shapes was refused");
        if (Files.isDirectory(Path.of("/proc/self"))) {
            assertBadInput(
                    embed(texts, Path.of("/proc/vectors.jsonl")), "/proc", "pseudo file system");
            assertBadInput(train("--out", "/proc/amos-run"), "/proc", "pseudo file system");
            assertBadInput(
                    run("import", "--from", tmp.toString(), "--out", "/proc/amos-model"),
                    "/proc",
                    "not writable");
        }
    }

    @Test
    void maxLengthOutsideThePositionsAndHfOptionsAreRefusedBeforeAnyWork() throws IOException {
        Path texts = Files.writeString(tmp.resolve("max-len-texts.txt"), "one\ntwo\n");
        Path vectors = tmp.resolve("max-len-vectors.jsonl");
        // amos-tiny: 128 positions; below 3 is the option's declared range, above 128 the model's
        for (String bad : List.of("0", "2", "129", "-1")) {
            String expected = bad.equals("129") ? "3..128" : ">= 3";
            assertBadInput(
                    run(
                            "embed",
                            "--model",
                            trainedRun.toString(),
                            "--device",
                            "cpu",
                            "--input",
                            texts.toString(),
                            "--output",
                            vectors.toString(),
                            "--max-len",
                            bad),
                    "--max-len",
                    expected,
                    "got " + bad);
            assertBadInput(
                    run(
                            "export",
                            "--model",
                            trainedRun.toString(),
                            "--out",
                            tmp.resolve("ml-export").toString(),
                            "--max-len",
                            bad),
                    "--max-len",
                    expected);
            assertBadInput(
                    run(
                            "export",
                            "--model",
                            trainedRun.toString(),
                            "--out",
                            tmp.resolve("ml-export").toString(),
                            "--format",
                            "hf",
                            "--max-len",
                            bad),
                    "--max-len",
                    expected);
        }
        assertBadInput(
                run(
                        "export",
                        "--model",
                        trainedRun.toString(),
                        "--out",
                        tmp.resolve("ml-export").toString(),
                        "--format",
                        "hf",
                        "--weights",
                        "npz"),
                "--weights",
                "bin or safetensors");
        assertBadInput(
                run(
                        "export",
                        "--model",
                        trainedRun.toString(),
                        "--out",
                        tmp.resolve("ml-export").toString(),
                        "--weights",
                        "safetensors"),
                "--weights",
                "only with --format hf");
        assertBadInput(
                run(
                        "export",
                        "--model",
                        trainedRun.toString(),
                        "--out",
                        tmp.resolve("ml-export").toString(),
                        "--format",
                        "onnx-or-so"),
                "--format",
                "torchscript");
        assertFalse(Files.exists(vectors));
        assertFalse(
                Files.exists(tmp.resolve("ml-export"))
                        && Files.list(tmp.resolve("ml-export")).findAny().isPresent());
    }

    @Test
    void embedAndExportRecordTheRequestedMaxLength() throws IOException {
        Path texts =
                Files.writeString(
                        tmp.resolve("long-text.txt"),
                        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen\n");
        Path cut = tmp.resolve("cut-vectors.jsonl");
        Path full = tmp.resolve("full-vectors.jsonl");
        assertEquals(
                0,
                run(
                                "embed",
                                "--model",
                                trainedRun.toString(),
                                "--device",
                                "cpu",
                                "--input",
                                texts.toString(),
                                "--output",
                                cut.toString(),
                                "--max-len",
                                "5")
                        .code());
        assertEquals(
                0,
                run(
                                "embed",
                                "--model",
                                trainedRun.toString(),
                                "--device",
                                "cpu",
                                "--input",
                                texts.toString(),
                                "--output",
                                full.toString())
                        .code());
        assertNotEquals(
                Files.readString(full),
                Files.readString(cut),
                "--max-len 5 must cut the 15-word text");
        Path export = tmp.resolve("max-len-export");
        assertEquals(
                0,
                run(
                                "export",
                                "--model",
                                trainedRun.toString(),
                                "--out",
                                export.toString(),
                                "--max-len",
                                "5")
                        .code());
        assertTrue(
                Files.readString(export.resolve("serving.properties")).contains("maxLength=5\n"));
        assertTrue(Files.readString(export.resolve("config.json")).contains("\"max_length\": 5"));
        Path fromExport = tmp.resolve("export-vectors.jsonl");
        assertEquals(
                0,
                run(
                                "embed",
                                "--model",
                                export.toString(),
                                "--device",
                                "cpu",
                                "--input",
                                texts.toString(),
                                "--output",
                                fromExport.toString())
                        .code());
        float[] a = vector(cut);
        float[] b = vector(fromExport);
        for (int i = 0;
                i < a.length;
                i++) { // TorchScript and the eager encoder differ in the last bits only
            assertEquals(
                    a[i], b[i], 1e-5f, "the export embeds at its recorded length, element " + i);
        }
        Path hf = tmp.resolve("max-len-hf");
        assertEquals(
                0,
                run(
                                "export",
                                "--model",
                                trainedRun.toString(),
                                "--out",
                                hf.toString(),
                                "--format",
                                "hf",
                                "--max-len",
                                "5")
                        .code());
        assertTrue(Files.readString(hf.resolve("config.json")).contains("\"max_length\": 5"));
    }

    private static float[] vector(Path jsonl) throws IOException {
        com.google.gson.JsonArray e =
                com.google.gson.JsonParser.parseString(Files.readString(jsonl).strip())
                        .getAsJsonObject()
                        .getAsJsonArray("embedding");
        float[] v = new float[e.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = e.get(i).getAsFloat();
        }
        return v;
    }

    private CliRun embed(Path input, Path output) {
        return run(
                "embed",
                "--model",
                trainedRun.toString(),
                "--device",
                "cpu",
                "--input",
                input.toString(),
                "--output",
                output.toString());
    }

    @Test
    void embedOfBinaryInputFailsBeforeAnyProgress() throws IOException {
        byte[] bytes = "first line\nsecond\u0000line\n".getBytes(StandardCharsets.UTF_8);
        Path binary = Files.write(tmp.resolve("binary-input.bin"), bytes);
        Path out = tmp.resolve("binary-vectors.jsonl");
        CliRun r = embed(binary, out);
        assertBadInput(r, "binary-input.bin:2", "binary data");
        assertEquals("", r.log(), "something was printed before the input was refused");
        assertFalse(Files.exists(out));
        Path latin1 =
                Files.write(
                        tmp.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'});
        assertBadInput(embed(latin1, out), "latin1.txt:1", "not valid UTF-8");
    }

    @Test
    void embedOfAnEmptyInputWritesAnEmptyFile() throws IOException {
        Path empty = Files.createFile(tmp.resolve("no-texts.txt"));
        Path out = tmp.resolve("no-vectors.jsonl");
        CliRun r = embed(empty, out);
        assertEquals(0, r.code(), r.err() + r.log());
        assertEquals(0, Files.size(out));
        assertTrue(r.log().contains("0 embeddings"), r.log());
    }

    @Test
    void unexpectedFailuresAreOneLineWithoutClassNames() {
        StringWriter err = new StringWriter();
        int code =
                AmosCommand.report(
                        new IllegalStateException(
                                "step 3: java.lang.IllegalArgumentException: shape"
                                        + " mismatch\n\tat dev.amos.Foo.bar(Foo.java:1)"),
                        "amos train",
                        false,
                        new PrintWriter(err, true));
        assertEquals(1, code);
        List<String> lines = err.toString().strip().lines().toList();
        assertEquals(1, lines.size(), err.toString());
        assertTrue(
                lines.get(0).startsWith("amos: error: amos train failed: step 3: shape mismatch"),
                lines.get(0));
        assertFalse(err.toString().contains("Exception"), err.toString());

        err = new StringWriter();
        code =
                AmosCommand.report(
                        new java.io.UncheckedIOException(
                                new java.nio.file.NoSuchFileException("/x/y")),
                        "amos embed",
                        false,
                        new PrintWriter(err, true));
        assertEquals(1, code);
        assertTrue(err.toString().contains("/x/y: no such file or folder"), err.toString());
        assertFalse(err.toString().contains("Exception"), err.toString());

        err = new StringWriter();
        code =
                AmosCommand.report(
                        new RuntimeException(
                                new dev.amos.model.BadInputException("data.txt:3: bad")),
                        "amos train",
                        false,
                        new PrintWriter(err, true));
        assertEquals(2, code);
        assertEquals("amos: data.txt:3: bad", err.toString().strip());

        err = new StringWriter();
        assertEquals(
                1,
                AmosCommand.report(
                        new OutOfMemoryError("Java heap space"),
                        "amos train",
                        false,
                        new PrintWriter(err, true)));
        assertTrue(err.toString().contains("out of memory"), err.toString());
        assertFalse(err.toString().contains("Error"), err.toString());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
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
