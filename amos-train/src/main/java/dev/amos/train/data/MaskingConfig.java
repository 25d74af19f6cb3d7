package dev.amos.train.data;

import dev.amos.model.BadInputException;
import java.util.Locale;

/**
 * How {@link Masker} corrupts a batch: the share of real tokens selected, and what a selected token
 * becomes ({@code [MASK]} with {@code maskProbability}, a random non-special token with {@code
 * randomProbability}, itself otherwise).
 *
 * <ul>
 *   <li>{@link #amos()}: 15%, all {@code [MASK]} (AMOS / COCO-LM, Meng et al. 2022,
 *       arXiv:2204.03243).
 *   <li>{@link #electra()}: 15%, 85% {@code [MASK]} / 15% kept (ELECTRA, Clark et al. 2020,
 *       arXiv:2003.10555).
 *   <li>{@link #mlm()}: 15%, 80% {@code [MASK]} / 10% random / 10% kept (BERT, Devlin et al. 2019,
 *       arXiv:1810.04805).
 * </ul>
 *
 * @param selectProbability share of real tokens selected per sequence, in (0, 1]
 * @param maskProbability probability that a selected token becomes {@code [MASK]}
 * @param randomProbability probability that a selected token becomes a random non-special token
 */
public record MaskingConfig(
        double selectProbability, double maskProbability, double randomProbability) {

    /** Validates the probabilities. */
    public MaskingConfig {
        if (!(selectProbability > 0 && selectProbability <= 1)) {
            throw new BadInputException(
                    "masking: select probability "
                            + selectProbability
                            + " (expected a value in (0, 1])");
        }
        if (!(maskProbability >= 0
                && randomProbability >= 0
                && maskProbability + randomProbability <= 1 + 1e-9)) {
            throw new BadInputException(
                    String.format(
                            Locale.ROOT,
                            "masking: mask %s + random %s (expected non-negative probabilities summing to at most 1)",
                            maskProbability,
                            randomProbability));
        }
    }

    /**
     * @return 15% selected, all replaced by {@code [MASK]} (AMOS)
     */
    public static MaskingConfig amos() {
        return new MaskingConfig(0.15, 1.0, 0.0);
    }

    /**
     * @return 15% selected, 85% {@code [MASK]}, 15% kept (ELECTRA)
     */
    public static MaskingConfig electra() {
        return new MaskingConfig(0.15, 0.85, 0.0);
    }

    /**
     * @return 15% selected, 80% {@code [MASK]}, 10% random, 10% kept (BERT MLM)
     */
    public static MaskingConfig mlm() {
        return new MaskingConfig(0.15, 0.8, 0.1);
    }

    /**
     * The default masking of a pretraining objective.
     *
     * @param objective {@code amos}, {@code electra} or {@code mlm}
     * @return its masking
     */
    public static MaskingConfig forObjective(String objective) {
        return switch (objective.toLowerCase(Locale.ROOT)) {
            case "amos" -> amos();
            case "electra" -> electra();
            case "mlm" -> mlm();
            default ->
                    throw new BadInputException(
                            "unknown objective \""
                                    + objective
                                    + "\" (expected one of: amos, electra, mlm)");
        };
    }

    /**
     * Whether some selected tokens keep their own id or get a random one instead of {@code [MASK]}
     * (ELECTRA's and BERT's masking, not AMOS's): then the MLM loss over all selected positions
     * mixes positions to predict from context with positions whose input a network can copy.
     *
     * @return true when {@code maskProbability < 1}
     */
    public boolean keepsOrRandomizes() {
        return maskProbability < 1;
    }

    /**
     * @return the probability that a selected token is left unchanged
     */
    public double keepProbability() {
        return Math.max(0, 1 - maskProbability - randomProbability);
    }
}
