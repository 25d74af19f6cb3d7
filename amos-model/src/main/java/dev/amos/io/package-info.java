/**
 * Shared file plumbing of every module: atomic file and folder writes, recursive delete, SHA-256,
 * the console progress bar.
 */
package dev.amos.io;
