package dev.amos.train.report;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the report needs from a run's {@code config.json}: the model name, the objective label (e.g.
 * {@code amos/uniform}), the generator layers of the MLM heads, and the config itself.
 *
 * @param runName the model name, or the run folder's name when the config has none
 * @param objective the objective label, or empty when unknown
 * @param mlmLayers the 1-based generator layers of the MLM heads from {@code model.mlm_layers}, or
 *     empty
 * @param prettyConfig the config as indented JSON, or null when the run has no config.json
 */
record RunInfo(String runName, String objective, int[] mlmLayers, String prettyConfig) {

    static final String CONFIG_FILE = "config.json";

    private static final Pattern SINGLE_LAYER = Pattern.compile("single-layer=(\\d+)");
    private static final Pattern NUMBER_ARRAY =
            Pattern.compile("\\[\\n\\s*(-?[0-9.eE+-]+(?:,\\n\\s*-?[0-9.eE+-]+)*)\\n\\s*\\]");

    /**
     * Reads {@code runDir/config.json}; a missing one gives defaults, a malformed one is bad input.
     */
    static RunInfo read(Path runDir) throws IOException {
        Path file = runDir.resolve(CONFIG_FILE);
        String folderName =
                runDir.toAbsolutePath().normalize().getFileName() == null
                        ? runDir.toString()
                        : runDir.toAbsolutePath().normalize().getFileName().toString();
        if (!Files.isRegularFile(file)) {
            return new RunInfo(folderName, "", new int[0], null);
        }
        JsonObject config = parse(file);
        JsonObject model =
                config.has("model") && config.get("model").isJsonObject()
                        ? config.getAsJsonObject("model")
                        : new JsonObject();
        String name = string(model.get("name"));
        String objective =
                firstNonEmpty(
                        string(config.get("objective")),
                        string(model.get("objective")),
                        config.has("training") && config.get("training").isJsonObject()
                                ? string(config.getAsJsonObject("training").get("objective"))
                                : "");
        String pretty =
                compactNumberArrays(
                        new GsonBuilder()
                                .setPrettyPrinting()
                                .serializeSpecialFloatingPointValues()
                                .disableHtmlEscaping()
                                .create()
                                .toJson(config));
        return new RunInfo(
                name.isEmpty() ? folderName : name,
                objective,
                layers(model.get("mlm_layers"), file),
                pretty);
    }

    /**
     * The legend label of MLM head {@code index} out of {@code count}: "layer 4", or "head 2" when
     * unknown.
     */
    String layerLabel(int index, int count) {
        if (mlmLayers.length == count) {
            return "layer " + mlmLayers[index];
        }
        Matcher single = SINGLE_LAYER.matcher(objective);
        if (count == 1 && single.find()) {
            return "layer " + single.group(1);
        }
        return "head " + (index + 1);
    }

    /** The title of the report: model name and objective. */
    String title() {
        return objective.isEmpty() ? runName : runName + " \u00b7 " + objective;
    }

    /**
     * Puts arrays of numbers on one line ({@code [4, 6, 8]}) instead of one element per line. Only
     * arrays laid out by the pretty printer match (raw newlines never occur inside JSON strings).
     */
    static String compactNumberArrays(String prettyJson) {
        Matcher m = NUMBER_ARRAY.matcher(prettyJson);
        StringBuilder out = new StringBuilder(prettyJson.length());
        while (m.find()) {
            m.appendReplacement(
                    out,
                    Matcher.quoteReplacement("[" + m.group(1).replaceAll(",\\s*", ", ") + "]"));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static JsonObject parse(Path file) throws IOException {
        try {
            String text =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                            .toString();
            JsonElement element = JsonParser.parseString(text);
            if (element.isJsonObject()) {
                return element.getAsJsonObject();
            }
        } catch (JsonParseException | CharacterCodingException e) {
            throw BadInputException.of(
                    file, "expected a JSON object (the resolved run config): " + e.getMessage());
        }
        throw BadInputException.of(file, "expected a JSON object (the resolved run config)");
    }

    private static int[] layers(JsonElement element, Path file) {
        if (element == null || !element.isJsonArray()) {
            return new int[0];
        }
        JsonArray array = element.getAsJsonArray();
        int[] layers = new int[array.size()];
        for (int i = 0; i < layers.length; i++) {
            JsonElement item = array.get(i);
            if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isNumber()) {
                throw BadInputException.of(
                        file,
                        "expected model.mlm_layers to be an array of layer numbers, got "
                                + element);
            }
            layers[i] = item.getAsInt();
        }
        return layers;
    }

    /**
     * A string value; an object gives its "label", else its "kind" and "ablation" as {@code
     * kind/ablation}, else its "name"; anything else "".
     */
    private static String string(JsonElement element) {
        if (element == null || element.isJsonNull()) {
            return "";
        }
        if (element.isJsonPrimitive()) {
            return element.getAsString().trim();
        }
        if (element.isJsonObject()) {
            JsonObject o = element.getAsJsonObject();
            String kind = string(o.get("kind"));
            String ablation = string(o.get("ablation"));
            String kindAndAblation =
                    kind.isEmpty() || ablation.isEmpty() || ablation.equals("none")
                            ? kind
                            : kind + "/" + ablation;
            return firstNonEmpty(string(o.get("label")), kindAndAblation, string(o.get("name")));
        }
        return "";
    }

    private static String firstNonEmpty(String... values) {
        for (String v : values) {
            if (!v.isEmpty()) {
                return v;
            }
        }
        return "";
    }
}
