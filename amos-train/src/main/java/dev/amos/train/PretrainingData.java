package dev.amos.train;

import dev.amos.model.BadInputException;
import dev.amos.model.ModelConfig;
import dev.amos.train.data.CorpusTokenizer;
import dev.amos.train.data.Masker;
import dev.amos.train.data.PretrainingDataset;
import dev.amos.train.data.ShardCache;
import dev.amos.train.data.StepSampler;
import dev.amos.train.data.TokenShards;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The data piece of a run: the tokenizer, the corpus tokenized once into cached shards and packed,
 * the masked training batches of every step from {@code startStep} on, and the held-out batches
 * when there is a validation corpus.
 *
 * @param tokenizer the run's tokenizer
 * @param train the training batches (sampled by step, masked on the host)
 * @param valid the held-out dataset, or null
 * @param unigramLoss the training corpus's unigram loss ({@link ShardCache#unigramLoss}), the
 *     plateau of the MLM loss at {@code [MASK]}
 */
record PretrainingData(
        CorpusTokenizer tokenizer,
        PretrainingDataset train,
        PretrainingDataset valid,
        double unigramLoss) {

    /** Prefetched batches (built on the data threads while the device trains). */
    static final int PREFETCH = 4;

    /**
     * Tokenizes (or finds cached), packs and batches the run's corpora.
     *
     * @param spec what the run trains on
     * @param cacheDir the shard cache
     * @param startStep the step the run starts after (its batches are skipped, not read)
     * @param log where progress goes
     */
    static PretrainingData prepare(
            Pretrainer.RunSpec spec, Path cacheDir, long startStep, PrintStream log)
            throws IOException {
        TrainConfig tc = spec.training();
        CorpusTokenizer tokenizer = load(spec.tokenizer(), spec.model());
        Masker masker =
                new Masker(tc.masking(spec.objective()), tokenizer.specialTokens(), tc.seed());
        ShardCache cache = cache(spec.corpus(), spec.tokenizer(), cacheDir, log);
        TokenShards shards = cache.prepare(spec.corpus(), tokenizer).shards();
        PretrainingDataset train =
                PretrainingDataset.builder()
                        .setCorpus(shards, tc.seqLen(), tokenizer.specialTokens(), tc.seed())
                        .setMasker(masker)
                        .setSampling(
                                new StepSampler(
                                        tc.seed(),
                                        tc.batchSize(),
                                        startStep * tc.accumulate(),
                                        (long) tc.steps() * tc.accumulate()))
                        .optPrefetchNumber(PREFETCH)
                        .build();
        requireOneBatch(train, tc, "--corpus");
        PretrainingDataset valid = null;
        if (!spec.validCorpus().isEmpty()) {
            valid =
                    PretrainingDataset.builder()
                            .setCorpus(
                                    cache(spec.validCorpus(), spec.tokenizer(), cacheDir, log)
                                            .prepare(spec.validCorpus(), tokenizer)
                                            .shards(),
                                    tc.seqLen(),
                                    tokenizer.specialTokens(),
                                    tc.seed())
                            .setMasker(masker)
                            .setSampling(tc.batchSize(), false)
                            .build();
        }
        if (valid != null) {
            requireOneBatch(valid, tc, "--valid-corpus");
        }
        return new PretrainingData(
                tokenizer, train, valid, cache.unigramLoss(shards, tokenizer.specialTokens()));
    }

    /** A corpus must give at least one batch (steps cycle over epochs, so one batch is enough). */
    private static void requireOneBatch(PretrainingDataset data, TrainConfig tc, String option) {
        long sequences = data.size();
        if (sequences < tc.batchSize()) {
            throw new BadInputException(
                    option
                            + " gives "
                            + sequences
                            + " sequence(s) of "
                            + tc.seqLen()
                            + " tokens, fewer than one batch (--batch-size "
                            + tc.batchSize()
                            + "): expected --batch-size in [1, "
                            + sequences
                            + "], or a shorter --seq-len, or more text");
        }
    }

    private static CorpusTokenizer load(Path file, ModelConfig model) throws IOException {
        CorpusTokenizer tokenizer = CorpusTokenizer.load(file);
        if (tokenizer.specialTokens().vocabSize() > model.vocabSize()) {
            throw BadInputException.of(
                    file,
                    "tokenizer has "
                            + tokenizer.specialTokens().vocabSize()
                            + " tokens but the model's vocab_size is "
                            + model.vocabSize());
        }
        return tokenizer;
    }

    private static ShardCache cache(
            List<Path> corpus, Path tokenizerFile, Path cacheDir, PrintStream log) {
        return new ShardCache(cacheDir.resolve(ShardCache.cacheKey(corpus, tokenizerFile)))
                .progress(log);
    }
}
