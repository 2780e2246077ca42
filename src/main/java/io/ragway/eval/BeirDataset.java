package io.ragway.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A retrieval test collection in the BEIR layout: {@code corpus.jsonl}, {@code queries.jsonl} and
 * {@code qrels/SPLIT.tsv}. Only ids, titles and texts are read: BEIR's query {@code metadata} can
 * name the relevant documents, so it never reaches a retriever.
 *
 * @param queries query id to text, in file order, only queries judged in the split
 * @param qrels query id to (document id to relevance grade)
 */
public record BeirDataset(List<BeirDoc> corpus, Map<String, String> queries, Map<String, Map<String, Integer>> qrels) {

  /** One corpus document. */
  public record BeirDoc(String id, String title, String text) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  public BeirDataset {
    corpus = List.copyOf(corpus);
    queries = Collections.unmodifiableMap(new LinkedHashMap<>(queries));
    qrels = Map.copyOf(qrels);
  }

  public static BeirDataset load(Path dir, String split) throws IOException {
    Path corpusFile = require(dir.resolve("corpus.jsonl"));
    Path queriesFile = require(dir.resolve("queries.jsonl"));
    Path qrelsFile = require(dir.resolve("qrels").resolve(split + ".tsv"));

    Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
    try (BufferedReader r = Files.newBufferedReader(qrelsFile, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) { // readLine drops \r\n as well as \n
        n++;
        line = line.strip();
        if (line.isEmpty() || (n == 1 && line.startsWith("query-id"))) {
          continue;
        }
        String[] f = line.split("\t");
        if (f.length != 3) {
          throw new IllegalArgumentException(qrelsFile + ":" + n + ": expected query-id<TAB>corpus-id<TAB>score");
        }
        try {
          qrels.computeIfAbsent(f[0], k -> new LinkedHashMap<>()).put(f[1], Integer.parseInt(f[2].strip()));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(qrelsFile + ":" + n + ": score is not an integer: " + f[2]);
        }
      }
    }

    Map<String, String> queries = new LinkedHashMap<>();
    forEachJson(queriesFile, (node, line) -> {
      String id = text(node, "_id", queriesFile, line);
      if (qrels.containsKey(id)) {
        queries.put(id, text(node, "text", queriesFile, line));
      }
    });
    for (String q : qrels.keySet()) {
      if (!queries.containsKey(q)) {
        throw new IllegalArgumentException(qrelsFile + " judges query " + q + ", which is not in " + queriesFile);
      }
    }

    List<BeirDoc> corpus = new ArrayList<>();
    forEachJson(corpusFile, (node, line) -> corpus.add(new BeirDoc(text(node, "_id", corpusFile, line),
        node.path("title").asText(""), text(node, "text", corpusFile, line))));
    return new BeirDataset(corpus, queries, qrels);
  }

  /**
   * The first {@code maxQueries} queries, and a corpus of every document relevant to them plus the
   * first other documents in corpus order, up to {@code maxDocs} in all.
   */
  public BeirDataset subset(int maxQueries, int maxDocs) {
    Map<String, String> q = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> rel = new LinkedHashMap<>();
    Set<String> needed = new HashSet<>();
    for (Map.Entry<String, String> e : queries.entrySet()) {
      if (q.size() == maxQueries) {
        break;
      }
      q.put(e.getKey(), e.getValue());
      rel.put(e.getKey(), qrels.get(e.getKey()));
      needed.addAll(qrels.get(e.getKey()).keySet());
    }
    int room = Math.max(0, maxDocs - needed.size());
    List<BeirDoc> docs = new ArrayList<>();
    for (BeirDoc d : corpus) {
      if (needed.contains(d.id())) {
        docs.add(d);
      } else if (room > 0) {
        docs.add(d);
        room--;
      }
    }
    return new BeirDataset(docs, q, rel);
  }

  private interface LineHandler {
    void accept(JsonNode node, int line);
  }

  private static void forEachJson(Path file, LineHandler handler) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (IOException e) {
          throw new IllegalArgumentException(file + ":" + n + ": not valid JSON");
        }
        handler.accept(node, n);
      }
    }
  }

  private static String text(JsonNode node, String field, Path file, int line) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException(file + ":" + line + ": missing \"" + field + "\"");
    }
    return v.asText();
  }

  private static Path require(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("missing " + file + " (a BEIR folder has corpus.jsonl, queries.jsonl and qrels/SPLIT.tsv)");
    }
    return file;
  }
}
