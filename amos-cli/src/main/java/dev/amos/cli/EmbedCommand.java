package dev.amos.cli;

import dev.amos.eval.serve.EmbedJob;
import dev.amos.eval.serve.TextEmbedder;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.model.export.EncoderExportSpec.Pooling;
import dev.amos.io.ProgressBar;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.CharacterCodingException;
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
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sentence embeddings from the discriminator encoder (JSONL).",
            "One text per input line; one {\"text\":..., \"embedding\":[...]} line out, same order."})
final class EmbedCommand implements Callable<Integer> {

    private static final String STDIO = "-";

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Run folder (or its discriminator/), or a folder from 'amos export'.")
    Path model;

    @Option(names = "--pooling", description = "cls or mean (default: ${DEFAULT-VALUE}).")
    String pooling = "mean";

    @Option(names = "--normalize", description = "L2-normalise the vectors.")
    boolean normalize;

    @Option(names = "--input", paramLabel = "FILE|-", description = "UTF-8 text, one text per line; - for stdin (default: ${DEFAULT-VALUE}).")
    String input = STDIO;

    @Option(names = "--output", paramLabel = "FILE|-", description = "JSONL output; - for stdout (default: ${DEFAULT-VALUE}).")
    String output = STDIO;

    @Option(names = "--batch-size", description = "Texts per batch, padded to the longest (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;

    @Option(names = "--device", description = DeviceOption.DESCRIPTION)
    String device = DeviceOption.DEFAULT;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) {
            throw new BadInputException("--batch-size: expected a positive integer, got " + batchSize);
        }
        Pooling pool = parsePooling(pooling);
        Path inputFile = STDIO.equals(input) ? null : Path.of(input);
        if (inputFile != null && !Files.isRegularFile(inputFile)) {
            throw BadInputException.of(inputFile, "no such input file (expected one text per line, or - for stdin)");
        }
        try (TextEmbedder embedder = TextEmbedder.load(model, pool, normalize, DeviceOption.resolve(device));
                BufferedReader in = inputFile == null
                        ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                        : Files.newBufferedReader(inputFile, StandardCharsets.UTF_8)) {
            if (STDIO.equals(output)) {
                Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
                run(embedder, in, out, inputFile, n -> { });
            } else {
                Path outputFile = Path.of(output);
                long[] count = new long[1];
                try (ProgressBar bar = new ProgressBar("embed", 0, System.err)) {
                    BlockFiles.writeAtomically(outputFile, stream -> {
                        Writer out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
                        count[0] = run(embedder, in, out, inputFile, bar::update);
                    });
                }
                System.err.println("amos embed: " + count[0] + " embeddings (" + embedder.dimension() + " dims) -> "
                        + outputFile);
            }
        }
        return 0;
    }

    private long run(TextEmbedder embedder, BufferedReader in, Writer out, Path inputFile,
            LongConsumer progress) throws IOException {
        try {
            return EmbedJob.run(embedder, in, out, batchSize, progress);
        } catch (CharacterCodingException e) {
            throw BadInputException.of(inputFile == null ? Path.of("<stdin>") : inputFile,
                    "not valid UTF-8 text (" + e.getMessage() + ")");
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
