package dev.amos.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LinearWarmupDecayTest {

    private static final float TOLERANCE = 1e-7f;

    @Test
    void warmsUpLinearlyThenDecaysLinearlyToZero() {
        LinearWarmupDecay schedule = LinearWarmupDecay.toZero(0.8f, 4, 12);
        assertEquals(0f, schedule.getNewValue(0), TOLERANCE);
        assertEquals(0.2f, schedule.getNewValue(1), TOLERANCE);
        assertEquals(0.6f, schedule.getNewValue(3), TOLERANCE);
        assertEquals(0.8f, schedule.getNewValue(4), TOLERANCE);
        assertEquals(0.7f, schedule.getNewValue(5), TOLERANCE);
        assertEquals(0.4f, schedule.getNewValue(8), TOLERANCE);
        assertEquals(0.1f, schedule.getNewValue(11), TOLERANCE);
        assertEquals(0f, schedule.getNewValue(12), TOLERANCE);
        assertEquals(0f, schedule.getNewValue(50), TOLERANCE);
    }

    @Test
    void decaysToTheFloorAndStaysThere() {
        LinearWarmupDecay schedule = new LinearWarmupDecay(0.8f, 4, 12, 0.1f);
        assertEquals(0.4f, schedule.getNewValue(2), TOLERANCE);
        assertEquals(0.8f, schedule.getNewValue(4), TOLERANCE);
        assertEquals(0.45f, schedule.getNewValue(8), TOLERANCE);
        assertEquals(0.1f, schedule.getNewValue(12), TOLERANCE);
        assertEquals(0.1f, schedule.getNewValue(13), TOLERANCE);
    }

    @Test
    void withoutWarmupStartsAtThePeak() {
        LinearWarmupDecay schedule = LinearWarmupDecay.toZero(1f, 0, 10);
        assertEquals(1f, schedule.getNewValue(0), TOLERANCE);
        assertEquals(0.9f, schedule.getNewValue(1), TOLERANCE);
    }

    @Test
    void warmupFractionIsRoundedDownToWholeSteps() {
        assertEquals(62, LinearWarmupDecay.withWarmupFraction(1f, 0.0625, 999, 0f).warmupSteps());
        assertEquals(100, LinearWarmupDecay.withWarmupFraction(1f, 0.1, 1000, 0f).warmupSteps());
        LinearWarmupDecay schedule = LinearWarmupDecay.withWarmupFraction(2f, 0.1, 1000, 0f);
        assertEquals(1f, schedule.getNewValue(50), TOLERANCE);
        assertEquals(1f, schedule.getNewValue("any-parameter", 550), TOLERANCE);
    }

    @Test
    void rejectsInconsistentSchedules() {
        assertThrows(IllegalArgumentException.class, () -> new LinearWarmupDecay(0f, 1, 10, 0f));
        assertThrows(IllegalArgumentException.class, () -> new LinearWarmupDecay(1f, 11, 10, 0f));
        assertThrows(IllegalArgumentException.class, () -> new LinearWarmupDecay(1f, 1, 0, 0f));
        assertThrows(IllegalArgumentException.class, () -> new LinearWarmupDecay(1f, 1, 10, 2f));
        assertThrows(
                IllegalArgumentException.class,
                () -> LinearWarmupDecay.withWarmupFraction(1f, 1.5, 10, 0f));
    }
}
