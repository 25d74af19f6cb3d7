package dev.amos.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A learnable toy language and a minimal training loop, to check in seconds that an objective's
 * networks learn at all: every token is followed by {@code next[token]} (a fixed permutation of the
 * words) with probability {@code 1 - noise}, else by a uniform word. Ids: 0 pad, 1 [CLS], 2 [SEP],
 * 3 [MASK], words from 4. A masked token is predictable from either neighbour; the loss floor is
 * far below the unigram loss ln(words).
 */
final class SyntheticLanguage {

    static final int CLS = 1;
    static final int SEP = 2;
    static final int MASK = 3;
    static final int FIRST_WORD = 4;

    final int words;
    final double noise;
    private final int[] next;

    SyntheticLanguage(int words, double noise, long seed) {
        this.words = words;
        this.noise = noise;
        next = new int[words];
        // a single cycle through all words, in a seeded order (so no word predicts itself)
        int[] order = new int[words];
        for (int i = 0; i < words; i++) {
            order[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = words - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int i = 0; i < words; i++) {
            next[order[i]] = order[(i + 1) % words];
        }
    }

    int vocabSize() {
        return FIRST_WORD + words;
    }

    /** The unigram (plateau) loss: ln(words). */
    double unigramLoss() {
        return Math.log(words);
    }

    /**
     * One masked batch as {@link Amos#forward} takes it: B sequences of S tokens ([CLS] words
     * [SEP]), {@code maskShare} of the words replaced by [MASK].
     */
    NDList batch(NDManager m, int batch, int seq, double maskShare, SplittableRandom r) {
        long[] original = new long[batch * seq];
        long[] corrupted = new long[batch * seq];
        long[] attention = new long[batch * seq];
        List<Long> masked = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int w = r.nextInt(words);
            for (int s = 0; s < seq; s++) {
                int p = b * seq + s;
                long id = s == 0 ? CLS : s == seq - 1 ? SEP : FIRST_WORD + w;
                if (s > 0 && s < seq - 1) {
                    w = r.nextDouble() < noise ? r.nextInt(words) : next[w];
                }
                original[p] = id;
                corrupted[p] = id;
                attention[p] = 1;
            }
            int count = Math.max(1, (int) Math.round(maskShare * (seq - 2)));
            int[] inner = r.ints(1, seq - 1).distinct().limit(count).sorted().toArray();
            for (int s : inner) {
                corrupted[b * seq + s] = MASK;
                masked.add((long) (b * seq + s));
            }
        }
        Shape shape = new Shape(batch, seq);
        return new NDList(
                m.create(corrupted, shape),
                m.create(attention, shape),
                m.create(original, shape),
                m.create(masked.stream().mapToLong(Long::longValue).toArray()));
    }

    /**
     * A model config for this language: amos-tiny's shape (2 x 64 discriminator, generator 3 x 64),
     * no dropout.
     */
    ModelConfig config(int seq, Map<String, String> overrides) {
        Map<String, String> m =
                new java.util.LinkedHashMap<>(
                        Map.of(
                                "vocab_size",
                                String.valueOf(vocabSize()),
                                "max_positions",
                                String.valueOf(Math.max(seq, 8)),
                                "seq_len",
                                String.valueOf(seq),
                                "dropout",
                                "0",
                                "attention_dropout",
                                "0"));
        m.putAll(overrides);
        return TinyBatch.preset("amos-tiny").with(m);
    }

    /**
     * Trains {@code amos} for {@code steps} Adam steps at learning rate {@code lr}, gradients
     * clipped to global norm 2, (loss = sum of the MLM losses + {@code rtdWeight} x RTD) and
     * returns, per step, [best MLM loss, RTD loss, trivial RTD loss of the batch].
     */
    List<double[]> train(
            Amos amos,
            NDManager manager,
            int steps,
            int batch,
            int seq,
            float lr,
            float rtdWeight,
            long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        amos.initialize(manager, DataType.FLOAT32, new Shape(batch, seq));
        Optimizer adam =
                Optimizer.adam()
                        .optLearningRateTracker(Tracker.fixed(lr))
                        .optBeta2(0.98f)
                        .optEpsilon(1e-6f)
                        .build();
        ParameterStore ps = new ParameterStore(manager, false);
        SplittableRandom r = new SplittableRandom(seed);
        List<double[]> log = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            try (NDScope scope = new NDScope();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDList b = batch(manager, batch, seq, 0.15, r);
                PretrainOutput out = amos.forward(ps, b.get(0), b.get(1), b.get(2), b.get(3), true);
                double best =
                        out.mlmLosses().stream().mapToDouble(NDArray::getFloat).min().orElseThrow();
                double rtd = out.rtdLoss() == null ? Double.NaN : out.rtdLoss().getFloat();
                double trivial =
                        out.rtdLabels() == null
                                ? Double.NaN
                                : binaryEntropy(out.rtdLabels().mean().getFloat());
                gc.backward(out.loss(rtdWeight));
                log.add(new double[] {best, rtd, trivial});
            }
            double squares = 0; // global gradient-norm clipping at 2.0, as amos train does
            for (Pair<String, Parameter> p : amos.getParameters()) {
                try (NDArray g = p.getValue().getArray().getGradient()) {
                    squares += g.square().sum().getFloat();
                }
            }
            float scale = (float) Math.min(1.0, 2.0 / (Math.sqrt(squares) + 1e-6));
            for (Pair<String, Parameter> p :
                    amos.getParameters()) { // outside the scope: Adam's moments persist
                NDArray w = p.getValue().getArray();
                try (NDArray g = w.getGradient()) {
                    g.muli(scale);
                    adam.update(p.getValue().getId(), w, g);
                    g.muli(0f); // the fused kernel zeroes it too; be explicit
                }
            }
        }
        return log;
    }

    /** The RTD loss of predicting the batch's share of originals everywhere: H(p) in nats. */
    static double binaryEntropy(double p) {
        return p <= 0 || p >= 1 ? 0 : -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
    }

    /** Mean of column {@code col} over steps [from, to). */
    static double mean(List<double[]> log, int col, int from, int to) {
        return log.subList(from, to).stream().mapToDouble(x -> x[col]).average().orElseThrow();
    }
}
