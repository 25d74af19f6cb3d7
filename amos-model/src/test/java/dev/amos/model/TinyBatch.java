package dev.amos.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Test fixtures: small configs and a masked batch with padding. */
final class TinyBatch {

    static final int PAD = 0;
    static final int CLS = 101;
    static final int SEP = 102;
    static final int MASK = 103;

    final NDArray inputIds;
    final NDArray attentionMask;
    final NDArray originalIds;
    final NDArray maskedPositions;

    private TinyBatch(
            NDArray inputIds, NDArray attentionMask, NDArray originalIds, NDArray maskedPositions) {
        this.inputIds = inputIds;
        this.attentionMask = attentionMask;
        this.originalIds = originalIds;
        this.maskedPositions = maskedPositions;
    }

    /**
     * Sequences of the given real lengths (incl. [CLS]/[SEP]) padded to seqLen; ~30% of inner
     * tokens masked.
     */
    static TinyBatch of(NDManager m, int vocab, int seqLen, long seed, int... lengths) {
        Random rnd = new Random(seed);
        int b = lengths.length;
        long[] ids = new long[b * seqLen];
        long[] orig = new long[b * seqLen];
        long[] att = new long[b * seqLen];
        List<Long> masked = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < lengths[i]; j++) {
                int p = i * seqLen + j;
                long tok =
                        j == 0 ? CLS : j == lengths[i] - 1 ? SEP : 104 + rnd.nextInt(vocab - 104);
                orig[p] = tok;
                ids[p] = tok;
                att[p] = 1;
                if (j > 0 && j < lengths[i] - 1 && (rnd.nextDouble() < 0.3 || j == 1)) {
                    ids[p] = MASK;
                    masked.add((long) p);
                }
            }
        }
        Shape s = new Shape(b, seqLen);
        return new TinyBatch(
                m.create(ids, s),
                m.create(att, s),
                m.create(orig, s),
                m.create(masked.stream().mapToLong(Long::longValue).toArray()));
    }

    /** A 3-block generator (MLM heads at 1, 2, 3) over a 2-layer discriminator, vocab 200. */
    static ModelConfig config() {
        return preset("amos-tiny")
                .with(
                        Map.of(
                                "vocab_size",
                                "200",
                                "hidden_size",
                                "16",
                                "ffn_size",
                                "32",
                                "max_positions",
                                "32",
                                "seq_len",
                                "16"));
    }

    static ModelConfig preset(String name) {
        return ModelConfig.load(name, repoRoot().resolve("models"));
    }

    static Path repoRoot() {
        return Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();
    }
}
