package dev.amos.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What is at a path, as amos's writers and readers need to know it before they touch it: nothing, a
 * file, an empty folder, a folder of a {@link FolderKind} (from its {@value #MARKER}, or from the
 * layout of folders written before the marker existed), or a folder that is not amos's. The one
 * reader of folder kinds: every writer asks it before writing ({@link OutputFolder}, {@link
 * OutputFile}) and every command that takes a folder asks it before reading ({@link #require}).
 *
 * @param path the path looked at
 * @param state what is there
 * @param kind the folder kind when {@code state} is {@link State#AMOS}, else null
 * @param marker the marker's fields ({@code kind}, and e.g. {@code format}, {@code content}); empty
 *     for a folder recognised by its layout
 */
public record AmosFolder(Path path, State state, FolderKind kind, JsonObject marker) {

    /** The file in every folder amos writes that says what the folder is. */
    public static final String MARKER = "amos-folder.json";

    /**
     * The marker of a Spark output: Hadoop's readers skip names that start with {@code _} (as
     * {@code _SUCCESS}), so reading the folder back as JSON lines or Parquet never sees it.
     */
    public static final String SPARK_MARKER = "_amos-folder.json";

    /** What is at a path. */
    public enum State {
        /** Nothing. */
        MISSING,
        /** A file (or anything that is not a folder). */
        FILE,
        /**
         * A folder with nothing in it but what a writer leaves behind when killed ({@code .lock},
         * its temporaries).
         */
        EMPTY,
        /** A folder of a known kind. */
        AMOS,
        /** A folder with content that is not amos's. */
        FOREIGN
    }

    /** Temporaries of {@link AtomicFiles#write}: {@code .NAME.PID.HEX.tmp}. */
    static final Pattern ATOMIC_TEMPORARY = Pattern.compile("^\\..+\\.([0-9]+)\\.[0-9a-f]+\\.tmp$");

    /** Spark's part files and markers. */
    private static final Pattern SPARK_FILE =
            Pattern.compile("^(part-[0-9]+.*|_SUCCESS|\\._SUCCESS\\.crc|\\.part-.*\\.crc)$");

    /** GLUE submission file names ({@code RTE.tsv}, {@code MNLI-m.tsv}, {@code AX.tsv}, ...). */
    private static final Set<String> SUBMISSION_FILES =
            Set.of(
                    "CoLA.tsv",
                    "SST-2.tsv",
                    "MRPC.tsv",
                    "STS-B.tsv",
                    "QQP.tsv",
                    "MNLI-m.tsv",
                    "MNLI-mm.tsv",
                    "QNLI.tsv",
                    "RTE.tsv",
                    "WNLI.tsv",
                    "AX.tsv");

    /**
     * Looks at {@code path}.
     *
     * @throws BadInputException when the folder's marker cannot be read or names no kind
     */
    public static AmosFolder read(Path path) {
        if (!Files.exists(path)) {
            return new AmosFolder(path, State.MISSING, null, new JsonObject());
        }
        if (!Files.isDirectory(path)) {
            return new AmosFolder(path, State.FILE, null, new JsonObject());
        }
        Path marker = path.resolve(MARKER);
        if (!Files.isRegularFile(marker)) {
            marker = path.resolve(SPARK_MARKER);
        }
        if (Files.isRegularFile(marker)) {
            JsonObject json = readMarker(marker);
            return new AmosFolder(
                    path, State.AMOS, FolderKind.fromId(json.get("kind").getAsString()), json);
        }
        List<String> names = names(path);
        if (names.isEmpty()) {
            return new AmosFolder(path, State.EMPTY, null, new JsonObject());
        }
        FolderKind legacy = layoutKind(path, names);
        return legacy != null
                ? new AmosFolder(path, State.AMOS, legacy, new JsonObject())
                : new AmosFolder(path, State.FOREIGN, null, new JsonObject());
    }

    /** Whether this is a folder of {@code kind}. */
    public boolean is(FolderKind kind) {
        return this.kind == kind;
    }

    /** A marker field, or null. */
    public String field(String name) {
        JsonElement e = marker.get(name);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    /**
     * In words, for messages: {@code a pretraining run (written by amos train --out)}, {@code an
     * export (torchscript encoder; written by amos export --out)}, {@code a folder that is not
     * amos's}, {@code a file}.
     */
    public String describe() {
        return switch (state) {
            case MISSING -> "missing";
            case FILE -> "a file, not a folder";
            case EMPTY -> "an empty folder";
            case FOREIGN -> "a folder that amos did not write (not empty)";
            case AMOS -> {
                String detail = String.join(" ", nonNull(field("format"), field("content")));
                yield kind.description()
                        + " ("
                        + (detail.isEmpty() ? "" : detail + "; ")
                        + "written by "
                        + kind.writer()
                        + ")";
            }
        };
    }

    /**
     * Requires {@code dir} to be a folder of one of {@code accepted}; otherwise one line naming the
     * folder, what it is and what the option takes (exit 2).
     *
     * @param dir the folder given
     * @param option the option, e.g. {@code --resume}
     * @param takes what the option takes, in words, e.g. {@code a pretraining run (amos train
     *     --out)}
     * @param accepted the kinds accepted
     * @return what {@code dir} is
     */
    public static AmosFolder require(
            Path dir, String option, String takes, FolderKind... accepted) {
        AmosFolder folder = read(dir);
        if (folder.state == State.AMOS && Arrays.asList(accepted).contains(folder.kind)) {
            return folder;
        }
        String is =
                folder.state == State.MISSING ? "no such folder" : "this is " + folder.describe();
        throw BadInputException.of(dir, option + " takes " + takes + "; " + is);
    }

    /** The marker file name of a folder of {@code kind}. */
    public static String markerName(FolderKind kind) {
        return kind == FolderKind.SPARK_OUTPUT ? SPARK_MARKER : MARKER;
    }

    /** The names in {@code dir}, without the lock file and killed writers' temporaries. */
    static List<String> names(Path dir) {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                if (!name.equals(FolderLock.FILE) && !ATOMIC_TEMPORARY.matcher(name).matches()) {
                    out.add(name);
                }
            }
        } catch (IOException e) {
            throw BadInputException.of(dir, "cannot list the folder (" + e.getMessage() + ")");
        }
        return out;
    }

    /** The kind of a folder written before markers, from its files; null when none fits. */
    static FolderKind layoutKind(Path dir, List<String> names) {
        if (names.contains("config.json")) {
            JsonObject config = readQuietly(dir.resolve("config.json"));
            if (config != null && config.has("training") && config.has("model")) {
                return FolderKind.RUN;
            }
            if (names.contains("encoder.params")) {
                return config != null && config.has("import")
                        ? FolderKind.IMPORT
                        : FolderKind.ENCODER;
            }
            if (names.contains("classifier.params")) {
                return FolderKind.CLASSIFIER;
            }
        }
        if (names.contains("discriminator")
                && Files.isRegularFile(dir.resolve("discriminator").resolve("encoder.params"))) {
            return FolderKind.RUN; // a run's final encoder, without (or before) its config.json
        }
        if (names.contains("serving.properties")) {
            return FolderKind.EXPORT;
        }
        if (names.contains("glue.json")) {
            return FolderKind.GLUE;
        }
        if (names.contains("results.json")
                        && (names.contains("best")
                                || names.stream().anyMatch(n -> n.startsWith("seed-")))
                || names.contains("best")
                        && Files.isRegularFile(dir.resolve("best").resolve("classifier.params"))) {
            return FolderKind.FINETUNE;
        }
        if (names.stream().allMatch(n -> SPARK_FILE.matcher(n).matches())) {
            return FolderKind.SPARK_OUTPUT;
        }
        if (names.stream().allMatch(SUBMISSION_FILES::contains)) {
            return FolderKind.SUBMISSION;
        }
        return null;
    }

    private static JsonObject readMarker(Path marker) {
        JsonObject json = readQuietly(marker);
        if (json == null || !json.has("kind") || !json.get("kind").isJsonPrimitive()) {
            throw BadInputException.of(
                    marker, "expected a JSON object with a \"kind\" (an amos folder marker)");
        }
        try {
            FolderKind.fromId(json.get("kind").getAsString());
        } catch (IllegalArgumentException e) {
            throw BadInputException.of(
                    marker,
                    e.getMessage()
                            + " (expected one of "
                            + Arrays.stream(FolderKind.values()).map(FolderKind::id).toList()
                            + ")");
        }
        return json;
    }

    private static JsonObject readQuietly(Path file) {
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file));
            return e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (IOException | JsonParseException | IllegalStateException e) {
            return null;
        }
    }

    private static List<String> nonNull(String... values) {
        return Arrays.stream(values).filter(v -> v != null && !v.isEmpty()).toList();
    }
}
