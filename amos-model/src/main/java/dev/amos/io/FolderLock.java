package dev.amos.io;

import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An operating-system lock on an output folder ({@code DIR/.lock}), held by the one process that
 * writes there: {@code amos train} (new or {@code --resume}) and {@code amos finetune --out}. It is
 * a {@link FileChannel#tryLock() FileChannel lock} (POSIX {@code fcntl} on Linux), so the kernel
 * releases it when its process dies, SIGKILL included; the PID written in the file is only there to
 * name the holder in the error, never to decide whether the folder is taken. The file itself stays
 * behind after the lock is released (deleting it could race with a process that just opened it).
 *
 * <pre>{@code
 * try (FolderLock lock = FolderLock.acquire(runDir)) {
 *     ... write the folder ...
 * }
 * }</pre>
 */
public final class FolderLock implements AutoCloseable {

    /** The lock file inside the folder. */
    public static final String FILE = ".lock";

    private final Path folder;
    private final FileChannel channel;
    private final FileLock lock;

    private FolderLock(Path folder, FileChannel channel, FileLock lock) {
        this.folder = folder;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code folder} (created when missing) without waiting.
     *
     * @param folder the output folder
     * @return the held lock; close it when the folder is complete
     * @throws BadInputException naming the folder and the holder's PID when another process (or
     *     another lock in this process) holds it
     * @throws IOException when the lock file cannot be created or written
     */
    public static FolderLock acquire(Path folder) throws IOException {
        Files.createDirectories(folder);
        Path file = folder.resolve(FILE);
        FileChannel channel =
                FileChannel.open(
                        file,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM already
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(channel);
            channel.close();
            throw BadInputException.of(
                    folder,
                    "in use by another amos process (PID "
                            + holder
                            + " holds "
                            + FILE
                            + "); wait for it to finish or stop it, or choose another --out");
        }
        byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(pid), 0);
        channel.force(false);
        return new FolderLock(folder, channel, lock);
    }

    /** The PID recorded in the lock file, or "unknown". */
    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        String text =
                new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
        return text.matches("[0-9]+") ? text : "unknown";
    }

    /** The locked folder. */
    public Path folder() {
        return folder;
    }

    /** Releases the lock (the file stays). */
    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            channel.close();
        }
    }

    /**
     * Holds the lock of {@code args[0]} until killed, after printing {@code locked} on stdout: the
     * other process of the lock tests (and of scripts that want to hold a folder).
     *
     * @param args the folder
     * @throws Exception when the lock cannot be taken
     */
    public static void main(String[] args) throws Exception {
        try (FolderLock lock = acquire(Path.of(args[0]))) {
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
