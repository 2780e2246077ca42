package io.ragway.index;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Copies the embedded index into a Solr collection with the vectors it stores, so nothing is
 * embedded again. Chunks keep their ids (Solr's keys are tenant and chunk id), so running it again
 * overwrites instead of duplicating; a source whose content changed since the last copy loses its
 * old chunks first.
 */
public final class SolrMigration {

  /**
   * @param chunks chunks copied
   * @param sources source records copied
   * @param replaced sources whose older copy in Solr (another content hash) was removed first
   */
  public record Result(long chunks, int sources, int replaced) {}

  private SolrMigration() {}

  /**
   * Copies every committed chunk and source of {@code from} (an embedded index) into {@code to} (a
   * Solr index) in batches of {@code batch} chunks, reporting the chunks copied so far, then commits.
   *
   * @throws IllegalArgumentException if the indexes are not an embedded one and a Solr one
   */
  public static Result copy(Index from, Index to, int batch, LongConsumer progress) {
    if (!(from instanceof LuceneIndex lucene) || !(to instanceof SolrIndex solr)) {
      throw new IllegalArgumentException("migrate copies an embedded index into a Solr collection");
    }
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be >= 1");
    }
    List<Index.SourceInfo> sources = lucene.sources();
    Map<String, String> copied = new HashMap<>();
    for (Index.SourceInfo s : solr.sources()) {
      copied.put(s.tenant() + '\u0000' + s.source(), s.hash());
    }
    int replaced = 0;
    for (Index.SourceInfo s : sources) {
      String hash = copied.get(s.tenant() + '\u0000' + s.source());
      if (hash != null && !hash.equals(s.hash())) {
        solr.deleteSource(s.tenant(), s.source());
        replaced++;
      }
    }
    long[] done = {0};
    lucene.scan(batch, (chunks, vectors) -> {
      solr.add(chunks, vectors);
      done[0] += chunks.size();
      progress.accept(done[0]);
    });
    for (int i = 0; i < sources.size(); i += batch) {
      solr.putSources(sources.subList(i, Math.min(sources.size(), i + batch)));
    }
    solr.commit();
    return new Result(done[0], sources.size(), replaced);
  }
}
