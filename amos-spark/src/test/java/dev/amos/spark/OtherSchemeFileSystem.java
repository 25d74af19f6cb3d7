package dev.amos.spark;

import java.net.URI;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local file system under the scheme {@code amostest:}, so that the remote-model path of {@link
 * ModelFolder} (driver copy + {@code addFile} + {@code SparkFiles.get}) runs in local mode as it
 * would for {@code hdfs:} or {@code s3a:}. Registered as {@code spark.hadoop.fs.amostest.impl}.
 */
public final class OtherSchemeFileSystem extends RawLocalFileSystem {

    static final String SCHEME = "amostest";

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }
}
