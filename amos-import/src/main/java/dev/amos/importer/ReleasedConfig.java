package dev.amos.importer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.model.BadInputException;
import dev.amos.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The {@code config.json} of a released AMOS / COCO-LM checkpoint ({@code AMOSConfig} / {@code
 * COCOLMConfig} of the Hugging Face code in microsoft/AMOS and microsoft/COCO-LM), checked against
 * what the amos {@link dev.amos.model.Encoder} represents: a post-LN encoder with GELU, absolute
 * positions, a T5 relative-position bias with an even number of buckets and no token types. Missing
 * keys take the reference class's defaults where it has one that the encoder can run, and are
 * errors otherwise.
 *
 * @param file the file read
 * @param modelType {@code amos} or {@code cocolm}
 * @param vocabSize rows of the word embedding (may exceed the dictionary)
 * @param hiddenSize width
 * @param numLayers depth
 * @param numHeads attention heads
 * @param ffnSize intermediate size
 * @param maxPositions max_position_embeddings
 * @param relPosBins rel_pos_bins
 * @param maxRelPos max_rel_pos
 * @param layerNormEps layer_norm_eps
 * @param dropout hidden_dropout_prob
 * @param attentionDropout attention_probs_dropout_prob
 * @param initStd initializer_range
 */
public record ReleasedConfig(
        Path file,
        String modelType,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int ffnSize,
        int maxPositions,
        int relPosBins,
        int maxRelPos,
        float layerNormEps,
        float dropout,
        float attentionDropout,
        float initStd) {

    /** The model types whose checkpoints have this layout. */
    public static final Set<String> MODEL_TYPES = Set.of("amos", "cocolm");

    /** Longest training sequence recorded in the model config of an import. */
    static final int SEQ_LEN_CAP = 512;

    /** Reads and checks {@code file}. */
    public static ReleasedConfig load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw BadInputException.of(file, "no such file (expected the released config.json)");
        }
        JsonObject json;
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file));
            if (!e.isJsonObject()) {
                throw BadInputException.of(
                        file, "expected a JSON object (the released config.json)");
            }
            json = e.getAsJsonObject();
        } catch (IOException e) {
            throw BadInputException.of(file, "cannot read: " + e.getMessage());
        } catch (RuntimeException e) {
            if (e instanceof BadInputException b) {
                throw b;
            }
            throw BadInputException.of(file, "invalid JSON: " + e.getMessage());
        }
        return fromJson(file, json);
    }

    static ReleasedConfig fromJson(Path file, JsonObject json) {
        Keys k = new Keys(file, json);
        String type = k.string("model_type", null);
        if (!MODEL_TYPES.contains(type)) {
            throw BadInputException.of(
                    file,
                    "\"model_type\" is \""
                            + type
                            + "\": amos import reads AMOS and COCO-LM"
                            + " encoders (model_type amos or cocolm), whose layout (relative-position bias, post-LN, no token"
                            + " types) the amos encoder reproduces; other models are not this layout");
        }
        String norm = k.string("layer_norm_type", "post");
        if (!norm.equals("post")) {
            throw BadInputException.of(
                    file,
                    "\"layer_norm_type\" is \""
                            + norm
                            + "\": the amos encoder is post-LN"
                            + " (LayerNorm after each residual add), expected \"post\"");
        }
        String act = k.string("hidden_act", "gelu");
        if (!act.equals("gelu")) {
            throw BadInputException.of(
                    file,
                    "\"hidden_act\" is \""
                            + act
                            + "\": the amos encoder's FFN uses exact"
                            + " GELU, expected \"gelu\"");
        }
        int typeVocab = k.integer("type_vocab_size", 2, 0);
        if (typeVocab != 0) {
            throw BadInputException.of(
                    file,
                    "\"type_vocab_size\" is "
                            + typeVocab
                            + ": the amos encoder has no"
                            + " token-type (segment) embeddings, expected 0 as in the released AMOS / COCO-LM configs");
        }
        int ffnLayers = k.integer("num_ffn_layers", 1, 0);
        if (ffnLayers > 1) {
            throw BadInputException.of(
                    file,
                    "\"num_ffn_layers\" is "
                            + ffnLayers
                            + ": the amos encoder has one FFN"
                            + " per layer, expected 1");
        }
        int hidden = k.integer("hidden_size", null, 1);
        int heads = k.integer("num_attention_heads", null, 1);
        if (hidden % heads != 0) {
            throw BadInputException.of(
                    file,
                    "\"num_attention_heads\" " + heads + " must divide \"hidden_size\" " + hidden);
        }
        int bins = k.integer("rel_pos_bins", 0, 0);
        if (bins < 4 || bins % 2 != 0) {
            throw BadInputException.of(
                    file,
                    "\"rel_pos_bins\" is "
                            + bins
                            + ": expected an even number >= 4"
                            + " (the reference asserts rel_pos_bins % 2 == 0; the amos encoder always has the relative bias)");
        }
        int maxRel = k.integer("max_rel_pos", null, 1);
        if (maxRel - 1 <= bins / 4) {
            throw BadInputException.of(
                    file,
                    "\"max_rel_pos\" is "
                            + maxRel
                            + ": expected more than rel_pos_bins / 4 + 1 = "
                            + (bins / 4 + 1));
        }
        return new ReleasedConfig(
                file,
                type,
                k.integer("vocab_size", null, 5),
                hidden,
                k.integer("num_hidden_layers", null, 1),
                heads,
                k.integer("intermediate_size", null, 1),
                k.integer("max_position_embeddings", null, 3),
                bins,
                maxRel,
                k.number("layer_norm_eps", 1e-12f),
                k.number("hidden_dropout_prob", 0.1f),
                k.number("attention_probs_dropout_prob", 0.1f),
                k.number("initializer_range", 0.02f));
    }

    /** The amos model config of the imported discriminator (generator keys: the smallest valid). */
    public ModelConfig modelConfig() {
        JsonObject j = new JsonObject();
        j.addProperty("name", modelType + "-import");
        j.addProperty("vocab_size", vocabSize);
        j.addProperty("hidden_size", hiddenSize);
        j.addProperty("num_layers", numLayers);
        j.addProperty("num_heads", numHeads);
        j.addProperty("ffn_size", ffnSize);
        j.addProperty("embedding_size", 0);
        j.addProperty("max_positions", maxPositions);
        j.addProperty("rel_pos_buckets", relPosBins);
        j.addProperty("max_rel_pos", maxRelPos);
        j.addProperty("dropout", dropout);
        j.addProperty("attention_dropout", attentionDropout);
        j.addProperty("layer_norm_eps", layerNormEps);
        j.addProperty("init_std", initStd);
        JsonArray mlm = new JsonArray();
        mlm.add(1);
        j.add("mlm_layers", mlm);
        j.addProperty("generator_hidden_size", 0);
        j.addProperty("generator_heads", 0);
        j.addProperty("generator_ffn_size", 0);
        j.addProperty("electra_generator_divisor", 1);
        j.addProperty("gumbel_tau", 0.3f);
        j.addProperty("seq_len", Math.min(SEQ_LEN_CAP, maxPositions));
        return ModelConfig.fromJson(j, file.toString());
    }

    /** Typed access to the keys with the file named in every error. */
    private record Keys(Path file, JsonObject json) {
        String string(String key, String fallback) {
            JsonElement v = json.get(key);
            if (v == null || v.isJsonNull()) {
                if (fallback == null) {
                    throw BadInputException.of(file, "missing key \"" + key + "\"");
                }
                return fallback;
            }
            if (!v.isJsonPrimitive()) {
                throw BadInputException.of(file, "\"" + key + "\" must be a string, got " + v);
            }
            return v.getAsString();
        }

        int integer(String key, Integer fallback, int min) {
            JsonElement v = json.get(key);
            if (v == null || v.isJsonNull()) {
                if (fallback == null) {
                    throw BadInputException.of(file, "missing key \"" + key + "\"");
                }
                return fallback;
            }
            try {
                double d = v.getAsDouble();
                if (d != Math.rint(d) || d < min || d > Integer.MAX_VALUE) {
                    throw new NumberFormatException();
                }
                return (int) d;
            } catch (RuntimeException e) {
                throw BadInputException.of(
                        file, "\"" + key + "\" must be an integer >= " + min + ", got " + v);
            }
        }

        float number(String key, float fallback) {
            JsonElement v = json.get(key);
            if (v == null || v.isJsonNull()) {
                return fallback;
            }
            try {
                float f = v.getAsFloat();
                if (!(f >= 0) || Float.isInfinite(f)) {
                    throw new NumberFormatException();
                }
                return f;
            } catch (RuntimeException e) {
                throw BadInputException.of(
                        file, "\"" + key + "\" must be a non-negative number, got " + v);
            }
        }
    }
}
