package dev.amos.model;

/**
 * One numeric setting of a config, declared once with all that the code around it needs: its key
 * (in config files and messages), the CLI option that sets it, its type, default, range and {@code
 * --help} text. The enums of the config tables implement it ({@code TrainKey}, {@code
 * FinetuneKey}); the configs check ranges with {@link #check}, the CLI generates its options from
 * it, so a setting is added in one place.
 */
public interface Setting {

    /**
     * What a table entry declares, held by the entry (an enum constant) and read through the
     * accessors below.
     *
     * @param key its name in config files and messages, e.g. {@code batch_size}
     * @param option the CLI option that sets it, e.g. {@code --batch-size}; null when it has none
     * @param type {@code Integer.class}, {@code Long.class}, {@code Float.class} or {@code
     *     Double.class}
     * @param defaultValue the default; null when it is derived from other settings (then the
     *     description says how)
     * @param range the allowed values, checked by {@link #check}
     * @param description what the setting is, in the words of {@code --help}: {@code {range}}
     *     stands for the range in words; a "(default: ...)" in it replaces the one {@link #help()}
     *     adds
     */
    record Declaration(
            String key,
            String option,
            Class<? extends Number> type,
            Number defaultValue,
            ValueRange range,
            String description) {}

    /** The entry's declaration. */
    Declaration declaration();

    /** Its name in config files and messages, e.g. {@code batch_size}. */
    default String key() {
        return declaration().key();
    }

    /** The CLI option that sets it, e.g. {@code --batch-size}; null when it has none. */
    default String option() {
        return declaration().option();
    }

    /** {@code Integer.class}, {@code Long.class}, {@code Float.class} or {@code Double.class}. */
    default Class<? extends Number> type() {
        return declaration().type();
    }

    /** The default; null when it is derived from other settings. */
    default Number defaultValue() {
        return declaration().defaultValue();
    }

    /** The allowed values, checked by {@link #check}. */
    default ValueRange range() {
        return declaration().range();
    }

    /** What the setting is, in the words of {@code --help} (see {@link Declaration}). */
    default String description() {
        return declaration().description();
    }

    /** The option if there is one, else the key: the setting's name in messages. */
    default String label() {
        return option() != null ? option() : key();
    }

    /** Whether the setting is an integer. */
    default boolean integral() {
        return type() == Integer.class || type() == Long.class;
    }

    /**
     * {@code value} as {@link #type()}: an {@code Integer} for an integer setting, and so on.
     *
     * @throws NumberFormatException when {@code value} is not a number (a lazily parsed JSON value)
     */
    default Number coerce(Number value) {
        Class<? extends Number> t = type();
        if (t == Integer.class) {
            return value.intValue();
        } else if (t == Long.class) {
            return value.longValue();
        } else if (t == Float.class) {
            return value.floatValue();
        }
        return value.doubleValue();
    }

    /**
     * Checks {@code value} against {@link #range()}.
     *
     * @throws BadInputException naming {@link #label()}, the allowed values and {@code value}
     */
    default void check(Number value) {
        range().check(label(), value, integral());
    }

    /**
     * The {@code --help} text: the description with its range in words and its default, e.g. {@code
     * Optimizer steps, >= 1 (default: 300).}
     */
    default String help() {
        String text = description().replace("{range}", range().describe(integral()));
        if (!text.contains("(default:")) {
            text += " (default: " + defaultValue() + ")";
        }
        return text + ".";
    }
}
