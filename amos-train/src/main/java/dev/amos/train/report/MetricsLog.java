package dev.amos.train.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.amos.io.AtomicFiles;
import dev.amos.model.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The parsed {@code metrics.jsonl} of a pretraining run: one {@link Row} per logged step.
 *
 * <p>A killed run may leave a truncated last line: an unparsable <em>last</em> line is ignored (and
 * reported by {@link #ignoredLastLine()}); an unparsable line anywhere else is a {@link
 * BadInputException} naming the file and line. Blank lines are skipped. When a resumed run logs a
 * step again (the step goes back), the rows it supersedes are dropped so each step appears once.
 *
 * @param file the file read
 * @param rows the rows, by ascending step
 * @param ignoredLastLine the 1-based number of the unparsable last line that was ignored, or 0
 * @param supersededRows how many rows were dropped because a resumed run logged their steps again
 */
public record MetricsLog(Path file, List<Row> rows, long ignoredLastLine, int supersededRows) {

    /**
     * One logged step. Absent or null scalars are NaN; absent arrays are empty.
     *
     * @param step the optimizer step
     * @param lr the learning rate
     * @param loss the total loss
     * @param mlmLoss the MLM loss of each generator MLM layer (one element for electra and mlm)
     * @param rtdLoss the discriminator's replaced-token-detection loss
     * @param rtdAccuracy the discriminator's accuracy
     * @param replacedFraction the share of masked tokens whose sample differs from the original
     * @param mixtureWeights the mean mixture weight of each MLM layer (amos only)
     * @param tokensPerSecond the training throughput
     * @param elapsedSeconds the wall time since the start of training
     * @param skippedSteps how many steps were skipped so far (non-finite loss or gradient)
     * @param gradNorm the gradient norm before clipping
     * @param validMlmLoss the validation MLM loss (one per layer, or one value), on some lines only
     * @param validRtdLoss the validation RTD loss, on some lines only
     * @param mlmLossAtMask the MLM loss of each layer at the masked positions whose input is [MASK]
     * @param mlmLossKept the MLM loss of each layer at the masked positions kept or randomized
     * @param validMlmLossAtMask the validation MLM loss at [MASK] positions, on some lines only
     * @param rtdLossConstant the RTD loss of the best constant prediction for the same batch (the
     *     binary entropy of its replaced share): the discriminator has learned from the tokens only
     *     where {@code rtdLoss} is below it
     * @param validRtdLossConstant the same for the validation batches, on some lines only
     */
    public record Row(
            long step,
            double lr,
            double loss,
            double[] mlmLoss,
            double rtdLoss,
            double rtdAccuracy,
            double replacedFraction,
            double[] mixtureWeights,
            double tokensPerSecond,
            double elapsedSeconds,
            double skippedSteps,
            double gradNorm,
            double[] validMlmLoss,
            double validRtdLoss,
            double[] mlmLossAtMask,
            double[] mlmLossKept,
            double validMlmLossAtMask,
            double rtdLossConstant,
            double validRtdLossConstant) {}

    /** Reads and checks {@code file}. */
    public static MetricsLog read(Path file) throws IOException {
        List<Row> rows = new ArrayList<>();
        long pendingBadLine = 0;
        long lineNumber = 0;
        int superseded = 0;
        try (BufferedReader reader =
                new BufferedReader(
                        new InputStreamReader(
                                Files.newInputStream(file), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                if (pendingBadLine > 0) {
                    throw BadInputException.of(file, pendingBadLine, "expected a JSON object");
                }
                JsonObject object = parseObject(line);
                if (object == null) {
                    pendingBadLine = lineNumber;
                    continue;
                }
                Row row = toRow(object, file, lineNumber);
                superseded += dropSuperseded(rows, row.step());
                rows.add(row);
            }
        } catch (NoSuchFileException e) {
            throw BadInputException.of(
                    file, "not found (expected the metrics log written by amos train)");
        }
        return new MetricsLog(file, List.copyOf(rows), pendingBadLine, superseded);
    }

    /**
     * Prepares the log of a run resumed at {@code step}: drops the lines of later steps (the run
     * redoes them) and an unparsable last line (torn by a killed run), keeping every other line as
     * it is. The file is checked first as {@link #read} does: an unparsable or invalid line that is
     * not the last is a {@link BadInputException} naming the file and line, and the file is left
     * untouched. A missing file is nothing to do.
     *
     * @param file the run's metrics.jsonl
     * @param step the step the run resumes from (0: the run starts again)
     */
    public static void truncateAfter(Path file, long step) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        MetricsLog checked = read(file);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        StringBuilder keep = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || i + 1 == checked.ignoredLastLine()) {
                continue;
            }
            if (parseObject(line).get("step").getAsLong() <= step) {
                keep.append(line).append('\n');
            }
        }
        byte[] content = keep.toString().getBytes(StandardCharsets.UTF_8);
        if (!Arrays.equals(content, Files.readAllBytes(file))) {
            AtomicFiles.write(file, out -> out.write(content));
        }
    }

    /** The value of one scalar metric for every row, as an array aligned with {@link #steps()}. */
    public double[] column(ToDoubleFunction<Row> metric) {
        return rows.stream().mapToDouble(metric).toArray();
    }

    /** The steps of all rows. */
    public double[] steps() {
        return column(r -> r.step);
    }

    /** The largest array length of a metric over all rows (0 when it is never logged). */
    public int width(Function<Row, double[]> metric) {
        return rows.stream().mapToInt(r -> metric.apply(r).length).max().orElse(0);
    }

    /** True when {@code metric} is finite on at least one row. */
    public boolean hasAny(ToDoubleFunction<Row> metric) {
        return rows.stream().anyMatch(r -> Double.isFinite(metric.applyAsDouble(r)));
    }

    private static JsonObject parseObject(String line) {
        try {
            JsonElement element = JsonParser.parseString(line);
            return element.isJsonObject() ? element.getAsJsonObject() : null;
        } catch (JsonParseException e) {
            return null;
        }
    }

    private static int dropSuperseded(List<Row> rows, long step) {
        int dropped = 0;
        while (!rows.isEmpty() && rows.get(rows.size() - 1).step() >= step) {
            rows.remove(rows.size() - 1);
            dropped++;
        }
        return dropped;
    }

    private static Row toRow(JsonObject o, Path file, long line) {
        double step = number(o, "step", file, line);
        if (!Double.isFinite(step) || step != Math.rint(step) || step < 0) {
            throw BadInputException.of(
                    file, line, "expected a JSON object with a non-negative integer \"step\"");
        }
        return new Row(
                (long) step,
                number(o, "lr", file, line),
                number(o, "loss", file, line),
                numbers(o, "mlm_loss", file, line),
                number(o, "rtd_loss", file, line),
                number(o, "rtd_accuracy", file, line),
                number(o, "replaced_fraction", file, line),
                numbers(o, "mixture_weights", file, line),
                number(o, "tokens_per_second", file, line),
                number(o, "elapsed_seconds", file, line),
                number(o, "skipped_steps", file, line),
                number(o, "grad_norm", file, line),
                numbers(o, "valid_mlm_loss", file, line),
                number(o, "valid_rtd_loss", file, line),
                numbers(o, "mlm_loss_at_mask", file, line),
                numbers(o, "mlm_loss_kept", file, line),
                number(o, "valid_mlm_loss_at_mask", file, line),
                number(o, "rtd_loss_constant", file, line),
                number(o, "valid_rtd_loss_constant", file, line));
    }

    /** A number, NaN when absent or null; strings such as "NaN" or "Infinity" are accepted. */
    private static double number(JsonObject o, String key, Path file, long line) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return Double.NaN;
        }
        Double value = e.isJsonPrimitive() ? asDouble(e.getAsJsonPrimitive()) : null;
        if (value == null) {
            throw BadInputException.of(
                    file, line, "expected a number for \"" + key + "\", got " + e);
        }
        return value;
    }

    /**
     * An array of numbers (null elements become NaN), a lone number as a one-element array, or
     * empty.
     */
    private static double[] numbers(JsonObject o, String key, Path file, long line) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return new double[0];
        }
        if (e.isJsonPrimitive()) {
            return new double[] {number(o, key, file, line)};
        }
        if (!e.isJsonArray()) {
            throw BadInputException.of(
                    file, line, "expected an array of numbers for \"" + key + "\", got " + e);
        }
        JsonArray array = e.getAsJsonArray();
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            JsonElement item = array.get(i);
            Double value =
                    item.isJsonNull()
                            ? Double.valueOf(Double.NaN)
                            : item.isJsonPrimitive() ? asDouble(item.getAsJsonPrimitive()) : null;
            if (value == null) {
                throw BadInputException.of(
                        file, line, "expected an array of numbers for \"" + key + "\", got " + e);
            }
            values[i] = value;
        }
        return values;
    }

    private static Double asDouble(JsonPrimitive p) {
        if (p.isBoolean()) {
            return null;
        }
        try {
            return Double.parseDouble(p.getAsString().trim());
        } catch (NumberFormatException ex) {
            return null;
        }
    }
}
