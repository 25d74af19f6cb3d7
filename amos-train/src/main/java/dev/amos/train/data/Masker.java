package dev.amos.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Dynamic masking, drawn afresh for every training step (as in RoBERTa, ELECTRA and AMOS): selects
 * {@code round(p * n)} (at least 1) of the {@code n} real tokens of each sequence, uniformly
 * without replacement, and corrupts them per {@link MaskingConfig}. Real tokens are the positions
 * with attention mask 1 that are not {@code [CLS]}, {@code [SEP]}, {@code [PAD]} or {@code [MASK]};
 * those are never selected ({@code [UNK]} can be, as in ELECTRA). Random replacements are drawn
 * uniformly from the ids the tokenizer does not mark special. Rounding is half-up.
 *
 * <p><b>Reproducibility:</b> the randomness of a batch is a pure function of {@code (seed, step)}:
 * it comes from a {@link SplittableRandom} seeded with {@link #streamSeed(long, long)}, a 64-bit
 * mix of both. No generator state is carried between calls, so resuming a run at step {@code t}
 * with the same seed and data reproduces exactly the masks of the uninterrupted run without
 * saving any RNG state; calling {@link #mask} twice with the same arguments gives identical
 * output.
 *
 * <p>Selection runs in Java on {@code long[]} (one {@code toLongArray} per input); the outputs are
 * created in the input ids' manager.
 */
public final class Masker {

    private final MaskingConfig config;
    private final SpecialTokens special;
    private final long seed;
    private final long[] replacementIds;

    /**
     * A masker.
     *
     * @param config selection share and replacement probabilities
     * @param special the tokenizer's special tokens and vocabulary size
     * @param seed the run's seed
     */
    public Masker(MaskingConfig config, SpecialTokens special, long seed) {
        this.config = config;
        this.special = special;
        this.seed = seed;
        this.replacementIds = nonSpecialIds(special);
    }

    private static long[] nonSpecialIds(SpecialTokens special) {
        long[] ids = new long[special.vocabSize()];
        int count = 0;
        for (int id = 0; id < special.vocabSize(); id++) {
            if (!special.isSpecial(id)) {
                ids[count++] = id;
            }
        }
        return Arrays.copyOf(ids, count);
    }

    /**
     * Masks a batch.
     *
     * @param inputIds token ids, (B, S) int64
     * @param attentionMask 1 for real positions, 0 for padding, (B, S) int64
     * @param step the training step (any long; together with the seed it fixes the randomness)
     * @return [corrupted input ids (B, S) int64, attention mask (B, S) int64, original ids (B, S)
     *     int64, masked positions (M,) int64: the flat indices {@code b * S + s} of every selected
     *     position, ascending]
     */
    public NDList mask(NDArray inputIds, NDArray attentionMask, long step) {
        Shape shape = inputIds.getShape();
        if (shape.dimension() != 2 || !shape.equals(attentionMask.getShape())) {
            throw new IllegalArgumentException("expected ids and mask of the same (B, S) shape, got "
                    + shape + " and " + attentionMask.getShape());
        }
        int batch = (int) shape.get(0);
        int length = (int) shape.get(1);
        long[] original = toLongs(inputIds);
        long[] mask = toLongs(attentionMask);
        long[] corrupted = original.clone();
        long[] positions = new long[original.length];
        int selected = 0;
        SplittableRandom random = new SplittableRandom(streamSeed(seed, step));
        int[] candidates = new int[length];
        for (int b = 0; b < batch; b++) {
            selected = maskSequence(b * length, length, original, mask, corrupted, positions, selected,
                    candidates, random);
        }
        NDManager manager = inputIds.getManager();
        return new NDList(
                manager.create(corrupted, shape),
                manager.create(mask, shape),
                manager.create(original, shape),
                manager.create(Arrays.copyOf(positions, selected), new Shape(selected)));
    }

    private static long[] toLongs(NDArray array) {
        if (array.getDataType() == DataType.INT64) {
            return array.toLongArray();
        }
        try (NDArray converted = array.toType(DataType.INT64, true)) {
            return converted.toLongArray();
        }
    }

    private int maskSequence(int offset, int length, long[] original, long[] mask, long[] corrupted,
            long[] positions, int selected, int[] candidates, SplittableRandom random) {
        int real = 0;
        for (int s = 0; s < length; s++) {
            if (isMaskable(original[offset + s], mask[offset + s])) {
                candidates[real++] = s;
            }
        }
        if (real == 0) {
            return selected;
        }
        int count = Math.max(1, (int) Math.min(real, Math.round(config.selectProbability() * real)));
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(real - i);
            int swap = candidates[i];
            candidates[i] = candidates[j];
            candidates[j] = swap;
        }
        Arrays.sort(candidates, 0, count);
        for (int i = 0; i < count; i++) {
            int position = offset + candidates[i];
            corrupted[position] = replacement(original[position], random);
            positions[selected++] = position;
        }
        return selected;
    }

    private boolean isMaskable(long id, long attention) {
        return attention != 0 && id != special.cls() && id != special.sep() && id != special.pad()
                && id != special.mask();
    }

    private long replacement(long original, SplittableRandom random) {
        double u = random.nextDouble();
        if (u < config.maskProbability()) {
            return special.mask();
        }
        if (u < config.maskProbability() + config.randomProbability() && replacementIds.length > 0) {
            return replacementIds[random.nextInt(replacementIds.length)];
        }
        return original;
    }

    /**
     * The seed of the random stream of one step: a 64-bit mix (the SplitMix64 / MurmurHash3
     * finalizer) of the run seed and the step.
     *
     * @param seed the run's seed
     * @param step the training step
     * @return the seed of that step's {@link SplittableRandom}
     */
    public static long streamSeed(long seed, long step) {
        return mix64(mix64(seed) + 0x9E3779B97F4A7C15L * (step + 1));
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** @return the masking configuration */
    public MaskingConfig config() {
        return config;
    }

    /** @return the run's seed */
    public long seed() {
        return seed;
    }
}
