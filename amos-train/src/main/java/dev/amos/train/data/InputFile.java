package dev.amos.train.data;

/**
 * One corpus file as found on disk; the shard cache is valid only while all three stay the same.
 *
 * @param path the absolute, normalized path
 * @param size the size in bytes
 * @param lastModifiedMillis the last-modified time, in milliseconds since the epoch
 */
public record InputFile(String path, long size, long lastModifiedMillis) {}
