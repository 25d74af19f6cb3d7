package dev.amos.cli;

import dev.amos.model.Setting;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The options of a command generated from a table of {@link Setting}s ({@code TrainKey}, {@code
 * FinetuneKey}): one option per setting that has one, typed as the setting, its {@code --help} text
 * {@link Setting#help()} (the range in words and the default). A generated option has no picocli
 * default: not given, its value is null and the config's builder keeps its default. Its range is
 * the setting's, checked by {@link #checkRanges} (or by the config's build) before any work; the
 * option's {@link OptionSpec#userObject()} is the setting.
 */
final class SettingOptions {

    private SettingOptions() {}

    /**
     * Adds an option for every setting of {@code settings} that has one, after the option {@code
     * after} (the options that followed it move behind the new ones, in their order).
     */
    static void add(CommandSpec spec, String after, Setting... settings) {
        List<OptionSpec> moved = new ArrayList<>();
        boolean seen = false;
        for (OptionSpec o : List.copyOf(spec.options())) {
            if (seen) {
                moved.add(o);
                spec.remove(o);
            }
            seen |= o.longestName().equals(after);
        }
        if (!seen) {
            throw new IllegalStateException(spec.qualifiedName() + " has no option " + after);
        }
        for (Setting s : settings) {
            if (s.option() != null) {
                spec.addOption(
                        OptionSpec.builder(s.option())
                                .type(s.type())
                                .paramLabel(paramLabel(s.option()))
                                .description(s.help().replace("%", "%%"))
                                .userObject(s)
                                .build());
            }
        }
        moved.forEach(spec::addOption);
    }

    /**
     * {@code <batchSize>} for {@code --batch-size}: the label picocli gives an annotated field of
     * that name.
     */
    private static String paramLabel(String option) {
        StringBuilder label = new StringBuilder("<");
        boolean upper = false;
        for (char c : option.replaceFirst("^-+", "").toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                label.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return label.append('>').toString();
    }

    /** The value of {@code setting}'s option on the command line, or null when it was not given. */
    static Number value(CommandSpec spec, Setting setting) {
        return spec.findOption(setting.option()).getValue();
    }

    /**
     * Checks the value of every generated option of {@code spec} that was given against its
     * setting's range.
     */
    static void checkRanges(CommandSpec spec) {
        for (OptionSpec o : spec.options()) {
            if (o.userObject() instanceof Setting s && o.getValue() != null) {
                s.check(o.getValue());
            }
        }
    }
}
