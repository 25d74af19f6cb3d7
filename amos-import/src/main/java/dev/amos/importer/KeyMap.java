package dev.amos.importer;

import dev.amos.model.BadInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Released state-dict keys ({@code AMOSModel} / {@code COCOLMModel} of the Hugging Face code, under
 * the prefix {@code amos.}, {@code cocolm.} or none) onto the names of {@link
 * dev.amos.model.Encoder#namedTensors()}. The tensors have the same layout on both sides ({@code
 * in_proj} holds q, k, v stacked by rows exactly as the amos {@code qkv} projection), so the
 * mapping is by name only.
 *
 * @param prefix the prefix found in the file
 * @param sourceByTarget released key for every encoder tensor name, in the encoder's order
 * @param skipped keys of the file that are not encoder weights (heads, buffers)
 */
record KeyMap(String prefix, Map<String, String> sourceByTarget, List<String> skipped) {

    /** Prefixes of the released checkpoints, tried in order. */
    static final List<String> PREFIXES = List.of("amos.", "cocolm.", "");

    private static final String WORD = "embeddings.word_embeddings.weight";

    /** The released name of one encoder tensor name (without the prefix). */
    static String released(String target) {
        if (target.startsWith("layers.")) {
            int dot = target.indexOf('.', "layers.".length());
            String layer = target.substring("layers.".length(), dot);
            String rest = target.substring(dot + 1);
            String p = "encoder.layer." + layer + ".";
            return p
                    + switch (rest) {
                        case "attn.qkv.weight" -> "attention.self_attn.in_proj.weight";
                        case "attn.qkv.bias" -> "attention.self_attn.in_proj.bias";
                        case "attn.out.weight" -> "attention.self_attn.out_proj.weight";
                        case "attn.out.bias" -> "attention.self_attn.out_proj.bias";
                        case "ln1.weight" -> "attention.LayerNorm.weight";
                        case "ln1.bias" -> "attention.LayerNorm.bias";
                        case "ffn.in.weight" -> "intermediate.dense.weight";
                        case "ffn.in.bias" -> "intermediate.dense.bias";
                        case "ffn.out.weight" -> "output.dense.weight";
                        case "ffn.out.bias" -> "output.dense.bias";
                        case "ln2.weight" -> "output.LayerNorm.weight";
                        case "ln2.bias" -> "output.LayerNorm.bias";
                        default ->
                                throw new IllegalArgumentException(
                                        "unmapped encoder tensor " + target);
                    };
        }
        return switch (target) {
            case "embeddings.word" -> WORD;
            case "embeddings.position" -> "embeddings.position_embeddings.weight";
            case "embeddings.ln.weight" -> "embeddings.LayerNorm.weight";
            case "embeddings.ln.bias" -> "embeddings.LayerNorm.bias";
            case "rel_bias.table" -> "relative_attention_bias.weight";
            default -> throw new IllegalArgumentException("unmapped encoder tensor " + target);
        };
    }

    /**
     * Maps the keys of {@code file} onto {@code targets} (the encoder's tensor names).
     *
     * @throws BadInputException naming the file and the first missing encoder key
     */
    static KeyMap of(Path file, Iterable<String> keys, Iterable<String> targets) {
        List<String> all = new ArrayList<>();
        keys.forEach(all::add);
        String prefix = null;
        for (String p : PREFIXES) {
            if (all.contains(p + WORD)) {
                prefix = p;
                break;
            }
        }
        if (prefix == null) {
            throw BadInputException.of(
                    file,
                    "missing key \"amos."
                            + WORD
                            + "\" (nor with the prefix cocolm. or none):"
                            + " not an AMOS / COCO-LM state dict");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (String target : targets) {
            String source = prefix + released(target);
            if (!all.contains(source)) {
                throw BadInputException.of(file, "missing encoder key \"" + source + "\"");
            }
            map.put(target, source);
        }
        List<String> skipped = new ArrayList<>();
        for (String key : all) {
            if (!map.containsValue(key)) {
                refuseUnrepresentable(file, prefix, key);
                skipped.add(key);
            }
        }
        return new KeyMap(prefix, map, skipped);
    }

    /** Encoder weights the amos encoder has no place for are errors, not silently dropped. */
    private static void refuseUnrepresentable(Path file, String prefix, String key) {
        if (key.equals(prefix + "embeddings.token_type_embeddings.weight")) {
            throw BadInputException.of(
                    file,
                    "key \""
                            + key
                            + "\": token-type embeddings, which the amos encoder does"
                            + " not have (expected type_vocab_size 0)");
        }
        if (key.startsWith(prefix + "encoder.layer.")) {
            throw BadInputException.of(
                    file,
                    "key \""
                            + key
                            + "\": an encoder weight beyond config.json's layers"
                            + " (num_hidden_layers) or of a kind the amos encoder does not have");
        }
    }
}
