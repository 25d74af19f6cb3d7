package dev.amos.train;

import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The measured learning budgets of the presets: the tokens after which an objective's MLM loss at
 * {@code [MASK]} positions first went 0.3 nats below the corpus's unigram loss (the loss of an MLM
 * that ignores its input), measured by {@code scripts/learning-budget.sh} on the shared Wikipedia
 * corpus and stated in {@code models/README.md}. Below that budget a run's encoder is likely to end
 * on the unigram plateau, and {@code amos train} says so in one line when it starts.
 */
final class LearningBudget {

    /**
     * One measurement.
     *
     * @param preset the preset's name
     * @param hiddenSize its width (a {@code --set} that changes it is another model)
     * @param numLayers its depth
     * @param objective the objective
     * @param tokens the tokens at which the loss at {@code [MASK]} went 0.3 nats below the unigram
     *     loss; when {@code reached} is false, the tokens the measuring run trained for without
     *     getting there
     * @param reached whether the measuring run got there
     * @param measuredWith the measuring run's steps, batch, sequence length and learning rate
     */
    record Budget(
            String preset,
            int hiddenSize,
            int numLayers,
            Objective.Kind objective,
            long tokens,
            boolean reached,
            String measuredWith) {}

    private static final String TINY_RUN =
            "800 steps x 128 x 64 at lr 1e-3, scripts/learning-budget.sh";

    /** The measurements (models/README.md, "Learning budgets", gives the commands). */
    static final List<Budget> MEASURED =
            List.of(
                    new Budget("amos-tiny", 64, 2, Objective.Kind.AMOS, 6_553_600, false, TINY_RUN),
                    new Budget(
                            "amos-tiny", 64, 2, Objective.Kind.ELECTRA, 6_553_600, false, TINY_RUN),
                    new Budget(
                            "amos-tiny",
                            64,
                            2,
                            Objective.Kind.MLM,
                            14_336_000,
                            true,
                            "step 1750 of 3000 x 128 x 64 at lr 1e-3, scripts/learning-budget.sh"),
                    new Budget(
                            "amos-mini",
                            256,
                            6,
                            Objective.Kind.MLM,
                            11_468_800,
                            false,
                            "700 steps x 128 x 128 at lr 1e-3, scripts/learning-budget.sh"),
                    new Budget(
                            "amos-mini",
                            256,
                            6,
                            Objective.Kind.ELECTRA,
                            11_468_800,
                            false,
                            "700 steps x 64 x 2 x 128 at lr 1e-3, scripts/learning-budget.sh"),
                    new Budget(
                            "amos-mini",
                            256,
                            6,
                            Objective.Kind.AMOS,
                            11_468_800,
                            false,
                            "700 steps x 64 x 2 x 128 at lr 1e-3, scripts/learning-budget.sh"));

    private LearningBudget() {}

    /**
     * The line {@code amos train} prints at the start of a new run that plans fewer tokens than its
     * preset and objective were measured to need, if any.
     *
     * @param model the run's model config
     * @param objective the run's objective
     * @param training the run's training settings
     * @return the line, or empty when the run plans enough tokens or no budget was measured for it
     */
    static Optional<String> warning(ModelConfig model, Objective objective, TrainConfig training) {
        long planned = training.tokensPerStep() * training.steps();
        for (Budget b : MEASURED) {
            if (b.preset().equals(model.name())
                    && b.hiddenSize() == model.hiddenSize()
                    && b.numLayers() == model.numLayers()
                    && b.objective() == objective.kind()
                    && planned < b.tokens()) {
                return Optional.of(
                        String.format(
                                Locale.ROOT,
                                "amos: note: this run plans %s tokens (%d steps x %d x %d x %d);"
                                        + " %s's %s objective %s 0.3 nats below the unigram loss at [MASK] %s %s tokens (%s, models/README.md):"
                                        + " a shorter run is likely to end on the plateau",
                                millions(planned),
                                training.steps(),
                                training.batchSize(),
                                training.accumulate(),
                                training.seqLen(),
                                b.preset(),
                                objective.kind().name().toLowerCase(Locale.ROOT),
                                b.reached() ? "went" : "did not go",
                                b.reached() ? "only after" : "within",
                                millions(b.tokens()),
                                b.measuredWith()));
            }
        }
        return Optional.empty();
    }

    private static String millions(long tokens) {
        return tokens < 1_000_000
                ? String.format(Locale.ROOT, "%,d", tokens)
                : String.format(Locale.ROOT, "%.2f M", tokens / 1e6);
    }
}
