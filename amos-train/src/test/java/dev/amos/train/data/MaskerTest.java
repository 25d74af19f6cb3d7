package dev.amos.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Dynamic masking: counts, exclusions, replacement proportions, determinism in (seed, step). */
class MaskerTest {

    private static final SpecialTokens SPECIAL =
            new SpecialTokens(0, 100, 101, 102, 103, 30522, List.of(0, 100, 101, 102, 103));
    private static final int BATCH = 32;
    private static final int LENGTH = 128;

    /** A batch shaped like packed examples: [CLS] A [SEP] (B [SEP]) [PAD]..., lengths vary. */
    private static long[][] batch(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] ids = new long[BATCH * LENGTH];
        long[] mask = new long[BATCH * LENGTH];
        for (int b = 0; b < BATCH; b++) {
            int real = 4 + random.nextInt(LENGTH - 3);
            int sep = 1 + random.nextInt(real - 2);
            for (int s = 0; s < real; s++) {
                long id =
                        s == 0
                                ? SPECIAL.cls()
                                : (s == sep || s == real - 1)
                                        ? SPECIAL.sep()
                                        : 1000 + random.nextInt(29000);
                ids[b * LENGTH + s] = id;
                mask[b * LENGTH + s] = 1;
            }
        }
        return new long[][] {ids, mask};
    }

    private record Masked(long[] input, long[] mask, long[] original, long[] positions) {}

    private static Masked run(Masker masker, NDManager manager, long[][] batch, long step) {
        Shape shape = new Shape(BATCH, LENGTH);
        try (NDManager sub = manager.newSubManager()) {
            long[] ids = batch[0].clone();
            NDList out = masker.mask(ids, batch[1], BATCH, LENGTH, step).toNDList(sub);
            assertArrayEquals(batch[0], ids, "the host ids are not modified");
            assertEquals(4, out.size());
            for (int i = 0; i < 3; i++) {
                assertEquals(shape, out.get(i).getShape());
            }
            for (NDArray array : out) {
                assertEquals(DataType.INT64, array.getDataType());
                assertSame(sub, array.getManager(), "outputs live in the given manager");
            }
            assertEquals(1, out.get(3).getShape().dimension());
            return new Masked(
                    out.get(0).toLongArray(),
                    out.get(1).toLongArray(),
                    out.get(2).toLongArray(),
                    out.get(3).toLongArray());
        }
    }

    private static boolean isExcluded(long id) {
        return id == SPECIAL.cls()
                || id == SPECIAL.sep()
                || id == SPECIAL.pad()
                || id == SPECIAL.mask();
    }

    @Test
    void selectsRoundedFifteenPercentOfRealTokensNeverSpecialOrPadding() {
        Masker masker = new Masker(MaskingConfig.amos(), SPECIAL, 42);
        long selectedTotal = 0;
        long realTotal = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int step = 0; step < 20; step++) {
                long[][] batch = batch(step);
                Masked out = run(masker, manager, batch, step);
                assertArrayEquals(batch[0], out.original());
                assertArrayEquals(batch[1], out.mask());
                int[] perSequence = new int[BATCH];
                long previous = -1;
                for (long position : out.positions()) {
                    assertTrue(position > previous, "ascending, no duplicates");
                    previous = position;
                    assertFalse(
                            isExcluded(batch[0][(int) position]), "never [CLS]/[SEP]/[PAD]/[MASK]");
                    assertEquals(1, batch[1][(int) position], "never padding");
                    assertEquals(
                            SPECIAL.mask(),
                            out.input()[(int) position],
                            "AMOS: every selected token is [MASK]");
                    perSequence[(int) (position / LENGTH)]++;
                }
                boolean[] selected = new boolean[BATCH * LENGTH];
                for (long position : out.positions()) {
                    selected[(int) position] = true;
                }
                for (int p = 0; p < selected.length; p++) {
                    if (!selected[p]) {
                        assertEquals(batch[0][p], out.input()[p], "unselected positions unchanged");
                    }
                }
                for (int b = 0; b < BATCH; b++) {
                    int real = 0;
                    for (int s = 0; s < LENGTH; s++) {
                        long id = batch[0][b * LENGTH + s];
                        real += batch[1][b * LENGTH + s] == 1 && !isExcluded(id) ? 1 : 0;
                    }
                    assertEquals(
                            Math.max(1, Math.round(0.15 * real)), perSequence[b], "sequence " + b);
                    selectedTotal += perSequence[b];
                    realTotal += real;
                }
            }
        }
        double rate = (double) selectedTotal / realTotal;
        assertEquals(0.15, rate, 0.005, "selection rate");
    }

    @Test
    void mlmReplacesEightyTenTenAndElectraEightyFiveFifteen() {
        double[] mlm = proportions(MaskingConfig.mlm());
        assertEquals(0.80, mlm[0], 0.01);
        assertEquals(0.10, mlm[1], 0.01);
        assertEquals(0.10, mlm[2], 0.01);
        double[] electra = proportions(MaskingConfig.electra());
        assertEquals(0.85, electra[0], 0.01);
        assertEquals(0.00, electra[1], 0.0);
        assertEquals(0.15, electra[2], 0.01);
    }

    /** Shares of selected tokens that became [MASK], a random token, or stayed. */
    private static double[] proportions(MaskingConfig config) {
        Masker masker = new Masker(config, SPECIAL, 7);
        long[] counts = new long[3];
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int step = 0; step < 80; step++) {
                Masked out = run(masker, manager, batch(1000 + step), step);
                for (long position : out.positions()) {
                    long now = out.input()[(int) position];
                    long was = out.original()[(int) position];
                    if (now == SPECIAL.mask()) {
                        counts[0]++;
                    } else if (now != was) {
                        assertFalse(
                                SPECIAL.isSpecial(now), "random replacements are never special");
                        assertTrue(now >= 0 && now < SPECIAL.vocabSize());
                        counts[1]++;
                    } else {
                        counts[2]++;
                    }
                }
            }
        }
        long total = Arrays.stream(counts).sum();
        assertTrue(total > 20_000, "large sample: " + total);
        return new double[] {
            (double) counts[0] / total, (double) counts[1] / total, (double) counts[2] / total
        };
    }

    @Test
    void randomnessIsAPureFunctionOfSeedAndStep() {
        long[][] batch = batch(5);
        try (NDManager manager = NDManager.newBaseManager()) {
            Masked first = run(new Masker(MaskingConfig.mlm(), SPECIAL, 1), manager, batch, 10);
            Masked again = run(new Masker(MaskingConfig.mlm(), SPECIAL, 1), manager, batch, 10);
            Masked nextStep = run(new Masker(MaskingConfig.mlm(), SPECIAL, 1), manager, batch, 11);
            Masked otherSeed = run(new Masker(MaskingConfig.mlm(), SPECIAL, 2), manager, batch, 10);
            assertArrayEquals(first.positions(), again.positions());
            assertArrayEquals(first.input(), again.input());
            assertFalse(
                    Arrays.equals(first.positions(), nextStep.positions()),
                    "another step, other masks");
            assertFalse(
                    Arrays.equals(first.positions(), otherSeed.positions()),
                    "another seed, other masks");
        }
    }

    @Test
    void sequenceWithoutRealTokensGetsNoMask() {
        try (NDManager manager = NDManager.newBaseManager()) {
            long[] ids = {101, 102, 0, 0, 101, 7000, 102, 0};
            long[] mask = {1, 1, 0, 0, 1, 1, 1, 0};
            NDList out =
                    new Masker(MaskingConfig.amos(), SPECIAL, 3)
                            .mask(ids, mask, 2, 4, 0)
                            .toNDList(manager);
            assertArrayEquals(
                    new long[] {5},
                    out.get(3).toLongArray(),
                    "one real token: selected (at least 1)");
            assertArrayEquals(
                    new long[] {101, 102, 0, 0, 101, 103, 102, 0}, out.get(0).toLongArray());
        }
    }
}
