package dev.amos.cli;

import dev.amos.io.AtomicFiles;
import dev.amos.io.OutputFile;
import dev.amos.model.BadInputException;
import dev.amos.train.data.CorpusInputs;
import dev.amos.train.data.CorpusTokenizer;
import dev.amos.train.tokenizer.TokenizerEvaluation;
import dev.amos.train.tokenizer.TokenizerQuality;
import dev.amos.train.tokenizer.WordCounts;
import dev.amos.train.tokenizer.WordPieceTrainer;
import dev.amos.train.tokenizer.WordPieceVocabulary;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amos tokenizer train|eval}: a WordPiece vocabulary for the user's own corpus, and its
 * quality.
 */
@Command(
        name = "tokenizer",
        mixinStandardHelpOptions = true,
        description =
                "Train a WordPiece tokenizer on a corpus (train), or measure one on held-out text (eval).",
        subcommands = {TokenizerCommand.Train.class, TokenizerCommand.Eval.class})
final class TokenizerCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        throw new BadInputException(
                "amos tokenizer needs a subcommand: train or eval (see 'amos tokenizer --help')");
    }

    /** {@code amos tokenizer train}. */
    @Command(
            name = "train",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Train a WordPiece vocabulary (BERT/ELECTRA style: BPE merges with ## continuations) and write its"
                        + " tokenizer.json, for 'amos train --tokenizer FILE'.",
                "Special tokens [PAD] [UNK] [CLS] [SEP] [MASK] get ids 0 to 4. Prints tokens per word and the [UNK] share on"
                        + " the training text (and on --eval-corpus)."
            })
    static final class Train implements Callable<Integer> {

        @Option(
                names = "--corpus",
                required = true,
                arity = "1..*",
                paramLabel = "PATH",
                description = "Text files, folders or .gz, read as 'amos train' reads them.")
        List<Path> corpus;

        @Range(min = 6)
        @Option(
                names = "--vocab-size",
                required = true,
                paramLabel = "N",
                description = "Tokens, >= 6, rounded up to a multiple of 64 unless --exact-size.")
        int vocabSize;

        @Option(
                names = "--out",
                required = true,
                paramLabel = "FILE",
                description = "The tokenizer.json to write.")
        Path out;

        @Option(names = "--overwrite", description = "Replace an existing --out file.")
        boolean overwrite;

        @Option(
                names = "--lowercase",
                description =
                        "Uncased: lower-case and strip accents (as bert-base-uncased; default: cased).")
        boolean lowercase;

        @Option(
                names = "--exact-size",
                description = "Keep --vocab-size as given (default: round up to a multiple of 64).")
        boolean exactSize;

        @Range(min = 1)
        @Option(
                defaultValue = "" + WordPieceTrainer.DEFAULT_MIN_FREQUENCY,
                names = "--min-frequency",
                paramLabel = "N",
                description =
                        "Fewest occurrences of a pair that is still merged, >= 1 (default: ${DEFAULT-VALUE}).")
        int minFrequency;

        @Range(min = 1)
        @Option(
                defaultValue = "" + WordPieceTrainer.DEFAULT_LIMIT_ALPHABET,
                names = "--limit-alphabet",
                paramLabel = "N",
                description =
                        "Most frequent characters kept as the alphabet, >= 1 (default: ${DEFAULT-VALUE}).")
        int limitAlphabet;

        @Range(min = 2)
        @Option(
                defaultValue = "" + WordPieceTrainer.DEFAULT_MAX_WORDS,
                names = "--max-words",
                paramLabel = "N",
                description =
                        "Most distinct words counted at once, >= 2 (default: ${DEFAULT-VALUE}); beyond it the rarest"
                                + " are dropped down to half (docs/tokenizers.md).")
        int maxWords;

        @Option(
                names = "--eval-corpus",
                arity = "1..*",
                paramLabel = "PATH",
                description = "Held-out text: tokens per word and [UNK] share printed at the end.")
        List<Path> evalCorpus = List.of();

        @Override
        public Integer call() throws IOException {
            OptionChecks.ranges(this);
            CorpusInputs.resolve(corpus);
            if (!evalCorpus.isEmpty()) {
                CorpusInputs.resolve(evalCorpus);
            }
            checkOut();
            long start = System.nanoTime();
            WordPieceTrainer.Result r =
                    WordPieceTrainer.builder()
                            .setVocabSize(vocabSize)
                            .optLowercase(lowercase)
                            .optExactSize(exactSize)
                            .optMinFrequency(minFrequency)
                            .optLimitAlphabet(limitAlphabet)
                            .optMaxWords(maxWords)
                            .optProgress(System.err)
                            .build()
                            .train(corpus);
            WordPieceVocabulary vocabulary = r.vocabulary();
            // held-out text is read before the file is written: a bad one leaves nothing behind
            TokenizerQuality held =
                    evalCorpus.isEmpty()
                            ? null
                            : TokenizerEvaluation.evaluate(
                                    evalCorpus, TokenizerEvaluation.of(vocabulary), System.err);
            byte[] json = vocabulary.tokenizerJson().getBytes(StandardCharsets.UTF_8);
            OutputFile.removeTemporaries(out);
            AtomicFiles.write(out, stream -> stream.write(json));
            double seconds = (System.nanoTime() - start) / 1e9;
            WordCounts counts = r.counts();
            String ranOut =
                    !r.mergesRanOut()
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    "; fewer than the %d asked: no pair"
                                            + " left that occurs --min-frequency %d times%s",
                                    WordPieceTrainer.targetSize(vocabSize, exactSize),
                                    minFrequency,
                                    r.unused() > 0
                                            ? ", "
                                                    + r.unused()
                                                    + " [unusedN] fill it to a multiple of 64"
                                            : "");
            System.out.printf(
                    Locale.ROOT,
                    "wrote %s: %d tokens (%s), %d merges, alphabet %d characters%s%n",
                    out,
                    vocabulary.size(),
                    lowercase ? "uncased" : "cased",
                    r.merges(),
                    r.alphabet(),
                    ranOut);
            System.out.printf(
                    Locale.ROOT,
                    "corpus: %d lines, %d words, %d distinct%s; trained on %d distinct words%n",
                    r.lines(),
                    counts.total(),
                    counts.size(),
                    counts.prunings() == 0
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    " (--max-words pruned %d times, %d entries dropped, words"
                                            + " below %d occurrences may be undercounted)",
                                    counts.prunings(),
                                    counts.dropped(),
                                    counts.highestThreshold()),
                    r.trainingWords());
            System.out.printf(
                    Locale.ROOT,
                    "time: %.1f s (count %.1f s, merge %.1f s); peak Java heap %d MB%n",
                    seconds,
                    r.countSeconds(),
                    r.mergeSeconds(),
                    peakHeapBytes() >> 20);
            System.out.println("training text: " + r.trainingQuality());
            if (held != null) {
                System.out.println("held-out text: " + held);
            }
            return 0;
        }

        /**
         * The output file ({@link OutputFile#check}: not a folder, not a corpus file nor inside a
         * corpus folder, not inside another command's folder, an existing file only with {@code
         * --overwrite}) in a writable folder. Checked before any work.
         */
        private void checkOut() {
            List<Path> inputs = new ArrayList<>(corpus);
            inputs.addAll(evalCorpus);
            OutputFile.check(out, overwrite, "--out", inputs.toArray(Path[]::new));
            OptionChecks.outputFile(out, "--out");
        }

        private static long peakHeapBytes() {
            long sum = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                    sum += pool.getPeakUsage().getUsed();
                }
            }
            return sum;
        }
    }

    /** {@code amos tokenizer eval}. */
    @Command(
            name = "eval",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description =
                    "Tokens per word and the [UNK] share of a tokenizer (tokenizer.json or vocab.txt) on a corpus;"
                            + " words are BERT pre-tokenizer words (a punctuation mark is a word), the same for every tokenizer.")
    static final class Eval implements Callable<Integer> {

        @Option(
                names = "--tokenizer",
                required = true,
                paramLabel = "FILE",
                description = "tokenizer.json or vocab.txt.")
        Path tokenizer;

        @Option(
                names = "--corpus",
                required = true,
                arity = "1..*",
                paramLabel = "PATH",
                description = "Text files, folders or .gz.")
        List<Path> corpus;

        @Override
        public Integer call() throws IOException {
            OptionChecks.ranges(this);
            CorpusInputs.resolve(corpus);
            try (CorpusTokenizer loaded = CorpusTokenizer.load(tokenizer)) {
                TokenizerQuality quality =
                        TokenizerEvaluation.evaluate(
                                corpus, TokenizerEvaluation.of(loaded), System.err);
                System.out.printf(
                        Locale.ROOT,
                        "%s (%d tokens in the vocabulary): %s%n",
                        tokenizer,
                        loaded.specialTokens().vocabSize(),
                        quality);
            }
            return 0;
        }
    }
}
