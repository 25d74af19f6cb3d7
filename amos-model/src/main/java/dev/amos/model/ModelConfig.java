package dev.amos.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The shape of an AMOS model: discriminator, generator and mixture. Loaded from {@code
 * models/NAME.json}; unknown keys are rejected (as ELECTRA's config update does) and impossible
 * shapes are refused with a message naming the file and key.
 *
 * <p>JSON keys are the snake_case form of the component names ({@code hiddenSize} is {@code
 * hidden_size}). See <a href="https://arxiv.org/abs/2204.03243">Meng et al. 2022</a>, section 3,
 * and docs/method.md (the paper mapped to the code).
 *
 * @param name preset name, e.g. {@code amos-tiny}
 * @param vocabSize token vocabulary size V (the tokenizer's)
 * @param hiddenSize discriminator width H
 * @param numLayers discriminator depth
 * @param numHeads discriminator attention heads (H must divide by it)
 * @param ffnSize discriminator feed-forward width (4H in BERT)
 * @param embeddingSize token-embedding width De; 0 means H. When De != H a linear projection maps
 *     embeddings to H (ELECTRA-small style)
 * @param maxPositions learned absolute positions; the longest sequence the model takes
 * @param relPosBuckets T5-style relative-position buckets, even (32 in AMOS, 64 in base++)
 * @param maxRelPos the distance where the logarithmic buckets saturate (128)
 * @param dropout hidden dropout of the discriminator (the generator always uses 0)
 * @param attentionDropout dropout on attention probabilities of the discriminator
 * @param layerNormEps LayerNorm epsilon (1e-5)
 * @param initStd standard deviation of the normal init of all weight matrices (0.02)
 * @param mlmLayers 1-based generator layers read by the shared MLM head, ascending (4, 6, 8); the
 *     generator depth is the last one
 * @param generatorHiddenSize AMOS generator width; 0 means H (the paper: as wide as the
 *     discriminator)
 * @param generatorHeads AMOS generator heads; 0 means numHeads
 * @param generatorFfnSize AMOS generator FFN width; 0 means ffnSize
 * @param electraGeneratorDivisor the ELECTRA baseline generator is H / divisor wide (4 small, 3
 *     base)
 * @param gumbelTau temperature of the straight-through Gumbel-softmax (0.3)
 * @param seqLen default training sequence length
 */
public record ModelConfig(
        String name,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int ffnSize,
        int embeddingSize,
        int maxPositions,
        int relPosBuckets,
        int maxRelPos,
        float dropout,
        float attentionDropout,
        float layerNormEps,
        float initStd,
        int[] mlmLayers,
        int generatorHiddenSize,
        int generatorHeads,
        int generatorFfnSize,
        int electraGeneratorDivisor,
        float gumbelTau,
        int seqLen) {

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /** The token-embedding width De. */
    public int tokenEmbeddingSize() {
        return embeddingSize > 0 ? embeddingSize : hiddenSize;
    }

    /** The generator depth: the deepest MLM layer. */
    public int generatorLayers() {
        return mlmLayers[mlmLayers.length - 1];
    }

    /** The discriminator encoder's shape. */
    public EncoderConfig discriminator() {
        return new EncoderConfig(
                vocabSize,
                tokenEmbeddingSize(),
                hiddenSize,
                numLayers,
                numHeads,
                ffnSize,
                maxPositions,
                relPosBuckets,
                maxRelPos,
                dropout,
                attentionDropout,
                layerNormEps,
                initStd);
    }

    /** The AMOS generator encoder: same width as the discriminator by default, dropout 0. */
    public EncoderConfig amosGenerator(int depth) {
        int h = generatorHiddenSize > 0 ? generatorHiddenSize : hiddenSize;
        int heads = generatorHeads > 0 ? generatorHeads : numHeads;
        int ffn = generatorFfnSize > 0 ? generatorFfnSize : ffnSize;
        return new EncoderConfig(
                vocabSize,
                tokenEmbeddingSize(),
                h,
                depth,
                heads,
                ffn,
                maxPositions,
                relPosBuckets,
                maxRelPos,
                0f,
                0f,
                layerNormEps,
                initStd);
    }

    /** The ELECTRA baseline generator: same depth as the discriminator, 1/divisor of its width. */
    public EncoderConfig electraGenerator() {
        int d = electraGeneratorDivisor;
        int heads = Math.max(1, numHeads / d);
        return new EncoderConfig(
                vocabSize,
                tokenEmbeddingSize(),
                hiddenSize / d,
                numLayers,
                heads,
                ffnSize / d,
                maxPositions,
                relPosBuckets,
                maxRelPos,
                0f,
                0f,
                layerNormEps,
                initStd);
    }

    /** Refuses impossible shapes; {@code source} names the file for the message. */
    public ModelConfig validate(String source) {
        require(source, "vocab_size", vocabSize > 0, "a positive integer");
        require(source, "hidden_size", hiddenSize > 0, "a positive integer");
        require(source, "num_layers", numLayers > 0, "a positive integer");
        require(
                source,
                "num_heads",
                numHeads > 0 && hiddenSize % numHeads == 0,
                "a positive divisor of hidden_size " + hiddenSize);
        require(source, "ffn_size", ffnSize > 0, "a positive integer");
        require(
                source,
                "embedding_size",
                embeddingSize >= 0,
                "0 (= hidden_size) or a positive integer");
        require(source, "max_positions", maxPositions > 1, "an integer > 1");
        // The released AMOS/COCO-LM code asserts only rel_pos_bins % 2 == 0 (its buckets use
        // integer halves).
        require(
                source,
                "rel_pos_buckets",
                relPosBuckets >= 4 && relPosBuckets % 2 == 0,
                "an even number >= 4");
        require(
                source,
                "max_rel_pos",
                maxRelPos > relPosBuckets / 4 + 1,
                "an integer > rel_pos_buckets / 4 + 1");
        require(source, "dropout", dropout >= 0 && dropout < 1, "a probability in [0, 1)");
        require(
                source,
                "attention_dropout",
                attentionDropout >= 0 && attentionDropout < 1,
                "a probability in [0, 1)");
        require(source, "layer_norm_eps", layerNormEps > 0, "a positive number");
        require(source, "init_std", initStd > 0, "a positive number");
        require(
                source,
                "mlm_layers",
                mlmLayers != null && mlmLayers.length > 0,
                "a non-empty array of layer numbers");
        for (int i = 0; i < mlmLayers.length; i++) {
            require(
                    source,
                    "mlm_layers",
                    mlmLayers[i] >= 1 && (i == 0 || mlmLayers[i] > mlmLayers[i - 1]),
                    "ascending 1-based layer numbers, got " + Arrays.toString(mlmLayers));
        }
        EncoderConfig g = amosGenerator(generatorLayers());
        require(
                source,
                "generator_heads",
                g.hiddenSize() % g.numHeads() == 0,
                "a divisor of the generator width " + g.hiddenSize());
        require(
                source,
                "electra_generator_divisor",
                electraGeneratorDivisor >= 1
                        && hiddenSize % electraGeneratorDivisor == 0
                        && (hiddenSize / electraGeneratorDivisor)
                                        % Math.max(1, numHeads / electraGeneratorDivisor)
                                == 0,
                "a divisor of hidden_size giving a width divisible by its heads");
        require(source, "gumbel_tau", gumbelTau > 0, "a positive temperature");
        require(
                source,
                "seq_len",
                seqLen > 2 && seqLen <= maxPositions,
                "an integer in [3, max_positions]");
        return this;
    }

    private static void require(String source, String key, boolean ok, String expected) {
        if (!ok) {
            throw new BadInputException(source + ": \"" + key + "\" must be " + expected);
        }
    }

    // ---------------------------------------------------------------- JSON

    /** Loads {@code models/NAME.json} when {@code nameOrFile} is a preset name, else the file. */
    public static ModelConfig load(String nameOrFile, Path modelsDir) {
        Path file = Path.of(nameOrFile);
        if (!nameOrFile.endsWith(".json")) {
            file = modelsDir.resolve(nameOrFile + ".json");
            if (!Files.isRegularFile(file)) {
                throw new BadInputException(
                        "unknown preset \""
                                + nameOrFile
                                + "\" (expected one of: "
                                + String.join(", ", presets(modelsDir))
                                + ", or a .json file)");
            }
        }
        return load(file);
    }

    /** Loads and validates one JSON file. */
    public static ModelConfig load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw BadInputException.of(file, "no such config file");
        }
        try {
            JsonElement json = JsonParser.parseString(Files.readString(file));
            if (!json.isJsonObject()) {
                throw BadInputException.of(file, "expected a JSON object of model settings");
            }
            return fromJson(json.getAsJsonObject(), file.toString());
        } catch (IOException e) {
            throw BadInputException.of(file, "cannot read: " + e.getMessage());
        } catch (JsonParseException e) {
            throw BadInputException.of(file, "invalid JSON: " + rootMessage(e));
        }
    }

    /** Builds a config from a JSON object holding every key; unknown or missing keys are errors. */
    public static ModelConfig fromJson(JsonObject json, String source) {
        Map<String, RecordComponent> byKey = componentsByKey();
        for (String key : json.keySet()) {
            if (!byKey.containsKey(key)) {
                throw new BadInputException(
                        source
                                + ": unknown key \""
                                + key
                                + "\" (expected one of: "
                                + String.join(", ", byKey.keySet())
                                + ")");
            }
        }
        Object[] values = new Object[byKey.size()];
        Class<?>[] types = new Class<?>[byKey.size()];
        int i = 0;
        for (Map.Entry<String, RecordComponent> e : byKey.entrySet()) {
            types[i] = e.getValue().getType();
            JsonElement v = json.get(e.getKey());
            if (v == null || v.isJsonNull()) {
                throw new BadInputException(source + ": missing key \"" + e.getKey() + "\"");
            }
            values[i++] = convert(v, types[i - 1], source, e.getKey());
        }
        try {
            return ((ModelConfig)
                            ModelConfig.class.getDeclaredConstructor(types).newInstance(values))
                    .validate(source);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A copy with {@code key=value} overrides (the CLI's {@code --set}); unknown keys are errors.
     */
    public ModelConfig with(Map<String, String> overrides) {
        if (overrides.isEmpty()) {
            return this;
        }
        JsonObject json = toJson();
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            String raw = e.getValue().trim();
            JsonElement v;
            try {
                v = raw.startsWith("[") ? JsonParser.parseString(raw) : new JsonPrimitive(raw);
            } catch (JsonParseException ex) {
                throw new BadInputException(
                        "--set " + e.getKey() + ": invalid value \"" + raw + "\"");
            }
            if (!json.has(e.getKey())) {
                throw new BadInputException(
                        "--set: unknown model key \""
                                + e.getKey()
                                + "\" (expected one of: "
                                + String.join(", ", componentsByKey().keySet())
                                + ")");
            }
            json.add(e.getKey(), v);
        }
        return fromJson(json, "--set");
    }

    /** The config as a JSON object with snake_case keys (the run folder's {@code config.json}). */
    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        for (Map.Entry<String, RecordComponent> e : componentsByKey().entrySet()) {
            try {
                Object value = e.getValue().getAccessor().invoke(this);
                if (value instanceof int[] arr) {
                    JsonArray a = new JsonArray();
                    Arrays.stream(arr).forEach(a::add);
                    json.add(e.getKey(), a);
                } else {
                    json.add(e.getKey(), GSON.toJsonTree(value));
                }
            } catch (ReflectiveOperationException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return json;
    }

    public String toJsonString() {
        return GSON.toJson(toJson());
    }

    /** Preset names available in {@code modelsDir}. */
    public static List<String> presets(Path modelsDir) {
        try (var files = Files.list(modelsDir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json") && !n.equals("tokenizer.json"))
                    .map(n -> n.substring(0, n.length() - 5))
                    .sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Map<String, RecordComponent> componentsByKey() {
        Map<String, RecordComponent> map = new LinkedHashMap<>();
        for (RecordComponent c : ModelConfig.class.getRecordComponents()) {
            map.put(snake(c.getName()), c);
        }
        return map;
    }

    static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase();
    }

    private static Object convert(JsonElement v, Class<?> type, String source, String key) {
        try {
            if (type == String.class) {
                return v.getAsString();
            }
            if (type == int.class) {
                double d = v.getAsDouble();
                if (d != Math.rint(d)) {
                    throw new NumberFormatException();
                }
                return (int) d;
            }
            if (type == float.class) {
                return v.getAsFloat();
            }
            if (type == int[].class) {
                JsonArray a =
                        v.isJsonArray()
                                ? v.getAsJsonArray()
                                : JsonParser.parseString(v.getAsString()).getAsJsonArray();
                List<Integer> out = new ArrayList<>();
                for (JsonElement x : a) {
                    out.add((Integer) convert(x, int.class, source, key));
                }
                return out.stream().mapToInt(Integer::intValue).toArray();
            }
        } catch (RuntimeException e) {
            String expected =
                    type == int.class
                            ? "an integer"
                            : type == float.class
                                    ? "a number"
                                    : type == int[].class ? "an array of integers" : "a string";
            throw new BadInputException(
                    source + ": \"" + key + "\" must be " + expected + ", got " + v);
        }
        throw new IllegalStateException("unsupported config type " + type);
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig c && toJson().equals(c.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return toJson().toString();
    }
}
