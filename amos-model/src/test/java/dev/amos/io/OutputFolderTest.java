package dev.amos.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules of {@link OutputFolder} and {@link OutputFile}: what is refused, what a swap leaves.
 */
class OutputFolderTest {

    @TempDir Path tmp;

    @Test
    void stagedWriterSwapsInTheWholeFolderAndMarksItsKind() throws IOException {
        Path out = tmp.resolve("export");
        write(out, "a.txt", "new", FolderKind.EXPORT, false);
        assertEquals(FolderKind.EXPORT, AmosFolder.read(out).kind());
        assertEquals("new", Files.readString(out.resolve("a.txt")));
        assertEquals(
                List.of("export"),
                siblings(),
                "no staging or set-aside folder is left beside the target");
    }

    @Test
    void refusesWithoutTouchingAFolderOfAnotherKind() throws IOException {
        Path run = tmp.resolve("run");
        write(run, "config.json", "{}", FolderKind.RUN, false);
        Map<String, String> before = snapshot(run);
        BadInputException e =
                assertThrows(
                        BadInputException.class,
                        () -> write(run, "a.txt", "x", FolderKind.EXPORT, true));
        assertTrue(e.getMessage().contains("a pretraining run"), e.getMessage());
        assertEquals(before, snapshot(run));
    }

    @Test
    void refusesAForeignFolderAFileAndTheSameKindWithoutOverwrite() throws IOException {
        Path foreign = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(foreign.resolve("notes.txt"), "keep");
        assertThrows(
                BadInputException.class,
                () -> write(foreign, "a.txt", "x", FolderKind.EXPORT, true));
        assertEquals("keep", Files.readString(foreign.resolve("notes.txt")));
        assertEquals(List.of("notes.txt"), names(foreign));

        Path file = Files.writeString(tmp.resolve("file"), "keep");
        assertThrows(
                BadInputException.class, () -> write(file, "a.txt", "x", FolderKind.EXPORT, true));

        Path export = tmp.resolve("export");
        write(export, "a.txt", "old", FolderKind.EXPORT, false);
        BadInputException e =
                assertThrows(
                        BadInputException.class,
                        () -> write(export, "a.txt", "x", FolderKind.EXPORT, false));
        assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
        write(export, "b.txt", "new", FolderKind.EXPORT, true);
        assertEquals(
                List.of(AmosFolder.MARKER, "b.txt"),
                names(export),
                "the old set is gone whole, not mixed");
    }

    @Test
    void refusesTheInputItsParentItsChildAndFoldersInsideOtherAmosFolders() throws IOException {
        Path input = Files.createDirectories(tmp.resolve("in/model"));
        for (Path target : List.of(input, input.resolve("out"), tmp.resolve("in"))) {
            assertThrows(
                    BadInputException.class,
                    () -> OutputFolder.check(target, FolderKind.EXPORT, true, "--out", input),
                    target.toString());
        }
        Path run = tmp.resolve("run");
        write(run, "config.json", "{}", FolderKind.RUN, false);
        BadInputException e =
                assertThrows(
                        BadInputException.class,
                        () ->
                                OutputFolder.check(
                                        run.resolve("sub/export"),
                                        FolderKind.EXPORT,
                                        true,
                                        "--out"));
        assertTrue(e.getMessage().contains("is inside"), e.getMessage());
        Path glue = tmp.resolve("glue");
        try (OutputFolder g = OutputFolder.inPlace(glue, FolderKind.GLUE, false, "--out", null)) {
            OutputFolder.check(
                    glue.resolve("RTE"),
                    FolderKind.FINETUNE,
                    false,
                    "--out"); // a GLUE run holds its fine-tunes
        }
    }

    @Test
    void aWriterKilledBetweenTheTwoRenamesLeavesTheOldFolderWhichTheNextWriterPutsBack()
            throws IOException {
        Path out = tmp.resolve("export");
        write(out, "a.txt", "old", FolderKind.EXPORT, false);
        Map<String, String> old = snapshot(out);
        Files.move(out, tmp.resolve(".export.amos-old-1-5")); // what the kill left
        Files.createDirectories(tmp.resolve(".export.amos-staging-1-6"));
        Files.writeString(tmp.resolve(".export.amos-staging-1-6/a.txt"), "half");
        assertThrows(
                BadInputException.class, () -> write(out, "a.txt", "x", FolderKind.EXPORT, false));
        assertEquals(old, snapshot(out), "the previous export is back, whole");
        write(out, "a.txt", "new", FolderKind.EXPORT, true);
        assertEquals("new", Files.readString(out.resolve("a.txt")));
        assertEquals(
                List.of("export"), siblings(), "the killed writer's staging folder is removed");
    }

