package dev.amos.train.data;

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
 * it comes from a {@link SplittableRandom} seeded with {@link Seeds#stream(long, long)}, a 64-bit
 * mix of both. No generator state is carried between calls, so resuming a run at step {@code t}
 * with the same seed and data reproduces exactly the masks of the uninterrupted run without saving
 * any RNG state; calling {@link #mask} twice with the same arguments gives identical output.
 *
 * <p>Selection runs in Java on the host's {@code long[]} (no device read): {@link
 * PretrainingDataset} masks each batch before any array of it exists and creates its four arrays
 * once, on the training device.
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
     * Masks a batch held on the host (where the packed ids already are), so the batch's arrays can
     * be created once, on the training device, by {@link MaskedBatch#toNDList}.
     *
     * @param ids token ids, row-major (B, S); not modified
     * @param attention 1 for real positions, 0 for padding, row-major (B, S)
     * @param batch B
     * @param length S
     * @param step the training step (any long; together with the seed it fixes the randomness)
     * @return the corrupted ids, the attention mask, the original ids and the masked positions
     */
    public MaskedBatch mask(long[] ids, long[] attention, int batch, int length, long step) {
        if (ids.length != (long) batch * length || attention.length != ids.length) {
            throw new IllegalArgumentException(
                    "expected ids and mask of "
                            + batch
                            + " x "
                            + length
                            + " values, got "
                            + ids.length
                            + " and "
                            + attention.length);
        }
        long[] corrupted = ids.clone();
        long[] positions = new long[ids.length];
        int selected = 0;
        SplittableRandom random = new SplittableRandom(Seeds.stream(seed, step));
        int[] candidates = new int[length];
        for (int b = 0; b < batch; b++) {
            selected =
                    maskSequence(
                            b * length,
                            length,
                            ids,
                            attention,
                            corrupted,
                            positions,
                            selected,
                            candidates,
                            random);
        }
        return new MaskedBatch(
                corrupted, attention, ids, Arrays.copyOf(positions, selected), batch, length);
    }

    private int maskSequence(
            int offset,
            int length,
            long[] original,
            long[] mask,
            long[] corrupted,
            long[] positions,
            int selected,
            int[] candidates,
            SplittableRandom random) {
        int real = 0;
        for (int s = 0; s < length; s++) {
            if (isMaskable(original[offset + s], mask[offset + s])) {
                candidates[real++] = s;
            }
        }
        if (real == 0) {
            return selected;
        }
        int count =
                Math.max(1, (int) Math.min(real, Math.round(config.selectProbability() * real)));
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
        return attention != 0
                && id != special.cls()
                && id != special.sep()
                && id != special.pad()
                && id != special.mask();
    }

    private long replacement(long original, SplittableRandom random) {
        double u = random.nextDouble();
        if (u < config.maskProbability()) {
            return special.mask();
        }
        if (u < config.maskProbability() + config.randomProbability()
                && replacementIds.length > 0) {
            return replacementIds[random.nextInt(replacementIds.length)];
        }
        return original;
    }

    /**
     * @return the masking configuration
     */
    public MaskingConfig config() {
        return config;
    }

    /**
     * @return the special tokens (and the vocabulary size) of the tokenizer
     */
    public SpecialTokens specialTokens() {
        return special;
    }

    /**
     * @return the run's seed
     */
    public long seed() {
        return seed;
    }
}
