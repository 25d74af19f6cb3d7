package dev.amos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.model.Setting;
import dev.amos.model.ValueRange;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Walks every option of every subcommand: each numeric option must declare a {@link Range} (or be
 * generated from a {@link Setting}, which has one) that its {@code --help} text states, and every
 * value outside it, generated from the declaration (below the minimum, above the maximum, NaN and
 * infinities for decimals, overflow of the Java type, not a number), and an empty string for every
 * path option, must end in exit code 2 with one line naming the option, no exception name, and
 * before any work: nothing printed besides that line, nothing written.
 */
class OptionRangeWalkTest {

    @TempDir static Path tmp;

    @BeforeAll
    static void home() {
        Path repo =
                Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();
        System.setProperty("amos.home", repo.toString());
    }

    private record Case(String command, String option, String value) {}

    @Test
    void everyNumericOptionDeclaresARangeItsHelpStates() {
        int numeric = 0;
        for (Map.Entry<String, CommandLine> sub : subcommands().entrySet()) {
            for (OptionSpec o : sub.getValue().getCommandSpec().options()) {
                Class<?> type = numericType(o);
                if (type == null) {
                    continue;
                }
                numeric++;
                ValueRange r = range(o);
                assertNotNull(
                        r,
                        sub.getKey()
                                + " "
                                + o.longestName()
                                + " is numeric but declares no @Range (nor is a Setting's)");
                String allowed = r.describe(OptionChecks.isIntegral(type));
                if (!allowed.equals("(any)")) {
                    assertTrue(
                            String.join(" ", o.description()).contains(allowed),
                            sub.getKey()
                                    + " "
                                    + o.longestName()
                                    + ": --help does not state "
                                    + allowed);
                }
            }
        }
        assertTrue(
                numeric >= 40, "only " + numeric + " numeric options found: the walk lost its way");
    }

