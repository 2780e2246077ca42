package io.ragway.eval;

import java.util.Locale;

/** Quality and speed of one retrieval mode on one data set. */
public record RetrievalReport(String mode, double ndcgAt10, double recallAt100, double mrrAt10, int queries, int docs,
    double indexSeconds, double queryMsP50, double queryMsP99) {

  /** One JSON line, keys in a fixed order, for scripts and CI gates. */
  public String toJson() {
    return String.format(Locale.ROOT,
        "{\"mode\":\"%s\",\"ndcg@10\":%.4f,\"recall@100\":%.4f,\"mrr@10\":%.4f,\"queries\":%d,\"docs\":%d,"
            + "\"index_seconds\":%.3f,\"query_ms_p50\":%.3f,\"query_ms_p99\":%.3f}",
        mode.replace("\"", ""), ndcgAt10, recallAt100, mrrAt10, queries, docs, indexSeconds, queryMsP50, queryMsP99);
  }
}