    /**
     * Each state a staged writer can be killed in, laid out by hand as the kill would leave it:
     * before the first rename (staging complete or half written), between the two renames (the old
     * folder aside, no target), after the second (the new folder in place, the old one not yet
     * deleted). In every state the target holds one whole set, and the next writer of the target
     * ends with one whole set and nothing beside it.
     */
    @Test
    void atEachRenameOfASwapTheTargetIsTheOldSetOrTheNewSet() throws IOException {
        for (String state :
                List.of(
                        "staging half",
                        "staging complete",
                        "between renames",
                        "after second rename")) {
            Path root = Files.createDirectories(tmp.resolve(state.replace(' ', '-')));
            Path out = root.resolve("export");
            write(out, "old.txt", "old", FolderKind.EXPORT, false);
            Map<String, String> oldSet = snapshot(out);
            Path staging = root.resolve(".export.amos-staging-7-1");
            Files.createDirectories(staging);
            Files.writeString(staging.resolve("new.txt"), "new");
            if (!state.equals("staging half")) {
                OutputFolder.writeMarker(staging, FolderKind.EXPORT, null);
            }
            Map<String, String> newSet = snapshot(staging);
            if (state.equals("between renames") || state.equals("after second rename")) {
                Files.move(out, root.resolve(".export.amos-old-7-2"));
            }
            if (state.equals("after second rename")) {
                Files.move(staging, out);
            }
            Map<String, String> seen =
                    Files.exists(out)
                            ? snapshot(out)
                            : snapshot(root.resolve(".export.amos-old-7-2"));
            assertTrue(seen.equals(oldSet) || seen.equals(newSet), state + ": " + seen);

            try (OutputFolder next = OutputFolder.staged(out, FolderKind.EXPORT, true, "--out")) {
                Map<String, String> now = snapshot(out);
                assertEquals(state.equals("after second rename") ? newSet : oldSet, now, state);
            }
            assertEquals(
                    List.of("export"), names(root), state + ": nothing is left beside the target");
        }
    }

    @Test
    void aWriterThatFailsLeavesNoTrace() throws IOException {
        Path out = tmp.resolve("never");
        assertThrows(
                IllegalStateException.class,
                () -> {
                    try (OutputFolder f =
                            OutputFolder.staged(out, FolderKind.IMPORT, false, "--out")) {
                        Files.writeString(f.dir().resolve("half"), "x");
                        throw new IllegalStateException("bad weights");
                    }
                });
        assertEquals(List.of(), siblings());
        try (OutputFolder f =
                OutputFolder.inPlace(out, FolderKind.FINETUNE, false, "--out", null)) {
            assertTrue(
                    Files.isRegularFile(out.resolve(AmosFolder.MARKER)),
                    "an in-place writer marks its folder first");
        }
        assertFalse(Files.exists(out), "an in-place writer that wrote nothing leaves nothing");
    }

    @Test
    void inPlaceOverwriteStartsAfresh() throws IOException {
        Path out = tmp.resolve("ft");
        try (OutputFolder f =
                OutputFolder.inPlace(out, FolderKind.FINETUNE, false, "--out", null)) {
            Files.writeString(f.dir().resolve("results.json"), "{}");
        }
        assertThrows(
                BadInputException.class,
                () -> OutputFolder.inPlace(out, FolderKind.FINETUNE, false, "--out", null));
        try (OutputFolder f = OutputFolder.inPlace(out, FolderKind.FINETUNE, true, "--out", null)) {
            assertEquals(List.of(AmosFolder.MARKER), names(out));
            Files.writeString(f.dir().resolve("results.json"), "{\"new\": 1}");
        }
        assertEquals(List.of("ft"), siblings());
    }

    @Test
    void legacyFoldersAreRecognisedByTheirLayout() throws IOException {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve("config.json"), "{\"model\": {}, \"training\": {}}");
        assertEquals(FolderKind.RUN, AmosFolder.read(run).kind());
        Path export = Files.createDirectories(tmp.resolve("export"));
        Files.writeString(export.resolve("serving.properties"), "engine=PyTorch\n");
        assertEquals(FolderKind.EXPORT, AmosFolder.read(export).kind());
        Path spark = Files.createDirectories(tmp.resolve("spark"));
        Files.writeString(spark.resolve("part-00000-x.json"), "{}\n");
        Files.writeString(spark.resolve("_SUCCESS"), "");
        assertEquals(FolderKind.SPARK_OUTPUT, AmosFolder.read(spark).kind());
        Path locked = Files.createDirectories(tmp.resolve("locked"));
        Files.writeString(locked.resolve(FolderLock.FILE), "1\n");
        assertEquals(AmosFolder.State.EMPTY, AmosFolder.read(locked).state());
    }

    @Test
    void outputFileRefusesItsInputAFolderAndAnExistingFileWithoutOverwrite() throws IOException {
        Path input = Files.writeString(tmp.resolve("texts.txt"), "a\n");
        assertThrows(
                BadInputException.class, () -> OutputFile.check(input, true, "--output", input));
        assertThrows(BadInputException.class, () -> OutputFile.check(tmp, true, "--output"));
        Path out = Files.writeString(tmp.resolve("vectors.jsonl"), "old\n");
        assertThrows(
                BadInputException.class, () -> OutputFile.check(out, false, "--output", input));
        OutputFile.check(out, true, "--output", input);
        Path dead = tmp.resolve(".vectors.jsonl." + Long.MAX_VALUE / 4 + ".abc.tmp");
        Files.writeString(dead, "half");
        OutputFile.removeTemporaries(out);
        assertFalse(Files.exists(dead));
    }

    private static void write(
            Path target, String name, String text, FolderKind kind, boolean overwrite)
            throws IOException {
        try (OutputFolder f = OutputFolder.staged(target, kind, overwrite, "--out")) {
            Files.writeString(f.dir().resolve(name), text);
            f.commit(new JsonObject());
        }
    }

    private List<String> siblings() throws IOException {
        return names(tmp);
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals(FolderLock.FILE))
                    .sorted()
                    .toList();
        }
    }

    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p :
                    s.filter(Files::isRegularFile)
                            .filter(p -> !p.getFileName().toString().equals(FolderLock.FILE))
                            .toList()) {
                out.put(
                        dir.relativize(p).toString(),
                        new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }
}