    @Test
    void everyOutOfRangeValueIsOneLineExitTwoBeforeAnyWork() {
        List<Case> cases = cases();
        assertTrue(cases.size() >= 150, "only " + cases.size() + " generated cases");
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            List<String> args = new ArrayList<>(List.of(c.command().split(" ")));
            args.addAll(required(c.command(), c.option()));
            args.addAll(List.of(c.option(), c.value()));
            CliRun r = run(args.toArray(String[]::new));
            List<String> lines = r.err().strip().lines().toList();
            boolean ok =
                    r.code() == 2
                            && lines.size() == 1
                            && lines.get(0).startsWith("amos: ")
                            && lines.get(0).contains(c.option())
                            && !r.err().contains("Exception")
                            && !r.err().contains("\tat ")
                            && r.log().isEmpty();
            if (!ok) {
                failures.add(
                        args
                                + " -> exit "
                                + r.code()
                                + ", stderr: "
                                + r.err().strip()
                                + ", log: "
                                + r.log().strip());
            }
        }
        assertTrue(
                failures.isEmpty(),
                failures.size()
                        + " of "
                        + cases.size()
                        + " failed:\n"
                        + String.join("\n", failures));
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "a refused command wrote something");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Out-of-range values of every numeric option of every subcommand, from the declarations. */
    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (Map.Entry<String, CommandLine> sub : subcommands().entrySet()) {
            for (OptionSpec o : sub.getValue().getCommandSpec().options()) {
                Field f = field(o);
                if (f != null && isPath(f)) {
                    cases.add(
                            new Case(
                                    sub.getKey(),
                                    o.longestName(),
                                    "")); // an empty path is never the current folder
                }
                Class<?> type = numericType(o);
                if (type == null || range(o) == null) {
                    continue;
                }
                for (String v : outOfRange(range(o), type)) {
                    cases.add(new Case(sub.getKey(), o.longestName(), v));
                }
            }
        }
        return cases;
    }

    /**
     * Values just outside {@code r} and outside the Java type, plus NaN/infinities for decimals and
     * a word.
     */
    static List<String> outOfRange(ValueRange r, Class<?> type) {
        boolean integral = OptionChecks.isIntegral(type);
        boolean isLong = type == long.class || type == Long.class;
        List<String> values = new ArrayList<>();
        if (r.min() != Double.NEGATIVE_INFINITY) {
            values.add(
                    integral
                            ? Long.toString((long) r.min() - (r.minOpen() ? 0 : 1))
                            : number(
                                    r.minOpen()
                                            ? r.min()
                                            : r.min() - Math.max(1, Math.abs(r.min()))));
            if (!integral && !r.minOpen()) {
                values.add(number(Math.nextDown((float) r.min())));
            }
        }
        if (r.max() != Double.POSITIVE_INFINITY) {
            values.add(
                    integral
                            ? Long.toString((long) r.max() + (r.maxOpen() ? 0 : 1))
                            : number(
                                    r.maxOpen()
                                            ? r.max()
                                            : r.max() + Math.max(1, Math.abs(r.max()))));
        }
        if (integral) {
            values.add(isLong ? "9223372036854775808" : "2147483648");
            values.add(isLong ? "-9223372036854775809" : "-2147483649");
            values.add("1.5");
        } else {
            values.addAll(List.of("NaN", "Infinity", "-Infinity"));
        }
        values.add("many");
        return values;
    }

    private static String number(double x) {
        return Double.toString(x);
    }

    /**
     * Placeholders for a command's required options (the range checks come before they are read;
     * numbers in range).
     */
    private static List<String> required(String command, String tested) {
        List<String> args = new ArrayList<>();
        for (OptionSpec o : subcommands().get(command).getCommandSpec().options()) {
            if (o.required() && !o.longestName().equals(tested)) {
                args.add(o.longestName());
                ValueRange r = range(o);
                if (r != null
                        && numericType(o)
                                != null) { // a number in range: the tested option is the bad one
                    args.add(Long.toString((long) Math.max(r.min(), 0) + 1));
                } else {
                    args.add(
                            o.longestName().equals("--task")
                                    ? "RTE"
                                    : tmp.resolve("not-there").toString());
                }
            }
        }
        return args;
    }

    /** Every command by its words ("train", "tokenizer train"), nested ones included. */
    private static Map<String, CommandLine> subcommands() {
        Map<String, CommandLine> subs = new LinkedHashMap<>();
        for (Map.Entry<String, CommandLine> sub :
                AmosCommand.commandLine().getSubcommands().entrySet()) {
            if (sub.getKey().equals("help")) {
                continue;
            }
            subs.put(sub.getKey(), sub.getValue());
            sub.getValue()
                    .getSubcommands()
                    .forEach((name, nested) -> subs.put(sub.getKey() + " " + name, nested));
        }
        return subs;
    }

    private static Field field(OptionSpec o) {
        return o.userObject() instanceof Field f ? f : null;
    }

    /**
     * The numeric type of an option: its field's, or its {@link Setting}'s when generated from a
     * table; null when not numeric.
     */
    private static Class<?> numericType(OptionSpec o) {
        if (o.userObject() instanceof Setting s) {
            return s.type();
        }
        Field f = field(o);
        return f != null && isNumeric(f.getType()) ? f.getType() : null;
    }

    /**
     * The range an option declares: its field's {@link Range}, or its {@link Setting}'s; null when
     * none.
     */
    private static ValueRange range(OptionSpec o) {
        if (o.userObject() instanceof Setting s) {
            return s.range();
        }
        Field f = field(o);
        return f == null || f.getAnnotation(Range.class) == null
                ? null
                : OptionChecks.range(f.getAnnotation(Range.class));
    }

    private static boolean isPath(Field f) {
        return f.getType() == Path.class
                || f.getGenericType().getTypeName().equals("java.util.List<java.nio.file.Path>");
    }

    private static boolean isNumeric(Class<?> t) {
        return t.isPrimitive()
                ? t != boolean.class && t != char.class
                : Number.class.isAssignableFrom(t);
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }
}
