package dev.amos.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import dev.amos.model.Amos;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.train.data.Masker;
import dev.amos.train.data.MaskingConfig;
import dev.amos.train.data.SpecialTokens;
import dev.amos.train.optim.AdamW;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The MLM loss at {@code [MASK]} is what it says, through the training step's own path ({@link
 * TrainingLoop#forwardBackward}, {@link StepStats}, the production {@link Masker}). On a synthetic
 * language whose words are drawn independently and uniformly (16 words: the context holds nothing,
 * so no network can go below the unigram loss ln 16 at a {@code [MASK]}), ELECTRA's masking keeps
 * 15% of the selected tokens, which the generator learns to copy: its loss over all selected
 * positions (the mixed loss) falls well below the unigram loss and its loss at kept positions falls
 * towards 0, while its loss at {@code [MASK]} stays at the unigram level. A loss at {@code [MASK]}
 * that counted the kept positions would fall with them. Under AMOS's masking every selected
 * position holds {@code [MASK]}, so the two losses are the same numbers.
 */
class MaskedPositionLossTest {

    private static final Path ROOT =
            Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();
    private static final int WORDS = 16;
    private static final int FIRST_WORD = 5;

    /** [PAD] 0, [CLS] 1, [SEP] 2, [MASK] 3, [UNK] 4, words from 5. */
    private static final SpecialTokens SPECIAL =
            new SpecialTokens(0, 4, 1, 2, 3, FIRST_WORD + WORDS, List.of(0, 1, 2, 3, 4));

    private static final int BATCH = 32;
    private static final int SEQ = 16;

    /** Per step: the deepest head's {mlm_loss, mlm_loss_at_mask, mlm_loss_kept}. */
    private static List<StepStats.Values> train(
            Objective objective, MaskingConfig masking, int steps) {
        ModelConfig config =
                ModelConfig.load("amos-tiny", ROOT.resolve("models"))
                        .with(
                                Map.of(
                                        "vocab_size",
                                        String.valueOf(SPECIAL.vocabSize()),
                                        "max_positions",
                                        String.valueOf(SEQ),
                                        "seq_len",
                                        String.valueOf(SEQ),
                                        "dropout",
                                        "0",
                                        "attention_dropout",
                                        "0"));
        TrainConfig tc =
                TrainConfig.builder()
                        .optSteps(steps)
                        .optBatchSize(BATCH)
                        .optSeqLen(SEQ)
                        .optLearningRate(2e-3f)
                        .optWarmupSteps(Math.min(10, steps))
                        .optSeed(3)
                        .build();
        Masker masker = new Masker(masking, SPECIAL, tc.seed());
        Engine.getInstance().setRandomSeed(3);
        Amos amos = new Amos(config, objective);
        List<StepStats.Values> log = new ArrayList<>();
        try (Model model = Model.newInstance("masked-loss", Device.cpu())) {
            model.setBlock(amos);
            try (AdamW adam = Pretrainer.newOptimizer(amos.getParameters(), tc, 0);
                    Trainer trainer =
                            model.newTrainer(
                                    new DefaultTrainingConfig(new PretrainLoss(tc.rtdWeight()))
                                            .optOptimizer(adam)
                                            .optDevices(new Device[] {Device.cpu()}))) {
                Pretrainer.initialize(trainer, tc);
                SplittableRandom words = new SplittableRandom(11);
                for (int step = 1; step <= steps; step++) {
                    try (NDManager m = trainer.getManager().newSubManager()) {
                        NDList data =
                                masker.mask(sentences(words), ones(), BATCH, SEQ, step).toNDList(m);
                        StepStats stats =
                                TrainingLoop.forwardBackward(
                                        trainer, data, tc, masker, amos.getParameters(), m, false);
                        adam.setStep(step);
                        trainer.step();
                        log.add(stats.read());
                    }
                }
            }
        }
        return log;
    }

    /** [CLS] 14 independent uniform words [SEP], BATCH times. */
    private static long[] sentences(SplittableRandom r) {
        long[] ids = new long[BATCH * SEQ];
        for (int b = 0; b < BATCH; b++) {
            for (int s = 0; s < SEQ; s++) {
                ids[b * SEQ + s] =
                        s == 0
                                ? SPECIAL.cls()
                                : s == SEQ - 1 ? SPECIAL.sep() : FIRST_WORD + r.nextInt(WORDS);
            }
        }
        return ids;
    }

    private static long[] ones() {
        long[] a = new long[BATCH * SEQ];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    private static double mean(
            List<StepStats.Values> log,
            int from,
            java.util.function.ToDoubleFunction<StepStats.Values> f) {
        return log.subList(from, log.size()).stream()
                .mapToDouble(f)
                .filter(Double::isFinite)
                .average()
                .orElseThrow();
    }

    @Test
    void underElectrasMaskingTheKeptLossFallsWhileTheLossAtMaskStaysAtTheUnigramLevel() {
        int steps = 300;
        List<StepStats.Values> log = train(Objective.ELECTRA, MaskingConfig.electra(), steps);
        double unigram = Math.log(WORDS);
        double all = mean(log, steps - 50, v -> v.mlmLoss()[0]);
        double atMask = mean(log, steps - 50, v -> v.mlmLossAtMask()[0]);
        double kept = mean(log, steps - 50, v -> v.mlmLossKept()[0]);
        System.out.printf(
                "uniform words under ELECTRA's masking, last 50 of %d steps: all selected %.3f, at [MASK] %.3f,"
                        + " kept %.3f; unigram %.3f%n",
                steps, all, atMask, kept, unigram);
        assertTrue(
                kept < 0.5 * unigram,
                "the generator copies the kept tokens: kept loss "
                        + kept
                        + " vs unigram "
                        + unigram);
        assertTrue(
                all < unigram - 0.2,
                "so the mixed loss goes below the unigram loss: " + all + " vs " + unigram);
        assertTrue(
                Math.abs(atMask - unigram) < 0.1,
                "but at [MASK] nothing can be learned: " + atMask + " vs " + unigram);
        for (StepStats.Values v : log) {
            assertNotNull(
                    v.mlmLossKept(), "ELECTRA's masking keeps tokens, so the kept loss is logged");
        }
    }

    @Test
    void underAmosMaskingTheLossAtMaskIsTheMlmLossAndNoKeptLossIsLogged() {
        for (StepStats.Values v : train(Objective.AMOS, MaskingConfig.amos(), 3)) {
            assertEquals(3, v.mlmLossAtMask().length);
            assertArrayEquals(
                    v.mlmLoss(),
                    v.mlmLossAtMask(),
                    "every selected position holds [MASK]: the same numbers");
            assertNull(v.mlmLossKept(), "nothing kept, nothing to log");
        }
    }
}
