package dev.amos.model;

import java.util.Locale;

/**
 * The pretraining objective: AMOS (with one of the paper's ablations), the ELECTRA baseline, or
 * BERT-style MLM. Parsed from the CLI's {@code --objective} and {@code --ablation}.
 *
 * @param kind amos, electra or mlm
 * @param ablation the AMOS ablation ({@link Ablation#NONE} for the full method and the baselines)
 * @param singleLayer the generator layer of {@link Ablation#SINGLE_LAYER}, else 0
 */
public record Objective(Kind kind, Ablation ablation, int singleLayer) {

    /** Which networks are trained. */
    public enum Kind {
        /** Multi-layer MLM generator, adversarial mixture, RTD discriminator. */
        AMOS,
        /** A narrower generator of the same depth, stop-gradient sampling, RTD discriminator. */
        ELECTRA,
        /** MLM on the discriminator-sized encoder, no generator. */
        MLM
    }

    /** The AMOS ablations of the paper's table (section 5.3). */
    public enum Ablation {
        NONE,
        /** Mixture weights fixed at 1/K; no adversarial gradient. */
        UNIFORM,
        /** One MLM layer drawn uniformly per masked token. */
        RANDOM_LAYER,
        /** Shallowest MLM layer, then the next, ... in equal parts of training. */
        LAYER_SWITCH,
        /** No gradient stop between the generator blocks. */
        FULL_GRADIENT,
        /** One generator of depth K with its head at layer K. */
        SINGLE_LAYER;

        String cliName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public static final Objective AMOS = new Objective(Kind.AMOS, Ablation.NONE, 0);
    public static final Objective ELECTRA = new Objective(Kind.ELECTRA, Ablation.NONE, 0);
    public static final Objective MLM = new Objective(Kind.MLM, Ablation.NONE, 0);

    /** Parses {@code --objective} and {@code --ablation} (null or empty for none). */
    public static Objective parse(String objective, String ablation) {
        Kind kind;
        try {
            kind = Kind.valueOf(objective.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(
                    "--objective: unknown objective \""
                            + objective
                            + "\" (expected amos, electra or mlm)");
        }
        if (ablation == null || ablation.isBlank() || ablation.equals("none")) {
            return new Objective(kind, Ablation.NONE, 0);
        }
        if (kind != Kind.AMOS) {
            throw new BadInputException(
                    "--ablation " + ablation + " applies to --objective amos only");
        }
        String a = ablation.trim().toLowerCase(Locale.ROOT);
        int k = 0;
        if (a.startsWith("single-layer")) {
            String[] parts = a.split("=", 2);
            try {
                k = parts.length == 2 ? Integer.parseInt(parts[1]) : -1;
            } catch (NumberFormatException e) {
                k = -1;
            }
            if (k < 1) {
                throw new BadInputException(
                        "--ablation: expected single-layer=K with K a generator layer >= 1, got \""
                                + ablation
                                + "\"");
            }
            return new Objective(kind, Ablation.SINGLE_LAYER, k);
        }
        for (Ablation x : Ablation.values()) {
            if (x != Ablation.NONE && x != Ablation.SINGLE_LAYER && x.cliName().equals(a)) {
                return new Objective(kind, x, 0);
            }
        }
        throw new BadInputException(
                "--ablation: unknown ablation \""
                        + ablation
                        + "\" (expected uniform, random-layer, layer-switch, full-gradient or single-layer=K)");
    }

    /** True when the discriminator's loss reaches the mixture through the gradient reversal. */
    public boolean adversarial() {
        return kind == Kind.AMOS
                && (ablation == Ablation.NONE || ablation == Ablation.FULL_GRADIENT);
    }

    /** The 1-based generator layers read by the MLM head under this objective. */
    public int[] mlmLayers(ModelConfig c) {
        return switch (kind) {
            case AMOS ->
                    ablation == Ablation.SINGLE_LAYER ? new int[] {singleLayer} : c.mlmLayers();
            case ELECTRA -> new int[] {c.numLayers()};
            case MLM -> new int[] {c.numLayers()};
        };
    }

    /** The CLI spelling, e.g. {@code amos/single-layer=8}. */
    public String label() {
        String k = kind.name().toLowerCase(Locale.ROOT);
        return switch (ablation) {
            case NONE -> k;
            case SINGLE_LAYER -> k + "/single-layer=" + singleLayer;
            default -> k + "/" + ablation.cliName();
        };
    }

    /** The ablation as given on the CLI (empty for none). */
    public String ablationName() {
        return switch (ablation) {
            case NONE -> "";
            case SINGLE_LAYER -> "single-layer=" + singleLayer;
            default -> ablation.cliName();
        };
    }
}
