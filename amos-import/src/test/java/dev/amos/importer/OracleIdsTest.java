package dev.amos.importer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GluePairEncoder;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GLUE dev sentences that once came out differently (score ties decided by sentencepiece's
 * float/double rounding, NFKC-expanded characters, Greek letters known to dict.txt but not to
 * sp.model, SST-2's detached {@code 's}, {@code ``}/{@code ''} quotes): ids through the imported
 * folder equal those of the reference tokenizer, computed once by the Python oracle of
 * scripts/measure/import-tokenizer-check.sh ({@code oracle-ids.json}).
 */
class OracleIdsTest {

    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"amos-hf-tiny", "cocolm-hf-legacy"})
    void idsEqualTheOracle(String name) throws Exception {
        Path model = tmp.resolve("model");
        ReleasedModelImporter.run(ReferenceFixtures.folder(name), model, s -> {});
        ReleasedModelImporterTest.Aliases aliasFrom = ReleasedModelImporterTest.Aliases.of(model);
        JsonObject oracle;
        try (var in =
                new InputStreamReader(
                        OracleIdsTest.class.getResourceAsStream("/oracle-ids.json"),
                        StandardCharsets.UTF_8)) {
            oracle = JsonParser.parseReader(in).getAsJsonObject().getAsJsonObject("fixtures");
        }
        try (GluePairEncoder encoder = GluePairEncoder.load(model.resolve("tokenizer.json"), 512)) {
            for (JsonElement e : oracle.getAsJsonArray(name)) {
                String text = e.getAsJsonObject().get("text").getAsString();
                long[] expected =
                        e.getAsJsonObject().getAsJsonArray("ids").asList().stream()
                                .mapToLong(JsonElement::getAsLong)
                                .toArray();
                long[] ids =
                        ReleasedModelImporterTest.unkAliasesAsUnk(
                                encoder.inputIds(new GlueExample("x", text, null, 0, 0f)),
                                aliasFrom);
                assertArrayEquals(expected, ids, text);
            }
        }
    }
}
