package dev.amos.cli;

import dev.amos.eval.serve.EmbedJob;
import dev.amos.eval.serve.TextEmbedder;
import dev.amos.io.AmosFolder;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFile;
import dev.amos.io.ProgressBar;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.model.EncoderFolder;
import dev.amos.model.Pooling;
import dev.amos.train.Bench;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code amos embed}: sentence embeddings from the discriminator encoder of a run (or an exported
 * folder), one text per input line, one JSON line {@code {"text":..., "embedding":[...]}} out.
 * Streaming; an output file is written atomically, with progress on stderr.
 */
@Command(
        name = "embed",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Sentence embeddings from the discriminator encoder (JSONL).",
            "One text per input line; one {\"text\":..., \"embedding\":[...]} line out, same order."
        })
final class EmbedCommand implements Callable<Integer> {

    private static final String STDIO = "-";

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            description = "Run folder (or its discriminator/), or a folder from 'amos export'.")
    Path model;

    @Option(names = "--pooling", description = "cls or mean (default: ${DEFAULT-VALUE}).")
    String pooling = "mean";

    @Option(names = "--normalize", description = "L2-normalise the vectors.")
    boolean normalize;

    @Option(
            names = "--input",
            paramLabel = "FILE|-",
            description = "UTF-8 text, one text per line; - for stdin (default: ${DEFAULT-VALUE}).")
    String input = STDIO;

    @Option(
            names = "--output",
            paramLabel = "FILE|-",
            description = {
                "JSONL output, a new file (written beside and renamed",
                "into place) or, with --overwrite, an existing one; - for stdout (default: ${DEFAULT-VALUE})."
            })
    String output = STDIO;

    @Option(
            names = "--overwrite",
            description = "Replace an existing --output (or --profile) file.")
    boolean overwrite;

    @Range(min = 1)
    @Option(
            names = "--batch-size",
            description =
                    "Texts per batch, padded to the longest, >= 1 (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;

    @Range(min = 3)
    @Option(
            names = "--max-len",
            paramLabel = "N",
            description =
                    "Tokens kept per text (with the start and end markers), >= 3, at most the model's max_positions (default: an export's recorded length, else min(512, positions)).")
    Integer maxLength;

    @Option(names = "--device", description = DeviceOption.DESCRIPTION)
    String device = DeviceOption.DEFAULT;

    @Option(
            names = "--profile",
            paramLabel = "FILE",
            description =
                    "Write libtorch's op-by-op profile of the embedding loop to FILE (a Chrome trace; scripts/measure/profile-top.py ranks its ops).")
    Path profile;

    @Option(names = "--profile-shapes", description = ProfileShapes.DESCRIPTION)
    boolean profileShapes;

    @Override
    public Integer call() throws Exception {
        Path inputFile = validate();
        Pooling pool = parsePooling(pooling);
        try (TextEmbedder embedder =
                        TextEmbedder.load(
                                model,
                                pool,
                                normalize,
                                DeviceOption.resolve(device),
                                maxLength == null ? 0 : maxLength);
                BufferedReader in =
                        inputFile == null
                                ? new BufferedReader(
                                        new InputStreamReader(System.in, StandardCharsets.UTF_8))
                                : Files.newBufferedReader(inputFile, StandardCharsets.UTF_8)) {
            if (STDIO.equals(output)) {
                Writer out =
                        new BufferedWriter(
                                new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
                run(embedder, in, out, inputFile, n -> {});
            } else {
                Path outputFile = Path.of(output);
                long[] count = new long[1];
                ProgressBar[] bar =
                        new ProgressBar
                                [1]; // drawn from the first batch on, never before the input proved
                // good
                try {
                    BlockFiles.writeAtomically(
                            outputFile,
                            stream -> {
                                Writer out =
                                        new BufferedWriter(
                                                new OutputStreamWriter(
                                                        stream, StandardCharsets.UTF_8));
                                count[0] =
                                        run(
                                                embedder,
                                                in,
                                                out,
                                                inputFile,
                                                n -> {
                                                    if (bar[0] == null) {
                                                        bar[0] =
                                                                new ProgressBar(
                                                                        "embed", 0, System.err);
                                                    }
                                                    bar[0].update(n);
                                                });
                            });
                } finally {
                    if (bar[0] != null) {
                        bar[0].close();
                    }
                }
                System.err.println(
                        "amos embed: "
                                + count[0]
                                + " embeddings ("
                                + embedder.dimension()
                                + " dims) -> "
                                + outputFile);
            }
        }
        return 0;
    }

    /**
     * The checks of {@code amos embed} before the model loads: ranges, pooling, the model folder's
     * kind, the input file (exists, UTF-8 text without NUL bytes) and the output files ({@link
     * OutputFile#check}).
     *
     * @return the input file, or null for stdin
     */
    private Path validate() throws IOException {
        OptionChecks.ranges(this);
        parsePooling(pooling);
        Path inputFile = STDIO.equals(input) ? null : Path.of(input);
        if (inputFile != null) {
            if (!Files.isRegularFile(inputFile)) {
                throw BadInputException.of(
                        inputFile,
                        "no such input file (expected one text per line, or - for stdin)");
            }
            requireText(inputFile);
        }
        AmosFolder.require(
                model,
                "--model",
                "a pretraining run, its discriminator/, an amos import folder or an"
                        + " encoder export",
                FolderKind.RUN,
                FolderKind.ENCODER,
                FolderKind.IMPORT,
                FolderKind.EXPORT);
        if (maxLength != null) {
            EncoderFolder.checkMaxLength(maxLength, TextEmbedder.positions(model), "--max-len");
        }
        if (!STDIO.equals(output)) {
            OutputFile.check(Path.of(output), overwrite, "--output", inputFile, model);
            OptionChecks.outputFile(Path.of(output), "--output");
            OutputFile.removeTemporaries(Path.of(output));
        }
        if (profile != null) {
            OutputFile.check(
                    profile,
                    overwrite,
                    "--profile",
                    inputFile,
                    model,
                    STDIO.equals(output) ? null : Path.of(output));
            OptionChecks.outputFile(profile, "--profile");
        } else if (profileShapes) {
            throw new BadInputException(
                    "--profile-shapes records shapes in a profile: expected --profile FILE with it");
        }
        return inputFile;
    }

    /** Reads {@code file} once: UTF-8 without NUL bytes, else a bad input naming the line. */
    static void requireText(Path file) throws IOException {
        CharsetDecoder decoder =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        long line = 1;
        try (Reader r = new InputStreamReader(Files.newInputStream(file), decoder)) {
            char[] buffer = new char[1 << 16];
            for (int n = r.read(buffer); n >= 0; n = r.read(buffer)) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == 0) {
                        throw BadInputException.of(
                                file,
                                line,
                                "binary data (a NUL byte); expected UTF-8 text, one text per line");
                    }
                    if (buffer[i] == '\n') {
                        line++;
                    }
                }
            }
        } catch (CharacterCodingException e) {
            throw BadInputException.of(
                    file, line, "not valid UTF-8 text; expected UTF-8 text, one text per line");
        }
    }

    private long run(
            TextEmbedder embedder,
            BufferedReader in,
            Writer out,
            Path inputFile,
            LongConsumer progress)
            throws IOException {
        Bench.Profiler profiler =
                profile == null
                        ? null
                        : BenchCommand.torchProfiler(
                                profile,
                                embedder.model().getNDManager().getDevice().isGpu(),
                                profileShapes);
        if (profiler != null) {
            profiler.start();
        }
        try {
            return EmbedJob.run(embedder, in, out, batchSize, progress);
        } catch (CharacterCodingException e) {
            throw BadInputException.of(
                    inputFile == null ? Path.of("<stdin>") : inputFile,
                    "not valid UTF-8 text (" + e.getMessage() + ")");
        } finally {
            if (profiler != null) {
                profiler.stop();
            }
        }
    }

    static Pooling parsePooling(String name) {
        try {
            return Pooling.fromName(name);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--pooling: expected cls or mean, got \"" + name + "\"");
        }
    }
}
