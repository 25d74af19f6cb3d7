package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Do the networks learn at all? On a toy language with a learnable rule ({@link SyntheticLanguage}:
 * 16 words, each followed by a fixed successor 90% of the time; sequences of 16) a plain MLM of the
 * AMOS generator's shape leaves the unigram plateau within 400 steps. The AMOS generator trained by
 * its MLM losses alone must do the same in the same steps (a generator that cannot learn stays at
 * ln 16 = 2.77), and the full objective must train the discriminator below the trivial RTD loss
 * while its generator still learns. All runs are seeded; the thresholds leave margin for other
 * CPUs' rounding.
 */
class GeneratorLearningTest {

    private static final int STEPS = 400;
    private static final int SEQ = 16;
    private static final SyntheticLanguage LANGUAGE = new SyntheticLanguage(16, 0.1, 5);

    private static List<double[]> train(
            Map<String, String> shape, Objective objective, float rtdWeight) {
        try (NDManager m = NDManager.newBaseManager()) {
            Amos amos = new Amos(LANGUAGE.config(SEQ, shape), objective);
            return LANGUAGE.train(amos, m, STEPS, 32, SEQ, 1e-3f, rtdWeight, 3);
        }
    }

    private static List<double[]> report(String name, List<double[]> log) {
        StringBuilder sb =
                new StringBuilder("synthetic language, " + name + ", MLM loss per 50 steps:");
        for (int i = 0; i + 50 <= STEPS; i += 50) {
            sb.append(String.format(" %.3f", SyntheticLanguage.mean(log, 0, i, i + 50)));
        }
        if (name.contains("rtd weight 50")) {
            sb.append(
                    String.format(
                            "; RTD last 50 %.3f (trivial %.3f)",
                            lastWindow(log, 1), lastWindow(log, 2)));
        }
        System.out.println(sb);
        return log;
    }

    private static double lastWindow(List<double[]> log, int column) {
        return SyntheticLanguage.mean(log, column, STEPS - 50, STEPS);
    }

    @Test
    void amosGeneratorWithoutRtdLearnsTheRuleAsAPlainMlmOfItsShapeDoes() {
        double unigram = LANGUAGE.unigramLoss();
        // the generator is 3 x 64 with heads at layers 1, 2, 3; the plain MLM is the same 3 x 64
        // encoder
        double mlm =
                lastWindow(
                        report("mlm 3 x 64", train(Map.of("num_layers", "3"), Objective.MLM, 0f)),
                        0);
        double amos =
                lastWindow(
                        report("amos generator, rtd weight 0", train(Map.of(), Objective.AMOS, 0f)),
                        0);
        assertTrue(
                mlm < 0.5 * unigram,
                "plain MLM should leave the plateau: " + mlm + " vs unigram " + unigram);
        assertTrue(
                amos < 0.5 * unigram,
                "AMOS generator (rtd weight 0) should leave the plateau: "
                        + amos
                        + " vs "
                        + unigram);
        assertTrue(
                amos < mlm + 0.35,
                "AMOS generator " + amos + " should be close to the plain MLM " + mlm);
    }

    @Test
    void fullObjectiveTrainsTheDiscriminatorBelowTheTrivialRtdLossAndItsGeneratorStillLearns() {
        List<double[]> log = report("amos, rtd weight 50", train(Map.of(), Objective.AMOS, 50f));
        double generator = lastWindow(log, 0);
        double rtd = lastWindow(log, 1);
        double trivial = lastWindow(log, 2);
        assertTrue(
                generator < 0.75 * LANGUAGE.unigramLoss(),
                "generator should learn under the adversarial loss too: "
                        + generator
                        + " vs unigram "
                        + LANGUAGE.unigramLoss());
        assertTrue(
                rtd < trivial - 0.005,
                "discriminator " + rtd + " should beat the trivial RTD loss " + trivial);
    }
}
