package dev.amos.model;

import java.math.BigDecimal;

/**
 * The allowed values of a number: a lower and an upper bound, each closed or open, either one
 * absent (infinite). NaN and infinities are never allowed. {@link #describe} says it in the words
 * of the CLI's {@code --help} and of its errors: {@code >= 1}, {@code > 0}, {@code in [0, 1]},
 * {@code in (0, 1)}.
 *
 * @param min the smallest allowed value, or the open lower bound when {@code minOpen}
 * @param max the largest allowed value, or the open upper bound when {@code maxOpen}
 * @param minOpen whether {@code min} itself is refused
 * @param maxOpen whether {@code max} itself is refused
 */
public record ValueRange(double min, double max, boolean minOpen, boolean maxOpen) {

    /** Every finite number. */
    public static final ValueRange ANY =
            new ValueRange(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, false, false);

    /** {@code >= min}. */
    public static ValueRange atLeast(double min) {
        return new ValueRange(min, Double.POSITIVE_INFINITY, false, false);
    }

    /** {@code > min}. */
    public static ValueRange above(double min) {
        return new ValueRange(min, Double.POSITIVE_INFINITY, true, false);
    }

    /** {@code in [min, max]}. */
    public static ValueRange closed(double min, double max) {
        return new ValueRange(min, max, false, false);
    }

    /** {@code in (min, max)}. */
    public static ValueRange open(double min, double max) {
        return new ValueRange(min, max, true, true);
    }

    /** {@code in [min, max)}. */
    public static ValueRange closedOpen(double min, double max) {
        return new ValueRange(min, max, false, true);
    }

    /** Whether {@code value} is finite and within the bounds. */
    public boolean contains(double value) {
        return Double.isFinite(value)
                && (minOpen ? value > min : value >= min)
                && (maxOpen ? value < max : value <= max);
    }

    /**
     * Throws when {@code value} is outside: {@code name: expected an integer >= 1, got 0}.
     *
     * @param name what the value is, as the user gave it (an option, or a file and key)
     * @param value the value
     * @param integral whether the value is an integer (for the wording and the bounds' format)
     * @throws BadInputException when {@code value} is outside this range, NaN or infinite
     */
    public void check(String name, Number value, boolean integral) {
        if (!contains(value.doubleValue())) {
            throw new BadInputException(
                    name
                            + ": expected "
                            + (integral ? "an integer " : "a number ")
                            + describe(integral)
                            + ", got "
                            + value);
        }
    }

    /**
     * The allowed values in words: {@code >= 1}, {@code > 0}, {@code in [0, 1]}, {@code in (0, 1)},
     * {@code (any)}.
     */
    public String describe(boolean integral) {
        boolean lower = min != Double.NEGATIVE_INFINITY;
        boolean upper = max != Double.POSITIVE_INFINITY;
        if (lower && upper) {
            return "in "
                    + (minOpen ? "(" : "[")
                    + number(min, integral)
                    + ", "
                    + number(max, integral)
                    + (maxOpen ? ")" : "]");
        }
        if (lower) {
            return (minOpen ? "> " : ">= ") + number(min, integral);
        }
        if (upper) {
            return (maxOpen ? "< " : "<= ") + number(max, integral);
        }
        return "(any)";
    }

    private static String number(double x, boolean integral) {
        return integral
                ? Long.toString((long) x)
                : new BigDecimal(Double.toString(x)).stripTrailingZeros().toPlainString();
    }
}
