package dev.amos.integration;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The built amos CLI ({@code amos-cli/target/amos-cli.jar}) run as a separate process, so that
 * nothing of amos is on the class path of the integration tests: it trains a tiny model, exports it
 * and embeds texts into a work folder, and the tests read the files it wrote with the third-party
 * library alone. This class has no dependency at all.
 */
public final class AmosCli {

    private final Path repo;
    private final Path jar;
    private final Path work;

    private AmosCli(Path repo, Path work) {
        this.repo = repo;
        this.jar = repo.resolve("amos-cli/target/amos-cli.jar");
        this.work = work;
    }

    /**
     * The CLI of the repository named by the {@code amos.repo.root} property, writing under {@code
     * work} (emptied).
     */
    public static AmosCli inFreshFolder(Path work) throws IOException {
        Path repo =
                Path.of(System.getProperty("amos.repo.root", "../..")).toAbsolutePath().normalize();
        AmosCli cli = new AmosCli(repo, work.toAbsolutePath());
        if (!Files.isRegularFile(cli.jar)) {
            throw new IllegalStateException(
                    cli.jar
                            + " is missing: build it with the reactor, e.g. "
                            + "'mvn -pl integration/langchain4j -am verify'");
        }
        if (Files.exists(cli.work)) {
            try (Stream<Path> files = Files.walk(cli.work)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(cli.work);
        return cli;
    }

    /** A file of the repository. */
    public Path repoFile(String relative) {
        return repo.resolve(relative);
    }

    /** A path in the work folder. */
    public Path work(String relative) {
        return work.resolve(relative);
    }

    /**
     * Trains the amos-tiny preset for two steps on the first lines of the repository's Wikipedia
     * sample: a real run folder, written by {@code amos train}, in a few seconds. The init is ten
     * times the preset's (std 0.2): after two steps from 0.02 the [CLS] vectors of different texts
     * have cosine 0.99998 and could not tell a right export from a wrong one; at 0.2 at most 0.82.
     */
    public Path trainTinyRun() throws IOException, InterruptedException {
        return trainTinyRun(repoFile("models/tokenizer.json"), "run");
    }

    /**
     * Trains amos-tiny for 2 steps on the first 400 lines of the quickstart sample with {@code
     * tokenizer}, into {@code work(name)}.
     */
    public Path trainTinyRun(Path tokenizer, String name) throws IOException, InterruptedException {
        Path corpus = sampleCorpus();
        Path run = work(name);
        run(
                "train",
                "--config",
                repoFile("models/amos-tiny.json").toString(),
                "--tokenizer",
                tokenizer.toString(),
                "--corpus",
                corpus.toString(),
                "--steps",
                "2",
                "--batch-size",
                "4",
                "--seq-len",
                "32",
                "--checkpoint-every",
                "2",
                "--seed",
                "3",
                "--set",
                "init_std=0.2",
                "--cache",
                work("cache").toString(),
                "--out",
                run.toString());
        return run;
    }

    /** The first 400 lines of the quickstart sample, as {@code work("corpus.txt")}. */
    public Path sampleCorpus() throws IOException {
        Path corpus = work("corpus.txt");
        if (Files.isRegularFile(corpus)) {
            return corpus;
        }
        List<String> lines = new ArrayList<>();
        try (BufferedReader in =
                new BufferedReader(
                        new InputStreamReader(
                                new GZIPInputStream(
                                        Files.newInputStream(repoFile("data/wiki-sample.txt.gz"))),
                                StandardCharsets.UTF_8))) {
            for (String line = in.readLine();
                    line != null && lines.size() < 400;
                    line = in.readLine()) {
                lines.add(line);
            }
        }
        Files.write(corpus, lines, StandardCharsets.UTF_8);
        return corpus;
    }

    /** Runs {@code amos ARGS...}; throws with the end of its output if it exits non-zero. */
    public void run(String... args) throws IOException, InterruptedException {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Xmx2g",
                                "-Doffline=true",
                                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                                "-Dai.djl.pytorch.num_threads=2",
                                "-Dai.djl.pytorch.num_interop_threads=1",
                                "-jar",
                                jar.toString()));
        command.addAll(List.of(args));
        Path log = work(args[0] + "-" + System.nanoTime() + ".log");
        Process process =
                new ProcessBuilder(command)
                        .directory(repo.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(
                    "amos " + String.join(" ", args) + " did not finish in 10 minutes; see " + log);
        }
        if (process.exitValue() != 0) {
            List<String> out = Files.readAllLines(log);
            throw new IllegalStateException(
                    "amos "
                            + String.join(" ", args)
                            + " exited "
                            + process.exitValue()
                            + ":\n"
                            + String.join(
                                    "\n", out.subList(Math.max(0, out.size() - 20), out.size())));
        }
    }

    /**
     * The vectors of an {@code amos embed} JSONL output, in order: the numbers of each line's
     * {@code "embedding":[...]} array.
     */
    public static List<float[]> readVectors(Path jsonl) throws IOException {
        List<float[]> vectors = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            int at = line.lastIndexOf("\"embedding\":[");
            if (at < 0) {
                throw new IllegalStateException(jsonl + ": not an amos embed line: " + line);
            }
            String[] numbers =
                    line.substring(at + "\"embedding\":[".length(), line.lastIndexOf(']'))
                            .split(",");
            float[] v = new float[numbers.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = Float.parseFloat(numbers[i]);
            }
            vectors.add(v);
        }
        return vectors;
    }
}
