package dev.amos.train.data;

import java.util.ArrayList;
import java.util.List;

/**
 * A tokenized corpus: documents made of lines (paragraphs), lines made of token ids, numbered
 * globally. Line {@code l} holds the tokens {@code [lineStart(l), lineEnd(l))}; document {@code d}
 * holds the lines {@code [firstLine(d), firstLine(d + 1))}. No line is empty.
 *
 * <p>Implemented by the memory-mapped {@link TokenShards} and, for tests and small inputs, by
 * {@link #of(List)}.
 */
public interface TokenCorpus {

    /**
     * @return the number of documents
     */
    long documentCount();

    /**
     * The first line of a document.
     *
     * @param document a document index in {@code [0, documentCount()]}; {@code documentCount()}
     *     gives the total line count
     * @return the global index of its first line
     */
    long firstLine(long document);

    /**
     * Where a line's tokens start.
     *
     * @param line a global line index
     * @return the global offset of its first token
     */
    long lineStart(long line);

    /**
     * Where a line's tokens end.
     *
     * @param line a global line index
     * @return the global offset just past its last token
     */
    long lineEnd(long line);

    /**
     * @return the total number of tokens
     */
    long tokenCount();

    /**
     * Copies token ids.
     *
     * @param from the global offset of the first token
     * @param length how many tokens
     * @param target where to write them
     * @param targetOffset the first index written in {@code target}
     */
    void copyTokens(long from, int length, long[] target, int targetOffset);

    /**
     * An in-memory corpus; empty lines and documents without lines are dropped.
     *
     * @param documents for each document, its lines' token ids
     * @return the corpus
     */
    static TokenCorpus of(List<List<long[]>> documents) {
        List<long[]> tokensPerLine = new ArrayList<>();
        List<Long> documentStarts = new ArrayList<>();
        for (List<long[]> document : documents) {
            int before = tokensPerLine.size();
            for (long[] line : document) {
                if (line.length > 0) {
                    tokensPerLine.add(line.clone());
                }
            }
            if (tokensPerLine.size() > before) {
                documentStarts.add((long) before);
            }
        }
        long[] lineStarts = new long[tokensPerLine.size() + 1];
        for (int i = 0; i < tokensPerLine.size(); i++) {
            lineStarts[i + 1] = lineStarts[i] + tokensPerLine.get(i).length;
        }
        long[] tokens = new long[Math.toIntExact(lineStarts[tokensPerLine.size()])];
        for (int i = 0; i < tokensPerLine.size(); i++) {
            long[] line = tokensPerLine.get(i);
            System.arraycopy(line, 0, tokens, (int) lineStarts[i], line.length);
        }
        long[] firstLines = new long[documentStarts.size() + 1];
        for (int d = 0; d < documentStarts.size(); d++) {
            firstLines[d] = documentStarts.get(d);
        }
        firstLines[documentStarts.size()] = tokensPerLine.size();
        return new TokenCorpus() {
            @Override
            public long documentCount() {
                return firstLines.length - 1;
            }

            @Override
            public long firstLine(long document) {
                return firstLines[Math.toIntExact(document)];
            }

            @Override
            public long lineStart(long line) {
                return lineStarts[Math.toIntExact(line)];
            }

            @Override
            public long lineEnd(long line) {
                return lineStarts[Math.toIntExact(line) + 1];
            }

            @Override
            public long tokenCount() {
                return tokens.length;
            }

            @Override
            public void copyTokens(long from, int length, long[] target, int targetOffset) {
                System.arraycopy(tokens, Math.toIntExact(from), target, targetOffset, length);
            }
        };
    }
}
