package dev.amos.importer;

import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fairseq {@code dict.txt} of a released checkpoint, with the ids the reference's {@code
 * Dictionary} gives (microsoft/AMOS {@code huggingface/amos/tokenization_utils.py}): {@code <s>}=0,
 * {@code <pad>}=1, {@code </s>}=2, {@code <unk>}=3, then the file's symbols in order (a duplicate
 * keeps its first id; a symbol that aliases a special one, such as {@code [CLS]}, is that one),
 * then {@code <mask>} appended unless the file has it. Lines are {@code <symbol> <count>}, split at
 * the last space; a line without a space is a symbol alone.
 *
 * @param symbols every symbol by id, specials included ({@code <s>}, {@code <pad>}, ...)
 * @param maskId the id of {@code <mask>}
 */
public record FairseqDictionary(List<String> symbols, int maskId) {

    public static final int BOS = 0;
    public static final int PAD = 1;
    public static final int EOS = 2;
    public static final int UNK = 3;

    /** The reference's special symbols, by id. */
    static final List<String> SPECIALS = List.of("<s>", "<pad>", "</s>", "<unk>");

    /** The reference's alias table: file symbols that are special ones. */
    private static final Map<String, String> ALIASES =
            Map.of(
                    "[CLS]", "<s>", "[PAD]", "<pad>", "[SEP]", "</s>", "[UNK]", "<unk>", "[MASK]",
                    "<mask>");

    /** The id of a symbol, or {@link #UNK}. */
    public int id(String symbol, Map<String, Integer> index) {
        return index.getOrDefault(ALIASES.getOrDefault(symbol, symbol), UNK);
    }

    /** The symbol -> id map. */
    public Map<String, Integer> index() {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < symbols.size(); i++) {
            m.putIfAbsent(symbols.get(i), i);
        }
        return m;
    }

    /** Symbols including {@code <mask>}. */
    public int size() {
        return symbols.size();
    }

    /** Reads {@code file}; a malformed line is an error naming the line. */
    public static FairseqDictionary load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw BadInputException.of(
                    file, "no such file (expected the released fairseq dict.txt)");
        }
        String text;
        try {
            text =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                            .toString();
        } catch (CharacterCodingException e) {
            throw BadInputException.of(file, "not UTF-8 text (expected lines '<symbol> <count>')");
        } catch (IOException e) {
            throw BadInputException.of(file, "cannot read: " + e.getMessage());
        }
        String[] lines = text.split("\n", -1);
        int count = text.endsWith("\n") ? lines.length - 1 : lines.length;
        Map<String, Integer> ids = new LinkedHashMap<>();
        List<String> symbols = new ArrayList<>(SPECIALS);
        for (int i = 0; i < SPECIALS.size(); i++) {
            ids.put(SPECIALS.get(i), i);
        }
        for (int i = 0; i < count; i++) {
            String line = lines[i].stripTrailing();
            int space = line.lastIndexOf(' ');
            String symbol = space < 0 ? line : line.substring(0, space);
            String field = space < 0 ? null : line.substring(space + 1);
            if ("#fairseq:overwrite".equals(field)) {
                int s2 = symbol.lastIndexOf(' ');
                if (s2 < 0) {
                    throw BadInputException.of(
                            file,
                            i + 1,
                            "expected '<symbol> <count> #fairseq:overwrite', got \""
                                    + lines[i]
                                    + "\"");
                }
                field = symbol.substring(s2 + 1);
                symbol = symbol.substring(0, s2);
            }
            if (field != null && !field.matches("-?[0-9]+")) {
                throw BadInputException.of(
                        file,
                        i + 1,
                        "expected '<symbol> <count>' with an integer count, got \""
                                + lines[i]
                                + "\"");
            }
            if (symbol.isEmpty()) {
                throw BadInputException.of(
                        file, i + 1, "empty symbol (expected '<symbol> <count>')");
            }
            symbol = ALIASES.getOrDefault(symbol, symbol);
            if (!ids.containsKey(symbol)) {
                ids.put(symbol, symbols.size());
                symbols.add(symbol);
            }
        }
        int mask =
                ids.computeIfAbsent(
                        "<mask>",
                        k -> {
                            symbols.add(k);
                            return symbols.size() - 1;
                        });
        return new FairseqDictionary(List.copyOf(symbols), mask);
    }
}
