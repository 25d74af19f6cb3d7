package dev.amos.tools.results;

import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The wall times {@code scripts/replicate.sh} appends to {@code timings.tsv}: one line {@code
 * phase<TAB>variant<TAB>task<TAB>seconds} per finished step ({@code task} is {@code -} for
 * pretraining; phase {@code total} is the whole script). A step logged twice (a resumed run) keeps
 * its last time.
 *
 * @param seconds seconds by {@code phase/variant/task}
 */
public record Timings(Map<String, Double> seconds) {

    /** Reads {@code file}; no file gives empty timings. */
    public static Timings read(Path file) throws IOException {
        Map<String, Double> seconds = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return new Timings(seconds);
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] f = lines.get(i).split("\t");
            try {
                if (f.length != 4) {
                    throw new NumberFormatException();
                }
                seconds.put(f[0] + "/" + f[1] + "/" + f[2], Double.parseDouble(f[3]));
            } catch (NumberFormatException e) {
                throw BadInputException.of(
                        file, i + 1, "expected phase<TAB>variant<TAB>task<TAB>seconds");
            }
        }
        return new Timings(seconds);
    }

    /** The time of one pretraining run ({@code task} "-"), NaN when not logged. */
    public double get(String phase, String variant) {
        return seconds.getOrDefault(phase + "/" + variant + "/-", Double.NaN);
    }

    /** The sum over tasks of {@code phase} for {@code variant}, NaN when none is logged. */
    public double sum(String phase, String variant) {
        String prefix = phase + "/" + variant + "/";
        return seconds.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix))
                .mapToDouble(Map.Entry::getValue)
                .reduce(Double::sum)
                .orElse(Double.NaN);
    }

    /** The logged total of the whole script, else the sum of every step. */
    public double total() {
        Double total = seconds.get("total/-/-");
        if (total != null) {
            return total;
        }
        return seconds.values().stream()
                .mapToDouble(Double::doubleValue)
                .reduce(Double::sum)
                .orElse(Double.NaN);
    }
}
