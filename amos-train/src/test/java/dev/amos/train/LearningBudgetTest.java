package dev.amos.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * amos train's one-line note when a run plans fewer tokens than its preset was measured to need.
 */
class LearningBudgetTest {

    private static final Path ROOT =
            Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();

    private static ModelConfig tiny() {
        return ModelConfig.load("amos-tiny", ROOT.resolve("models"));
    }

    /**
     * A run of {@code tokens} tokens at amos-tiny's batch shape of the measurement (x 128 x 64).
     */
    private static TrainConfig planning(long tokens) {
        return TrainConfig.builder()
                .optSteps(Math.toIntExact(tokens / (128 * 64)))
                .optBatchSize(128)
                .optSeqLen(64)
                .build();
    }

    @Test
    void theDefaultTrainRunIsToldItEndsOnThePlateau() {
        // amos train with no options: amos-tiny, AMOS, 300 steps x 32 x the preset's 64 tokens
        TrainConfig defaults = TrainConfig.builder().optSeqLen(tiny().seqLen()).build();
        Optional<String> note = LearningBudget.warning(tiny(), Objective.AMOS, defaults);
        assertTrue(note.isPresent(), "the default run plans 0.6 M tokens");
        assertTrue(
                note.get().contains("amos-tiny")
                        && note.get().contains("models/README.md")
                        && note.get().contains("plans 614,400 tokens (300 steps x 32 x 1 x 64)"),
                note.get());
    }

    @Test
    void everyMeasuredBudgetWarnsBelowItAndNotAtIt() {
        assertFalse(LearningBudget.MEASURED.isEmpty());
        for (LearningBudget.Budget b : LearningBudget.MEASURED) {
            ModelConfig model = ModelConfig.load(b.preset(), ROOT.resolve("models"));
            Objective objective =
                    switch (b.objective()) {
                        case AMOS -> Objective.AMOS;
                        case ELECTRA -> Objective.ELECTRA;
                        case MLM -> Objective.MLM;
                    };
            long perStep = 128L * 64;
            long below = (b.tokens() / perStep - 1) * perStep;
            long atOrAbove = (b.tokens() + perStep - 1) / perStep * perStep;
            assertTrue(
                    LearningBudget.warning(model, objective, planning(below)).isPresent(),
                    b.toString());
            assertFalse(
                    LearningBudget.warning(model, objective, planning(atOrAbove)).isPresent(),
                    b.toString());
            ModelConfig wider = model.with(Map.of("hidden_size", "128", "ffn_size", "512"));
            assertFalse(
                    LearningBudget.warning(wider, objective, planning(below)).isPresent(),
                    "another width is another model, whatever its name: " + b);
        }
    }

    @Test
    void theReadmeStatesEveryMeasuredBudget() throws Exception {
        String readme = Files.readString(ROOT.resolve("models/README.md"));
        for (LearningBudget.Budget b : LearningBudget.MEASURED) {
            String tokens = String.format(Locale.ROOT, "%.2f M", b.tokens() / 1e6);
            assertTrue(
                    readme.contains(tokens),
                    "models/README.md states "
                            + b.preset()
                            + " "
                            + b.objective()
                            + " at "
                            + tokens);
        }
    }
}
