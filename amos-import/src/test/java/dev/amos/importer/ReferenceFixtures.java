package dev.amos.importer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixtures in {@code testdata/fixtures}: released-layout folders with {@code reference.json},
 * what microsoft/AMOS's own code computes on them (token ids, last hidden states at non-pad
 * positions).
 */
final class ReferenceFixtures {

    static final List<String> NAMES = List.of("amos-hf-tiny", "cocolm-hf-legacy");

    /**
     * One reference text: a single ({@code textB == null}) or a pair, its ids and hidden states.
     */
    record Case(String textA, String textB, long[] ids, float[][] hidden) {}

    /** The reference of one fixture. */
    record Reference(
            int maxLength, int maskId, int dictionarySize, List<Case> singles, List<Case> pairs) {}

    private ReferenceFixtures() {}

    static Path repoRoot() {
        return Path.of(System.getProperty("amos.repo.root", "."));
    }

    /** The fixture folder {@code name}. */
    static Path folder(String name) {
        return repoRoot().resolve("testdata/fixtures").resolve(name);
    }

    static Reference reference(Path folder) throws IOException {
        JsonObject r =
                JsonParser.parseString(Files.readString(folder.resolve("reference.json")))
                        .getAsJsonObject();
        List<Case> singles =
                cases(r.getAsJsonArray("singles"), r.getAsJsonArray("single_hidden"), false);
        List<Case> pairs = cases(r.getAsJsonArray("pairs"), r.getAsJsonArray("pair_hidden"), true);
        return new Reference(
                r.get("max_length").getAsInt(),
                r.getAsJsonObject("special_ids").get("mask").getAsInt(),
                r.get("dictionary_size").getAsInt(),
                singles,
                pairs);
    }

    private static List<Case> cases(JsonArray texts, JsonArray hidden, boolean pair) {
        List<Case> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            JsonObject t = texts.get(i).getAsJsonObject();
            JsonArray idArray = t.getAsJsonArray("input_ids");
            long[] ids = new long[idArray.size()];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = idArray.get(j).getAsLong();
            }
            JsonArray h = hidden.get(i).getAsJsonArray();
            float[][] states = new float[h.size()][];
            for (int j = 0; j < states.length; j++) {
                JsonArray row = h.get(j).getAsJsonArray();
                states[j] = new float[row.size()];
                int k = 0;
                for (JsonElement v : row) {
                    states[j][k++] = v.getAsFloat();
                }
            }
            out.add(
                    new Case(
                            pair ? t.get("text_a").getAsString() : t.get("text").getAsString(),
                            pair ? t.get("text_b").getAsString() : null,
                            ids,
                            states));
        }
        return out;
    }
}
