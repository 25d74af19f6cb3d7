package dev.amos.spark;

import dev.amos.model.BadInputException;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.SparkSession;

/**
 * Where the executors find a model folder. A local path ({@code /shared/models/x} or {@code
 * file:/...}) is read in place, so it must be visible at the same path on every executor (shared
 * storage: NFS, a mounted volume, or the one machine of local mode). Any other scheme Spark's
 * Hadoop layer reads ({@code hdfs:}, {@code s3a:}, {@code gs:}, ...) is copied once per executor
 * with {@link org.apache.spark.SparkContext#addFile(String, boolean)} and read from {@link
 * SparkFiles#get}. Serializable: it travels to the executors inside the partition function.
 */
final class ModelFolder implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String localPath;
    private final String sparkFileName;

    private ModelFolder(String localPath, String sparkFileName) {
        this.localPath = localPath;
        this.sparkFileName = sparkFileName;
    }

    /**
     * Resolves {@code location} on the driver. For a remote folder it is first copied to a local
     * temporary folder on the driver (so it can be checked before any task runs) and registered
     * with {@code addFile} for the executors.
     *
     * @return the folder, and the driver-local path to validate
     * @throws BadInputException if it does not exist
     */
    static Resolved resolve(SparkSession spark, String location) {
        URI uri = isUri(location) ? toUri(location) : null;
        if (uri == null || "file".equals(uri.getScheme().toLowerCase(Locale.ROOT))) {
            Path dir = uri == null ? Path.of(location) : Path.of(uri);
            if (!Files.isDirectory(dir)) {
                throw BadInputException.of(
                        dir,
                        "no such model folder (expected it at this path on the driver"
                                + " and on every executor, e.g. on shared storage)");
            }
            String absolute = dir.toAbsolutePath().normalize().toString();
            return new Resolved(new ModelFolder(absolute, null), Path.of(absolute), null);
        }
        try {
            org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(uri);
            FileSystem fs = remote.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(remote) || !fs.getFileStatus(remote).isDirectory()) {
                throw new BadInputException(location + ": no such model folder");
            }
            Path local = Files.createTempDirectory("amos-model-");
            fs.copyToLocalFile(false, remote, new org.apache.hadoop.fs.Path(local.toUri()), true);
            Path copied = local.resolve(remote.getName());
            spark.sparkContext().addFile(location, true);
            return new Resolved(new ModelFolder(null, remote.getName()), copied, local);
        } catch (IOException e) {
            throw new BadInputException(
                    location + ": cannot read the model folder (" + e.getMessage() + ")", e);
        }
    }

    /** The folder on this JVM (driver or executor). */
    Path localDir() {
        return localPath != null ? Path.of(localPath) : Path.of(SparkFiles.get(sparkFileName));
    }

    /** A cache key that is the same for every task of one executor JVM. */
    String key() {
        return localPath != null ? "local:" + localPath : "spark-files:" + sparkFileName;
    }

    /**
     * Whether {@code location} starts with a scheme of two letters or more (so not a Windows
     * drive).
     */
    private static boolean isUri(String location) {
        return location.matches("^[A-Za-z][A-Za-z0-9+.-]+:.*");
    }

    private static URI toUri(String location) {
        try {
            return new URI(location);
        } catch (URISyntaxException e) {
            throw new BadInputException(
                    location + ": not a valid model folder URI (" + e.getMessage() + ")");
        }
    }

    /**
     * A resolved folder and the path at which the driver can check it; closing it deletes the
     * driver's temporary copy of a remote folder (the executors read theirs from SparkFiles).
     */
    record Resolved(ModelFolder folder, Path driverDir, Path driverCopy) implements AutoCloseable {
        @Override
        public void close() {
            if (driverCopy == null) {
                return;
            }
            try (Stream<Path> paths = Files.walk(driverCopy)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the temporary copy " + driverCopy, e);
            }
        }
    }
}
